package geo

import "math"

// DefaultCircleVertices is the number of vertices used when a circle must
// be drawn as a polygon (GeoJSON, maps): 64. The polygon is inscribed, so
// it falls short of the circle by at most r·(1 − cos(π/64)) ≈ 0.0012·r
// between vertices: 2.4 m for a 2 km circle, 48 m for 40 km, 150 m for
// 125 km, against cells of 4.9 km. Subscriber selection never uses the
// approximation: Cover tests cells against the exact circle.
const DefaultCircleVertices = 64

// CircleVertices returns the number of vertices (at least 8, a multiple
// of 4) that keeps an inscribed polygon of the radius within maxErrorKm
// of the circle, from r·(1 − cos(π/n)) ≤ maxErrorKm.
func CircleVertices(radiusKm, maxErrorKm float64) int {
	if !(radiusKm > 0) || !(maxErrorKm > 0) || maxErrorKm >= radiusKm {
		return 8
	}
	n := math.Ceil(math.Pi / math.Acos(1-maxErrorKm/radiusKm))
	n = math.Ceil(n/4) * 4
	return int(max(8, min(n, 1<<16)))
}

// Polygon approximates the circle by a closed ring of n vertices (n+1
// points, counterclockwise) placed on the circle with the direct geodesic
// formula on the sphere, so the polygon lies inside the circle. It
// returns nil for a zero radius or n < 3. Longitudes are brought back
// into [-180, 180], so the ring of a circle that crosses the antimeridian
// is read the long way round (see Normalize).
func (c Circle) Polygon(n int) Polygon {
	if !(c.RadiusKm > 0) || n < 3 {
		return nil
	}
	phi1, lam1 := c.Center.Lat*rad, c.Center.Lon*rad
	d := min(c.RadiusKm/EarthRadiusKm, math.Pi)
	sinP, cosP, sinD, cosD := math.Sin(phi1), math.Cos(phi1), math.Sin(d), math.Cos(d)
	ring := make(Polygon, 0, n+1)
	for i := range n {
		brg := -2 * math.Pi * float64(i) / float64(n) // decreasing bearing: counterclockwise
		phi2 := math.Asin(sinP*cosD + cosP*sinD*math.Cos(brg))
		lam2 := lam1 + math.Atan2(math.Sin(brg)*sinD*cosP, cosD-sinP*math.Sin(phi2))
		lon := math.Mod(lam2/rad+540, 360) - 180
		ring = append(ring, Point{Lat: phi2 / rad, Lon: lon})
	}
	return append(ring, ring[0])
}
