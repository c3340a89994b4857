package alert

import (
	"math"
	"strconv"

	"github.com/vigie-project/vigie/cap"
)

// checkRing finds what makes a syntactically valid polygon unusable as an
// alert area: no surface, or edges that cross (Google's CAP validator
// rejects self-intersecting polygons, and point-in-polygon tests give
// different answers on different devices for them). It returns "" when
// the ring is fine. Coordinates are treated as planar, which is right for
// areas of city or region size.
func checkRing(p cap.Polygon) string {
	n := len(p) - 1 // edges; p[n] == p[0]
	for i := range n {
		for j := i + 1; j < n; j++ {
			if j == i+1 || (i == 0 && j == n-1) {
				continue // neighbours share a vertex
			}
			if segmentsMeet(p[i], p[i+1], p[j], p[j+1]) {
				return "crosses itself: edges " + strconv.Itoa(i) + " and " + strconv.Itoa(j) + " intersect; draw it again without crossing lines"
			}
		}
	}
	if math.Abs(ringArea(p)) < 1e-12 {
		return "has no surface: its points are on a line or repeated"
	}
	return ""
}

// ringArea is the shoelace formula (twice the signed area, in square degrees).
func ringArea(p cap.Polygon) float64 {
	var s float64
	for i := 0; i+1 < len(p); i++ {
		s += p[i].Lon*p[i+1].Lat - p[i+1].Lon*p[i].Lat
	}
	return s
}

// orient is the sign of the turn a→b→c: 1 left, -1 right, 0 straight.
func orient(a, b, c cap.Point) int {
	v := (b.Lon-a.Lon)*(c.Lat-a.Lat) - (b.Lat-a.Lat)*(c.Lon-a.Lon)
	switch {
	case v > 1e-15:
		return 1
	case v < -1e-15:
		return -1
	}
	return 0
}

func onSegment(a, b, c cap.Point) bool {
	return math.Min(a.Lon, b.Lon) <= c.Lon && c.Lon <= math.Max(a.Lon, b.Lon) &&
		math.Min(a.Lat, b.Lat) <= c.Lat && c.Lat <= math.Max(a.Lat, b.Lat)
}

// segmentsMeet reports whether segments ab and cd share any point.
func segmentsMeet(a, b, c, d cap.Point) bool {
	o1, o2, o3, o4 := orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
	if o1 != o2 && o3 != o4 && o1 != 0 && o2 != 0 && o3 != 0 && o4 != 0 {
		return true
	}
	return o1 == 0 && onSegment(a, b, c) || o2 == 0 && onSegment(a, b, d) ||
		o3 == 0 && onSegment(c, d, a) || o4 == 0 && onSegment(c, d, b)
}
