package alert

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/cap"
)

// Policy holds what the operator decides about alerts.
type Policy struct {
	// SenderDomain makes the CAP sender "<authority id>@<SenderDomain>":
	// globally unique as CAP asks, given a domain the operator controls.
	SenderDomain string
	// MaxDuration bounds the time from effective (or now) to expiry, so a
	// forgotten alert does not stay in force for days.
	MaxDuration time.Duration
	// Languages are the base languages (ISO 639) every alert must have an
	// info for. Tourists and residents who do not read the local language
	// are among those an attack alert must reach.
	Languages []string
	// AllClearFor is how long an all-clear stays in the feeds.
	AllClearFor time.Duration
}

// DefaultPolicy is French, English and Arabic, 48 hours at most, all-clears
// shown for 6 hours.
func DefaultPolicy() Policy {
	return Policy{SenderDomain: "vigie.invalid", MaxDuration: 48 * time.Hour, Languages: []string{"fr", "en", "ar"}, AllClearFor: 6 * time.Hour}
}

// Input limits. Shapes are bounded so that the CAP document, which repeats
// the area in every language, stays a few tens of kilobytes: webhook
// receivers and push payloads are small.
const (
	maxInfos       = 12
	maxHeadline    = 139 // fewer than 140 characters: fits a push notification and WEA-style displays
	maxText        = 2000
	maxShort       = 500
	maxName        = 200
	maxShapes      = 50
	maxPoints      = 1000
	maxGeocodes    = 200
	maxRadiusKm    = 500
	maxBackdate    = time.Hour // how far in the past "effective" may lie
	maxResponseTyp = 9
)

// Draft is what an authority writes: the content of one CAP message, without
// what Vigie adds (identifier, sender, sent, references).
type Draft struct {
	Status        cap.Status         `json:"status" enum:"Actual,Exercise,Test" doc:"Actual needs approval by a second person; Exercise and Test are published at once, labelled as such."`
	Categories    []cap.Category     `json:"categories" minItems:"1" doc:"CAP categories, e.g. Security, CBRNE."`
	Event         string             `json:"event" minLength:"1" maxLength:"200" doc:"The event; each info may translate it."`
	ResponseTypes []cap.ResponseType `json:"response_types,omitempty" doc:"Shelter, Evacuate, Avoid, …"`
	Urgency       cap.Urgency        `json:"urgency" enum:"Immediate,Expected,Future,Past,Unknown"`
	Severity      cap.Severity       `json:"severity" enum:"Extreme,Severe,Moderate,Minor,Unknown"`
	Certainty     cap.Certainty      `json:"certainty" enum:"Observed,Likely,Possible,Unlikely,Unknown"`
	Effective     *time.Time         `json:"effective,omitempty" doc:"Default: publication."`
	Onset         *time.Time         `json:"onset,omitempty"`
	Expires       time.Time          `json:"expires" doc:"After effective, at most 48 hours away by default."`
	Web           string             `json:"web,omitempty" doc:"Absolute http(s) URL with more information."`
	Contact       string             `json:"contact,omitempty"`
	Note          string             `json:"note,omitempty"`
	Infos         []Info             `json:"infos" minItems:"1" doc:"One per language."`
	Area          Area               `json:"area"`
}

// Validate checks a draft: every field, the consistency between languages,
// the area and the times (now is the time of the check), and finally the
// CAP 1.2 rules on the message it would make. It returns the first problem
// as an EInvalid error naming the field ("infos[2].language",
// "area.polygons[0]"), and what it flags without refusing as warnings.
func (d *Draft) Validate(now time.Time, p Policy) ([]Warning, error) {
	n := d.normalized()
	c := &checker{}
	n.check(c, now, p)
	if c.err != nil {
		return nil, c.err
	}
	// The CAP package is the authority on the format: whatever it finds
	// that the checks above let through is reported with element and rule.
	a := n.preview(now, p)
	if err := checkCAP(a, &n); err != nil {
		return nil, err
	}
	return c.warnings, nil
}

// normalized returns a copy with canonical language tags and times in UTC
// to the second (CAP has no fractions), which is what gets stored.
func (d *Draft) normalized() Draft {
	n := *d
	n.Infos = slices.Clone(d.Infos)
	for i := range n.Infos {
		if t, err := language.Parse(strings.TrimSpace(n.Infos[i].Language)); err == nil && capLang.MatchString(n.Infos[i].Language) {
			n.Infos[i].Language = t.String()
		}
	}
	n.Effective, n.Onset = second(d.Effective), second(d.Onset)
	n.Expires = d.Expires.UTC().Truncate(time.Second)
	return n
}

func second(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC().Truncate(time.Second)
	return &v
}

// checker keeps the first error and every warning.
type checker struct {
	err      error
	warnings []Warning
}

func (c *checker) fail(field, format string, args ...any) {
	if c.err == nil {
		c.err = vigie.Invalid(field, format, args...)
	}
}

func (c *checker) warn(field, format string, args ...any) {
	c.warnings = append(c.warnings, Warning{Field: field, Message: fmt.Sprintf(format, args...)})
}

// text checks a text field: valid UTF-8, characters XML can carry, and a
// length in characters.
func (c *checker) text(field, v string, min, max int) {
	switch {
	case !utf8.ValidString(v):
		c.fail(field, "must be valid UTF-8")
	case strings.IndexFunc(v, func(r rune) bool { return !xmlChar(r) || unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }) >= 0:
		c.fail(field, "must not contain control characters")
	case utf8.RuneCountInString(strings.TrimSpace(v)) < min:
		c.fail(field, "is required")
	case utf8.RuneCountInString(v) > max:
		c.fail(field, "must be at most %d characters", max)
	}
}

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// capLang is the language tag form CAP's schema accepts (xs:language).
var capLang = regexp.MustCompile(`^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$`)

var htmlTag = regexp.MustCompile(`<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*[^<>]*>`)

func (d *Draft) check(c *checker, now time.Time, p Policy) {
	switch d.Status {
	case cap.StatusActual, cap.StatusExercise, cap.StatusTest:
	default:
		c.fail("status", "must be Actual, Exercise or Test")
	}
	d.checkShared(c)
	d.checkTimes(c, now, p)
	c.text("note", d.Note, 0, maxShort)
	d.checkInfos(c, p)
	checkArea(c, d.Area)
}

func (d *Draft) checkShared(c *checker) {
	if len(d.Categories) == 0 {
		c.fail("categories", "give at least one category (Security or CBRNE for an attack)")
	}
	for i, cat := range d.Categories {
		field := "categories[" + strconv.Itoa(i) + "]"
		if !slices.Contains(categories, cat) {
			c.fail(field, "must be one of %s", join(categories))
		} else if slices.Index(d.Categories, cat) < i {
			c.fail(field, "repeats %s", cat)
		}
	}
	c.text("event", d.Event, 1, maxName)
	if len(d.ResponseTypes) > maxResponseTyp {
		c.fail("response_types", "must list at most %d response types", maxResponseTyp)
	}
	for i, r := range d.ResponseTypes {
		field := "response_types[" + strconv.Itoa(i) + "]"
		if !slices.Contains(responseTypes, r) {
			c.fail(field, "must be one of %s", join(responseTypes))
		} else if slices.Index(d.ResponseTypes, r) < i {
			c.fail(field, "repeats %s", r)
		}
	}
	if !slices.Contains(urgencies, d.Urgency) {
		c.fail("urgency", "must be one of %s", join(urgencies))
	}
	if !slices.Contains(severities, d.Severity) {
		c.fail("severity", "must be one of %s", join(severities))
	}
	if !slices.Contains(certainties, d.Certainty) {
		c.fail("certainty", "must be one of %s", join(certainties))
	}
	if d.Web != "" {
		u, err := url.Parse(d.Web)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(d.Web, " \t\r\n") || len(d.Web) > 2048 {
			c.fail("web", "must be an absolute http or https URL")
		}
	}
	c.text("contact", d.Contact, 0, maxShort)
}

func (d *Draft) checkTimes(c *checker, now time.Time, p Policy) {
	start := now
	if d.Effective != nil {
		switch {
		case d.Effective.Before(now.Add(-maxBackdate)):
			c.fail("effective", "must not lie more than an hour in the past")
		case d.Effective.After(now.Add(p.MaxDuration)):
			c.fail("effective", "must be within %s", p.MaxDuration)
		}
		start = *d.Effective
	}
	switch {
	case d.Expires.IsZero():
		c.fail("expires", "is required: an alert without an end stays in force for ever")
	case !d.Expires.After(now):
		c.fail("expires", "must be in the future")
	case !d.Expires.After(start):
		c.fail("expires", "must be after effective")
	case d.Expires.Sub(start) > p.MaxDuration:
		c.fail("expires", "must be at most %s after effective (or now); issue an update to extend it", p.MaxDuration)
	}
	if d.Onset != nil {
		switch {
		case d.Onset.Before(now.Add(-p.MaxDuration)):
			c.fail("onset", "must be within the last %s", p.MaxDuration)
		case !d.Onset.Before(d.Expires):
			c.fail("onset", "must be before expires")
		}
	}
}

// info fields, for the comparisons between languages.
var infoTexts = []struct {
	name string
	get  func(*Info) string
}{
	{"headline", func(i *Info) string { return i.Headline }},
	{"description", func(i *Info) string { return i.Description }},
	{"instruction", func(i *Info) string { return i.Instruction }},
}

func (d *Draft) checkInfos(c *checker, p Policy) {
	if len(d.Infos) == 0 {
		c.fail("infos", "give the alert in at least one language")
		return
	}
	if len(d.Infos) > maxInfos {
		c.fail("infos", "must have at most %d languages", maxInfos)
	}
	tags := make([]language.Tag, len(d.Infos))
	for i := range d.Infos {
		in := &d.Infos[i]
		f := "infos[" + strconv.Itoa(i) + "]."
		t, err := language.Parse(strings.TrimSpace(in.Language))
		switch {
		case in.Language == "":
			c.fail(f+"language", "is required (e.g. fr, en, ar)")
		case err != nil || !capLang.MatchString(in.Language) || t == language.Und:
			c.fail(f+"language", "%q is not a language tag (e.g. fr, en-GB, ar)", in.Language)
		}
		tags[i] = t
		for j := range i {
			if err == nil && sameLanguage(tags[j], t) {
				c.fail(f+"language", "repeats infos[%d]: give each language once", j)
			}
		}
		c.text(f+"event", in.Event, 0, maxName)
		c.text(f+"headline", in.Headline, 1, maxHeadline)
		c.text(f+"description", in.Description, 0, maxText)
		c.text(f+"instruction", in.Instruction, 1, maxText)
		c.text(f+"area_desc", in.AreaDesc, 1, maxShort)
		c.text(f+"sender_name", in.SenderName, 0, maxName)
		for _, tf := range infoTexts {
			if htmlTag.MatchString(tf.get(in)) {
				c.warn(f+tf.name, "looks like HTML; receivers show text as it is")
			}
		}
		if same(in.Headline, in.Instruction) || same(in.Headline, in.Description) || same(in.Description, in.Instruction) {
			c.warn(f+"headline", "headline, description and instruction should each say something different")
		}
		if err == nil {
			checkScript(c, f, t, in)
		}
	}
	if c.err != nil {
		return
	}
	for _, want := range p.Languages {
		if !slices.ContainsFunc(tags, func(t language.Tag) bool { b, _ := t.Base(); return b.String() == want }) {
			c.fail("infos", "must include %s (%s): the alert must reach people who do not read the local language", languageName(want), want)
			return
		}
	}
	d.crossCheck(c, tags)
}

// crossCheck compares the languages with each other: a text identical to
// another language's is an untranslated copy, and a description given in
// one language only leaves the others knowing less.
//
// These are warnings, not errors: in an attack, publishing with one
// untranslated text beats not publishing, and the approver sees them.
func (d *Draft) crossCheck(c *checker, tags []language.Tag) {
	for i := range d.Infos {
		f := "infos[" + strconv.Itoa(i) + "]."
		for _, tf := range infoTexts {
			v := tf.get(&d.Infos[i])
			for j := range i {
				if w := tf.get(&d.Infos[j]); v != "" && same(v, w) {
					c.warn(f+tf.name, "is identical to the %s of infos[%d] (%s): it looks untranslated", tf.name, j, tags[j])
					break
				}
			}
		}
		if d.Infos[i].Description == "" {
			for j := range d.Infos {
				if d.Infos[j].Description != "" {
					c.warn(f+"description", "is empty while infos[%d] (%s) has one", j, tags[j])
					break
				}
			}
		}
	}
}

// sameLanguage reports whether two tags name the same language for a
// reader: same base, and the same script and region where both give one.
// fr and fr-FR are the same; fr-FR and fr-CA, or zh-Hans and zh-Hant, are
// not.
func sameLanguage(a, b language.Tag) bool {
	ab, as, ar := a.Raw()
	bb, bs, br := b.Raw()
	var noScript language.Script
	var noRegion language.Region
	return ab == bb && (as == noScript || bs == noScript || as == bs) && (ar == noRegion || br == noRegion || ar == br)
}

// same compares two texts ignoring case and spacing.
func same(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// scripts maps a language's usual script to its Unicode table, for the
// scripts of the languages Vigie's users are likely to write.
var scripts = map[string]*unicode.RangeTable{
	"Latn": unicode.Latin, "Arab": unicode.Arabic, "Cyrl": unicode.Cyrillic, "Grek": unicode.Greek,
	"Hebr": unicode.Hebrew, "Hans": unicode.Han, "Hant": unicode.Han, "Kore": unicode.Hangul,
	"Thai": unicode.Thai, "Deva": unicode.Devanagari, "Armn": unicode.Armenian, "Geor": unicode.Georgian,
}

// checkScript flags a headline or instruction with no letter in the
// script its language is written in: Arabic text pasted under "fr", or
// French left under "ar".
func checkScript(c *checker, f string, t language.Tag, in *Info) {
	s, conf := t.Script()
	table, ok := scripts[s.String()]
	if !ok || conf == language.No {
		return
	}
	for _, tf := range []struct{ name, v string }{{"headline", in.Headline}, {"instruction", in.Instruction}} {
		letters, inScript := 0, 0
		for _, r := range tf.v {
			if unicode.IsLetter(r) {
				letters++
				if unicode.Is(table, r) {
					inScript++
				}
			}
		}
		if letters > 0 && inScript == 0 {
			c.warn(f+tf.name, "has no letter in the %s script of %s: is it in the right language?", s, t)
		}
	}
}

func languageName(base string) string {
	switch base {
	case "fr":
		return "French"
	case "en":
		return "English"
	case "ar":
		return "Arabic"
	}
	return "the language"
}

func checkArea(c *checker, a Area) {
	if a.Empty() {
		c.fail("area", "draw a polygon or a circle, or choose administrative codes")
		return
	}
	if len(a.Polygons)+len(a.Circles) > maxShapes {
		c.fail("area", "must have at most %d shapes", maxShapes)
	}
	points := 0
	for i, s := range a.Polygons {
		field := "area.polygons[" + strconv.Itoa(i) + "]"
		poly, err := cap.ParsePolygon(s)
		if err != nil {
			c.fail(field, "%s", geoMessage(err))
			continue
		}
		points += len(poly)
		if msg := checkRing(poly); msg != "" {
			c.fail(field, "%s", msg)
		}
	}
	if points > maxPoints {
		c.fail("area.polygons", "must have at most %d points in all", maxPoints)
	}
	for i, s := range a.Circles {
		field := "area.circles[" + strconv.Itoa(i) + "]"
		circle, err := cap.ParseCircle(s)
		switch {
		case err != nil:
			c.fail(field, "%s", geoMessage(err))
		case circle.RadiusKm <= 0:
			c.fail(field, "radius must be more than 0 km: the area is who must be alerted")
		case circle.RadiusKm > maxRadiusKm:
			c.fail(field, "radius must be at most %d km", maxRadiusKm)
		}
	}
	if len(a.Geocodes) > maxGeocodes {
		c.fail("area.geocodes", "must have at most %d codes", maxGeocodes)
	}
	for i, g := range a.Geocodes {
		f := "area.geocodes[" + strconv.Itoa(i) + "]."
		c.text(f+"value_name", g.ValueName, 1, 100)
		c.text(f+"value", g.Value, 1, 100)
		if slices.Index(a.Geocodes, g) < i {
			c.fail(f+"value", "repeats area.geocodes[%d]", slices.Index(a.Geocodes, g))
		}
	}
}

// geoMessage words a polygon or circle error with its CAP rule.
func geoMessage(err error) string {
	if ge, ok := err.(*cap.GeoError); ok {
		return fmt.Sprintf("%s (CAP rule %s)", ge.Msg, ge.Rule)
	}
	return err.Error()
}

// The enumerations a draft may use. Status is narrower than CAP's: System
// and Draft messages are not public alerts ("pending" is Vigie's draft), and
// "Very Likely" is CAP 1.0 only.
var (
	categories = []cap.Category{cap.CatGeo, cap.CatMet, cap.CatSafety, cap.CatSecurity, cap.CatRescue, cap.CatFire,
		cap.CatHealth, cap.CatEnv, cap.CatTransport, cap.CatInfra, cap.CatCBRNE, cap.CatOther}
	responseTypes = []cap.ResponseType{cap.RespShelter, cap.RespEvacuate, cap.RespPrepare, cap.RespExecute, cap.RespAvoid,
		cap.RespMonitor, cap.RespAssess, cap.RespAllClear, cap.RespNone}
	urgencies   = []cap.Urgency{cap.UrgImmediate, cap.UrgExpected, cap.UrgFuture, cap.UrgPast, cap.UrgUnknown}
	severities  = []cap.Severity{cap.SevExtreme, cap.SevSevere, cap.SevModerate, cap.SevMinor, cap.SevUnknown}
	certainties = []cap.Certainty{cap.CertObserved, cap.CertLikely, cap.CertPossible, cap.CertUnlikely, cap.CertUnknown}
)

func join[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
