package geo

import (
	"errors"
	"math"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// bruteCover tests every cell of the region's box with IntersectsRect: the
// definition that AppendCover must reproduce exactly.
func bruteCover(r *Region, precision int) []Cell {
	g := newGrid(precision)
	s := g.span(r.Bounds())
	var out []Cell
	for y := s.y0; y <= s.y1; y++ {
		for x := s.x0; x <= s.x1; x++ {
			if r.IntersectsRect(g.rect(x, y)) {
				out = append(out, CellAt(x, y, precision))
			}
		}
	}
	return out
}

func sortedCover(t interface{ Fatal(...any) }, r *Region, precision int) []Cell {
	c, err := r.AppendCover(nil, precision)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(c)
	return c
}

// neighbours returns the cell and its eight neighbours, from the points one
// cell width and height away from its centre.
func neighbours(c Cell) []string {
	r, ctr := c.Rect(), c.Rect().Center()
	var out []string
	for dy := -1.0; dy <= 1; dy++ {
		for dx := -1.0; dx <= 1; dx++ {
			out = append(out, Encode(Point{ctr.Lat + dy*(r.MaxLat-r.MinLat), ctr.Lon + dx*(r.MaxLon-r.MinLon)}, c.Precision()))
		}
	}
	return out
}

func TestCoverKnown(t *testing.T) {
	c, _ := ParseCell("u09tv")
	r := c.Rect()
	inner := Rect{r.MinLat + 0.01, r.MinLon + 0.01, r.MaxLat - 0.01, r.MaxLon - 0.01}
	rectPoly := func(r Rect) Polygon {
		return Polygon{{r.MinLat, r.MinLon}, {r.MinLat, r.MaxLon}, {r.MaxLat, r.MaxLon}, {r.MaxLat, r.MinLon}}
	}
	tests := []struct {
		name string
		area Area
		prec int
		want []string
	}{
		{"polygon inside one cell", Area{Polygons: []Polygon{rectPoly(inner)}}, 5, []string{"u09tv"}},
		{"the cell itself touches its 8 neighbours", Area{Polygons: []Polygon{rectPoly(r)}}, 5, neighbours(c)},
		{"same at precision 4", Area{Polygons: []Polygon{rectPoly(inner)}}, 4, []string{"u09t"}},
		{"zero-radius circle inside a cell", Area{Circles: []Circle{{Center: inner.Center()}}}, 5, []string{"u09tv"}},
		{"zero-radius circle on a corner", Area{Circles: []Circle{{Center: Point{r.MaxLat, r.MaxLon}}}}, 5, []string{"u09tv", "u09ty", "u09wj", "u09wn"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Cover(tt.area, tt.prec)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tt.want))
			if !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}

func TestCoverErrors(t *testing.T) {
	if _, err := Cover(Area{}, 5); !errors.Is(err, ErrEmptyArea) {
		t.Errorf("empty area: %v", err)
	}
	a := Area{Circles: []Circle{{Center: Point{46, 2}, RadiusKm: 500}}}
	for _, p := range []int{0, 13} {
		if _, err := Cover(a, p); !errors.Is(err, ErrCell) {
			t.Errorf("precision %d: %v", p, err)
		}
	}
	if _, err := Cover(a, 8); !errors.Is(err, ErrTooManyCells) {
		t.Errorf("France at precision 8: %v", err)
	}
	if _, err := Cover(Area{Circles: []Circle{{Center: Point{46, 2}, RadiusKm: -1}}}, 5); !errors.Is(err, ErrRange) {
		t.Errorf("negative radius: %v", err)
	}
	if _, err := Cover(Area{Polygons: []Polygon{poly("0,0 1,1 0,1 1,0 0,0")}}, 5); !errors.Is(err, ErrSelfIntersects) {
		t.Errorf("bow tie: %v", err)
	}
}

// Rings across the antimeridian and circles around a pole are read in the
// simple way (the long way round, all longitudes); they must not fail.
func TestCoverAntimeridianAndPoles(t *testing.T) {
	fiji := Area{Polygons: []Polygon{poly("-16,179.5 -16,-179.5 -17,-179.5 -17,179.5 -16,179.5")}}
	cells, err := Cover(fiji, 3)
	if err != nil || len(cells) == 0 {
		t.Fatalf("Fiji: %d cells, %v", len(cells), err)
	}
	if _, err := Cover(fiji, 5); err != nil {
		t.Fatalf("Fiji at 5: %v", err)
	}
	for _, c := range []Circle{{Point{89.9, 0}, 50}, {Point{-89.9, 170}, 50}, {Point{0, 179.99}, 20}, {Point{0, 0}, 30000}} {
		cells, err := Cover(Area{Circles: []Circle{c}}, 2)
		if err != nil || len(cells) == 0 {
			t.Errorf("%v: %d cells, %v", c, len(cells), err)
		}
		for _, h := range cells {
			cell, _ := ParseCell(h)
			_ = cell
		}
	}
	// a circle across the antimeridian selects cells on both sides
	cells, _ = Cover(Area{Circles: []Circle{{Point{0, 179.99}, 20}}}, 3)
	if !slices.Contains(cells, Encode(Point{0, -179.99}, 3)) || !slices.Contains(cells, Encode(Point{0, 179.99}, 3)) {
		t.Errorf("antimeridian circle: %v", cells)
	}
}

// drawArea draws an area of star polygons and circles around France, some
// with vertices snapped to cell edges so that the touching cases are hit.
func drawArea(t *rapid.T) Area {
	var a Area
	size := rapid.SampledFrom([]float64{0.005, 0.05, 0.3, 1.5}).Draw(t, "size")
	snap := rapid.SampledFrom([]float64{0, 1.0 / 256, 360.0 / 8192}).Draw(t, "snap")
	center := func() Point {
		return Point{rapid.Float64Range(43, 50).Draw(t, "clat"), rapid.Float64Range(-4, 7).Draw(t, "clon")}
	}
	for range rapid.IntRange(0, 2).Draw(t, "polygons") {
		p := starPolygon(t, center(), size)
		if snap > 0 {
			for i := range p {
				p[i] = Point{math.Round(p[i].Lat/snap) * snap, math.Round(p[i].Lon/snap) * snap}
			}
		}
		if _, err := Normalize(p); err == nil {
			a.Polygons = append(a.Polygons, p)
		}
	}
	for range rapid.IntRange(0, 2).Draw(t, "circles") {
		a.Circles = append(a.Circles, Circle{center(), rapid.Float64Range(0, size*111).Draw(t, "radius")})
	}
	if a.IsEmpty() {
		a.Circles = append(a.Circles, Circle{center(), 0})
	}
	return a
}

func TestCoverMatchesBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := drawArea(t)
		r, err := Prepare(a)
		if err != nil {
			t.Fatal(err)
		}
		prec := rapid.IntRange(3, 6).Draw(t, "precision")
		if newGrid(prec).span(r.Bounds()).cells() > 200_000 {
			return
		}
		got := sortedCover(t, r, prec)
		want := bruteCover(r, prec)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("sweep %d cells, brute force %d", len(got), len(want))
		}
		// Every point of the area lies in a covered cell.
		b := r.Bounds()
		for range 200 {
			p := Point{rapid.Float64Range(b.MinLat, b.MaxLat).Draw(t, "plat"), rapid.Float64Range(b.MinLon, b.MaxLon).Draw(t, "plon")}
			if !r.ContainsPoint(p) {
				continue
			}
			c, _ := CellOf(p, prec)
			if _, ok := slices.BinarySearch(got, c); !ok {
				t.Fatalf("%v is in the area but its cell %s is not covered", p, c)
			}
		}
	})
}

// The circle-cell test is exact: a cell is selected if and only if some
// point of it is within the radius. Checked against sampling.
func TestCircleRectExact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := Circle{Point{rapid.Float64Range(-80, 80).Draw(t, "lat"), rapid.Float64Range(-170, 170).Draw(t, "lon")}, rapid.Float64Range(0, 300).Draw(t, "r")}
		r, _ := Prepare(Area{Circles: []Circle{c}})
		cell, _ := CellOf(Point{c.Center.Lat + rapid.Float64Range(-4, 4).Draw(t, "dlat"), c.Center.Lon + rapid.Float64Range(-4, 4).Draw(t, "dlon")}, rapid.IntRange(2, 5).Draw(t, "prec"))
		rect := cell.Rect()
		const k = 400
		dmin := math.Inf(1)
		for i := 0; i <= k; i++ {
			f := float64(i) / k
			for _, p := range []Point{
				{rect.MinLat, rect.MinLon + f*(rect.MaxLon-rect.MinLon)}, {rect.MaxLat, rect.MinLon + f*(rect.MaxLon-rect.MinLon)},
				{rect.MinLat + f*(rect.MaxLat-rect.MinLat), rect.MinLon}, {rect.MinLat + f*(rect.MaxLat-rect.MinLat), rect.MaxLon},
			} {
				dmin = min(dmin, DistanceKm(c.Center, p))
			}
		}
		if rect.Contains(c.Center) {
			dmin = 0
		}
		step := DistanceKm(Point{rect.MinLat, rect.MinLon}, Point{rect.MaxLat, rect.MaxLon}) / k
		got := r.IntersectsRect(rect)
		if dmin <= c.RadiusKm && !got {
			t.Fatalf("cell %s at %.4f km of %v is not selected", cell, dmin, c)
		}
		if got && dmin > c.RadiusKm+step {
			t.Fatalf("cell %s at %.4f km of %v is selected", cell, dmin, c)
		}
	})
}

func BenchmarkCover(b *testing.B) {
	paris := Point{48.8566, 2.3522}
	for _, bc := range []struct {
		name string
		area Area
	}{
		{"Lyon2kmCircle", Area{Circles: []Circle{{Point{45.764, 4.8357}, 2}}}},
		{"Paris40km512gon", Area{Polygons: []Polygon{Circle{paris, 40}.Polygon(512)}}},
		{"South125km128gon", Area{Polygons: []Polygon{Circle{Point{43.6, 4.8}, 125}.Polygon(128)}}},
		{"South125kmCircle", Area{Circles: []Circle{{Point{43.6, 4.8}, 125}}}},
	} {
		r, err := Prepare(bc.area)
		if err != nil {
			b.Fatal(err)
		}
		var buf []Cell
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				buf, _ = r.AppendCover(buf[:0], 5)
			}
			b.ReportMetric(float64(len(buf)), "cells")
		})
	}
}
