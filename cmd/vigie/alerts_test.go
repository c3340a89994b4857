package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/cap"
	"github.com/vigie-project/vigie/org"
)

const publicURL = "https://alerts.vigie.test"

// alertDraft is a valid shelter alert in French, English and Arabic
// around the Bataclan, as the API takes it.
func alertDraft(status cap.Status) alert.Draft {
	d := alert.Draft{Status: status, Expires: time.Now().Add(4 * time.Hour), Area: alert.Area{Circles: []string{"48.8631,2.3708 2"}},
		Infos: []alert.Info{
			{Language: "fr-FR", AreaDesc: "Paris, 11e arrondissement", Description: "Des tirs ont été signalés près du boulevard Voltaire."},
			{Language: "en-GB", AreaDesc: "Paris, 11th district", Description: "Shots have been reported near boulevard Voltaire."},
			{Language: "ar", AreaDesc: "باريس، الدائرة الحادية عشرة", Description: "أُبلغ عن إطلاق نار قرب جادة فولتير."},
		}}
	alert.Shelter.Prefill(&d)
	return d
}

// fetch makes a request as org (or anonymously with "") and returns the
// response, its body read.
func (s *testServer) fetch(as, method, path string, body io.Reader, headers ...string) (*http.Response, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if as != "" {
		req.Header.Set("Authorization", "Bearer "+s.keys[as])
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// person signs a new user of org in, as the web interface does, and
// returns the principal of that session.
func (s *testServer) person(orgName, email string) org.Principal {
	s.t.Helper()
	ctx := context.Background()
	const password = "correct horse battery staple"
	if _, err := s.app.orgs.CreateUser(ctx, s.ids[orgName], email, email, password); err != nil {
		s.t.Fatal(err)
	}
	_, token, err := s.app.orgs.Login(ctx, email, password)
	if err != nil {
		s.t.Fatal(err)
	}
	p, _, err := s.app.orgs.SessionPrincipal(ctx, token)
	if err != nil || p.UserID == "" {
		s.t.Fatalf("session principal %+v: %v", p, err)
	}
	return p
}

// capture sits in front of a receiver and keeps every body it is sent.
type capture struct {
	*receiver
	srv    *httptest.Server
	mu     sync.Mutex
	bodies [][]byte
}

// newCapture registers a verifying receiver for org, then points the
// endpoint at a front that keeps the bodies and passes them on.
func newCapture(t *testing.T, s *testServer, as string) *capture {
	c := &capture{receiver: newReceiver(t)}
	c.receiver.register(s, as)
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.bodies = append(c.bodies, b)
		c.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		c.receiver.serve(w, r)
	}))
	t.Cleanup(c.srv.Close)
	if code := s.call(as, "PUT", "/api/v1/webhook", map[string]string{"url": c.srv.URL}, nil); code != 200 {
		t.Fatalf("set webhook: %d", code)
	}
	return c
}

// alertPayload is an alert webhook as a platform reads it.
type alertPayload struct {
	Type string `json:"type"`
	Data struct {
		Alert alert.Message `json:"alert"`
		CAP   string        `json:"cap"`
	} `json:"data"`
}

// find returns the first alert webhook of that type for message id.
func (c *capture) find(typ, id string) (alertPayload, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range c.bodies {
		var p alertPayload
		if json.Unmarshal(b, &p) == nil && p.Type == typ && p.Data.Alert.ID == id {
			return p, true
		}
	}
	return alertPayload{}, false
}

// subscriber is a WebSub subscriber's callback: it confirms the intents
// it expects and keeps what the hub distributes.
type subscriber struct {
	srv      *httptest.Server
	mu       sync.Mutex
	verified []url.Values
	posts    []delivered
}

type delivered struct {
	header http.Header
	body   []byte
}

func newSubscriber(t *testing.T) *subscriber {
	sub := &subscriber{}
	sub.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub.mu.Lock()
		defer sub.mu.Unlock()
		if r.Method == http.MethodGet {
			q := r.URL.Query()
			sub.verified = append(sub.verified, q)
			io.WriteString(w, q.Get("hub.challenge"))
			return
		}
		b, _ := io.ReadAll(r.Body)
		sub.posts = append(sub.posts, delivered{r.Header.Clone(), b})
	}))
	t.Cleanup(sub.srv.Close)
	return sub
}

// delivery returns the first distribution whose body contains s.
func (sub *subscriber) delivery(s string) (delivered, bool) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	for _, d := range sub.posts {
		if bytes.Contains(d.body, []byte(s)) {
			return d, true
		}
	}
	return delivered{}, false
}

// pingHub is an external WebSub hub that records publish pings.
type pingHub struct {
	srv   *httptest.Server
	mu    sync.Mutex
	pings []url.Values
}

func newPingHub(t *testing.T) *pingHub {
	h := &pingHub{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		h.mu.Lock()
		h.pings = append(h.pings, r.PostForm)
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *pingHub) pinged(topic string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.ContainsFunc(h.pings, func(v url.Values) bool { return v.Get("hub.mode") == "publish" && v.Get("hub.url") == topic })
}

// feed fetches and parses a public feed, anonymously, checking that it
// is a valid feed.
func (s *testServer) feed(path string) (*cap.Feed, *http.Response, []byte) {
	s.t.Helper()
	resp, b := s.fetch("", "GET", path, nil)
	if resp.StatusCode != 200 {
		s.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	f, err := cap.ParseFeed(bytes.NewReader(b), cap.Limits{})
	if err != nil {
		s.t.Fatalf("GET %s: %v\n%s", path, err, b)
	}
	if ps := cap.ValidateFeed(f); len(ps) > 0 {
		s.t.Fatalf("GET %s: feed problems %v\n%s", path, ps, b)
	}
	return f, resp, b
}

// links returns the CAP links of a feed's entries.
func links(f *cap.Feed) []string {
	var out []string
	for _, e := range f.Entries {
		out = append(out, e.Link)
	}
	return out
}

// publicPath turns a public URL into a path on the test server.
func publicPath(t *testing.T, u string) string {
	t.Helper()
	p, ok := strings.CutPrefix(u, publicURL)
	if !ok {
		t.Fatalf("%q is not under the public URL %s", u, publicURL)
	}
	return p
}

func TestAlertLifecycleFromAuthorToPublic(t *testing.T) {
	ext := newPingHub(t)
	s := startServerWith(t, func(c *serveConfig) {
		c.publicURL = publicURL + "/"
		c.websubSelfHub = true
		c.websubHubs = hubList{urls: []string{ext.srv.URL}}
	})
	ctx := context.Background()
	plat := newCapture(t, s, "plat-a")
	topic := publicURL + "/alerts/feed.atom"

	// A WebSub subscriber subscribes to the real-alert feed; the hub
	// verifies its intent before storing anything.
	sub := newSubscriber(t)
	const secret = "a subscriber's secret"
	callback := sub.srv.URL + "/cb?feed=vigie"
	form := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {callback}, "hub.secret": {secret}, "hub.lease_seconds": {"86400"}}
	resp, b := s.fetch("", "POST", "/alerts/hub", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("subscribe: %d %s", resp.StatusCode, b)
	}
	waitFor(t, "the verified subscription", 10*time.Second, func() bool {
		got, err := s.app.store.Subscription(ctx, topic, callback, time.Now())
		return err == nil && got != nil
	})
	sub.mu.Lock()
	v := sub.verified[0]
	sub.mu.Unlock()
	if v.Get("hub.mode") != "subscribe" || v.Get("hub.topic") != topic || v.Get("hub.lease_seconds") != "86400" || v.Get("feed") != "vigie" {
		t.Fatalf("verification request %v", v)
	}

	// The author writes an Actual alert in three languages: it waits. A
	// retry with the same Idempotency-Key gets the same alert back.
	body := mustJSON(t, alertDraft(cap.StatusActual))
	var first alert.Alert
	for i, replayed := range []string{"", "true"} {
		resp, b := s.fetch("auth", "POST", "/api/v1/alerts", bytes.NewReader(body), "Idempotency-Key", "attack-1", "Content-Type", "application/json")
		var got alert.Alert
		if err := json.Unmarshal(b, &got); err != nil || resp.StatusCode != http.StatusCreated || resp.Header.Get("Idempotent-Replayed") != replayed {
			t.Fatalf("create #%d: %d %s replayed %q", i+1, resp.StatusCode, b, resp.Header.Get("Idempotent-Replayed"))
		}
		if i > 0 && got.ID != first.ID {
			t.Fatalf("the retry wrote %s beside %s", got.ID, first.ID)
		}
		first = got
	}
	if first.State != alert.StatePending || len(first.Infos) != 3 || first.Sender != s.ids["auth"]+"@alerts.vigie.test" {
		t.Fatalf("created %s with %d infos from %s", first.State, len(first.Infos), first.Sender)
	}

	// Nothing is public before approval.
	capPath := "/cap/" + first.ID + ".xml"
	if resp, _ := s.fetch("", "GET", capPath, nil); resp.StatusCode != http.StatusNotFound || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("CAP of a pending alert: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	if f, _, _ := s.feed("/alerts/feed.atom"); len(f.Entries) != 0 {
		t.Fatalf("feed before approval: %v", links(f))
	}

	// An API key is never the second person, not even another key's.
	var p problemBody
	if code := s.call("auth", "POST", "/api/v1/alerts/"+first.ID+"/approve", nil, &p); code != http.StatusForbidden || !strings.Contains(p.Detail, "API key") {
		t.Fatalf("approval with the author's API key: %d %q", code, p.Detail)
	}

	// A second person of the authority approves: it goes out.
	duty := s.person("auth", "duty@prefecture.example")
	approved, err := s.app.alerts.Approve(ctx, duty, first.ID)
	if err != nil || approved.State != alert.StatePublished || approved.ApprovedBy != duty.Actor() {
		t.Fatalf("approve: %+v %v", approved, err)
	}

	// The platform's signed webhook carries the JSON and the CAP document.
	var wh alertPayload
	waitFor(t, "the platform's alert.published webhook", 10*time.Second, func() bool {
		var ok bool
		wh, ok = plat.find(alert.NoticePublished, first.ID)
		return ok
	})
	whCAP := parseCAP(t, []byte(wh.Data.CAP))
	if whCAP.Identifier != first.Identifier || len(whCAP.Info) != 3 || wh.Data.Alert.Infos[2].Language != "ar" {
		t.Fatalf("webhook CAP %s with %d infos; JSON %+v", whCAP.Identifier, len(whCAP.Info), wh.Data.Alert.Infos)
	}

	// Anyone reads the CAP document, cacheably.
	resp, b = s.fetch("", "GET", capPath, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != cap.MIMECAP || resp.Header.Get("ETag") == "" {
		t.Fatalf("public CAP: %d %s etag %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("ETag"))
	}
	if c := parseCAP(t, b); c.Identifier != first.Identifier || c.MsgType != cap.MsgAlert || c.Status != cap.StatusActual {
		t.Fatalf("public CAP %+v", c)
	}
	if again, _ := s.fetch("", "GET", capPath, nil, "If-None-Match", resp.Header.Get("ETag")); again.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional GET: %d, want 304", again.StatusCode)
	}

	// Both feeds list it, linked as CAP, with the hubs and themselves.
	capURL := publicURL + capPath
	for _, path := range []string{"/alerts/feed.atom", "/alerts/feed.rss"} {
		f, resp, raw := s.feed(path)
		if !slices.Equal(links(f), []string{capURL}) {
			t.Fatalf("%s lists %v, want %s", path, links(f), capURL)
		}
		wants := []string{`rel="hub" href="` + publicURL + `/alerts/hub"`, `rel="hub" href="` + ext.srv.URL + `"`, `rel="self"`}
		if strings.HasSuffix(path, ".atom") {
			wants = append(wants, `type="`+cap.MIMECAP+`"`) // RSS links the CAP document as the item's link
		}
		for _, want := range wants {
			if !bytes.Contains(raw, []byte(want)) {
				t.Fatalf("%s has no %s:\n%s", path, want, raw)
			}
		}
		if !slices.Contains(resp.Header.Values("Link"), "<"+publicURL+path+`>; rel="self"`) {
			t.Fatalf("%s Link headers %v", path, resp.Header.Values("Link"))
		}
	}
	if f, _, _ := s.feed("/alerts/exercises.atom"); len(f.Entries) != 0 {
		t.Fatalf("an Actual alert in the exercise feed: %v", links(f))
	}

	// The subscriber receives the feed, signed with its secret, and the
	// external hub is pinged for both feeds.
	var d delivered
	waitFor(t, "the WebSub distribution", 10*time.Second, func() bool {
		var ok bool
		d, ok = sub.delivery(capURL)
		return ok
	})
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(d.body)
	if got, want := d.header.Get("X-Hub-Signature"), "sha256="+hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Fatalf("X-Hub-Signature %q, want %q", got, want)
	}
	if d.header.Get("Content-Type") != "application/atom+xml" || !strings.Contains(d.header.Get("Link"), `<`+topic+`>; rel="self"`) {
		t.Fatalf("distribution headers %v", d.header)
	}
	if f, err := cap.ParseFeed(bytes.NewReader(d.body), cap.Limits{}); err != nil || !slices.Equal(links(f), []string{capURL}) {
		t.Fatalf("distributed feed: %v %v", err, f)
	}
	waitFor(t, "the external hub's pings", 10*time.Second, func() bool {
		return ext.pinged(topic) && ext.pinged(publicURL+"/alerts/feed.rss")
	})

	// An Update references the first message and supersedes it.
	next := alertDraft(cap.StatusActual)
	next.Infos[0].Description = "Les tirs ont cessé ; restez à l'abri."
	next.Infos[1].Description = "The shooting has stopped; stay inside."
	next.Infos[2].Description = "توقف إطلاق النار؛ ابقوا في الداخل."
	var upd alert.Alert
	if code := s.call("auth", "POST", "/api/v1/alerts/"+first.ID+"/update", next, &upd); code != http.StatusCreated || upd.State != alert.StatePending {
		t.Fatalf("update: %d %s", code, upd.State)
	}
	if _, err := s.app.alerts.Approve(ctx, duty, upd.ID); err != nil {
		t.Fatal(err)
	}
	if c := s.publicCAP(upd.ID); c.MsgType != cap.MsgUpdate || c.References != refString(approved) {
		t.Fatalf("update: %s references %q, want %q", c.MsgType, c.References, refString(approved))
	}
	if f, _, _ := s.feed("/alerts/feed.atom"); !slices.Equal(links(f), []string{publicURL + "/cap/" + upd.ID + ".xml"}) {
		t.Fatalf("feed after the update: %v", links(f))
	}

	// A Cancel references both and ends the alert: the feed keeps only
	// the Cancel, so that readers learn of it.
	var cancel alert.Alert
	if code := s.call("auth", "POST", "/api/v1/alerts/"+upd.ID+"/cancel", map[string]string{"note": "The attackers were arrested; the danger is over."}, &cancel); code != http.StatusCreated {
		t.Fatalf("cancel: %d", code)
	}
	updated, err := s.app.alerts.Approve(ctx, duty, cancel.ID)
	if err != nil {
		t.Fatal(err)
	}
	firstNow, _ := s.app.alerts.Get(ctx, duty, first.ID)
	updNow, _ := s.app.alerts.Get(ctx, duty, upd.ID)
	if c := s.publicCAP(cancel.ID); c.MsgType != cap.MsgCancel || len(c.Info) != 0 || c.References != refString(firstNow, updNow) {
		t.Fatalf("cancel %s with %d infos references %q, want %q", c.MsgType, len(c.Info), c.References, refString(firstNow, updNow))
	}
	if firstNow.State != alert.StateCancelled || updNow.State != alert.StateCancelled || updated.State != alert.StatePublished {
		t.Fatalf("after the cancel: first %s, update %s, cancel %s", firstNow.State, updNow.State, updated.State)
	}
	for _, path := range []string{"/alerts/feed.atom", "/alerts/feed.rss"} {
		if f, _, _ := s.feed(path); !slices.Equal(links(f), []string{publicURL + "/cap/" + cancel.ID + ".xml"}) || !strings.HasPrefix(f.Entries[0].Title, "Cancelled") {
			t.Fatalf("%s after the cancel: %v", path, f.Entries)
		}
	}
	// The superseded and cancelled messages stay readable: they are referenced.
	if resp, _ := s.fetch("", "GET", capPath, nil); resp.StatusCode != 200 {
		t.Fatalf("CAP of the cancelled first message: %d", resp.StatusCode)
	}
	waitFor(t, "the platform's alert.cancelled webhook", 10*time.Second, func() bool {
		_, ok := plat.find(alert.NoticeCancelled, cancel.ID)
		return ok
	})
}

// publicCAP reads a message's public CAP document and validates it.
func (s *testServer) publicCAP(id string) *cap.Alert {
	s.t.Helper()
	resp, b := s.fetch("", "GET", "/cap/"+id+".xml", nil)
	if resp.StatusCode != 200 {
		s.t.Fatalf("CAP of %s: %d %s", id, resp.StatusCode, b)
	}
	return parseCAP(s.t, b)
}

func parseCAP(t *testing.T, b []byte) *cap.Alert {
	t.Helper()
	c, err := cap.Parse(bytes.NewReader(b), cap.Limits{})
	if err != nil {
		t.Fatalf("parse CAP: %v\n%s", err, b)
	}
	if ps := cap.Validate(c); len(ps) > 0 {
		t.Fatalf("CAP problems %v\n%s", ps, b)
	}
	return c
}

func refString(as ...*alert.Alert) string {
	var refs []string
	for _, a := range as {
		refs = append(refs, a.Ref().String())
	}
	return strings.Join(refs, " ")
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAlertApprovalNeedsAnotherPerson(t *testing.T) {
	s := startServer(t, 1)
	ctx := context.Background()
	author := s.person("auth", "author@prefecture.example")
	a, _, err := s.app.alerts.Create(ctx, author, alertDraft(cap.StatusActual), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.app.alerts.Approve(ctx, author, a.ID); err == nil || !strings.Contains(err.Error(), "two-person rule") {
		t.Fatalf("the author approving: %v", err)
	}
	// The other authority's person cannot see it, let alone approve it.
	outsider := s.person("auth-2", "officer@other.example")
	if _, err := s.app.alerts.Approve(ctx, outsider, a.ID); err == nil || !strings.Contains(err.Error(), "no such alert") {
		t.Fatalf("another authority approving: %v", err)
	}
	// Rejection by the API is allowed (the author withdraws), with a reason.
	var p problemBody
	if code := s.call("auth", "POST", "/api/v1/alerts/"+a.ID+"/reject", map[string]string{"reason": ""}, &p); code != 422 || p.Errors[0].Location != "body.reason" {
		t.Fatalf("reject without reason: %d %+v", code, p)
	}
	var r alert.Alert
	if code := s.call("auth", "POST", "/api/v1/alerts/"+a.ID+"/reject", map[string]string{"reason": "Wrong district."}, &r); code != 200 || r.State != alert.StateRejected {
		t.Fatalf("reject: %d %s", code, r.State)
	}
}

func TestAlertsAreScopedToTheirAuthority(t *testing.T) {
	s := startServer(t, 1)
	var a alert.Alert
	if code := s.call("auth", "POST", "/api/v1/alerts", alertDraft(cap.StatusActual), &a); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	tests := []struct {
		as, method, path string
		body             any
		want             int
	}{
		{"auth-2", "GET", "/api/v1/alerts/" + a.ID, nil, http.StatusNotFound},
		{"auth-2", "GET", "/api/v1/alerts/" + a.ID + "/cap", nil, http.StatusNotFound},
		{"auth-2", "GET", "/api/v1/alerts/" + a.ID + "/reach", nil, http.StatusNotFound},
		{"auth-2", "POST", "/api/v1/alerts/" + a.ID + "/approve", nil, http.StatusNotFound},
		{"auth-2", "POST", "/api/v1/alerts/" + a.ID + "/cancel", map[string]string{"note": "x"}, http.StatusNotFound},
		{"plat-a", "GET", "/api/v1/alerts/" + a.ID, nil, http.StatusForbidden},
		{"plat-a", "POST", "/api/v1/alerts", alertDraft(cap.StatusActual), http.StatusForbidden},
		{"", "GET", "/api/v1/alerts", nil, http.StatusUnauthorized},
		{"", "GET", "/cap/" + a.ID + ".xml", nil, http.StatusNotFound},
		{"", "GET", "/cap/" + a.ID, nil, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.as+" "+tt.method+" "+tt.path, func(t *testing.T) {
			if code := s.call(tt.as, tt.method, tt.path, tt.body, nil); code != tt.want {
				t.Fatalf("%d, want %d", code, tt.want)
			}
		})
	}
	var list struct{ Alerts []alert.Alert }
	if s.call("auth-2", "GET", "/api/v1/alerts", nil, &list); len(list.Alerts) != 0 {
		t.Fatalf("auth-2 lists %d alerts", len(list.Alerts))
	}
	if s.call("auth", "GET", "/api/v1/alerts?state=pending_approval&status=Actual", nil, &list); len(list.Alerts) != 1 || list.Alerts[0].ID != a.ID {
		t.Fatalf("auth lists %+v", list.Alerts)
	}
}

func TestInvalidAlertIsRefusedNamingTheFieldAndNothingStored(t *testing.T) {
	s := startServer(t, 1)
	tests := []struct {
		name     string
		change   func(d *alert.Draft)
		location string
		detail   []string
	}{
		// The draft's checks let a blank translated event through; the CAP
		// check behind them names the element and the rule.
		{"blank event of one language", func(d *alert.Draft) { d.Infos[1].Event = "   " }, "body.infos[1].event",
			[]string{"CAP element alert/info[1]/event", "rule required"}},
		{"empty headline", func(d *alert.Draft) { d.Infos[1].Headline = "" }, "body.infos[1].headline", []string{"required"}},
		{"open polygon", func(d *alert.Draft) { d.Area.Polygons = []string{"48.85,2.35 48.87,2.37 48.86,2.38 48.85,2.36"} },
			"body.area.polygons[0]", []string{"CAP rule polygon.not-closed"}},
		{"no Arabic", func(d *alert.Draft) { d.Infos = d.Infos[:2] }, "body.infos", []string{"Arabic"}},
		{"expired", func(d *alert.Draft) { d.Expires = time.Now().Add(-time.Minute) }, "body.expires", []string{"future"}},
		{"unknown status", func(d *alert.Draft) { d.Status = "Draft" }, "body.status", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := alertDraft(cap.StatusActual)
			tt.change(&d)
			for _, path := range []string{"/api/v1/alerts", "/api/v1/alerts/preview"} {
				var p problemBody
				if code := s.call("auth", "POST", path, d, &p); code != http.StatusUnprocessableEntity {
					t.Fatalf("%s: %d, want 422", path, code)
				}
				if len(p.Errors) == 0 || p.Errors[0].Location != tt.location || strings.Count(p.Errors[0].Location+p.Detail, "body.") > 1 {
					t.Fatalf("%s: errors %+v detail %q, want one location %s", path, p.Errors, p.Detail, tt.location)
				}
				for _, want := range tt.detail {
					if !strings.Contains(p.Detail, want) {
						t.Fatalf("%s: detail %q does not say %q", path, p.Detail, want)
					}
				}
			}
		})
	}
	var list struct{ Alerts []alert.Alert }
	if s.call("auth", "GET", "/api/v1/alerts", nil, &list); len(list.Alerts) != 0 {
		t.Fatalf("%d alerts stored", len(list.Alerts))
	}
}

func TestExercisesAndTemplatesAndPreview(t *testing.T) {
	s := startServerWith(t, func(c *serveConfig) { c.publicURL = publicURL })
	// Templates and preview store nothing.
	var tpl struct{ Templates []alert.Template }
	if code := s.call("auth", "GET", "/api/v1/alerts/templates", nil, &tpl); code != 200 || len(tpl.Templates) != 4 {
		t.Fatalf("templates: %d %d", code, len(tpl.Templates))
	}
	d := alertDraft(cap.StatusExercise)
	d.Infos[2].Headline = d.Infos[1].Headline // an untranslated copy: a warning, not an error
	var pv struct {
		Warnings []alert.Warning
		Reach    alert.Reach
		CAP      string
	}
	if code := s.call("auth", "POST", "/api/v1/alerts/preview", d, &pv); code != 200 {
		t.Fatalf("preview: %d", code)
	}
	if !slices.ContainsFunc(pv.Warnings, func(w alert.Warning) bool { return w.Field == "infos[2].headline" }) ||
		len(pv.Reach.Platforms) != 2 || parseCAP(t, []byte(pv.CAP)).Status != cap.StatusExercise {
		t.Fatalf("preview: %+v", pv)
	}
	var list struct{ Alerts []alert.Alert }
	if s.call("auth", "GET", "/api/v1/alerts", nil, &list); len(list.Alerts) != 0 {
		t.Fatalf("preview stored %d alerts", len(list.Alerts))
	}

	// An exercise goes out at once, only in the labelled exercise feeds.
	var ex alert.Alert
	if code := s.call("auth", "POST", "/api/v1/alerts", alertDraft(cap.StatusExercise), &ex); code != http.StatusCreated || ex.State != alert.StatePublished {
		t.Fatalf("exercise: %d %s", code, ex.State)
	}
	resp, b := s.fetch("auth", "GET", "/api/v1/alerts/"+ex.ID+"/cap", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != cap.MIMECAP || parseCAP(t, b).Status != cap.StatusExercise {
		t.Fatalf("authority's CAP: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	capURL := publicURL + "/cap/" + ex.ID + ".xml"
	for _, path := range []string{"/alerts/exercises.atom", "/alerts/exercises.rss"} {
		f, _, _ := s.feed(path)
		if !slices.Equal(links(f), []string{capURL}) || !strings.HasPrefix(f.Entries[0].Title, "EXERCISE") || !strings.Contains(f.Title, "not real alerts") {
			t.Fatalf("%s: %q %+v", path, f.Title, f.Entries)
		}
	}
	f, _, raw := s.feed("/alerts/feed.atom")
	if len(f.Entries) != 0 {
		t.Fatalf("an exercise in the real feed: %v", links(f))
	}
	// Without --websub-self-hub there is no hub to advertise or to call.
	if bytes.Contains(raw, []byte(`rel="hub"`)) {
		t.Fatalf("a hub advertised though none is enabled:\n%s", raw)
	}
	if resp, _ := s.fetch("", "POST", "/alerts/hub", strings.NewReader("hub.mode=subscribe"), "Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode/100 != 4 {
		t.Fatalf("POST /alerts/hub without a hub: %d", resp.StatusCode)
	}

	// All-clear in one call, with the template's texts.
	var ac alert.Alert
	if code := s.call("auth", "POST", "/api/v1/alerts/"+ex.ID+"/all-clear", nil, &ac); code != http.StatusCreated {
		t.Fatalf("all-clear: %d", code)
	}
	if ac.MsgType != cap.MsgUpdate || ac.State != alert.StatePublished || !slices.Equal(ac.ResponseTypes, []cap.ResponseType{cap.RespAllClear}) ||
		ac.Infos[1].Headline != alert.AllClear.Texts[1].Headline {
		t.Fatalf("all-clear: %+v", ac)
	}
	if c := s.publicCAP(ac.ID); c.References != refString(&ex) {
		// ex as returned at creation: published, so Ref is its sent time.
		t.Fatalf("all-clear references %q", c.References)
	}
}

func TestWebSubHubRefusesBadRequests(t *testing.T) {
	s := startServerWith(t, func(c *serveConfig) { c.publicURL, c.websubSelfHub = publicURL, true })
	topic := publicURL + "/alerts/feed.atom"
	tests := []struct {
		name string
		form url.Values
		want int
	}{
		{"no mode", url.Values{"hub.topic": {topic}, "hub.callback": {"https://127.0.0.1:1/cb"}}, 400},
		{"publish", url.Values{"hub.mode": {"publish"}, "hub.url": {topic}}, 400},
		{"unknown topic", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {"https://elsewhere.example/feed"}, "hub.callback": {"https://127.0.0.1:1/cb"}}, 400},
		{"callback not a URL", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {"/relative"}}, 400},
		{"long secret", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {"https://127.0.0.1:1/cb"}, "hub.secret": {strings.Repeat("s", 200)}}, 400},
		{"bad lease", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {"https://127.0.0.1:1/cb"}, "hub.lease_seconds": {"-1"}}, 400},
		{"good", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {"https://127.0.0.1:1/cb"}}, 202},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := s.fetch("", "POST", "/alerts/hub", strings.NewReader(tt.form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
			if resp.StatusCode != tt.want {
				t.Fatalf("%d %s, want %d", resp.StatusCode, b, tt.want)
			}
		})
	}
}

func TestPublicBase(t *testing.T) {
	tests := []struct {
		raw, addr, base, host string
		err                   bool
	}{
		{"", "127.0.0.1:8080", "http://127.0.0.1:8080", "127.0.0.1", false},
		{"", ":8080", "http://localhost:8080", "localhost", false},
		{"", "0.0.0.0:80", "http://localhost:80", "localhost", false},
		{"", "", "http://localhost", "localhost", false},
		{"https://alerts.example.gov/", "x", "https://alerts.example.gov", "alerts.example.gov", false},
		{"https://example.gov/vigie/", "x", "https://example.gov/vigie", "example.gov", false},
		{"ftp://example.gov", "x", "", "", true},
		{"example.gov", "x", "", "", true},
		{"https://example.gov/?a=1", "x", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.raw+" "+tt.addr, func(t *testing.T) {
			base, host, err := publicBase(tt.raw, tt.addr)
			if (err != nil) != tt.err || base != tt.base || host != tt.host {
				t.Fatalf("publicBase(%q, %q) = %q, %q, %v", tt.raw, tt.addr, base, host, err)
			}
		})
	}
}

// TestAlertRoutesMatchTheOpenAPIDocument checks real alert requests and
// responses, errors included, against the served document with an
// independent validator (kin-openapi).
func TestAlertRoutesMatchTheOpenAPIDocument(t *testing.T) {
	s := startServer(t, 1)
	_, raw := s.fetch("", "GET", "/api/openapi.json", nil)
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: s.url + "/api"}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	// kin-openapi decodes JSON only; the CAP document is a string.
	openapi3filter.RegisterBodyDecoder(cap.MIMECAP, openapi3filter.FileBodyDecoder)
	defer openapi3filter.UnregisterBodyDecoder(cap.MIMECAP)
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}
	exchange := func(as, method, path string, body any, want int) []byte {
		t.Helper()
		var b []byte
		if body != nil {
			b = mustJSON(t, body)
		}
		req, _ := http.NewRequest(method, s.url+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+s.keys[as])
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatalf("%s %s: not in the document: %v", method, path, err)
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
		if want < 400 {
			if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
				t.Fatalf("%s %s: request does not match the document: %v", method, path, err)
			}
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, out, want)
		}
		if err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(out)), Options: opts}); err != nil {
			t.Fatalf("%s %s: response does not match the document: %v", method, path, err)
		}
		return out
	}
	var a alert.Alert
	json.Unmarshal(exchange("auth", "POST", "/api/v1/alerts", alertDraft(cap.StatusActual), 201), &a)
	exchange("auth", "GET", "/api/v1/alerts?state=pending_approval&active=false", nil, 200)
	exchange("auth", "GET", "/api/v1/alerts/"+a.ID, nil, 200)
	exchange("auth", "GET", "/api/v1/alerts/"+a.ID+"/cap", nil, 200)
	exchange("auth", "GET", "/api/v1/alerts/"+a.ID+"/reach", nil, 200)
	exchange("auth", "GET", "/api/v1/alerts/templates", nil, 200)
	exchange("auth", "POST", "/api/v1/alerts/preview", alertDraft(cap.StatusTest), 200)
	exchange("auth", "POST", "/api/v1/alerts/"+a.ID+"/approve", nil, 403)
	exchange("auth", "POST", "/api/v1/alerts/"+a.ID+"/reject", map[string]string{"reason": "Drafted in error."}, 200)
	var ex alert.Alert
	json.Unmarshal(exchange("auth", "POST", "/api/v1/alerts", alertDraft(cap.StatusExercise), 201), &ex)
	var upd alert.Alert
	json.Unmarshal(exchange("auth", "POST", "/api/v1/alerts/"+ex.ID+"/update", alertDraft(cap.StatusExercise), 201), &upd)
	json.Unmarshal(exchange("auth", "POST", "/api/v1/alerts/"+upd.ID+"/all-clear", map[string]any{}, 201), &upd)
	exchange("auth", "POST", "/api/v1/alerts/"+upd.ID+"/cancel", map[string]string{"note": "End of the exercise."}, 201)
	bad := alertDraft(cap.StatusActual)
	bad.Infos[1].Event = " "
	exchange("auth", "POST", "/api/v1/alerts", bad, 422)
	exchange("auth-2", "GET", "/api/v1/alerts/"+a.ID, nil, 404)
}

func TestHubListFlag(t *testing.T) {
	tests := []struct {
		env  []string
		args []string
		want []string
	}{
		{[]string{"https://env.example/hub"}, nil, []string{"https://env.example/hub"}},
		{[]string{"https://env.example/hub"}, []string{"https://a.example/, https://b.example/", "https://c.example/"},
			[]string{"https://a.example/", "https://b.example/", "https://c.example/"}},
		{nil, []string{""}, nil},
	}
	for _, tt := range tests {
		l := hubList{urls: tt.env}
		for _, a := range tt.args {
			if err := l.Set(a); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(l.urls, tt.want) {
			t.Errorf("env %v, flags %v: %v, want %v", tt.env, tt.args, l.urls, tt.want)
		}
	}
}
