package geo

import (
	"errors"
	"strings"
	"testing"
)

func FuzzParseCell(f *testing.F) {
	for _, s := range []string{"u09tv", "U09TV", "", "a", "zzzzzzzzzzzz", "0000000000000", "u09ta", "é", "u0\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCell(s)
		if err != nil {
			if !errors.Is(err, ErrCell) {
				t.Fatalf("error %v does not wrap ErrCell", err)
			}
			if _, err2 := Decode(s); err2 == nil {
				t.Fatal("Decode accepts what ParseCell rejects")
			}
			return
		}
		if c.Precision() != len(s) || c.String() != strings.ToLower(s) {
			t.Fatalf("%q parsed as %q (precision %d)", s, c.String(), c.Precision())
		}
		r := c.Rect()
		if !(r.MinLat < r.MaxLat && r.MinLon < r.MaxLon && r.MinLat >= -90 && r.MaxLat <= 90 && r.MinLon >= -180 && r.MaxLon <= 180) {
			t.Fatalf("%q: bad rect %+v", s, r)
		}
		// the cell of its own centre is itself
		if back, err := CellOf(r.Center(), c.Precision()); err != nil || back != c {
			t.Fatalf("%q: CellOf(centre) = %v, %v", s, back, err)
		}
	})
}

func FuzzParsePoint(f *testing.F) {
	for _, s := range []string{"48.8566,2.3522", "-90,180", "91,0", "1,2,3", "NaN,0", "1e2,5", "0x1p3,0", ",", "1_0,0", "+1.,-.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePoint(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrRange) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if checkPoint(p) != nil {
			t.Fatalf("%q accepted out of range: %v", s, p)
		}
		back, err := ParsePoint(p.String())
		if err != nil || back != p {
			t.Fatalf("%q → %v → %q → %v, %v", s, p, p.String(), back, err)
		}
	})
}

func FuzzParseCircle(f *testing.F) {
	for _, s := range []string{"-12.345,67.89 15.2", "45.764,4.8357 2", "0,0 0", "0,0 -1", "0,0", "0,0 1 2", "0,0 Inf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCircle(s)
		if err != nil {
			return
		}
		if c.Validate() != nil {
			t.Fatalf("%q accepted invalid %v", s, c)
		}
		back, err := ParseCircle(c.String())
		if err != nil || back != c {
			t.Fatalf("%q → %v → %v, %v", s, c, back, err)
		}
		// Covering at a coarse precision must work or fail cleanly.
		if cells, err := Cover(Area{Circles: []Circle{c}}, 2); err == nil && len(cells) == 0 {
			t.Fatalf("%v covers no cell", c)
		}
	})
}

// FuzzParsePolygon runs the whole path an alert's polygon takes: parse,
// normalise, prepare, cover at a coarse precision, and checks that the
// sweep agrees with the cell-by-cell predicate.
func FuzzParsePolygon(f *testing.F) {
	for _, s := range []string{
		"48,2 48,3 49,3 49,2 48,2",
		"0,0 1,1 0,1 1,0 0,0",
		"0,0 0,2 0,1 1,1 0,0",
		"45,4 45,4 45,4",
		"-16,179.5 -16,-179.5 -17,-179.5 -17,179.5 -16,179.5",
		"38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14",
		"",
		"1,2 3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePolygon(s)
		if err != nil {
			return
		}
		n, err := Normalize(p)
		if err != nil {
			if !errors.Is(err, ErrTooFewPoints) && !errors.Is(err, ErrSelfIntersects) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if n[0] != n[len(n)-1] || len(n) < 4 {
			t.Fatalf("not a closed ring: %v", n)
		}
		if exactSignedArea(n).Sign() <= 0 {
			t.Fatalf("not counterclockwise: %v", n)
		}
		r, err := Prepare(Area{Polygons: []Polygon{p}})
		if err != nil {
			t.Fatal(err)
		}
		for _, prec := range []int{1, 2, 3} {
			if newGrid(prec).span(r.Bounds()).cells() > 50_000 {
				continue
			}
			got := sortedCover(t, r, prec)
			if len(got) == 0 {
				t.Fatalf("%v covers nothing at %d", n, prec)
			}
			want := bruteCover(r, prec)
			if len(got) != len(want) {
				t.Fatalf("precision %d: sweep %d cells, brute force %d", prec, len(got), len(want))
			}
		}
	})
}
