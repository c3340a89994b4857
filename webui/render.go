package webui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/referral"
)

//go:embed static
var staticFS embed.FS

//go:embed templates/*.html
var templateFS embed.FS

// asset is one embedded static file.
type asset struct {
	name  string // the hashed name it is served under
	etag  string
	ctype string
	body  []byte
}

// assets serves the embedded static files under content-hashed names, so
// they can be cached for a year: a changed file gets a new URL.
type assets struct {
	byName   map[string]*asset // "app.css"
	byHashed map[string]*asset // "app.3f2a9c01d4.css"
}

func loadAssets() *assets {
	a := &assets{byName: map[string]*asset{}, byHashed: map[string]*asset{}}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		body, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:])[:12]
		ext := path.Ext(e.Name())
		ctype := mime.TypeByExtension(ext)
		switch ext { // do not depend on the system's MIME tables
		case ".js":
			ctype = "text/javascript; charset=utf-8"
		case ".css":
			ctype = "text/css; charset=utf-8"
		case ".svg":
			ctype = "image/svg+xml"
		}
		as := &asset{name: strings.TrimSuffix(e.Name(), ext) + "." + h + ext, etag: `"` + h + `"`, ctype: ctype, body: body}
		a.byName[e.Name()] = as
		a.byHashed[as.name] = as
	}
	return a
}

// URL returns the hashed URL of a static file; it panics on an unknown name
// (a programming error that the tests catch).
func (a *assets) URL(name string) string {
	as, ok := a.byName[name]
	if !ok {
		panic("webui: no static file " + name)
	}
	return "/static/" + as.name
}

// ServeHTTP serves GET /static/{file}.
func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	as, ok := a.byHashed[r.PathValue("file")]
	if !ok {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", as.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", as.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", contentPolicy)
	http.ServeContent(w, r, as.name, time.Time{}, bytes.NewReader(as.body))
}

// parseTemplates parses every page: files starting with "_" are shared
// (layout, partials); each other file is a page that defines "content" and
// may define partials of its own that htmx requests render alone.
func parseTemplates(a *assets) map[string]*template.Template {
	base := template.Must(template.New("").Funcs(funcs(a)).ParseFS(templateFS, "templates/_*.html"))
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if strings.HasPrefix(name, "_") {
			continue
		}
		pages[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, f))
	}
	return pages
}

// view is what every template receives.
type view struct {
	L        *locale
	P        org.Principal
	SignedIn bool
	CSRF     string
	Path     string // the page's own URL, for the language switcher
	Nav      string // the active navigation entry
	Title    string // already translated
	Now      time.Time
	Notice   string // a translated confirmation of the last action
	Data     any
}

// page builds the view of a page for v.
func (u *ui) page(r *http.Request, v *visit, nav, titleKey string, data any) *view {
	pv := &view{L: v.L, P: v.P, SignedIn: v.Sess != nil, Nav: nav, Title: v.L.T(titleKey), Now: u.Now().UTC(), Data: data}
	if v.Sess != nil {
		pv.CSRF = v.Sess.CSRF
	}
	pv.Path = "/"
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		if key := q.Get("done"); key != "" && v.L.has("done."+key) {
			pv.Notice = v.L.T("done." + key)
		}
		q.Del("done") // the confirmation is shown once, not again in the other language
		pv.Path = r.URL.EscapedPath()
		if len(q) > 0 {
			pv.Path += "?" + q.Encode()
		}
	}
	return pv
}

// render executes a page (or, when block is not "layout", one of its
// partials) into a buffer, then writes it with status.
func (u *ui) render(w http.ResponseWriter, r *http.Request, status int, name, block string, pv *view) {
	t, ok := u.pages[name]
	if !ok {
		panic("webui: no page " + name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, pv); err != nil {
		u.Log.Error("web UI template failed", slog.String("page", name), slog.Any("err", err))
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "Cookie, Accept-Language, HX-Request")
	if status >= 400 && isHTMX(r) {
		// An error answers an htmx request with a whole page: show its main
		// part in place of the page's, not inside the list that asked.
		h.Set("HX-Retarget", "#main")
		h.Set("HX-Reselect", "#main")
		h.Set("HX-Reswap", "outerHTML")
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage renders a page with a translated error message.
func (u *ui) errorPage(w http.ResponseWriter, r *http.Request, v *visit, status int, key string) {
	u.errorPageMsg(w, r, v, status, key, "")
}

// errorPageMsg is errorPage with a detail sentence from the service.
func (u *ui) errorPageMsg(w http.ResponseWriter, r *http.Request, v *visit, status int, key, detail string) {
	type errData struct {
		Status  int
		Message string
		Detail  string
		Home    string
	}
	d := errData{Status: status, Message: v.L.T(key), Detail: detail, Home: "/login"}
	if v.Sess != nil {
		d.Home = homeOf(v.P.Kind)
	}
	pv := u.page(r, v, "", "err.title", d)
	pv.Title = fmt.Sprintf("%d — %s", status, v.L.T("err.title"))
	u.render(w, r, status, "error", "layout", pv)
}

// seeOther redirects after a successful POST (post/redirect/get), adding
// the key of the confirmation to show.
func seeOther(w http.ResponseWriter, r *http.Request, to, done string) {
	if done != "" {
		sep := "?"
		if strings.Contains(to, "?") {
			sep = "&"
		}
		to += sep + "done=" + done
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// funcs are the template functions. Language-dependent formatting is on
// the locale (.L) instead, so that it follows the request.
func funcs(a *assets) template.FuncMap {
	return template.FuncMap{
		"asset": a.URL,
		"iso": func(v any) string {
			if t, ok := asTime(v); ok {
				return t.Format(time.RFC3339)
			}
			return ""
		},
		"short": func(h string) string {
			if len(h) > 12 {
				return h[:12]
			}
			return h
		},
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"open":         func(s referral.State) bool { return s.Open() },
		"reasons":      func() []referral.ImpossibilityReason { return impossibilityReasons },
		"contentTypes": func() []referral.ContentType { return contentTypes },
		"pct":          pct,
		"barClass": func(share float64) string {
			switch {
			case share >= 0.95:
				return "good"
			case share >= 0.8:
				return "mid"
			}
			return "bad"
		},
		"sub": func(a, b int) int { return a - b },
		// actions is the data of the "platform-actions" partial: the view,
		// the referral, where to return, whether htmx replaces the queue,
		// and optionally the errors and values of a failed form.
		"actions": func(v *view, r *referral.Referral, next string, hx bool, forms ...map[string]string) map[string]any {
			m := map[string]any{"V": v, "R": r, "Next": next, "HX": hx, "E": map[string]string{}, "Vals": map[string]string{}}
			if len(forms) > 0 && forms[0] != nil {
				m["E"] = forms[0]
			}
			if len(forms) > 1 && forms[1] != nil {
				m["Vals"] = forms[1]
			}
			return m
		},
	}
}

var (
	impossibilityReasons = []referral.ImpossibilityReason{referral.ReasonForceMajeure, referral.ReasonManifestErr, referral.ReasonInsufficient}
	contentTypes         = []referral.ContentType{referral.ContentIncites, referral.ContentSolicits, referral.ContentGroup,
		referral.ContentInstructs, referral.ContentThreatens}
)
