package alert_test

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/cap"
)

func TestValidDraftHasNoWarnings(t *testing.T) {
	for _, st := range []cap.Status{cap.StatusActual, cap.StatusExercise, cap.StatusTest} {
		d := draft(st)
		ws, err := d.Validate(t0, alert.DefaultPolicy())
		if err != nil || len(ws) != 0 {
			t.Errorf("%s: %v, warnings %+v", st, err, ws)
		}
	}
}

func TestValidateNamesTheField(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(d *alert.Draft)
		field string
		msg   string // part of the message, when it matters
	}{
		{"status System", func(d *alert.Draft) { d.Status = cap.StatusSystem }, "status", ""},
		{"status missing", func(d *alert.Draft) { d.Status = "" }, "status", ""},
		{"no category", func(d *alert.Draft) { d.Categories = nil }, "categories", ""},
		{"unknown category", func(d *alert.Draft) { d.Categories = []cap.Category{cap.CatSecurity, "Terror"} }, "categories[1]", ""},
		{"repeated category", func(d *alert.Draft) { d.Categories = []cap.Category{cap.CatSecurity, cap.CatSecurity} }, "categories[1]", "repeats"},
		{"no event", func(d *alert.Draft) { d.Event = " " }, "event", ""},
		{"unknown response type", func(d *alert.Draft) { d.ResponseTypes = []cap.ResponseType{"Run"} }, "response_types[0]", ""},
		{"unknown urgency", func(d *alert.Draft) { d.Urgency = "Now" }, "urgency", ""},
		{"no severity", func(d *alert.Draft) { d.Severity = "" }, "severity", ""},
		{"CAP 1.0 certainty", func(d *alert.Draft) { d.Certainty = cap.CertVeryLikely }, "certainty", ""},
		{"web not http", func(d *alert.Draft) { d.Web = "ftp://example.org/x" }, "web", ""},
		{"web relative", func(d *alert.Draft) { d.Web = "/alerte" }, "web", ""},
		{"no expiry", func(d *alert.Draft) { d.Expires = time.Time{} }, "expires", "required"},
		{"expired", func(d *alert.Draft) { d.Expires = t0.Add(-time.Minute) }, "expires", "future"},
		{"expires too late", func(d *alert.Draft) { d.Expires = t0.Add(49 * time.Hour) }, "expires", "at most"},
		{"expires before effective", func(d *alert.Draft) { e := t0.Add(7 * time.Hour); d.Effective = &e }, "expires", "after effective"},
		{"effective backdated", func(d *alert.Draft) { e := t0.Add(-2 * time.Hour); d.Effective = &e }, "effective", ""},
		{"onset after expiry", func(d *alert.Draft) { o := t0.Add(7 * time.Hour); d.Onset = &o }, "onset", ""},
		{"no info", func(d *alert.Draft) { d.Infos = nil }, "infos", ""},
		{"no language", func(d *alert.Draft) { d.Infos[2].Language = "" }, "infos[2].language", "required"},
		{"bad language", func(d *alert.Draft) { d.Infos[2].Language = "ar_SA" }, "infos[2].language", "not a language tag"},
		{"unknown language", func(d *alert.Draft) { d.Infos[1].Language = "english" }, "infos[1].language", ""},
		{"language twice", func(d *alert.Draft) { d.Infos[1].Language = "FR" }, "infos[1].language", "repeats infos[0]"},
		{"no headline", func(d *alert.Draft) { d.Infos[0].Headline = "" }, "infos[0].headline", "required"},
		{"headline of 140", func(d *alert.Draft) { d.Infos[2].Headline = strings.Repeat("خ", 140) }, "infos[2].headline", "139"},
		{"no instruction", func(d *alert.Draft) { d.Infos[2].Instruction = "\n" }, "infos[2].instruction", "required"},
		{"no area description", func(d *alert.Draft) { d.Infos[1].AreaDesc = "" }, "infos[1].area_desc", ""},
		{"control character", func(d *alert.Draft) { d.Infos[0].Description += "\x07" }, "infos[0].description", "control"},
		{"not UTF-8", func(d *alert.Draft) { d.Infos[0].SenderName = "\xff" }, "infos[0].sender_name", "UTF-8"},
		{"no Arabic", func(d *alert.Draft) { d.Infos = d.Infos[:2] }, "infos", "Arabic"},
		{"no area", func(d *alert.Draft) { d.Area = alert.Area{} }, "area", ""},
		{"polygon of three pairs", func(d *alert.Draft) { d.Area.Polygons = []string{"48.85,2.35 48.87,2.37 48.85,2.35"} }, "area.polygons[0]", "polygon.too-few"},
		{"open polygon", func(d *alert.Draft) {
			d.Area.Polygons = append(d.Area.Polygons, "48.85,2.35 48.87,2.37 48.86,2.38 48.85,2.36")
		}, "area.polygons[1]", "polygon.not-closed"},
		{"bow tie", func(d *alert.Draft) { d.Area.Polygons = []string{"0,0 1,1 1,0 0,1 0,0"} }, "area.polygons[0]", "crosses itself"},
		{"flat polygon", func(d *alert.Draft) { d.Area.Polygons = []string{"0,0 1,1 2,2 0,0"} }, "area.polygons[0]", "no surface"},
		{"latitude out of range", func(d *alert.Draft) { d.Area.Polygons = []string{"91,0 1,1 1,0 91,0"} }, "area.polygons[0]", "coord.range"},
		{"circle without radius", func(d *alert.Draft) { d.Area.Circles = []string{"48.86,2.37"} }, "area.circles[0]", "circle.format"},
		{"circle of radius 0", func(d *alert.Draft) { d.Area.Circles = []string{"48.86,2.37 0"} }, "area.circles[0]", "more than 0"},
		{"huge circle", func(d *alert.Draft) { d.Area.Circles = []string{"48.86,2.37 900"} }, "area.circles[0]", "500"},
		{"empty geocode", func(d *alert.Draft) { d.Area.Geocodes[0].Value = "" }, "area.geocodes[0].value", ""},
		{"repeated geocode", func(d *alert.Draft) { d.Area.Geocodes = append(d.Area.Geocodes, d.Area.Geocodes[0]) }, "area.geocodes[1].value", "repeats"},
		{"long note", func(d *alert.Draft) { d.Note = strings.Repeat("n", 501) }, "note", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := draft(cap.StatusActual)
			tt.edit(&d)
			ws, err := d.Validate(t0, alert.DefaultPolicy())
			e := vigie.AsError(err)
			if e == nil || e.Code != vigie.EInvalid || e.Field != tt.field || !strings.Contains(e.Message, tt.msg) {
				t.Fatalf("got %v (warnings %v), want invalid %s containing %q", err, ws, tt.field, tt.msg)
			}
			if ws != nil {
				t.Errorf("warnings %v returned with an error", ws)
			}
		})
	}
}

func TestValidateWarnsAboutTranslations(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(d *alert.Draft)
		fields []string
	}{
		{"English copied under Arabic", func(d *alert.Draft) {
			d.Infos[2].Headline, d.Infos[2].Instruction = d.Infos[1].Headline, d.Infos[1].Instruction
		}, []string{"infos[2].headline", "infos[2].instruction"}},
		{"same text, other case and spacing", func(d *alert.Draft) {
			d.Infos[1].Description = "  " + strings.ToUpper(d.Infos[0].Description)
		}, []string{"infos[1].description"}},
		{"description in two languages only", func(d *alert.Draft) { d.Infos[2].Description = "" }, []string{"infos[2].description"}},
		{"HTML", func(d *alert.Draft) { d.Infos[0].Description = "<b>Attention</b> : tirs signalés." }, []string{"infos[0].description"}},
		{"headline repeated as instruction", func(d *alert.Draft) { d.Infos[0].Instruction = d.Infos[0].Headline }, []string{"infos[0].headline"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := draft(cap.StatusActual)
			tt.edit(&d)
			ws, err := d.Validate(t0, alert.DefaultPolicy())
			if err != nil {
				t.Fatalf("refused: %v; an untranslated text must not block an alert", err)
			}
			var got []string
			for _, w := range ws {
				got = append(got, w.Field)
			}
			for _, f := range tt.fields {
				if !contains(got, f) {
					t.Errorf("no warning on %s; got %+v", f, ws)
				}
			}
		})
	}
}

func TestPolicyLanguages(t *testing.T) {
	d := draft(cap.StatusExercise)
	d.Infos = d.Infos[:1]
	p := alert.DefaultPolicy()
	if _, err := d.Validate(t0, p); vigie.ErrorCode(err) != vigie.EInvalid {
		t.Fatalf("French only under the default policy: %v", err)
	}
	p.Languages = []string{"fr"}
	if _, err := d.Validate(t0, p); err != nil {
		t.Fatalf("French only when French is all the policy asks: %v", err)
	}
}

func TestValidateDoesNotChangeTheDraft(t *testing.T) {
	d := draft(cap.StatusActual)
	d.Infos[0].Language = "FR-fr"
	e := t0.Add(time.Minute + 300*time.Millisecond)
	d.Effective = &e
	if _, err := d.Validate(t0, alert.DefaultPolicy()); err != nil {
		t.Fatal(err)
	}
	if d.Infos[0].Language != "FR-fr" || !d.Effective.Equal(e) {
		t.Fatalf("Validate changed its input: %q %v", d.Infos[0].Language, d.Effective)
	}
}

func TestTemplates(t *testing.T) {
	if len(alert.Templates()) != 4 {
		t.Fatalf("%d templates, want shelter, avoid, evacuate and all clear", len(alert.Templates()))
	}
	for _, tpl := range alert.Templates() {
		t.Run(tpl.Name, func(t *testing.T) {
			if got, ok := alert.TemplateNamed(tpl.Name); !ok || got.ResponseType != tpl.ResponseType {
				t.Fatalf("TemplateNamed(%q) = %v, %v", tpl.Name, got.Name, ok)
			}
			for _, lang := range []string{"fr", "en", "ar"} {
				x, ok := tpl.Text(lang)
				if !ok {
					t.Fatalf("no %s text", lang)
				}
				for _, s := range []string{x.Event, x.Headline, x.Instruction} {
					if strings.TrimSpace(s) == "" {
						t.Errorf("%s: an empty text", lang)
					}
				}
				if n := utf8.RuneCountInString(x.Headline); n >= 140 {
					t.Errorf("%s headline has %d characters", lang, n)
				}
				if lang == "ar" && !strings.ContainsFunc(x.Headline+x.Instruction, func(r rune) bool { return unicode.Is(unicode.Arabic, r) }) {
					t.Errorf("the Arabic text is not in Arabic script")
				}
			}
			if x, ok := tpl.Text("fr-BE"); !ok || x.Language != "fr" {
				t.Errorf("fr-BE does not find the French text")
			}
			// A draft pre-filled from the template, given an area and an
			// expiry, is valid and raises no warning.
			d := alert.Draft{Status: cap.StatusActual, Expires: t0.Add(time.Hour), Area: alert.Area{Circles: []string{bataclan}},
				Infos: []alert.Info{{Language: "fr", AreaDesc: "Paris 11e"}, {Language: "en", AreaDesc: "Paris 11th"}, {Language: "ar", AreaDesc: "باريس 11"}}}
			tpl.Prefill(&d)
			if len(d.Infos) != 3 || d.Infos[0].AreaDesc != "Paris 11e" || d.ResponseTypes[0] != tpl.ResponseType {
				t.Fatalf("prefill: %+v", d)
			}
			if ws, err := d.Validate(t0, alert.DefaultPolicy()); err != nil || len(ws) != 0 {
				t.Fatalf("prefilled draft: %v, warnings %+v", err, ws)
			}
		})
	}
}

func TestPrefillAddsMissingLanguages(t *testing.T) {
	d := alert.Draft{Infos: []alert.Info{{Language: "en-GB", AreaDesc: "Lyon"}}, Urgency: cap.UrgExpected}
	alert.Avoid.Prefill(&d)
	if len(d.Infos) != 3 || d.Infos[0].Language != "en-GB" || d.Infos[0].Headline != "Security incident: avoid the area" {
		t.Fatalf("infos %+v", d.Infos)
	}
	if d.Urgency != cap.UrgExpected || d.Severity != cap.SevSevere || d.Event != "Security incident" {
		t.Fatalf("shared fields: %s %s %q", d.Urgency, d.Severity, d.Event)
	}
}
