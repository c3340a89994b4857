package webui_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/chromedp"

	"github.com/vigie-project/vigie/geo"
	"github.com/vigie-project/vigie/internal/testenv"
	"github.com/vigie-project/vigie/webui"
)

// fakePush is the server side of subscriptions as the page sees it, with
// the real shapes (the API's push endpoints and the live alert stream):
// GET /push/vapid, POST /push/subscriptions, DELETE
// /push/subscriptions/{id} and GET /alerts/live.
type fakePush struct {
	t      *testing.T
	vapid  []byte // the uncompressed P-256 public key
	mu     sync.Mutex
	posts  []fakeSubscribe
	subs   map[int]string // id → token
	nextID int
	reject bool // answer the next POST with 422
	dels   []fakeDelete
	live   []string // the query of each /alerts/live request
	conns  map[chan []byte]bool
	done   chan struct{}
}

// fakeSubscribe is a POST /push/subscriptions body.
type fakeSubscribe struct {
	Subscription struct {
		Endpoint       string `json:"endpoint"`
		ExpirationTime *int64 `json:"expirationTime"`
		Keys           struct {
			P256dh string `json:"p256dh"`
			Auth   string `json:"auth"`
		} `json:"keys"`
	} `json:"subscription"`
	Cells []string `json:"cells"`
	Lang  string   `json:"lang"`
}

type fakeDelete struct {
	ID     int
	Token  string
	Status int
}

func newFakePush(t *testing.T, mux *http.ServeMux) *fakePush {
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakePush{t: t, vapid: key.PublicKey().Bytes(), subs: map[int]string{}, nextID: 41, conns: map[chan []byte]bool{}, done: make(chan struct{})}
	problem := func(w http.ResponseWriter, status int, detail string, errs ...map[string]string) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"title": http.StatusText(status), "status": status, "detail": detail, "errors": errs})
	}
	mux.HandleFunc("GET /push/vapid", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"public_key": base64.RawURLEncoding.EncodeToString(f.vapid)})
	})
	mux.HandleFunc("POST /push/subscriptions", func(w http.ResponseWriter, r *http.Request) {
		var body fakeSubscribe
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			problem(w, http.StatusBadRequest, "not JSON: "+err.Error())
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.posts = append(f.posts, body)
		if f.reject {
			f.reject = false
			problem(w, http.StatusUnprocessableEntity, "validation failed", map[string]string{
				"location": "body.cells[0]", "message": "must be a geohash of 4 to 6 characters", "value": body.Cells[0]})
			return
		}
		f.nextID++
		token := base64.RawURLEncoding.EncodeToString(f.vapid[1:25])
		f.subs[f.nextID] = token
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": f.nextID, "token": token})
	})
	mux.HandleFunc("DELETE /push/subscriptions/{id}", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Token string `json:"token"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		id, _ := strconv.Atoi(r.PathValue("id"))
		f.mu.Lock()
		defer f.mu.Unlock()
		status := http.StatusNotFound
		if tok, ok := f.subs[id]; ok && tok == body.Token {
			delete(f.subs, id)
			status = http.StatusNoContent
		}
		f.dels = append(f.dels, fakeDelete{ID: id, Token: body.Token, Status: status})
		if status == http.StatusNotFound {
			problem(w, status, "no such subscription")
			return
		}
		w.WriteHeader(status)
	})
	mux.HandleFunc("GET /alerts/live", func(w http.ResponseWriter, r *http.Request) {
		ch := make(chan []byte, 16)
		f.mu.Lock()
		f.live = append(f.live, r.URL.RawQuery)
		f.conns[ch] = true
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			delete(f.conns, ch)
			f.mu.Unlock()
		}()
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		_, _ = fmt.Fprint(w, ": live\n\n")
		_ = rc.Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-f.done:
				return
			case b := <-ch:
				_, _ = fmt.Fprintf(w, "event: alert\ndata: %s\n\n", b)
				_ = rc.Flush()
			}
		}
	})
	return f
}

// send pushes an alert to every open live stream.
func (f *fakePush) send(alert map[string]any) {
	f.t.Helper()
	b, err := json.Marshal(alert)
	if err != nil {
		f.t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.conns) == 0 {
		f.t.Fatal("no live stream is open")
	}
	for ch := range f.conns {
		ch <- b
	}
}

// TestBrowserSubscribe drives /subscribe in headless Chromium against the
// fake push endpoints: a cell chosen by clicking the map, the live panel
// fed by the fake stream (newest first, exercises labelled, a Cancel
// replacing its alert), Subscribe (notifications granted through CDP, the
// service worker registered with scope /, the subscription and the cell
// received by the fake), the state kept across a reload, a 422 shown with
// its field, the service worker's own push handling (messages delivered
// through CDP: shown or not by the device-side area check, a Cancel
// replacing its alert's notification), the worker's decision function
// checked against geo.Cover, and Unsubscribe. Any script exception or
// console error fails it.
//
// Headless Chromium has no push service (it would be Google's, on the
// internet), so PushManager.subscribe fails there: the test checks that
// the page says so, then replaces PushManager.subscribe in the page with
// one that returns a subscription of the same shape (a fresh P-256 key and
// auth secret, an https endpoint) and goes on.
func TestBrowserSubscribe(t *testing.T) {
	chromium := testenv.Chromium(t)
	mux := http.NewServeMux()
	webui.New(mux, webui.Config{Log: slog.New(slog.DiscardHandler)})
	fake := newFakePush(t, mux)
	tile := stubTile(t)
	mux.HandleFunc("GET /tiles/{z}/{x}/{y}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(tile)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(fake.done) }) // before Close: end the streams

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1100, 1000),
	)
	defer cancelAlloc()
	root, cancelRoot := chromedp.NewContext(alloc)
	defer cancelRoot()
	if err := chromedp.Do(root); err != nil { // starts Chromium
		t.Fatalf("start Chromium: %v", err)
	}
	c, cancelTab := chromedp.NewContext(root)
	defer cancelTab()

	var mu sync.Mutex
	var problems []string
	regs := map[string]serviceworker.RegistrationID{} // scope → registration
	err := chromedp.Listen(c, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg := ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
			problems = append(problems, "exception: "+msg)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				problems = append(problems, "console."+string(ev.Type))
			}
		case *cdplog.EventEntryAdded:
			// The 422 and 404 answers that the test asks for are logged
			// as failed loads.
			expected := ev.Entry.Source == cdplog.EntrySourceNetwork && strings.Contains(ev.Entry.URL, "/push/subscriptions")
			if ev.Entry.Level == cdplog.EntryLevelError && !expected {
				problems = append(problems, fmt.Sprintf("console error (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		case *serviceworker.EventWorkerRegistrationUpdated:
			for _, r := range ev.Registrations {
				if r.IsDeleted {
					delete(regs, r.ScopeURL)
				} else {
					regs[r.ScopeURL] = r.RegistrationID
				}
			}
		}
	})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}

	start := time.Now()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(c, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		t.Logf("%5.1fs %s", time.Since(start).Seconds(), what)
	}
	// wait polls a condition in the page (Poll's own limit only turns a
	// hang into a failure).
	wait := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(c, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second))); err != nil {
			t.Fatalf("wait until %s: %v", what, err)
		}
		t.Logf("%5.1fs %s", time.Since(start).Seconds(), what)
	}
	text := func(sel string) string {
		t.Helper()
		return strings.TrimSpace(subEval[string](t, c, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, sel)))
	}
	// waitFake waits until the fake server has seen something.
	waitFake := func(what string, cond func() bool) {
		t.Helper()
		for !func() bool { fake.mu.Lock(); defer fake.mu.Unlock(); return cond() }() {
			if ctx.Err() != nil {
				t.Fatalf("wait until %s: %v", what, ctx.Err())
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("%5.1fs %s", time.Since(start).Seconds(), what)
	}

	// Browser.grantPermissions, which cdproto no longer generates (it
	// prefers Browser.setPermission); Chromium still has it.
	grant := cdp.Command[subGrantParams, cdp.Empty]{Method: "Browser.grantPermissions"}
	if _, err := chromedp.CallBrowser(c, grant, subGrantParams{Permissions: []string{"notifications"}, Origin: srv.URL}); err != nil {
		t.Logf("Browser.grantPermissions: %v; using Browser.setPermission", err)
		if _, err := chromedp.CallBrowser(c, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: "notifications"}, Setting: cdpbrowser.PermissionSettingGranted, Origin: srv.URL,
		}); err != nil {
			t.Fatalf("grant notifications: %v", err)
		}
	}
	do("open /subscribe", chromedp.Navigate(srv.URL+"/subscribe"))
	wait("the map is ready", `(() => { const el = document.querySelector("#cells-map"); return !!(el && el.vigieMap && el.querySelector(".leaflet-tile-loaded")); })()`)
	if s := text("#sub-status"); s != "This browser is not subscribed." {
		t.Errorf("status at first: %q", s)
	}
	if n := subEval[int](t, c, `document.querySelectorAll('#cells-map button[data-map-action="locate"]').length`); n != 1 {
		t.Error("no \"Use my location\" button: the page's Permissions-Policy should allow geolocation")
	}
	if s := text("#live-status"); s != "Choose cells on the map to see their alerts here." {
		t.Errorf("live status without cells: %q", s)
	}
	if !subEval[bool](t, c, `!document.querySelector("#sub-subscribe").disabled && document.querySelector("#sub-unsubscribe").offsetParent === null && document.querySelector("#sub-error").offsetParent === null`) {
		t.Error("at first, Subscribe should be enabled, Unsubscribe hidden and no error shown")
	}
	do("press Subscribe without a cell", chromedp.Click(chromedp.CSS("#sub-subscribe")))
	if s := text("#sub-error"); s != "Choose at least one cell on the map first." {
		t.Errorf("error without cells: %q", s)
	}

	// A click comes closer, the next one picks a cell.
	x, y := subCanvasPoint(t, c, 0.5, 0.5)
	do("click to zoom in", chromedp.MouseClickXY(x, y))
	wait("the grid shows", `document.querySelector("#cells-map").vigieMap.map.getZoom() >= 9`)
	x, y = subCanvasPoint(t, c, 0.4, 0.6)
	ll := subEval[[]float64](t, c, fmt.Sprintf(`(() => { const ll = document.querySelector("#cells-map").vigieMap.map.mouseEventToLatLng({clientX: %v, clientY: %v}); return [ll.lat, ll.lng]; })()`, x, y))
	cell := geo.Encode(geo.Point{Lat: ll[0], Lon: ll[1]}, 5)
	do("click a cell", chromedp.MouseClickXY(x, y))
	wait("the cell is chosen", `document.querySelector("#cells").value !== ""`)
	if got := subEval[string](t, c, `document.querySelector("#cells").value`); got != cell {
		t.Fatalf("cells input %q, want %q (the clicked point %.5f,%.5f)", got, cell, ll[0], ll[1])
	}

	// The live panel follows the cells and the language.
	wait("the live stream is open", `document.querySelector("#live-status").textContent === "Connected. No alert for these cells at the moment."`)
	waitFake("the stream asked for the cell", func() bool {
		return len(fake.live) > 0 && fake.live[len(fake.live)-1] == "cells="+cell+"&lang=en"
	})
	fake.send(map[string]any{"id": "a1", "identifier": "vigie-p-a1", "chain": "a1", "status": "Exercise", "msg_type": "Alert",
		"event": "Drill", "headline": "Exercise: shelter in place", "instruction": "Go inside.", "area_desc": "Paris 11e",
		"severity": "Extreme", "urgency": "Immediate", "expires": "2031-05-01T18:00:00Z", "url": "/cap/a1.xml", "lang": "en",
		"area": map[string]any{"polygons": []string{"48.85,2.37 48.86,2.37 48.86,2.38 48.85,2.37"}}})
	wait("the exercise is shown", `!!document.querySelector('#live-list li[data-id="a1"]')`)
	fake.send(map[string]any{"id": "b1", "identifier": "vigie-p-b1", "chain": "b1", "status": "Actual", "msg_type": "Alert",
		"event": "Attack", "headline": "Attack: avoid the area", "instruction": "Stay away from Place de la République.",
		"severity": "Extreme", "urgency": "Immediate", "expires": "2031-05-01T19:30:00Z", "url": "https://vigie.example/cap/b1.xml", "lang": "en",
		"area": map[string]any{"circles": []string{"48.8674,2.3636 1"}}})
	wait("the second alert is shown", `document.querySelectorAll("#live-list li").length === 2`)
	got := subEval[[]string](t, c, `[...document.querySelectorAll("#live-list li")].map(li => li.getAttribute("data-id") + "|" + li.textContent.replace(/\s+/g, " ").trim())`)
	if len(got) != 2 || !strings.HasPrefix(got[0], "b1|Attack: avoid the area") || !strings.Contains(got[0], "19:30 UTC") ||
		!strings.HasPrefix(got[1], "a1|Exercise — not a real alert") || !strings.Contains(got[1], "Go inside.") {
		t.Errorf("live list (newest first, exercise labelled): %q", got)
	}
	if n := subEval[int](t, c, `document.querySelectorAll('#live-list li[data-id="a1"] .badge.al-status-Exercise').length`); n != 1 {
		t.Error("the exercise has no exercise badge")
	}
	fake.send(map[string]any{"id": "a2", "identifier": "vigie-p-a2", "chain": "a1", "status": "Exercise", "msg_type": "Cancel",
		"event": "Drill", "headline": "Exercise: shelter in place", "description": "End of the drill.", "severity": "Extreme",
		"urgency": "Immediate", "expires": "2031-05-01T18:00:00Z", "lang": "en", "area": map[string]any{}})
	wait("the cancel replaces its alert", `!document.querySelector('#live-list li[data-id="a1"]') && !!document.querySelector('#live-list li[data-id="a2"]')`)
	if s := text(`#live-list li[data-id="a2"]`); !strings.Contains(s, "Cancelled") || !strings.Contains(s, "Exercise — not a real alert") {
		t.Errorf("the cancel: %q", s)
	}
	if ids := subEval[string](t, c, `[...document.querySelectorAll("#live-list li")].map(li => li.dataset.id).join(",")`); ids != "a2,b1" {
		t.Errorf("live list %s, want a2,b1", ids)
	}

	// Subscribe with the browser's own push service.
	subscribe := func(what string) {
		t.Helper()
		do(what, chromedp.Click(chromedp.CSS("#sub-subscribe")))
		wait("the subscription settles", `(() => {
			return !document.querySelector("#sub-subscribe").disabled && (!document.querySelector("#sub-error").hidden || document.querySelector("#sub-status").classList.contains("ok"));
		})()`)
	}
	// Headless Chromium's push service never answers (it is on the
	// internet): the page gives up after data-push-timeout milliseconds,
	// shortened here from 30 s.
	do("shorten the push service's time to answer", chromedp.Evaluate[chromedp.Void](`document.querySelector("#subscribe-app").setAttribute("data-push-timeout", "3000")`))
	subscribe("press Subscribe")
	stubbed := false
	if msg := text("#sub-error"); msg != "" {
		// No push service. The page says so, in words.
		if !strings.HasPrefix(msg, "Your browser could not subscribe with its push service (") && !strings.HasPrefix(msg, "Your browser's push service does not answer.") {
			t.Fatalf("Subscribe failed otherwise than for the push service: %q", msg)
		}
		t.Logf("headless Chromium cannot subscribe (%s): going on with a stand-in PushManager.subscribe", msg)
		if _, err := chromedp.Call(c, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: stubPushManager, RunImmediately: subPtr(true)}); err != nil {
			t.Fatalf("install the stand-in: %v", err)
		}
		stubbed = true
		subscribe("press Subscribe again")
		if msg := text("#sub-error"); msg != "" {
			t.Fatalf("Subscribe with the stand-in: %q", msg)
		}
	}
	if s := text("#sub-status"); !strings.HasPrefix(s, "Subscribed. Alerts for your cells will appear as notifications") {
		t.Errorf("status after subscribing: %q", s)
	}
	fake.mu.Lock()
	posts := slices.Clone(fake.posts)
	fake.mu.Unlock()
	if len(posts) != 1 {
		t.Fatalf("the fake received %d subscriptions, want 1", len(posts))
	}
	p := posts[0]
	p256dh, err1 := base64.RawURLEncoding.DecodeString(p.Subscription.Keys.P256dh)
	auth, err2 := base64.RawURLEncoding.DecodeString(p.Subscription.Keys.Auth)
	if !strings.HasPrefix(p.Subscription.Endpoint, "https://") || err1 != nil || len(p256dh) != 65 || p256dh[0] != 4 || err2 != nil || len(auth) != 16 {
		t.Errorf("subscription received: endpoint %q, p256dh %q, auth %q", p.Subscription.Endpoint, p.Subscription.Keys.P256dh, p.Subscription.Keys.Auth)
	}
	if _, err := ecdh.P256().NewPublicKey(p256dh); err != nil {
		t.Errorf("p256dh is not a P-256 point: %v", err)
	}
	if !slices.Equal(p.Cells, []string{cell}) || p.Lang != "en" {
		t.Errorf("cells %q and lang %q received, want [%s] and en", p.Cells, p.Lang, cell)
	}
	if stubbed {
		call := subEval[[]any](t, c, `[window.__push.calls.length, window.__push.calls[0].userVisibleOnly, window.__push.calls[0].key]`)
		if fmt.Sprint(call) != fmt.Sprintf("[1 true %s]", base64.RawURLEncoding.EncodeToString(fake.vapid)) {
			t.Errorf("PushManager.subscribe called with [calls, userVisibleOnly, applicationServerKey] = %v, want once, true and the VAPID key", call)
		}
	}
	scope := subEval[string](t, c, `navigator.serviceWorker.getRegistration().then(r => r && r.active ? r.scope + " " + r.active.scriptURL : "none")`, chromedp.EvalAwaitPromise)
	if scope != srv.URL+"/ "+srv.URL+"/sw.js" {
		t.Errorf("service worker: %q, want scope %s/ and script /sw.js", scope, srv.URL)
	}
	stored := subEval[map[string]any](t, c, `JSON.parse(localStorage.getItem("vigie.subscription"))`)
	if fmt.Sprint(stored["id"]) != "42" || stored["token"] == "" || fmt.Sprint(stored["cells"]) != "["+cell+"]" || stored["lang"] != "en" {
		t.Errorf("localStorage: %v", stored)
	}
	worker := subEval[map[string]any](t, c, subIDB("subscription"), chromedp.EvalAwaitPromise)
	if fmt.Sprint(worker["cells"]) != "["+cell+"]" || fmt.Sprint(worker["id"]) != "42" || worker["token"] != stored["token"] {
		t.Errorf("IndexedDB (the worker's copy): %v", worker)
	}
	subShot(t, c, "subscribe-en.png")
	if !subEval[bool](t, c, `document.querySelector("#sub-unsubscribe").offsetParent !== null && document.querySelector("#sub-subscribe").textContent === "Update my subscription"`) {
		t.Error("after subscribing: Unsubscribe should show and Subscribe become Update")
	}

	// The service worker receives push messages (delivered through CDP,
	// as the browser's push service would) and checks their area.
	if _, err := chromedp.Call(c, serviceworker.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("ServiceWorker.enable: %v", err)
	}
	var reg serviceworker.RegistrationID
	for reg == "" {
		mu.Lock()
		reg = regs[srv.URL+"/"]
		mu.Unlock()
		if ctx.Err() != nil {
			t.Fatal("no service worker registration reported")
		}
		time.Sleep(20 * time.Millisecond)
	}
	r := mustRect(t, cell)
	midLat, midLon := (r.MinLat+r.MaxLat)/2, (r.MinLon+r.MaxLon)/2
	inside := fmt.Sprintf("%.4f,%.4f %.4f,%.4f %.4f,%.4f %.4f,%.4f", midLat-0.005, midLon-0.005, midLat+0.005, midLon-0.005, midLat, midLon+0.005, midLat-0.005, midLon-0.005)
	deliver := func(m map[string]any) {
		t.Helper()
		b, _ := json.Marshal(m)
		if _, err := chromedp.Call(c, serviceworker.DeliverPushMessage, serviceworker.DeliverPushMessageParams{Origin: srv.URL, RegistrationID: reg, Data: string(b)}); err != nil {
			t.Fatalf("deliver %s: %v", m["id"], err)
		}
	}
	notes := func() map[string]string {
		t.Helper()
		var list []struct {
			Tag, Title, Body, Lang string
			RequireInteraction     bool
		}
		raw := subEval[string](t, c, `navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns => JSON.stringify(ns.map(n => ({tag: n.tag, title: n.title, body: n.body, lang: n.lang, requireInteraction: n.requireInteraction}))))`, chromedp.EvalAwaitPromise)
		if err := json.Unmarshal([]byte(raw), &list); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, n := range list {
			out[n.Tag] = fmt.Sprintf("%s | %s | %s | %v", n.Title, n.Body, n.Lang, n.RequireInteraction)
		}
		return out
	}
	deliver(map[string]any{"id": "p1", "identifier": "vigie-p-p1", "chain": "p1", "status": "Actual", "msg_type": "Alert", "event": "Attack",
		"headline": "Shelter now", "instruction": "Go inside and lock the doors.", "area_desc": "Paris 11e", "severity": "Extreme",
		"urgency": "Immediate", "expires": "2031-05-01T18:00:00Z", "url": srv.URL + "/subscribe#p1", "lang": "en",
		"area": map[string]any{"polygons": []string{inside}}})
	deliver(map[string]any{"id": "p2", "chain": "p2", "status": "Actual", "msg_type": "Alert", "event": "Attack", "headline": "Far away",
		"severity": "Extreme", "urgency": "Immediate", "lang": "en",
		"area": map[string]any{"polygons": []string{"43.29,5.36 43.31,5.36 43.31,5.39 43.29,5.36"}, "circles": []string{"45.76,4.83 5"}}})
	deliver(map[string]any{"id": "p3", "chain": "p3", "status": "Exercise", "msg_type": "Alert", "event": "Exercice",
		"headline": "Exercice : confinement", "instruction": "Restez à l'intérieur.", "severity": "Severe", "urgency": "Expected",
		"lang": "fr-FR", "area": map[string]any{"circles": []string{fmt.Sprintf("%.4f,%.4f 2", midLat+0.03, midLon)}}})
	// The worker notes the chains it shows in IndexedDB, after showing
	// them: wait for that rather than poll getNotifications, which would
	// race with the worker's showNotification (Chromium then misses the
	// notification being shown).
	wait("the alerts of the chosen cell are shown", `(`+subIDB("shown")+`).then(s => !!(s && s.p1 && s.p3))`)
	n := notes()
	if n["p1"] != "Shelter now | Go inside and lock the doors.\nParis 11e | en | true" {
		t.Errorf("notification p1: %q", n["p1"])
	}
	if n["p3"] != "EXERCICE — Exercice : confinement | EXERCICE — Restez à l'intérieur. | fr-FR | false" {
		t.Errorf("notification p3 (an exercise, in French): %q", n["p3"])
	}
	if _, ok := n["p2"]; ok {
		t.Errorf("an alert outside the cell was shown: %q", n["p2"])
	}
	// A Cancel replaces its alert, also when its area misses the cell.
	deliver(map[string]any{"id": "p4", "chain": "p1", "status": "Actual", "msg_type": "Cancel", "event": "Attack", "headline": "Shelter now",
		"description": "Issued in error.", "severity": "Extreme", "urgency": "Immediate", "lang": "ar",
		"area": map[string]any{"polygons": []string{"43.29,5.36 43.31,5.36 43.31,5.39 43.29,5.36"}}})
	// And an alert without an area is shown: the device cannot check it.
	deliver(map[string]any{"id": "p5", "status": "Test", "msg_type": "Alert", "event": "Test", "headline": "Test message", "lang": "en", "area": map[string]any{}})
	wait("the cancel and the alert without area are handled", `(`+subIDB("shown")+`).then(s => !!(s && s.p1 && s.p1.id === "p4" && s.p5))`)
	n = notes()
	if n["p1"] != "أُلغي — Shelter now | أُلغي هذا الإنذار.\nIssued in error. | ar | false" || len(n) != 3 {
		t.Errorf("after the cancel: %q", n)
	}
	if !strings.HasPrefix(n["p5"], "TEST — Test message | TEST | en") {
		t.Errorf("alert without an area: %q", n["p5"])
	}

	// The worker's decision, loaded as a plain script in the page, against
	// the server's own cover of the same shapes.
	do("load sw.js in the page", chromedp.Evaluate[chromedp.Void](`new Promise((ok, ko) => { const s = document.createElement("script"); s.src = "/sw.js"; s.onload = ok; s.onerror = ko; document.head.appendChild(s); })`, chromedp.EvalAwaitPromise))
	for _, tc := range []struct {
		name    string
		area    geo.Area
		polygon string
		circle  string
	}{
		{name: "quadrilateral", polygon: "48.8400,2.3000 48.8800,2.3300 48.8600,2.4000 48.8200,2.3700 48.8400,2.3000"},
		{name: "concave", polygon: "48.8000,2.2000 48.9000,2.2000 48.9000,2.2500 48.8300,2.2500 48.8300,2.4000 48.8000,2.4000 48.8000,2.2000"},
		{name: "thin strip", polygon: "48.8000,2.3510 48.9000,2.3510 48.9000,2.3530 48.8000,2.3530 48.8000,2.3510"},
		{name: "circle", circle: "48.8566,2.3522 3"},
		{name: "small circle", circle: "48.8566,2.3522 0.2"},
	} {
		var a geo.Area
		var msgArea map[string][]string
		if tc.polygon != "" {
			pg, err := geo.ParsePolygon(tc.polygon)
			if err != nil {
				t.Fatal(err)
			}
			a.Polygons = append(a.Polygons, pg)
			msgArea = map[string][]string{"polygons": {tc.polygon}}
		} else {
			ci, err := geo.ParseCircle(tc.circle)
			if err != nil {
				t.Fatal(err)
			}
			a.Circles = append(a.Circles, ci)
			msgArea = map[string][]string{"circles": {tc.circle}}
		}
		cover, err := geo.Cover(a, 5)
		if err != nil {
			t.Fatal(err)
		}
		candidates := subNeighbourhood(t, cover, 2)
		areaJSON, _ := json.Marshal(msgArea)
		cellsJSON, _ := json.Marshal(candidates)
		shown := subEval[[]bool](t, c, fmt.Sprintf(`%s.map(c => self.vigiePush.decide({area: %s}, [c]))`, cellsJSON, areaJSON))
		in, out := 0, 0
		for i, cand := range candidates {
			want := slices.Contains(cover, cand)
			if shown[i] != want {
				t.Errorf("%s: cell %s shown=%v, the server's cover says %v", tc.name, cand, shown[i], want)
			}
			if want {
				in++
			} else {
				out++
			}
		}
		if in == 0 || out == 0 {
			t.Errorf("%s: %d cells in and %d out: the check proves nothing", tc.name, in, out)
		}
	}
	for _, tc := range []struct {
		what, expr string
		want       bool
	}{
		{"no cell stored", `self.vigiePush.decide({area: {polygons: ["43.29,5.36 43.31,5.36 43.31,5.39 43.29,5.36"]}}, [])`, true},
		{"no area", `self.vigiePush.decide({area: {}}, ["u09tv"])`, true},
		{"an unreadable polygon", `self.vigiePush.decide({area: {polygons: ["48.85,2.35 nonsense"]}}, ["u09tv"])`, true},
		{"one shape far, one shape in", `self.vigiePush.decide({area: {polygons: ["43.29,5.36 43.31,5.36 43.31,5.39 43.29,5.36"], circles: ["48.8450,2.3510 0.5"]}}, ["ezs42", "u09tv"])`, true},
		{"far from every cell", `self.vigiePush.decide({area: {polygons: ["43.29,5.36 43.31,5.36 43.31,5.39 43.29,5.36"]}}, ["u09tv", "u09tw"])`, false},
		{"a cell inside a large polygon", `self.vigiePush.decide({area: {polygons: ["48.0,1.0 49.5,1.0 49.5,3.5 48.0,3.5 48.0,1.0"]}}, ["u09tv"])`, true},
	} {
		if got := subEval[bool](t, c, tc.expr); got != tc.want {
			t.Errorf("decide, %s: %v, want %v", tc.what, got, tc.want)
		}
	}

	// A reload keeps the state: the cell pre-selected, subscribed.
	do("reload", chromedp.Reload())
	wait("the map is ready again", `(() => { const el = document.querySelector("#cells-map"); return !!(el && el.vigieMap && el.querySelector(".leaflet-tile-loaded")); })()`)
	if v := subEval[string](t, c, `document.querySelector("#cells").value + " " + document.querySelectorAll("#cells-map path.vigie-map-cell-selected").length`); v != cell+" 1" {
		t.Errorf("after a reload, cells %q, want %s pre-selected and drawn", v, cell)
	}
	if s := text("#sub-status"); s != "This browser is subscribed to the alerts of these map cells: "+cell+"." {
		t.Errorf("status after a reload: %q", s)
	}
	if !subEval[bool](t, c, `document.querySelector("#subscribe-app").dataset.state === "subscribed"`) {
		t.Error("after a reload the page does not know it is subscribed")
	}

	// Another cell, refused by the server: the error names the field.
	wait("the map shows cells", `document.querySelector("#cells-map").vigieMap.map.getZoom() >= 9`)
	x, y = subCanvasPoint(t, c, 0.15, 0.2)
	ll = subEval[[]float64](t, c, fmt.Sprintf(`(() => { const ll = document.querySelector("#cells-map").vigieMap.map.mouseEventToLatLng({clientX: %v, clientY: %v}); return [ll.lat, ll.lng]; })()`, x, y))
	other := geo.Encode(geo.Point{Lat: ll[0], Lon: ll[1]}, 5)
	if other == cell {
		t.Fatal("the second click hits the same cell")
	}
	do("click another cell", chromedp.MouseClickXY(x, y))
	wait("two cells are chosen", `document.querySelector("#cells").value.split(",").length === 2`)
	if s := text("#sub-status"); !strings.HasPrefix(s, "Your choice differs from your subscription") {
		t.Errorf("status with another cell: %q", s)
	}
	fake.mu.Lock()
	fake.reject = true
	fake.mu.Unlock()
	subscribe("press Update, refused")
	first := min(cell, other)
	if s := text("#sub-error"); s != "The server refused the subscription:Map cells ("+first+"): must be a geohash of 4 to 6 characters" {
		t.Errorf("error for a 422: %q", s)
	}
	if id := subEval[string](t, c, `String(JSON.parse(localStorage.getItem("vigie.subscription")).id)`); id != "42" {
		t.Errorf("a refused update changed the stored subscription: id %s", id)
	}
	subscribe("press Update again")
	if s := text("#sub-error"); s != "" {
		t.Fatalf("update: %q", s)
	}
	fake.mu.Lock()
	posts = slices.Clone(fake.posts)
	dels := slices.Clone(fake.dels)
	fake.mu.Unlock()
	want := []string{cell, other}
	slices.Sort(want)
	if len(posts) != 3 || !slices.Equal(posts[2].Cells, want) {
		t.Fatalf("the update sent %d subscriptions, the last with %q; want 3, the last with %q", len(posts), posts[len(posts)-1].Cells, want)
	}
	// The new subscription replaces the old one, which the page deletes.
	if len(dels) != 1 || dels[0].ID != 42 || dels[0].Status != http.StatusNoContent {
		t.Errorf("deletes after the update: %+v, want the old id 42", dels)
	}
	worker = subEval[map[string]any](t, c, subIDB("subscription"), chromedp.EvalAwaitPromise)
	if fmt.Sprint(worker["cells"]) != fmt.Sprint(want) || fmt.Sprint(worker["id"]) != "43" {
		t.Errorf("IndexedDB after the update: %v", worker)
	}

	// Unsubscribe.
	do("press Unsubscribe", chromedp.Click(chromedp.CSS("#sub-unsubscribe")))
	wait("unsubscribed", `document.querySelector("#subscribe-app").dataset.state === "unsubscribed" && document.querySelector("#sub-status").classList.contains("ok")`)
	if s := text("#sub-status"); s != "Unsubscribed: this browser will receive no more alerts." {
		t.Errorf("status after unsubscribing: %q", s)
	}
	fake.mu.Lock()
	dels = slices.Clone(fake.dels)
	left := len(fake.subs)
	fake.mu.Unlock()
	if len(dels) != 2 || dels[1].ID != 43 || dels[1].Status != http.StatusNoContent || left != 0 {
		t.Errorf("deletes: %+v, %d subscriptions left on the server", dels, left)
	}
	if v := subEval[string](t, c, `localStorage.getItem("vigie.subscription")`); strings.Contains(v, "token") || !strings.Contains(v, first) {
		t.Errorf("localStorage after unsubscribing: %s (the cells stay, the secret goes)", v)
	}
	if v := subEval[string](t, c, `(`+subIDB("subscription")+`).then(v => JSON.stringify(v === undefined ? null : v))`, chromedp.EvalAwaitPromise); v != "null" {
		t.Errorf("IndexedDB after unsubscribing: %s", v)
	}
	if stubbed && subEval[int](t, c, `window.__push.unsubscribed`) != 1 {
		t.Error("the browser's push subscription was not ended")
	}
	if !subEval[bool](t, c, `document.querySelector("#sub-unsubscribe").offsetParent === null && document.querySelector("#sub-subscribe").textContent === "Subscribe"`) {
		t.Error("after unsubscribing: Unsubscribe should hide and the button say Subscribe")
	}

	// In Arabic, right to left, the live panel labels exercises in Arabic.
	do("switch to Arabic", chromedp.Navigate(srv.URL+"/lang?l=ar&next=/subscribe"))
	wait("the Arabic page is ready", `document.documentElement.dir === "rtl" && document.querySelector("#live-status").textContent === "متصل. لا يوجد إنذار لهذه المربعات حاليًا."`)
	if v := subEval[string](t, c, `document.querySelector("#alert-lang").value`); v != "en" {
		t.Errorf("alert language %q, want the one kept in this browser (en)", v)
	}
	do("choose Arabic alerts", chromedp.SetValue(chromedp.CSS("#alert-lang"), "ar"), chromedp.Evaluate[chromedp.Void](`document.querySelector("#alert-lang").dispatchEvent(new Event("change"))`))
	waitFake("the stream asks for Arabic alerts", func() bool {
		return len(fake.live) > 0 && strings.HasSuffix(fake.live[len(fake.live)-1], "&lang=ar")
	})
	wait("the new stream is open", `document.querySelector("#live-status").textContent === "متصل. لا يوجد إنذار لهذه المربعات حاليًا."`)
	fake.send(map[string]any{"id": "c1", "chain": "c1", "status": "Exercise", "msg_type": "Alert", "event": "تمرين", "headline": "تمرين: ابقوا في الداخل",
		"severity": "Severe", "urgency": "Immediate", "expires": "2031-05-01T18:00:00Z", "lang": "ar", "area": map[string]any{}})
	wait("the Arabic exercise is shown", `!!document.querySelector('#live-list li[data-id="c1"]')`)
	if s := text(`#live-list li[data-id="c1"] .badge`); s != "تمرين — ليس إنذارًا حقيقيًا" {
		t.Errorf("Arabic exercise badge: %q", s)
	}

	subShot(t, c, "subscribe-ar.png")

	// A browser that cannot receive alerts from a web page (an iPhone's
	// Safari outside the home screen has no PushManager), and a person who
	// blocked notifications: each is told why, and what to do.
	for _, tc := range []struct {
		name, script, permission, want string
	}{
		{"iPhone", `Object.defineProperty(Navigator.prototype, "userAgent", {get: () => "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"}); delete window.PushManager;`,
			"", "On iPhone and iPad, add this page to your home screen first"},
		{"denied", "", "denied", "Notifications are blocked for this site."},
	} {
		tc2, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
		if err := chromedp.Do(tc2); err != nil {
			t.Fatalf("%s: open a tab: %v", tc.name, err)
		}
		if tc.script != "" {
			if _, err := chromedp.Call(tc2, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: tc.script}); err != nil {
				t.Fatal(err)
			}
		}
		if tc.permission != "" {
			if _, err := chromedp.CallBrowser(tc2, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
				Permission: &cdpbrowser.PermissionDescriptor{Name: "notifications"}, Setting: cdpbrowser.PermissionSetting(tc.permission),
				Origin: srv.URL, BrowserContextID: chromedp.FromContext(tc2).BrowserContextID,
			}); err != nil {
				t.Fatalf("%s: set the permission: %v", tc.name, err)
			}
		}
		if err := chromedp.Do(tc2, chromedp.Navigate(srv.URL+"/subscribe"),
			chromedp.Poll[chromedp.Void](`!!document.querySelector("#cells-map").vigieMap`, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
			t.Fatalf("%s: open /subscribe: %v", tc.name, err)
		}
		if s := strings.TrimSpace(subEval[string](t, tc2, `document.querySelector("#sub-error").textContent`)); !strings.HasPrefix(s, tc.want) {
			t.Errorf("%s: the page says %q, want %q…", tc.name, s, tc.want)
		}
		disabled := subEval[bool](t, tc2, `document.querySelector("#sub-subscribe").disabled`)
		if disabled != (tc.name == "iPhone") {
			t.Errorf("%s: Subscribe disabled = %v", tc.name, disabled)
		}
		if tc.permission == "denied" {
			if err := chromedp.Do(tc2,
				chromedp.Evaluate[chromedp.Void](`(() => { const i = document.querySelector("#cells"); i.value = "u09tv"; i.dispatchEvent(new Event("change")); })()`),
				chromedp.Click(chromedp.CSS("#sub-subscribe")),
				chromedp.Poll[chromedp.Void](`!document.querySelector("#sub-subscribe").disabled`, chromedp.WithPollingInterval(50*time.Millisecond)),
			); err != nil {
				t.Fatalf("%s: press Subscribe: %v", tc.name, err)
			}
			if s := strings.TrimSpace(subEval[string](t, tc2, `document.querySelector("#sub-error").textContent`)); !strings.HasPrefix(s, tc.want) {
				t.Errorf("%s: after pressing Subscribe the page says %q", tc.name, s)
			}
			fake.mu.Lock()
			n := len(fake.posts)
			fake.mu.Unlock()
			if n != 3 {
				t.Errorf("%s: the server received a subscription", tc.name)
			}
		}
		cancel()
	}

	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
}

// subShot keeps a screenshot of the page when VIGIE_SCREENSHOT_DIR names
// a folder.
func subShot(t *testing.T, c context.Context, name string) {
	t.Helper()
	dir := os.Getenv("VIGIE_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	shot, err := chromedp.Run(c, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}

// stubPushManager stands in for the browser's push service in headless
// Chromium: PushManager.subscribe returns a subscription of the real shape
// (an https endpoint, a fresh P-256 public key, a 16-byte auth secret) and
// records how it was called.
const stubPushManager = `(() => {
	if (window.__push) return;
	const b64 = u => btoa(String.fromCharCode(...u)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
	window.__push = {calls: [], unsubscribed: 0};
	let current = null;
	PushManager.prototype.subscribe = async function (opts) {
		const key = new Uint8Array(opts.applicationServerKey);
		window.__push.calls.push({userVisibleOnly: opts.userVisibleOnly, key: b64(key)});
		const pair = await crypto.subtle.generateKey({name: "ECDH", namedCurve: "P-256"}, true, ["deriveBits"]);
		const p256dh = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
		const auth = crypto.getRandomValues(new Uint8Array(16));
		const endpoint = "https://push.example/send/" + b64(crypto.getRandomValues(new Uint8Array(12)));
		current = {
			endpoint, expirationTime: null,
			options: {userVisibleOnly: opts.userVisibleOnly, applicationServerKey: key.buffer},
			getKey: name => (name === "p256dh" ? p256dh : auth).buffer,
			toJSON: () => ({endpoint, expirationTime: null, keys: {p256dh: b64(p256dh), auth: b64(auth)}}),
			unsubscribe: async () => { window.__push.unsubscribed++; current = null; return true; },
		};
		return current;
	};
	PushManager.prototype.getSubscription = async function () { return current; };
})()`

// subIDB is a script that reads a record of the IndexedDB shared by the
// page and the service worker: "subscription" (the worker's copy of the
// subscription) or "shown" (the alert chains the worker has shown).
func subIDB(key string) string {
	return fmt.Sprintf(`new Promise((ok, ko) => {
	const open = indexedDB.open("vigie-push", 1);
	open.onupgradeneeded = () => open.result.createObjectStore("kv");
	open.onerror = () => ko(open.error);
	open.onsuccess = () => {
		const req = open.result.transaction("kv").objectStore("kv").get(%q);
		req.onsuccess = () => { open.result.close(); ok(req.result); };
		req.onerror = () => ko(req.error);
	};
})`, key)
}

func subEval[T any](t *testing.T, c context.Context, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// subCanvasPoint is the viewport point at fractions of the cells map.
func subCanvasPoint(t *testing.T, c context.Context, fx, fy float64) (x, y float64) {
	t.Helper()
	p := subEval[[]float64](t, c, fmt.Sprintf(`(() => {
		const cv = document.querySelector("#cells-map").vigieMap.canvas;
		cv.scrollIntoView({block: "center"});
		const r = cv.getBoundingClientRect();
		return [r.left + %v * r.width, r.top + %v * r.height];
	})()`, fx, fy))
	return math.Round(p[0]), math.Round(p[1])
}

func mustRect(t *testing.T, cell string) geo.Rect {
	t.Helper()
	r, err := geo.Decode(cell)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// subNeighbourhood returns the cells of the cover's bounding box grown by
// n cells on every side.
func subNeighbourhood(t *testing.T, cover []string, n int) []string {
	t.Helper()
	if len(cover) == 0 {
		t.Fatal("empty cover")
	}
	box := mustRect(t, cover[0])
	for _, c := range cover[1:] {
		r := mustRect(t, c)
		box.MinLat, box.MinLon = min(box.MinLat, r.MinLat), min(box.MinLon, r.MinLon)
		box.MaxLat, box.MaxLon = max(box.MaxLat, r.MaxLat), max(box.MaxLon, r.MaxLon)
	}
	size := mustRect(t, cover[0])
	dLat, dLon := size.MaxLat-size.MinLat, size.MaxLon-size.MinLon
	seen := map[string]bool{}
	var out []string
	for lat := box.MinLat - (float64(n)-0.5)*dLat; lat < box.MaxLat+float64(n)*dLat; lat += dLat {
		for lon := box.MinLon - (float64(n)-0.5)*dLon; lon < box.MaxLon+float64(n)*dLon; lon += dLon {
			if c := geo.Encode(geo.Point{Lat: lat, Lon: lon}, 5); !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// subGrantParams are the parameters of Browser.grantPermissions.
type subGrantParams struct {
	Permissions []string `json:"permissions"`
	Origin      string   `json:"origin,omitempty"`
}

func subPtr[T any](v T) *T { return &v }
