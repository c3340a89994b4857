package geo

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Point is a WGS 84 position in decimal degrees.
type Point struct {
	Lat, Lon float64
}

// Polygon is a ring of points as an alert author wrote it. CAP writes it
// closed (first point = last point) with at least four pairs; Normalize
// accepts it open or closed and returns the closed, counterclockwise form
// the rest of the package works on.
type Polygon []Point

// Circle is a CAP circle: a centre and a radius in kilometres on the
// sphere. A zero radius is legal and means the point itself.
type Circle struct {
	Center   Point
	RadiusKm float64
}

// Area is the geometry of an alert: the union of its polygons and
// circles. One CAP <area> element maps to one Area, and Merge joins the
// several <area> elements of an alert into one, since subscribers are
// selected by the union of them all.
type Area struct {
	Polygons []Polygon
	Circles  []Circle
}

// Merge returns the union of several areas (their parts side by side).
func Merge(areas ...Area) Area {
	var m Area
	for _, a := range areas {
		m.Polygons = append(m.Polygons, a.Polygons...)
		m.Circles = append(m.Circles, a.Circles...)
	}
	return m
}

// IsEmpty reports whether the area has no polygon and no circle (a CAP
// area described only by geocodes).
func (a Area) IsEmpty() bool { return len(a.Polygons) == 0 && len(a.Circles) == 0 }

// Rect is a closed latitude/longitude rectangle (a bounding box or a
// geohash cell). It never crosses the antimeridian: MinLon ≤ MaxLon.
type Rect struct {
	MinLat, MinLon, MaxLat, MaxLon float64
}

// Contains reports whether p lies in the closed rectangle.
func (r Rect) Contains(p Point) bool {
	return p.Lat >= r.MinLat && p.Lat <= r.MaxLat && p.Lon >= r.MinLon && p.Lon <= r.MaxLon
}

// Intersects reports whether two closed rectangles share a point (edges
// touching count: an area that touches a cell's border selects the cell).
func (r Rect) Intersects(s Rect) bool {
	return r.MaxLon >= s.MinLon && r.MinLon <= s.MaxLon && r.MaxLat >= s.MinLat && r.MinLat <= s.MaxLat
}

// Center returns the middle of the rectangle.
func (r Rect) Center() Point {
	return Point{Lat: (r.MinLat + r.MaxLat) / 2, Lon: (r.MinLon + r.MaxLon) / 2}
}

// union returns the smallest rectangle holding both.
func (r Rect) union(s Rect) Rect {
	return Rect{min(r.MinLat, s.MinLat), min(r.MinLon, s.MinLon), max(r.MaxLat, s.MaxLat), max(r.MaxLon, s.MaxLon)}
}

// Bounds returns the bounding box of the points (the zero Rect for none).
func (p Polygon) Bounds() Rect {
	if len(p) == 0 {
		return Rect{}
	}
	r := Rect{p[0].Lat, p[0].Lon, p[0].Lat, p[0].Lon}
	for _, q := range p[1:] {
		r.MinLat, r.MaxLat = min(r.MinLat, q.Lat), max(r.MaxLat, q.Lat)
		r.MinLon, r.MaxLon = min(r.MinLon, q.Lon), max(r.MaxLon, q.Lon)
	}
	return r
}

// Bounds returns a box holding every point within the radius of the
// centre (J. P. Matuschek, "Finding Points Within a Distance of a
// Latitude/Longitude Using Bounding Coordinates"). When the circle holds
// a pole or crosses the antimeridian the box spans all longitudes: the
// box is only a pre-filter, so being too wide costs time, never results.
// It is widened by 1e-9° (0.1 mm) so that rounding never cuts off a cell
// the exact distance test would keep.
func (c Circle) Bounds() Rect {
	const eps = 1e-9
	d := c.RadiusKm / EarthRadiusKm * 180 / math.Pi
	r := Rect{MinLat: c.Center.Lat - d - eps, MaxLat: c.Center.Lat + d + eps, MinLon: -180, MaxLon: 180}
	if r.MinLat <= -90 || r.MaxLat >= 90 {
		r.MinLat, r.MaxLat = max(r.MinLat, -90), min(r.MaxLat, 90)
		return r
	}
	s := math.Sin(c.RadiusKm/EarthRadiusKm) / math.Cos(c.Center.Lat*math.Pi/180)
	if s >= 1 {
		return r
	}
	dl := math.Asin(s)*180/math.Pi + eps
	if c.Center.Lon-dl < -180 || c.Center.Lon+dl > 180 {
		return r
	}
	r.MinLon, r.MaxLon = c.Center.Lon-dl, c.Center.Lon+dl
	return r
}

// EarthRadiusKm is the mean Earth radius (IUGG), the sphere on which
// circles, distances and areas are computed. The ellipsoid would move a
// 40 km circle's edge by at most about 130 m at French latitudes, well
// under the 4.9 km of a subscription cell.
const EarthRadiusKm = 6371.0088

// DistanceKm is the great-circle distance between two points (haversine,
// accurate for short distances too).
func DistanceKm(a, b Point) float64 {
	h := haversin(a.Lat*rad, b.Lat*rad, (b.Lon-a.Lon)*rad)
	return 2 * EarthRadiusKm * math.Asin(math.Sqrt(min(1, h)))
}

const rad = math.Pi / 180

// haversin returns hav(d) for the central angle d between (φ1, λ) and
// (φ2, λ+Δλ), in radians. It grows with the distance, so comparing it
// with hav(radius) decides "within the radius" without an arcsine.
func haversin(phi1, phi2, dlambda float64) float64 {
	s1 := math.Sin((phi2 - phi1) / 2)
	s2 := math.Sin(dlambda / 2)
	return s1*s1 + math.Cos(phi1)*math.Cos(phi2)*s2*s2
}

// Errors. Parse and validation failures wrap one of these, so callers can
// map them to a problem type with errors.Is, and carry a message that
// names the offending value.
var (
	ErrSyntax         = errors.New("geo: syntax error")
	ErrRange          = errors.New("geo: coordinate out of range")
	ErrTooFewPoints   = errors.New("geo: polygon has fewer than 3 distinct points")
	ErrTooManyPoints  = errors.New("geo: polygon has too many points")
	ErrSelfIntersects = errors.New("geo: polygon edges cross")
	ErrEmptyArea      = errors.New("geo: area has no polygon and no circle")
	ErrCell           = errors.New("geo: invalid geohash cell")
	ErrTooManyCells   = errors.New("geo: area covers too many cells at this precision")
)

// parseFloat reads a decimal number. strconv also accepts "NaN", "Inf",
// hexadecimal and underscores, none of which is a CAP coordinate.
func parseFloat(s string) (float64, bool) {
	if s == "" || len(s) > 64 {
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

// checkPoint validates the WGS 84 ranges (NaN fails every comparison).
func checkPoint(p Point) error {
	if !(p.Lat >= -90 && p.Lat <= 90) {
		return fmt.Errorf("%w: latitude %v is outside [-90, 90]", ErrRange, p.Lat)
	}
	if !(p.Lon >= -180 && p.Lon <= 180) {
		return fmt.Errorf("%w: longitude %v is outside [-180, 180]", ErrRange, p.Lon)
	}
	return nil
}

// ParsePoint reads a CAP "lat,lon" pair (latitude first) and checks the
// WGS 84 ranges.
func ParsePoint(s string) (Point, error) {
	latS, lonS, ok := strings.Cut(s, ",")
	if !ok || strings.Contains(lonS, ",") {
		return Point{}, fmt.Errorf("%w: %q is not a lat,lon pair", ErrSyntax, s)
	}
	lat, ok1 := parseFloat(latS)
	lon, ok2 := parseFloat(lonS)
	if !ok1 || !ok2 {
		return Point{}, fmt.Errorf("%w: %q is not two decimal numbers", ErrSyntax, s)
	}
	p := Point{Lat: lat, Lon: lon}
	if err := checkPoint(p); err != nil {
		return Point{}, fmt.Errorf("%w (in %q)", err, s)
	}
	return p, nil
}

// ParsePolygon reads a CAP polygon: whitespace-separated "lat,lon" pairs.
// It checks syntax and ranges only; Normalize checks the shape (closure,
// distinct points, crossings), and the CAP rule of at least four pairs
// with first = last belongs to the CAP validator (package cap).
func ParsePolygon(s string) (Polygon, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return nil, fmt.Errorf("%w: empty polygon", ErrSyntax)
	}
	p := make(Polygon, 0, len(fields))
	for i, f := range fields {
		pt, err := ParsePoint(f)
		if err != nil {
			return nil, fmt.Errorf("pair %d: %w", i+1, err)
		}
		p = append(p, pt)
	}
	return p, nil
}

// ParseCircle reads a CAP circle: "lat,lon radius" with the radius in
// kilometres, zero or more.
func ParseCircle(s string) (Circle, error) {
	fields := strings.Fields(s)
	if len(fields) != 2 {
		return Circle{}, fmt.Errorf("%w: circle %q is not \"lat,lon radius\"", ErrSyntax, s)
	}
	c, err := ParsePoint(fields[0])
	if err != nil {
		return Circle{}, err
	}
	r, ok := parseFloat(fields[1])
	if !ok {
		return Circle{}, fmt.Errorf("%w: circle radius %q is not a number", ErrSyntax, fields[1])
	}
	if r < 0 {
		return Circle{}, fmt.Errorf("%w: circle radius %v is negative", ErrRange, r)
	}
	return Circle{Center: c, RadiusKm: r}, nil
}

// Validate checks the centre's ranges and that the radius is a finite
// number, zero or more.
func (c Circle) Validate() error {
	if err := checkPoint(c.Center); err != nil {
		return fmt.Errorf("circle centre: %w", err)
	}
	if !(c.RadiusKm >= 0) || math.IsInf(c.RadiusKm, 0) {
		return fmt.Errorf("%w: circle radius %v is not a finite number ≥ 0", ErrRange, c.RadiusKm)
	}
	return nil
}

// String writes the point in CAP form, "lat,lon", with the fewest digits
// that read back to the same float64.
func (p Point) String() string {
	return strconv.FormatFloat(p.Lat, 'f', -1, 64) + "," + strconv.FormatFloat(p.Lon, 'f', -1, 64)
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

// String writes the circle in CAP form, "lat,lon radius".
func (c Circle) String() string {
	return c.Center.String() + " " + strconv.FormatFloat(c.RadiusKm, 'f', -1, 64)
}
