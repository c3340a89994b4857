package webui

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
)

// loginData is the login page's data.
type loginData struct {
	Token string // the pre-session CSRF token, also in the vigie_login_csrf cookie
	Next  string
	Email string
	Error string
}

// loginForm shows the login page, or sends a signed-in person on.
func (u *ui) loginForm(w http.ResponseWriter, r *http.Request) {
	v := &visit{L: pickLocale(r)}
	next, _ := afterLogin(r.URL.Query().Get("next"))
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if p, sess, err := u.Orgs.SessionPrincipal(r.Context(), c.Value); err == nil && sess != nil {
			http.Redirect(w, r, or(next, homeOf(p.Kind)), http.StatusSeeOther)
			return
		}
	}
	u.showLogin(w, r, v, http.StatusOK, loginData{Next: next}, false)
}

// showLogin renders the login page. The form's CSRF token is a random
// value also set in a Strict cookie scoped to /login (double submit):
// there is no session yet to hold it. fresh forces a new token.
func (u *ui) showLogin(w http.ResponseWriter, r *http.Request, v *visit, status int, d loginData, fresh bool) {
	if c, err := r.Cookie(loginCookie); err == nil && len(c.Value) == 32 && !fresh {
		d.Token = c.Value
	} else {
		d.Token = newToken()
		setCookie(w, r, &http.Cookie{Name: loginCookie, Value: d.Token, Path: "/login", SameSite: http.SameSiteStrictMode})
	}
	pv := u.page(r, v, "", "title.login", d)
	pv.Path = "/login"
	if d.Next != "" {
		pv.Path += "?next=" + url.QueryEscape(d.Next)
	}
	u.render(w, r, status, "login", "layout", pv)
}

// login checks the e-mail and password and opens a session.
func (u *ui) login(w http.ResponseWriter, r *http.Request) {
	v := &visit{L: pickLocale(r)}
	if !u.parseForm(w, r, v) {
		return
	}
	d := loginData{Email: strings.TrimSpace(r.PostForm.Get("email"))}
	d.Next, _ = afterLogin(r.PostForm.Get("next"))
	if c, err := r.Cookie(loginCookie); err != nil || !sameToken(r.PostForm.Get("csrf"), c.Value) {
		d.Error = v.L.T("login.expired")
		u.showLogin(w, r, v, http.StatusForbidden, d, true)
		return
	}
	addr := clientAddr(r)
	if !u.throttle.allow(addr) {
		d.Error = v.L.T("login.throttled")
		u.showLogin(w, r, v, http.StatusTooManyRequests, d, false)
		return
	}
	sess, token, err := u.Orgs.Login(r.Context(), d.Email, r.PostForm.Get("password"))
	switch vigie.ErrorCode(err) {
	case "":
		u.throttle.succeeded(addr)
	case vigie.EUnauthorized, vigie.EInvalid, vigie.ENotFound:
		u.throttle.failed(addr)
		d.Error = v.L.T("login.wrong")
		u.showLogin(w, r, v, http.StatusUnauthorized, d, false)
		return
	default:
		u.fail(w, r, v, err)
		return
	}
	setCookie(w, r, &http.Cookie{Name: sessionCookie, Value: token, Expires: sess.ExpiresAt,
		MaxAge: int(time.Until(sess.ExpiresAt) / time.Second)})
	clearCookie(w, r, loginCookie, "/login")
	http.Redirect(w, r, or(d.Next, "/"), http.StatusSeeOther)
}

// logout ends the session.
func (u *ui) logout(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := u.Orgs.Logout(r.Context(), v.Token); err != nil && vigie.ErrorCode(err) != vigie.ENotFound {
		u.fail(w, r, v, err)
		return
	}
	clearCookie(w, r, sessionCookie, "/")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// setLanguage stores the chosen language in the "lang" cookie for a year
// and goes back to the page (a local path only).
func (u *ui) setLanguage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if _, ok := byTag[q.Get("l")]; ok {
		setCookie(w, r, &http.Cookie{Name: langCookie, Value: q.Get("l"), MaxAge: 365 * 24 * 3600})
	}
	next, ok := localPath(q.Get("next"))
	if !ok {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
