package tiles

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestParsePath(t *testing.T) {
	tests := []struct {
		path    string
		want    Coord
		ext     string
		wantErr bool
	}{
		{"/0/0/0.png", Coord{0, 0, 0}, "png", false},
		{"14/8297/5634.png", Coord{14, 8297, 5634}, "png", false},
		{"/3/4/2.jpg", Coord{3, 4, 2}, "jpg", false},
		{"/007/1/1.png", Coord{7, 1, 1}, "png", false},
		{"/1/0/0", Coord{}, "", true},
		{"/1/0/0.", Coord{}, "", true},
		{"/1/0.png", Coord{}, "", true},
		{"/1/0/0/0.png", Coord{}, "", true},
		{"/-1/0/0.png", Coord{}, "", true},
		{"/+1/0/0.png", Coord{}, "", true},
		{"/a/0/0.png", Coord{}, "", true},
		{"/1//0.png", Coord{}, "", true},
		{"/1/0x1/0.png", Coord{}, "", true},
		{"/1/99999999/0.png", Coord{}, "", true},
		{"", Coord{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			c, ext, err := ParsePath(tt.path)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err == nil && (c != tt.want || ext != tt.ext) {
				t.Fatalf("got %v %q, want %v %q", c, ext, tt.want, tt.ext)
			}
		})
	}
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"/0/0/0.png", "/14/8297/5634.png", "/1/0/0", "//..", "/9999999/1/1.webp"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		c, ext, err := ParsePath(path)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		if c.Z < 0 || c.X < 0 || c.Y < 0 || ext == "" {
			t.Fatalf("accepted %q as %v %q", path, c, ext)
		}
		// What parses re-parses to the same from its canonical form.
		c2, ext2, err := ParsePath(fmt.Sprintf("/%d/%d/%d.%s", c.Z, c.X, c.Y, ext))
		if err != nil || c2 != c || ext2 != ext {
			t.Fatalf("canonical form of %q does not round-trip", path)
		}
	})
}

func get(t testing.TB, h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestBadCoordinates(t *testing.T) {
	h := NewHandler(NewBasemap(), Options{})
	tests := []struct {
		path   string
		status int
		detail string
	}{
		{"/15/0/0.png", 400, "zoom 15 out of range"},
		{"/3/8/0.png", 400, "x and y run from 0 to 7"},
		{"/3/0/8.png", 400, "x and y run from 0 to 7"},
		{"/a/b/c.png", 400, "decimal"},
		{"/1/2.png", 400, "three path segments"},
		{"/1/0/0", 400, "extension"},
		{"/1/0/0.gif", 400, "extension .gif"},
		{"/-1/0/0.png", 400, "decimal"},
		{"/1/0/0.png", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(t, h, tt.path)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status == 200 {
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q", ct)
			}
			var p struct {
				Status int
				Detail string
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != tt.status || !strings.Contains(p.Detail, tt.detail) {
				t.Fatalf("problem %s (want detail containing %q)", rec.Body, tt.detail)
			}
		})
	}
	req := httptest.NewRequest(http.MethodPost, "/0/0/0.png", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Fatalf("POST: %d %q", rec.Code, rec.Header().Get("Allow"))
	}
}

// onePixel returns a distinct tiny PNG for each colour, standing for a tile.
func onePixel(t testing.TB, c color.RGBA) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, c)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// makeMBTiles writes an MBTiles file holding the given tiles, keyed by TMS
// (z, column, row), as the specification lays them out.
func makeMBTiles(t testing.TB, format string, tiles map[[3]int][]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "extract.mbtiles")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"CREATE TABLE metadata (name text, value text)",
		"CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob)",
		"CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range map[string]string{"name": "test", "format": format, "attribution": "© OpenStreetMap contributors"} {
		if _, err := db.Exec("INSERT INTO metadata VALUES (?, ?)", k, v); err != nil {
			t.Fatal(err)
		}
	}
	for k, data := range tiles {
		if _, err := db.Exec("INSERT INTO tiles VALUES (?, ?, ?, ?)", k[0], k[1], k[2], data); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestMBTiles(t *testing.T) {
	north := onePixel(t, color.RGBA{255, 0, 0, 255})
	south := onePixel(t, color.RGBA{0, 0, 255, 255})
	jpeg := []byte("\xff\xd8\xff\xe0 not really a jpeg")
	path := makeMBTiles(t, "png", map[[3]int][]byte{
		{1, 0, 1}: north, // TMS row 1 at zoom 1 is the northern half: XYZ y = 0
		{1, 0, 0}: south, // TMS row 0 is the southern half: XYZ y = 1
		{2, 3, 0}: jpeg,  // XYZ 2/3/3, mislabelled format: sniffed
	})
	m, err := OpenMBTiles(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Attribution() != "© OpenStreetMap contributors" || m.Metadata()["name"] != "test" {
		t.Fatalf("metadata %v", m.Metadata())
	}
	h := NewHandler(m, Options{})
	if !strings.Contains(h.Attribution(), "OpenStreetMap") {
		t.Fatalf("attribution %q", h.Attribution())
	}
	tests := []struct {
		path   string
		status int
		body   []byte
		ctype  string
	}{
		{"/1/0/0.png", 200, north, "image/png"},
		{"/1/0/1.png", 200, south, "image/png"},
		{"/2/3/3.png", 200, jpeg, "image/jpeg"},
		{"/2/3/3.jpg", 200, jpeg, "image/jpeg"},
		{"/1/1/1.png", 404, nil, ""},
		{"/9/0/0.png", 404, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(t, h, tt.path)
			if rec.Code != tt.status {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if tt.status != 200 {
				return
			}
			if !bytes.Equal(rec.Body.Bytes(), tt.body) || rec.Header().Get("Content-Type") != tt.ctype {
				t.Fatalf("wrong tile (%s)", rec.Header().Get("Content-Type"))
			}
			etag := rec.Header().Get("ETag")
			if etag == "" || !strings.Contains(rec.Header().Get("Cache-Control"), "max-age=") {
				t.Fatalf("caching headers %v", rec.Header())
			}
			if again := get(t, h, tt.path, "If-None-Match", etag); again.Code != http.StatusNotModified || again.Body.Len() != 0 {
				t.Fatalf("revalidation: %d", again.Code)
			}
		})
	}
}

func TestOpenMBTilesRejects(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notdb.mbtiles")
	if err := os.WriteFile(notDB, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "missing.mbtiles"), "no such file"},
		{"directory", dir, "directory"},
		{"not sqlite", notDB, "not an MBTiles file"},
		{"vector tiles", makeMBTiles(t, "pbf", nil), "vector tiles"},
		{"unknown format", makeMBTiles(t, "tiff", nil), "unsupported tile format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := OpenMBTiles(tt.path)
			if err == nil {
				m.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want it to mention %q", err, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.mbtiles")); !os.IsNotExist(err) {
		t.Fatal("opening a missing file created it")
	}
}

func decodeTile(t testing.TB, rec *httptest.ResponseRecorder) *image.RGBA {
	t.Helper()
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("status %d, type %q: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	img, err := png.Decode(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != TileSize || b.Dy() != TileSize {
		t.Fatalf("size %v", b)
	}
	rgba := image.NewRGBA(img.Bounds())
	for y := 0; y < TileSize; y++ {
		for x := 0; x < TileSize; x++ {
			rgba.Set(x, y, img.At(x, y))
		}
	}
	return rgba
}

func countColour(img *image.RGBA, c color.RGBA) int {
	n := 0
	for i := 0; i < len(img.Pix); i += 4 {
		if img.Pix[i] == c.R && img.Pix[i+1] == c.G && img.Pix[i+2] == c.B && img.Pix[i+3] == c.A {
			n++
		}
	}
	return n
}

func TestBasemapTiles(t *testing.T) {
	h := NewHandler(NewBasemap(), Options{})
	tests := []struct {
		name         string
		c            Coord
		land, sea    bool
		minLandShare float64
	}{
		{"world", Coord{0, 0, 0}, true, true, 0.1},
		{"Brest, Atlantic coast", CoordAt(48.39, -4.49, 8), true, true, 0.1},
		{"Marseille, 1:10m detail", CoordAt(43.30, 5.37, 10), true, true, 0.1},
		{"Guadeloupe", CoordAt(16.25, -61.55, 7), true, true, 0.01},
		{"inland Burgundy", CoordAt(47.3, 4.5, 9), true, false, 0.9},
		{"mid-Pacific", CoordAt(-30, -140, 6), false, true, 0},
		{"deepest zoom, Paris", CoordAt(48.8566, 2.3522, 14), true, false, 0.9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := decodeTile(t, get(t, h, "/"+tt.c.String()+".png"))
			land, sea := countColour(img, colLand), countColour(img, colSea)
			if (land > 0) != tt.land || (sea > 0) != tt.sea {
				t.Fatalf("%v: %d land and %d sea pixels", tt.c, land, sea)
			}
			if share := float64(land) / (TileSize * TileSize); share < tt.minLandShare {
				t.Fatalf("%v: land covers %.2f of the tile", tt.c, share)
			}
		})
	}
}

// TestBasemapLabels checks that department names appear when zoomed in, as
// dark pixels that no line colour produces.
func TestBasemapLabels(t *testing.T) {
	b := NewBasemap()
	count := func(c Coord) int {
		img, err := b.Render(c)
		if err != nil {
			t.Fatal(err)
		}
		return countColour(img, colLabel)
	}
	if n := count(CoordAt(47.08, 2.4, 8)); n == 0 { // Cher's label point
		t.Fatal("no label drawn at zoom 8")
	}
	if n := count(CoordAt(47.08, 2.4, 4)); n != 0 {
		t.Fatal("department labels drawn at zoom 4")
	}
}

func TestCoordAt(t *testing.T) {
	tests := []struct {
		lat, lon float64
		z        int
		want     Coord
	}{
		{0, 0, 0, Coord{0, 0, 0}},
		{48.8566, 2.3522, 10, Coord{10, 518, 352}},
		{89.9, -180, 3, Coord{3, 0, 0}},
		{-89.9, 180, 3, Coord{3, 7, 7}},
	}
	for _, tt := range tests {
		if got := CoordAt(tt.lat, tt.lon, tt.z); got != tt.want {
			t.Errorf("CoordAt(%v, %v, %d) = %v, want %v", tt.lat, tt.lon, tt.z, got, tt.want)
		}
	}
}

func TestLRUBound(t *testing.T) {
	tests := []struct {
		name       string
		maxEntries int
		maxBytes   int64
		sizes      []int
		wantN      int
		wantBytes  int64
	}{
		{"entries", 3, 1 << 20, []int{10, 10, 10, 10, 10}, 3, 30},
		{"bytes", 100, 25, []int{10, 10, 10, 10}, 2, 20},
		{"too big for the cache", 10, 25, []int{30}, 0, 0},
		{"disabled", -1, 1 << 20, []int{1, 1}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newLRU(tt.maxEntries, tt.maxBytes)
			for i, s := range tt.sizes {
				c.add(entry{key: Coord{5, i, 0}, tile: Tile{Data: make([]byte, s)}})
			}
			if n, b := c.stats(); n != tt.wantN || b != tt.wantBytes {
				t.Fatalf("%d entries, %d bytes; want %d, %d", n, b, tt.wantN, tt.wantBytes)
			}
		})
	}
	// Least recently used goes first: touching 0 makes 1 the victim.
	c := newLRU(2, 1<<20)
	c.add(entry{key: Coord{1, 0, 0}, tile: Tile{Data: []byte{1}}})
	c.add(entry{key: Coord{1, 1, 0}, tile: Tile{Data: []byte{1}}})
	c.get(Coord{1, 0, 0})
	c.add(entry{key: Coord{1, 0, 1}, tile: Tile{Data: []byte{1}}})
	if _, ok := c.get(Coord{1, 1, 0}); ok {
		t.Fatal("least recently used entry survived")
	}
	if _, ok := c.get(Coord{1, 0, 0}); !ok {
		t.Fatal("recently used entry evicted")
	}
}

// countingSource counts calls and can hold them until released.
type countingSource struct {
	calls   atomic.Int32
	release chan struct{}
	started chan struct{}
}

func (s *countingSource) Tile(ctx context.Context, c Coord) (Tile, error) {
	s.calls.Add(1)
	if s.started != nil {
		s.started <- struct{}{}
	}
	if s.release != nil {
		<-s.release
	}
	return Tile{Data: []byte(c.String()), ContentType: "image/png"}, nil
}

func (s *countingSource) Attribution() string { return "" }

func TestHandlerCacheBound(t *testing.T) {
	src := &countingSource{}
	h := NewHandler(src, Options{CacheEntries: 3})
	for x := 0; x < 8; x++ {
		if rec := get(t, h, fmt.Sprintf("/3/%d/0.png", x)); rec.Code != 200 {
			t.Fatal(rec.Code)
		}
	}
	if n, _ := h.cache.stats(); n != 3 {
		t.Fatalf("cache holds %d tiles, bound is 3", n)
	}
	get(t, h, "/3/7/0.png") // cached: no new call
	if n := src.calls.Load(); n != 8 {
		t.Fatalf("%d source calls, want 8", n)
	}
	get(t, h, "/3/0/0.png") // evicted: fetched again
	if n := src.calls.Load(); n != 9 {
		t.Fatalf("%d source calls, want 9", n)
	}
	if got := h.Attribution(); !strings.Contains(got, "INSEE") {
		t.Fatalf("attribution without the gazetteer's credit: %q", got)
	}
}

// TestConcurrentMissesShareOneFetch opens a map: many requests for the same
// tile while it is being produced make a single source call.
func TestConcurrentMissesShareOneFetch(t *testing.T) {
	src := &countingSource{release: make(chan struct{}), started: make(chan struct{}, 1)}
	h := NewHandler(src, Options{})
	const n = 10
	var wg sync.WaitGroup
	codes := make([]int, n)
	wg.Add(1)
	go func() { defer wg.Done(); codes[0] = get(t, h, "/4/1/1.png").Code }()
	<-src.started // the first request is inside the source
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); codes[i] = get(t, h, "/4/1/1.png").Code }()
	}
	// Let the source finish. Followers queue on the in-flight call or, if
	// they arrive after it completed, find the tile cached: either way no
	// second source call, whatever the scheduling.
	close(src.release)
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Fatalf("request %d: %d", i, c)
		}
	}
	if got := src.calls.Load(); got != 1 {
		t.Fatalf("%d source calls for one tile", got)
	}
}

func TestHead(t *testing.T) {
	h := NewHandler(NewBasemap(), Options{})
	req := httptest.NewRequest(http.MethodHead, "/2/2/1.png", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") == "" {
		t.Fatalf("HEAD: %d, %d bytes", rec.Code, rec.Body.Len())
	}
}

// BenchmarkRenderTileCold renders and encodes a tile with nothing cached (the
// Basemap keeps no tiles; only its data is loaded first).
func BenchmarkRenderTileCold(b *testing.B) {
	bm := NewBasemap()
	for _, bc := range []struct {
		name string
		c    Coord
	}{
		{"paris-z8", CoordAt(48.8566, 2.3522, 8)},
		{"marseille-coast-z10", CoordAt(43.30, 5.37, 10)},
		{"france-z5", CoordAt(46.5, 2.5, 5)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if _, err := bm.Tile(context.Background(), bc.c); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bm.Tile(context.Background(), bc.c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkServeCachedTile(b *testing.B) {
	h := NewHandler(NewBasemap(), Options{})
	path := "/" + CoordAt(48.8566, 2.3522, 8).String() + ".png"
	if rec := get(b, h, path); rec.Code != 200 {
		b.Fatal(rec.Code)
	}
	req := httptest.NewRequest(http.MethodGet, path, nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

// TestHighResolutionSeam renders tiles that straddle an edge of a 1:10m box
// and compares them with the same tiles drawn from 1:50m data only: both
// describe the same coast, so land must cover nearly the same pixels. (A
// misplaced clip once shifted the 1:10m part sideways.)
func TestHighResolutionSeam(t *testing.T) {
	full := NewBasemap()
	w, err := full.data()
	if err != nil {
		t.Fatal(err)
	}
	coarse := NewBasemap()
	coarse.load.Do(func() {
		cp := *w
		cp.hires = nil
		coarse.w = &cp
	})
	for _, c := range []Coord{
		CoordAt(45.4, 12.0, 7), // Venice lagoon, on the box's eastern edge (12°E)
		CoordAt(40.0, 0.5, 7),  // Valencia coast, on the southern edge (40°N)
		CoordAt(53.0, 5.5, 8),  // Frisian coast, on the northern edge (53°N)
	} {
		a, err := full.Render(c)
		if err != nil {
			t.Fatal(err)
		}
		b, err := coarse.Render(c)
		if err != nil {
			t.Fatal(err)
		}
		differ := 0
		for i := 0; i < len(a.Pix); i += 4 {
			la := a.Pix[i] == colLand.R && a.Pix[i+1] == colLand.G && a.Pix[i+2] == colLand.B
			lb := b.Pix[i] == colLand.R && b.Pix[i+1] == colLand.G && b.Pix[i+2] == colLand.B
			if la != lb {
				differ++
			}
		}
		if share := float64(differ) / (TileSize * TileSize); share > 0.05 {
			t.Errorf("%v: land differs on %.1f%% of the tile between 1:10m and 1:50m", c, 100*share)
		}
	}
}

func TestETagMatch(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{`"abc"`, true},
		{`W/"abc"`, true},
		{`"x", "abc"`, true},
		{`*`, true},
		{`"abcd"`, false},
		{``, false},
		{`abc`, false},
	}
	for _, tt := range tests {
		if got := etagMatch(tt.header, `"abc"`); got != tt.want {
			t.Errorf("etagMatch(%q) = %v", tt.header, got)
		}
	}
}

func FuzzETagMatch(f *testing.F) {
	f.Add(`W/"abc", "def"`)
	f.Fuzz(func(t *testing.T, header string) {
		if etagMatch(header, `"abc"`) && !strings.Contains(header, `"abc"`) && !strings.Contains(header, "*") {
			t.Fatalf("%q matched", header)
		}
	})
}
