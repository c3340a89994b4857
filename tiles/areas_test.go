package tiles

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestAreasHandler(t *testing.T) {
	h := AreasHandler()
	tests := []struct {
		path   string
		status int
		ctype  string
		check  string // substring of the body
	}{
		{"/departments.geojson", 200, "application/geo+json", `"INSEE-DEP:2A"`},
		{"/regions.geojson", 200, "application/geo+json", `"Île-de-France"`},
		{"/departments/75.geojson", 200, "application/geo+json", `"name":"Paris"`},
		{"/departments/2a.geojson", 200, "application/geo+json", `"Corse-du-Sud"`},
		{"/regions/94.geojson", 200, "application/geo+json", `"Corse"`},
		{"/search?q=seine", 200, "application/json", `"Seine-Saint-Denis"`},
		{"/search?q=", 200, "application/json", `[]`},
		{"/departments/99.geojson", 404, "application/problem+json", "no such area"},
		{"/departments/75.json", 404, "application/problem+json", "unknown path"},
		{"/nope", 404, "application/problem+json", "unknown path"},
		{"/search?q=a&limit=0", 400, "application/problem+json", "limit"},
		{"/search?q=" + strings.Repeat("a", 201), 400, "application/problem+json", "longer"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(t, h, tt.path)
			if rec.Code != tt.status || rec.Header().Get("Content-Type") != tt.ctype {
				t.Fatalf("%d %q: %.200s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
			if !strings.Contains(rec.Body.String(), tt.check) {
				t.Fatalf("body lacks %s: %.200s", tt.check, rec.Body)
			}
			if tt.status == 200 {
				if !json.Valid(rec.Body.Bytes()) {
					t.Fatal("invalid JSON")
				}
				etag := rec.Header().Get("ETag")
				if again := get(t, h, tt.path, "If-None-Match", etag); again.Code != http.StatusNotModified {
					t.Fatalf("revalidation: %d", again.Code)
				}
			}
		})
	}
	var hits []struct {
		Code, ValueName string
		BBox            [4]float64
	}
	if err := json.Unmarshal(get(t, h, "/search?q=seine&limit=2").Body.Bytes(), &hits); err != nil || len(hits) != 2 ||
		hits[0].ValueName != "INSEE-DEP" || hits[0].BBox[0] >= hits[0].BBox[2] {
		t.Fatalf("search: %v %+v", err, hits)
	}
}
