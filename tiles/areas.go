package tiles

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/vigie-project/vigie/gazetteer"
)

// AreasHandler serves the gazetteer's French administrative areas as GeoJSON
// for the map, from embedded data, with ETags:
//
//	GET /departments.geojson        every department, a FeatureCollection
//	GET /regions.geojson            every region
//	GET /departments/{code}.geojson one department, a Feature ("75", "2A")
//	GET /regions/{code}.geojson     one region
//	GET /search?q=seine&limit=10    matches without outlines: a JSON array
//	                                of {code, name, level, valueName, region,
//	                                bbox [west, south, east, north]}
//
// Features are described at gazetteer.Area.GeoJSON. Mount it with
// http.StripPrefix, e.g. under /areas/.
func AreasHandler() http.Handler { return &areasHandler{} }

type areasHandler struct {
	once sync.Once
	all  map[string]doc // path → pre-encoded collection
	err  error
}

type doc struct {
	body []byte
	etag string
}

func newDoc(b []byte) doc {
	sum := sha256.Sum256(b)
	return doc{body: b, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

func (h *areasHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		problem(w, http.StatusMethodNotAllowed, "areas are read with GET")
		return
	}
	// The collections are encoded once: every map load asks for them.
	h.once.Do(func() {
		h.all = map[string]doc{}
		for name, areas := range map[string][]*gazetteer.Area{
			"departments.geojson": gazetteer.Departments(),
			"regions.geojson":     gazetteer.Regions(),
		} {
			b, err := gazetteer.FeatureCollection(areas)
			if err != nil {
				h.err = err
				return
			}
			h.all[name] = newDoc(b)
		}
	})
	if h.err != nil {
		problem(w, http.StatusInternalServerError, "areas unavailable")
		return
	}
	p := strings.TrimPrefix(r.URL.Path, "/")
	if d, ok := h.all[p]; ok {
		serveDoc(w, r, d, "application/geo+json")
		return
	}
	if p == "search" {
		h.search(w, r)
		return
	}
	dir, file, ok := strings.Cut(p, "/")
	code, isGeoJSON := strings.CutSuffix(file, ".geojson")
	if !ok || !isGeoJSON {
		problem(w, http.StatusNotFound, "unknown path: see /departments.geojson, /regions.geojson, /departments/{code}.geojson, /search?q=")
		return
	}
	var a *gazetteer.Area
	var found bool
	switch dir {
	case "departments":
		a, found = gazetteer.Department(code)
	case "regions":
		a, found = gazetteer.Region(code)
	}
	if !found {
		problem(w, http.StatusNotFound, "no such area: "+strconv.Quote(p))
		return
	}
	b, err := a.GeoJSON()
	if err != nil {
		problem(w, http.StatusInternalServerError, "area unavailable")
		return
	}
	serveDoc(w, r, newDoc(b), "application/geo+json")
}

func (h *areasHandler) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	if len(q) > 200 {
		problem(w, http.StatusBadRequest, "query longer than 200 bytes")
		return
	}
	limit := 10
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			problem(w, http.StatusBadRequest, "limit must be an integer from 1 to 200")
			return
		}
		limit = n
	}
	type hit struct {
		Code      string     `json:"code"`
		Name      string     `json:"name"`
		Level     string     `json:"level"`
		ValueName string     `json:"valueName"`
		Region    string     `json:"region,omitempty"`
		BBox      [4]float64 `json:"bbox"`
	}
	hits := []hit{}
	for _, a := range gazetteer.Search(q, limit) {
		hits = append(hits, hit{a.Code, a.Name, a.Level.String(), a.Level.ValueName(), a.Region,
			[4]float64{a.BBox.West, a.BBox.South, a.BBox.East, a.BBox.North}})
	}
	b, err := json.Marshal(hits)
	if err != nil {
		problem(w, http.StatusInternalServerError, "search failed")
		return
	}
	serveDoc(w, r, newDoc(b), "application/json")
}

func serveDoc(w http.ResponseWriter, r *http.Request, d doc, contentType string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("ETag", d.etag)
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	if etagMatch(r.Header.Get("If-None-Match"), d.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(d.body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(d.body)
}
