package geo

import (
	"cmp"
	"fmt"
	"math"
	"math/big"
	"slices"
)

// SelfIntersectionError names the two segments of a polygon that cross or
// touch. Segments are numbered by the 1-based positions of their end
// points in the polygon as given, so an author can find them in the CAP
// text.
type SelfIntersectionError struct {
	A1, A2             int // the first segment runs from pair A1 to pair A2
	B1, B2             int // the second from pair B1 to pair B2
	PA1, PA2, PB1, PB2 Point
}

func (e *SelfIntersectionError) Error() string {
	return fmt.Sprintf("geo: polygon crosses itself: the segment from pair %d (%s) to pair %d (%s) meets the segment from pair %d (%s) to pair %d (%s)",
		e.A1, e.PA1, e.A2, e.PA2, e.B1, e.PB1, e.B2, e.PB2)
}

// Unwrap lets errors.Is(err, ErrSelfIntersects) match.
func (e *SelfIntersectionError) Unwrap() error { return ErrSelfIntersects }

// MaxPolygonPoints bounds the points of a polygon: 20,000, far above any
// alert area (IPAWS allows 100), and low enough that the crossing check,
// quadratic for adversarial shapes such as a comb, stays under a second.
const MaxPolygonPoints = 20_000

// Normalize returns the polygon as a closed ring (last point = first) that
// runs counterclockwise in the (lon, lat) plane, as RFC 7946 asks of
// exterior rings. It drops repeated consecutive points (CAP authoring tools
// emit them), checks the coordinate ranges, and rejects rings of fewer
// than three distinct points and rings whose edges cross or touch anywhere
// but at their shared end points (a figure-of-eight, a spike that doubles
// back): such rings have no agreed inside, and the device that makes the
// final point-in-polygon check would disagree with the server.
//
// Edges are straight lines in the (lon, lat) plane, the reading of every
// GeoJSON and CAP consumer that does planar point-in-polygon; over a few
// hundred kilometres they differ from great circles by at most a few
// hundred metres. Rings that cross the antimeridian are not split: such a
// ring is read as going the long way round, which over-selects but never
// fails (France does not need it).
func Normalize(p Polygon) (Polygon, error) {
	if len(p) > MaxPolygonPoints {
		return nil, fmt.Errorf("%w: %d, at most %d", ErrTooManyPoints, len(p), MaxPolygonPoints)
	}
	ring := make(Polygon, 0, len(p)+1)
	idx := make([]int, 0, len(p)+1) // 1-based input position of each kept point
	for i, q := range p {
		if err := checkPoint(q); err != nil {
			return nil, fmt.Errorf("pair %d: %w", i+1, err)
		}
		if len(ring) > 0 && ring[len(ring)-1] == q {
			continue
		}
		ring = append(ring, q)
		idx = append(idx, i+1)
	}
	// Drop the closing point (and any repeats of the first at the end):
	// the ring is worked on open and closed again on return.
	for len(ring) > 1 && ring[len(ring)-1] == ring[0] {
		ring, idx = ring[:len(ring)-1], idx[:len(idx)-1]
	}
	if len(ring) < 3 {
		return nil, fmt.Errorf("%w: %d distinct point(s) after closing the ring and dropping repeats", ErrTooFewPoints, len(ring))
	}
	if err := checkSimple(ring, idx); err != nil {
		return nil, err
	}
	if ringOrientation(ring) < 0 {
		slices.Reverse(ring)
	}
	return append(ring, ring[0]), nil
}

// ringOrientation returns +1 when the open simple ring runs
// counterclockwise with lon as x and lat as y, -1 otherwise. It takes the
// exact turn at the westernmost (then southernmost) vertex, which is
// convex in a simple ring; the shoelace sum would misjudge a thin sliver
// through cancellation.
func ringOrientation(ring Polygon) int {
	n := len(ring)
	k := 0
	for i, q := range ring {
		if q.Lon < ring[k].Lon || q.Lon == ring[k].Lon && q.Lat < ring[k].Lat {
			k = i
		}
	}
	return orient(ring[(k+n-1)%n], ring[k], ring[(k+1)%n])
}

// checkSimple reports the first pair of edges of the open ring that meet
// other than at a shared end point. Edges are sorted by western end and
// each is compared only with the edges whose longitude range overlaps
// its own (a sweep), so typical rings cost about n log n rather than n².
// The predicates are exact: a near-tangent is never misjudged by rounding.
func checkSimple(ring Polygon, idx []int) error {
	n := len(ring)
	type edge struct {
		i          int
		minX, maxX float64
		minY, maxY float64
	}
	edges := make([]edge, n)
	for i := range n {
		a, b := ring[i], ring[(i+1)%n]
		edges[i] = edge{i, min(a.Lon, b.Lon), max(a.Lon, b.Lon), min(a.Lat, b.Lat), max(a.Lat, b.Lat)}
	}
	slices.SortFunc(edges, func(x, y edge) int { return cmp.Compare(x.minX, y.minX) })
	fail := func(i, j int) error {
		if i > j {
			i, j = j, i
		}
		end := func(k int) int { // input position of the end of edge k
			if k+1 < n {
				return idx[k+1]
			}
			return idx[0]
		}
		return &SelfIntersectionError{
			A1: idx[i], A2: end(i), B1: idx[j], B2: end(j),
			PA1: ring[i], PA2: ring[(i+1)%n], PB1: ring[j], PB2: ring[(j+1)%n],
		}
	}
	for k, e := range edges {
		a, b := ring[e.i], ring[(e.i+1)%n]
		for _, f := range edges[k+1:] {
			if f.minX > e.maxX {
				break
			}
			if f.minY > e.maxY || f.maxY < e.minY {
				continue
			}
			c, d := ring[f.i], ring[(f.i+1)%n]
			switch {
			case f.i == (e.i+1)%n: // f starts where e ends
				if doublesBack(a, b, d) {
					return fail(e.i, f.i)
				}
			case e.i == (f.i+1)%n: // e starts where f ends
				if doublesBack(c, d, b) {
					return fail(e.i, f.i)
				}
			default:
				if segmentsMeet(a, b, c, d) {
					return fail(e.i, f.i)
				}
			}
		}
	}
	return nil
}

// doublesBack reports whether the path a → b → c turns back on itself
// (collinear, c on the a side of b), so that the two edges overlap.
func doublesBack(a, b, c Point) bool {
	if orient(a, b, c) != 0 {
		return false
	}
	// collinear: overlap iff a and c lie on the same side of b
	return cmpSide(a.Lon, b.Lon, c.Lon) || cmpSide(a.Lat, b.Lat, c.Lat)
}

// cmpSide reports whether x and z are strictly on the same side of y.
func cmpSide(x, y, z float64) bool { return (x < y && z < y) || (x > y && z > y) }

// segmentsMeet reports whether the closed segments ab and cd share a point.
func segmentsMeet(a, b, c, d Point) bool {
	d1, d2 := orient(c, d, a), orient(c, d, b)
	d3, d4 := orient(a, b, c), orient(a, b, d)
	if d1*d2 < 0 && d3*d4 < 0 {
		return true
	}
	return d1 == 0 && onSegment(c, d, a) || d2 == 0 && onSegment(c, d, b) ||
		d3 == 0 && onSegment(a, b, c) || d4 == 0 && onSegment(a, b, d)
}

// onSegment reports whether p, known collinear with ab, lies within it.
func onSegment(a, b, p Point) bool {
	return p.Lon >= min(a.Lon, b.Lon) && p.Lon <= max(a.Lon, b.Lon) &&
		p.Lat >= min(a.Lat, b.Lat) && p.Lat <= max(a.Lat, b.Lat)
}

// orient returns the sign of the turn a → b → c (+1 counterclockwise, -1
// clockwise, 0 collinear) exactly. The float64 determinant decides when
// it exceeds its rounding error bound (J. R. Shewchuk, "Adaptive
// Precision Floating-Point Arithmetic and Fast Robust Geometric
// Predicates", 1997, ccwerrboundA); otherwise it is recomputed with
// rationals, which is slow but only happens for near-collinear points.
func orient(a, b, c Point) int {
	l := (b.Lon - a.Lon) * (c.Lat - a.Lat)
	r := (b.Lat - a.Lat) * (c.Lon - a.Lon)
	det := l - r
	const errBound = (3 + 16*epsilon) * epsilon
	if math.Abs(det) > errBound*(math.Abs(l)+math.Abs(r)) {
		if det > 0 {
			return 1
		}
		return -1
	}
	return orientExact(a, b, c)
}

// epsilon is half the float64 machine epsilon (unit roundoff).
const epsilon = 1.0 / (1 << 53)

func orientExact(a, b, c Point) int {
	r := func(f float64) *big.Rat { return new(big.Rat).SetFloat64(f) }
	sub := func(x, y float64) *big.Rat { return new(big.Rat).Sub(r(x), r(y)) }
	l := new(big.Rat).Mul(sub(b.Lon, a.Lon), sub(c.Lat, a.Lat))
	rr := new(big.Rat).Mul(sub(b.Lat, a.Lat), sub(c.Lon, a.Lon))
	return l.Cmp(rr)
}
