package geo

import (
	"fmt"
	"math"
)

// Region is an Area checked and prepared for repeated tests: polygons
// normalised, coordinates laid out for the inner loops, bounding boxes and
// circle constants computed once. It is immutable and safe for concurrent
// use.
type Region struct {
	rings   []ring
	circles []circle
	bounds  Rect
}

// ring is a normalised polygon: closed, n+1 points in two arrays.
type ring struct {
	lon, lat []float64
	bounds   Rect
}

type circle struct {
	c      Circle
	phi    float64 // centre latitude in radians
	sinPhi float64
	cosPhi float64
	havR   float64 // hav(radius / EarthRadiusKm): ContainsPoint's threshold
	havSel float64 // the same for the radius plus marginKm: IntersectsRect's
	bounds Rect    // holds the radius plus marginKm
}

// Selection is made conservative by a margin far below any real distance,
// so that rounding (about 1e-14° in the interpolations, more in the
// trigonometry of tiny circles) can never drop a cell that holds a point
// of the area: a polygon selects the cells within epsDeg (about 0.1 mm)
// of it, a circle those within its radius plus marginKm (1 mm).
const (
	epsDeg   = 1e-9
	marginKm = 1e-6
)

// hav returns hav(min(km / EarthRadiusKm, π)).
func hav(km float64) float64 {
	s := math.Sin(min(km/EarthRadiusKm, math.Pi) / 2)
	return s * s
}

// Prepare normalises every polygon of the area (see Normalize) and checks
// every circle. Errors name the part: "polygon 2: ...".
func Prepare(a Area) (*Region, error) {
	if a.IsEmpty() {
		return nil, ErrEmptyArea
	}
	r := &Region{}
	first := true
	grow := func(b Rect) {
		if first {
			r.bounds, first = b, false
		} else {
			r.bounds = r.bounds.union(b)
		}
	}
	for i, p := range a.Polygons {
		n, err := Normalize(p)
		if err != nil {
			return nil, fmt.Errorf("polygon %d: %w", i+1, err)
		}
		b := n.Bounds()
		b = Rect{b.MinLat - epsDeg, b.MinLon - epsDeg, b.MaxLat + epsDeg, b.MaxLon + epsDeg}
		rg := ring{lon: make([]float64, len(n)), lat: make([]float64, len(n)), bounds: b}
		for j, q := range n {
			rg.lon[j], rg.lat[j] = q.Lon, q.Lat
		}
		r.rings = append(r.rings, rg)
		grow(rg.bounds)
	}
	for i, c := range a.Circles {
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("circle %d: %w", i+1, err)
		}
		phi := c.Center.Lat * rad
		wide := Circle{Center: c.Center, RadiusKm: c.RadiusKm + marginKm}
		cc := circle{c: c, phi: phi, sinPhi: math.Sin(phi), cosPhi: math.Cos(phi),
			havR: hav(c.RadiusKm), havSel: hav(wide.RadiusKm), bounds: wide.Bounds()}
		r.circles = append(r.circles, cc)
		grow(cc.bounds)
	}
	return r, nil
}

// Bounds returns a box holding the whole region.
func (r *Region) Bounds() Rect { return r.bounds }

// ContainsPoint reports whether p lies in one of the polygons (even-odd
// rule, edges straight in lon/lat) or within the radius of one of the
// circles (great-circle distance). This is the test a device makes with
// its own position; the server only selects cells.
func (r *Region) ContainsPoint(p Point) bool {
	for i := range r.rings {
		if r.rings[i].bounds.Contains(p) && r.rings[i].contains(p.Lon, p.Lat) {
			return true
		}
	}
	for i := range r.circles {
		c := &r.circles[i]
		if haversin(c.phi, p.Lat*rad, (p.Lon-c.c.Center.Lon)*rad) <= c.havR {
			return true
		}
	}
	return false
}

// IntersectsRect reports whether the region and the closed rectangle
// share a point: a polygon crosses or touches it, holds it, or lies in
// it; a circle comes within its radius of it (both up to a margin of a
// millimetre, so that rounding errs on the side of selecting). This is
// the predicate of Cover: a cell is selected when
// IntersectsRect(cell.Rect()) holds.
func (r *Region) IntersectsRect(rect Rect) bool {
	if !r.bounds.Intersects(rect) {
		return false
	}
	for i := range r.rings {
		if r.rings[i].intersectsRect(rect) {
			return true
		}
	}
	for i := range r.circles {
		if r.circles[i].intersectsRect(rect) {
			return true
		}
	}
	return false
}

// contains is the even-odd test (W. R. Franklin's PNPOLY): count the edges
// that a ray from (x, y) towards +x crosses. Points exactly on an edge
// may go either way, as on every device.
func (g *ring) contains(x, y float64) bool {
	in := false
	lon, lat := g.lon, g.lat
	for i := 0; i+1 < len(lat); i++ {
		ay, by := lat[i], lat[i+1]
		if (ay > y) != (by > y) {
			ax, bx := lon[i], lon[i+1]
			if x < ax+(y-ay)*(bx-ax)/(by-ay) {
				in = !in
			}
		}
	}
	return in
}

// clip returns the longitude range of edge i within the latitude band
// [y0, y1], and false when the edge does not reach the band. The part of
// a straight edge inside a band is one segment, and that segment meets a
// rectangle of the band exactly when its longitude range meets the
// rectangle's: so "does the edge meet the cell" becomes a comparison of
// two intervals, the same in IntersectsRect and in Cover's row sweep.
func (g *ring) clip(i int, y0, y1 float64) (lo, hi float64, ok bool) {
	ay, by := g.lat[i], g.lat[i+1]
	if max(ay, by) < y0 || min(ay, by) > y1 {
		return 0, 0, false
	}
	ax, bx := g.lon[i], g.lon[i+1]
	if ay == by {
		return min(ax, bx), max(ax, bx), true
	}
	if ay > by { // walk upwards so that t0 ≤ t1
		ax, bx, ay, by = bx, ax, by, ay
	}
	xa, xb := ax, bx
	if ay < y0 {
		xa = lerp(ax, bx, (y0-ay)/(by-ay))
	}
	if by > y1 {
		xb = lerp(ax, bx, (y1-ay)/(by-ay))
	}
	return min(xa, xb), max(xa, xb), true
}

// lerp interpolates from the nearer end so that t = 0 and t = 1 give the
// end points exactly.
func lerp(a, b, t float64) float64 {
	if t <= 0.5 {
		return a + t*(b-a)
	}
	return b - (1-t)*(b-a)
}

func (g *ring) intersectsRect(r Rect) bool {
	if !g.bounds.Intersects(r) {
		return false
	}
	// The sweep in AppendCover evaluates these very expressions.
	y0, y1 := r.MinLat-epsDeg, r.MaxLat+epsDeg
	for i := 0; i+1 < len(g.lat); i++ {
		if lo, hi, ok := g.clip(i, y0, y1); ok && hi+epsDeg >= r.MinLon && lo-epsDeg <= r.MaxLon {
			return true
		}
	}
	// No edge meets the rectangle: it is wholly inside or wholly outside,
	// and its centre, half a cell from any edge, decides without doubt.
	c := r.Center()
	return g.contains(c.Lon, c.Lat)
}

// intersectsRect reports whether the circle comes within its radius of the
// rectangle, exactly on the sphere: the nearest point of a rectangle is
// inside it (distance 0), or on a parallel edge at the longitude nearest
// the centre's (distance along a parallel grows with the longitude
// difference), or on a meridian edge at the foot of the perpendicular
// great circle through the centre, or at a corner.
func (c *circle) intersectsRect(r Rect) bool {
	if !c.bounds.Intersects(r) {
		return false
	}
	p := c.c.Center
	if r.Contains(p) {
		return true
	}
	best := math.Inf(1)
	try := func(lat, lon float64) {
		best = min(best, haversin(c.phi, lat*rad, (lon-p.Lon)*rad))
	}
	for _, y := range [2]float64{r.MinLat, r.MaxLat} {
		if p.Lon >= r.MinLon && p.Lon <= r.MaxLon {
			try(y, p.Lon)
		} else {
			try(y, r.MinLon)
			try(y, r.MaxLon)
		}
	}
	for _, x := range [2]float64{r.MinLon, r.MaxLon} {
		// Along a meridian, cos(distance) = A·sin φ + B·cos φ, largest
		// at φ* = atan2(A, B); elsewhere on the edge the corners win.
		f := math.Atan2(c.sinPhi, c.cosPhi*math.Cos((x-p.Lon)*rad)) / rad
		if f > r.MinLat && f < r.MaxLat {
			try(f, x)
		}
	}
	return best <= c.havSel
}
