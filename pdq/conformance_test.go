package pdq

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"image"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// acceptAll hashes whatever the reference hashes, whatever the quality.
var acceptAll = Hasher{MinQuality: -1}

// TestReferenceVectors checks every image of reference-vectors.csv against
// the hash and quality that the C++ reference printed. The conformance rule
// of pdq/README.md binds images of quality ≥ 80: distance ≤ 10. We hold
// ourselves to ≤ 2 (the project's aim), and the quality within 2.
func TestReferenceVectors(t *testing.T) {
	dir, vecs := loadVectors(t)
	var sum, maxD, n, exact, maxQD int
	for _, v := range vecs {
		r, err := acceptAll.HashFile(filepath.Join(dir, v.path))
		if err != nil {
			t.Errorf("%s: %v", v.path, err)
			continue
		}
		d := Distance(r.Hash, v.hash)
		qd := absInt(r.Quality - v.quality)
		maxQD = max(maxQD, qd)
		if d == 0 {
			exact++
		}
		t.Logf("%-45s distance %3d  quality %3d (reference %3d)", v.path, d, r.Quality, v.quality)
		if qd > 2 {
			t.Errorf("%s: quality %d, reference %d", v.path, r.Quality, v.quality)
		}
		if v.quality < 80 {
			continue // not bound by the conformance rule
		}
		n++
		sum += d
		maxD = max(maxD, d)
		if d > 10 {
			t.Errorf("%s: distance %d > 10 to the reference hash (conformance rule)", v.path, d)
		} else if d > 2 {
			t.Errorf("%s: distance %d > 2 to the reference hash", v.path, d)
		}
	}
	t.Logf("quality ≥ 80: %d images, max distance %d, mean %.3f; bit-exact on %d of %d images; max quality difference %d",
		n, maxD, float64(sum)/float64(max(n, 1)), exact, len(vecs), maxQD)
}

// Dihedral hashes of bridge-1-original.jpg as pdq-photo-hasher --pdqdih
// prints them (pdq/cpp/reg_test/expected/out, via hash-matching.md), in
// Transform order.
var bridgeDihedral = [NumTransforms]string{
	"d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22",
	"f0a10efd51c83d429053d48d0fffbc52e34e0e17ada956a9d29685211ea9e58f",
	"adad5a64b5a102e55b62a88052dacd5ae63b847fc337b4b766b399361bc93188",
	"a5f0b457248995e8c1065c275aaa56d8b61ba4bdf8fcfc0383c32f8b0bfc4f05",
	"d8f80f31e0f457b00637f5d5038f980fb36ed12a9662c1e233e64c634e9c64dd",
	"8dada49991a1bd1a5362577742da32a5e63b7b80c2364b4866b346c91bc9ce77",
	"f0a1e10271ccc0bd90530b720fff038de34ef1e8ada9a956d6967ade5ea91a50",
	"a5f44ba8a4996a17cd06a1d85aaaa927b61b5b42f8fc03fc83c3d0740bfcb0fa",
}

// The really rotated and flipped copies of bridge-1, in Transform order.
var bridgeFiles = [NumTransforms]string{
	"bridge-1-original.jpg",
	"bridge-2-rotate-90.jpg",
	"bridge-3-rotate-180.jpg",
	"bridge-4-rotate-270.jpg",
	"bridge-5-flipx.jpg",
	"bridge-6-flipy.jpg",
	"bridge-7-flip-plus-1.jpg",
	"bridge-8-flip-minus-1.jpg",
}

func TestDihedral(t *testing.T) {
	dir := needFixtures(t)
	dih := filepath.Join(dir, "reg-test-input", "dih")
	var h Hasher
	r, err := h.HashFile(filepath.Join(dih, bridgeFiles[0]))
	if err != nil {
		t.Fatal(err)
	}
	hashes := r.Dihedral()
	if hashes[Original] != r.Hash {
		t.Errorf("Dihedral()[Original] %v != Hash %v", hashes[Original], r.Hash)
	}
	for tr := range Transform(NumTransforms) {
		want, err := ParseHash(bridgeDihedral[tr])
		if err != nil {
			t.Fatal(err)
		}
		dRef := Distance(hashes[tr], want)
		if dRef > 2 {
			t.Errorf("%v: distance %d to the reference's dihedral hash", tr, dRef)
		}
		f, err := h.HashFile(filepath.Join(dih, bridgeFiles[tr]))
		if err != nil {
			t.Fatal(err)
		}
		dFile := Distance(hashes[tr], f.Hash)
		if dFile > MatchThreshold {
			t.Errorf("%v: distance %d to the hash of %s, above %d", tr, dFile, bridgeFiles[tr], MatchThreshold)
		}
		t.Logf("%-6v distance to reference variant %d, to hash of %s %d", tr, dRef, bridgeFiles[tr], dFile)
	}
	// The reference's names.
	if got := FlipMinus1.String(); got != "flipm" {
		t.Errorf("FlipMinus1.String() = %q", got)
	}
}

// TestLibjpegPixels checks that the JPEG decoder's luminance equals the
// luminance of libjpeg-turbo 2.1.5's output (decoded with its defaults, as
// CImg does, then Y = 0.299·R + 0.587·G + 0.114·B in float32 and the 512
// pre-shrink) on small files that libjpeg-turbo encoded in every layout:
// 4:2:0, 4:2:2, 4:4:0, 4:4:4, 4:1:1, progressive, optimised Huffman tables,
// restart intervals, greyscale, RGB, sizes down to 5×5 and a 4×600 image.
// testdata/libjpeg/README.md tells how they were made.
func TestLibjpegPixels(t *testing.T) {
	f, err := os.Open("testdata/libjpeg/luma-sha256.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	count := 0
	for sc.Scan() {
		name, want, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		data, err := os.ReadFile(filepath.Join("testdata/libjpeg", name))
		if err != nil {
			t.Fatal(err)
		}
		if want == "-" {
			// Arithmetic coding: neither our decoder nor image/jpeg
			// handles it.
			if _, err := acceptAll.HashBytes(data); !errors.Is(err, ErrDecode) {
				t.Errorf("%s: got %v, want ErrDecode", name, err)
			}
			continue
		}
		var d jpegDecoder
		if err := d.decode(data, DefaultMaxPixels); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		buf := make([]float32, maxPlane)
		cols, rows, err := d.fillLuma(buf)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		sum := sha256.New()
		var b [4]byte
		for _, v := range buf[:cols*rows] {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			sum.Write(b[:])
		}
		if got := hex.EncodeToString(sum.Sum(nil)); got != want {
			t.Errorf("%s: luminance differs from libjpeg-turbo's (sha256 %s, want %s)", name, got, want)
		}
		count++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if count < 19 {
		t.Errorf("only %d files checked", count)
	}
}

// TestIdenticalPixels checks rule 1 of the reference's conformance rules:
// identical decoded pixels give the identical hash, whichever way they
// arrive (as an image, as a PNG file), and repeatedly.
func TestIdenticalPixels(t *testing.T) {
	img := testPhoto(t)
	nrgba := image.NewNRGBA(img.Bounds())
	draw.Draw(nrgba, nrgba.Bounds(), img, img.Bounds().Min, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, nrgba); err != nil {
		t.Fatal(err)
	}
	var h Hasher
	a, err := h.HashImage(nrgba)
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.HashBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash != b.Hash || a.Quality != b.Quality {
		t.Errorf("image %v q%d, PNG %v q%d", a.Hash, a.Quality, b.Hash, b.Quality)
	}
	// The same pixels as *image.RGBA (opaque, so identical colours).
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), nrgba, nrgba.Bounds().Min, draw.Src)
	c, err := h.HashImage(rgba)
	if err != nil {
		t.Fatal(err)
	}
	if c.Hash != a.Hash {
		t.Errorf("RGBA %v != NRGBA %v", c.Hash, a.Hash)
	}
	// Repeatedly and concurrently.
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			r, err := h.HashBytes(buf.Bytes())
			if err == nil && r.Hash != a.Hash {
				err = errors.New("hash changed between runs: " + r.Hash.String())
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestColourModes hashes the reference's colour-mode variants of one
// photograph (misc-images/modes: the same picture as grey, palette, RGBA,
// grey+alpha, CMYK JPEG and WebP) and checks they land near the original.
func TestColourModes(t *testing.T) {
	dir := needFixtures(t)
	modes := filepath.Join(dir, "misc-images", "modes")
	var h Hasher
	orig, err := h.HashFile(filepath.Join(modes, "original.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(modes, "*.*"))
	for _, f := range files {
		if strings.HasSuffix(f, ".md") {
			continue
		}
		r, err := h.HashFile(f)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		d := Distance(r.Hash, orig.Hash)
		t.Logf("%-10s %-5s distance %2d to original.jpg", filepath.Base(f), r.Format, d)
		if d > MatchThreshold {
			t.Errorf("%s: distance %d to the original", filepath.Base(f), d)
		}
	}
}
