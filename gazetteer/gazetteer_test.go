package gazetteer

import (
	"encoding/json"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/gazetteer/geodata"
)

func codes(areas []*Area) []string {
	out := make([]string, len(areas))
	for i, a := range areas {
		out[i] = a.Code
	}
	return out
}

func TestCounts(t *testing.T) {
	if n := len(Departments()); n != 101 {
		t.Errorf("%d departments, want 101 (96 metropolitan + 5 overseas)", n)
	}
	if n := len(Regions()); n != 18 {
		t.Errorf("%d regions, want 18 (13 metropolitan + 5 overseas)", n)
	}
	for _, d := range Departments() {
		if _, ok := Region(d.Region); !ok {
			t.Errorf("%v: unknown region %q", d, d.Region)
		}
	}
	total := 0
	for _, r := range Regions() {
		n := len(DepartmentsOf(r.Code))
		if n == 0 {
			t.Errorf("%v has no department", r)
		}
		total += n
	}
	if total != 101 {
		t.Errorf("regions hold %d departments", total)
	}
}

func TestParis(t *testing.T) {
	paris, ok := Department("75")
	if !ok || paris.Name != "Paris" || paris.Region != "11" || paris.Level != DepartmentLevel {
		t.Fatalf("Department(75) = %+v, %v", paris, ok)
	}
	notreDame := Point{Lat: 48.8566, Lon: 2.3522}
	if !paris.Contains(notreDame) {
		t.Fatal("Paris does not contain the Hôtel de Ville")
	}
	if vn, v := paris.Geocode(); vn != "INSEE-DEP" || v != "75" {
		t.Fatalf("geocode %s=%s", vn, v)
	}
	if got := codes(Locate(notreDame)); !slices.Equal(got, []string{"75", "11"}) {
		t.Fatalf("Locate = %v", got)
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		valueName, value string
		want             string // name, "" when not found
	}{
		{"INSEE-DEP", "75", "Paris"},
		{"insee-dep", " 2a ", "Corse-du-Sud"},
		{"INSEE-DEP", "2B", "Haute-Corse"},
		{"INSEE-DEP", "01", "Ain"},
		{"INSEE-DEP", "971", "Guadeloupe"},
		{"INSEE-DEP", "976", "Mayotte"},
		{"INSEE-DEP", "11", "Aude"},
		{"INSEE-REG", "11", "Île-de-France"},
		{"INSEE-REG", "94", "Corse"},
		{"INSEE-REG", "04", "La Réunion"},
		{"INSEE-DEP", "1", ""},   // codes keep their leading zero
		{"INSEE-DEP", "975", ""}, // Saint-Pierre-et-Miquelon is not a department
		{"INSEE-DEP", "20", ""},
		{"NUTS3", "FR101", ""},
		{"", "75", ""},
	}
	for _, tt := range tests {
		a, ok := ByGeocode(tt.valueName, tt.value)
		if got := map[bool]string{true: "", false: ""}[ok]; ok {
			got = a.Name
			if got != tt.want {
				t.Errorf("ByGeocode(%q, %q) = %s, want %q", tt.valueName, tt.value, got, tt.want)
			}
		} else if tt.want != "" {
			t.Errorf("ByGeocode(%q, %q) not found, want %q", tt.valueName, tt.value, tt.want)
		}
	}
}

func TestLocate(t *testing.T) {
	tests := []struct {
		name string
		p    Point
		want []string
	}{
		{"Marseille", Point{43.2965, 5.3698}, []string{"13", "93"}},
		{"Sartène", Point{41.6216, 8.9747}, []string{"2A", "94"}},
		{"Corte", Point{42.3063, 9.1500}, []string{"2B", "94"}},
		{"Lille", Point{50.6292, 3.0573}, []string{"59", "32"}},
		{"Strasbourg", Point{48.5734, 7.7521}, []string{"67", "44"}},
		{"Saint-Denis de La Réunion", Point{-20.8821, 55.4504}, []string{"974", "04"}},
		{"Cayenne", Point{4.9224, -52.3135}, []string{"973", "03"}},
		{"Bay of Biscay", Point{46, -5}, nil},
		{"Brussels", Point{50.8503, 4.3517}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := codes(Locate(tt.p)); !slices.Equal(got, tt.want) {
				t.Fatalf("Locate = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSearch(t *testing.T) {
	tests := []struct {
		query string
		limit int
		want  []string // codes, in order
	}{
		{"seine", 0, []string{"77", "76", "93", "92"}}, // name prefixes, then word prefixes
		{"Saint Denis", 0, []string{"93"}},
		{"reunion", 0, []string{"04"}[:0:0]},
		{"la reunion", 0, []string{"974", "04"}},
		{"CÔTE D’OR", 0, []string{"21"}},
		{"cotes", 0, []string{"22"}},
		{"2a", 0, []string{"2A"}},
		{"97", 0, []string{"971", "972", "973", "974", "976"}},
		{"paris", 0, []string{"75"}},
		{"ile-de-fr", 0, []string{"11"}},
		{"haute", 3, []string{"2B", "31", "43"}},
		{"", 0, nil},
		{"  -' ", 0, nil},
		{"zzz", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := codes(Search(tt.query, tt.limit))
			if tt.query == "reunion" {
				// "Réunion" is the second word of "La Réunion": both
				// the department and the region match.
				if !slices.Contains(got, "974") || !slices.Contains(got, "04") {
					t.Fatalf("Search(reunion) = %v", got)
				}
				return
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Search(%q) = %v, want %v", tt.query, got, tt.want)
			}
		})
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Côte-d'Or", "cote d or"},
		{"CÔTE D’OR", "cote d or"},
		{"  Île-de-France ", "ile de france"},
		{"Œuvre", "oeuvre"},
		{"Pyrénées-Orientales", "pyrenees orientales"},
		{"2A", "2a"},
		{"--", ""},
	}
	for _, tt := range tests {
		if got := fold(tt.in); got != tt.want {
			t.Errorf("fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestOutlinesValid checks every ring of every area: closed, simple, holes
// inside their outer ring, each label inside its own area and in no other
// area of the same level (outlines do not overlap).
func TestOutlinesValid(t *testing.T) {
	for _, level := range [][]*Area{Departments(), Regions()} {
		for _, a := range level {
			if len(a.Polygons) == 0 {
				t.Errorf("%v: no polygon", a)
			}
			for i, poly := range a.geo {
				for j, r := range poly {
					if len(r) < 4 || r[0] != r[len(r)-1] {
						t.Errorf("%v polygon %d ring %d: not closed", a, i, j)
					}
					if !geodata.RingIsSimple(r) {
						t.Errorf("%v polygon %d ring %d: not simple", a, i, j)
					}
					if outer := geodata.SignedArea(r) > 0; outer != (j == 0) {
						t.Errorf("%v polygon %d ring %d: wrong orientation", a, i, j)
					}
					if j > 0 && (geodata.RingsCross(poly[0], r) || !geodata.RingContains(poly[0], r[0])) {
						t.Errorf("%v polygon %d: hole %d not inside the outer ring", a, i, j)
					}
				}
			}
			if !a.Contains(a.Label) {
				t.Errorf("%v: label %v outside the area", a, a.Label)
			}
			for _, b := range level {
				if b != a && b.Contains(a.Label) {
					t.Errorf("%v's label is also inside %v", a, b)
				}
			}
			if a.BBox.South >= a.BBox.North || a.BBox.West >= a.BBox.East {
				t.Errorf("%v: empty bbox %+v", a, a.BBox)
			}
		}
	}
	// A department's label lies in its region: the dissolved outlines agree.
	for _, d := range Departments() {
		r, _ := Region(d.Region)
		if !r.Contains(d.Label) {
			t.Errorf("%v's label is outside its region %v", d, r)
		}
	}
}

var capPolygon = regexp.MustCompile(`^-?\d+(\.\d+)?,-?\d+(\.\d+)?( -?\d+(\.\d+)?,-?\d+(\.\d+)?){3,}$`)

func TestCAPPolygons(t *testing.T) {
	for _, a := range append(Departments(), Regions()...) {
		polys := a.CAPPolygons()
		if len(polys) != len(a.Polygons) {
			t.Fatalf("%v: %d CAP polygons for %d polygons", a, len(polys), len(a.Polygons))
		}
		for _, p := range polys {
			if !capPolygon.MatchString(p) {
				t.Fatalf("%v: malformed CAP polygon %.80q", a, p)
			}
			pairs := strings.Fields(p)
			if pairs[0] != pairs[len(pairs)-1] {
				t.Fatalf("%v: CAP polygon not closed", a)
			}
		}
	}
	paris, _ := Department("75")
	first := strings.Fields(paris.CAPPolygons()[0])[0]
	if !strings.HasPrefix(first, "48.") || !strings.Contains(first, ",2.") {
		t.Fatalf("CAP polygon should be lat,lon: %s", first)
	}
}

func TestGeoJSON(t *testing.T) {
	paris, _ := Department("75")
	b, err := paris.GeoJSON()
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Type       string
		ID         string
		BBox       []float64
		Properties map[string]any
		Geometry   struct {
			Type        string
			Coordinates [][][][2]float64
		}
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if f.Type != "Feature" || f.ID != "INSEE-DEP:75" || f.Geometry.Type != "MultiPolygon" ||
		f.Properties["name"] != "Paris" || f.Properties["valueName"] != "INSEE-DEP" || len(f.BBox) != 4 {
		t.Fatalf("feature %s", b)
	}
	lonLat := f.Geometry.Coordinates[0][0][0]
	if lonLat[0] < 2 || lonLat[0] > 3 || lonLat[1] < 48 || lonLat[1] > 49 {
		t.Fatalf("coordinates should be lon,lat: %v", lonLat)
	}
	all, err := FeatureCollection(Departments())
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type     string
		Features []json.RawMessage
	}
	if err := json.Unmarshal(all, &fc); err != nil || fc.Type != "FeatureCollection" || len(fc.Features) != 101 {
		t.Fatalf("collection: %v %s %d", err, fc.Type, len(fc.Features))
	}
}

func FuzzSearch(f *testing.F) {
	for _, s := range []string{"seine", "2A", "97", "Côte-d'Or", "\xff", "ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if fold(fold(q)) != fold(q) {
			t.Fatalf("fold not idempotent on %q", q)
		}
		for _, a := range Search(q, 5) {
			if a == nil {
				t.Fatal("nil result")
			}
		}
		_, _ = ByGeocode(ValueNameDepartment, q)
	})
}

func BenchmarkSearch(b *testing.B) {
	data()
	for b.Loop() {
		Search("saint", 10)
	}
}

func BenchmarkLocate(b *testing.B) {
	data()
	p := Point{Lat: 48.8566, Lon: 2.3522}
	for b.Loop() {
		Locate(p)
	}
}

// TestStaysPure keeps the gazetteer a format package: no transport, no
// storage, so that any package (domain or adapter) may import it.
func TestStaysPure(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".", "./geodata").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "net/http" || dep == "database/sql" {
			t.Errorf("gazetteer depends on %s", dep)
		}
	}
}
