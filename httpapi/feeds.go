package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/cap"
)

// PublicAlerts is what the public endpoints read: published messages and
// nothing else (never a pending or rejected one, never who wrote it).
type PublicAlerts interface {
	// Active returns the live Actual messages of every authority.
	Active(ctx context.Context) ([]*alert.Alert, error)
	// ActiveExercises returns the live Exercise and Test messages.
	ActiveExercises(ctx context.Context) ([]*alert.Alert, error)
	// Published returns a message that was published, whatever happened
	// to it since (superseded, cancelled, expired): later messages
	// reference it, so it stays readable. Any other id is ENotFound.
	Published(ctx context.Context, id string) (*alert.Alert, error)
}

// The public paths. The per-message documents live under /cap/ rather
// than /alerts/ so that the web interface can have /alerts/{id}/… pages
// without a ServeMux pattern conflict.
const (
	HubPath            = "/alerts/hub"
	FeedAtomPath       = "/alerts/feed.atom"
	FeedRSSPath        = "/alerts/feed.rss"
	ExercisesAtomPath  = "/alerts/exercises.atom"
	ExercisesRSSPath   = "/alerts/exercises.rss"
	capPrefix          = "/cap/"
	capSuffix          = ".xml"
	feedCacheControl   = "public, max-age=15"
	capCacheControl    = "public, max-age=86400, immutable" // a published message never changes
	exerciseTitleLabel = "EXERCISE – not a real alert: "
)

// FeedsConfig is what the public endpoints need.
type FeedsConfig struct {
	Alerts PublicAlerts
	// BaseURL is the public URL of the server, without a trailing slash:
	// every link in the feeds and every WebSub topic starts with it.
	BaseURL string
	// Hubs are the WebSub hubs the feeds advertise with rel="hub".
	Hubs []string
	// Hub is the self-hosted WebSub hub, served at HubPath; nil when
	// Vigie does not act as a hub.
	Hub  http.Handler
	Now  func() time.Time
	Log  *slog.Logger
	Name string // who publishes, for the feed titles; default the host
}

// Feeds publishes alerts to everybody: each published message as a CAP
// document, and index feeds in Atom and RSS of the live ones, as alert
// aggregators expect (OASIS "CAP Feeds" practice: one entry per live
// message, linked with type application/cap+xml). Exercises and tests have
// feeds of their own, labelled, so that no aggregator takes them for real.
//
// The WebSub hub renders topics with Render, so subscribers receive
// exactly what a GET returns.
type Feeds struct {
	c FeedsConfig
}

// NewFeeds returns the public endpoints.
func NewFeeds(c FeedsConfig) *Feeds {
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	if c.Name == "" {
		c.Name = strings.TrimPrefix(strings.TrimPrefix(c.BaseURL, "https://"), "http://")
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return &Feeds{c: c}
}

// feedKind is one of the four feeds.
type feedKind struct {
	path     string
	rss      bool
	exercise bool
}

var feedKinds = []feedKind{
	{path: FeedAtomPath}, {path: FeedRSSPath, rss: true},
	{path: ExercisesAtomPath, exercise: true}, {path: ExercisesRSSPath, rss: true, exercise: true},
}

// Topics returns the URLs of the feeds: the WebSub topics.
func (f *Feeds) Topics() []string {
	out := make([]string, len(feedKinds))
	for i, k := range feedKinds {
		out[i] = f.c.BaseURL + k.path
	}
	return out
}

// TopicsFor returns the feeds a message appears in.
func (f *Feeds) TopicsFor(a *alert.Alert) []string {
	var out []string
	for _, k := range feedKinds {
		if k.exercise == a.Exercise() {
			out = append(out, f.c.BaseURL+k.path)
		}
	}
	return out
}

// CAPURL is the public URL of a message's CAP document.
func (f *Feeds) CAPURL(a *alert.Alert) string {
	return f.c.BaseURL + capPrefix + a.ID + capSuffix
}

// Document is a rendered feed.
type Document struct {
	ContentType string
	Body        []byte
	// ETag is weak: it changes when the entries or the hubs do, not
	// with the feed's updated time of an empty feed.
	ETag    string
	Updated time.Time
}

// Render returns the current document of a topic (a feed URL).
func (f *Feeds) Render(ctx context.Context, topic string) (*Document, error) {
	for _, k := range feedKinds {
		if f.c.BaseURL+k.path == topic {
			return f.render(ctx, k)
		}
	}
	return nil, vigie.Errorf(vigie.ENotFound, "no feed at %s", topic)
}

func (f *Feeds) render(ctx context.Context, k feedKind) (*Document, error) {
	list := f.c.Alerts.Active
	if k.exercise {
		list = f.c.Alerts.ActiveExercises
	}
	as, err := list(ctx)
	if err != nil {
		return nil, err
	}
	entries := make([]cap.Entry, 0, len(as))
	var updated time.Time
	tag := sha256.New()
	tag.Write([]byte(k.path + "\n" + strings.Join(f.c.Hubs, " ") + "\n"))
	for _, a := range as {
		e := cap.NewEntry(a.CAPAlert(), f.CAPURL(a))
		if a.MsgType == cap.MsgCancel && a.Note != "" {
			e.Title, e.Summary = "Cancelled: "+a.Note, a.Note
		}
		if a.Exercise() {
			e.Title = exerciseTitleLabel + e.Title
		}
		entries = append(entries, e)
		if s := a.Sent(); s.After(updated) {
			updated = s
		}
		tag.Write([]byte(e.ID + " " + e.Updated + "\n"))
	}
	if updated.IsZero() {
		// An empty feed changed when its last entry left, which is not
		// recorded; the minute keeps it cacheable meanwhile.
		updated = f.c.Now().UTC().Truncate(time.Minute)
	}
	self := f.c.BaseURL + k.path
	meta := cap.FeedMeta{ID: self, Self: self, Link: f.c.BaseURL + "/", Author: f.c.Name, Updated: updated,
		Title:    "Public alerts – " + f.c.Name,
		Subtitle: "Alerts in force, issued by the authorities of " + f.c.Name + "; each entry links to its CAP 1.2 document."}
	if k.exercise {
		meta.Title = "EXERCISES AND TESTS – not real alerts – " + f.c.Name
		meta.Subtitle = "Exercise and test messages only: NOT REAL ALERTS. Real alerts are in " + f.c.BaseURL + FeedAtomPath + "."
	}
	if len(f.c.Hubs) > 0 {
		meta.Hub = f.c.Hubs[0]
	}
	var b bytes.Buffer
	write, ctype := cap.WriteAtom, "application/atom+xml"
	if k.rss {
		write, ctype = cap.WriteRSS, "application/rss+xml"
	}
	if err := write(&b, meta, entries); err != nil {
		return nil, err
	}
	body := withHubs(b.Bytes(), f.c.Hubs)
	sum := tag.Sum(nil)
	return &Document{ContentType: ctype, Body: body, ETag: `W/"` + hex.EncodeToString(sum[:16]) + `"`, Updated: updated}, nil
}

// withHubs adds a rel="hub" link for every hub after the first, which
// cap.FeedMeta carries alone (WebSub allows several): each copies the
// first one's element, so it has the same namespace and indentation.
func withHubs(doc []byte, hubs []string) []byte {
	if len(hubs) < 2 {
		return doc
	}
	first := []byte(`rel="hub" href="` + escapeAttr(hubs[0]) + `"></link>`)
	end := bytes.Index(doc, first)
	if end < 0 {
		return doc
	}
	end += len(first)
	start := bytes.LastIndex(doc[:end], []byte("<link"))
	lineStart := bytes.LastIndexByte(doc[:start], '\n') + 1
	indent := doc[lineStart:start]
	elem := string(doc[start:end])
	var extra bytes.Buffer
	for _, h := range hubs[1:] {
		extra.WriteByte('\n')
		extra.Write(indent)
		extra.WriteString(strings.Replace(elem, `href="`+escapeAttr(hubs[0])+`"`, `href="`+escapeAttr(h)+`"`, 1))
	}
	return slices.Concat(doc[:end], extra.Bytes(), doc[end:])
}

func escapeAttr(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// routes serves the public endpoints: no authentication, cacheable,
// readable from any web page (CORS), and carrying only what authorities
// published.
func (f *Feeds) routes(mux *http.ServeMux) {
	for _, k := range feedKinds {
		mux.HandleFunc("GET "+k.path, func(w http.ResponseWriter, r *http.Request) {
			doc, err := f.render(r.Context(), k)
			if err != nil {
				f.fail(w, r, err)
				return
			}
			h := w.Header()
			// WebSub discovery also works from the headers.
			for _, hub := range f.c.Hubs {
				h.Add("Link", "<"+hub+`>; rel="hub"`)
			}
			h.Add("Link", "<"+f.c.BaseURL+k.path+`>; rel="self"`)
			serve(w, r, doc.ContentType, feedCacheControl, doc.ETag, doc.Body)
		})
	}
	mux.HandleFunc("GET "+capPrefix+"{file}", f.serveCAP)
	if f.c.Hub != nil {
		mux.Handle("POST "+HubPath, f.c.Hub)
	}
}

// serveCAP serves one published message's CAP document.
func (f *Feeds) serveCAP(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("file"), capSuffix)
	if !ok || id == "" || len(id) > 64 {
		f.fail(w, r, vigie.Errorf(vigie.ENotFound, "no such alert: CAP documents are at /cap/ID.xml"))
		return
	}
	a, err := f.c.Alerts.Published(r.Context(), id)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	doc, err := alert.CAP(a)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	serve(w, r, cap.MIMECAP, capCacheControl, strongETag(doc), doc)
}

// fail answers with problem details that no cache keeps: a message not
// published yet may be published in a minute.
func (f *Feeds) fail(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Cache-Control", "no-store")
	WriteProblem(w, r, f.c.Log, err)
}

// serve writes a public document, or 304 Not Modified when the client
// already has it.
func serve(w http.ResponseWriter, r *http.Request, ctype, cacheControl, etag string, body []byte) {
	h := w.Header()
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", etag)
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	if matchesETag(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", ctype)
	_, _ = w.Write(body)
}

// matchesETag is the weak comparison of If-None-Match (RFC 9110, 13.1.2).
func matchesETag(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for c := range strings.SplitSeq(header, ",") {
		c = strings.TrimSpace(c)
		if c == "*" || strings.TrimPrefix(c, "W/") == want {
			return true
		}
	}
	return false
}
