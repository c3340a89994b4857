package tiles

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options tune a Handler. The zero value gives sensible defaults.
type Options struct {
	// MinZoom and MaxZoom bound the zoom levels served (default 0 and 14;
	// MaxZoom at most AbsoluteMaxZoom). Requests outside get 400.
	MinZoom, MaxZoom int
	// CacheEntries and CacheBytes bound the LRU cache of encoded tiles
	// (default 4096 tiles and 64 MiB). A negative CacheEntries disables it.
	CacheEntries int
	CacheBytes   int64
	// MaxAge is sent as Cache-Control max-age (default 1 day).
	MaxAge time.Duration
	// Concurrency bounds simultaneous cache misses handed to the source
	// (default GOMAXPROCS): rendering is CPU-bound, and a map opening
	// asks for 20 tiles at once.
	Concurrency int
	// Logger receives source failures (default slog.Default()).
	Logger *slog.Logger
}

// Handler serves /{z}/{x}/{y}.png from a Source. Mount it with
// http.StripPrefix("/tiles", h) so that it sees the path after /tiles.
type Handler struct {
	src    Source
	opt    Options
	cache  *lru
	sem    chan struct{}
	mu     sync.Mutex
	flight map[Coord]*call
}

// call is one in-progress fetch shared by concurrent requests for the same
// tile, so that twenty clients opening the same map render it once.
type call struct {
	done chan struct{}
	e    entry
	err  error
}

// NewHandler returns a handler serving src.
func NewHandler(src Source, opt Options) *Handler {
	if opt.MaxZoom == 0 {
		opt.MaxZoom = 14
	}
	opt.MaxZoom = min(opt.MaxZoom, AbsoluteMaxZoom)
	opt.MinZoom = max(opt.MinZoom, 0)
	if opt.CacheEntries == 0 {
		opt.CacheEntries = 4096
	}
	if opt.CacheBytes == 0 {
		opt.CacheBytes = 64 << 20
	}
	if opt.MaxAge == 0 {
		opt.MaxAge = 24 * time.Hour
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = runtime.GOMAXPROCS(0)
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return &Handler{
		src:    src,
		opt:    opt,
		cache:  newLRU(opt.CacheEntries, opt.CacheBytes),
		sem:    make(chan struct{}, opt.Concurrency),
		flight: map[Coord]*call{},
	}
}

// Attribution returns the credit line the map must display for this handler's
// tiles and the administrative outlines drawn with them.
func (h *Handler) Attribution() string { return Attributions(h.src) }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		problem(w, http.StatusMethodNotAllowed, "tiles are read with GET")
		return
	}
	c, ext, err := ParsePath(r.URL.Path)
	if err != nil {
		problem(w, http.StatusBadRequest, err.Error())
		return
	}
	if !extOK(ext) {
		problem(w, http.StatusBadRequest, fmt.Sprintf("bad tile path %q: extension .%s; want .png (or .jpg/.webp for such an MBTiles file)", r.URL.Path, ext))
		return
	}
	if c.Z < h.opt.MinZoom || c.Z > h.opt.MaxZoom {
		problem(w, http.StatusBadRequest, fmt.Sprintf("zoom %d out of range: this server serves zoom %d to %d", c.Z, h.opt.MinZoom, h.opt.MaxZoom))
		return
	}
	if !c.Valid() {
		problem(w, http.StatusBadRequest, fmt.Sprintf("tile %s does not exist: at zoom %d, x and y run from 0 to %d", c, c.Z, (1<<c.Z)-1))
		return
	}
	e, err := h.get(r.Context(), c)
	switch {
	case errors.Is(err, ErrNotFound):
		problem(w, http.StatusNotFound, fmt.Sprintf("no tile at %s", c))
		return
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return // the client went away; nobody reads an answer
	case err != nil:
		h.opt.Logger.Error("tiles: source failed", "tile", c.String(), "err", err)
		problem(w, http.StatusInternalServerError, "the tile could not be produced")
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", e.tile.ContentType)
	hd.Set("ETag", e.etag)
	hd.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(h.opt.MaxAge/time.Second)))
	hd.Set("X-Content-Type-Options", "nosniff")
	if etagMatch(r.Header.Get("If-None-Match"), e.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Length", strconv.Itoa(len(e.tile.Data)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(e.tile.Data)
}

func extOK(ext string) bool {
	switch ext {
	case "png", "jpg", "jpeg", "webp":
		return true
	}
	return false
}

// get returns the tile from the cache or the source, sharing one source call
// between concurrent requests for the same tile.
func (h *Handler) get(ctx context.Context, c Coord) (entry, error) {
	if e, ok := h.cache.get(c); ok {
		return e, nil
	}
	h.mu.Lock()
	if cl, ok := h.flight[c]; ok {
		h.mu.Unlock()
		select {
		case <-cl.done:
			return cl.e, cl.err
		case <-ctx.Done():
			return entry{}, ctx.Err()
		}
	}
	cl := &call{done: make(chan struct{})}
	h.flight[c] = cl
	h.mu.Unlock()

	// The fetch runs detached from this request: other requests may be
	// waiting for the same tile, and one client leaving must not fail them.
	// Each caller still stops waiting when its own context ends.
	go func() {
		cl.e, cl.err = h.fetch(context.WithoutCancel(ctx), c)
		if cl.err == nil {
			h.cache.add(cl.e)
		}
		h.mu.Lock()
		delete(h.flight, c)
		h.mu.Unlock()
		close(cl.done)
	}()
	select {
	case <-cl.done:
		return cl.e, cl.err
	case <-ctx.Done():
		return entry{}, ctx.Err()
	}
}

func (h *Handler) fetch(ctx context.Context, c Coord) (entry, error) {
	h.sem <- struct{}{}
	defer func() { <-h.sem }()
	t, err := h.src.Tile(ctx, c)
	if err != nil {
		return entry{}, err
	}
	// A content hash, not the coordinate, makes the ETag right across
	// restarts, data updates and a swapped MBTiles file.
	sum := sha256.Sum256(t.Data)
	return entry{key: c, tile: t, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}, nil
}

// etagMatch implements If-None-Match's weak comparison (RFC 9110 §13.1.2).
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// problem writes an RFC 9457 problem document, as the rest of Vigie's HTTP
// surface does, so that the web UI shows one kind of error.
func problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}{"about:blank", http.StatusText(status), status, detail})
}
