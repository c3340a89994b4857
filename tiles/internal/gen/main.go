// Command gen rebuilds tiles/data/world.vgd, the vector data behind the
// built-in basemap, from the world-atlas npm package (Natural Earth 4.1.0
// admin-0 countries as TopoJSON; public domain data). See tiles/DATA.md for the
// exact version and commands.
//
// It writes three levels of detail: 1:110m for zooms 0–2, 1:50m for zooms 3–5
// and for the whole world beyond, and 1:10m for zooms 6 and up inside a few
// boxes around France and its overseas departments, where a crisis cell
// actually looks. Each level has a land layer (polygons to fill), a coast
// layer (lines) and a borders layer (lines between countries). Every arc is
// simplified with Douglas–Peucker once, before polygons are assembled, so land
// and borders stay consistent. The 1:50m and 1:10m data are cut into grid
// cells so that a tile only reads the few cells it overlaps.
//
//	go run ./tiles/internal/gen -atlas DIR -out tiles/data/world.vgd
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/vigie-project/vigie/gazetteer/geodata"
)

// boxes are the lon/lat rectangles covered at 1:10m. Their edges are on
// whole degrees so that they line up with the 1° cells.
var boxes = []geodata.Rect{
	{Min: geodata.Point{-7, 40}, Max: geodata.Point{12, 53}},   // metropolitan France and neighbours
	{Min: geodata.Point{-64, 13}, Max: geodata.Point{-60, 19}}, // Guadeloupe, Martinique
	{Min: geodata.Point{-55, 1}, Max: geodata.Point{-51, 7}},   // Guyane
	{Min: geodata.Point{55, -22}, Max: geodata.Point{56, -20}}, // La Réunion
	{Min: geodata.Point{44, -14}, Max: geodata.Point{46, -12}}, // Mayotte
}

type level struct {
	name string  // suffix of the layer names
	file string  // world-atlas file
	tol  float64 // Douglas–Peucker tolerance, degrees
	cell float64 // grid cell size, degrees; 0 for none
	only []geodata.Rect
}

var levels = []level{
	{name: "0", file: "countries-110m.json", tol: 0.05},
	{name: "1", file: "countries-50m.json", tol: 0.015, cell: 10},
	{name: "2", file: "countries-10m.json", tol: 0.001, cell: 1, only: boxes},
}

func main() {
	atlas := flag.String("atlas", "", "directory of the unpacked world-atlas package")
	out := flag.String("out", "tiles/data/world.vgd", "output file")
	flag.Parse()
	if *atlas == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*atlas, *out); err != nil {
		log.Fatal(err)
	}
}

func run(atlas, out string) error {
	f := &geodata.File{Scale: 10000}
	for _, lv := range levels {
		t, err := readTopology(filepath.Join(atlas, lv.file))
		if err != nil {
			return err
		}
		land, coast, borders, err := t.layers(lv.tol, lv.only)
		if err != nil {
			return fmt.Errorf("%s: %w", lv.file, err)
		}
		grid := cells(lv)
		f.Layers = append(f.Layers,
			geodata.Layer{Name: "land" + lv.name, Features: cutPolygons(land, grid)},
			geodata.Layer{Name: "coast" + lv.name, Features: cutLines(coast, grid)},
			geodata.Layer{Name: "borders" + lv.name, Features: cutLines(borders, grid)},
		)
	}
	hires := geodata.Layer{Name: "hires"}
	for _, b := range boxes {
		hires.Features = append(hires.Features, geodata.Feature{Polygons: []geodata.Polygon{{rectRing(b)}}})
	}
	f.Layers = append(f.Layers, hires)

	var buf bytes.Buffer
	if err := geodata.Encode(&buf, f); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	for _, l := range f.Layers {
		pts := 0
		for _, ft := range l.Features {
			for _, p := range ft.Polygons {
				for _, r := range p {
					pts += len(r)
				}
			}
			for _, line := range ft.Lines {
				pts += len(line)
			}
		}
		fmt.Printf("%-9s %5d features %7d points\n", l.Name, len(l.Features), pts)
	}
	fmt.Printf("%s: %d bytes, sha256 %x\n", out, buf.Len(), sha256.Sum256(buf.Bytes()))
	return nil
}

func rectRing(r geodata.Rect) geodata.Ring {
	return geodata.Ring{r.Min, {r.Max[0], r.Min[1]}, r.Max, {r.Min[0], r.Max[1]}, r.Min}
}

// --- TopoJSON ----------------------------------------------------------------

type topology struct {
	Transform *struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Arcs    [][][2]float64 `json:"arcs"`
	Objects map[string]struct {
		Geometries []struct {
			Type string          `json:"type"`
			Arcs json.RawMessage `json:"arcs"`
		} `json:"geometries"`
	} `json:"objects"`
	arcs [][]geodata.Point // decoded, in degrees
}

func readTopology(path string) (*topology, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t topology
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// Quantised arcs are delta-encoded integers: accumulate, then map
	// through the transform (TopoJSON specification §2.1.2).
	for _, a := range t.Arcs {
		pts := make([]geodata.Point, len(a))
		var x, y float64
		for i, p := range a {
			if t.Transform != nil {
				x, y = x+p[0], y+p[1]
				pts[i] = geodata.Point{x*t.Transform.Scale[0] + t.Transform.Translate[0], y*t.Transform.Scale[1] + t.Transform.Translate[1]}
			} else {
				pts[i] = geodata.Point{p[0], p[1]}
			}
			pts[i][1] = math.Max(-90, math.Min(90, pts[i][1]))
		}
		t.arcs = append(t.arcs, pts)
	}
	return &t, nil
}

// polygonArcs returns the rings of a Polygon or MultiPolygon as lists of arc
// indexes (negative: the one's complement, read backwards).
func polygonArcs(typ string, raw json.RawMessage) ([][]int, error) {
	switch typ {
	case "Polygon":
		var rings [][]int
		return rings, json.Unmarshal(raw, &rings)
	case "MultiPolygon":
		var polys [][][]int
		if err := json.Unmarshal(raw, &polys); err != nil {
			return nil, err
		}
		var rings [][]int
		for _, p := range polys {
			rings = append(rings, p...)
		}
		return rings, nil
	}
	return nil, nil // null geometries (tiny disputed areas) have no arcs
}

// layers returns the land rings, the coastlines and the borders, simplified,
// keeping only those that reach into one of the only rectangles (when given).
func (t *topology) layers(tol float64, only []geodata.Rect) (land []geodata.Ring, coast, borders []geodata.Line, err error) {
	wanted := func(ps []geodata.Point) bool {
		if only == nil {
			return true
		}
		b := geodata.Bounds(ps)
		for _, r := range only {
			if b.Intersects(r) {
				return true
			}
		}
		return false
	}
	simple := make([][]geodata.Point, len(t.arcs))
	for i, a := range t.arcs {
		simple[i] = geodata.Simplify(a, tol)
	}
	inLand := map[int]bool{}
	for _, g := range t.Objects["land"].Geometries {
		rings, err := polygonArcs(g.Type, g.Arcs)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, r := range rings {
			var ring geodata.Ring
			for _, ai := range r {
				i, a := arc(simple, ai)
				inLand[i] = true
				if len(ring) > 0 {
					a = a[1:] // consecutive arcs share their joining point
				}
				ring = append(ring, a...)
			}
			if len(ring) < 4 || !wanted(ring) {
				continue
			}
			land = append(land, splitAntimeridian(ring)...)
		}
	}
	// Outer rings counter-clockwise, holes clockwise: a ring inside another
	// one is a hole (lakes are not in this data set, but enclosed seas are).
	bounds := make([]geodata.Rect, len(land))
	for i, r := range land {
		bounds[i] = geodata.Bounds(r)
	}
	for i, r := range land {
		depth := 0
		for j, s := range land {
			if i != j && bounds[j].Contains(r[0]) && geodata.RingContains(s, r[0]) {
				depth++
			}
		}
		if (geodata.SignedArea(r) > 0) != (depth%2 == 0) {
			land[i] = geodata.Reversed(r)
		}
	}
	for i := range simple {
		if inLand[i] && wanted(simple[i]) {
			coast = append(coast, seaEdges(simple[i])...)
		}
	}
	used := map[int]bool{}
	for _, g := range t.Objects["countries"].Geometries {
		rings, err := polygonArcs(g.Type, g.Arcs)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, r := range rings {
			for _, ai := range r {
				i, _ := arc(simple, ai)
				if !inLand[i] && !used[i] && wanted(simple[i]) {
					used[i] = true
					borders = append(borders, seaEdges(simple[i])...)
				}
			}
		}
	}
	return land, coast, borders, nil
}

// splitAntimeridian cuts a ring that crosses ±180° (the merged land of
// 1:110m joins Chukotka and Fiji across it) into pieces on each side; drawn as
// is, its jump from one edge of the map to the other would fill a band across
// the world. A ring that winds around the pole (Antarctica) is left alone: its
// jump runs along the bottom of the map, where it belongs.
func splitAntimeridian(r geodata.Ring) []geodata.Ring {
	u := make(geodata.Ring, len(r))
	u[0] = r[0]
	shift := 0.0
	crosses := false
	for i := 1; i < len(r); i++ {
		d := r[i][0] - r[i-1][0]
		if d > 180 {
			shift -= 360
			crosses = true
		} else if d < -180 {
			shift += 360
			crosses = true
		}
		u[i] = geodata.Point{r[i][0] + shift, r[i][1]}
	}
	if !crosses || shift != 0 {
		return []geodata.Ring{r}
	}
	world := geodata.Rect{Min: geodata.Point{-180, -90}, Max: geodata.Point{180, 90}}
	var out []geodata.Ring
	for _, off := range []float64{-360, 0, 360} {
		moved := make(geodata.Ring, len(u))
		for i, p := range u {
			moved[i] = geodata.Point{p[0] + off, p[1]}
		}
		if c := geodata.ClipRing(moved, world); c != nil && math.Abs(geodata.SignedArea(c)) > 1e-9 {
			out = append(out, c)
		}
	}
	return out
}

func arc(arcs [][]geodata.Point, ai int) (int, []geodata.Point) {
	if ai >= 0 {
		return ai, arcs[ai]
	}
	i := ^ai
	a := arcs[i]
	rev := make([]geodata.Point, len(a))
	for k, p := range a {
		rev[len(a)-1-k] = p
	}
	return i, rev
}

// seaEdges drops the parts of an outline that are not on the ground: the
// cuts along the antimeridian, jumps from one side of it to the other (which
// would be drawn across the whole map) and Antarctica's edge at the bottom.
func seaEdges(a []geodata.Point) []geodata.Line {
	artificial := func(p, q geodata.Point) bool {
		return (math.Abs(p[0]) >= 179.999 && p[0] == q[0]) || (p[1] < -84 && q[1] < -84) ||
			math.Abs(p[0]-q[0]) > 180
	}
	var out []geodata.Line
	var cur geodata.Line
	for i := 1; i < len(a); i++ {
		if artificial(a[i-1], a[i]) {
			if len(cur) >= 2 {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		if len(cur) == 0 {
			cur = append(cur, a[i-1])
		}
		cur = append(cur, a[i])
	}
	if len(cur) >= 2 {
		out = append(out, cur)
	}
	return out
}

// --- grid cells ----------------------------------------------------------------

func cells(lv level) []geodata.Rect {
	if lv.cell == 0 {
		return []geodata.Rect{{Min: geodata.Point{-180, -90}, Max: geodata.Point{180, 90}}}
	}
	areas := lv.only
	if areas == nil {
		areas = []geodata.Rect{{Min: geodata.Point{-180, -90}, Max: geodata.Point{180, 90}}}
	}
	var out []geodata.Rect
	for _, a := range areas {
		for x := a.Min[0]; x < a.Max[0]; x += lv.cell {
			for y := a.Min[1]; y < a.Max[1]; y += lv.cell {
				out = append(out, geodata.Rect{
					Min: geodata.Point{x, y},
					Max: geodata.Point{math.Min(x+lv.cell, a.Max[0]), math.Min(y+lv.cell, a.Max[1])},
				})
			}
		}
	}
	return out
}

func cellProps(c geodata.Rect) []geodata.Prop {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return []geodata.Prop{{Key: "cell", Value: f(c.Min[0]) + "," + f(c.Min[1]) + "," + f(c.Max[0]) + "," + f(c.Max[1])}}
}

// cutPolygons clips every ring to every cell it overlaps; each cell becomes
// one feature whose polygons are single rings, to be filled together with the
// non-zero rule (clockwise rings, the holes, subtract).
func cutPolygons(rings []geodata.Ring, grid []geodata.Rect) []geodata.Feature {
	bounds := make([]geodata.Rect, len(rings))
	for i, r := range rings {
		bounds[i] = geodata.Bounds(r)
	}
	var out []geodata.Feature
	for _, c := range grid {
		f := geodata.Feature{Props: cellProps(c)}
		for i, r := range rings {
			if !bounds[i].Intersects(c) {
				continue
			}
			if cr := geodata.ClipRing(r, c); cr != nil && math.Abs(geodata.SignedArea(cr)) > 1e-9 {
				if cr = dedupe(cr); len(cr) >= 4 {
					f.Polygons = append(f.Polygons, geodata.Polygon{cr})
				}
			}
		}
		if len(f.Polygons) > 0 {
			out = append(out, f)
		}
	}
	return out
}

func cutLines(lines []geodata.Line, grid []geodata.Rect) []geodata.Feature {
	bounds := make([]geodata.Rect, len(lines))
	for i, l := range lines {
		bounds[i] = geodata.Bounds(l)
	}
	var out []geodata.Feature
	for _, c := range grid {
		f := geodata.Feature{Props: cellProps(c)}
		for i, l := range lines {
			if !bounds[i].Intersects(c) {
				continue
			}
			for _, piece := range geodata.ClipLine(l, c) {
				f.Lines = append(f.Lines, geodata.Line(piece))
			}
		}
		if len(f.Lines) > 0 {
			out = append(out, f)
		}
	}
	return out
}

// dedupe drops consecutive repeated points, which clipping creates where a
// ring runs along a cell edge.
func dedupe(r geodata.Ring) geodata.Ring {
	out := r[:1]
	for _, p := range r[1:] {
		if p != out[len(out)-1] {
			out = append(out, p)
		}
	}
	return out
}
