package webui_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/cap"
	"github.com/vigie-project/vigie/internal/testenv"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/referral"
	"github.com/vigie-project/vigie/webui"
)

// alertEnv is the UI with the alert service on the real store: the
// authority has two people (the author and a colleague who approves), a
// second authority has one, and two platforms receive every alert.
type alertEnv struct {
	*env
	alerts     *alert.Service
	dlv        *fakeDeliveries
	approver   string // a second person of e.auth
	other      *org.Org
	otherUser  string
	subscribed int // the audience every area has
}

// The alert service is what the UI's Alerts asks for.
var _ webui.Alerts = (*alert.Service)(nil)

// everyPlatform sends every alert to every platform organisation.
type everyPlatform struct{ orgs *org.Service }

func (p everyPlatform) PlatformsFor(ctx context.Context, _ alert.Area) ([]string, error) {
	os, err := p.orgs.Orgs(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, o := range os {
		if o.Kind == org.KindPlatform {
			ids = append(ids, o.ID)
		}
	}
	return ids, nil
}

// audience counts the same subscribers in every area.
type audience int

func (a audience) CountIn(context.Context, alert.Area) (int, error) { return int(a), nil }

// fakeDeliveries reports made-up deliveries of a published alert: the
// platforms' webhooks all delivered, the browsers' Web Push still under
// way while Pending is set.
type fakeDeliveries struct {
	alerts  *alert.Service
	mu      sync.Mutex
	done    bool
	missing bool // no report yet: ENotFound
}

func (f *fakeDeliveries) setMissing(m bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.missing = m
}

func (f *fakeDeliveries) finish() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.done = true
}

func (f *fakeDeliveries) DeliveryReport(ctx context.Context, p org.Principal, id string) (*alert.DeliveryReport, error) {
	a, err := f.alerts.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.missing {
		return nil, vigie.Errorf(vigie.ENotFound, "no deliveries recorded")
	}
	pub := *a.PublishedAt
	push := alert.ChannelStats{Channel: alert.ChannelWebPush, Targets: 1000, Sent: 1000, Delivered: 950, Failed: 10, Pending: 40,
		P50: 1200 * time.Millisecond, P90: 3400 * time.Millisecond, P99: 7900 * time.Millisecond,
		Curve: []alert.CurvePoint{{After: 800 * time.Millisecond, Delivered: 300}, {After: 1200 * time.Millisecond, Delivered: 500},
			{After: 3400 * time.Millisecond, Delivered: 900}, {After: 7900 * time.Millisecond, Delivered: 950}}}
	if f.done {
		push.Delivered, push.Pending = 990, 0
		push.Curve = append(push.Curve, alert.CurvePoint{After: 9 * time.Second, Delivered: 990})
	}
	return &alert.DeliveryReport{AlertID: a.ID, PublishedAt: a.PublishedAt,
		Hops: append(a.Timeline(), alert.Hop{Name: "queued", At: pub.Add(40 * time.Millisecond)}, alert.Hop{Name: "webhook.first", At: pub.Add(120 * time.Millisecond)}),
		Channels: []alert.ChannelStats{
			{Channel: alert.ChannelWebhook, Targets: 2, Sent: 2, Delivered: 2, P50: 120 * time.Millisecond, P90: 310 * time.Millisecond,
				P99: 310 * time.Millisecond, Curve: []alert.CurvePoint{{After: 120 * time.Millisecond, Delivered: 1}, {After: 310 * time.Millisecond, Delivered: 2}}},
			push,
		}}, nil
}

// newAlertEnv builds the UI; without deliveries, Config.AlertDeliveries
// is nil. A stub tile server answers /tiles/ for the browser test.
func newAlertEnv(t *testing.T, deliveries bool) *alertEnv {
	t.Helper()
	ctx := context.Background()
	db := testenv.DB(t, time.Now)
	e := &alertEnv{env: &env{t: t, db: db}, subscribed: 1234}
	e.orgs = org.NewService(db, time.Now, testenv.NewID)
	e.refs = referral.NewService(db, e.orgs, referral.DefaultPolicy(), time.Now, testenv.NewID)
	e.alerts = alert.NewService(db, everyPlatform{e.orgs}, alert.DefaultPolicy(), time.Now, testenv.NewID).WithAudience(audience(e.subscribed))
	c := webui.Config{Orgs: e.orgs, Referrals: e.refs, Audit: db, Alerts: e.alerts, Log: slog.New(slog.DiscardHandler), Now: time.Now}
	if deliveries {
		e.dlv = &fakeDeliveries{alerts: e.alerts}
		c.AlertDeliveries = e.dlv
	}
	mux := http.NewServeMux()
	webui.New(mux, c)
	tile := stubTile(t)
	mux.HandleFunc("GET /tiles/{z}/{x}/{y}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(tile)
	})
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)

	mk := func(name string, kind org.Kind, email string) *org.Org {
		o, err := e.orgs.CreateOrg(ctx, name, kind, "FR")
		if err != nil {
			t.Fatalf("create org %s: %v", name, err)
		}
		if _, err := e.orgs.CreateUser(ctx, o.ID, email, name+" user", password); err != nil {
			t.Fatalf("create user %s: %v", email, err)
		}
		return o
	}
	e.authUser, e.approver, e.platAUser, e.otherUser = "author@prefecture.example", "duty@prefecture.example", "tns@alpha.example", "cell@other.example"
	e.auth = mk("Préfecture de police", org.KindAuthority, e.authUser)
	if _, err := e.orgs.CreateUser(ctx, e.auth.ID, e.approver, "Duty officer", password); err != nil {
		t.Fatal(err)
	}
	e.platA = mk("Alpha Video", org.KindPlatform, e.platAUser)
	e.platB = mk("Beta Social", org.KindPlatform, "tns@beta.example")
	e.other = mk("Préfecture du Rhône", org.KindAuthority, e.otherUser)
	return e
}

func stubTile(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for y := range 256 {
		for x := range 256 {
			c := color.RGBA{0xee, 0xf0, 0xf2, 0xff}
			if x == 0 || y == 0 {
				c = color.RGBA{0xc8, 0xcc, 0xd2, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// alertValues is a complete, valid alert form: the Shelter texts in
// French, English and Arabic, a circle in Paris, two hours of validity.
func alertValues(csrfToken, status string) url.Values {
	v := url.Values{"csrf": {csrfToken}, "status": {status}, "categories": {"Security"}, "response_types": {"Shelter"},
		"urgency": {"Immediate"}, "severity": {"Extreme"}, "certainty": {"Observed"},
		"expires":      {time.Now().UTC().Add(2 * time.Hour).Format("2006-01-02T15:04")},
		"area_circles": {"48.8566,2.3522 1.5"}, "idem": {fmt.Sprint(time.Now().UnixNano())},
		"lang": {"fr", "en", "ar"}}
	areas := map[string]string{"fr": "Paris, 11e arrondissement", "en": "Paris, 11th arrondissement", "ar": "باريس، الدائرة الحادية عشرة"}
	for _, x := range alert.Shelter.Texts {
		v.Set("event_"+x.Language, x.Event)
		v.Set("headline_"+x.Language, x.Headline)
		v.Set("instruction_"+x.Language, x.Instruction)
		v.Set("area_desc_"+x.Language, areas[x.Language])
	}
	return v
}

var alertPath = regexp.MustCompile(`^/alerts/([0-9a-f-]{36})\?done=([a-z]+)$`)

// submitAlert posts the form to path and returns the new alert's id and
// the confirmation key of the redirect.
func submitAlert(t *testing.T, b *browser, path string, form url.Values) (string, string) {
	t.Helper()
	p := b.post(path, form)
	wantStatus(t, p, http.StatusSeeOther)
	m := alertPath.FindStringSubmatch(p.Header.Get("Location"))
	if m == nil {
		t.Fatalf("POST %s: redirect to %q, want /alerts/ID?done=…", path, p.Header.Get("Location"))
	}
	return m[1], m[2]
}

func wantLacks(t *testing.T, p page, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(p.Body, s) {
			t.Errorf("%s %s: body has %q", p.Request.Method, p.Request.URL, s)
		}
	}
}

// The two-person rule, through the pages: the author submits an actual
// alert, which waits; the author is shown no Approve button and the service
// refuses the author anyway; a colleague sees the reach and the warnings
// above the buttons and approves; the alert is out.
func TestAlertTwoPersonApproval(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, true)
	author, tok := e.signedIn(e.authUser)

	// A copy left untranslated: a warning for the approver, not an error.
	form := alertValues(tok, "Actual")
	form.Set("description_fr", "Des coups de feu ont été signalés boulevard Voltaire.")
	form.Set("description_en", "Des coups de feu ont été signalés boulevard Voltaire.")
	form.Set("description_ar", "أُبلغ عن إطلاق نار في شارع فولتير.")
	id, done := submitAlert(t, author, "/alerts", form)
	if done != "alertpending" {
		t.Errorf("confirmation %q, want alertpending", done)
	}

	p := author.get("/alerts/" + id + "?done=" + done)
	wantStatus(t, p, http.StatusOK)
	wantContains(t, p, "It goes out when another person of your authority approves it.", `data-state="pending_approval"`,
		"You wrote this alert: another person of Préfecture de police must approve it", `id="reject"`, "Withdraw…")
	wantLacks(t, p, `id="approve"`, `action="/alerts/`+id+`/approve"`, "data-exercise-banner")

	list := author.get("/alerts")
	wantStatus(t, list, http.StatusOK)
	pending := list.Body[strings.Index(list.Body, `id="pending-h"`):strings.Index(list.Body, `id="live-h"`)]
	if !strings.Contains(pending, `data-id="`+id+`"`) || !strings.Contains(pending, "Another person of Préfecture de police (not you)") {
		t.Errorf("the pending section does not list the alert with who must approve it:\n%s", pending)
	}
	if !strings.Contains(pending, "Attack in progress: take shelter now") {
		t.Errorf("the list does not show the English headline to an English reader:\n%s", pending)
	}

	// The service enforces the rule whatever the page shows.
	p = author.post("/alerts/"+id+"/approve", url.Values{"csrf": {tok}})
	wantStatus(t, p, http.StatusForbidden)
	wantContains(t, p, "Two-person rule: the author cannot approve their own alert; ask a colleague.", `id="action-error"`)
	if a, _ := e.alerts.Get(t.Context(), org.Principal{OrgID: e.auth.ID, Kind: org.KindAuthority}, id); a.State != alert.StatePending {
		t.Fatalf("state after the author's approval: %s", a.State)
	}

	// The colleague sees the reach and the warnings right above the buttons.
	colleague, ctok := e.signedIn(e.approver)
	p = colleague.get("/alerts/" + id)
	wantStatus(t, p, http.StatusOK)
	wantContains(t, p, `id="approve"`, "A colleague of Préfecture de police wrote this alert.", `data-platforms="2"`, "Alpha Video, Beta Social",
		`data-people="1234"`, "1,234", "Same text as the Description (French): it looks untranslated.")
	approval := p.Body[strings.Index(p.Body, `id="approval"`):strings.Index(p.Body, `id="approve"`)]
	for _, want := range []string{"data-reach", "data-warnings"} {
		if !strings.Contains(approval, want) {
			t.Errorf("the approval section lacks %s above the Approve button:\n%s", want, approval)
		}
	}
	p = colleague.post("/alerts/"+id+"/approve", url.Values{"csrf": {ctok}})
	wantStatus(t, p, http.StatusSeeOther)
	if loc := p.Header.Get("Location"); loc != "/alerts/"+id+"?done=alertapproved" {
		t.Errorf("after approval: redirect to %q", loc)
	}
	p = colleague.get("/alerts/" + id + "?done=alertapproved")
	wantContains(t, p, "Approved and published.", `data-state="published"`, "This alert is in force", `id="all-clear"`,
		`id="deliveries"`, "Submitted for approval", "Approved", "Queued for delivery")
	wantLacks(t, p, `id="approve"`)

	// The other authority does not see it; a platform cannot open the pages.
	other, _ := e.signedIn(e.otherUser)
	wantStatus(t, other.get("/alerts/"+id), http.StatusNotFound)
	wantLacks(t, other.get("/alerts"), id)
	plat, ptok := e.signedIn(e.platAUser)
	for _, path := range []string{"/alerts", "/alerts/new", "/alerts/" + id} {
		p := plat.get(path)
		wantStatus(t, p, http.StatusForbidden)
		wantContains(t, p, "This page is for authorities.")
	}
	wantStatus(t, plat.post("/alerts/"+id+"/approve", url.Values{"csrf": {ptok}}), http.StatusForbidden)
}

// Reject needs a reason, shown beside its field; with one the message is
// refused and never goes out.
func TestAlertReject(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, false)
	author, tok := e.signedIn(e.authUser)
	id, _ := submitAlert(t, author, "/alerts", alertValues(tok, "Actual"))
	colleague, ctok := e.signedIn(e.approver)
	p := colleague.post("/alerts/"+id+"/reject", url.Values{"csrf": {ctok}, "reason": {"  "}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantContains(t, p, `id="reason-error">This is required.`, "<details open")
	p = colleague.post("/alerts/"+id+"/reject", url.Values{"csrf": {ctok}, "reason": {"Wrong district: it is the 12th."}})
	wantStatus(t, p, http.StatusSeeOther)
	p = colleague.get("/alerts/" + id + "?done=alertrejected")
	wantContains(t, p, "Rejected: this message will not go out.", `data-state="rejected"`, "Wrong district: it is the 12th.")
	wantLacks(t, p, `id="approve"`, `id="all-clear"`)

	// What never went out cannot be updated or cancelled.
	for _, path := range []string{"/alerts/" + id + "/update", "/alerts/" + id + "/cancel"} {
		p := colleague.get(path)
		wantStatus(t, p, http.StatusConflict)
		wantContains(t, p, "Not in force: there is nothing to update or cancel.", `data-state="rejected"`)
	}
	wantStatus(t, colleague.post("/alerts/"+id+"/all-clear", url.Values{"csrf": {ctok}}), http.StatusConflict)
}

// Every POST needs the session's CSRF token.
func TestAlertCSRF(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, false)
	author, tok := e.signedIn(e.authUser)
	id, _ := submitAlert(t, author, "/alerts", alertValues(tok, "Actual"))
	colleague, _ := e.signedIn(e.approver)
	for _, path := range []string{"/alerts", "/alerts/preview", "/alerts/prefill", "/alerts/" + id + "/approve", "/alerts/" + id + "/reject",
		"/alerts/" + id + "/cancel", "/alerts/" + id + "/all-clear", "/alerts/" + id + "/update"} {
		for _, token := range []string{"", "forged-token"} {
			form := alertValues(token, "Actual")
			form.Set("reason", "r")
			p := colleague.post(path, form)
			wantStatus(t, p, http.StatusForbidden)
			wantContains(t, p, "Refused: this form was out of date or not sent from Vigie.")
		}
	}
	// Another site's form is refused before the token is even read.
	p := colleague.post("/alerts/"+id+"/approve", url.Values{"csrf": {tok}}, "Sec-Fetch-Site", "cross-site")
	wantStatus(t, p, http.StatusForbidden)
	if a, _ := e.alerts.Get(t.Context(), org.Principal{OrgID: e.auth.ID, Kind: org.KindAuthority}, id); a.State != alert.StatePending {
		t.Errorf("a refused POST changed the alert: %s", a.State)
	}
}

// The form shows each error beside the field it names, keeps what was
// typed, and sums the errors up at the top with links to the fields.
func TestAlertFormErrors(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, false)
	author, tok := e.signedIn(e.authUser)

	for _, c := range []struct {
		name  string
		edit  func(url.Values)
		field string // the id of the field whose error shows
		want  []string
	}{
		{"no status", func(v url.Values) { v.Del("status") }, "status", []string{"Choose Actual, Exercise or Test."}},
		{"Arabic headline missing", func(v url.Values) { v.Set("headline_ar", "") }, "headline_ar",
			[]string{`<a href="#headline_ar">Arabic — Headline</a>`, "This is required.", "Attack in progress: take shelter now"}},
		{"headline too long", func(v url.Values) { v.Set("headline_en", strings.Repeat("x", 140)) }, "headline_en",
			[]string{"Must be at most 139 characters."}},
		{"no area", func(v url.Values) { v.Del("area_circles") }, "area",
			[]string{"Draw a polygon or a circle on the map, or give administrative codes."}},
		{"polygon crossing itself", func(v url.Values) {
			v.Set("area_polygons", "48.86,2.33 48.86,2.37 48.85,2.33 48.85,2.37 48.86,2.33")
		}, "area", []string{"Polygon 1: Crosses itself"}},
		{"second polygon not closed", func(v url.Values) {
			v.Set("area_polygons", "48.87,2.33 48.87,2.37 48.85,2.37 48.87,2.33\r\n48.80,2.30 48.80,2.31 48.81,2.31 48.82,2.30")
		}, "area", []string{"Polygon 2:", "CAP rule"}},
		{"geocode without =", func(v url.Values) { v.Set("area_geocodes", "INSEE-DEP=75\nINSEE-DEP 92") }, "area_geocodes",
			[]string{"Line 2: write valueName=value, e.g. INSEE-DEP=75"}},
		{"expiry unreadable", func(v url.Values) { v.Set("expires", "tomorrow") }, "expires", []string{"Enter a date and time (UTC)."}},
		{"expiry past", func(v url.Values) { v.Set("expires", "2020-01-01T00:00") }, "expires", []string{"Must be in the future."}},
		{"no category", func(v url.Values) { v.Del("categories") }, "categories", []string{"Tick at least one category"}},
		{"web not a URL", func(v url.Values) { v.Set("web", "javascript:alert(1)") }, "web", []string{"Must be an absolute http or https URL."}},
	} {
		t.Run(c.name, func(t *testing.T) {
			form := alertValues(tok, "Actual")
			c.edit(form)
			p := author.post("/alerts", form)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			wantContains(t, p, `id="error-summary"`, `href="#`+c.field+`"`, `id="`+c.field+`-error"`)
			wantContains(t, p, c.want...)
			// Beside the field: the error comes after the field's own id and
			// before the next field.
			i, j := strings.Index(p.Body, `id="`+c.field+`"`), strings.Index(p.Body, `id="`+c.field+`-error"`)
			if i < 0 || j < i {
				t.Errorf("the error of %s is not beside its field (field at %d, error at %d)", c.field, i, j)
			}
			wantContains(t, p, "Paris, 11e arrondissement", "باريس، الدائرة الحادية عشرة") // what was typed is kept
		})
	}
	if as, _ := e.alerts.List(t.Context(), org.Principal{OrgID: e.auth.ID, Kind: org.KindAuthority}, alert.Filter{}); len(as) != 0 {
		t.Errorf("%d alerts written by invalid forms", len(as))
	}
}

// An exercise goes out at once and is labelled everywhere: the list, the
// page (a banner), the form's preview and the cancel step.
func TestAlertExerciseLabelled(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, false)
	author, tok := e.signedIn(e.authUser)
	id, done := submitAlert(t, author, "/alerts", alertValues(tok, "Exercise"))
	if done != "alertpublished" {
		t.Errorf("confirmation %q, want alertpublished", done)
	}
	p := author.get("/alerts/" + id + "?done=" + done)
	wantContains(t, p, `<p class="al-banner" role="note" data-exercise-banner>Exercise — this is not a real alert</p>`,
		`class="badge al-status al-status-Exercise"`, `data-state="published"`, "For an exercise or a test, it goes out at once.",
		`data-dlv="off"`, "Delivery figures are not available on this server.")
	list := author.get("/alerts")
	wantContains(t, list, `data-id="`+id+`" data-status="Exercise" class="al-exercise-row"`)
	wantContains(t, author.get("/alerts/"+id+"/cancel"), "data-exercise-banner", "the cancel goes out at once")
	pre := author.post("/alerts/preview", alertValues(tok, "Test"), "HX-Request", "true")
	wantStatus(t, pre, http.StatusOK)
	wantContains(t, pre, "data-exercise-banner", "Test — this is not a real alert", "it goes out as soon as you submit it")
	wantContains(t, author.get("/alerts/"+id+"/cap.xml"), "<status>Exercise</status>")
}

// The templates fill in every language: by a plain GET, and with htmx over
// what was typed (the area and the area descriptions stay).
func TestAlertTemplates(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, false)
	author, tok := e.signedIn(e.authUser)

	p := author.get("/alerts/new")
	wantStatus(t, p, http.StatusOK)
	wantContains(t, p, `href="/alerts/new?template=shelter"`, `hx-post="/alerts/prefill"`, `data-map-mode="draw"`,
		`data-input-polygons="area_polygons"`, `name="area_circles"`, `<fieldset class="al-lang" id="lang_ar" lang="ar" dir="rtl"`,
		`hx-post="/alerts/preview"`)
	wantLacks(t, p, "Attack in progress")
	// The proposed expiry is six hours away, in UTC.
	m := regexp.MustCompile(`name="expires" value="([0-9T:-]+)"`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatal("no expiry in the form")
	}
	exp, err := time.Parse("2006-01-02T15:04", m[1])
	if left := time.Until(exp); err != nil || left < 5*time.Hour || left > 6*time.Hour+time.Minute {
		t.Errorf("proposed expiry %q is %v away, want six hours (%v)", m[1], left, err)
	}

	p = author.get("/alerts/new?template=shelter")
	for _, x := range alert.Shelter.Texts {
		wantContains(t, p, html.EscapeString(x.Headline), html.EscapeString(x.Instruction))
	}
	wantContains(t, p, `value="Shelter" checked`, `value="Security" checked`, `<option value="Extreme" selected>`, `aria-current="true"`)

	form := url.Values{"csrf": {tok}, "template": {"evacuate"}, "lang": {"fr", "en", "ar"}, "area_polygons": {"48.87,2.33 48.87,2.37 48.85,2.37 48.87,2.33"},
		"area_desc_fr": {"Gare de Lyon"}, "headline_en": {"typed over"}, "severity": {"Severe"}}
	p = author.post("/alerts/prefill", form, "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	if body := strings.TrimSpace(p.Body); !strings.HasPrefix(body, `<form id="alert-form"`) || strings.Contains(body, "<html") {
		t.Errorf("htmx did not get the form alone:\n%.300s", body)
	}
	wantContains(t, p, "Serious threat: leave the area now", html.EscapeString("Menace grave : évacuez le secteur"), "تهديد خطير: أخلوا المنطقة فوراً",
		"48.87,2.33 48.87,2.37 48.85,2.37 48.87,2.33", "Gare de Lyon", `<option value="Severe" selected>`, `value="Evacuate" checked`,
		"Template applied")
	wantLacks(t, p, "typed over")

	// Without JavaScript the same comes back as a page.
	p = author.post("/alerts/prefill", form)
	wantContains(t, p, "<html", "Serious threat: leave the area now")
}

// The reach panel: platforms, subscribers and warnings for a valid draft,
// the first problem with a link to its field otherwise.
func TestAlertPreview(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, false)
	author, tok := e.signedIn(e.authUser)
	form := alertValues(tok, "Actual")
	form.Set("headline_en", form.Get("headline_fr"))
	form.Set("area_geocodes", "INSEE-DEP=75\r\nINSEE-DEP=999")
	p := author.post("/alerts/preview", form, "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	wantLacks(t, p, "<html", "<form")
	wantContains(t, p, `data-platforms="2"`, "Alpha Video, Beta Social", `data-people="1234"`,
		"another person of your authority will approve it", `<a href="#headline_en">English — Headline</a>`,
		"Same text as the Headline (French): it looks untranslated.", "<code>INSEE-DEP=75</code> Paris",
		"INSEE-DEP=999</code> <span class=\"muted\">unknown code", "&#43;00:00</code>")

	form.Del("area_circles")
	form.Del("area_geocodes")
	p = author.post("/alerts/preview", form, "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	wantContains(t, p, "data-preview-error", `<a href="#area">Area</a>`, "Draw a polygon or a circle on the map")
	wantLacks(t, p, "data-reach")

	// Without JavaScript: the whole form, the panel filled in, nothing stored.
	p = author.post("/alerts/preview", alertValues(tok, "Actual"))
	wantStatus(t, p, http.StatusOK)
	wantContains(t, p, "<html", `id="alert-form"`, `data-platforms="2"`)
	if as, _ := e.alerts.List(t.Context(), org.Principal{OrgID: e.auth.ID, Kind: org.KindAuthority}, alert.Filter{}); len(as) != 0 {
		t.Errorf("the preview stored %d alerts", len(as))
	}
}

// A live alert is updated, cleared in one click, or cancelled after a
// confirmation step; each message references the earlier ones and needs
// the second person.
func TestAlertLiveActions(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, true)
	author, tok := e.signedIn(e.authUser)
	colleague, ctok := e.signedIn(e.approver)
	approve := func(id string) {
		t.Helper()
		wantStatus(t, colleague.post("/alerts/"+id+"/approve", url.Values{"csrf": {ctok}}), http.StatusSeeOther)
	}
	first, _ := submitAlert(t, author, "/alerts", alertValues(tok, "Actual"))
	approve(first)

	// Update: the form comes with the alert's content; the update waits.
	p := author.get("/alerts/" + first + "/update")
	wantStatus(t, p, http.StatusOK)
	wantContains(t, p, `action="/alerts/`+first+`/update"`, `name="update_of" value="`+first+`"`, "48.8566,2.3522 1.5",
		"Attack in progress: take shelter now", `class="badge al-status al-status-Actual"`, `name="note"`)
	upd := alertValues(tok, "")
	upd.Set("instruction_en", "Stay inside. The police are searching the area; more news at 23:00.")
	upd.Set("note", "Search under way")
	second, done := submitAlert(t, author, "/alerts/"+first+"/update", upd)
	if done != "updatepending" {
		t.Errorf("update confirmation %q", done)
	}
	p = author.get("/alerts/" + first)
	wantContains(t, p, "A message about this alert awaits approval:", `href="/alerts/`+second+`"`)
	wantLacks(t, p, `id="all-clear"`)
	approve(second)
	p = author.get("/alerts/" + first)
	wantContains(t, p, `data-state="superseded"`)
	p = author.get("/alerts/" + second)
	wantContains(t, p, `data-msgtype="Update"`, "data-references", ",vigie-"+e.auth.ID+"-"+first+",", `data-chain-id="`+first+`"`,
		"Search under way", "more news at 23:00")

	// All clear in one click, from the latest message only.
	wantStatus(t, author.post("/alerts/"+first+"/all-clear", url.Values{"csrf": {tok}}), http.StatusConflict)
	p = author.post("/alerts/"+second+"/all-clear", url.Values{"csrf": {tok}})
	wantStatus(t, p, http.StatusSeeOther)
	m := alertPath.FindStringSubmatch(p.Header.Get("Location"))
	if m == nil || m[2] != "allclearpending" {
		t.Fatalf("all clear: redirect to %q", p.Header.Get("Location"))
	}
	third := m[1]
	p = colleague.get("/alerts/" + third)
	wantContains(t, p, "All clear: the danger has passed", html.EscapeString("Fin d'alerte : le danger est écarté"), "انتهاء الإنذار: زال الخطر", `id="approve"`)
	approve(third)

	// Cancel: a confirmation step with a note.
	p = author.get("/alerts/" + third + "/cancel")
	wantStatus(t, p, http.StatusOK)
	wantContains(t, p, "A cancel tells every receiver that this alert no longer applies.", `id="confirm-cancel"`,
		"It goes out when another person of your authority approves it.")
	p = author.post("/alerts/"+third+"/cancel", url.Values{"csrf": {tok}, "note": {""}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantContains(t, p, `id="note-error">This is required.`)
	p = author.post("/alerts/"+third+"/cancel", url.Values{"csrf": {tok}, "note": {"Issued in error."}})
	wantStatus(t, p, http.StatusSeeOther)
	m = alertPath.FindStringSubmatch(p.Header.Get("Location"))
	if m == nil || m[2] != "cancelpending" {
		t.Fatalf("cancel: redirect to %q", p.Header.Get("Location"))
	}
	approve(m[1])
	p = author.get("/alerts/" + m[1])
	wantContains(t, p, `data-msgtype="Cancel"`, "A cancel carries no instructions", "Issued in error.")
	for _, id := range []string{first, second, third} {
		if a, _ := e.alerts.Get(t.Context(), org.Principal{OrgID: e.auth.ID, Kind: org.KindAuthority}, id); a.State != alert.StateCancelled && a.State != alert.StateSuperseded {
			t.Errorf("%s after the cancel: %s", id, a.State)
		}
	}
	wantLacks(t, author.get("/alerts/"+m[1]), `id="all-clear"`, `id="update"`)
	list := author.get("/alerts")
	past := list.Body[strings.Index(list.Body, `id="past-h"`):]
	for _, id := range []string{first, second, third} {
		if !strings.Contains(past, `data-id="`+id+`"`) {
			t.Errorf("%s is not among the past alerts", id)
		}
	}
}

// The delivery view: per channel sent, delivered, failed, pending and the
// percentiles, the cumulative curve drawn as SVG, refreshed by htmx while
// deliveries are pending and no longer once they are done.
func TestAlertDeliveries(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, true)
	author, tok := e.signedIn(e.authUser)
	id, _ := submitAlert(t, author, "/alerts", alertValues(tok, "Exercise"))

	// Just published, nothing recorded yet: the section waits for figures.
	e.dlv.setMissing(true)
	p := author.get("/alerts/" + id + "/deliveries")
	wantContains(t, p, "Nothing has been sent yet.", `hx-trigger="every 3s"`)
	e.dlv.setMissing(false)

	p = author.get("/alerts/" + id)
	sec := p.Body[strings.Index(p.Body, `id="deliveries"`):]
	sec = sec[:strings.Index(sec, "</section>")]
	for _, want := range []string{`hx-get="/alerts/` + id + `/deliveries" hx-trigger="every 3s"`, `data-channel="webhook"`, `data-channel="webpush"`,
		"Platforms (webhooks)", "Browsers (Web Push)", "<td class=\"num\" data-label=\"Failed\">10</td>", ">1,000<", "120 ms", "1.2 s", "7.9 s",
		`<polyline class="curve ch-webpush" points="52.0,192.0 `, "<title>Browsers (Web Push): 95%</title>", `class="ylabel"`, "Deliveries under way"} {
		if !strings.Contains(sec, want) {
			t.Errorf("the delivery section lacks %q:\n%s", want, sec)
		}
	}
	wantContains(t, p, "Queued for delivery", "webhook.first") // report hops join the timeline; unknown ones as they are

	e.dlv.finish()
	p = author.get("/alerts/"+id+"/deliveries", "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	body := strings.TrimSpace(p.Body)
	if !strings.HasPrefix(body, `<section class="card al-deliveries" id="deliveries"`) || strings.Contains(body, "<html") {
		t.Errorf("the refresh did not get the section alone:\n%.300s", body)
	}
	wantContains(t, p, `data-pending="false"`, ">990<", "99%")
	wantLacks(t, p, "hx-trigger", "Deliveries under way")

	// A message awaiting approval has no delivery section.
	pending, _ := submitAlert(t, author, "/alerts", alertValues(tok, "Actual"))
	wantLacks(t, author.get("/alerts/"+pending), `id="deliveries"`)
}

// The CAP document of any of the authority's messages, pending included.
func TestAlertCAPDocument(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, false)
	author, tok := e.signedIn(e.authUser)
	id, _ := submitAlert(t, author, "/alerts", alertValues(tok, "Actual"))
	p := author.get("/alerts/" + id + "/cap.xml")
	wantStatus(t, p, http.StatusOK)
	if ct := p.Header.Get("Content-Type"); ct != cap.MIMECAP {
		t.Errorf("Content-Type %q", ct)
	}
	wantContains(t, p, "<identifier>vigie-"+e.auth.ID+"-"+id+"</identifier>", "<status>Actual</status>", "<language>ar</language>",
		"<circle>48.8566,2.3522 1.5</circle>")
	other, _ := e.signedIn(e.otherUser)
	wantStatus(t, other.get("/alerts/"+id+"/cap.xml"), http.StatusNotFound)
}

// Every page in French and Arabic: no key left untranslated, Arabic right
// to left, the enumerations in the reader's language.
func TestAlertPagesTranslated(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, true)
	author, tok := e.signedIn(e.authUser)
	actual, _ := submitAlert(t, author, "/alerts", alertValues(tok, "Actual"))
	drill, _ := submitAlert(t, author, "/alerts", alertValues(tok, "Exercise"))
	key := regexp.MustCompile(`\b(?:al|done|title)\.[a-z_]+(?:\.[A-Za-z_]+)*\b`)
	for _, c := range []struct {
		lang  string
		wants []string
	}{
		{"fr", []string{`<html lang="fr" dir="ltr">`, html.EscapeString("En attente d'approbation"), html.EscapeString("Exercice — ceci n'est pas une vraie alerte"),
			"Sûreté (ordre public, terrorisme)", "Délai à 50 %"}},
		{"ar", []string{`<html lang="ar" dir="rtl">`, "بانتظار الموافقة", "تمرين — هذا ليس إنذارًا حقيقيًا", "الاحتماء في المكان", "الوقت حتى 50%"}},
	} {
		author.lang = c.lang
		var all strings.Builder
		for _, path := range []string{"/alerts", "/alerts/new?template=avoid", "/alerts/" + actual, "/alerts/" + drill, "/alerts/" + drill + "/cancel", "/alerts/" + drill + "/update"} {
			p := author.get(path)
			wantStatus(t, p, http.StatusOK)
			if k := key.FindString(p.Body); k != "" {
				t.Errorf("%s in %s: the key %q is shown untranslated", path, c.lang, k)
			}
			all.WriteString(p.Body)
		}
		for _, w := range c.wants {
			if !strings.Contains(all.String(), w) {
				t.Errorf("%s: the pages lack %q", c.lang, w)
			}
		}
	}
}
