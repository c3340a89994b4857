package pdq

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// HashSize is the length of a PDQ hash in bytes (256 bits).
const HashSize = 32

// HexLen is the length of a hash in its reference text form.
const HexLen = 2 * HashSize

// MatchThreshold is the distance at or below which pdq/README.md and
// python-threatexchange (PDQ_CONFIDENT_MATCH_THRESHOLD) call two hashes a
// match.
const MatchThreshold = 31

// MinUsefulQuality is the quality below which pdq/README.md advises
// discarding a hash ("discard hashes with quality ≤ 49"; python-threatexchange
// uses the same bound of 50).
const MinUsefulQuality = 50

// Hash is a 256-bit PDQ hash, stored as the big-endian 256-bit integer that
// the reference prints: bit k of the hash (k = 16·i + j for DCT coefficient
// row i, column j; word k>>4, position k&15 in the reference's sixteen
// uint16 words) is bit k%8 of byte 31 − k/8. Printing the bytes in order as
// hexadecimal therefore gives the reference's text form.
//
// The zero Hash is the all-zero hash, which the hasher returns only
// together with ErrZeroHash.
type Hash [HashSize]byte

// Sentinel errors of ParseHash, wrapped with the offending detail.
var (
	// ErrHashLength reports a hash text that is not exactly 64 characters.
	ErrHashLength = errors.New("pdq: hash must be 64 hexadecimal digits")
	// ErrHashHex reports a hash text with a character outside 0-9, a-f, A-F.
	ErrHashHex = errors.New("pdq: hash must contain only hexadecimal digits")
)

func (h *Hash) setBit(k int) {
	h[31-k>>3] |= 1 << (k & 7)
}

// Bit reports whether bit k (0 ≤ k < 256, numbered as in the reference:
// k = 16·i + j for DCT coefficient row i, column j) is set.
func (h Hash) Bit(k int) bool {
	return h[31-k>>3]>>(k&7)&1 == 1
}

// IsZero reports whether every bit of h is zero.
func (h Hash) IsZero() bool {
	return h == Hash{}
}

const hexDigits = "0123456789abcdef"

// String returns the reference text form: 64 lowercase hexadecimal digits,
// the most significant first (the reference prints its uint16 words 15 down
// to 0 with %04hx).
func (h Hash) String() string {
	var buf [HexLen]byte
	h.appendHex(buf[:0])
	return string(buf[:])
}

func (h Hash) appendHex(dst []byte) []byte {
	for _, b := range h {
		dst = append(dst, hexDigits[b>>4], hexDigits[b&15])
	}
	return dst
}

// MarshalText implements encoding.TextMarshaler with the form of String.
func (h Hash) MarshalText() ([]byte, error) {
	return h.appendHex(make([]byte, 0, HexLen)), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with the rules of
// ParseHash.
func (h *Hash) UnmarshalText(text []byte) error {
	p, err := parseHash(text)
	if err != nil {
		return err
	}
	*h = p
	return nil
}

// ParseHash parses the reference text form of a hash: exactly 64
// hexadecimal digits, most significant first. Upper-case digits are
// accepted, as the reference's sscanf("%04hx") accepts them; String always
// prints lower case. Errors wrap ErrHashLength or ErrHashHex.
func ParseHash(s string) (Hash, error) {
	return parseHash(s)
}

func parseHash[S string | []byte](s S) (Hash, error) {
	var h Hash
	if len(s) != HexLen {
		return h, fmt.Errorf("%w (got %d characters)", ErrHashLength, len(s))
	}
	for i := range HashSize {
		hi, ok1 := unhex(s[2*i])
		lo, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			pos := 2 * i
			if ok1 {
				pos++
			}
			return Hash{}, fmt.Errorf("%w (bad byte %q at offset %d)", ErrHashHex, string(s[pos:pos+1]), pos)
		}
		h[i] = hi<<4 | lo
	}
	return h, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Distance returns the Hamming distance between a and b: the number of
// bits in which they differ, from 0 to 256.
func Distance(a, b Hash) int {
	d := 0
	for i := 0; i < HashSize; i += 8 {
		d += bits.OnesCount64(binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:]))
	}
	return d
}

// Transform names one of the eight rotations and reflections of an image
// (the dihedral group of the square), in the reference's order: the order
// of pdqDihedralHash256esFromFloatLuma's outputs and of the lines that
// pdq-photo-hasher --pdqdih prints.
type Transform int

// The eight transforms, in the reference's order. Rotate90 turns the image
// a quarter turn counter-clockwise (as bridge-2-rotate-90.jpg of the
// reference's test set), Rotate270 clockwise; FlipX mirrors top to bottom
// (about the horizontal axis), FlipY left to right; FlipPlus1 is the
// transpose (reflection about the main diagonal), FlipMinus1 the reflection
// about the anti-diagonal.
const (
	Original Transform = iota
	Rotate90
	Rotate180
	Rotate270
	FlipX
	FlipY
	FlipPlus1
	FlipMinus1
)

// NumTransforms is the number of dihedral transforms.
const NumTransforms = 8

var transformNames = [NumTransforms]string{
	"orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipp", "flipm",
}

// String returns the short name the reference's tools use ("orig",
// "rot90", "rot180", "rot270", "flipx", "flipy", "flipp", "flipm").
func (t Transform) String() string {
	if t < 0 || t >= NumTransforms {
		return fmt.Sprintf("Transform(%d)", int(t))
	}
	return transformNames[t]
}
