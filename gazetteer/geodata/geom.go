package geodata

import "math"

// Rect is an axis-aligned rectangle; Min holds the smallest X and Y.
type Rect struct{ Min, Max Point }

// Bounds returns the smallest rectangle holding every point of ps.
func Bounds(ps []Point) Rect {
	if len(ps) == 0 {
		return Rect{}
	}
	r := Rect{ps[0], ps[0]}
	for _, p := range ps[1:] {
		r = r.Extend(p)
	}
	return r
}

// Extend returns r grown to hold p.
func (r Rect) Extend(p Point) Rect {
	r.Min[0] = math.Min(r.Min[0], p[0])
	r.Min[1] = math.Min(r.Min[1], p[1])
	r.Max[0] = math.Max(r.Max[0], p[0])
	r.Max[1] = math.Max(r.Max[1], p[1])
	return r
}

// Union returns the smallest rectangle holding r and s.
func (r Rect) Union(s Rect) Rect { return r.Extend(s.Min).Extend(s.Max) }

// Intersects reports whether r and s share at least one point.
func (r Rect) Intersects(s Rect) bool {
	return r.Min[0] <= s.Max[0] && s.Min[0] <= r.Max[0] && r.Min[1] <= s.Max[1] && s.Min[1] <= r.Max[1]
}

// Contains reports whether p lies in r, borders included.
func (r Rect) Contains(p Point) bool {
	return p[0] >= r.Min[0] && p[0] <= r.Max[0] && p[1] >= r.Min[1] && p[1] <= r.Max[1]
}

// SignedArea returns the shoelace area of a closed ring: positive when the
// ring turns counter-clockwise with Y pointing up.
func SignedArea(r Ring) float64 {
	var a float64
	for i := 1; i < len(r); i++ {
		a += r[i-1][0]*r[i][1] - r[i][0]*r[i-1][1]
	}
	return a / 2
}

// Reversed returns a copy of r in the opposite direction.
func Reversed(r Ring) Ring {
	out := make(Ring, len(r))
	for i, p := range r {
		out[len(r)-1-i] = p
	}
	return out
}

// RingContains reports whether p lies inside the closed ring r (even–odd
// rule; points exactly on an edge may go either way).
func RingContains(r Ring, p Point) bool {
	in := false
	for i := 1; i < len(r); i++ {
		a, b := r[i-1], r[i]
		if (a[1] > p[1]) != (b[1] > p[1]) {
			x := a[0] + (p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if p[0] < x {
				in = !in
			}
		}
	}
	return in
}

// PolygonContains reports whether p is inside the outer ring of poly and
// outside all of its holes.
func PolygonContains(poly Polygon, p Point) bool {
	if len(poly) == 0 || !RingContains(poly[0], p) {
		return false
	}
	for _, h := range poly[1:] {
		if RingContains(h, p) {
			return false
		}
	}
	return true
}

// Simplify applies Douglas–Peucker to a polyline: it keeps both endpoints and
// every point farther than tol from the chord of its retained neighbours. The
// result shares no memory with the input. When both endpoints coincide (a
// closed ring) distances are measured to that point, so the farthest vertex
// survives; see SimplifyRing for rings.
func Simplify(line []Point, tol float64) []Point {
	if len(line) <= 2 || tol <= 0 {
		return append([]Point(nil), line...)
	}
	keep := make([]bool, len(line))
	keep[0], keep[len(line)-1] = true, true
	// An explicit stack rather than recursion: real coastlines have long
	// arcs and recursion depth would be data-dependent.
	type span struct{ a, b int }
	stack := []span{{0, len(line) - 1}}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		far, dmax := -1, tol
		for i := s.a + 1; i < s.b; i++ {
			if d := segDist(line[i], line[s.a], line[s.b]); d > dmax {
				far, dmax = i, d
			}
		}
		if far >= 0 {
			keep[far] = true
			stack = append(stack, span{s.a, far}, span{far, s.b})
		}
	}
	out := make([]Point, 0, len(line)/4+2)
	for i, k := range keep {
		if k {
			out = append(out, line[i])
		}
	}
	return out
}

// SimplifyRing simplifies a closed ring with Douglas–Peucker, anchored at its
// first point and at the vertex farthest from it, and never returns fewer than
// three distinct positions (four points, closed) when the input had them.
func SimplifyRing(r Ring, tol float64) Ring {
	if len(r) <= 4 || r[0] != r[len(r)-1] {
		return append(Ring(nil), r...)
	}
	far, dmax := 0, -1.0
	for i, p := range r {
		if d := dist(p, r[0]); d > dmax {
			far, dmax = i, d
		}
	}
	a := Simplify(r[:far+1], tol)
	b := Simplify(r[far:], tol)
	out := append(Ring(a), b[1:]...)
	if len(out) >= 4 {
		return out
	}
	// The ring is smaller than the tolerance: keep its triangle of extreme
	// points so that it does not vanish or degenerate.
	third, dmax := -1, -1.0
	for i, p := range r[:len(r)-1] {
		if i == 0 || i == far {
			continue
		}
		if d := segDist(p, r[0], r[far]); d > dmax {
			third, dmax = i, d
		}
	}
	if third < 0 {
		return append(Ring(nil), r...)
	}
	if third < far {
		return Ring{r[0], r[third], r[far], r[0]}
	}
	return Ring{r[0], r[far], r[third], r[0]}
}

func dist(a, b Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

// segDist is the distance from p to the segment ab.
func segDist(p, a, b Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return dist(p, a)
	}
	t := ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / l2
	t = math.Max(0, math.Min(1, t))
	return dist(p, Point{a[0] + t*dx, a[1] + t*dy})
}

// ClipRing clips a closed ring to rect with Sutherland–Hodgman. The result is
// closed, or nil when nothing of the ring lies inside. Where a concave ring
// leaves and re-enters, the result runs along the rectangle's edge; such
// zero-width bridges are harmless for filling but must not be stroked.
func ClipRing(r Ring, rect Rect) Ring {
	if len(r) < 4 {
		return nil
	}
	// Two buffers alternate between passes; the input is never written.
	src := append([]Point(nil), r[:len(r)-1]...)
	dst := make([]Point, 0, len(src)+4)
	for edge := 0; edge < 4; edge++ {
		dst = dst[:0]
		if len(src) == 0 {
			return nil
		}
		prev := src[len(src)-1]
		prevIn := inside(prev, rect, edge)
		for _, cur := range src {
			curIn := inside(cur, rect, edge)
			if curIn != prevIn {
				dst = append(dst, intersect(prev, cur, rect, edge))
			}
			if curIn {
				dst = append(dst, cur)
			}
			prev, prevIn = cur, curIn
		}
		src, dst = dst, src
	}
	pts := src
	if len(pts) < 3 {
		return nil
	}
	out := make(Ring, 0, len(pts)+1)
	out = append(out, pts...)
	return append(out, pts[0])
}

func inside(p Point, r Rect, edge int) bool {
	switch edge {
	case 0:
		return p[0] >= r.Min[0]
	case 1:
		return p[0] <= r.Max[0]
	case 2:
		return p[1] >= r.Min[1]
	default:
		return p[1] <= r.Max[1]
	}
}

func intersect(a, b Point, r Rect, edge int) Point {
	var t float64
	switch edge {
	case 0:
		t = (r.Min[0] - a[0]) / (b[0] - a[0])
		return Point{r.Min[0], a[1] + t*(b[1]-a[1])}
	case 1:
		t = (r.Max[0] - a[0]) / (b[0] - a[0])
		return Point{r.Max[0], a[1] + t*(b[1]-a[1])}
	case 2:
		t = (r.Min[1] - a[1]) / (b[1] - a[1])
		return Point{a[0] + t*(b[0]-a[0]), r.Min[1]}
	default:
		t = (r.Max[1] - a[1]) / (b[1] - a[1])
		return Point{a[0] + t*(b[0]-a[0]), r.Max[1]}
	}
}

// ClipLine clips a polyline to rect (Liang–Barsky on each segment) and returns
// the pieces inside, each of at least two points.
func ClipLine(l []Point, rect Rect) [][]Point {
	var out [][]Point
	var cur []Point
	flush := func() {
		if len(cur) >= 2 {
			out = append(out, cur)
		}
		cur = nil
	}
	for i := 1; i < len(l); i++ {
		a, b, ok := clipSegment(l[i-1], l[i], rect)
		if !ok {
			flush()
			continue
		}
		if len(cur) == 0 || cur[len(cur)-1] != a {
			flush()
			cur = append(cur, a)
		}
		cur = append(cur, b)
		if b != l[i] {
			flush()
		}
	}
	flush()
	return out
}

func clipSegment(a, b Point, r Rect) (Point, Point, bool) {
	t0, t1 := 0.0, 1.0
	dx, dy := b[0]-a[0], b[1]-a[1]
	for _, c := range [4][2]float64{
		{-dx, a[0] - r.Min[0]},
		{dx, r.Max[0] - a[0]},
		{-dy, a[1] - r.Min[1]},
		{dy, r.Max[1] - a[1]},
	} {
		p, q := c[0], c[1]
		if p == 0 {
			if q < 0 {
				return a, b, false
			}
			continue
		}
		t := q / p
		if p < 0 {
			if t > t1 {
				return a, b, false
			}
			t0 = math.Max(t0, t)
		} else {
			if t < t0 {
				return a, b, false
			}
			t1 = math.Min(t1, t)
		}
	}
	na, nb := a, b
	if t0 > 0 {
		na = Point{a[0] + t0*dx, a[1] + t0*dy}
	}
	if t1 < 1 {
		nb = Point{a[0] + t1*dx, a[1] + t1*dy}
	}
	return na, nb, true
}

// SegmentsCross reports whether segments ab and cd share a point. Segments
// that only meet at a shared endpoint of consecutive edges are the caller's
// business to skip.
func SegmentsCross(a, b, c, d Point) bool {
	o1, o2 := orient(a, b, c), orient(a, b, d)
	o3, o4 := orient(c, d, a), orient(c, d, b)
	if o1 != o2 && o3 != o4 {
		return true
	}
	return (o1 == 0 && onSegment(a, b, c)) || (o2 == 0 && onSegment(a, b, d)) ||
		(o3 == 0 && onSegment(c, d, a)) || (o4 == 0 && onSegment(c, d, b))
}

func orient(a, b, c Point) int {
	v := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func onSegment(a, b, p Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// RingIsSimple reports whether a closed ring has at least three distinct
// positions, a non-zero area and no two edges that touch other than
// consecutive edges at their shared vertex. It is quadratic, with a bounding
// box test first; fine for the few hundred points of a simplified area.
func RingIsSimple(r Ring) bool {
	if len(r) < 4 || r[0] != r[len(r)-1] || SignedArea(r) == 0 {
		return false
	}
	n := len(r) - 1 // edges
	for i := 0; i < n; i++ {
		if r[i] == r[i+1] {
			return false // repeated point: a zero-length edge
		}
	}
	for i := 0; i < n; i++ {
		a, b := r[i], r[i+1]
		for j := i + 1; j < n; j++ {
			if j == i+1 || (i == 0 && j == n-1) {
				// Adjacent edges share a vertex; they must not fold back
				// onto each other, which shows as collinear overlap.
				var c, d Point
				if j == i+1 {
					c, d = r[j], r[j+1] // c == b
					if orient(a, b, d) == 0 && dot(a, b, d) > 0 {
						return false
					}
				} else {
					c, d = r[j], r[j+1] // d == a
					if orient(c, d, b) == 0 && dot(c, d, b) > 0 {
						return false
					}
				}
				continue
			}
			c, d := r[j], r[j+1]
			if boxesApart(a, b, c, d) {
				continue
			}
			if SegmentsCross(a, b, c, d) {
				return false
			}
		}
	}
	return true
}

// dot returns the dot product of (a - b) and (c - b): for collinear a, b, c it
// is positive when the path a→b→c folds back at b onto itself.
func dot(a, b, c Point) float64 {
	return (a[0]-b[0])*(c[0]-b[0]) + (a[1]-b[1])*(c[1]-b[1])
}

// boxesApart reports whether the bounding boxes of segments ab and cd are
// disjoint: a cheap test that rules out most pairs before SegmentsCross.
func boxesApart(a, b, c, d Point) bool {
	return math.Max(a[0], b[0]) < math.Min(c[0], d[0]) || math.Max(c[0], d[0]) < math.Min(a[0], b[0]) ||
		math.Max(a[1], b[1]) < math.Min(c[1], d[1]) || math.Max(c[1], d[1]) < math.Min(a[1], b[1])
}

// RingsCross reports whether any edge of r crosses or touches any edge of s.
func RingsCross(r, s Ring) bool {
	if !Bounds(r).Intersects(Bounds(s)) {
		return false
	}
	for i := 1; i < len(r); i++ {
		a, b := r[i-1], r[i]
		for j := 1; j < len(s); j++ {
			c, d := s[j-1], s[j]
			if boxesApart(a, b, c, d) {
				continue
			}
			if SegmentsCross(a, b, c, d) {
				return true
			}
		}
	}
	return false
}
