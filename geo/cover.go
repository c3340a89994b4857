package geo

import (
	"fmt"
	"math"
	"math/bits"
)

// MaxCoverCells bounds the cells of the grid that one cover may scan (the
// bounding box of the area at the given precision): 2^24, a 2 MiB
// bitmap. All of metropolitan France is about 60,000 cells at precision 5;
// the bound stops an area the size of a continent at precision 7, or a
// ring read the long way round the globe, before it eats the machine.
const MaxCoverCells = 1 << 24

// Cover returns the geohashes of all cells of the given precision whose
// closed rectangle meets the area (Region.IntersectsRect), south to north
// and west to east. Cells that merely touch the area's border are
// included: the server selects a superset and each device makes the exact
// test with its own position.
func Cover(a Area, precision int) ([]string, error) {
	r, err := Prepare(a)
	if err != nil {
		return nil, err
	}
	cells, err := r.AppendCover(nil, precision)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = c.String()
	}
	return out, nil
}

// AppendCover appends to dst the cells of the given precision that meet
// the region, with the same result as testing IntersectsRect on every
// cell of the bounding box, but faster for polygons: it sweeps the grid
// one row of cells at a time, marks the cells that the edges clipped to
// the row pass through (an interval comparison per edge), and decides
// each run of unmarked cells between them with a single point-in-polygon
// test, since no edge passes through the run. The cost is about rows ×
// edges + cells, not cells × edges. Circles test each cell of their box.
func (r *Region) AppendCover(dst []Cell, precision int) ([]Cell, error) {
	if precision < 1 || precision > MaxPrecision {
		return dst, fmt.Errorf("%w: precision %d is outside 1..%d", ErrCell, precision, MaxPrecision)
	}
	g := newGrid(precision)
	all := g.span(r.bounds)
	if all.cells() > MaxCoverCells {
		return dst, fmt.Errorf("%w: the area's box spans %d × %d cells of precision %d, more than %d", ErrTooManyCells, all.cols(), all.rows(), precision, MaxCoverCells)
	}
	cols := uint64(all.cols())
	hit := make([]uint64, (all.cells()+63)/64)
	set := func(x, y uint32) {
		i := uint64(y-all.y0)*cols + uint64(x-all.x0)
		hit[i>>6] |= 1 << (i & 63)
	}
	var marks []uint64
	for i := range r.rings {
		marks = g.sweepRing(&r.rings[i], marks, set)
	}
	for i := range r.circles {
		c := &r.circles[i]
		s := g.span(c.bounds)
		for y := s.y0; y <= s.y1; y++ {
			for x := s.x0; x <= s.x1; x++ {
				if c.intersectsRect(g.rect(x, y)) {
					set(x, y)
				}
			}
		}
	}
	for w, word := range hit {
		for word != 0 {
			i := uint64(w)*64 + uint64(bits.TrailingZeros64(word))
			word &= word - 1
			dst = append(dst, CellAt(all.x0+uint32(i%cols), all.y0+uint32(i/cols), precision))
		}
	}
	return dst, nil
}

// sweepRing marks the cells that meet the ring, row by row (see
// AppendCover). marks is scratch space, returned for reuse.
func (g grid) sweepRing(rg *ring, marks []uint64, set func(x, y uint32)) []uint64 {
	s := g.span(rg.bounds)
	n := int(s.cols())
	marks = append(marks[:0], make([]uint64, (n+63)/64)...)
	mark := func(c int) { marks[c>>6] |= 1 << (c & 63) }
	marked := func(c int) bool { return marks[c>>6]&(1<<(c&63)) != 0 }
	for y := s.y0; y <= s.y1; y++ {
		clear(marks)
		// the expressions of ring.intersectsRect, to the bit
		y0, y1 := g.rowMin(y)-epsDeg, g.rowMin(y+1)+epsDeg
		for i := 0; i+1 < len(rg.lat); i++ {
			lo, hi, ok := rg.clip(i, y0, y1)
			if !ok {
				continue
			}
			a, b := max(g.firstCol(lo-epsDeg), s.x0), min(g.lastCol(hi+epsDeg), s.x1)
			for c := a; c <= b; c++ {
				mark(int(c - s.x0))
			}
		}
		for c := 0; c < n; {
			if marked(c) {
				set(s.x0+uint32(c), y)
				c++
				continue
			}
			end := c + 1
			for end < n && !marked(end) {
				end++
			}
			ctr := g.rect(s.x0+uint32(c), y).Center()
			if rg.contains(ctr.Lon, ctr.Lat) {
				for k := c; k < end; k++ {
					set(s.x0+uint32(k), y)
				}
			}
			c = end
		}
	}
	return marks
}

// grid is the lattice of cells of one precision.
type grid struct {
	precision int
	w, h      float64 // cell width and height in degrees
	nx, ny    uint32  // columns and rows
}

func newGrid(precision int) grid {
	lonBits, latBits := gridBits(precision)
	w, h := cellSize(precision)
	return grid{precision: precision, w: w, h: h, nx: 1 << lonBits, ny: 1 << latBits}
}

// colMin and rowMin give the western and southern edge of a column and a
// row; those of column x+1 and row y+1 are the eastern and northern ones.
// They are computed as in Cell.Rect, so a cell has the same edges here.
func (g grid) colMin(x uint32) float64 { return -180 + float64(x)*g.w }
func (g grid) rowMin(y uint32) float64 { return -90 + float64(y)*g.h }

func (g grid) rect(x, y uint32) Rect {
	return Rect{MinLat: g.rowMin(y), MaxLat: g.rowMin(y + 1), MinLon: g.colMin(x), MaxLon: g.colMin(x + 1)}
}

// firstCol returns the first column whose closed range reaches lon (its
// eastern edge ≥ lon), lastCol the last one whose western edge ≤ lon. The
// division only estimates; the loops settle it with the exact edges, so
// that the sweep agrees with IntersectsRect to the last bit.
func (g grid) firstCol(lon float64) uint32 { return first(lon, -180, g.w, g.nx, g.colMin) }
func (g grid) lastCol(lon float64) uint32  { return last(lon, -180, g.w, g.nx, g.colMin) }
func (g grid) firstRow(lat float64) uint32 { return first(lat, -90, g.h, g.ny, g.rowMin) }
func (g grid) lastRow(lat float64) uint32  { return last(lat, -90, g.h, g.ny, g.rowMin) }

func estimate(v, origin, size float64, n uint32) uint32 {
	e := math.Floor((v - origin) / size)
	if !(e >= 0) { // also NaN
		return 0
	}
	if e > float64(n-1) {
		return n - 1
	}
	return uint32(e)
}

func first(v, origin, size float64, n uint32, edge func(uint32) float64) uint32 {
	c := estimate(v, origin, size, n)
	for c > 0 && edge(c) >= v { // column c-1's end, edge(c), still reaches v
		c--
	}
	for c < n-1 && edge(c+1) < v {
		c++
	}
	return c
}

func last(v, origin, size float64, n uint32, edge func(uint32) float64) uint32 {
	c := estimate(v, origin, size, n)
	for c < n-1 && edge(c+1) <= v {
		c++
	}
	for c > 0 && edge(c) > v {
		c--
	}
	return c
}

// span is a block of cells, inclusive.
type span struct{ x0, x1, y0, y1 uint32 }

func (s span) cols() uint64  { return uint64(s.x1-s.x0) + 1 }
func (s span) rows() uint64  { return uint64(s.y1-s.y0) + 1 }
func (s span) cells() uint64 { return s.cols() * s.rows() }

// span returns the cells whose closed rectangles meet the closed box.
func (g grid) span(b Rect) span {
	return span{x0: g.firstCol(b.MinLon), x1: g.lastCol(b.MaxLon), y0: g.firstRow(b.MinLat), y1: g.lastRow(b.MaxLat)}
}
