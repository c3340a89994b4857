package pdq

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// testPhoto returns a deterministic photograph-like test image (smooth
// gradients, edges, texture) that needs no fixture.
func testPhoto(tb testing.TB) image.Image {
	tb.Helper()
	const w, h = 320, 213
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/w, float64(y)/h
			r := 128 + 90*math.Sin(fx*7+fy*3)
			g := 128 + 90*math.Cos(fx*2-fy*9)
			b := 255 * fx * fy
			if (x-200)*(x-200)+(y-90)*(y-90) < 40*40 {
				r, g, b = 240, 200, 30
			}
			if x > 40 && x < 110 && y > 120 && y < 190 {
				r, g, b = 20, 40, 160
			}
			n := float64(rng.IntN(21) - 10)
			img.Set(x, y, color.RGBA{clampF(r + n), clampF(g + n), clampF(b + n), 255})
		}
	}
	return img
}

func clampF(v float64) uint8 {
	return uint8(max(0, min(255, v)))
}

func encodeJPEG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func flat(w, h int, c color.Color) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	return img
}

func TestHashPhotoFormats(t *testing.T) {
	img := testPhoto(t)
	var h Hasher
	want, err := h.HashImage(img)
	if err != nil {
		t.Fatal(err)
	}
	if want.Quality < MinUsefulQuality || want.Width != 320 || want.Height != 213 {
		t.Fatalf("unexpected result %+v", want)
	}
	for _, c := range []struct {
		format string
		data   []byte
		maxD   int
	}{
		{"png", encodePNG(t, img), 0},
		{"jpeg", encodeJPEG(t, img), 8},
	} {
		r, err := h.HashReader(bytes.NewReader(c.data))
		if err != nil {
			t.Fatalf("%s: %v", c.format, err)
		}
		if r.Format != c.format {
			t.Errorf("format %q, want %q", r.Format, c.format)
		}
		if d := Distance(r.Hash, want.Hash); d > c.maxD {
			t.Errorf("%s: distance %d to the pixels' hash", c.format, d)
		}
	}
	// A file on disk.
	name := filepath.Join(t.TempDir(), "photo.png")
	if err := os.WriteFile(name, encodePNG(t, img), 0o600); err != nil {
		t.Fatal(err)
	}
	if r, err := h.HashFile(name); err != nil || r.Hash != want.Hash {
		t.Errorf("HashFile: %v %v", r.Hash, err)
	}
	if _, err := h.HashFile(filepath.Join(t.TempDir(), "absent.png")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent file: %v", err)
	}
}

// TestTruncatedJPEG: a truncated copy of a JPEG in t.TempDir() is refused,
// at every cut point, and never panics.
func TestTruncatedJPEG(t *testing.T) {
	var h Hasher
	check := func(name string, data []byte, step int) {
		t.Helper()
		cut := filepath.Join(t.TempDir(), "truncated.jpg")
		if err := os.WriteFile(cut, data[:len(data)/2], 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := h.HashFile(cut); !errors.Is(err, ErrDecode) {
			t.Errorf("%s cut in half: got %v, want ErrDecode", name, err)
		} else {
			t.Logf("%s cut in half: %v", name, err)
		}
		for n := 0; n < len(data); n += step {
			if _, err := h.HashBytes(data[:n]); !errors.Is(err, ErrDecode) || errors.Is(err, errDecoderPanic) {
				t.Fatalf("%s cut at %d of %d: got %v, want ErrDecode", name, n, len(data), err)
			}
		}
	}
	check("synthetic", encodeJPEG(t, testPhoto(t)), 5)
	for _, f := range []string{"06-420-progressive.jpg", "11-420-progressive-restart2.jpg", "10-420-restart3.jpg"} {
		data, err := os.ReadFile(filepath.Join("testdata/libjpeg", f))
		if err != nil {
			t.Fatal(err)
		}
		check(f, data, 1)
	}
	if _, err := os.Stat(fixtureDir); err == nil {
		data, err := os.ReadFile(filepath.Join(fixtureDir, "reg-test-input/dih/bridge-1-original.jpg"))
		if err != nil {
			t.Fatal(err)
		}
		check("bridge-1-original.jpg", data, 4099)
	}
}

func TestNotAnImage(t *testing.T) {
	var h Hasher
	for _, data := range [][]byte{
		nil,
		[]byte("hello, this is not an image at all"),
		{0xff, 0xd8, 0xff},                 // JPEG signature only
		[]byte("\x89PNG\r\n\x1a\nrubbish"), // PNG signature only
		[]byte("GIF89a"),
	} {
		if _, err := h.HashBytes(data); !errors.Is(err, ErrDecode) {
			t.Errorf("%q: got %v, want ErrDecode", data, err)
		}
		if _, err := h.HashReader(bytes.NewReader(data)); !errors.Is(err, ErrDecode) {
			t.Errorf("%q: HashReader got %v, want ErrDecode", data, err)
		}
	}
}

func TestTooSmall(t *testing.T) {
	var h Hasher
	img := testPhoto(t).(*image.RGBA)
	small := img.SubImage(image.Rect(10, 10, 14, 14))
	if _, err := h.HashBytes(encodePNG(t, small)); !errors.Is(err, ErrTooSmall) {
		t.Errorf("4×4 PNG: got %v, want ErrTooSmall", err)
	}
	if _, err := h.HashBytes(encodeJPEG(t, small)); !errors.Is(err, ErrTooSmall) {
		t.Errorf("4×4 JPEG: got %v, want ErrTooSmall", err)
	}
	if _, err := h.HashImage(img.SubImage(image.Rect(0, 0, 300, 4))); !errors.Is(err, ErrTooSmall) {
		t.Errorf("300×4: got %v, want ErrTooSmall", err)
	}
	// 5×5 is the reference's minimum.
	if _, err := acceptAll.HashImage(img.SubImage(image.Rect(100, 100, 105, 105))); err != nil {
		t.Errorf("5×5: %v", err)
	}
	// Like the reference, a thin image with a side above 512 is stretched
	// to 512×512 by the pre-shrink and hashed.
	tall := image.NewGray(image.Rect(0, 0, 4, 600))
	for i := range tall.Pix {
		tall.Pix[i] = uint8(i * 7)
	}
	if _, err := acceptAll.HashImage(tall); err != nil {
		t.Errorf("4×600: %v", err)
	}
}

// pngHeader returns a PNG file whose IHDR announces w×h RGB pixels,
// followed by a tiny (wrong) IDAT and IEND.
func pngHeader(w, h uint32) []byte {
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&buf, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		buf.WriteString(typ)
		buf.Write(data)
		binary.Write(&buf, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return buf.Bytes()
}

// jpegHeader returns a baseline JPEG whose SOF announces w×h pixels.
func jpegHeader(w, h uint16) []byte {
	b := []byte{0xff, 0xd8, 0xff, 0xc0, 0, 17, 8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 3,
		1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9}
	return b
}

// gifHeader returns a GIF whose logical screen is w×h.
func gifHeader(w, h uint16) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	b = append(b, 0x80, 0, 0, 0, 0, 0, 255, 255, 255, ';')
	return b
}

// TestDecompressionBomb: images whose header announces 50,000×50,000
// pixels are refused from the header, without allocating for the pixels.
func TestDecompressionBomb(t *testing.T) {
	var h Hasher
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"png", pngHeader(50000, 50000)},
		{"jpeg", jpegHeader(50000, 50000)},
		{"gif", gifHeader(50000, 50000)},
	} {
		if _, err := h.HashBytes(c.data); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: got %v, want ErrTooLarge", c.name, err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		const runs = 20
		for range runs {
			h.HashBytes(c.data)
		}
		runtime.ReadMemStats(&after)
		if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 64<<10 {
			t.Errorf("%s: %d bytes allocated per refusal", c.name, per)
		}
	}
	// A configurable bound, checked before decoding and for HashImage.
	small := Hasher{MaxPixels: 100 * 100}
	img := testPhoto(t)
	if _, err := small.HashBytes(encodePNG(t, img)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxPixels png: %v", err)
	}
	if _, err := small.HashBytes(encodeJPEG(t, img)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxPixels jpeg: %v", err)
	}
	if _, err := small.HashImage(img); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxPixels image: %v", err)
	}
	// A byte bound for readers.
	short := Hasher{MaxBytes: 1000}
	if _, err := short.HashReader(bytes.NewReader(encodePNG(t, img))); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxBytes: %v", err)
	}
}

func TestZeroHashAndQuality(t *testing.T) {
	var h Hasher
	// A black image: every coefficient is exactly 0, no bit is above the
	// median, the hash is all zero.
	r, err := h.HashImage(flat(64, 48, color.Black))
	if !errors.Is(err, ErrZeroHash) || !r.Hash.IsZero() {
		t.Errorf("black: got %v %v, want ErrZeroHash", r.Hash, err)
	}
	if _, err := h.HashBytes(encodePNG(t, flat(64, 48, color.Black))); !errors.Is(err, ErrZeroHash) {
		t.Errorf("black PNG: got %v, want ErrZeroHash", err)
	}
	// A flat grey image: quality 0; its coefficients are rounding noise,
	// so the hash is not zero. It is refused for its quality.
	grey := flat(64, 48, color.Gray{Y: 128})
	r, err = h.HashImage(grey)
	if !errors.Is(err, ErrLowQuality) || r.Quality != 0 {
		t.Errorf("grey: got q%d %v, want ErrLowQuality", r.Quality, err)
	}
	r2, err := acceptAll.HashImage(grey)
	if err != nil || r2.Hash != r.Hash || r2.Hash.IsZero() {
		t.Errorf("grey accepted: %v %v", r2.Hash, err)
	}
	// The threshold is configurable.
	photo := testPhoto(t)
	if _, err := (&Hasher{MinQuality: 101}).HashImage(photo); !errors.Is(err, ErrLowQuality) {
		t.Errorf("MinQuality 101: %v", err)
	}
	// A nil *Hasher works like the zero value.
	var nilH *Hasher
	if _, err := nilH.HashImage(photo); err != nil {
		t.Errorf("nil Hasher: %v", err)
	}
}

func TestAlphaIgnored(t *testing.T) {
	img := testPhoto(t).(*image.RGBA)
	opaque := image.NewNRGBA(img.Bounds())
	seeThrough := image.NewNRGBA(img.Bounds())
	for i := 0; i < len(img.Pix); i += 4 {
		copy(opaque.Pix[i:i+4], img.Pix[i:i+4])
		copy(seeThrough.Pix[i:i+4], img.Pix[i:i+4])
		seeThrough.Pix[i+3] = uint8(i)
	}
	var h Hasher
	a, err1 := h.HashImage(opaque)
	b, err2 := h.HashBytes(encodePNG(t, seeThrough))
	if err1 != nil || err2 != nil || a.Hash != b.Hash {
		t.Errorf("alpha changed the hash: %v %v %v %v", a.Hash, b.Hash, err1, err2)
	}
}

func TestGIF(t *testing.T) {
	img := testPhoto(t)
	var buf bytes.Buffer
	if err := gif.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	var h Hasher
	r, err := h.HashBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := h.HashImage(img)
	// Quantisation to 256 colours moves a few bits.
	if d := Distance(r.Hash, want.Hash); d > 16 || r.Format != "gif" {
		t.Errorf("gif: distance %d, format %q", d, r.Format)
	}
}

func TestParseHash(t *testing.T) {
	const s = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
	h, err := ParseHash(s)
	if err != nil || h.String() != s {
		t.Fatalf("round trip: %v %v", h, err)
	}
	if u, err := ParseHash(strings.ToUpper(s)); err != nil || u != h {
		t.Errorf("upper case: %v %v", u, err)
	}
	for _, bad := range []string{"", s[:63], s + "0", s[:63] + "é"} {
		if _, err := ParseHash(bad); !errors.Is(err, ErrHashLength) {
			t.Errorf("%q: got %v, want ErrHashLength", bad, err)
		}
	}
	for _, bad := range []string{s[:63] + "g", " " + s[1:], s[:10] + "-" + s[11:], "0x" + s[2:], s[:62] + "é"} {
		if _, err := ParseHash(bad); !errors.Is(err, ErrHashHex) {
			t.Errorf("%q: got %v, want ErrHashHex", bad, err)
		}
	}
	// Bit numbering: bit 0 is the least significant bit of the last digit,
	// bit 255 the most significant bit of the first.
	one, _ := ParseHash(strings.Repeat("0", 63) + "1")
	top, _ := ParseHash("8" + strings.Repeat("0", 63))
	if !one.Bit(0) || one.Bit(1) || !top.Bit(255) || top.Bit(254) {
		t.Error("bit numbering")
	}
	// Text marshalling.
	txt, _ := h.MarshalText()
	var back Hash
	if err := back.UnmarshalText(txt); err != nil || back != h || string(txt) != s {
		t.Errorf("text: %s %v", txt, err)
	}
	if err := back.UnmarshalText([]byte("zz")); !errors.Is(err, ErrHashLength) {
		t.Errorf("UnmarshalText: %v", err)
	}
}

func randomHash(rng *rand.Rand) Hash {
	var h Hash
	for i := 0; i < HashSize; i += 8 {
		binary.LittleEndian.PutUint64(h[i:], rng.Uint64())
	}
	return h
}

// TestDistanceMetric: Distance is the Hamming metric.
func TestDistanceMetric(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	naive := func(a, b Hash) int {
		n := 0
		for k := range 256 {
			if a.Bit(k) != b.Bit(k) {
				n++
			}
		}
		return n
	}
	for range 2000 {
		a, b, c := randomHash(rng), randomHash(rng), randomHash(rng)
		// Near neighbours too, so that small distances are exercised.
		if rng.IntN(2) == 0 {
			b = a
			for range rng.IntN(8) {
				k := rng.IntN(256)
				b[31-k/8] ^= 1 << (k % 8)
			}
		}
		dab, dba, dbc, dac := Distance(a, b), Distance(b, a), Distance(b, c), Distance(a, c)
		if Distance(a, a) != 0 || dab != dba || dac > dab+dbc || dab < 0 || dab > 256 {
			t.Fatalf("not a metric: %v %v %v", a, b, c)
		}
		if (dab == 0) != (a == b) || dab != naive(a, b) {
			t.Fatalf("distance %d, naive %d", dab, naive(a, b))
		}
		if p, err := ParseHash(a.String()); err != nil || p != a {
			t.Fatalf("ParseHash(String(%v)) = %v, %v", a, p, err)
		}
	}
	var zero, ones Hash
	for i := range ones {
		ones[i] = 0xff
	}
	if Distance(zero, ones) != 256 {
		t.Error("max distance")
	}
}

// torbenRef is Torben Mogensen's median by bisection over the value range
// (counting values below, above and equal to a guess), as the reference's
// hashing/torben.cpp uses it; written here to cross-check medianOf.
func torbenRef(m []float32) float32 {
	n := len(m)
	lo, hi := slices.Min(m), slices.Max(m)
	half := (n + 1) / 2
	for {
		guess := (lo + hi) / 2
		less, greater, equal := 0, 0, 0
		maxLT, minGT := lo, hi
		for _, v := range m {
			switch {
			case v < guess:
				less++
				maxLT = max(maxLT, v)
			case v > guess:
				greater++
				minGT = min(minGT, v)
			default:
				equal++
			}
		}
		if less <= half && greater <= half {
			switch {
			case less >= half:
				return maxLT
			case less+equal >= half:
				return guess
			default:
				return minGT
			}
		}
		if less > greater {
			hi = maxLT
		} else {
			lo = minGT
		}
	}
}

func TestMedianMatchesTorben(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var v [16][16]float32
	var tmp [256]float32
	for iter := range 3000 {
		levels := 1 + rng.IntN(300) // few levels give many ties
		for i := range 16 {
			for j := range 16 {
				v[i][j] = float32(rng.IntN(levels)-levels/2) * float32(rng.Float64()+0.5)
				if iter%3 == 0 {
					v[i][j] = float32(rng.NormFloat64() * 1000)
				}
			}
		}
		flatV := make([]float32, 0, 256)
		for i := range 16 {
			flatV = append(flatV, v[i][:]...)
		}
		if got, want := medianOf(&v, &tmp), torbenRef(flatV); got != want {
			t.Fatalf("median %v, Torben %v", got, want)
		}
	}
}

// box1DRef is the reference's box1DFloat written plainly, with a stride.
func box1DRef(in, out []float32, n, stride, w int) {
	half := (w + 2) / 2
	var sum float32
	cur, li, ri, oi := 0, 0, 0, 0
	for range half - 1 {
		sum += in[ri]
		cur++
		ri += stride
	}
	for range w - half + 1 {
		sum += in[ri]
		cur++
		out[oi] = sum / float32(cur)
		ri += stride
		oi += stride
	}
	for range n - w {
		sum += in[ri]
		sum -= in[li]
		out[oi] = sum / float32(cur)
		li += stride
		ri += stride
		oi += stride
	}
	for range half - 1 {
		sum -= in[li]
		cur--
		out[oi] = sum / float32(cur)
		li += stride
		oi += stride
	}
}

// TestBoxFilterMatchesReference: the row-interleaved column filter gives
// exactly the reference's per-column results.
func TestBoxFilterMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, sz := range [][2]int{{5, 5}, {7, 64}, {64, 64}, {100, 37}, {512, 512}, {300, 511}} {
		rows, cols := sz[0], sz[1]
		in := make([]float32, rows*cols)
		for i := range in {
			in[i] = float32(rng.IntN(256)) * 0.587
		}
		for _, w := range []int{1, 2, 3, 4, jaroszWindow(cols), jaroszWindow(rows)} {
			if w > rows || w > cols {
				continue
			}
			got := make([]float32, len(in))
			want := make([]float32, len(in))
			boxRows(in, got, rows, cols, w)
			for r := range rows {
				box1DRef(in[r*cols:], want[r*cols:], cols, 1, w)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("rows %dx%d w%d differ", rows, cols, w)
			}
			sums := make([]float32, cols)
			boxCols(in, got, sums, rows, cols, w)
			for c := range cols {
				box1DRef(in[c:], want[c:], rows, cols, w)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("cols %dx%d w%d differ", rows, cols, w)
			}
		}
	}
}

// TestDCTMatchesReference: the DCT equals the reference's summation order
// (T = D·A, then B = T·Dᵀ, each sum k = 0..63).
func TestDCTMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var a [64][64]float32
	for i := range 64 {
		for j := range 64 {
			a[i][j] = float32(rng.Float64() * 255)
		}
	}
	var tt [16][64]float32
	var b [16][16]float32
	dct64To16(&a, &tt, &b)
	for i := range 16 {
		var ti [64]float32
		for j := range 64 {
			var s float32
			for k := range 64 {
				s += float32(dctMatrix[i][k] * a[k][j])
			}
			ti[j] = s
		}
		for j := range 16 {
			var s float32
			for k := range 64 {
				s += float32(ti[k] * dctMatrix[j][k])
			}
			if s != b[i][j] {
				t.Fatalf("B[%d][%d] = %v, want %v", i, j, b[i][j], s)
			}
		}
	}
	// Sanity of the matrix: rows are orthonormal cosines.
	for i := range 16 {
		var n float64
		for k := range 64 {
			n += float64(dctMatrix[i][k]) * float64(dctMatrix[i][k])
		}
		if math.Abs(n-1) > 1e-5 {
			t.Fatalf("row %d norm %v", i, n)
		}
	}
}

// TestDihedralTransforms: the coefficient transforms are the dihedral
// group's: the rotations compose (rot90 twice is rot180), flips are
// involutions, and on a real image each variant hashes close to the hash of
// the really transformed pixels.
func TestDihedralTransforms(t *testing.T) {
	img := testPhoto(t).(*image.RGBA)
	var h Hasher
	r, err := h.HashImage(img)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	transformed := map[Transform]func(x, y int) (int, int){
		// Destination (x, y) reads source (sx, sy).
		Rotate90:   func(x, y int) (int, int) { return b.Dx() - 1 - y, x }, // counter-clockwise
		Rotate180:  func(x, y int) (int, int) { return b.Dx() - 1 - x, b.Dy() - 1 - y },
		Rotate270:  func(x, y int) (int, int) { return y, b.Dy() - 1 - x },
		FlipX:      func(x, y int) (int, int) { return x, b.Dy() - 1 - y },
		FlipY:      func(x, y int) (int, int) { return b.Dx() - 1 - x, y },
		FlipPlus1:  func(x, y int) (int, int) { return y, x },
		FlipMinus1: func(x, y int) (int, int) { return b.Dx() - 1 - y, b.Dy() - 1 - x },
	}
	dih := r.Dihedral()
	for tr, f := range transformed {
		w, hh := b.Dx(), b.Dy()
		if tr == Rotate90 || tr == Rotate270 || tr == FlipPlus1 || tr == FlipMinus1 {
			w, hh = hh, w
		}
		out := image.NewRGBA(image.Rect(0, 0, w, hh))
		for y := range hh {
			for x := range w {
				sx, sy := f(x, y)
				out.SetRGBA(x, y, img.RGBAAt(sx, sy))
			}
		}
		rt, err := h.HashImage(out)
		if err != nil {
			t.Fatal(err)
		}
		d := Distance(dih[tr], rt.Hash)
		t.Logf("%-6v variant vs transformed pixels: distance %d", tr, d)
		if d > MatchThreshold {
			t.Errorf("%v: distance %d", tr, d)
		}
	}
}
