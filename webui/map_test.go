package webui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/vigie-project/vigie/internal/testenv"
)

// TestMapWidget drives static/map.js in headless Chromium on the pages of
// testdata/map, served with the web UI's Content-Security-Policy beside the
// static folder on disk and a stub tile server: drawing a polygon and
// circles for an alert, showing an alert's area, choosing geohash cells
// (by click and by "Use my location") and a right-to-left page. Any script
// error, console error (a CSP violation, say) or request to a host other
// than the test server fails the test.
func TestMapWidget(t *testing.T) {
	chromium := testenv.Chromium(t)
	srv, tileCount := mapTestServer(t)
	host := srv.Listener.Addr().String()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
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
		// Belt and braces: even a request that the checks below would
		// report cannot leave the machine.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1024, 800),
	)
	defer cancelAlloc()
	root, cancelRoot := chromedp.NewContext(alloc)
	defer cancelRoot()
	if err := chromedp.Do(root); err != nil { // starts Chromium
		t.Fatalf("start Chromium: %v", err)
	}

	// tab opens a tab watched for script errors and for requests that
	// leave the test server; each subtest reports its own problems.
	type watched struct {
		ctx  context.Context
		mu   *sync.Mutex
		urls *[]string
	}
	tab := func(t *testing.T, page string) watched {
		t.Helper()
		c, cancel := chromedp.NewContext(root)
		var mu sync.Mutex
		var problems, urls []string
		t.Cleanup(func() {
			cancel()
			mu.Lock()
			defer mu.Unlock()
			for _, p := range problems {
				t.Error(p)
			}
		})
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
					problems = append(problems, fmt.Sprintf("console.%s: %s", ev.Type, mapConsoleArgs(ev.Args)))
				}
			case *cdplog.EventEntryAdded:
				if ev.Entry.Level == cdplog.EntryLevelError {
					problems = append(problems, fmt.Sprintf("console error (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
				}
			case *network.EventRequestWillBeSent:
				raw := ev.Request.URL
				urls = append(urls, raw)
				u, err := url.Parse(raw)
				if err != nil {
					problems = append(problems, fmt.Sprintf("unparsable request URL %q", raw))
					break
				}
				switch u.Scheme {
				case "http", "https", "ws", "wss", "ftp":
					if u.Host != host {
						problems = append(problems, "request to another host: "+raw)
					}
				}
			}
		})
		if err != nil {
			t.Fatalf("listen: %v", err)
		}
		mapDo(t, c, "open "+page, chromedp.Navigate(srv.URL+"/testdata/"+page))
		return watched{ctx: c, mu: &mu, urls: &urls}
	}

	// ready waits until the map of sel is set up and shows its tiles.
	ready := func(t *testing.T, c context.Context, sel string) {
		t.Helper()
		mapWait(t, c, "the map of "+sel+" is ready", fmt.Sprintf(
			`(() => { const el = document.querySelector(%q); return !!(el && el.vigieMap && el.querySelector(".leaflet-tile-loaded")); })()`, sel))
	}

	t.Run("draw", func(t *testing.T) {
		w := tab(t, "draw.html")
		c := w.ctx
		ready(t, c, "#area")
		if n := mapEval[int](t, c, `document.querySelectorAll("#area .vigie-map-canvas").length`); n != 1 {
			t.Fatalf("%d map canvases, want 1", n)
		}
		if hidden := mapEval[bool](t, c, `document.querySelector("#area [data-map-fallback]").hidden`); !hidden {
			t.Error("the no-script fallback text is still shown")
		}

		// A polygon: three clicks, then a click on the first point.
		fr := [][2]float64{{0.3, 0.3}, {0.7, 0.35}, {0.5, 0.7}}
		var want [][2]float64
		mapDo(t, c, "choose the polygon tool", chromedp.Click(chromedp.CSS(`#area button[data-map-action="polygon"]`)))
		if p := mapEval[string](t, c, `document.querySelector('#area button[data-map-action="polygon"]').getAttribute("aria-pressed")`); p != "true" {
			t.Errorf("polygon button aria-pressed=%q while drawing", p)
		}
		var xy [][2]float64
		for _, f := range fr {
			x, y := mapCanvasPoint(t, c, "#area", f[0], f[1])
			xy = append(xy, [2]float64{x, y})
			lat, lon := mapLatLngAt(t, c, "#area", x, y)
			want = append(want, [2]float64{lat, lon})
			mapDo(t, c, "click a vertex", chromedp.MouseClickXY(x, y))
		}
		if v := mapInput(t, c, "area_polygons"); v != "" {
			t.Fatalf("the polygon input is %q before the polygon is closed", v)
		}
		mapDo(t, c, "click the first vertex to close", chromedp.MouseClickXY(xy[0][0], xy[0][1]))
		poly := mapWaitInput(t, c, "area_polygons")
		mapCheckPolygon(t, poly, want)
		if n := mapEval[int](t, c, `document.querySelectorAll("#area path.vigie-map-shape").length`); n != 1 {
			t.Errorf("%d shapes drawn, want 1", n)
		}

		// The same with the keyboard only: the tool button, then Enter on
		// the map adds its centre, the arrow keys move the map, and the
		// Finish button closes the polygon.
		mapDo(t, c, "choose the polygon tool with the keyboard",
			chromedp.Focus(chromedp.CSS(`#area button[data-map-action="polygon"]`)),
			chromedp.KeyEvent(kb.Enter),
			chromedp.Focus(chromedp.CSS("#area .vigie-map-canvas")),
		)
		var centres [][2]float64
		for _, key := range []string{"", kb.ArrowRight, kb.ArrowDown} {
			if key != "" {
				mapEval[bool](t, c, `(() => {
					const el = document.querySelector("#area");
					el.dataset.moved = "no";
					el.vigieMap.map.once("moveend", () => { el.dataset.moved = "yes"; });
					return true;
				})()`)
				mapDo(t, c, "move the map", chromedp.KeyEvent(key))
				mapWait(t, c, "the map moved", `document.querySelector("#area").dataset.moved === "yes"`)
			}
			p := mapEval[[]float64](t, c, `(() => { const ll = document.querySelector("#area").vigieMap.map.getCenter(); return [ll.lat, ll.lng]; })()`)
			centres = append(centres, [2]float64{p[0], p[1]})
			mapDo(t, c, "add the centre", chromedp.KeyEvent(kb.Enter))
		}
		mapDo(t, c, "finish with the keyboard",
			chromedp.Focus(chromedp.CSS(`#area button[data-map-action="finish"]`)),
			chromedp.KeyEvent(kb.Enter),
		)
		lines := strings.Split(mapWaitInputLines(t, c, "area_polygons", 2), "\n")
		if lines[0] != poly {
			t.Errorf("the first polygon changed from %q to %q", poly, lines[0])
		}
		mapCheckPolygon(t, lines[1], centres)
		if u := mapEval[string](t, c, `location.pathname`); u != "/testdata/draw.html" {
			t.Fatalf("Enter submitted the form: now at %s", u)
		}
		mapDo(t, c, "undo the keyboard polygon", chromedp.Click(chromedp.CSS(`#area button[data-map-action="undo"]`)))
		if got := mapInput(t, c, "area_polygons"); got != poly {
			t.Fatalf("after undo the polygons are %q, want %q", got, poly)
		}

		// A circle dragged out from its centre.
		cx, cy := mapCanvasPoint(t, c, "#area", 0.2, 0.75)
		ex, ey := mapCanvasPoint(t, c, "#area", 0.3, 0.8)
		clat, clon := mapLatLngAt(t, c, "#area", cx, cy)
		elat, elon := mapLatLngAt(t, c, "#area", ex, ey)
		mapDo(t, c, "drag out a circle",
			chromedp.Click(chromedp.CSS(`#area button[data-map-action="circle"]`)),
			chromedp.MouseEvent(chromedp.MouseMoved, cx, cy),
			chromedp.MouseEvent(chromedp.MousePressed, cx, cy, chromedp.ButtonLeft, chromedp.ClickCount(1)),
			chromedp.MouseEvent(chromedp.MouseMoved, (cx+ex)/2, (cy+ey)/2, chromedp.ButtonLeft),
			chromedp.MouseEvent(chromedp.MouseMoved, ex, ey, chromedp.ButtonLeft),
			chromedp.MouseEvent(chromedp.MouseReleased, ex, ey, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		)
		circles := mapWaitInput(t, c, "area_circles")
		mapCheckCircle(t, circles, clat, clon, mapHaversineKm(clat, clon, elat, elon))

		// A second circle by a click, with the radius typed beforehand,
		// then changed in the radius field while it is selected.
		px, py := mapCanvasPoint(t, c, "#area", 0.8, 0.8)
		plat, plon := mapLatLngAt(t, c, "#area", px, py)
		mapDo(t, c, "click a circle of 2.5 km",
			chromedp.Click(chromedp.CSS(`#area button[data-map-action="circle"]`)),
			chromedp.SetValue(chromedp.CSS("#area .vigie-map-radius input"), "2.5"),
			chromedp.MouseClickXY(px, py),
		)
		lines = strings.Split(mapWaitInputLines(t, c, "area_circles", 2), "\n")
		mapCheckCircle(t, lines[0], clat, clon, mapHaversineKm(clat, clon, elat, elon))
		mapCheckCircle(t, lines[1], plat, plon, 2.5)
		mapEval[bool](t, c, `(() => { const r = document.querySelector("#area .vigie-map-radius input"); r.value = "3"; r.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
		lines = strings.Split(mapInput(t, c, "area_circles"), "\n")
		if len(lines) != 2 {
			t.Fatalf("circles after the radius change: %q", lines)
		}
		mapCheckCircle(t, lines[1], plat, plon, 3)
		mapShot(t, c, "map-draw.png")
		if got := mapInput(t, c, "area_polygons"); got != poly {
			t.Errorf("the polygon changed from %q to %q", poly, got)
		}

		// The page heard about each change (htmx listens for "change").
		changes := mapEval[string](t, c, `document.body.getAttribute("data-changes") || "{}"`)
		var counts map[string]int
		if err := json.Unmarshal([]byte(changes), &counts); err != nil {
			t.Fatalf("change counts %q: %v", changes, err)
		}
		if counts["area_polygons"] != 3 || counts["area_circles"] != 3 {
			t.Errorf("change events %v, want area_polygons 3 (add, add, undo) and area_circles 3", counts)
		}

		// Undo removes the last shape; Clear removes them all.
		mapDo(t, c, "undo", chromedp.Click(chromedp.CSS(`#area button[data-map-action="undo"]`)))
		if got := mapInput(t, c, "area_circles"); got != lines[0] {
			t.Errorf("circles after undo: %q, want %q", got, lines[0])
		}
		mapDo(t, c, "clear", chromedp.Click(chromedp.CSS(`#area button[data-map-action="clear"]`)))
		if p, ci := mapInput(t, c, "area_polygons"), mapInput(t, c, "area_circles"); p != "" || ci != "" {
			t.Errorf("after clear: polygons %q, circles %q", p, ci)
		}
		if u := mapEval[string](t, c, `location.pathname`); u != "/testdata/draw.html" {
			t.Errorf("the widget submitted the form: now at %s", u)
		}
	})

	t.Run("show", func(t *testing.T) {
		w := tab(t, "show.html")
		c := w.ctx
		ready(t, c, "#alert-map")
		// The CAP polygon, the CAP circle and the GeoJSON polygon and point.
		mapWait(t, c, "the shapes are drawn", `document.querySelectorAll("#alert-map path.vigie-map-shape").length === 4`)
		ds := mapEval[[]string](t, c, `Array.from(document.querySelectorAll("#alert-map path.vigie-map-shape")).map(p => p.getAttribute("d"))`)
		for _, d := range ds {
			if !regexp.MustCompile(`^M-?\d`).MatchString(d) || len(d) < 10 {
				t.Errorf("path d=%q is not a drawn shape", d)
			}
		}
		mapShot(t, c, "map-show.png")
		if z := mapEval[float64](t, c, `document.querySelector("#alert-map").vigieMap.map.getZoom()`); z < 10 {
			t.Errorf("zoom %v: the view was not fitted to the shapes", z)
		}
		if n := mapEval[int](t, c, `document.querySelectorAll("#alert-map .vigie-map-tools button").length`); n != 0 {
			t.Errorf("%d tool buttons in show mode", n)
		}
		w.mu.Lock()
		fetched := strings.Join(*w.urls, "\n")
		w.mu.Unlock()
		if !strings.Contains(fetched, "/testdata/area.geojson") {
			t.Errorf("the GeoJSON was not fetched; requests:\n%s", fetched)
		}

		// Set-up is idempotent, content swapped in by htmx gets a map, and
		// htmx's clean-up tears it down.
		got := mapEval[[]int](t, c, `(() => {
			document.body.dispatchEvent(new CustomEvent("htmx:load", {bubbles: true, detail: {elt: document.body}}));
			const before = document.querySelectorAll(".vigie-map-canvas").length;
			const div = document.createElement("div");
			div.setAttribute("data-map-mode", "show");
			div.setAttribute("data-tiles", "");
			div.setAttribute("data-polygons", "43.3,5.3 43.3,5.4 43.2,5.4 43.3,5.3");
			document.querySelector("main").appendChild(div);
			div.dispatchEvent(new CustomEvent("htmx:load", {bubbles: true, detail: {elt: div}}));
			div.dispatchEvent(new CustomEvent("htmx:load", {bubbles: true, detail: {elt: div}}));
			const after = document.querySelectorAll(".vigie-map-canvas").length;
			const paths = div.querySelectorAll("path.vigie-map-shape").length;
			div.dispatchEvent(new CustomEvent("htmx:beforeCleanupElement", {bubbles: true}));
			return [before, after, paths, div.vigieMap ? 1 : 0, div.querySelector(".leaflet-pane") ? 1 : 0];
		})()`)
		if fmt.Sprint(got) != "[1 2 1 0 0]" {
			t.Errorf("htmx set-up and clean-up: [canvases before, after, paths, still set up, panes left] = %v, want [1 2 1 0 0]", got)
		}
	})

	t.Run("cells", func(t *testing.T) {
		w := tab(t, "cells.html")
		c := w.ctx
		origin := srv.URL
		if _, err := chromedp.CallBrowser(c, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: "geolocation"},
			Setting:    browser.PermissionSettingGranted,
			Origin:     origin,
		}); err != nil {
			t.Fatalf("grant geolocation: %v", err)
		}
		ready(t, c, "#cells-map")
		if s := mapText(t, c, "#cells-map .vigie-map-status"); s != "Zoom in to choose cells." {
			t.Errorf("status at zoom 5: %q, want the zoom-in hint", s)
		}

		// A click at a low zoom comes closer; then a click picks a cell.
		x, y := mapCanvasPoint(t, c, "#cells-map", 0.5, 0.5)
		mapDo(t, c, "click to zoom in", chromedp.MouseClickXY(x, y))
		mapWait(t, c, "the grid shows at zoom 11", `(() => {
			const m = document.querySelector("#cells-map").vigieMap.map;
			const g = document.querySelector("#cells-map path.vigie-map-grid");
			return m.getZoom() === 11 && g && (g.getAttribute("d") || "").length > 20;
		})()`)
		if v := mapInput(t, c, "cells"); v != "" {
			t.Fatalf("the zoom-in click selected %q", v)
		}
		x, y = mapCanvasPoint(t, c, "#cells-map", 0.37, 0.61)
		lat, lon := mapLatLngAt(t, c, "#cells-map", x, y)
		want := mapGeohash(lat, lon, 5)
		mapDo(t, c, "click a cell", chromedp.MouseClickXY(x, y))
		got := mapWaitInput(t, c, "cells")
		if !regexp.MustCompile(`^[0-9b-hjkmnp-z]{5}$`).MatchString(got) || got != want {
			t.Errorf("cells input %q, want the geohash %q of the clicked point %.5f,%.5f", got, want, lat, lon)
		}
		if n := mapEval[int](t, c, `document.querySelectorAll("#cells-map path.vigie-map-cell-selected").length`); n != 1 {
			t.Errorf("%d selected cells drawn, want 1", n)
		}
		if b := mapEval[string](t, c, `(() => { const b = document.querySelector("#cells-map button.vigie-map-cell"); return b ? b.getAttribute("data-cell") : ""; })()`); b != want {
			t.Errorf("the list of cells shows %q, want %q", b, want)
		}
		mapShot(t, c, "map-cells.png")
		mapDo(t, c, "click the same cell again", chromedp.MouseClickXY(x, y))
		mapWait(t, c, "the cell is deselected", `document.querySelector('input[name="cells"]').value === ""`)

		// "Use my location": the cell is computed in the browser.
		const myLat, myLon = 43.2965, 5.3698 // Marseille
		if _, err := chromedp.Call(c, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{
			Latitude: mapPtr(myLat), Longitude: mapPtr(myLon), Accuracy: mapPtr(30),
		}); err != nil {
			t.Fatalf("set the position: %v", err)
		}
		mapDo(t, c, "use my location", chromedp.Click(chromedp.CSS(`#cells-map button[data-map-action="locate"]`)))
		got = mapWaitInput(t, c, "cells")
		if want := mapGeohash(myLat, myLon, 5); got != want {
			t.Errorf("located cell %q, want %q", got, want)
		}
		mapWait(t, c, "the map shows the located cell", fmt.Sprintf(
			`document.querySelector("#cells-map").vigieMap.map.getBounds().contains([%v, %v])`, myLat, myLon))
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, u := range *w.urls {
			if strings.Contains(u, "43.29") || strings.Contains(u, "5.36") || strings.Contains(u, "/submitted") {
				t.Errorf("a request may carry the position: %s", u)
			}
		}
	})

	t.Run("rtl", func(t *testing.T) {
		w := tab(t, "rtl.html")
		c := w.ctx
		ready(t, c, "#area")
		ready(t, c, "#cells-map")
		layout := mapEval[[]string](t, c, `(() => {
			const cv = document.querySelector("#area .vigie-map-canvas");
			const zoom = document.querySelector("#area .leaflet-control-zoom");
			return [document.documentElement.dir, cv.getAttribute("dir"), getComputedStyle(cv).direction,
				zoom.parentElement.className, getComputedStyle(document.querySelector("#area .vigie-map-tools")).direction,
				document.querySelector('#area button[data-map-action="polygon"]').textContent,
				cv.getAttribute("aria-label"), document.querySelector("#area .leaflet-control-zoom-in").title];
		})()`)
		want := []string{"rtl", "ltr", "ltr", "leaflet-top leaflet-right", "rtl", "مضلع", "خريطة", "تكبير"}
		if fmt.Sprint(layout) != fmt.Sprint(want) {
			t.Errorf("layout %q, want %q", layout, want)
		}

		// The circle of the alert being edited is drawn and left as it was.
		if n := mapEval[int](t, c, `document.querySelectorAll("#area path.vigie-map-shape").length`); n != 1 {
			t.Errorf("%d shapes drawn from the inputs, want the circle", n)
		}

		// A polygon closed by a double click, away from the circle's handles.
		fr := [][2]float64{{0.25, 0.2}, {0.75, 0.25}, {0.6, 0.8}}
		var want3 [][2]float64
		mapDo(t, c, "choose the polygon tool", chromedp.Click(chromedp.CSS(`#area button[data-map-action="polygon"]`)))
		for i, f := range fr {
			x, y := mapCanvasPoint(t, c, "#area", f[0], f[1])
			lat, lon := mapLatLngAt(t, c, "#area", x, y)
			want3 = append(want3, [2]float64{lat, lon})
			steps := []chromedp.Action[chromedp.Void]{chromedp.MouseClickXY(x, y)}
			if i == len(fr)-1 {
				steps = append(steps, chromedp.MouseClickXY(x, y, chromedp.ClickCount(2)))
			}
			mapDo(t, c, "click a vertex", steps...)
		}
		mapCheckPolygon(t, mapWaitInput(t, c, "area_polygons"), want3)
		if v := mapInput(t, c, "area_circles"); v != "48.8566,2.3522 2.5" {
			t.Errorf("the circle input became %q", v)
		}

		mapShot(t, c, "map-rtl.png")

		// The cells map of the same page starts with its pre-selected cell.
		if v := mapInput(t, c, "cells"); v != "u09tj" {
			t.Errorf("pre-selected cells %q, want u09tj", v)
		}
		if n := mapEval[int](t, c, `document.querySelectorAll("#cells-map path.vigie-map-cell-selected").length`); n != 1 {
			t.Errorf("%d pre-selected cells drawn, want 1", n)
		}
		if l := mapEval[string](t, c, `document.querySelector("#cells-map button.vigie-map-cell").getAttribute("aria-label")`); l != "إزالة u09tj" {
			t.Errorf("cell button label %q", l)
		}
		// This page's Permissions-Policy forbids geolocation: no button.
		if n := mapEval[int](t, c, `document.querySelectorAll('#cells-map button[data-map-action="locate"]').length`); n != 0 {
			t.Errorf("a \"Use my location\" button on a page where geolocation is not allowed")
		}
	})

	if n := tileCount(); n == 0 {
		t.Error("no tile was asked of the tile server")
	}
}

// mapTestServer serves testdata/map under /testdata/, the static folder on
// disk under /static/ (plain names), and 256×256 PNG tiles under /tiles/
// down to zoom 14, as the tiles package does by default.
// It returns the number of tiles served so far.
func mapTestServer(t *testing.T) (*httptest.Server, func() int) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for y := 0; y < 256; y++ {
		for x := 0; x < 256; x++ {
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
	tile := buf.Bytes()
	var mu sync.Mutex
	tiles := 0
	tilePath := regexp.MustCompile(`^/tiles/(\d+)/\d+/\d+\.png$`)

	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServer(http.Dir("static"))))
	mux.Handle("GET /testdata/", http.StripPrefix("/testdata/", http.FileServer(http.Dir(filepath.Join("testdata", "map")))))
	mux.HandleFunc("GET /tiles/", func(w http.ResponseWriter, r *http.Request) {
		m := tilePath.FindStringSubmatch(r.URL.Path)
		if m == nil {
			http.NotFound(w, r)
			return
		}
		if z, _ := strconv.Atoi(m[1]); z > 14 { // as the tiles package by default
			http.Error(w, "zoom out of range", http.StatusBadRequest)
			return
		}
		mu.Lock()
		tiles++
		mu.Unlock()
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(tile)
	})
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentPolicy) // the web UI's own
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Cache-Control", "no-store")
		// The web UI's policy forbids geolocation; the subscription page
		// must allow it for this site, as cells.html does here.
		policy := "camera=(), microphone=(), geolocation=()"
		if r.URL.Path == "/testdata/cells.html" {
			policy = "camera=(), microphone=(), geolocation=(self)"
		}
		hd.Set("Permissions-Policy", policy)
		mux.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, func() int {
		mu.Lock()
		defer mu.Unlock()
		return tiles
	}
}

// mapGeohash is a standard base32 geohash encoder, written here because the
// geo package is not there yet.
func mapGeohash(lat, lon float64, precision int) string {
	const base32 = "0123456789bcdefghjkmnpqrstuvwxyz"
	latLo, latHi, lonLo, lonHi := -90.0, 90.0, -180.0, 180.0
	var out []byte
	ch, bits, even := 0, 0, true
	for len(out) < precision {
		ch <<= 1
		if even {
			if mid := (lonLo + lonHi) / 2; lon >= mid {
				ch |= 1
				lonLo = mid
			} else {
				lonHi = mid
			}
		} else {
			if mid := (latLo + latHi) / 2; lat >= mid {
				ch |= 1
				latLo = mid
			} else {
				latHi = mid
			}
		}
		even = !even
		if bits++; bits == 5 {
			out = append(out, base32[ch])
			ch, bits = 0, 0
		}
	}
	return string(out)
}

func TestMapGeohash(t *testing.T) {
	// Known values: the classic example and the cells of test pages.
	for _, tc := range []struct {
		lat, lon float64
		n        int
		want     string
	}{
		{57.64911, 10.40744, 11, "u4pruydqqvj"},
		{48.8566, 2.3522, 5, "u09tv"},
		{-33.8688, 151.2093, 5, "r3gx2"},
		{0, 0, 5, "s0000"},
		{42.6, -5.6, 5, "ezs42"},
	} {
		if got := mapGeohash(tc.lat, tc.lon, tc.n); got != tc.want {
			t.Errorf("geohash(%v, %v, %d) = %q, want %q", tc.lat, tc.lon, tc.n, got, tc.want)
		}
	}
}

var mapPairRE = regexp.MustCompile(`^-?\d{1,2}\.\d{4},-?\d{1,3}\.\d{4}$`)

// mapCheckPolygon checks a CAP polygon: latitude first, 4 decimals, closed,
// the given vertices in order.
func mapCheckPolygon(t *testing.T, poly string, want [][2]float64) {
	t.Helper()
	pairs := strings.Split(poly, " ")
	if len(pairs) != len(want)+1 {
		t.Fatalf("polygon %q has %d pairs, want %d", poly, len(pairs), len(want)+1)
	}
	if pairs[0] != pairs[len(pairs)-1] {
		t.Errorf("polygon %q is not closed", poly)
	}
	for i, p := range pairs {
		if !mapPairRE.MatchString(p) {
			t.Errorf("pair %q of %q is not lat,lon with 4 decimals", p, poly)
			continue
		}
		w := want[i%len(want)]
		lat, lon := mapSplitPair(t, p)
		if math.Abs(lat-w[0]) > 0.00006 || math.Abs(lon-w[1]) > 0.00006 {
			t.Errorf("pair %d is %s, want %.4f,%.4f (the clicked point)", i, p, w[0], w[1])
		}
	}
}

// mapCheckCircle checks a CAP circle "lat,lon radius_km".
func mapCheckCircle(t *testing.T, circle string, lat, lon, km float64) {
	t.Helper()
	parts := strings.Split(circle, " ")
	if len(parts) != 2 || !mapPairRE.MatchString(parts[0]) {
		t.Fatalf("circle %q is not \"lat,lon radius\"", circle)
	}
	clat, clon := mapSplitPair(t, parts[0])
	if math.Abs(clat-lat) > 0.00006 || math.Abs(clon-lon) > 0.00006 {
		t.Errorf("circle %q: centre, want %.4f,%.4f", circle, lat, lon)
	}
	r, err := strconv.ParseFloat(parts[1], 64)
	if err != nil || math.Abs(r-km) > 0.006+km*0.002 {
		t.Errorf("circle %q: radius, want %.3f km", circle, km)
	}
}

func mapSplitPair(t *testing.T, p string) (lat, lon float64) {
	t.Helper()
	a, b, _ := strings.Cut(p, ",")
	lat, err1 := strconv.ParseFloat(a, 64)
	lon, err2 := strconv.ParseFloat(b, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("pair %q", p)
	}
	return lat, lon
}

// mapHaversineKm is the great-circle distance as Leaflet measures it.
func mapHaversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Atan2(math.Sqrt(a), math.Sqrt(1-a))
}

func mapPtr(v float64) *float64 { return &v }

// mapShot keeps a screenshot of the page when VIGIE_SCREENSHOT_DIR names a
// folder, to look at the widget after the test.
func mapShot(t *testing.T, c context.Context, name string) {
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

func mapConsoleArgs(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		if a.Description != "" {
			parts = append(parts, a.Description)
		} else {
			parts = append(parts, string(a.Value))
		}
	}
	return strings.Join(parts, " ")
}

func mapDo(t *testing.T, c context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(c, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func mapEval[T any](t *testing.T, c context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// mapWait waits until the expression is true (a liveness wait: Poll's own
// 30-second limit only turns a hang into a failure).
func mapWait(t *testing.T, c context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(c, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		t.Fatalf("wait until %s: %v", what, err)
	}
}

func mapText(t *testing.T, c context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(mapEval[string](t, c, fmt.Sprintf(`document.querySelector(%q).textContent`, sel)))
}

func mapInput(t *testing.T, c context.Context, name string) string {
	t.Helper()
	return mapEval[string](t, c, fmt.Sprintf(`document.querySelector('input[name=%q]').value`, name))
}

func mapWaitInput(t *testing.T, c context.Context, name string) string {
	t.Helper()
	mapWait(t, c, name+" is filled in", fmt.Sprintf(`document.querySelector('input[name=%q]').value !== ""`, name))
	return mapInput(t, c, name)
}

func mapWaitInputLines(t *testing.T, c context.Context, name string, n int) string {
	t.Helper()
	mapWait(t, c, fmt.Sprintf("%s has %d lines", name, n), fmt.Sprintf(`document.querySelector('input[name=%q]').value.split("\n").length === %d`, name, n))
	return mapInput(t, c, name)
}

// mapCanvasPoint returns the viewport coordinates of a point of the map
// canvas given as fractions of its width and height.
func mapCanvasPoint(t *testing.T, c context.Context, sel string, fx, fy float64) (x, y float64) {
	t.Helper()
	p := mapEval[[]float64](t, c, fmt.Sprintf(`(() => {
		const cv = document.querySelector(%q).vigieMap.canvas;
		cv.scrollIntoView({block: "center"});
		const r = cv.getBoundingClientRect();
		return [r.left + %v * r.width, r.top + %v * r.height];
	})()`, sel, fx, fy))
	return math.Round(p[0]), math.Round(p[1])
}

// mapLatLngAt returns where Leaflet puts a click at viewport point x, y.
func mapLatLngAt(t *testing.T, c context.Context, sel string, x, y float64) (lat, lon float64) {
	t.Helper()
	p := mapEval[[]float64](t, c, fmt.Sprintf(`(() => {
		const ll = document.querySelector(%q).vigieMap.map.mouseEventToLatLng({clientX: %v, clientY: %v});
		return [ll.lat, ll.lng];
	})()`, sel, x, y))
	return p[0], p[1]
}
