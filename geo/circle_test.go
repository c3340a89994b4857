package geo

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestCircleVertices(t *testing.T) {
	tests := []struct {
		r, maxErr float64
		want      int
	}{
		{40, 0.05, 64},     // 40 km within 50 m: the default
		{2, 0.01, 32},      // 2 km within 10 m
		{125, 0.1, 80},     // 125 km within 100 m
		{40, 0.001, 448},   // 40 km within 1 m
		{0, 0.1, 8},        // a point
		{1, 2, 8},          // error larger than the radius
		{1, math.NaN(), 8}, // nonsense
	}
	for _, tt := range tests {
		if got := CircleVertices(tt.r, tt.maxErr); got != tt.want {
			t.Errorf("CircleVertices(%v, %v) = %d, want %d", tt.r, tt.maxErr, got, tt.want)
		}
	}
}

// The polygon's vertices lie on the circle and its edges fall short of it
// by at most r·(1 − cos(π/n)) plus the small difference between a straight
// lon/lat edge and a great-circle chord.
func TestCirclePolygonError(t *testing.T) {
	for _, tt := range []struct {
		c Circle
		n int
	}{
		{Circle{Point{48.8566, 2.3522}, 40}, 512},
		{Circle{Point{48.8566, 2.3522}, 40}, 64},
		{Circle{Point{48.8566, 2.3522}, 8}, 64},
		{Circle{Point{45.764, 4.8357}, 2}, 16},
		{Circle{Point{43.6, 4.8}, 125}, 128},
	} {
		p := tt.c.Polygon(tt.n)
		if len(p) != tt.n+1 || p[0] != p[tt.n] {
			t.Fatalf("%v: %d points", tt.c, len(p))
		}
		if _, err := Normalize(p); err != nil {
			t.Fatalf("%v: %v", tt.c, err)
		}
		if exactSignedArea(p).Sign() <= 0 {
			t.Errorf("%v: not counterclockwise", tt.c)
		}
		worst := 0.0
		for i := 0; i < tt.n; i++ {
			if d := math.Abs(DistanceKm(tt.c.Center, p[i]) - tt.c.RadiusKm); d > 1e-9*tt.c.RadiusKm {
				t.Fatalf("%v: vertex %d at %v km from the circle", tt.c, i, d)
			}
			for k := 1; k < 8; k++ { // points along the edge
				f := float64(k) / 8
				q := Point{p[i].Lat + f*(p[i+1].Lat-p[i].Lat), p[i].Lon + f*(p[i+1].Lon-p[i].Lon)}
				worst = max(worst, tt.c.RadiusKm-DistanceKm(tt.c.Center, q))
			}
		}
		bound := tt.c.RadiusKm * (1 - math.Cos(math.Pi/float64(tt.n)))
		t.Logf("%v, %d vertices: worst shortfall %.1f m (chord bound %.1f m)", tt.c, tt.n, worst*1000, bound*1000)
		if worst > bound*1.05+0.001 {
			t.Errorf("%v, %d vertices: shortfall %.4f km beyond %.4f", tt.c, tt.n, worst, bound)
		}
	}
	if (Circle{Point{0, 0}, 0}).Polygon(64) != nil || (Circle{Point{0, 0}, 1}).Polygon(2) != nil {
		t.Error("degenerate circles should give nil")
	}
}

func TestAreaKm2(t *testing.T) {
	c, _ := ParseCell("u09tv")
	r := c.Rect()
	cellArea := EarthRadiusKm * EarthRadiusKm * (r.MaxLon - r.MinLon) * rad * (math.Sin(r.MaxLat*rad) - math.Sin(r.MinLat*rad))
	paris := Circle{Point{48.8566, 2.3522}, 40}
	tests := []struct {
		name string
		got  float64
		want float64
		tol  float64 // relative
	}{
		{"geohash cell", Polygon{{r.MinLat, r.MinLon}, {r.MinLat, r.MaxLon}, {r.MaxLat, r.MaxLon}, {r.MaxLat, r.MinLon}}.AreaKm2(), cellArea, 1e-9},
		{"cell is ~15.7 km²", cellArea, 4.89 * 3.22, 0.01},
		{"clockwise is the same", Polygon{{r.MinLat, r.MinLon}, {r.MaxLat, r.MinLon}, {r.MaxLat, r.MaxLon}, {r.MinLat, r.MaxLon}}.AreaKm2(), cellArea, 1e-9},
		{"40 km cap", paris.AreaKm2(), math.Pi * 40 * 40, 1e-4},
		{"512-gon of the cap", paris.Polygon(512).AreaKm2(), paris.AreaKm2(), 1e-3},
		{"triangle at the equator", Polygon{{0, 0}, {0, 1}, {1, 0}}.AreaKm2(), 0.5 * (EarthRadiusKm * rad) * (EarthRadiusKm * rad), 1e-3},
		{"area sums parts", Area{Polygons: []Polygon{paris.Polygon(512)}, Circles: []Circle{paris}}.AreaKm2(), 2 * paris.AreaKm2(), 1e-3},
		{"invalid polygon", Polygon{{0, 0}, {1, 1}}.AreaKm2(), 0, 0},
		{"hemisphere", Circle{Point{0, 0}, EarthRadiusKm * math.Pi / 2}.AreaKm2(), 2 * math.Pi * EarthRadiusKm * EarthRadiusKm, 1e-12},
	}
	for _, tt := range tests {
		if d := math.Abs(tt.got - tt.want); d > tt.tol*math.Abs(tt.want) {
			t.Errorf("%s: %v km², want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestGeoJSON(t *testing.T) {
	a := Area{
		Polygons: []Polygon{poly("48,2 49,2 49,3 48,3 48,2")}, // clockwise in CAP order
		Circles:  []Circle{{Point{45.5, 4.5}, 2}, {Point{45, 4}, 0}},
	}
	b, err := a.GeoJSON(16)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type     string
		Features []struct {
			Type     string
			Geometry struct {
				Type        string
				Coordinates json.RawMessage
			}
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != 3 {
		t.Fatalf("%s", b)
	}
	if got := string(fc.Features[0].Geometry.Coordinates); got != "[[[3,48],[3,49],[2,49],[2,48],[3,48]]]" {
		t.Errorf("polygon: %s (want lon,lat, counterclockwise, closed)", got)
	}
	var ring [][][2]float64
	_ = json.Unmarshal(fc.Features[1].Geometry.Coordinates, &ring)
	if fc.Features[1].Geometry.Type != "Polygon" || len(ring[0]) != 17 || fc.Features[1].Properties["radius_km"] != 2.0 {
		t.Errorf("circle: %+v", fc.Features[1])
	}
	if fc.Features[2].Geometry.Type != "Point" || string(fc.Features[2].Geometry.Coordinates) != "[4,45]" {
		t.Errorf("zero circle: %+v", fc.Features[2])
	}
	if _, err := (Area{Polygons: []Polygon{poly("0,0 1,1 0,1 1,0 0,0")}}).GeoJSON(0); err == nil || !strings.Contains(err.Error(), "polygon 1") {
		t.Errorf("bow tie: %v", err)
	}
	if b, _ := (Area{}).GeoJSON(0); string(b) != `{"type":"FeatureCollection","features":[]}` {
		t.Errorf("empty: %s", b)
	}
}
