package pdq

import (
	"math"
	"slices"
)

// This file holds the hash step proper, from a float32 luminance plane to
// the 16×16 DCT coefficients, the quality metric and the 256 bits. Every
// step follows facebook/ThreatExchange pdq/cpp (hashing/pdqhashing.cpp,
// downscaling/downscaling.cpp, hashing/torben.cpp) operation by operation,
// in float32 and in the same order of summation, so that identical luma
// gives identical bits. The comments cite the formulas; the code is our own.
//
// Floating-point note: the Go specification allows x*y+z to be fused into
// one FMA instruction (it is on arm64), which would round differently from
// the reference build (x86-64 SSE, no contraction). Every product that is
// summed is therefore wrapped in an explicit float32 conversion, which the
// specification defines as a rounding point that prevents fusion.

const (
	// preShrinkDim is the reference's DOWNSAMPLE_DIMS (io/pdqio.cpp): an
	// image with a side above it is resized to exactly that many rows and
	// columns by nearest neighbour before the hash.
	preShrinkDim = 512

	// minHashableDim is the reference's MIN_HASHABLE_DIM: below it (after
	// the pre-shrink) the reference outputs an all-zero hash, quality 0.
	minHashableDim = 5

	// jaroszPasses is PDQ_NUM_JAROSZ_XY_PASSES.
	jaroszPasses = 2

	// maxPlane is the largest luma plane the hash step ever sees.
	maxPlane = preShrinkDim * preShrinkDim
)

// Luminance coefficients of the reference (float constants 0.299, 0.587,
// 0.114, i.e. the double literals rounded to float32).
const (
	lumaR float32 = 0.299
	lumaG float32 = 0.587
	lumaB float32 = 0.114
)

// lumaTabR[v] is float32(0.299)·v rounded to float32, which is exactly what
// the reference computes for each product before it adds them.
var lumaTabR, lumaTabG, lumaTabB [256]float32

// dctMatrix is the reference's 16×64 DCT matrix:
// D[i][j] = float32(float32(sqrt(2/64)) · cos(π/2/64 · (i+1) · (2j+1))),
// the cosine and the product evaluated in double, then rounded to float32
// (coefficients 1..16 of a 64-point DCT-II; the DC row is skipped).
var dctMatrix [16][64]float32

func init() {
	for v := range 256 {
		lumaTabR[v] = lumaR * float32(v)
		lumaTabG[v] = lumaG * float32(v)
		lumaTabB[v] = lumaB * float32(v)
	}
	scale := float32(math.Sqrt(2.0 / 64.0))
	for i := range 16 {
		for j := range 64 {
			arg := (math.Pi / 2.0 / 64.0) * float64(i+1) * float64(2*j+1)
			dctMatrix[i][j] = float32(float64(scale) * math.Cos(arg))
		}
	}
}

// lumaOf returns the reference luminance of an 8-bit RGB triple:
// (0.299·R + 0.587·G) + 0.114·B, each product and each sum rounded to
// float32, summed left to right as the C++ expression is.
func lumaOf(r, g, b uint8) float32 {
	return float32(lumaTabR[r]+lumaTabG[g]) + lumaTabB[b]
}

// workspace holds the buffers of one hash computation. It is pooled.
type workspace struct {
	buf1, buf2 []float32 // rows×cols luma planes (≤ 512×512)
	colSum     []float32 // per-column running sums of the vertical box pass
	a64        [64][64]float32
	t16        [16][64]float32
	b16        [16][16]float32
	sortTmp    [256]float32
}

func newWorkspace() *workspace {
	return &workspace{
		buf1:   make([]float32, maxPlane),
		buf2:   make([]float32, maxPlane),
		colSum: make([]float32, preShrinkDim),
	}
}

// jaroszWindow is computeJaroszFilterWindowSize(old, 64) of the reference:
// ceil(old/128) computed as (old + 2·64 − 1) / (2·64) in integers.
func jaroszWindow(oldDim int) int {
	return (oldDim + 2*64 - 1) / (2 * 64)
}

// boxRows applies the reference's 1-D box filter (box1DFloat) to every row
// of in (rows×cols, row-major) and writes out.
//
// The filter, for a window w and half = (w+2)/2: phase 1 adds half−1
// samples without writing; phase 2 writes w−half+1 outputs while the window
// grows; phase 3 writes n−w outputs adding the right sample and then
// subtracting the left one; phase 4 writes half−1 outputs while the window
// shrinks. Each output is the running sum divided by the current count.
func boxRows(in, out []float32, rows, cols, w int) {
	half := (w + 2) / 2
	p1 := half - 1
	p2 := w - half + 1
	p3 := cols - w
	p4 := half - 1
	for r := range rows {
		src := in[r*cols : (r+1)*cols : (r+1)*cols]
		dst := out[r*cols : (r+1)*cols : (r+1)*cols]
		var sum float32
		cnt := 0
		ri, li, oi := 0, 0, 0
		for range p1 {
			sum += src[ri]
			cnt++
			ri++
		}
		for range p2 {
			sum += src[ri]
			cnt++
			dst[oi] = sum / float32(cnt)
			ri++
			oi++
		}
		fc := float32(cnt)
		for range p3 {
			sum += src[ri]
			sum -= src[li]
			dst[oi] = sum / fc
			li++
			ri++
			oi++
		}
		for range p4 {
			sum -= src[li]
			cnt--
			dst[oi] = sum / float32(cnt)
			li++
			oi++
		}
	}
}

// boxCols applies the same 1-D box filter down every column. It walks the
// rows once and keeps one running sum per column, so memory is read
// sequentially; per column the float operations are those of the reference,
// in the same order, so the results are identical.
func boxCols(in, out, sums []float32, rows, cols, w int) {
	half := (w + 2) / 2
	p1 := half - 1
	p2 := w - half + 1
	p3 := rows - w
	p4 := half - 1
	sums = sums[:cols:cols]
	clear(sums)
	row := func(i int) []float32 { return in[i*cols : (i+1)*cols : (i+1)*cols] }
	orow := func(i int) []float32 { return out[i*cols : (i+1)*cols : (i+1)*cols] }
	cnt := 0
	ri, li, oi := 0, 0, 0
	for range p1 {
		src := row(ri)
		for j, v := range src {
			sums[j] += v
		}
		cnt++
		ri++
	}
	for range p2 {
		src := row(ri)
		dst := orow(oi)
		cnt++
		fc := float32(cnt)
		for j, v := range src {
			s := sums[j] + v
			sums[j] = s
			dst[j] = s / fc
		}
		ri++
		oi++
	}
	fc := float32(cnt)
	for range p3 {
		add := row(ri)
		sub := row(li)
		dst := orow(oi)
		for j := range dst {
			s := sums[j] + add[j]
			s -= sub[j]
			sums[j] = s
			dst[j] = s / fc
		}
		li++
		ri++
		oi++
	}
	for range p4 {
		sub := row(li)
		dst := orow(oi)
		cnt--
		fc := float32(cnt)
		for j := range dst {
			s := sums[j] - sub[j]
			sums[j] = s
			dst[j] = s / fc
		}
		li++
		oi++
	}
}

// hashPlane runs the reference's pdqFloat256FromFloatLuma on ws.buf1
// (rows×cols): Jarosz filter, decimation to 64×64, quality, 16×16 DCT.
// The coefficients are left in ws.b16. The caller guarantees
// rows, cols ≥ minHashableDim.
func (ws *workspace) hashPlane(rows, cols int) (quality int) {
	n := rows * cols
	b1, b2 := ws.buf1[:n:n], ws.buf2[:n:n]
	if rows == 64 && cols == 64 {
		// The reference skips filter and decimation for 64×64 input.
		for i := range 64 {
			copy(ws.a64[i][:], b1[i*64:(i+1)*64])
		}
	} else {
		wAlongRows := jaroszWindow(cols)
		wAlongCols := jaroszWindow(rows)
		for range jaroszPasses {
			boxRows(b1, b2, rows, cols, wAlongRows)
			boxCols(b2, b1, ws.colSum, rows, cols, wAlongCols)
		}
		decimate(b1, rows, cols, &ws.a64)
	}
	quality = qualityMetric(&ws.a64)
	dct64To16(&ws.a64, &ws.t16, &ws.b16)
	return quality
}

// decimate samples the filtered plane at the centres of a 64×64 grid:
// out[i][j] = in[⌊(i+0.5)·rows/64⌋][⌊(j+0.5)·cols/64⌋], in double as the
// reference's decimateFloat.
func decimate(in []float32, rows, cols int, out *[64][64]float32) {
	var colIdx [64]int
	for j := range 64 {
		colIdx[j] = int((float64(j) + 0.5) * float64(cols) / 64)
	}
	for i := range 64 {
		ii := int((float64(i) + 0.5) * float64(rows) / 64)
		src := in[ii*cols : (ii+1)*cols]
		for j, jj := range colIdx {
			out[i][j] = src[jj]
		}
	}
}

// qualityMetric is the reference's pdqImageDomainQualityMetric: the sum
// over all vertical and horizontal neighbour pairs (u, v) of
// |int((u−v)·100/255)| (float32 arithmetic, truncation toward zero),
// divided by 90 in integers and clamped to 100.
func qualityMetric(a *[64][64]float32) int {
	sum := 0
	for i := range 63 {
		for j := range 64 {
			d := int(float32(a[i][j]-a[i+1][j]) * 100 / 255)
			sum += absInt(d)
		}
	}
	for i := range 64 {
		for j := range 63 {
			d := int(float32(a[i][j]-a[i][j+1]) * 100 / 255)
			sum += absInt(d)
		}
	}
	q := sum / 90
	if q > 100 {
		q = 100
	}
	return q
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// dct64To16 computes B = D·A·Dᵀ as the reference's dct64To16: first
// T = D·A (16×64), then B = T·Dᵀ (16×16), each inner sum accumulated in
// float32 from k = 0 to 63.
func dct64To16(a *[64][64]float32, t *[16][64]float32, b *[16][16]float32) {
	for i := range 16 {
		d := &dctMatrix[i]
		// Accumulate the 64 column sums of row i of T together: for each j
		// the additions still run k = 0..63 in order.
		var acc [64]float32
		for k := range 64 {
			dk := d[k]
			ak := &a[k]
			for j := range 64 {
				acc[j] += float32(dk * ak[j])
			}
		}
		t[i] = acc
	}
	for i := range 16 {
		ti := &t[i]
		for j := range 16 {
			dj := &dctMatrix[j]
			var sum float32
			for k := range 64 {
				sum += float32(ti[k] * dj[k])
			}
			b[i][j] = sum
		}
	}
}

// medianOf returns the 128th smallest of the 256 values: the value that the
// reference's Torben median (hashing/torben.cpp) returns for n = 256 (it
// stops when at most (n+1)/2 values lie on each side of its guess and then
// returns the largest value below the guess, the guess, or the smallest
// value above it, which for an even n is always the lower median). Sorting
// a copy gives the same value and is fast enough for 256 numbers.
func medianOf(v *[16][16]float32, tmp *[256]float32) float32 {
	for i := range 16 {
		copy(tmp[i*16:(i+1)*16], v[i][:])
	}
	slices.Sort(tmp[:])
	return tmp[127]
}

// bitsFromDCT thresholds the 16×16 coefficients at their median: bit
// k = 16·i + j is set iff B[i][j] > median (pdqBuffer16x16ToBits).
func bitsFromDCT(v *[16][16]float32, tmp *[256]float32) Hash {
	med := medianOf(v, tmp)
	var h Hash
	for i := range 16 {
		for j := range 16 {
			if v[i][j] > med {
				h.setBit(16*i + j)
			}
		}
	}
	return h
}

// dihedralDCT derives from the coefficients A of an image the coefficients
// of one of its eight rotations and reflections, without re-hashing, as the
// reference's dct16OriginalTo* functions do. With s(x) = +1 if x is odd and
// −1 if even:
//
//	Rotate90:   B[j][i] = A[i][j]·s(j)
//	Rotate180:  B[i][j] = A[i][j]·(−1)^(i+j)
//	Rotate270:  B[j][i] = A[i][j]·s(i)
//	FlipX:      B[i][j] = A[i][j]·s(i)
//	FlipY:      B[i][j] = A[i][j]·s(j)
//	FlipPlus1:  B[j][i] = A[i][j]
//	FlipMinus1: B[j][i] = A[i][j]·(−1)^(i+j)
func dihedralDCT(t Transform, a, b *[16][16]float32) {
	for i := range 16 {
		for j := range 16 {
			v := a[i][j]
			switch t {
			case Original:
				b[i][j] = v
			case Rotate90:
				if j&1 == 0 {
					v = -v
				}
				b[j][i] = v
			case Rotate180:
				if (i+j)&1 == 1 {
					v = -v
				}
				b[i][j] = v
			case Rotate270:
				if i&1 == 0 {
					v = -v
				}
				b[j][i] = v
			case FlipX:
				if i&1 == 0 {
					v = -v
				}
				b[i][j] = v
			case FlipY:
				if j&1 == 0 {
					v = -v
				}
				b[i][j] = v
			case FlipPlus1:
				b[j][i] = v
			case FlipMinus1:
				if (i+j)&1 == 1 {
					v = -v
				}
				b[j][i] = v
			}
		}
	}
}
