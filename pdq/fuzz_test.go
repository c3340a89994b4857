package pdq

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzParseHash(f *testing.F) {
	f.Add("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	f.Add("D8F8F0CEE0F4A84F0637022A078F67F0B36E2ED596621E1D33E6339C4E9C9B22")
	f.Add("")
	f.Add("xyz")
	f.Add(strings.Repeat("g", 64))
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHash(s)
		if err != nil {
			if !errors.Is(err, ErrHashLength) && !errors.Is(err, ErrHashHex) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			if (len(s) != HexLen) != errors.Is(err, ErrHashLength) {
				t.Fatalf("length %d, error %v", len(s), err)
			}
			return
		}
		if got := h.String(); got != strings.ToLower(s) {
			t.Fatalf("String() = %q for %q", got, s)
		}
		if back, err := ParseHash(h.String()); err != nil || back != h {
			t.Fatalf("round trip %v %v", back, err)
		}
	})
}

// fuzzSeeds returns small images in every supported format.
func fuzzSeeds(tb testing.TB) [][]byte {
	img := testPhoto(tb).(*image.RGBA)
	small := img.SubImage(image.Rect(0, 0, 24, 16))
	grey := image.NewGray(image.Rect(0, 0, 9, 7))
	for i := range grey.Pix {
		grey.Pix[i] = uint8(i * 37)
	}
	pal := image.NewPaletted(image.Rect(0, 0, 12, 10), palette.Plan9)
	for i := range pal.Pix {
		pal.Pix[i] = uint8(i * 11)
	}
	var g bytes.Buffer
	if err := gif.Encode(&g, pal, nil); err != nil {
		tb.Fatal(err)
	}
	seeds := [][]byte{
		encodePNG(tb, small),
		encodePNG(tb, grey),
		encodePNG(tb, pal),
		encodePNG(tb, flat(6, 6, color.NRGBA{10, 200, 30, 128})),
		encodeJPEG(tb, small),
		encodeJPEG(tb, grey),
		g.Bytes(),
		pngHeader(50000, 50000),
		jpegHeader(50000, 50000),
		gifHeader(300, 200),
	}
	files, _ := filepath.Glob("testdata/libjpeg/*.jpg")
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil && len(data) < 4096 {
			seeds = append(seeds, data)
		}
	}
	return seeds
}

// FuzzHashReader feeds arbitrary bytes to the hasher: it must never panic
// (decoder panics are recovered and reported as errDecoderPanic, which
// fails the fuzz test), and when it succeeds the result must be sane and
// reproducible.
func FuzzHashReader(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	h := Hasher{MaxPixels: 1 << 20, MinQuality: -1}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := h.HashReader(bytes.NewReader(data))
		if errors.Is(err, errDecoderPanic) {
			t.Fatalf("decoder panic: %v", err)
		}
		if err != nil {
			if !errors.Is(err, ErrDecode) && !errors.Is(err, ErrTooLarge) &&
				!errors.Is(err, ErrTooSmall) && !errors.Is(err, ErrZeroHash) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if r.Hash.IsZero() || r.Quality < 0 || r.Quality > 100 || r.Width*r.Height > h.MaxPixels {
			t.Fatalf("bad result %v q%d %dx%d", r.Hash, r.Quality, r.Width, r.Height)
		}
		r2, err := h.HashBytes(data)
		if err != nil || r2.Hash != r.Hash || r2.Quality != r.Quality {
			t.Fatalf("not reproducible: %v %v", r2.Hash, err)
		}
	})
}
