// Package gazetteer knows the French administrative areas an alert can be
// addressed to by CAP <geocode>: the 101 departments and the 18 regions, each
// with its INSEE code, its official name, a simplified outline and a bounding
// box. It finds an area by code or by name prefix (accent-insensitive),
// locates the areas holding a point, and writes an area as CAP polygons
// ("lat,lon" pairs) or as GeoJSON.
//
// All data is embedded (see DATA.md for sources and licences); nothing is
// fetched at run time, so a crisis cell that is offline still has it. The
// package is a pure format/domain package: it imports neither net/http nor
// database/sql.
//
// # CAP geocodes
//
// CAP 1.2 leaves <geocode> valueName free and France has no official CAP
// profile. Vigie writes
//
//	<geocode><valueName>INSEE-DEP</valueName><value>75</value></geocode>
//	<geocode><valueName>INSEE-REG</valueName><value>11</value></geocode>
//
// The value is the code of INSEE's Code officiel géographique (COG), the key
// every French administration already uses ("2A", "2B", "971" included,
// leading zero kept: "01" is Ain). The valueName names both the authority
// that assigns the code and the level, because the same digits mean different
// areas at each level ("11" is the Aude department and the Île-de-France
// region) and a bare "INSEE" would be ambiguous. ISO 3166-2:FR was not chosen:
// its department entries were reshuffled in 2016–2021 (FR-75C, FR-6AE) and it
// is not what prefectures use. A receiver that does not know these names
// still gets the area as <polygon>s (see Area.CAPPolygons).
package gazetteer

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/vigie-project/vigie/gazetteer/geodata"
)

// CAP geocode valueNames for the two levels (see the package documentation
// for why these).
const (
	ValueNameDepartment = "INSEE-DEP"
	ValueNameRegion     = "INSEE-REG"
)

// Attribution credits the sources of the area outlines and names, as their
// licences ask; show it wherever the outlines are displayed.
const Attribution = "Limites : Natural Earth (domaine public) · Noms et codes : INSEE, Code officiel géographique, via Etalab (Licence Ouverte 2.0)"

// Level is the administrative level of an area.
type Level int

// The levels known to the gazetteer.
const (
	DepartmentLevel Level = iota + 1
	RegionLevel
)

// String returns "department" or "region".
func (l Level) String() string {
	switch l {
	case DepartmentLevel:
		return "department"
	case RegionLevel:
		return "region"
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// ValueName returns the CAP geocode valueName of the level.
func (l Level) ValueName() string {
	switch l {
	case DepartmentLevel:
		return ValueNameDepartment
	case RegionLevel:
		return ValueNameRegion
	}
	return ""
}

// Point is a WGS-84 position in decimal degrees.
type Point struct{ Lat, Lon float64 }

// BBox is a latitude/longitude bounding box.
type BBox struct{ South, West, North, East float64 }

// Contains reports whether p lies within b, borders included.
func (b BBox) Contains(p Point) bool {
	return p.Lat >= b.South && p.Lat <= b.North && p.Lon >= b.West && p.Lon <= b.East
}

// Ring is a closed ring: at least four points, the first equal to the last.
type Ring []Point

// Polygon is an outer ring followed by its holes, if any.
type Polygon []Ring

// Area is one department or region. Areas returned by this package are shared
// and must not be modified.
type Area struct {
	Level Level
	// Code is the INSEE COG code: "75", "2A", "971" for departments, "11",
	// "84", "01" for regions.
	Code string
	// Name is the official name, with its accents: "Hauts-de-Seine".
	Name string
	// Region is the code of the region of a department; empty for regions.
	Region string
	// Label is where the name reads well on a map (inside the area).
	Label Point
	BBox  BBox
	// Polygons are the simplified outline: several for islands and
	// enclaves. Outer rings turn counter-clockwise, holes clockwise.
	Polygons []Polygon

	folded string   // accent-free lower-case name, for search
	starts []string // folded name from each word onward
	geo    []geodata.Polygon
}

// Geocode returns the CAP geocode of the area.
func (a *Area) Geocode() (valueName, value string) { return a.Level.ValueName(), a.Code }

// Contains reports whether p lies inside the area.
func (a *Area) Contains(p Point) bool {
	if !a.BBox.Contains(p) {
		return false
	}
	for _, poly := range a.geo {
		if geodata.PolygonContains(poly, geodata.Point{p.Lon, p.Lat}) {
			return true
		}
	}
	return false
}

// CAPPolygons returns the area as CAP <polygon> values, one per outer ring:
// space-separated "lat,lon" pairs, latitude first, first pair repeated last.
// CAP polygons cannot have holes, so holes are left out: the CAP area is then
// slightly larger than the administrative one, which errs on the side of
// warning too many rather than too few. Add the geocode beside them.
func (a *Area) CAPPolygons() []string {
	out := make([]string, 0, len(a.Polygons))
	var b strings.Builder
	for _, poly := range a.Polygons {
		b.Reset()
		for i, p := range poly[0] {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(formatCoord(p.Lat))
			b.WriteByte(',')
			b.WriteString(formatCoord(p.Lon))
		}
		out = append(out, b.String())
	}
	return out
}

// formatCoord writes a coordinate with at most five decimals (about a
// metre), the precision of the data, without trailing zeros.
func formatCoord(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// String returns "Paris (75)".
func (a *Area) String() string { return fmt.Sprintf("%s (%s)", a.Name, a.Code) }

// Departments returns every department, ordered by code.
func Departments() []*Area { return slices.Clone(data().depts) }

// Regions returns every region, ordered by code.
func Regions() []*Area { return slices.Clone(data().regions) }

// DepartmentsOf returns the departments of the region with the given code,
// ordered by code.
func DepartmentsOf(regionCode string) []*Area {
	var out []*Area
	for _, d := range data().depts {
		if d.Region == regionCode {
			out = append(out, d)
		}
	}
	return out
}

// Department returns the department with INSEE code code ("75", "2a" and
// "2A" alike, "971").
func Department(code string) (*Area, bool) {
	a, ok := data().byCode[key{DepartmentLevel, normCode(code)}]
	return a, ok
}

// Region returns the region with INSEE code code ("11", "84", "01").
func Region(code string) (*Area, bool) {
	a, ok := data().byCode[key{RegionLevel, normCode(code)}]
	return a, ok
}

// ByGeocode returns the area named by a CAP geocode, matching valueName
// without regard to case.
func ByGeocode(valueName, value string) (*Area, bool) {
	switch strings.ToUpper(strings.TrimSpace(valueName)) {
	case ValueNameDepartment:
		return Department(value)
	case ValueNameRegion:
		return Region(value)
	}
	return nil, false
}

func normCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// Locate returns the areas that contain p: its department then its region,
// or nothing at sea and abroad.
func Locate(p Point) []*Area {
	var out []*Area
	for _, level := range [][]*Area{data().depts, data().regions} {
		for _, a := range level {
			if a.Contains(p) {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

type key struct {
	level Level
	code  string
}

type index struct {
	depts, regions []*Area
	byCode         map[key]*Area
}

//go:embed data/france.vgd
var franceVGD []byte

// data decodes the embedded areas once, on first use. The file is checked by
// the package tests, so a failure here means a broken build: panic.
var data = sync.OnceValue(func() *index {
	idx, err := load(franceVGD)
	if err != nil {
		panic("gazetteer: embedded data: " + err.Error())
	}
	return idx
})

func load(vgd []byte) (*index, error) {
	f, err := geodata.DecodeBytes(vgd)
	if err != nil {
		return nil, err
	}
	idx := &index{byCode: map[key]*Area{}}
	for _, l := range []struct {
		name  string
		level Level
		dst   *[]*Area
	}{{"departments", DepartmentLevel, &idx.depts}, {"regions", RegionLevel, &idx.regions}} {
		layer := f.Layer(l.name)
		if layer == nil {
			return nil, fmt.Errorf("no %s layer", l.name)
		}
		for i := range layer.Features {
			a, err := newArea(l.level, &layer.Features[i])
			if err != nil {
				return nil, err
			}
			k := key{a.Level, a.Code}
			if idx.byCode[k] != nil {
				return nil, fmt.Errorf("duplicate %s %s", a.Level, a.Code)
			}
			idx.byCode[k] = a
			*l.dst = append(*l.dst, a)
		}
		slices.SortFunc(*l.dst, func(a, b *Area) int { return strings.Compare(a.Code, b.Code) })
	}
	return idx, nil
}

func newArea(level Level, f *geodata.Feature) (*Area, error) {
	a := &Area{Level: level, Code: f.Get("code"), Name: f.Get("name"), Region: f.Get("region"), geo: f.Polygons}
	if a.Code == "" || a.Name == "" || len(f.Polygons) == 0 {
		return nil, fmt.Errorf("%s without code, name or outline", level)
	}
	lon, lat, ok := strings.Cut(f.Get("label"), ",")
	x, errx := strconv.ParseFloat(lon, 64)
	y, erry := strconv.ParseFloat(lat, 64)
	if !ok || errx != nil || erry != nil {
		return nil, fmt.Errorf("%s %s: bad label point", level, a.Code)
	}
	a.Label = Point{Lat: y, Lon: x}
	var r geodata.Rect
	for i, poly := range f.Polygons {
		p := make(Polygon, len(poly))
		for j, ring := range poly {
			if i == 0 && j == 0 {
				r = geodata.Bounds(ring)
			} else {
				r = r.Union(geodata.Bounds(ring))
			}
			rr := make(Ring, len(ring))
			for k, pt := range ring {
				rr[k] = Point{Lat: pt[1], Lon: pt[0]}
			}
			p[j] = rr
		}
		a.Polygons = append(a.Polygons, p)
	}
	a.BBox = BBox{South: r.Min[1], West: r.Min[0], North: r.Max[1], East: r.Max[0]}
	a.folded = fold(a.Name)
	words := strings.Fields(a.folded)
	for i := range words {
		a.starts = append(a.starts, strings.Join(words[i:], " "))
	}
	return a, nil
}
