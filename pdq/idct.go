package pdq

// Integer inverse DCT with the arithmetic of the IJG "islow" method, the
// default of libjpeg and libjpeg-turbo (whose SIMD versions give the same
// results). It is the Loeffler–Ligtenberg–Moschytz flow graph (C. Loeffler,
// A. Ligtenberg, G. Moschytz, "Practical fast 1-D DCT algorithms with 11
// multiplications", ICASSP 1989) with 12 multiplications by constants in
// 13-bit fixed point, columns first with 2 extra bits of precision kept
// between the passes, rows second; results are rounded at the end of each
// pass (add half, arithmetic shift), level-shifted by 128 and clamped
// through the 10-bit wrap-around range table that libjpeg uses.
//
// Being integer arithmetic, the result depends only on the constants, the
// points of rounding and the grouping of the multiplications, all given
// below; the code is our own.

const (
	idctConstBits = 13
	idctPass1Bits = 2

	fix0298631336 = 2446  // round(0.298631336 · 2^13)
	fix0390180644 = 3196  // round(0.390180644 · 2^13)
	fix0541196100 = 4433  // round(0.541196100 · 2^13)
	fix0765366865 = 6270  // round(0.765366865 · 2^13)
	fix0899976223 = 7373  // round(0.899976223 · 2^13)
	fix1175875602 = 9633  // round(1.175875602 · 2^13)
	fix1501321110 = 12299 // round(1.501321110 · 2^13)
	fix1847759065 = 15137 // round(1.847759065 · 2^13)
	fix1961570560 = 16069 // round(1.961570560 · 2^13)
	fix2053119869 = 16819 // round(2.053119869 · 2^13)
	fix2562915447 = 20995 // round(2.562915447 · 2^13)
	fix3072711026 = 25172 // round(3.072711026 · 2^13)
)

// idctRange maps a rounded output x (before the +128 level shift), taken
// modulo 1024, to a sample: clamp(x+128, 0, 255) for −512 ≤ x < 512,
// wrapping around outside that range exactly as libjpeg's range-limit
// table does (it only matters for corrupt data).
var idctRange [1024]uint8

func init() {
	for i := range 1024 {
		switch {
		case i < 128:
			idctRange[i] = uint8(i + 128)
		case i < 512:
			idctRange[i] = 255
		case i < 896:
			idctRange[i] = 0
		default:
			idctRange[i] = uint8(i - 896)
		}
	}
}

// idct1D is the 8-point flow graph shared by both passes. in0..in7 are the
// inputs in natural order; it returns the eight outputs before the final
// rounding shift, scaled by 2^13.
func idct1D(in0, in1, in2, in3, in4, in5, in6, in7 int) (o0, o1, o2, o3, o4, o5, o6, o7 int) {
	// Even part: rotation of inputs 2 and 6, butterflies with 0 and 4.
	z1 := (in2 + in6) * fix0541196100
	tmp2 := z1 - in6*fix1847759065
	tmp3 := z1 + in2*fix0765366865
	tmp0 := (in0 + in4) << idctConstBits
	tmp1 := (in0 - in4) << idctConstBits
	tmp10 := tmp0 + tmp3
	tmp13 := tmp0 - tmp3
	tmp11 := tmp1 + tmp2
	tmp12 := tmp1 - tmp2

	// Odd part, inputs 7, 5, 3, 1.
	t0, t1, t2, t3 := in7, in5, in3, in1
	z1 = t0 + t3
	z2 := t1 + t2
	z3 := t0 + t2
	z4 := t1 + t3
	z5 := (z3 + z4) * fix1175875602
	t0 *= fix0298631336
	t1 *= fix2053119869
	t2 *= fix3072711026
	t3 *= fix1501321110
	z1 *= -fix0899976223
	z2 *= -fix2562915447
	z3 *= -fix1961570560
	z4 *= -fix0390180644
	z3 += z5
	z4 += z5
	t0 += z1 + z3
	t1 += z2 + z4
	t2 += z2 + z3
	t3 += z1 + z4

	return tmp10 + t3, tmp11 + t2, tmp12 + t1, tmp13 + t0,
		tmp13 - t0, tmp12 - t1, tmp11 - t2, tmp10 - t3
}

// idctBlock dequantises the 64 coefficients of blk (natural order) with q,
// inverse-transforms them and writes the 8×8 samples to dst (row stride
// stride). Only the rows whose bit is set in rows are computed and written;
// the others are left as they were (the hash never reads them).
func idctBlock(blk *[64]int16, q *[64]int32, dst []uint8, stride int, rows uint8) {
	if rows == 0 {
		return
	}
	var ws [64]int32
	const shift1 = idctConstBits - idctPass1Bits
	const round1 = 1 << (shift1 - 1)
	// Pass 1: columns.
	for c := range 8 {
		if blk[8+c]|blk[16+c]|blk[24+c]|blk[32+c]|blk[40+c]|blk[48+c]|blk[56+c] == 0 {
			// Only the DC term: the flow graph gives the same value at all
			// eight outputs.
			dc := int32(blk[c]) * q[c] << idctPass1Bits
			for r := range 8 {
				ws[8*r+c] = dc
			}
			continue
		}
		o0, o1, o2, o3, o4, o5, o6, o7 := idct1D(
			int(int32(blk[c])*q[c]), int(int32(blk[8+c])*q[8+c]),
			int(int32(blk[16+c])*q[16+c]), int(int32(blk[24+c])*q[24+c]),
			int(int32(blk[32+c])*q[32+c]), int(int32(blk[40+c])*q[40+c]),
			int(int32(blk[48+c])*q[48+c]), int(int32(blk[56+c])*q[56+c]))
		ws[c] = int32((o0 + round1) >> shift1)
		ws[8+c] = int32((o1 + round1) >> shift1)
		ws[16+c] = int32((o2 + round1) >> shift1)
		ws[24+c] = int32((o3 + round1) >> shift1)
		ws[32+c] = int32((o4 + round1) >> shift1)
		ws[40+c] = int32((o5 + round1) >> shift1)
		ws[48+c] = int32((o6 + round1) >> shift1)
		ws[56+c] = int32((o7 + round1) >> shift1)
	}
	// Pass 2: rows.
	const shift2 = idctConstBits + idctPass1Bits + 3
	const round2 = 1 << (shift2 - 1)
	for r := range 8 {
		if rows&(1<<r) == 0 {
			continue
		}
		w := (*[8]int32)(ws[8*r : 8*r+8])
		out := dst[r*stride : r*stride+8 : r*stride+8]
		if w[1]|w[2]|w[3]|w[4]|w[5]|w[6]|w[7] == 0 {
			v := idctRange[((int(w[0])+(1<<(idctPass1Bits+2)))>>(idctPass1Bits+3))&1023]
			for i := range out {
				out[i] = v
			}
			continue
		}
		o0, o1, o2, o3, o4, o5, o6, o7 := idct1D(
			int(w[0]), int(w[1]), int(w[2]), int(w[3]),
			int(w[4]), int(w[5]), int(w[6]), int(w[7]))
		out[0] = idctRange[((o0+round2)>>shift2)&1023]
		out[1] = idctRange[((o1+round2)>>shift2)&1023]
		out[2] = idctRange[((o2+round2)>>shift2)&1023]
		out[3] = idctRange[((o3+round2)>>shift2)&1023]
		out[4] = idctRange[((o4+round2)>>shift2)&1023]
		out[5] = idctRange[((o5+round2)>>shift2)&1023]
		out[6] = idctRange[((o6+round2)>>shift2)&1023]
		out[7] = idctRange[((o7+round2)>>shift2)&1023]
	}
}
