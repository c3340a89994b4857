package pdq

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"testing"
)

// benchPhoto is the benchmark input: a 1600×1004 baseline 4:2:0 JPEG.
const benchPhoto = "reg-test-input/dih/bridge-1-original.jpg"

func benchPhotoPath(b *testing.B) string {
	return filepath.Join(needFixtures(b), benchPhoto)
}

func readBenchPhoto(b *testing.B) []byte {
	data, err := os.ReadFile(benchPhotoPath(b))
	if err != nil {
		b.Fatalf("fixture %s: %v", benchPhoto, err)
	}
	return data
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkHashFile measures the whole job on a 1600×1004 JPEG photograph:
// reading the file, decoding, pre-shrink, hashing.
func BenchmarkHashFile(b *testing.B) {
	name := benchPhotoPath(b)
	var h Hasher
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.HashFile(name); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

// BenchmarkHashPixels measures the hash step alone, from pixels already
// decoded (by image/jpeg, an *image.YCbCr): colour conversion of the
// sampled pixels, pre-shrink, filter, DCT and bits.
func BenchmarkHashPixels(b *testing.B) {
	img, _, err := image.Decode(bytes.NewReader(readBenchPhoto(b)))
	if err != nil {
		b.Fatal(err)
	}
	var h Hasher
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.HashImage(img); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

// BenchmarkDecodeJPEG measures this package's JPEG decoder alone.
func BenchmarkDecodeJPEG(b *testing.B) {
	data := readBenchPhoto(b)
	var d jpegDecoder
	b.ReportAllocs()
	for b.Loop() {
		if err := d.decode(data, DefaultMaxPixels); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

// BenchmarkDecodeStdlibJPEG measures image/jpeg on the same file, for
// comparison.
func BenchmarkDecodeStdlibJPEG(b *testing.B) {
	data := readBenchPhoto(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}
