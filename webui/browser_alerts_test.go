package webui_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/internal/testenv"
	"github.com/vigie-project/vigie/org"
)

// TestBrowserAlert drives the alert pages in headless Chromium: the author
// opens the form, picks the Shelter template (the texts appear in French,
// English and Arabic, the Arabic fieldset right to left), describes the
// area, draws a polygon on the map by clicking, watches the reach preview
// turn from "not ready" to the platforms and subscribers reached, and
// submits; a colleague, in another browser context, approves. Any
// JavaScript exception or console error (a CSP violation, say) fails it.
func TestBrowserAlert(t *testing.T) {
	chromium := testenv.Chromium(t)
	e := newAlertEnv(t, true)

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
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	defer cancelAlloc()
	root, cancelRoot := chromedp.NewContext(alloc)
	defer cancelRoot()
	if err := chromedp.Do(root); err != nil { // starts Chromium
		t.Fatalf("start Chromium: %v", err)
	}

	var mu sync.Mutex
	var problems []string
	tab := func(name string) context.Context {
		c, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		err := chromedp.Listen(c, func(ev any) {
			mu.Lock()
			defer mu.Unlock()
			switch ev := ev.(type) {
			case *runtime.EventExceptionThrown:
				problems = append(problems, fmt.Sprintf("%s: exception: %s", name, ev.ExceptionDetails.Text))
			case *runtime.EventConsoleAPICalled:
				if ev.Type == runtime.ConsoleAPICalledTypeError {
					problems = append(problems, fmt.Sprintf("%s: console.error", name))
				}
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
	// wait polls a JavaScript condition (Poll's own limit only turns a
	// hang into a failure).
	wait := func(c context.Context, what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(c, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
			t.Fatalf("wait until %s: %v", what, err)
		}
		t.Logf("%5.1fs %s", time.Since(start).Seconds(), what)
	}
	login := func(c context.Context, email string) {
		t.Helper()
		do(c, "log in as "+email,
			chromedp.Navigate(e.srv.URL+"/login"),
			chromedp.WaitVisible(chromedp.CSS("#email")),
			chromedp.SendKeys(chromedp.CSS("#email"), email),
			chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
		)
	}

	// The author opens the form from the navigation.
	author := tab("author")
	login(author, e.authUser)
	do(author, "open the alert form",
		chromedp.Click(chromedp.CSS(`nav a[href="/alerts"]`)),
		chromedp.WaitVisible(chromedp.CSS("#new-alert")),
		chromedp.Click(chromedp.CSS("#new-alert")),
		chromedp.WaitVisible(chromedp.CSS("#alert-form")),
	)
	wait(author, "the first preview says what is missing", `!!document.querySelector("#preview [data-preview-error]")`)

	// The Shelter template fills in the three languages (htmx swaps the form).
	do(author, "pick the Shelter template", chromedp.Click(chromedp.CSS(`a.al-tpl[data-template="shelter"]`)))
	wait(author, "the texts are filled in", `document.querySelector("#headline_ar") && document.querySelector("#headline_ar").value !== ""`)
	for _, x := range alert.Shelter.Texts {
		got := alEval[string](t, author, fmt.Sprintf(`document.querySelector("#headline_%s").value + "|" + document.querySelector("#instruction_%s").value`, x.Language, x.Language))
		if want := x.Headline + "|" + x.Instruction; got != want {
			t.Errorf("%s texts %q, want %q", x.Language, got, want)
		}
	}
	if u := alEval[string](t, author, `location.pathname`); u != "/alerts/new" {
		t.Errorf("picking a template left the page for %s: htmx should swap the form", u)
	}
	dir := alEval[[]string](t, author, `(() => {
		const f = document.querySelector("#lang_ar");
		return [f.getAttribute("dir"), f.getAttribute("lang"), getComputedStyle(document.querySelector("#instruction_ar")).direction,
			getComputedStyle(document.querySelector("#instruction_fr")).direction];
	})()`)
	if fmt.Sprint(dir) != "[rtl ar rtl ltr]" {
		t.Errorf("Arabic fieldset [dir, lang, direction of its field, direction of the French field] = %v, want [rtl ar rtl ltr]", dir)
	}
	if !alEval[bool](t, author, `document.querySelector('input[name="response_types"][value="Shelter"]').checked && document.querySelector("#severity").value === "Extreme"`) {
		t.Error("the template did not set the response type and the severity")
	}

	// The area in words, the status, then the polygon on the map.
	do(author, "describe the area and choose Actual",
		chromedp.SendKeys(chromedp.CSS("#area_desc_fr"), "Paris, 11e arrondissement"),
		chromedp.SendKeys(chromedp.CSS("#area_desc_en"), "Paris, 11th arrondissement"),
		chromedp.SendKeys(chromedp.CSS("#area_desc_ar"), "باريس، الدائرة الحادية عشرة"),
		chromedp.Click(chromedp.CSS(`input[name="status"][value="Actual"]`)),
	)
	wait(author, "the preview still waits for the area", `(() => {
		const a = document.querySelector('#preview [data-preview-error] a');
		return !!a && a.getAttribute("href") === "#area";
	})()`)
	wait(author, "the map is ready", `(() => { const el = document.querySelector("#area-map"); return !!(el && el.vigieMap && el.querySelector(".leaflet-tile-loaded")); })()`)
	do(author, "choose the polygon tool", chromedp.Click(chromedp.CSS(`#area-map button[data-map-action="polygon"]`)))
	var first [2]float64
	var want [][2]float64
	for i, f := range [][2]float64{{0.35, 0.3}, {0.65, 0.35}, {0.5, 0.7}} {
		x, y := alCanvasPoint(t, author, "#area-map", f[0], f[1])
		ll := alEval[[]float64](t, author, fmt.Sprintf(`(() => { const ll = document.querySelector("#area-map").vigieMap.map.mouseEventToLatLng({clientX: %v, clientY: %v}); return [ll.lat, ll.lng]; })()`, x, y))
		want = append(want, [2]float64{ll[0], ll[1]})
		if i == 0 {
			first = [2]float64{x, y}
		}
		do(author, "click a vertex", chromedp.MouseClickXY(x, y))
	}
	do(author, "click the first vertex to close the polygon", chromedp.MouseClickXY(first[0], first[1]))
	wait(author, "the polygon is in the form", `document.querySelector('[name="area_polygons"]').value !== ""`)
	poly := alEval[string](t, author, `document.querySelector('[name="area_polygons"]').value`)
	pairs := strings.Fields(poly)
	if len(pairs) != 4 || pairs[0] != pairs[3] {
		t.Fatalf("polygon %q: want 3 vertices and the first repeated", poly)
	}
	for i, p := range pairs[:3] {
		var lat, lon float64
		if _, err := fmt.Sscanf(p, "%f,%f", &lat, &lon); err != nil || math.Abs(lat-want[i][0]) > 1e-4 || math.Abs(lon-want[i][1]) > 1e-4 {
			t.Errorf("vertex %d is %s, want the clicked point %.4f,%.4f", i, p, want[i][0], want[i][1])
		}
	}

	// The reach preview follows the drawing.
	wait(author, "the preview shows the reach", `!!document.querySelector('#preview [data-platforms="2"]') && !!document.querySelector('#preview [data-people="1234"]')`)
	if s := alEval[string](t, author, `document.querySelector("#preview").textContent`); !strings.Contains(s, "Alpha Video, Beta Social") || !strings.Contains(s, "another person of your authority") {
		t.Errorf("preview text: %q", s)
	}
	alShot(t, author, "alert-form.png")

	do(author, "submit",
		chromedp.Click(chromedp.CSS("#send")),
		chromedp.WaitVisible(chromedp.CSS(`[data-state="pending_approval"]`)),
	)
	if s := alEval[string](t, author, `document.querySelector(".notice.ok").textContent`); !strings.Contains(s, "another person of your authority approves it") {
		t.Errorf("notice after submitting: %q", s)
	}
	if n := alEval[int](t, author, `document.querySelectorAll("#approve").length`); n != 0 {
		t.Error("the author is shown an Approve button")
	}
	id := strings.TrimPrefix(alEval[string](t, author, `location.pathname`), "/alerts/")
	a, err := e.alerts.Get(ctx, org.Principal{OrgID: e.auth.ID, Kind: org.KindAuthority}, id)
	if err != nil {
		t.Fatalf("the alert %q: %v", id, err)
	}
	if a.State != alert.StatePending || len(a.Area.Polygons) != 1 || a.Area.Polygons[0] != poly || len(a.Infos) != 3 {
		t.Errorf("stored: state %s, polygons %q, %d infos", a.State, a.Area.Polygons, len(a.Infos))
	}

	// A colleague approves from the list.
	colleague := tab("colleague")
	login(colleague, e.approver)
	row := fmt.Sprintf(`tr[data-id=%q]`, id)
	do(colleague, "open the alert from the list",
		chromedp.Navigate(e.srv.URL+"/alerts"),
		chromedp.WaitVisible(chromedp.CSS(row+" a.ref")),
		chromedp.Click(chromedp.CSS(row+" a.ref")),
		chromedp.WaitVisible(chromedp.CSS("#approve")),
	)
	wait(colleague, "the alert's area is shown on the map", `document.querySelectorAll("#alert-map path.vigie-map-shape").length === 1`)
	if s := alEval[string](t, colleague, `document.querySelector("#approval").textContent`); !strings.Contains(s, "Alpha Video, Beta Social") || !strings.Contains(s, "1,234") {
		t.Errorf("the approver does not see the reach above the button: %q", s)
	}
	alShot(t, colleague, "alert-approval.png")
	do(colleague, "approve",
		chromedp.Click(chromedp.CSS("#approve")),
		chromedp.WaitVisible(chromedp.CSS(`[data-state="published"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#deliveries polyline.curve`)),
	)
	if s := alEval[string](t, colleague, `document.querySelector(".notice.ok").textContent`); !strings.Contains(s, "Approved and published") {
		t.Errorf("notice after approving: %q", s)
	}
	// The delivery section refreshes itself while deliveries are pending.
	e.dlv.finish()
	wait(colleague, "the delivery view refreshes until nothing is pending", `document.querySelector("#deliveries").getAttribute("data-pending") === "false"`)
	alShot(t, colleague, "alert-published.png")

	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
}

func alEval[T any](t *testing.T, c context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// alCanvasPoint is the viewport point at fractions of the map's canvas,
// scrolled into view first.
func alCanvasPoint(t *testing.T, c context.Context, sel string, fx, fy float64) (x, y float64) {
	t.Helper()
	p := alEval[[]float64](t, c, fmt.Sprintf(`(() => {
		const cv = document.querySelector(%q).vigieMap.canvas;
		cv.scrollIntoView({block: "center"});
		const r = cv.getBoundingClientRect();
		return [r.left + %v * r.width, r.top + %v * r.height];
	})()`, sel, fx, fy))
	return math.Round(p[0]), math.Round(p[1])
}

// alShot keeps a full-page screenshot in the test's folder and, when
// VIGIE_SCREENSHOT_DIR names a folder, there too.
func alShot(t *testing.T, c context.Context, name string) {
	t.Helper()
	shot, err := chromedp.Run(c, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dirs := []string{t.TempDir()}
	if d := os.Getenv("VIGIE_SCREENSHOT_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		if err := os.WriteFile(filepath.Join(d, name), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshot %s", name)
}
