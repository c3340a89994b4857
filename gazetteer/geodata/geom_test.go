package geodata

import (
	"math"
	"reflect"
	"testing"
)

func TestSimplify(t *testing.T) {
	tests := []struct {
		name string
		in   []Point
		tol  float64
		want []Point
	}{
		{"short line kept", []Point{{0, 0}, {1, 1}}, 1, []Point{{0, 0}, {1, 1}}},
		{"collinear collapses", []Point{{0, 0}, {1, 0}, {2, 0}, {3, 0}}, 0.1, []Point{{0, 0}, {3, 0}}},
		{"spike kept", []Point{{0, 0}, {1, 0}, {2, 5}, {3, 0}, {4, 0}}, 0.5, []Point{{0, 0}, {1, 0}, {2, 5}, {3, 0}, {4, 0}}},
		{"small wiggle dropped", []Point{{0, 0}, {1, 0.01}, {2, -0.01}, {3, 0}}, 0.1, []Point{{0, 0}, {3, 0}}},
		{"zero tolerance copies", []Point{{0, 0}, {1, 0}, {2, 0}}, 0, []Point{{0, 0}, {1, 0}, {2, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Simplify(tt.in, tt.tol); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func circle(n int, r float64) Ring {
	ring := make(Ring, 0, n+1)
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		ring = append(ring, Point{r * math.Cos(a), r * math.Sin(a)})
	}
	return append(ring, ring[0])
}

func TestSimplifyRing(t *testing.T) {
	tests := []struct {
		name      string
		in        Ring
		tol       float64
		minPoints int
		maxPoints int
	}{
		{"big circle keeps shape", circle(360, 10), 0.01, 20, 360},
		{"tiny island keeps a triangle", circle(50, 0.001), 1, 4, 4},
		{"triangle untouched", Ring{{0, 0}, {1, 0}, {0, 1}, {0, 0}}, 5, 4, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SimplifyRing(tt.in, tt.tol)
			if len(got) < tt.minPoints || len(got) > tt.maxPoints {
				t.Fatalf("%d points, want %d..%d", len(got), tt.minPoints, tt.maxPoints)
			}
			if !RingIsSimple(got) {
				t.Fatalf("result not simple: %v", got)
			}
			if math.Signbit(SignedArea(got)) != math.Signbit(SignedArea(tt.in)) {
				t.Fatal("orientation flipped")
			}
		})
	}
}

func TestRingIsSimple(t *testing.T) {
	tests := []struct {
		name string
		r    Ring
		want bool
	}{
		{"square", Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}, true},
		{"bow tie", Ring{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}, false},
		{"open", Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}}, false},
		{"flat", Ring{{0, 0}, {1, 0}, {2, 0}, {0, 0}}, false},
		{"repeated point", Ring{{0, 0}, {1, 0}, {1, 0}, {1, 1}, {0, 0}}, false},
		{"touching itself", Ring{{0, 0}, {2, 0}, {2, 2}, {1, 0}, {0, 2}, {0, 0}}, false},
		{"spike folding back", Ring{{0, 0}, {2, 0}, {3, 0}, {2, 0.0}, {2, 2}, {0, 0}}, false},
		{"concave", Ring{{0, 0}, {4, 0}, {4, 4}, {2, 1}, {0, 4}, {0, 0}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RingIsSimple(tt.r); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestContainsAndArea(t *testing.T) {
	square := Ring{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}}
	hole := Ring{{1, 1}, {1, 3}, {3, 3}, {3, 1}, {1, 1}}
	poly := Polygon{square, hole}
	tests := []struct {
		p    Point
		want bool
	}{
		{Point{0.5, 0.5}, true},
		{Point{2, 2}, false}, // in the hole
		{Point{5, 2}, false},
		{Point{3.5, 2}, true},
		{Point{-1, -1}, false},
	}
	for _, tt := range tests {
		if got := PolygonContains(poly, tt.p); got != tt.want {
			t.Errorf("PolygonContains(%v) = %v", tt.p, got)
		}
	}
	if SignedArea(square) != 16 || SignedArea(Reversed(square)) != -16 {
		t.Fatalf("area %v / %v", SignedArea(square), SignedArea(Reversed(square)))
	}
	if b := Bounds(square); b != (Rect{Point{0, 0}, Point{4, 4}}) {
		t.Fatalf("bounds %v", b)
	}
	if RingsCross(square, hole) || !RingsCross(square, Ring{{3, 3}, {5, 3}, {5, 5}, {3, 5}, {3, 3}}) {
		t.Fatal("RingsCross")
	}
}

func TestClipRing(t *testing.T) {
	rect := Rect{Point{0, 0}, Point{10, 10}}
	tests := []struct {
		name string
		in   Ring
		area float64
	}{
		{"inside", Ring{{1, 1}, {2, 1}, {2, 2}, {1, 1}}, 0.5},
		{"outside", Ring{{11, 11}, {12, 11}, {12, 12}, {11, 11}}, 0},
		{"covering", Ring{{-5, -5}, {15, -5}, {15, 15}, {-5, 15}, {-5, -5}}, 100},
		{"half", Ring{{5, -5}, {15, -5}, {15, 15}, {5, 15}, {5, -5}}, 50},
		{"clockwise half", Ring{{5, -5}, {5, 15}, {15, 15}, {15, -5}, {5, -5}}, -50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ClipRing(tt.in, rect)
			if tt.area == 0 {
				if got != nil {
					t.Fatalf("got %v, want nil", got)
				}
				return
			}
			if got[0] != got[len(got)-1] {
				t.Fatal("not closed")
			}
			if a := SignedArea(got); math.Abs(a-tt.area) > 1e-9 {
				t.Fatalf("area %v, want %v", a, tt.area)
			}
		})
	}
}

func TestClipLine(t *testing.T) {
	rect := Rect{Point{0, 0}, Point{10, 10}}
	tests := []struct {
		name string
		in   []Point
		want [][]Point
	}{
		{"inside", []Point{{1, 1}, {2, 2}, {3, 1}}, [][]Point{{{1, 1}, {2, 2}, {3, 1}}}},
		{"outside", []Point{{-1, -1}, {-2, -2}}, nil},
		{"crossing", []Point{{-5, 5}, {15, 5}}, [][]Point{{{0, 5}, {10, 5}}}},
		{"out and back", []Point{{5, 5}, {15, 5}, {15, 6}, {5, 6}}, [][]Point{{{5, 5}, {10, 5}}, {{10, 6}, {5, 6}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClipLine(tt.in, rect); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzClip(f *testing.F) {
	f.Add(1.0, 2.0, 30.0, -4.0, 5.0, 60.0, 0.5)
	f.Fuzz(func(t *testing.T, ax, ay, bx, by, cx, cy, tol float64) {
		for _, v := range []float64{ax, ay, bx, by, cx, cy, tol} {
			if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e6 {
				return
			}
		}
		r := Ring{{ax, ay}, {bx, by}, {cx, cy}, {ax, ay}}
		rect := Rect{Point{0, 0}, Point{10, 10}}
		if c := ClipRing(r, rect); c != nil {
			for _, p := range c {
				if !(Rect{Point{-1e-9, -1e-9}, Point{10 + 1e-9, 10 + 1e-9}}).Contains(p) {
					t.Fatalf("clipped point %v outside", p)
				}
			}
		}
		for _, l := range ClipLine(r, rect) {
			if len(l) < 2 {
				t.Fatal("short piece")
			}
		}
		_ = Simplify(r, math.Abs(tol))
		_ = SimplifyRing(r, math.Abs(tol))
	})
}
