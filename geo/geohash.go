package geo

import (
	"fmt"
	"math"
	"math/bits"
)

// MaxPrecision is the longest geohash accepted: 12 characters, 60 bits,
// cells of about 3.7 cm × 1.9 cm.
const MaxPrecision = 12

// alphabet is the geohash base32 alphabet (no a, i, l, o).
const alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"

// decodeTable maps an ASCII byte to its 5-bit value, or 0xff.
var decodeTable = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := range len(alphabet) {
		t[alphabet[i]] = byte(i)
		if c := alphabet[i]; c >= 'a' && c <= 'z' {
			t[c-'a'+'A'] = byte(i) // upper case is accepted and canonicalised
		}
	}
	return t
}()

// Cell is a geohash cell as an integer: the 5·precision bits of the hash
// below a leading 1 bit that marks the precision, so that cells of every
// precision have distinct values and a precision-6 cell fits in 31 bits.
// The zero Cell is invalid.
type Cell uint64

// Precision returns the number of characters of the geohash (1..12), or
// 0 for an invalid cell.
func (c Cell) Precision() int {
	n := bits.Len64(uint64(c)) - 1
	if n < 5 || n%5 != 0 || n > 5*MaxPrecision {
		return 0
	}
	return n / 5
}

// Valid reports whether c is a cell of precision 1..12.
func (c Cell) Valid() bool { return c.Precision() != 0 }

// hashBits returns the 5·precision bits of the hash.
func (c Cell) hashBits() uint64 {
	return uint64(c) &^ (1 << (5 * c.Precision()))
}

// String returns the geohash, in lower case, or "" for an invalid cell.
func (c Cell) String() string {
	p := c.Precision()
	if p == 0 {
		return ""
	}
	var b [MaxPrecision]byte
	v := c.hashBits()
	for i := p - 1; i >= 0; i-- {
		b[i] = alphabet[v&31]
		v >>= 5
	}
	return string(b[:p])
}

// Parent returns the cell one character shorter, or 0 at precision 1.
func (c Cell) Parent() Cell {
	if c.Precision() <= 1 {
		return 0
	}
	return c >> 5
}

// gridBits returns the number of longitude and latitude bits of a
// precision: geohash interleaves them starting with longitude, so the
// longitude gets the extra bit when 5·precision is odd.
func gridBits(precision int) (lonBits, latBits uint) {
	n := uint(5 * precision)
	return (n + 1) / 2, n / 2
}

// XY returns the column (from -180° eastward) and row (from -90°
// northward) of the cell in the grid of its precision.
func (c Cell) XY() (x, y uint32) {
	v := c.hashBits()
	if c.Precision()%2 == 0 { // even bit count: longitude bits are the odd positions
		return compact(v >> 1), compact(v)
	}
	return compact(v), compact(v >> 1)
}

// CellAt returns the cell of the given precision at column x, row y
// (values beyond the grid are masked).
func CellAt(x, y uint32, precision int) Cell {
	lonBits, latBits := gridBits(precision)
	x &= 1<<lonBits - 1
	y &= 1<<latBits - 1
	var v uint64
	if precision%2 == 0 {
		v = spread(x)<<1 | spread(y)
	} else {
		v = spread(x) | spread(y)<<1
	}
	return Cell(1<<(5*precision) | v)
}

// spread moves bit i of x to bit 2i (Morton interleaving).
func spread(x uint32) uint64 {
	v := uint64(x)
	v = (v | v<<16) & 0x0000ffff0000ffff
	v = (v | v<<8) & 0x00ff00ff00ff00ff
	v = (v | v<<4) & 0x0f0f0f0f0f0f0f0f
	v = (v | v<<2) & 0x3333333333333333
	v = (v | v<<1) & 0x5555555555555555
	return v
}

// compact is the inverse of spread: bit 2i of v to bit i.
func compact(v uint64) uint32 {
	v &= 0x5555555555555555
	v = (v | v>>1) & 0x3333333333333333
	v = (v | v>>2) & 0x0f0f0f0f0f0f0f0f
	v = (v | v>>4) & 0x00ff00ff00ff00ff
	v = (v | v>>8) & 0x0000ffff0000ffff
	v = (v | v>>16) & 0x00000000ffffffff
	return uint32(v)
}

// cellSize returns the width and height of the cells of a precision in
// degrees. They are powers of two times 45, so the edges
// -180 + x·width and -90 + y·height are exact in float64 (and in
// JavaScript numbers), whichever way they are computed.
func cellSize(precision int) (width, height float64) {
	lonBits, latBits := gridBits(precision)
	return math.Ldexp(360, -int(lonBits)), math.Ldexp(180, -int(latBits))
}

// Rect returns the cell's closed rectangle (the zero Rect for an invalid
// cell).
func (c Cell) Rect() Rect {
	p := c.Precision()
	if p == 0 {
		return Rect{}
	}
	x, y := c.XY()
	w, h := cellSize(p)
	return Rect{
		MinLat: -90 + float64(y)*h, MaxLat: -90 + float64(y+1)*h,
		MinLon: -180 + float64(x)*w, MaxLon: -180 + float64(x+1)*w,
	}
}

// CellOf returns the cell of the given precision that holds p. It bisects
// as the reference geohash does: at each step the point goes to the upper
// half when its coordinate is greater than or equal to the midpoint. The
// midpoints are exact binary fractions, so a browser doing the same in
// JavaScript gets the same cell for the same float64, even on a border; a
// point on a border belongs to the cell to its north or east. Latitude 90
// and longitude 180 belong to the last row and column.
func CellOf(p Point, precision int) (Cell, error) {
	if precision < 1 || precision > MaxPrecision {
		return 0, fmt.Errorf("%w: precision %d is outside 1..%d", ErrCell, precision, MaxPrecision)
	}
	if err := checkPoint(p); err != nil {
		return 0, err
	}
	lonBits, latBits := gridBits(precision)
	return CellAt(bisect(p.Lon, -180, 180, lonBits), bisect(p.Lat, -90, 90, latBits), precision), nil
}

func bisect(v, lo, hi float64, n uint) uint32 {
	var x uint32
	for range n {
		mid := (lo + hi) / 2
		if v >= mid {
			x = x<<1 | 1
			lo = mid
		} else {
			x <<= 1
			hi = mid
		}
	}
	return x
}

// Encode returns the geohash of p with the given number of characters,
// or "" when the precision is outside 1..12 or p is out of range.
func Encode(p Point, precision int) string {
	c, err := CellOf(p, precision)
	if err != nil {
		return ""
	}
	return c.String()
}

// Decode returns the rectangle of a geohash.
func Decode(hash string) (Rect, error) {
	c, err := ParseCell(hash)
	if err != nil {
		return Rect{}, err
	}
	return c.Rect(), nil
}

// ParseCell reads a geohash of 1 to 12 characters from the base32
// alphabet "0123456789bcdefghjkmnpqrstuvwxyz". Upper case letters are
// accepted and the cell prints in lower case.
func ParseCell(s string) (Cell, error) {
	if len(s) == 0 || len(s) > MaxPrecision {
		return 0, fmt.Errorf("%w %.20q: %d characters, a cell has 1 to %d", ErrCell, s, len(s), MaxPrecision)
	}
	v := uint64(1)
	for i := 0; i < len(s); i++ {
		d := decodeTable[s[i]]
		if d == 0xff {
			return 0, fmt.Errorf("%w %q: character %q at position %d is not in the geohash alphabet %s (no a, i, l, o)", ErrCell, s, s[i:i+1], i+1, alphabet)
		}
		v = v<<5 | uint64(d)
	}
	return Cell(v), nil
}
