package geo

import (
	"errors"
	"math"
	"math/big"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func poly(s string) Polygon {
	p, err := ParsePolygon(s)
	if err != nil {
		panic(err)
	}
	return p
}

func TestNormalize(t *testing.T) {
	square := "48,2 48,3 49,3 49,2 48,2" // counterclockwise in (lon, lat)
	tests := []struct {
		name, in string
		want     string // normalised ring, or "" when an error is expected
		err      error
		msg      string
	}{
		{"closed ccw kept", square, square, nil, ""},
		{"open ring closed", "48,2 48,3 49,3 49,2", square, nil, ""},
		{"clockwise reversed", "48,2 49,2 49,3 48,3 48,2", "48,3 49,3 49,2 48,2 48,3", nil, ""},
		{"repeats dropped", "48,2 48,2 48,3 49,3 49,3 49,3 49,2 48,2 48,2", square, nil, ""},
		{"triangle", "0,0 0,1 1,0 0,0", "0,0 0,1 1,0 0,0", nil, ""},
		{"collinear middle point kept", "0,0 0,1 0,2 1,1 0,0", "0,0 0,1 0,2 1,1 0,0", nil, ""},
		{"two points", "48,2 49,3 48,2", "", ErrTooFewPoints, "2 distinct"},
		{"one point repeated", "48,2 48,2 48,2 48,2", "", ErrTooFewPoints, "1 distinct"},
		{"bow tie", "0,0 1,1 0,1 1,0 0,0", "", ErrSelfIntersects, "pair 1 (0,0) to pair 2 (1,1) meets the segment from pair 3 (0,1) to pair 4 (1,0)"},
		{"touching at a vertex", "0,0 0,2 1,1 2,2 2,0 1,1 0,0", "", ErrSelfIntersects, "meets"},
		{"spike doubling back", "0,0 0,2 0,1 1,1 0,0", "", ErrSelfIntersects, "pair 1 (0,0) to pair 2 (0,2) meets the segment from pair 2 (0,2) to pair 3 (0,1)"},
		{"collinear triangle", "0,0 0,1 0,2 0,0", "", ErrSelfIntersects, ""},
		{"vertex on an edge", "0,0 0,4 4,4 4,0 0,2 0,0", "", ErrSelfIntersects, "pair 5 (0,2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(poly(tt.in))
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("err = %v, want %v mentioning %q", err, tt.err, tt.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestNormalizeRange(t *testing.T) {
	_, err := Normalize(Polygon{{0, 0}, {0, 1}, {91, 1}, {0, 0}})
	if !errors.Is(err, ErrRange) || err.Error() != "pair 3: geo: coordinate out of range: latitude 91 is outside [-90, 90]" {
		t.Errorf("err = %v", err)
	}
	_, err = Normalize(Polygon{{0, 0}, {0, 1}, {1, math.NaN()}})
	if !errors.Is(err, ErrRange) {
		t.Errorf("NaN: err = %v", err)
	}
}

func TestNormalizeTooManyPoints(t *testing.T) {
	big := Circle{Point{46, 2}, 100}.Polygon(MaxPolygonPoints)
	if _, err := Normalize(big); !errors.Is(err, ErrTooManyPoints) {
		t.Errorf("%d points: %v", len(big), err)
	}
	if _, err := Normalize(big[:MaxPolygonPoints]); err != nil {
		t.Errorf("%d points: %v", MaxPolygonPoints, err)
	}
}

func TestSelfIntersectionErrorFields(t *testing.T) {
	_, err := Normalize(poly("0,0 1,1 0,1 1,0 0,0"))
	var se *SelfIntersectionError
	if !errors.As(err, &se) {
		t.Fatalf("%v is not a *SelfIntersectionError", err)
	}
	if se.A1 != 1 || se.A2 != 2 || se.B1 != 3 || se.B2 != 4 || se.PB2 != (Point{1, 0}) {
		t.Errorf("%+v", *se)
	}
}

func TestOrientExact(t *testing.T) {
	// Points collinear in exact arithmetic whose float determinant is noise.
	a := Point{0.1, 0.1}
	b := Point{0.3, 0.3}
	c := Point{0.7, 0.7}
	if got := orient(Point{0, 0}, Point{1, 1}, Point{0.5, 0.5}); got != 0 {
		t.Errorf("orient on a diagonal = %d", got)
	}
	if got, want := orient(a, b, c), orientExact(a, b, c); got != want {
		t.Errorf("orient = %d, exact %d", got, want)
	}
	d := Point{0.5, math.Nextafter(0.5, 1)}
	if orient(Point{0, 0}, Point{1, 1}, d) != orientExact(Point{0, 0}, Point{1, 1}, d) || orientExact(Point{0, 0}, Point{1, 1}, d) == 0 {
		t.Errorf("a point one ulp off the diagonal is not collinear")
	}
}

// starPolygon draws a simple polygon: vertices at increasing angles around
// a centre, at random radii, so no two edges cross.
func starPolygon(t *rapid.T, center Point, maxRadiusDeg float64) Polygon {
	n := rapid.IntRange(3, 40).Draw(t, "n")
	angles := make([]float64, n)
	for i := range angles {
		angles[i] = rapid.Float64Range(0, 2*math.Pi).Draw(t, "angle")
	}
	slices.Sort(angles)
	angles = slices.Compact(angles)
	var p Polygon
	for _, a := range angles {
		r := rapid.Float64Range(maxRadiusDeg/20, maxRadiusDeg).Draw(t, "r")
		p = append(p, Point{Lat: center.Lat + r*math.Sin(a), Lon: center.Lon + r*math.Cos(a)})
	}
	if rapid.Bool().Draw(t, "clockwise") {
		slices.Reverse(p)
	}
	return p
}

// exactSignedArea is the shoelace sum of a closed ring in rationals.
func exactSignedArea(ring Polygon) *big.Rat {
	s := new(big.Rat)
	r := func(f float64) *big.Rat { return new(big.Rat).SetFloat64(f) }
	for i := 0; i+1 < len(ring); i++ {
		a, b := ring[i], ring[i+1]
		s.Add(s, new(big.Rat).Mul(r(a.Lon), r(b.Lat)))
		s.Sub(s, new(big.Rat).Mul(r(b.Lon), r(a.Lat)))
	}
	return s
}

// naiveCrossing is the O(n²) reference for checkSimple.
func naiveCrossing(ring Polygon) bool {
	n := len(ring)
	for i := range n {
		for j := i + 1; j < n; j++ {
			a, b := ring[i], ring[(i+1)%n]
			c, d := ring[j], ring[(j+1)%n]
			switch {
			case j == i+1:
				if doublesBack(a, b, d) {
					return true
				}
			case i == 0 && j == n-1:
				if doublesBack(c, d, b) {
					return true
				}
			default:
				if segmentsMeet(a, b, c, d) {
					return true
				}
			}
		}
	}
	return false
}

func TestNormalizeProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := starPolygon(t, Point{46, 2}, rapid.Float64Range(0.01, 5).Draw(t, "size"))
		n, err := Normalize(p)
		if len(slices.Compact(slices.Clone(p))) < 3 {
			return
		}
		if err != nil {
			if errors.Is(err, ErrSelfIntersects) && naiveCrossing(p) {
				return // collinear vertices can make a star ring degenerate
			}
			t.Fatalf("star polygon rejected: %v", err)
		}
		if n[0] != n[len(n)-1] || exactSignedArea(n).Sign() <= 0 {
			t.Fatalf("not closed counterclockwise: %s", n)
		}
		again, err := Normalize(n)
		if err != nil || !slices.Equal(again, n) {
			t.Fatalf("Normalize is not idempotent: %s then %s, %v", n, again, err)
		}
	})
}

func TestCheckSimpleMatchesNaive(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// Few distinct coordinates make touching and collinear cases common.
		n := rapid.IntRange(3, 12).Draw(t, "n")
		var p Polygon
		for range n {
			p = append(p, Point{float64(rapid.IntRange(0, 4).Draw(t, "lat")) / 2, float64(rapid.IntRange(0, 4).Draw(t, "lon")) / 2})
		}
		ring := slices.Compact(p)
		for len(ring) > 1 && ring[len(ring)-1] == ring[0] {
			ring = ring[:len(ring)-1]
		}
		if len(ring) < 3 {
			return
		}
		idx := make([]int, len(ring))
		for i := range idx {
			idx[i] = i + 1
		}
		got := checkSimple(ring, idx) != nil
		if want := naiveCrossing(ring); got != want {
			t.Fatalf("checkSimple %v, naive %v for %s", got, want, ring)
		}
	})
}
