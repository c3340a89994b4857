package pdq

import (
	"errors"
	"fmt"
	"image"
	"sync"

	// Decoders for image.Decode and image.DecodeConfig.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/webp"
)

// DefaultMaxPixels is the pixel bound of a Hasher whose MaxPixels is zero:
// 8192×8192 = 67,108,864 pixels, above the 50-megapixel photographs of
// current telephones. Decoding an image of that size takes about 100 MB
// (JPEG 4:2:0) to 270 MB (RGBA PNG).
const DefaultMaxPixels = 8192 * 8192

// DefaultMaxBytes is the file-size bound of a Hasher whose MaxBytes is zero:
// 256 MiB.
const DefaultMaxBytes = 256 << 20

// Errors returned by the hasher. They are sentinels: test with errors.Is;
// the returned errors wrap them with the detail (dimensions, decoder
// message).
var (
	// ErrDecode reports input that is not a decodable JPEG, PNG, GIF or
	// WebP image (unknown format, corrupt or truncated data). The
	// decoder's own error is wrapped as well.
	ErrDecode = errors.New("pdq: cannot decode image")

	// ErrTooLarge reports an image whose header announces more pixels than
	// the Hasher's MaxPixels, detected from the header alone before any
	// pixel memory is allocated, or input longer than MaxBytes.
	ErrTooLarge = errors.New("pdq: image too large")

	// ErrTooSmall reports an image that the reference cannot hash: a side
	// under 5 pixels after the pre-shrink (for which the reference prints an
	// all-zero hash with quality 0).
	ErrTooSmall = errors.New("pdq: image too small to hash")

	// ErrZeroHash reports an all-zero hash, which the reference also emits
	// for failures and which would match other failures; it arises for
	// perfectly flat black images. The Result is returned with it.
	ErrZeroHash = errors.New("pdq: all-zero hash")

	// ErrLowQuality reports a hash whose quality is under Hasher.MinQuality
	// (by default MinUsefulQuality). The Result is returned with it, so
	// callers may still log or use it.
	ErrLowQuality = errors.New("pdq: hash quality too low")
)

// Hasher computes PDQ hashes. The zero value is ready to use. A Hasher is
// safe for concurrent use provided its fields are not changed meanwhile.
// Work buffers (about 2 MB, more for large JPEGs) are pooled and shared by
// all hashers.
type Hasher struct {
	// MaxPixels bounds width×height of the images that HashBytes,
	// HashReader and HashFile decode. The bound is checked on the header
	// before decoding. Zero means DefaultMaxPixels. It also applies to
	// HashImage, whose image is already in memory.
	MaxPixels int

	// MaxBytes bounds the size of the files that HashReader and HashFile
	// read into memory; a longer input gives ErrTooLarge. Zero means
	// DefaultMaxBytes.
	MaxBytes int64

	// MinQuality is the lowest quality accepted: a hash of lower quality
	// is returned with ErrLowQuality. Zero means MinUsefulQuality (50), the
	// bound the reference's documentation advises; a negative value accepts
	// every quality, as the reference itself does.
	MinQuality int
}

// Result is the outcome of hashing one image.
type Result struct {
	// Hash is the PDQ hash of the image as the reference computes it.
	Hash Hash
	// Quality is the reference's quality metric, 0 to 100: a measure of the
	// image's gradient content. Hashes under MinUsefulQuality are weak.
	Quality int
	// Width and Height are the image's size in pixels before the pre-shrink.
	Width, Height int
	// Format is the name under which the image was decoded ("jpeg", "png",
	// "gif", "webp"), empty for HashImage.
	Format string

	// coeffs are the 16×16 DCT coefficients the hash thresholds; Dihedral
	// derives the other seven hashes from them.
	coeffs [16][16]float32
}

// Dihedral returns the hashes of the eight rotations and reflections of the
// image, indexed by Transform (Original first, equal to r.Hash). As in the
// reference, they are derived from the DCT coefficients by sign changes and
// transposition rather than by hashing transformed pixels, so they are close
// to but not always equal to the hashes of really transformed files (the
// reference's own vectors differ by 0–18 bits). Query all eight: the
// reference's README warns against reducing them to one canonical hash.
func (r *Result) Dihedral() [NumTransforms]Hash {
	var out [NumTransforms]Hash
	var b [16][16]float32
	var tmp [256]float32
	for t := range Transform(NumTransforms) {
		dihedralDCT(t, &r.coeffs, &b)
		out[t] = bitsFromDCT(&b, &tmp)
	}
	return out
}

var wsPool = sync.Pool{New: func() any { return newWorkspace() }}

func (h *Hasher) maxPixels() int {
	if h == nil || h.MaxPixels <= 0 {
		return DefaultMaxPixels
	}
	return h.MaxPixels
}

func (h *Hasher) minQuality() int {
	if h == nil || h.MinQuality == 0 {
		return MinUsefulQuality
	}
	return h.MinQuality // negative: accept all
}

func (h *Hasher) checkSize(w, ht int) error {
	if w <= 0 || ht <= 0 {
		return fmt.Errorf("%w: empty image (%d×%d)", ErrDecode, w, ht)
	}
	limit := h.maxPixels()
	if int64(w)*int64(ht) > int64(limit) {
		return fmt.Errorf("%w: %d×%d exceeds the bound of %d pixels", ErrTooLarge, w, ht, limit)
	}
	return nil
}

// HashImage hashes decoded pixels. Identical pixels always give the identical
// hash. See the package documentation for the colour handling.
func (h *Hasher) HashImage(img image.Image) (Result, error) {
	b := img.Bounds()
	w, ht := b.Dx(), b.Dy()
	if err := h.checkSize(w, ht); err != nil {
		return Result{}, err
	}
	ws := wsPool.Get().(*workspace)
	defer wsPool.Put(ws)
	cols, rows := fillLuma(img, ws.buf1)
	res, err := h.hashLuma(ws, rows, cols)
	res.Width, res.Height = w, ht
	return res, err
}

// hashLuma hashes the rows×cols plane in ws.buf1 and applies the checks.
func (h *Hasher) hashLuma(ws *workspace, rows, cols int) (Result, error) {
	if rows < minHashableDim || cols < minHashableDim {
		return Result{}, fmt.Errorf("%w: %d×%d, the minimum is %d×%d", ErrTooSmall, cols, rows, minHashableDim, minHashableDim)
	}
	var res Result
	res.Quality = ws.hashPlane(rows, cols)
	res.coeffs = ws.b16
	res.Hash = bitsFromDCT(&ws.b16, &ws.sortTmp)
	if res.Hash.IsZero() {
		return res, ErrZeroHash
	}
	if minQ := h.minQuality(); res.Quality < minQ {
		return res, fmt.Errorf("%w: %d < %d", ErrLowQuality, res.Quality, minQ)
	}
	return res, nil
}
