package webui

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/org"
)

// Cookie names, the form size limit and the Content-Security-Policy.
const (
	sessionCookie  = "vigie_session"    // the session token (org.Service.Login)
	loginCookie    = "vigie_login_csrf" // pre-session CSRF token of the login form
	langCookie     = "lang"             // the chosen language
	maxFormBytes   = 1 << 20            // the largest form body read
	maxUploadBytes = 64 << 20           // the largest photo or video uploaded to hash
	contentPolicy  = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

// visit is what a handler knows about the person: language and, once
// signed in, principal and session.
type visit struct {
	L     *locale
	P     org.Principal
	Sess  *org.Session
	Token string
}

// pageHandler handles a request of a signed-in person.
type pageHandler func(w http.ResponseWriter, r *http.Request, v *visit)

// secure sets the security headers every UI response carries.
func (u *ui) secure(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		h(w, r)
	})
}

// signedIn resolves the session cookie, sends people without a valid
// session to the login page, and checks the CSRF token of every POST.
func (u *ui) signedIn(h pageHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := &visit{L: pickLocale(r)}
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			p, sess, err := u.Orgs.SessionPrincipal(r.Context(), c.Value)
			switch {
			case err == nil && sess != nil:
				v.P, v.Sess, v.Token = p, sess, c.Value
			case vigie.ErrorCode(err) == vigie.EInternal:
				u.fail(w, r, v, err)
				return
			}
		}
		if v.Sess == nil {
			u.toLogin(w, r)
			return
		}
		if r.Method == http.MethodPost {
			if !u.parseForm(w, r, v) {
				return
			}
			if !sameToken(r.PostForm.Get("csrf"), v.Sess.CSRF) {
				u.errorPage(w, r, v, http.StatusForbidden, "err.csrf")
				return
			}
		}
		h(w, r, v)
	}
}

// role is signedIn restricted to members of one kind of organisation.
func (u *ui) role(k org.Kind) func(pageHandler) http.HandlerFunc {
	return func(h pageHandler) http.HandlerFunc {
		return u.signedIn(func(w http.ResponseWriter, r *http.Request, v *visit) {
			if v.P.Kind != k {
				u.errorPage(w, r, v, http.StatusForbidden, "err.role."+string(k))
				return
			}
			h(w, r, v)
		})
	}
}

// parseForm reads a form body of bounded size, answering 413 or 400 itself.
// A multipart form (a file upload) may be as large as maxUploadBytes; its
// file is read by the handler from r.MultipartForm.
func (u *ui) parseForm(w http.ResponseWriter, r *http.Request, v *visit) bool {
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
		err = r.ParseMultipartForm(8 << 20)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		err = r.ParseForm()
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			u.errorPage(w, r, v, http.StatusRequestEntityTooLarge, "err.toolarge")
		} else {
			u.errorPage(w, r, v, http.StatusBadRequest, "err.badform")
		}
		return false
	}
	return true
}

// toLogin sends a person without a session to the login page, remembering
// the page they asked for. htmx requests (the 10-second refresh) are told to
// load the login page in full rather than swap it into the list.
func (u *ui) toLogin(w http.ResponseWriter, r *http.Request) {
	next := "/"
	if r.Method == http.MethodGet && !isHTMX(r) {
		next = r.URL.RequestURI()
	} else if ref, ok := refererPath(r); ok {
		next = ref
	}
	target := "/login"
	if p, ok := afterLogin(next); ok && p != "/" {
		target += "?next=" + url.QueryEscape(p)
	}
	if _, err := r.Cookie(sessionCookie); err == nil {
		clearCookie(w, r, sessionCookie, "/")
	}
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// refererPath is the local path of the page that sent the request, if any.
func refererPath(r *http.Request) (string, bool) {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != r.Host {
		return "", false
	}
	return localPath(ref.RequestURI())
}

// localPath accepts next-page targets that stay on this site: an absolute
// path, not "//host" nor "/\host" (which browsers read as another host),
// and without control characters.
func localPath(s string) (string, bool) {
	if s == "" || len(s) > 2000 || s[0] != '/' || strings.HasPrefix(s, "//") || strings.ContainsAny(s, "\\\x00\r\n\t") {
		return "", false
	}
	p, err := url.Parse(s)
	if err != nil || p.Scheme != "" || p.Host != "" || p.User != nil || p.Opaque != "" {
		return "", false
	}
	return s, true
}

// afterLogin is localPath, minus the pages that make no sense after
// logging in.
func afterLogin(s string) (string, bool) {
	s, ok := localPath(s)
	if p, _, _ := strings.Cut(s, "?"); !ok || p == "/login" || p == "/logout" || p == "/lang" {
		return "", false
	}
	return s, true
}

// sameToken compares a submitted token with the expected one in constant time.
func sameToken(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// newToken returns a random URL-safe token.
func newToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func setCookie(w http.ResponseWriter, r *http.Request, c *http.Cookie) {
	c.Secure = r.TLS != nil
	c.HttpOnly = true
	if c.SameSite == 0 {
		c.SameSite = http.SameSiteLaxMode
	}
	if c.Path == "" {
		c.Path = "/"
	}
	http.SetCookie(w, c)
}

func clearCookie(w http.ResponseWriter, r *http.Request, name, path string) {
	setCookie(w, r, &http.Cookie{Name: name, Value: "", Path: path, MaxAge: -1, Expires: time.Unix(1, 0)})
}

func isHTMX(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") == ""
}

// fail renders err: ENotFound as 404, EForbidden as 403, EConflict as 409,
// EInvalid as 422 (forms show these beside their fields instead),
// EUnauthorized as a trip to the login page, anything else as a logged 500.
func (u *ui) fail(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	e := vigie.AsError(err)
	switch vigie.ErrorCode(err) {
	case vigie.ENotFound:
		u.errorPage(w, r, v, http.StatusNotFound, "err.notfound")
	case vigie.EForbidden:
		u.errorPageMsg(w, r, v, http.StatusForbidden, "err.forbidden", e.Message)
	case vigie.EConflict:
		u.errorPageMsg(w, r, v, http.StatusConflict, "err.conflict", e.Message)
	case vigie.EInvalid:
		u.errorPageMsg(w, r, v, http.StatusUnprocessableEntity, "err.invalid", v.L.ErrMessage(e.Message))
	case vigie.EUnauthorized:
		u.toLogin(w, r)
	case vigie.ETooLarge:
		u.errorPage(w, r, v, http.StatusRequestEntityTooLarge, "err.toolarge")
	default:
		u.Log.Error("web UI request failed", slog.String("path", r.URL.Path), slog.Any("err", err))
		u.errorPage(w, r, v, http.StatusInternalServerError, "err.internal")
	}
}
