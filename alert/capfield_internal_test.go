package alert

import (
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/cap"
)

func TestCAPFieldNames(t *testing.T) {
	d := &Draft{Infos: []Info{{}, {Event: "Attaque"}}}
	tests := map[string]string{
		"alert/info[1]/headline":                     "infos[1].headline",
		"alert/info[0]/language":                     "infos[0].language",
		"alert/info[2]/senderName":                   "infos[2].sender_name",
		"alert/info[0]/event":                        "event",
		"alert/info[1]/event":                        "infos[1].event",
		"alert/info[0]/category[2]":                  "categories[2]",
		"alert/info[0]/category":                     "categories",
		"alert/info[1]/responseType[0]":              "response_types[0]",
		"alert/info[0]/expires":                      "expires",
		"alert/info[0]/web":                          "web",
		"alert/info[1]/area[0]/areaDesc":             "infos[1].area_desc",
		"alert/info[0]/area[0]/polygon[3]":           "area.polygons[3]",
		"alert/info[2]/area[0]/circle[0]":            "area.circles[0]",
		"alert/info[0]/area[0]/geocode[1]/valueName": "area.geocodes[1]",
		"alert/note":                                 "note",
		"alert/status":                               "status",
		"alert/identifier":                           "",
		"alert/references":                           "",
		"alert/info[0]/resource[0]/mimeType":         "",
	}
	for path, want := range tests {
		if got := capField(path, d); got != want {
			t.Errorf("capField(%q) = %q, want %q", path, got, want)
		}
	}
}

// The CAP check is the backstop behind the draft's own checks: whatever
// they let through is reported with the element and the rule.
func TestCAPCheckNamesElementAndRule(t *testing.T) {
	now := time.Date(2026, 11, 13, 21, 30, 0, 0, time.UTC)
	a := &Alert{Identifier: "vigie-a-1", Sender: "a@vigie.invalid", Status: cap.StatusActual, MsgType: cap.MsgUpdate,
		Scope: cap.ScopePublic, CreatedAt: now, Categories: []cap.Category{cap.CatSecurity}, Event: "e",
		Urgency: cap.UrgImmediate, Severity: cap.SevExtreme, Certainty: cap.CertObserved, Expires: now.Add(time.Hour),
		Infos: []Info{{Language: "fr", Headline: "h", Instruction: "i", AreaDesc: "Paris"}}, Area: Area{Circles: []string{"48.8,2.3 1"}}}
	err := checkCAP(a, nil)
	e := vigie.AsError(err)
	if e == nil || e.Code != vigie.EInvalid || !strings.Contains(e.Message, "alert/references") || !strings.Contains(e.Message, cap.RuleReferencesRequired) {
		t.Fatalf("an Update without references: %v", err)
	}
	a.MsgType = cap.MsgAlert
	a.Infos[0].Language = "fr_FR"
	e = vigie.AsError(checkCAP(a, &Draft{Infos: a.Infos}))
	if e == nil || e.Field != "infos[0].language" || !strings.Contains(e.Message, cap.RuleLanguage) {
		t.Fatalf("a bad language tag: %v", e)
	}
	a.Infos[0].Language = "fr"
	a.Sender = "a b"
	e = vigie.AsError(checkCAP(a, nil))
	if e == nil || e.Field != "" || !strings.Contains(e.Message, cap.RuleIDChars) {
		t.Fatalf("a sender with a space: %v", e)
	}
}
