package webui_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/vigie-project/vigie/internal/testenv"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/referral"
)

// TestBrowser drives the real UI in headless Chromium: an authority issues
// a removal order through the form and watches its countdown; a platform,
// in another browser context, acknowledges it and marks it removed from
// its queue (with htmx); the authority switches to French and sees it
// executed. Any JavaScript exception or console error (a CSP violation,
// say) fails the test.
func TestBrowser(t *testing.T) {
	chromium := testenv.Chromium(t)
	e := newEnv(t)

	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
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
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil { // starts Chromium
		t.Fatalf("start Chromium: %v", err)
	}

	var mu sync.Mutex
	var problems []string
	// tab opens a fresh browser context (its own cookies) and watches it
	// for script errors.
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
	start := time.Now()
	do := func(c context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		defer func() { t.Logf("%5.1fs %s", time.Since(start).Seconds(), what) }()
		if err := chromedp.Do(c, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(c context.Context, sel string) string {
		t.Helper()
		s, err := chromedp.Run(c, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	login := func(c context.Context, email string) {
		t.Helper()
		do(c, "log in as "+email,
			chromedp.Navigate(e.srv.URL+"/"),
			chromedp.WaitVisible(chromedp.CSS("#email")),
			chromedp.SendKeys(chromedp.CSS("#email"), email),
			chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
		)
	}

	// The authority issues a removal order through the form.
	auth := tab("authority")
	login(auth, e.authUser)
	do(auth, "fill in the removal order",
		chromedp.Click(chromedp.CSS(`a[href="/referrals/new"]`)),
		chromedp.WaitVisible(chromedp.CSS("#reference")),
		chromedp.Click(chromedp.CSS(`input[name="kind"][value="removal_order"]`)),
		chromedp.SetValue(chromedp.CSS("#platform_id"), e.platA.ID),
		chromedp.SendKeys(chromedp.CSS("#reference"), "PHAROS-2026-0042"),
		chromedp.SendKeys(chromedp.CSS("#urls"), "https://alpha.example/v/attack-claim\nhttps://alpha.example/v/attack-claim-mirror"),
		chromedp.Click(chromedp.CSS(`input[name="content_types"][value="a"]`)),
		chromedp.Click(chromedp.CSS(`input[name="content_types"][value="e"]`)),
		chromedp.SetValue(chromedp.CSS("#reasons"), "Video claiming tonight's attack and calling for more."),
		chromedp.SetValue(chromedp.CSS("#legal_basis"), "Regulation (EU) 2021/784, Art. 3; Code pénal, art. 421-2-5"),
		chromedp.SetValue(chromedp.CSS("#redress"), "Tribunal administratif de Paris, within 48 hours"),
		chromedp.SendKeys(chromedp.CSS("#issuer_name"), "Cdt. Laurent, Pharos duty officer"),
		chromedp.Click(chromedp.CSS("#send")),
		chromedp.WaitVisible(chromedp.CSS(`#list .notice`)),
	)
	if row := text(auth, "#list tbody tr"); !strings.Contains(row, "PHAROS-2026-0042") || !strings.Contains(row, "Alpha Video") {
		t.Fatalf("the new order is not in the list: %q", row)
	}

	// Not received yet: the time since issue ticks. Then the webhook reaches
	// the platform (simulated here): the one-hour countdown runs.
	since := text(auth, "#list [data-since]")
	waitChange(t, auth, "#list [data-since]", since)
	rs, err := e.refs.List(ctx, org.Principal{OrgID: e.auth.ID, Kind: org.KindAuthority}, referral.Filter{})
	if err != nil || len(rs) != 1 {
		t.Fatalf("list: %v (%d referrals)", err, len(rs))
	}
	id := rs[0].ID
	if err := e.refs.Delivered(ctx, id, time.Now()); err != nil {
		t.Fatal(err)
	}
	do(auth, "reload the list", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#list [data-deadline]")))
	first := text(auth, "#list [data-deadline]")
	second := waitChange(t, auth, "#list [data-deadline]", first)
	countdown := regexp.MustCompile(`^(1:00:00|59:\d\d)$`)
	if !countdown.MatchString(first) || !countdown.MatchString(second) {
		t.Errorf("countdown went from %q to %q, want about one hour (m:ss)", first, second)
	}

	// The platform sees it in its queue, acknowledges it and removes it.
	plat := tab("platform")
	login(plat, e.platAUser)
	item := fmt.Sprintf(`#queue article[data-id=%q]`, id)
	do(plat, "open the queue", chromedp.WaitVisible(chromedp.CSS(item+" [data-deadline]")))
	if s := text(plat, item+" h3"); s != "PHAROS-2026-0042" {
		t.Errorf("queue item title %q", s)
	}
	do(plat, "acknowledge",
		chromedp.Click(chromedp.CSS(item+` button[data-act="acknowledge"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#queue .notice`)),
		chromedp.WaitNotPresent(chromedp.CSS(item+` button[data-act="acknowledge"]`)),
	)
	if s := text(plat, item+" [data-state]"); s != "Acknowledged" {
		t.Errorf("state after acknowledging: %q", s)
	}
	do(plat, "mark removed",
		chromedp.Click(chromedp.CSS(item+` button[data-act="removed"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(item)),
	)
	if s := text(plat, "#queue .notice"); !strings.Contains(s, "removed or disabled") {
		t.Errorf("notice after removal: %q", s)
	}
	if u, err := chromedp.Run(plat, chromedp.Location()); err != nil || !strings.HasSuffix(u, "/queue") {
		t.Errorf("the queue actions should not leave the page (htmx): at %q, %v", u, err)
	}

	// Back to the authority, in French: executed.
	state := fmt.Sprintf(`#list tr[data-id=%q] [data-state]`, id)
	do(auth, "switch to French",
		chromedp.Click(chromedp.CSS(`a[hreflang="fr"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="fr"] `+state+`[data-state="actioned"]`)),
	)
	if s := text(auth, state); s != "Exécuté" {
		t.Errorf("state in French: %q, want Exécuté", s)
	}
	if s := text(auth, "h1"); s != "Signalements et injonctions de retrait émis" {
		t.Errorf("French title: %q", s)
	}

	shot, err := chromedp.Run(auth, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(t.TempDir(), "referrals-fr.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	if dir := os.Getenv("VIGIE_SCREENSHOT_DIR"); dir != "" { // keep it after the test
		_ = os.WriteFile(filepath.Join(dir, "referrals-fr.png"), shot, 0o644)
	}

	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
}

// waitChange waits until the text of sel differs from old and returns it.
// Countdowns tick every second, so this takes about a second.
func waitChange(t *testing.T, c context.Context, sel, old string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		s, err := chromedp.Run(c, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		if s = strings.TrimSpace(s); s != old {
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s stayed %q for 5 seconds: the countdown does not tick", sel, old)
	return ""
}
