package cap

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Point is a WGS 84 position in decimal degrees. CAP writes it "lat,lon"
// (latitude first, unlike GeoJSON).
type Point struct {
	Lat, Lon float64
}

// Polygon is a closed ring of at least four points, first == last.
type Polygon []Point

// Circle is a centre and a radius in kilometres.
type Circle struct {
	Center   Point
	RadiusKm float64
}

// GeoError is a polygon or circle syntax or range error. Rule is the
// stable rule identifier also used in Problem.Rule.
type GeoError struct {
	Rule string
	Msg  string
}

func (e *GeoError) Error() string { return e.Msg }

func geoErr(rule, format string, args ...any) *GeoError {
	return &GeoError{Rule: rule, Msg: fmt.Sprintf(format, args...)}
}

// parseCoord reads one decimal degree value; NaN and infinities, which
// strconv accepts, are not coordinates.
func parseCoord(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// ParsePoint reads a CAP "lat,lon" pair and checks the WGS 84 ranges.
func ParsePoint(s string) (Point, error) {
	latS, lonS, ok := strings.Cut(s, ",")
	if !ok || strings.Contains(lonS, ",") {
		return Point{}, geoErr(RuleCoordFormat, "coordinate pair %q is not lat,lon", s)
	}
	lat, ok1 := parseCoord(latS)
	lon, ok2 := parseCoord(lonS)
	if !ok1 || !ok2 {
		return Point{}, geoErr(RuleCoordFormat, "coordinate pair %q is not two decimal numbers", s)
	}
	if lat < -90 || lat > 90 {
		return Point{}, geoErr(RuleCoordRange, "latitude %v in %q is outside [-90, 90]", lat, s)
	}
	if lon < -180 || lon > 180 {
		return Point{}, geoErr(RuleCoordRange, "longitude %v in %q is outside [-180, 180]", lon, s)
	}
	return Point{Lat: lat, Lon: lon}, nil
}

// ParsePolygon reads a CAP polygon: whitespace-separated "lat,lon" pairs,
// at least four, the first equal to the last (CAP 1.2 section 3.2.4).
func ParsePolygon(s string) (Polygon, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return nil, geoErr(RulePolygonFormat, "polygon is empty")
	}
	pts := make(Polygon, 0, len(fields))
	for _, f := range fields {
		p, err := ParsePoint(f)
		if err != nil {
			return nil, err
		}
		pts = append(pts, p)
	}
	if len(pts) < 4 {
		return nil, geoErr(RulePolygonTooFew, "polygon has %d coordinate pairs, at least 4 are required", len(pts))
	}
	if pts[0] != pts[len(pts)-1] {
		return nil, geoErr(RulePolygonOpen, "polygon is not closed: first pair %s differs from last pair %s", fields[0], fields[len(fields)-1])
	}
	return pts, nil
}

// ParseCircle reads a CAP circle: "lat,lon radius" with the radius in
// kilometres. A zero radius is legal (a point).
func ParseCircle(s string) (Circle, error) {
	fields := strings.Fields(s)
	if len(fields) != 2 {
		return Circle{}, geoErr(RuleCircleFormat, "circle %q is not \"lat,lon radius\"", s)
	}
	c, err := ParsePoint(fields[0])
	if err != nil {
		return Circle{}, err
	}
	r, ok := parseCoord(fields[1])
	if !ok {
		return Circle{}, geoErr(RuleCircleFormat, "circle radius %q is not a number", fields[1])
	}
	if r < 0 {
		return Circle{}, geoErr(RuleCircleFormat, "circle radius %v is negative", r)
	}
	return Circle{Center: c, RadiusKm: r}, nil
}

// String writes the polygon in CAP form.
func (p Polygon) String() string {
	var b strings.Builder
	for i, pt := range p {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(pt.String())
	}
	return b.String()
}

// String writes the point in CAP "lat,lon" form.
func (p Point) String() string {
	return strconv.FormatFloat(p.Lat, 'f', -1, 64) + "," + strconv.FormatFloat(p.Lon, 'f', -1, 64)
}

// String writes the circle in CAP "lat,lon radius" form.
func (c Circle) String() string {
	return c.Center.String() + " " + strconv.FormatFloat(c.RadiusKm, 'f', -1, 64)
}

// earthRadiusKm is the mean Earth radius (IUGG), adequate for turning a
// warning radius into a polygon.
const earthRadiusKm = 6371.0088

// Polygon approximates the circle by a closed ring of n vertices (n+1
// points) on a sphere. It returns nil for a zero radius or n < 3. Rings
// that cross the antimeridian or enclose a pole are not split.
func (c Circle) Polygon(n int) Polygon {
	if c.RadiusKm <= 0 || n < 3 {
		return nil
	}
	lat1 := c.Center.Lat * math.Pi / 180
	lon1 := c.Center.Lon * math.Pi / 180
	d := c.RadiusKm / earthRadiusKm
	ring := make(Polygon, 0, n+1)
	for i := 0; i < n; i++ {
		// counterclockwise (bearing decreasing), as RFC 7946 wants
		brg := -2 * math.Pi * float64(i) / float64(n)
		lat2 := math.Asin(math.Sin(lat1)*math.Cos(d) + math.Cos(lat1)*math.Sin(d)*math.Cos(brg))
		lon2 := lon1 + math.Atan2(math.Sin(brg)*math.Sin(d)*math.Cos(lat1), math.Cos(d)-math.Sin(lat1)*math.Sin(lat2))
		lon := math.Mod(lon2*180/math.Pi+540, 360) - 180
		ring = append(ring, Point{Lat: round7(lat2 * 180 / math.Pi), Lon: round7(lon)})
	}
	ring = append(ring, ring[0])
	return ring
}

// round7 keeps 7 decimals (about 1 cm), enough for alert areas and short
// in JSON.
func round7(f float64) float64 { return math.Round(f*1e7) / 1e7 }

// signedArea is the shoelace area in degree units, positive when the
// ring runs counterclockwise in (lon, lat).
func (p Polygon) signedArea() float64 {
	var s float64
	for i := 0; i+1 < len(p); i++ {
		s += p[i].Lon*p[i+1].Lat - p[i+1].Lon*p[i].Lat
	}
	return s / 2
}
