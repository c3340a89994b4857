package geo

import (
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

var update = flag.Bool("update", false, "rewrite testdata/geohash_vectors.json")

func TestEncodeKnown(t *testing.T) {
	tests := []struct {
		p    Point
		prec int
		want string
	}{
		{Point{57.64911, 10.40744}, 11, "u4pruydqqvj"}, // the example of the original geohash.org
		{Point{42.6, -5.6}, 5, "ezs42"},
		{Point{48.8566, 2.3522}, 5, "u09tv"}, // Paris, Hôtel de Ville
		{Point{45.7640, 4.8357}, 5, "u05kq"}, // Lyon
		{Point{0, 0}, 1, "s"},                // on both borders: north-east cell
		{Point{-0.0000001, -0.0000001}, 1, "7"},
		{Point{90, 180}, 3, "zzz"},
		{Point{-90, -180}, 3, "000"},
		{Point{48.8566, 2.3522}, 0, ""},
		{Point{48.8566, 2.3522}, 13, ""},
		{Point{91, 0}, 5, ""},
		{Point{math.NaN(), 0}, 5, ""},
	}
	for _, tt := range tests {
		if got := Encode(tt.p, tt.prec); got != tt.want {
			t.Errorf("Encode(%v, %d) = %q, want %q", tt.p, tt.prec, got, tt.want)
		}
	}
}

func TestDecodeKnown(t *testing.T) {
	r, err := Decode("ezs42")
	if err != nil {
		t.Fatal(err)
	}
	want := Rect{MinLat: 42.5830078125, MaxLat: 42.626953125, MinLon: -5.625, MaxLon: -5.5810546875}
	if r != want {
		t.Errorf("Decode(ezs42) = %+v, want %+v", r, want)
	}
	// precision 5 is 0.0439° square; 4.89 km tall, 3.2 km wide in Paris
	c, _ := ParseCell("u09tv")
	r = c.Rect()
	h := DistanceKm(Point{r.MinLat, r.MinLon}, Point{r.MaxLat, r.MinLon})
	w := DistanceKm(Point{r.MinLat, r.MinLon}, Point{r.MinLat, r.MaxLon})
	if math.Abs(h-4.89) > 0.01 || math.Abs(w-3.22) > 0.02 {
		t.Errorf("u09tv is %.3f km × %.3f km", h, w)
	}
}

func TestParseCellErrors(t *testing.T) {
	tests := []struct {
		in, msg string
	}{
		{"", "0 characters"},
		{"u09tvu09tvu09", "13 characters"},
		{"u09ta", `character "a" at position 5`},
		{"u0 9t", `character " " at position 3`},
		{"i", `character "i" at position 1`},
		{"u09l", `character "l"`},
		{"u09o", `character "o"`},
		{"é", `character "\xc3" at position 1`},
	}
	for _, tt := range tests {
		_, err := ParseCell(tt.in)
		if !errors.Is(err, ErrCell) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ParseCell(%q) = %v, want ErrCell mentioning %s", tt.in, err, tt.msg)
		}
	}
	c, err := ParseCell("U09TV")
	if err != nil || c.String() != "u09tv" {
		t.Errorf("ParseCell(U09TV) = %v, %v; want u09tv", c, err)
	}
}

func TestCellInvalid(t *testing.T) {
	for _, c := range []Cell{0, 1, 2, 1 << 61, 1<<62 | 5} {
		if c.Valid() || c.String() != "" || c.Rect() != (Rect{}) || c.Parent() != 0 {
			t.Errorf("Cell(%#x) should be invalid", uint64(c))
		}
	}
}

func TestGeohashProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := Point{rapid.Float64Range(-90, 90).Draw(t, "lat"), rapid.Float64Range(-180, 180).Draw(t, "lon")}
		prec := rapid.IntRange(1, MaxPrecision).Draw(t, "prec")
		c, err := CellOf(p, prec)
		if err != nil {
			t.Fatal(err)
		}
		if c.Precision() != prec {
			t.Fatalf("precision %d, want %d", c.Precision(), prec)
		}
		r := c.Rect()
		if !r.Contains(p) {
			t.Fatalf("%s %+v does not contain %v", c, r, p)
		}
		// half-open: a point on the northern or eastern edge belongs to the next cell
		if (p.Lat == r.MaxLat && p.Lat != 90) || (p.Lon == r.MaxLon && p.Lon != 180) {
			t.Fatalf("%v on the far edge of %s", p, c)
		}
		back, err := ParseCell(c.String())
		if err != nil || back != c {
			t.Fatalf("ParseCell(%q) = %v, %v", c.String(), back, err)
		}
		x, y := c.XY()
		if CellAt(x, y, prec) != c {
			t.Fatalf("CellAt(XY) differs")
		}
		// The bisection agrees with the closed form floor((v - origin) / size)
		// away from edges, where rounding of the division could differ.
		w, h := cellSize(prec)
		if fx := (p.Lon + 180) / w; fx-math.Floor(fx) > 1e-6 && fx-math.Floor(fx) < 1-1e-6 && uint32(fx) != x {
			t.Fatalf("column %d, closed form %v", x, fx)
		}
		if fy := (p.Lat + 90) / h; fy-math.Floor(fy) > 1e-6 && fy-math.Floor(fy) < 1-1e-6 && uint32(fy) != y {
			t.Fatalf("row %d, closed form %v", y, fy)
		}
		if prec > 1 {
			parent, _ := CellOf(p, prec-1)
			if c.Parent() != parent || !strings.HasPrefix(c.String(), parent.String()) {
				t.Fatalf("parent of %s is %s, CellOf gives %s", c, c.Parent(), parent)
			}
			pr := parent.Rect()
			if r.MinLat < pr.MinLat || r.MaxLat > pr.MaxLat || r.MinLon < pr.MinLon || r.MaxLon > pr.MaxLon {
				t.Fatalf("%s not inside its parent", c)
			}
		}
	})
}

// vector is one line of testdata/geohash_vectors.json, for the browser's
// tests: the JavaScript encoder must give the same hash for the same
// float64 coordinates, edges included.
type vector struct {
	Lat  float64 `json:"lat"`
	Lon  float64 `json:"lon"`
	Hash string  `json:"hash"`
}

func makeVectors() []vector {
	var vs []vector
	add := func(lat, lon float64, prec int) {
		vs = append(vs, vector{lat, lon, Encode(Point{lat, lon}, prec)})
	}
	for _, p := range []Point{{48.8566, 2.3522}, {45.764, 4.8357}, {43.2965, 5.3698}, {43.7102, 7.262}, {50.6292, 3.0573}, {-33.8688, 151.2093}, {0, 0}, {90, 180}, {-90, -180}, {-90, 180}, {90, -180}} {
		for prec := 1; prec <= MaxPrecision; prec++ {
			add(p.Lat, p.Lon, prec)
		}
	}
	// exact cell edges at precision 5 around Paris: a point on an edge goes
	// north/east, a point one ulp below goes south/west
	c, _ := ParseCell("u09tv")
	r := c.Rect()
	for _, lat := range []float64{r.MinLat, math.Nextafter(r.MinLat, -90), r.MaxLat, math.Nextafter(r.MaxLat, -90)} {
		for _, lon := range []float64{r.MinLon, math.Nextafter(r.MinLon, -180), r.MaxLon, math.Nextafter(r.MaxLon, -180)} {
			add(lat, lon, 5)
			add(lat, lon, 4)
		}
	}
	return vs
}

func TestGeohashVectors(t *testing.T) {
	path := filepath.Join("testdata", "geohash_vectors.json")
	vs := makeVectors()
	if *update {
		var sb strings.Builder
		for i, v := range vs {
			b, _ := json.Marshal(v)
			sb.WriteString(map[bool]string{true: "[", false: ","}[i == 0])
			sb.Write(b)
			sb.WriteString("\n")
		}
		sb.WriteString("]\n")
		if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []vector
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(vs) {
		t.Fatalf("%d vectors in the file, %d computed (run with -update after a deliberate change)", len(want), len(vs))
	}
	for i := range vs {
		if vs[i] != want[i] {
			t.Errorf("vector %d: computed %+v, file %+v", i, vs[i], want[i])
		}
	}
}

func BenchmarkCellOf(b *testing.B) {
	p := Point{48.8566, 2.3522}
	for b.Loop() {
		_, _ = CellOf(p, 5)
	}
}

func BenchmarkCellRect(b *testing.B) {
	c, _ := ParseCell("u09tv")
	for b.Loop() {
		_ = c.Rect()
	}
}
