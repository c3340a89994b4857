package geo

import "math"

// AreaKm2 returns the area of the polygon on the sphere in km², for a
// polygon whose edges are straight in the (lon, lat) plane, as everywhere
// in this package. By Green's theorem the area ∬ R² cos φ dφ dλ is the
// line integral ∮ −R² sin φ dλ, which along a straight edge has a closed
// form; the result is exact for that reading of the polygon on a sphere
// (the ellipsoid differs by well under 1 %). It returns 0 for a polygon
// that does not normalise.
func (p Polygon) AreaKm2() float64 {
	n, err := Normalize(p)
	if err != nil {
		return 0
	}
	var s float64
	for i := 0; i+1 < len(n); i++ {
		a, b := n[i], n[i+1]
		phi1, phi2 := a.Lat*rad, b.Lat*rad
		// ∫ sin φ dλ over the edge with φ linear in λ:
		// Δλ·(cos φ1 − cos φ2)/(φ2 − φ1) = Δλ·sin(m)·sin(h)/h,
		// m the mean latitude, h half the difference (stable as h → 0).
		m, h := (phi1+phi2)/2, (phi2-phi1)/2
		sinc := 1.0
		if h != 0 {
			sinc = math.Sin(h) / h
		}
		s -= (b.Lon - a.Lon) * rad * math.Sin(m) * sinc
	}
	return math.Abs(s) * EarthRadiusKm * EarthRadiusKm
}

// AreaKm2 returns the area of the spherical cap in km².
func (c Circle) AreaKm2() float64 {
	d := min(c.RadiusKm/EarthRadiusKm, math.Pi)
	s := math.Sin(d / 2) // 1 − cos d = 2 sin²(d/2), without cancellation
	return 4 * math.Pi * EarthRadiusKm * EarthRadiusKm * s * s
}

// AreaKm2 returns the sum of the areas of the parts; overlaps between
// parts are counted twice, which an alert author reading "about 5,000
// km²" can live with.
func (a Area) AreaKm2() float64 {
	var s float64
	for _, p := range a.Polygons {
		s += p.AreaKm2()
	}
	for _, c := range a.Circles {
		s += c.AreaKm2()
	}
	return s
}
