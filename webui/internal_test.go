package webui

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/referral"
)

// TestCatalogue checks that every language has every message, and that
// every key the templates and handlers use exists.
func TestCatalogue(t *testing.T) {
	for _, l := range languages {
		if l.Dir != "ltr" && l.Dir != "rtl" {
			t.Errorf("%s: dir %q", l.Tag, l.Dir)
		}
		for k := range english.msg {
			if _, ok := l.msg[k]; !ok {
				t.Errorf("%s lacks %q", l.Tag, k)
			}
		}
		for k, v := range l.msg {
			if _, ok := english.msg[k]; !ok {
				t.Errorf("%s has %q, which English lacks", l.Tag, k)
			}
			if strings.Count(v, "%")-2*strings.Count(v, "%%") != strings.Count(english.msg[k], "%")-2*strings.Count(english.msg[k], "%%") {
				t.Errorf("%s %q: %q has other format verbs than English %q", l.Tag, k, v, english.msg[k])
			}
		}
	}

	var used []string
	literal := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	_ = fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := templateFS.ReadFile(path)
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			used = append(used, m[1])
		}
		return nil
	})
	goKey := regexp.MustCompile(`(?:T\(|errorPage\w*\(w, r, v, [^,]+, |page\(r, v, "[a-z]*", |BackLabel: )"([a-z0-9_.]+)"`)
	done := regexp.MustCompile(`(?:seeOther\(w, r, [^,]+, |\},\s*)"([a-z]+)"(?:, (?:nil|vals|map)|\))`)
	files, _ := fs.Glob(os.DirFS("."), "*.go")
	doneKeys := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(f)
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			used = append(used, m[1])
		}
		for _, m := range done.FindAllStringSubmatch(string(b), -1) {
			used = append(used, "done."+m[1])
			doneKeys++
		}
	}
	for _, s := range referral.States {
		used = append(used, "state."+string(s))
	}
	for _, k := range []referral.Kind{referral.KindReferral, referral.KindRemovalOrder} {
		used = append(used, "kind."+string(k))
	}
	for _, r := range impossibilityReasons {
		used = append(used, "reason."+string(r))
	}
	for _, c := range contentTypes {
		used = append(used, "ct."+string(c))
	}
	for _, k := range []org.Kind{org.KindAuthority, org.KindPlatform, org.KindNGO} {
		used = append(used, "org."+string(k), "err.role."+string(k))
	}
	for _, a := range []referral.Action{referral.ActionRemoved, referral.ActionDisabled} {
		used = append(used, "action."+string(a))
	}
	for _, l := range draftLabels {
		used = append(used, l)
	}
	if doneKeys < 9 {
		t.Errorf("found %d confirmations (done=…) in the handlers; the scan is broken", doneKeys)
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys in use; the scan is broken", len(used))
	}
	for _, k := range used {
		if strings.HasSuffix(k, ".") {
			continue // the prefix of a key made at run time, checked above
		}
		if !english.has(k) {
			t.Errorf("key %q is used but not in the catalogue", k)
		}
	}
}

func TestPickLocale(t *testing.T) {
	for _, c := range []struct{ cookie, accept, want string }{
		{"", "", "en"},
		{"", "fr-FR,fr;q=0.9,en-US;q=0.8", "fr"},
		{"", "fr-CA", "fr"},
		{"", "de-DE,de;q=0.9", "en"},
		{"", "de-DE,fr;q=0.5", "fr"},
		{"", "garbage;;;", "en"},
		{"en", "fr", "en"},
		{"fr", "en", "fr"},
		{"xx", "fr", "fr"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if c.accept != "" {
			r.Header.Set("Accept-Language", c.accept)
		}
		if c.cookie != "" {
			r.Header.Set("Cookie", "lang="+c.cookie)
		}
		if got := pickLocale(r).Tag; got != c.want {
			t.Errorf("cookie %q, Accept-Language %q: %s, want %s", c.cookie, c.accept, got, c.want)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for s, ok := range map[string]bool{
		"/referrals": true, "/referrals/x?done=1": true, "/": true, "/login?next=%2Fqueue": true,
		"": false, "referrals": false, "//evil.example": false, "/\\evil.example": false, "https://evil.example/": false,
		"/a\nb": false, "javascript:alert(1)": false, "/%0d%0aSet-Cookie:x": true, // stays an escaped path
	} {
		if _, got := localPath(s); got != ok {
			t.Errorf("localPath(%q) = %v, want %v", s, got, ok)
		}
	}
	for _, s := range []string{"/login", "/login?next=/x", "/logout", "/lang?l=fr"} {
		if _, ok := afterLogin(s); ok {
			t.Errorf("afterLogin(%q) accepted", s)
		}
	}
}

func TestSortByUrgency(t *testing.T) {
	now := time.Date(2026, 11, 13, 22, 0, 0, 0, time.UTC)
	at := func(m int) *time.Time { x := now.Add(time.Duration(m) * time.Minute); return &x }
	rs := []*referral.Referral{
		{Reference: "late-deadline", IssuedAt: now, Deadline: at(50)},
		{Reference: "pending-new", IssuedAt: now.Add(time.Minute)},
		{Reference: "overdue", IssuedAt: now, Deadline: at(-5)},
		{Reference: "soon", IssuedAt: now, Deadline: at(3)},
		{Reference: "pending-old", IssuedAt: now.Add(-time.Minute)},
	}
	sortByUrgency(rs)
	var got []string
	for _, r := range rs {
		got = append(got, r.Reference)
	}
	want := []string{"pending-old", "pending-new", "overdue", "soon", "late-deadline"}
	if !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func TestClock(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0:00", 59 * time.Second: "0:59", 59*time.Minute + 59*time.Second + 900*time.Millisecond: "59:59",
		time.Hour: "1:00:00", 90*time.Minute + 5*time.Second: "1:30:05",
	} {
		if got := clockText(d); got != want {
			t.Errorf("clockText(%v) = %q, want %q", d, got, want)
		}
	}
	now := time.Date(2026, 11, 13, 22, 0, 0, 0, time.UTC)
	dl := now.Add(9*time.Minute + 30*time.Second)
	c := english.Clock(&referral.Referral{State: referral.StateReceived, Deadline: &dl}, now)
	if c.Text != "9:30" || c.Class != "soon" || c.Deadline != "2026-11-13T22:09:30Z" {
		t.Errorf("under 10 minutes: %+v", c)
	}
	past := now.Add(-2 * time.Minute)
	c = french.Clock(&referral.Referral{State: referral.StateOverdue, Deadline: &past}, now)
	if c.Text != "en retard +2:00" || c.Class != "over" {
		t.Errorf("overdue: %+v", c)
	}
	c = english.Clock(&referral.Referral{State: referral.StatePending, IssuedAt: now.Add(-42 * time.Second)}, now)
	if c.Deadline != "" || c.Since == "" || c.Text != "+0:42" {
		t.Errorf("pending: %+v", c)
	}
}

func TestFormatting(t *testing.T) {
	at := time.Date(2026, 11, 13, 22, 14, 5, 0, time.FixedZone("CET", 3600))
	for _, c := range []struct{ got, want string }{
		{english.Time(at), "21:14 UTC"},
		{english.DateTime(at), "13 Nov 2026, 21:14 UTC"},
		{french.DateTime(&at), "13 nov. 2026 à 21:14 UTC"},
		{french.Stamp(at), "13 nov. 2026 à 21:14:05 UTC"},
		{english.When(at, at.Add(time.Hour)), "21:14 UTC"},
		{english.Percent(0.974), "97%"},
		{french.Percent(0.974), "97\u202f%"},
		{french.MinutesF(750), "12,5 min"},
		{english.Minutes(3600), "60 min"},
		{english.ErrMessage("must be between 5 and 10080"), "Must be between 5 and 10080."},
		{french.ErrMessage("is required"), "Ce champ est obligatoire."},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestCookies(t *testing.T) {
	for _, tls := range []bool{false, true} {
		r := httptest.NewRequest("GET", "/", nil)
		if !tls {
			r.TLS = nil
		} else {
			r = httptest.NewRequest("GET", "https://vigie.example/", nil)
		}
		w := httptest.NewRecorder()
		setCookie(w, r, &http.Cookie{Name: sessionCookie, Value: "v"})
		c := w.Result().Cookies()[0]
		if c.Secure != tls || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
			t.Errorf("TLS %v: cookie Secure=%v HttpOnly=%v SameSite=%v Path=%q", tls, c.Secure, c.HttpOnly, c.SameSite, c.Path)
		}
	}
}

func TestLoginThrottle(t *testing.T) {
	now := time.Date(2026, 11, 13, 22, 0, 0, 0, time.UTC)
	th := newLoginThrottle(func() time.Time { return now })
	for range loginBurst {
		if !th.allow("192.0.2.1") {
			t.Fatal("refused before the burst was spent")
		}
		th.failed("192.0.2.1")
	}
	if th.allow("192.0.2.1") {
		t.Fatal("allowed after the burst")
	}
	if !th.allow("192.0.2.2") {
		t.Fatal("another address was refused")
	}
	now = now.Add(loginRefill)
	if !th.allow("192.0.2.1") {
		t.Fatal("no attempt back after one refill period")
	}
	th.failed("192.0.2.1")
	if th.allow("192.0.2.1") {
		t.Fatal("the refilled attempt was not spent")
	}
	th.succeeded("192.0.2.1")
	if !th.allow("192.0.2.1") {
		t.Fatal("a success did not clear the address")
	}
}
