package pdq

import (
	"image"
)

// YCbCr to RGB as libjpeg-turbo does it.
//
// The reference decodes JPEG files with libjpeg(-turbo) through CImg, with
// the library defaults: "fancy" (triangular) chroma upsampling and the
// fixed-point YCbCr→RGB tables of jdcolor.c. Go's image/jpeg returns the
// component planes untouched (an *image.YCbCr with subsampled chroma), so
// we can apply the same arithmetic ourselves instead of Go's nearest-chroma
// color.YCbCrToRGB, and only at the pixels the nearest-neighbour pre-shrink
// keeps. The formulas (public, from the JPEG/JFIF specification and the IJG
// documentation):
//
//	R = Y + ((FIX(1.40200)·(Cr−128) + 2^15) >> 16)
//	G = Y + ((−FIX(0.34414)·(Cb−128) − FIX(0.71414)·(Cr−128) + 2^15) >> 16)
//	B = Y + ((FIX(1.77200)·(Cb−128) + 2^15) >> 16)
//
// with FIX(x) = round(x·2^16), arithmetic shifts, results clamped to 0..255.
//
// Fancy upsampling, for a chroma sample c[i] shared by two output pixels
// (2i, 2i+1) horizontally (h2v1):
//
//	out[2i]   = (3·c[i] + c[i−1] + 1) >> 2
//	out[2i+1] = (3·c[i] + c[i+1] + 2) >> 2
//
// with the first and last outputs of a row copied from the edge sample;
// for 2×2 subsampling (h2v2) first a vertical sum s = 3·c[row] + c[row±1]
// (the nearer and the farther chroma row, the edge row replicated), then
//
//	out[2i]   = (3·s[i] + s[i−1] + 8) >> 4
//	out[2i+1] = (3·s[i] + s[i+1] + 7) >> 4
//
// with out[0] = (4·s[0] + 8) >> 4 and out[last] = (4·s[n−1] + 7) >> 4; and
// for 1×2 subsampling (h1v2) out = (3·c[row] + c[row±1] + 1 or 2) >> 2 for
// the upper and lower output row. Other ratios (4:1:1, 4:1:0) are
// replicated, as libjpeg does for them.
//
// With the planes of this package's JPEG decoder the result is libjpeg's
// to the bit. With the planes of Go's image/jpeg the remaining difference
// is its inverse DCT, which is not libjpeg's "islow" and changes some
// samples by one.

var (
	crR [256]int32
	cbB [256]int32
	crG [256]int32
	cbG [256]int32
)

func init() {
	const (
		scaleBits = 16
		oneHalf   = 1 << (scaleBits - 1)
	)
	fix := func(x float64) int32 { return int32(x*(1<<scaleBits) + 0.5) }
	for i := range 256 {
		x := int32(i - 128)
		crR[i] = (fix(1.40200)*x + oneHalf) >> scaleBits
		cbB[i] = (fix(1.77200)*x + oneHalf) >> scaleBits
		crG[i] = -fix(0.71414) * x
		cbG[i] = -fix(0.34414)*x + oneHalf
	}
}

func clamp255(v int32) uint8 {
	if uint32(v) <= 255 {
		return uint8(v)
	}
	if v < 0 {
		return 0
	}
	return 255
}

// yccLuma converts one YCbCr sample with the libjpeg tables and returns the
// reference luminance of the resulting RGB.
func yccLuma(y uint8, cb, cr int32) float32 {
	yy := int32(y)
	r := clamp255(yy + crR[cr])
	g := clamp255(yy + (cbG[cb]+crG[cr])>>16)
	b := clamp255(yy + cbB[cb])
	return lumaOf(r, g, b)
}

// fillLumaYCbCr fills dst with the luminance of the pixels of m at columns
// xs and rows ys (relative to m.Rect.Min), converted as libjpeg does.
func fillLumaYCbCr(m *image.YCbCr, xs, ys []int, dst []float32) {
	cols := len(xs)
	w, h := m.Rect.Dx(), m.Rect.Dy()
	// Chroma plane size in samples and the subsampling factors.
	var hs, vs int // horizontal and vertical factor: 1 or 2 (or 4 horizontally)
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio444:
		hs, vs = 1, 1
	case image.YCbCrSubsampleRatio422:
		hs, vs = 2, 1
	case image.YCbCrSubsampleRatio420:
		hs, vs = 2, 2
	case image.YCbCrSubsampleRatio440:
		hs, vs = 1, 2
	case image.YCbCrSubsampleRatio411:
		hs, vs = 4, 1
	case image.YCbCrSubsampleRatio410:
		hs, vs = 4, 2
	default:
		fillLumaYCbCrNearest(m, xs, ys, dst)
		return
	}
	cw := (w + hs - 1) / hs // libjpeg's downsampled_width
	ch := (h + vs - 1) / vs // downsampled_height
	// libjpeg replicates instead of interpolating for 4:1:1 and 4:1:0, and
	// for h2v1 and h2v2 when the chroma is at most 2 samples wide. The
	// chroma of a sub-image with an origin inside a chroma sample is
	// offset: for it (decoders never return one) use Go's sampling.
	if m.Rect.Min.X%hs != 0 || m.Rect.Min.Y%vs != 0 || hs == 4 || (hs == 2 && cw <= 2) {
		fillLumaYCbCrNearest(m, xs, ys, dst)
		return
	}
	for i, y := range ys {
		out := dst[i*cols : (i+1)*cols]
		yrow := m.Y[y*m.YStride:]
		switch {
		case hs == 1 && vs == 1:
			crow := y * m.CStride
			for j, x := range xs {
				out[j] = yccLuma(yrow[x], int32(m.Cb[crow+x]), int32(m.Cr[crow+x]))
			}
		case hs == 2 && vs == 1:
			crow := y * m.CStride
			cb, cr := m.Cb[crow:crow+cw], m.Cr[crow:crow+cw]
			for j, x := range xs {
				out[j] = yccLuma(yrow[x], h2v1(cb, x), h2v1(cr, x))
			}
		case hs == 1 && vs == 2:
			cy := y >> 1
			far := cy - 1 + 2*(y&1)
			far = max(0, min(far, ch-1))
			bias := int32(1 + y&1)
			near, farRow := cy*m.CStride, far*m.CStride
			for j, x := range xs {
				cb := (3*int32(m.Cb[near+x]) + int32(m.Cb[farRow+x]) + bias) >> 2
				cr := (3*int32(m.Cr[near+x]) + int32(m.Cr[farRow+x]) + bias) >> 2
				out[j] = yccLuma(yrow[x], cb, cr)
			}
		default: // 2×2
			cy := y >> 1
			far := cy - 1 + 2*(y&1)
			far = max(0, min(far, ch-1))
			near, farRow := cy*m.CStride, far*m.CStride
			cbN, cbF := m.Cb[near:near+cw], m.Cb[farRow:farRow+cw]
			crN, crF := m.Cr[near:near+cw], m.Cr[farRow:farRow+cw]
			for j, x := range xs {
				out[j] = yccLuma(yrow[x], h2v2(cbN, cbF, x), h2v2(crN, crF, x))
			}
		}
	}
}

// h2v1 returns the fancy-upsampled chroma of output column x from one row
// of cw chroma samples.
func h2v1(c []uint8, x int) int32 {
	n := len(c)
	i := x >> 1
	v := 3 * int32(c[i])
	if x&1 == 0 {
		if i == 0 {
			return int32(c[0])
		}
		return (v + int32(c[i-1]) + 1) >> 2
	}
	if i == n-1 {
		return int32(c[n-1])
	}
	return (v + int32(c[i+1]) + 2) >> 2
}

// h2v2 returns the fancy-upsampled chroma of output column x from the
// nearer and the farther chroma rows.
func h2v2(nr, fr []uint8, x int) int32 {
	n := len(nr)
	i := x >> 1
	s := 3*int32(nr[i]) + int32(fr[i])
	if x&1 == 0 {
		if i == 0 {
			return (4*s + 8) >> 4
		}
		sl := 3*int32(nr[i-1]) + int32(fr[i-1])
		return (3*s + sl + 8) >> 4
	}
	if i == n-1 {
		return (4*s + 7) >> 4
	}
	sr := 3*int32(nr[i+1]) + int32(fr[i+1])
	return (3*s + sr + 7) >> 4
}

// fillLumaYCbCrNearest converts with nearest chroma but libjpeg's tables.
func fillLumaYCbCrNearest(m *image.YCbCr, xs, ys []int, dst []float32) {
	cols := len(xs)
	for i, y := range ys {
		out := dst[i*cols : (i+1)*cols]
		for j, x := range xs {
			yi := m.YOffset(m.Rect.Min.X+x, m.Rect.Min.Y+y)
			ci := m.COffset(m.Rect.Min.X+x, m.Rect.Min.Y+y)
			out[j] = yccLuma(m.Y[yi], int32(m.Cb[ci]), int32(m.Cr[ci]))
		}
	}
}
