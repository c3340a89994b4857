package webui

import (
	"fmt"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/vigie-project/vigie/referral"
)

// TestArabicLocale checks that Arabic is a right-to-left language of the
// switcher, named in Arabic.
func TestArabicLocale(t *testing.T) {
	if !slices.Contains(languages, arabic) || byTag["ar"] != arabic {
		t.Fatal("Arabic is not one of the languages")
	}
	if arabic.Dir != "rtl" || arabic.Name != "العربية" {
		t.Errorf("Arabic: dir %q, name %q", arabic.Dir, arabic.Name)
	}
	if !slices.Contains(english.Choices(), choice{"ar", "العربية"}) {
		t.Errorf("the switcher lacks Arabic: %v", english.Choices())
	}
	for _, l := range languages {
		if l != arabic && l.Dir != "ltr" {
			t.Errorf("%s: dir %q", l.Tag, l.Dir)
		}
	}
}

// fmtVerb matches one verb of package fmt: flags, an optional argument
// index, width, precision and the verb letter.
var fmtVerb = regexp.MustCompile(`%(?:\[(\d+)\])?([-+# 0]*(?:\d+|\*)?(?:\.(?:\d+|\*)?)?)(?:\[(\d+)\])?([a-zA-Z%])`)

// verbs lists the verbs of a format string as "argument:verb", in argument
// order, resolving explicit indices ("%[2]s") the way fmt does, so that a
// translation may reorder its arguments with indices.
func verbs(format string) []string {
	var out []string
	arg := 0
	for _, m := range fmtVerb.FindAllStringSubmatch(format, -1) {
		if m[4] == "%" {
			continue
		}
		for _, idx := range []string{m[1], m[3]} {
			if idx != "" {
				n, _ := strconv.Atoi(idx)
				arg = n - 1
			}
		}
		out = append(out, fmt.Sprintf("%d:%%%s%s", arg+1, m[2], m[4]))
		arg++
	}
	slices.Sort(out)
	return out
}

func TestVerbs(t *testing.T) {
	for s, want := range map[string][]string{
		"From %s":               {"1:%s"},
		"%d agree, %d disagree": {"1:%d", "2:%d"},
		"%[2]s then %[1]d":      {"1:%d", "2:%s"},
		"%d%% then %5.1f":       {"1:%d", "2:%5.1f"},
		"%d\u202f%%":            {"1:%d"},
		"no verb, 100%% sure":   nil,
		"%[2]s, %s and %[1]q":   {"1:%q", "2:%s", "3:%s"},
		"السطر %d: %s":          {"1:%d", "2:%s"},
		"من \u2068%s\u2069":     {"1:%s"},
		"%[1]s و%[1]s مرة أخرى": {"1:%s", "1:%s"},
	} {
		if got := verbs(s); !slices.Equal(got, want) {
			t.Errorf("verbs(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestTranslationVerbs checks that every translated message takes the same
// arguments with the same verbs as English, in every language (order may
// change only through explicit indices). It covers the merged catalogue,
// so also the pages' own catalogues (mediaMessages and the like), and
// checks mediaMessages on its own too.
func TestTranslationVerbs(t *testing.T) {
	for _, l := range languages {
		for k, v := range l.msg {
			en, ok := english.msg[k]
			if !ok {
				continue // TestCatalogue reports it
			}
			if got, want := verbs(v), verbs(en); !slices.Equal(got, want) {
				t.Errorf("%s %q: verbs %q, English has %q\n\t%q\n\t%q", l.Tag, k, got, want, v, en)
			}
		}
	}
	for tag, msgs := range mediaMessages {
		for k, v := range msgs {
			en, ok := mediaMessages["en"][k]
			if !ok {
				t.Errorf("mediaMessages[%q] has %q, which English lacks", tag, k)
				continue
			}
			if got, want := verbs(v), verbs(en); !slices.Equal(got, want) {
				t.Errorf("mediaMessages[%q][%q]: verbs %q, English has %q", tag, k, got, want)
			}
		}
		for k := range mediaMessages["en"] {
			if _, ok := msgs[k]; !ok {
				t.Errorf("mediaMessages[%q] lacks %q", tag, k)
			}
		}
	}
	if _, ok := mediaMessages["ar"]; !ok {
		t.Error("mediaMessages has no Arabic")
	}
}

// TestArabicTranslated checks that no Arabic message was left in English:
// each one with English words has Arabic letters, and Unicode isolates
// (used around names and URLs) are closed.
func TestArabicTranslated(t *testing.T) {
	latinOnly := map[string]bool{"fmt.datetime": true, "fmt.percent": true, "esc.badge": true}
	word := regexp.MustCompile(`[A-Za-z]{3,}`)
	for k, en := range english.msg {
		ar := arabic.msg[k]
		hasArabic := strings.ContainsFunc(ar, func(r rune) bool { return unicode.Is(unicode.Arabic, r) })
		if word.MatchString(en) && !latinOnly[k] && !hasArabic {
			t.Errorf("ar %q is not translated: %q", k, ar)
		}
		open := strings.Count(ar, "\u2066") + strings.Count(ar, "\u2067") + strings.Count(ar, "\u2068")
		if open != strings.Count(ar, "\u2069") {
			t.Errorf("ar %q: unbalanced isolates in %q", k, ar)
		}
		if strings.ContainsAny(ar, "\u202a\u202b\u202c\u202d\u202e") {
			t.Errorf("ar %q: use isolates (U+2066..2069), not embeddings or overrides", k)
		}
	}
}

func TestArabicFormatting(t *testing.T) {
	at := time.Date(2026, 11, 13, 22, 14, 5, 0, time.FixedZone("CET", 3600))
	for _, c := range []struct{ got, want string }{
		{arabic.Time(at), "21:14 UTC"},
		{arabic.Date(at), "13 نوفمبر 2026"},
		{arabic.Date(at.AddDate(0, -10, 0)), "13 يناير 2026"},
		{arabic.DateTime(at), "13 نوفمبر 2026، 21:14 UTC"},
		{arabic.Stamp(&at), "13 نوفمبر 2026، 21:14:05 UTC"},
		{arabic.When(at, at.Add(time.Hour)), "21:14 UTC"},
		{arabic.Percent(0.974), "97%"},
		{arabic.MinutesF(750), "12.5 دقيقة"},
		{arabic.Minutes(3600), "60 دقيقة"},
		{arabic.Count(1234567), "1,234,567"},
		{arabic.T("esc.badge", 80), "80%"},
		{arabic.T("queue.from", "Pharos (FR)"), "من \u2068Pharos (FR)\u2069"},
		{arabic.ErrMessage("is required"), "هذا الحقل إلزامي."},
		{arabic.State(referral.StateActioned), "تم التنفيذ"},
		{arabic.Kind(referral.KindRemovalOrder), "أمر إزالة"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	for i, m := range arabic.months {
		if m == "" || !strings.ContainsFunc(m, func(r rune) bool { return unicode.Is(unicode.Arabic, r) }) {
			t.Errorf("month %d: %q", i+1, m)
		}
	}
	// Countdowns: Western digits, as static/app.js writes them.
	now := at.UTC()
	past := now.Add(-2 * time.Minute)
	c := arabic.Clock(&referral.Referral{State: referral.StateOverdue, Deadline: &past}, now)
	if c.Text != "متأخر +2:00" || c.OverdueLabel != "متأخر" || c.Class != "over" {
		t.Errorf("overdue: %+v", c)
	}
	c = arabic.Clock(&referral.Referral{State: referral.StatePending, IssuedAt: now.Add(-42 * time.Second)}, now)
	if c.Text != "+0:42" || c.Label != "لم يبدأ احتساب المهلة" {
		t.Errorf("pending: %+v", c)
	}
}

func TestPickLocaleArabic(t *testing.T) {
	for _, c := range []struct{ cookie, accept, want string }{
		{"", "ar", "ar"},
		{"", "ar-MA,ar;q=0.9,fr;q=0.8", "ar"},
		{"", "ar-EG", "ar"},
		{"", "fr-FR,ar;q=0.5", "fr"},
		{"", "de-DE,fr;q=0.5", "fr"},
		{"ar", "fr", "ar"},
		{"fr", "ar", "fr"},
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
