package webui_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/vigie-project/vigie/internal/testenv"
	"github.com/vigie-project/vigie/media"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/referral"
	"github.com/vigie-project/vigie/webui"
)

// TestBrowserArabic signs in with Arabic chosen and checks, in headless
// Chromium, that the pages are right to left and mirrored: <html dir>,
// the navigation starting at the right edge, the queue's countdown at the
// left end of its row, the stats bars and the bank charts growing from
// the right, and hashes, ids and URLs kept left to right. With
// VIGIE_SCREENSHOT_DIR set, it keeps a screenshot of each page there.
func TestBrowserArabic(t *testing.T) {
	chromium := testenv.Chromium(t)
	e := newEnv(t)
	ctx := context.Background()

	// The same UI as the env's, with a canned hash database for the bank
	// pages.
	mux := http.NewServeMux()
	webui.New(mux, webui.Config{Orgs: e.orgs, Referrals: e.refs, Audit: e.db, Media: &cannedMedia{},
		Log: slog.New(slog.DiscardHandler), Now: time.Now})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	// Orders pending, running and overdue for Alpha; for Beta, two removed,
	// one late (for the stats bar, the audit log and the detail page's
	// hashes).
	e.issue(e.platA, "AR-PENDING")
	running := e.issue(e.platA, "AR-RUNNING")
	late := e.issue(e.platA, "AR-LATE")
	done := e.issue(e.platB, "AR-DONE")
	lateDone := e.issue(e.platB, "AR-DONE-LATE")
	now := time.Now()
	for r, at := range map[*referral.Referral]time.Time{running: now, late: now.Add(-65 * time.Minute), done: now, lateDone: now.Add(-90 * time.Minute)} {
		if err := e.refs.Delivered(ctx, r.ID, at); err != nil {
			t.Fatal(err)
		}
	}
	platB := org.Principal{OrgID: e.platB.ID, OrgName: e.platB.Name, Kind: org.KindPlatform, UserID: "u"}
	for _, r := range []*referral.Referral{done, lateDone} {
		if _, err := e.refs.Act(ctx, platB, r.ID, referral.Event{Type: referral.EventActioned, Action: referral.ActionRemoved,
			ActedAt: now, ContentHashes: []string{"sha256:" + strings.Repeat("0f", 32)}}); err != nil {
			t.Fatal(err)
		}
	}

	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(tctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}

	var mu sync.Mutex
	var problems []string
	tab := func(name string) context.Context {
		c, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		err := chromedp.Listen(c, func(ev any) {
			mu.Lock()
			defer mu.Unlock()
			switch ev := ev.(type) {
			case *runtime.EventExceptionThrown:
				problems = append(problems, fmt.Sprintf("%s: exception: %s", name, ev.ExceptionDetails.Text))
			case *cdplog.EventEntryAdded:
				if ev.Entry.Level == cdplog.EntryLevelError {
					problems = append(problems, fmt.Sprintf("%s: console error (%s): %s %s", name, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
				}
			}
		})
		if err != nil {
			t.Fatalf("listen: %v", err)
		}
		return c
	}
	do := func(c context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(c, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// Arabic is chosen before signing in, from the switcher's link.
	login := func(c context.Context, email string) {
		t.Helper()
		do(c, "choose Arabic and log in as "+email,
			chromedp.Navigate(srv.URL+"/lang?l=ar&next=/login"),
			chromedp.WaitVisible(chromedp.CSS(`html[dir="rtl"] #email`)),
			chromedp.SendKeys(chromedp.CSS("#email"), email),
			chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
		)
	}
	open := func(c context.Context, path, ready string) {
		t.Helper()
		do(c, "open "+path, chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS(ready)))
	}
	shot := func(c context.Context, name string) {
		t.Helper()
		// The whole page, by making the viewport as tall as the page:
		// FullScreenshot (captureBeyondViewport) shifts right-to-left pages.
		h := eval[int64](t, c, `Math.min(4000, Math.ceil(document.documentElement.scrollHeight))`)
		do(c, "fit the viewport to the page", chromedp.EmulateViewport(1280, h))
		png, err := chromedp.Run(c, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		do(c, "restore the viewport", chromedp.EmulateReset())
		dir := os.Getenv("VIGIE_SCREENSHOT_DIR")
		if dir == "" {
			dir = t.TempDir()
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}

	auth := tab("authority")
	login(auth, e.authUser)

	// The document is Arabic, right to left, and says so in the switcher.
	html := eval[[]string](t, auth, `[document.documentElement.lang, document.documentElement.dir, getComputedStyle(document.body).direction,
		document.querySelector('.langs a[aria-current="true"]').textContent]`)
	if strings.Join(html, "|") != "ar|rtl|rtl|العربية" {
		t.Fatalf("lang, dir, direction, current language: %q", html)
	}
	if s := eval[string](t, auth, `document.querySelector("h1").textContent`); s != "الإحالات وأوامر الإزالة الصادرة" {
		t.Errorf("title %q", s)
	}

	// The header mirrors: the brand at the right edge, the navigation
	// starting at the right, the switcher and the log-out button at the left.
	nav := eval[[]box](t, auth, boxes(`.nav > li`))
	if len(nav) < 3 {
		t.Fatalf("%d navigation items", len(nav))
	}
	ul := eval[[]box](t, auth, boxes(`.nav`))[0]
	first, last := nav[0], nav[len(nav)-1]
	if math.Abs(first.Right-ul.Right) > 1 {
		t.Errorf("the first navigation item ends at x=%.0f, not at the right edge of the navigation (%.0f)", first.Right, ul.Right)
	}
	for _, b := range nav[1:] {
		if b.Top < first.Bottom && b.Right > first.Left {
			t.Errorf("a navigation item (%+v) is right of the first one (%+v)", b, first)
		}
	}
	if first.Top == last.Top && last.Right >= first.Left {
		t.Errorf("the last navigation item (%+v) is not left of the first (%+v)", last, first)
	}
	brand := eval[[]box](t, auth, boxes(`.brand`))[0]
	logout := eval[[]box](t, auth, boxes(`form[action="/logout"] button`))[0]
	inner := eval[[]box](t, auth, boxes(`.top-inner`))[0]
	if brand.Left < first.Right || inner.Right-brand.Right > 20 {
		t.Errorf("brand %+v is not at the right edge of the header %+v, before the navigation %+v", brand, inner, first)
	}
	if logout.Left-inner.Left > 20 {
		t.Errorf("the log-out button %+v is not at the left edge of the header %+v", logout, inner)
	}
	// The list: the first column at the right, the "new" button at the left.
	th := eval[[]box](t, auth, boxes(`#list th`))
	if len(th) < 2 || th[0].Left < th[1].Right {
		t.Errorf("table columns are not right to left: %+v", th)
	}
	h1 := eval[[]box](t, auth, boxes(`.page-head h1`))[0]
	btn := eval[[]box](t, auth, boxes(`.page-head .btn`))[0]
	if btn.Right > h1.Left {
		t.Errorf("the page's button %+v is not left of its title %+v", btn, h1)
	}
	shot(auth, "ar-referrals.png")

	// The detail page: URLs and hashes read left to right in a right-to-left
	// page, the audit chain's ids too.
	open(auth, "/referrals/"+done.ID, ".urls-list li")
	ltr := eval[[]string](t, auth, `[...document.querySelectorAll('.urls-list li, .timeline code')].map(el => {
		const s = getComputedStyle(el); return el.textContent.trim().slice(0, 12) + " " + s.direction + " " + s.unicodeBidi })`)
	for _, s := range ltr {
		if f := strings.Fields(s); f[len(f)-1] != "plaintext" && f[len(f)-2] != "ltr" {
			t.Errorf("not kept left to right: %s", s)
		}
	}
	if len(ltr) < 3 {
		t.Errorf("URLs, hashes and ids on the detail page: %q", ltr)
	}
	// A URL is laid out left to right: its "https" is left of its path.
	if r := eval[[]float64](t, auth, `(() => { const li = document.querySelector('.urls-list li'), t = li.firstChild, r = document.createRange();
		r.setStart(t, 0); r.setEnd(t, 5); const a = r.getBoundingClientRect().left;
		r.setStart(t, t.length - 2); r.setEnd(t, t.length); return [a, r.getBoundingClientRect().left] })()`); r[0] >= r[1] {
		t.Errorf("a URL runs right to left (start at x=%.0f, end at x=%.0f)", r[0], r[1])
	}
	shot(auth, "ar-detail.png")

	// The audit log: hashes are code elements, left to right and isolated.
	open(auth, "/audit", "td code[title]")
	if s := eval[[]string](t, auth, `(() => { const s = getComputedStyle(document.querySelector("td code[title]")); return [s.direction, s.unicodeBidi] })()`); strings.Join(s, " ") != "ltr isolate" {
		t.Errorf("audit hash: direction and unicode-bidi %q, want ltr isolate", s)
	}
	shot(auth, "ar-audit.png")

	// The transparency bars fill from the right.
	open(auth, "/stats", "svg.bar")
	bars := eval[[]box](t, auth, boxes(`svg.bar rect`)) // track, value
	if len(bars) < 2 || math.Abs(bars[1].Right-bars[0].Right) > 1 || bars[1].Width > bars[0].Width*0.6 {
		t.Errorf("stats bar (track, value at 50 %%) does not fill from the right: %+v", bars)
	}
	shot(auth, "ar-stats.png")

	// The bank charts run from the right (oldest) to the left (today), as
	// their axis labels do.
	open(auth, "/banks/ATTACK_FOOTAGE", "figure.chart svg")
	days := eval[[]box](t, auth, boxes(`figure.chart:first-of-type svg rect.good`))
	if len(days) < 2 || days[0].Left <= days[len(days)-1].Right {
		t.Errorf("chart bars are not right to left: first %+v, last %+v", days[0], days[len(days)-1])
	}
	axis := eval[[]box](t, auth, boxes(`figure.chart:first-of-type .chart-axis span`))
	if len(axis) != 2 || axis[0].Left <= axis[1].Right {
		t.Errorf("chart axis labels are not right to left: %+v", axis)
	}
	shot(auth, "ar-bank.png")

	// The form: URL and hash fields left to right, free text by its content.
	open(auth, "/referrals/new", "#urls")
	fields := eval[[]string](t, auth, `["#urls", "#reference", "#reasons"].map(s => getComputedStyle(document.querySelector(s))).map(s => s.direction + " " + s.unicodeBidi)`)
	if !strings.HasPrefix(fields[0], "ltr ") || fields[1] != "rtl plaintext" || fields[2] != "rtl plaintext" {
		t.Errorf("form fields (urls, reference, reasons): %q", fields)
	}
	shot(auth, "ar-new.png")

	// The platform's queue: each item's countdown at the left end of its
	// head, the title at the right.
	plat := tab("platform")
	login(plat, e.platAUser)
	item := fmt.Sprintf(`#queue article[data-id=%q]`, running.ID)
	open(plat, "/queue", item+" [data-deadline]")
	cd := eval[[]box](t, plat, boxes(item+" .item-head .cd"))[0]
	h3 := eval[[]box](t, plat, boxes(item+" .item-head h3"))[0]
	head := eval[[]box](t, plat, boxes(item+" .item-head"))[0]
	if cd.Right > h3.Left || cd.Left-head.Left > 2 || head.Right-h3.Right > 2 {
		t.Errorf("queue item head is not mirrored: title %+v, countdown %+v, head %+v", h3, cd, head)
	}
	tick := waitChange(t, plat, item+" [data-deadline]", eval[string](t, plat, `document.querySelector('`+item+` [data-deadline]').textContent`))
	if !strings.HasPrefix(tick, "59:") {
		t.Errorf("countdown %q, want 59:ss", tick)
	}
	shot(plat, "ar-queue.png")

	// A member sees the bank's disputed hashes, left to right.
	open(plat, "/banks/ATTACK_FOOTAGE", "#disputed code.hash")
	hash := eval[[]string](t, plat, `(() => { const el = document.querySelector("#disputed code.hash"), s = getComputedStyle(el);
		return [s.direction, s.unicodeBidi, el.textContent] })()`)
	if hash[0] != "ltr" || hash[1] != "isolate" || !strings.HasPrefix(hash[2], "pdq f8f8") {
		t.Errorf("bank hash: %q, want ltr isolate", hash)
	}
	shot(plat, "ar-bank-member.png")

	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
}

// box is an element's bounding box in CSS pixels.
type box struct{ Left, Right, Top, Bottom, Width float64 }

// boxes is a script that returns the boxes of the elements matching sel.
func boxes(sel string) string {
	return fmt.Sprintf(`[...document.querySelectorAll(%q)].map(el => { const r = el.getBoundingClientRect();
		return {Left: r.left, Right: r.right, Top: r.top, Bottom: r.bottom, Width: r.width} })`, sel)
}

func eval[T any](t *testing.T, c context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// cannedMedia is a hash database with one bank, hashes added on the first
// and last days of the charts, and one disputed hash.
type cannedMedia struct{}

var cannedBank = &media.Bank{ID: "b1", Name: "ATTACK_FOOTAGE", Description: "Christchurch-style livestreams", Kind: "positive",
	OwnerID: "someone", Enabled: true, PDQThreshold: 31, QualityFloor: 50, VideoPercent: 80, Signals: 12345,
	Labels: media.Labels{Entity: "Example Front", Behaviour: "attack footage"}}

func (cannedMedia) Banks(context.Context, org.Principal) ([]*media.Bank, error) {
	return []*media.Bank{cannedBank}, nil
}

func (cannedMedia) Stats(_ context.Context, _ org.Principal, name string, days int) (*media.BankStats, error) {
	if name != cannedBank.Name {
		return nil, errors.New("no such bank")
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	return &media.BankStats{Bank: cannedBank,
		Growth:  []media.DayCount{{Day: today.AddDate(0, 0, 1-days), Count: 3}, {Day: today.AddDate(0, 0, -10), Count: 40}, {Day: today, Count: 120}},
		Matches: []media.MatchCount{{Hour: today.Add(-20 * time.Hour), Count: 7}, {Hour: today.Add(3 * time.Hour), Count: 2}},
		Disputed: []*media.Signal{{ID: 7, Type: "pdq", Value: "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
			ContributorID: "someone", Agree: 2, Disagree: 1}},
	}, nil
}

func (cannedMedia) CreateBank(context.Context, org.Principal, media.BankDraft) (*media.Bank, error) {
	return nil, errors.New("not in this test")
}

func (cannedMedia) Contribute(context.Context, org.Principal, string, []media.SignalDraft, string) (*media.ContributeResult, error) {
	return nil, errors.New("not in this test")
}

func (cannedMedia) Feedback(context.Context, org.Principal, int64, media.Opinion) (*media.Signal, error) {
	return nil, errors.New("not in this test")
}

func (cannedMedia) Reinstate(context.Context, org.Principal, int64) (*media.Signal, error) {
	return nil, errors.New("not in this test")
}

func (cannedMedia) Match(context.Context, org.Principal, media.MatchQuery) (*media.MatchResult, error) {
	return nil, errors.New("not in this test")
}
