package pdq

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"sync"
)

// errDecoderPanic marks a recovered decoder panic (the fuzz test looks for
// it).
var errDecoderPanic = errors.New("decoder panic")

var (
	jpegPool = sync.Pool{New: func() any { return new(jpegDecoder) }}
	bufPool  = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// subsampleRatio maps chroma expansion factors to Go's subsample ratio, or
// −1 when Go has none for them.
func subsampleRatio(hs, vs int) image.YCbCrSubsampleRatio {
	switch {
	case hs == 1 && vs == 1:
		return image.YCbCrSubsampleRatio444
	case hs == 2 && vs == 1:
		return image.YCbCrSubsampleRatio422
	case hs == 2 && vs == 2:
		return image.YCbCrSubsampleRatio420
	case hs == 1 && vs == 2:
		return image.YCbCrSubsampleRatio440
	case hs == 4 && vs == 1:
		return image.YCbCrSubsampleRatio411
	case hs == 4 && vs == 2:
		return image.YCbCrSubsampleRatio410
	}
	return -1
}

// fillLuma writes the luminance of the decoded JPEG into dst, as fillLuma
// does for an image. It returns errJPEGUnsupported for subsampled RGB.
func (d *jpegDecoder) fillLuma(dst []float32) (cols, rows int, err error) {
	rect := image.Rect(0, 0, d.width, d.height)
	switch {
	case d.ncomp == 1:
		c := &d.comp[0]
		cols, rows = fillLuma(&image.Gray{Pix: c.plane, Stride: c.stride, Rect: rect}, dst)
		return cols, rows, nil
	case d.rgb:
		r, g, b := &d.comp[0], &d.comp[1], &d.comp[2]
		if d.hmax != 1 || d.vmax != 1 || g.h != 1 || b.h != 1 || g.v != 1 || b.v != 1 {
			return 0, 0, errJPEGUnsupported
		}
		var xs, ys [preShrinkDim]int
		cols, rows = planeGrid(d.width, d.height, &xs, &ys)
		for i, y := range ys[:rows] {
			out := dst[i*cols : (i+1)*cols]
			o := y * r.stride
			pr, pg, pb := r.plane[o:], g.plane[o:], b.plane[o:]
			for j, x := range xs[:cols] {
				out[j] = lumaOf(pr[x], pg[x], pb[x])
			}
		}
		return cols, rows, nil
	default:
		y, cb, cr := &d.comp[0], &d.comp[1], &d.comp[2]
		m := &image.YCbCr{
			Y: y.plane, Cb: cb.plane, Cr: cr.plane,
			YStride: y.stride, CStride: cb.stride,
			SubsampleRatio: subsampleRatio(d.hmax/cb.h, d.vmax/cb.v),
			Rect:           rect,
		}
		var xs, ys [preShrinkDim]int
		cols, rows = planeGrid(d.width, d.height, &xs, &ys)
		fillLumaYCbCr(m, xs[:cols], ys[:rows], dst)
		return cols, rows, nil
	}
}

// planeGrid is sampleGrid with the identity grid filled in for images that
// are not pre-shrunk.
func planeGrid(w, h int, xs, ys *[preShrinkDim]int) (cols, rows int) {
	cols, rows, shrink := sampleGrid(w, h, xs, ys)
	if !shrink {
		for d := range cols {
			xs[d] = d
		}
		for d := range rows {
			ys[d] = d
		}
	}
	return cols, rows
}

func (h *Hasher) maxBytes() int64 {
	if h == nil || h.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return h.MaxBytes
}

// HashFile hashes the image in the named file; see HashBytes.
func (h *Hasher) HashFile(name string) (Result, error) {
	f, err := os.Open(name)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	return h.HashReader(f)
}

// HashReader reads an image file from r, at most MaxBytes of it, and hashes
// it; see HashBytes.
func (h *Hasher) HashReader(r io.Reader) (Result, error) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	limit := h.maxBytes()
	n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil {
		return Result{}, err
	}
	if n > limit {
		return Result{}, fmt.Errorf("%w: the file exceeds the bound of %d bytes", ErrTooLarge, limit)
	}
	return h.HashBytes(buf.Bytes())
}

// HashBytes decodes a JPEG, PNG, GIF (first frame) or WebP image file and
// hashes it. The image's size is read from its header first: an image of
// more than MaxPixels pixels is refused with ErrTooLarge before anything
// is allocated for its pixels. Undecodable, truncated or corrupt input
// gives ErrDecode. EXIF orientation is not applied, as in the reference.
//
// JPEG files are decoded by this package's own decoder, which reproduces
// libjpeg-turbo's pixels (the decoder of the reference build); JPEG
// variants it does not handle (CMYK, 12-bit, arithmetic coding) go to
// image/jpeg. The other formats use the standard decoders.
func (h *Hasher) HashBytes(data []byte) (res Result, err error) {
	defer func() {
		// The decoders do not panic on bad input as far as we know (the
		// fuzz test checks), but one hostile file must not take a hash
		// service down if one ever does.
		if p := recover(); p != nil {
			res, err = Result{}, fmt.Errorf("%w: %w: %v", ErrDecode, errDecoderPanic, p)
		}
	}()
	if len(data) >= 2 && data[0] == 0xff && data[1] == 0xd8 {
		res, err = h.hashJPEG(data)
		if !errors.Is(err, errJPEGUnsupported) {
			return res, err
		}
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrDecode, err)
	}
	if err := h.checkSize(cfg.Width, cfg.Height); err != nil {
		return Result{}, err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return Result{}, fmt.Errorf("%w: %s: %w", ErrDecode, format, err)
	}
	res, err = h.HashImage(img)
	res.Format = format
	return res, err
}

// hashJPEG decodes and hashes with the package's JPEG decoder.
func (h *Hasher) hashJPEG(data []byte) (Result, error) {
	d := jpegPool.Get().(*jpegDecoder)
	defer func() {
		d.data = nil
		jpegPool.Put(d)
	}()
	if err := d.decode(data, h.maxPixels()); err != nil {
		if errors.Is(err, errJPEGUnsupported) || errors.Is(err, ErrTooLarge) {
			return Result{}, err
		}
		return Result{}, fmt.Errorf("%w: %w", ErrDecode, err)
	}
	ws := wsPool.Get().(*workspace)
	defer wsPool.Put(ws)
	cols, rows, err := d.fillLuma(ws.buf1)
	if err != nil {
		return Result{}, err
	}
	res, err := h.hashLuma(ws, rows, cols)
	res.Width, res.Height, res.Format = d.width, d.height, "jpeg"
	return res, err
}
