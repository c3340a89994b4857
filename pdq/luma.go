package pdq

import (
	"image"
	"image/color"
)

// sampleGrid returns the plane size that the hash step works on and, when
// the image must be pre-shrunk, the source column and row of every output
// pixel.
//
// The reference (io/pdqio.cpp) resizes any image with a side above 512 to
// exactly 512×512, aspect ratio not kept, with CImg's resize(512, 512) whose
// default interpolation is nearest neighbour: output index d reads source
// index ⌊d·n/512⌋ (CImg computes it in double; dividing by 512 is exact, so
// the integer form (d·n)>>9 is identical). A side of 512 or less is then
// stretched by the same rule if the other side exceeded 512.
func sampleGrid(w, h int, xs, ys *[preShrinkDim]int) (cols, rows int, shrink bool) {
	if w <= preShrinkDim && h <= preShrinkDim {
		return w, h, false
	}
	for d := range preShrinkDim {
		xs[d] = d * w >> 9
		ys[d] = d * h >> 9
	}
	return preShrinkDim, preShrinkDim, true
}

// fillLuma writes the reference's float32 luminance of img, pre-shrunk as
// the reference does, into dst (row-major) and returns its size.
//
// Colour handling:
//   - grey images (*image.Gray, *image.Gray16, grey colour models) take the
//     grey value as is, as the reference does for one-channel input;
//   - everything else goes through 8-bit R, G, B and Y = 0.299·R + 0.587·G +
//     0.114·B in float32;
//   - alpha is ignored: the stored, non-premultiplied colour is used, as the
//     current reference does for four-channel input (it reads the first three
//     channels) and as Pillow's convert("RGB") does in python-threatexchange
//     and HMA. Fully transparent pixels of premultiplied images have no
//     colour left and count as black;
//   - YCbCr (JPEG, lossy WebP) is converted with the libjpeg-turbo
//     arithmetic, see ycc.go; CMYK with Go's color.CMYKToRGB.
func fillLuma(img image.Image, dst []float32) (cols, rows int) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	var xs, ys [preShrinkDim]int
	cols, rows = planeGrid(w, h, &xs, &ys)
	xsl, ysl := xs[:cols], ys[:rows]
	dst = dst[:rows*cols]

	switch m := img.(type) {
	case *image.YCbCr:
		fillLumaYCbCr(m, xsl, ysl, dst)
	case *image.NYCbCrA:
		fillLumaYCbCr(&m.YCbCr, xsl, ysl, dst)
	case *image.Gray:
		for i, y := range ysl {
			row := m.Pix[y*m.Stride:]
			out := dst[i*cols : (i+1)*cols]
			for j, x := range xsl {
				out[j] = float32(row[x])
			}
		}
	case *image.Gray16:
		for i, y := range ysl {
			row := m.Pix[y*m.Stride:]
			out := dst[i*cols : (i+1)*cols]
			for j, x := range xsl {
				out[j] = float32(row[2*x])
			}
		}
	case *image.NRGBA:
		for i, y := range ysl {
			row := m.Pix[y*m.Stride:]
			out := dst[i*cols : (i+1)*cols]
			for j, x := range xsl {
				p := row[4*x : 4*x+3 : 4*x+3]
				out[j] = lumaOf(p[0], p[1], p[2])
			}
		}
	case *image.RGBA:
		for i, y := range ysl {
			row := m.Pix[y*m.Stride:]
			out := dst[i*cols : (i+1)*cols]
			for j, x := range xsl {
				p := row[4*x : 4*x+4 : 4*x+4]
				if p[3] == 0xff {
					out[j] = lumaOf(p[0], p[1], p[2])
				} else {
					c := color.NRGBAModel.Convert(color.RGBA{p[0], p[1], p[2], p[3]}).(color.NRGBA)
					out[j] = lumaOf(c.R, c.G, c.B)
				}
			}
		}
	case *image.CMYK:
		for i, y := range ysl {
			row := m.Pix[y*m.Stride:]
			out := dst[i*cols : (i+1)*cols]
			for j, x := range xsl {
				p := row[4*x : 4*x+4 : 4*x+4]
				r, g, bb := color.CMYKToRGB(p[0], p[1], p[2], p[3])
				out[j] = lumaOf(r, g, bb)
			}
		}
	case *image.Paletted:
		var pal [256]float32
		for k, c := range m.Palette {
			if k == 256 {
				break
			}
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			pal[k] = lumaOf(n.R, n.G, n.B)
		}
		for i, y := range ysl {
			row := m.Pix[y*m.Stride:]
			out := dst[i*cols : (i+1)*cols]
			for j, x := range xsl {
				out[j] = pal[row[x]]
			}
		}
	default:
		grey := img.ColorModel() == color.GrayModel || img.ColorModel() == color.Gray16Model
		for i, y := range ysl {
			out := dst[i*cols : (i+1)*cols]
			for j, x := range xsl {
				c := img.At(b.Min.X+x, b.Min.Y+y)
				if grey {
					g := color.GrayModel.Convert(c).(color.Gray)
					out[j] = float32(g.Y)
					continue
				}
				n := color.NRGBAModel.Convert(c).(color.NRGBA)
				out[j] = lumaOf(n.R, n.G, n.B)
			}
		}
	}
	return cols, rows
}
