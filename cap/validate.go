package cap

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Problem is one conformance problem of an alert.
type Problem struct {
	// Path locates the element, e.g. "alert/info[1]/area[0]/polygon[0]".
	// Repeatable elements carry their 0-based index among same-named
	// siblings.
	Path string
	// Line is the input line of the element, 0 when unknown (an alert
	// built in Go, or a missing element's parent line).
	Line int
	// Rule is a stable identifier of the broken rule (the Rule* constants).
	Rule string
	// Msg says what is wrong, for people.
	Msg string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s (line %d): %s [%s]", p.Path, p.Line, p.Msg, p.Rule)
	}
	return fmt.Sprintf("%s: %s [%s]", p.Path, p.Msg, p.Rule)
}

// Rule identifiers. Schema rules are prefixed "schema."; the others come
// from section 3 of the specification; Lint's advisories are "advice.".
const (
	RuleUnknownElement     = "schema.unknown-element" // element not declared at that place
	RuleOrder              = "schema.order"           // sequence order broken
	RuleCardinality        = "schema.cardinality"     // single element repeated
	RuleMixedContent       = "schema.mixed-content"   // text inside a structured element
	RuleSimpleContent      = "schema.simple-content"  // element inside a text-only element
	RuleAttribute          = "schema.attribute"       // CAP declares no attributes
	RuleRequired           = "required"               // mandatory element missing or empty
	RuleEnum               = "enum"                   // value outside the enumeration
	RuleDateTime           = "datetime"               // not YYYY-MM-DDThh:mm:ss±hh:mm
	RuleIDChars            = "id.chars"               // space, comma, < or & in identifier/sender
	RuleReferences         = "references.format"      // not sender,identifier,sent triplets
	RuleReferencesRequired = "references.required"    // Update/Cancel/Ack/Error must identify earlier messages
	RuleRestriction        = "restriction.required"   // scope Restricted needs <restriction>
	RuleAddresses          = "addresses.required"     // scope Private needs <addresses>
	RuleLanguage           = "language.format"        // not an RFC 3066 tag
	RulePairFormat         = "pair.format"            // CAP 1.0 valueName=value text
	RuleCoordFormat        = "coord.format"           // not "lat,lon" decimal numbers
	RuleCoordRange         = "coord.range"            // lat outside ±90 or lon outside ±180
	RulePolygonFormat      = "polygon.format"         // empty polygon text
	RulePolygonTooFew      = "polygon.too-few"        // fewer than 4 pairs
	RulePolygonOpen        = "polygon.not-closed"     // first pair != last pair
	RuleCircleFormat       = "circle.format"          // not "lat,lon radius"
	RuleMimeType           = "resource.mime-type"     // not type/subtype
	RuleInteger            = "integer"                // xs:integer (resource size)
	RuleDecimal            = "decimal"                // xs:decimal (altitude, ceiling)
	RuleURI                = "uri"                    // web not absolute; uri relative without derefUri
	RuleDerefURI           = "resource.deref-uri"     // derefUri not base64
	RuleCeiling            = "area.ceiling"           // ceiling without altitude or below it
)

// Validate checks a against the CAP schema and section 3 of the
// specification of a's version (1.2 for alerts built in Go) and returns
// every problem found; none means conformant. For a parsed alert this
// includes what the parser saw in the input (element order, repeated or
// unknown elements), which the fields alone cannot show.
func Validate(a *Alert) []Problem {
	v := &validator{a: a, ver: a.version()}
	if a.src != nil {
		v.lines = a.src.lines
		for _, p := range a.src.problems {
			v.add(p)
		}
	}
	v.alert()
	return v.out
}

type validator struct {
	a     *Alert
	ver   string
	lines map[string]int
	out   []Problem
	seen  map[[2]string]bool
}

func (v *validator) add(p Problem) {
	if v.seen == nil {
		v.seen = map[[2]string]bool{}
	}
	// a missing element is reported by the parser and again as empty by
	// the field checks: keep one
	k := [2]string{p.Path, p.Rule}
	if v.seen[k] {
		return
	}
	v.seen[k] = true
	v.out = append(v.out, p)
}

func (v *validator) report(path, rule, format string, args ...any) {
	line := v.lines[path]
	v.add(Problem{Path: path, Line: line, Rule: rule, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) required(path, name, value string) bool {
	if value == "" {
		v.report(path, RuleRequired, "<%s> is required", name)
		return false
	}
	return true
}

// enum checks value against allowed; an empty single element counts as
// missing, an empty list item (category, responseType) as a bad value.
func (v *validator) enum(path, name, value string, allowed []string) {
	if value == "" && !strings.HasSuffix(path, "]") {
		v.report(path, RuleRequired, "<%s> is required", name)
		return
	}
	if !slices.Contains(allowed, value) {
		v.report(path, RuleEnum, "<%s> %q is not one of %s (CAP %s)", name, value, strings.Join(allowed, ", "), v.ver)
	}
}

func (v *validator) dateTime(path, name, value string) {
	if _, err := parseCAPTime(value); err != nil {
		v.report(path, RuleDateTime, "<%s> %v", name, err)
	}
}

func (v *validator) alert() {
	a := v.a
	if v.required("alert/identifier", "identifier", a.Identifier) {
		v.idChars("alert/identifier", "identifier", a.Identifier)
	}
	if v.required("alert/sender", "sender", a.Sender) {
		v.idChars("alert/sender", "sender", a.Sender)
	}
	if v.required("alert/sent", "sent", a.Sent) {
		v.dateTime("alert/sent", "sent", a.Sent)
	}
	if v.ver == V10 {
		v.enum("alert/status", "status", string(a.Status), statusValues10)
	} else {
		v.enum("alert/status", "status", string(a.Status), statusValues12)
	}
	v.enum("alert/msgType", "msgType", string(a.MsgType), msgTypeValues)
	if a.Scope != "" || v.ver != V10 {
		v.enum("alert/scope", "scope", string(a.Scope), scopeValues)
	}
	if a.Scope == ScopeRestricted && strings.TrimSpace(a.Restriction) == "" {
		v.report("alert/restriction", RuleRestriction, "<restriction> is required when <scope> is Restricted")
	}
	if a.Scope == ScopePrivate && strings.TrimSpace(a.Addresses) == "" {
		v.report("alert/addresses", RuleAddresses, "<addresses> is required when <scope> is Private")
	}
	if strings.TrimSpace(a.References) != "" && v.ver != V10 {
		v.references("alert/references", a.References)
	}
	switch a.MsgType {
	case MsgUpdate, MsgCancel, MsgAck, MsgError:
		// section 3.2.1: these message types act on "the earlier
		// message(s) identified in <references>"
		if strings.TrimSpace(a.References) == "" {
			v.report("alert/references", RuleReferencesRequired, "msgType %s acts on earlier messages, but <references> identifies none", a.MsgType)
		}
	}
	for i := range a.Info {
		v.info(fmt.Sprintf("alert/info[%d]", i), &a.Info[i])
	}
}

// idChars: identifier and sender "MUST NOT include spaces, commas or
// restricted characters (< and &)" (section 3.2.1).
func (v *validator) idChars(path, name, s string) {
	if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == '<' || r == '&' }); i >= 0 {
		v.report(path, RuleIDChars, "<%s> %q contains %q; spaces, commas, < and & are not allowed", name, s, s[i:i+1])
	}
}

// references checks the whitespace-separated sender,identifier,sent
// triplets.
func (v *validator) references(path, s string) {
	for _, f := range strings.Fields(s) {
		parts := strings.Split(f, ",")
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
			v.report(path, RuleReferences, "reference %q is not sender,identifier,sent", f)
			return
		}
		if _, err := parseCAPTime(parts[2]); err != nil {
			v.report(path, RuleReferences, "reference %q: sent %v", f, err)
			return
		}
	}
}

// langTag is the RFC 3066 (and xs:language) form.
var langTag = regexp.MustCompile(`^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$`)

func (v *validator) info(p string, in *Info) {
	// An empty <language/> takes the schema default en-US.
	if l := strings.TrimSpace(in.Language); l != "" && !langTag.MatchString(l) {
		v.report(p+"/language", RuleLanguage, "<language> %q is not an RFC 3066 language tag", in.Language)
	}
	cats := categoryValues11
	if v.ver == V10 {
		cats = categoryValues10
	} else if len(in.Category) == 0 {
		v.report(p+"/category", RuleRequired, "<category> is required (at least one)")
	}
	for i, c := range in.Category {
		v.enum(fmt.Sprintf("%s/category[%d]", p, i), "category", string(c), cats)
	}
	v.required(p+"/event", "event", strings.TrimSpace(in.Event))
	resp := responseValues12
	if v.ver != V12 {
		resp = responseValues11
	}
	for i, r := range in.ResponseType {
		v.enum(fmt.Sprintf("%s/responseType[%d]", p, i), "responseType", string(r), resp)
	}
	v.enum(p+"/urgency", "urgency", string(in.Urgency), urgencyValues)
	v.enum(p+"/severity", "severity", string(in.Severity), severityValues)
	if v.ver == V10 {
		v.enum(p+"/certainty", "certainty", string(in.Certainty), certaintyValues0)
	} else {
		v.enum(p+"/certainty", "certainty", string(in.Certainty), certaintyValues)
	}
	for i, ec := range in.EventCode {
		v.required(fmt.Sprintf("%s/eventCode[%d]/valueName", p, i), "valueName", strings.TrimSpace(ec.ValueName))
	}
	if in.Effective != "" {
		v.dateTime(p+"/effective", "effective", in.Effective)
	}
	if in.Onset != "" {
		v.dateTime(p+"/onset", "onset", in.Onset)
	}
	if in.Expires != "" {
		v.dateTime(p+"/expires", "expires", in.Expires)
	}
	if in.Web != "" && !absoluteURI(in.Web) {
		v.report(p+"/web", RuleURI, "<web> %q is not a full absolute URI", in.Web)
	}
	for i, pm := range in.Parameter {
		v.required(fmt.Sprintf("%s/parameter[%d]/valueName", p, i), "valueName", strings.TrimSpace(pm.ValueName))
	}
	for i := range in.Resource {
		v.resource(fmt.Sprintf("%s/resource[%d]", p, i), &in.Resource[i])
	}
	for i := range in.Area {
		v.area(fmt.Sprintf("%s/area[%d]", p, i), &in.Area[i])
	}
}

func absoluteURI(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && u.IsAbs() && (u.Host != "" || u.Opaque != "" || u.Path != "")
}

// mimeType is RFC 2045 type "/" subtype with optional parameters.
var mimeType = regexp.MustCompile(`^[!#$%&'*+.^_` + "`" + `|~0-9A-Za-z-]+/[!#$%&'*+.^_` + "`" + `|~0-9A-Za-z-]+(\s*;.*)?$`)

func (v *validator) resource(p string, r *Resource) {
	v.required(p+"/resourceDesc", "resourceDesc", strings.TrimSpace(r.ResourceDesc))
	if v.ver == V12 {
		v.required(p+"/mimeType", "mimeType", strings.TrimSpace(r.MimeType))
	}
	if m := strings.TrimSpace(r.MimeType); m != "" && !mimeType.MatchString(m) {
		v.report(p+"/mimeType", RuleMimeType, "<mimeType> %q is not an RFC 2046 type/subtype", r.MimeType)
	}
	if r.Size != "" && !isInteger(r.Size) {
		v.report(p+"/size", RuleInteger, "<size> %q is not an integer", r.Size)
	}
	if r.DerefURI != "" {
		if _, err := base64.StdEncoding.DecodeString(stripSpace(r.DerefURI)); err != nil {
			v.report(p+"/derefUri", RuleDerefURI, "<derefUri> is not base64 data: %v", err)
		}
	}
	if u := strings.TrimSpace(r.URI); u != "" && !absoluteURI(u) && r.DerefURI == "" {
		v.report(p+"/uri", RuleURI, "<uri> %q is relative but there is no <derefUri>", r.URI)
	}
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

var (
	integerRe = regexp.MustCompile(`^[+-]?[0-9]+$`)
	decimalRe = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)
)

// isInteger and isDecimal follow xs:integer and xs:decimal, whose
// whitespace facet is "collapse".
func isInteger(s string) bool { return integerRe.MatchString(strings.TrimSpace(s)) }
func isDecimal(s string) bool { return decimalRe.MatchString(strings.TrimSpace(s)) }

func (v *validator) area(p string, ar *Area) {
	v.required(p+"/areaDesc", "areaDesc", strings.TrimSpace(ar.AreaDesc))
	for i, s := range ar.Polygon {
		if strings.TrimSpace(s) == "" {
			continue // empty polygon: treated as absent (Lint mentions it)
		}
		if _, err := ParsePolygon(s); err != nil {
			v.geo(fmt.Sprintf("%s/polygon[%d]", p, i), err)
		}
	}
	for i, s := range ar.Circle {
		if strings.TrimSpace(s) == "" {
			continue
		}
		if _, err := ParseCircle(s); err != nil {
			v.geo(fmt.Sprintf("%s/circle[%d]", p, i), err)
		}
	}
	for i, g := range ar.Geocode {
		v.required(fmt.Sprintf("%s/geocode[%d]/valueName", p, i), "valueName", strings.TrimSpace(g.ValueName))
	}
	altOK := ar.Altitude != "" && isDecimal(ar.Altitude)
	if ar.Altitude != "" && !altOK {
		v.report(p+"/altitude", RuleDecimal, "<altitude> %q is not a decimal number (feet)", ar.Altitude)
	}
	if ar.Ceiling != "" {
		switch {
		case !isDecimal(ar.Ceiling):
			v.report(p+"/ceiling", RuleDecimal, "<ceiling> %q is not a decimal number (feet)", ar.Ceiling)
		case ar.Altitude == "":
			v.report(p+"/ceiling", RuleCeiling, "<ceiling> must not be used without <altitude>")
		case altOK:
			alt, _ := strconv.ParseFloat(strings.TrimSpace(ar.Altitude), 64)
			ceil, _ := strconv.ParseFloat(strings.TrimSpace(ar.Ceiling), 64)
			if ceil < alt {
				v.report(p+"/ceiling", RuleCeiling, "<ceiling> %s is below <altitude> %s", ar.Ceiling, ar.Altitude)
			}
		}
	}
}

func (v *validator) geo(path string, err error) {
	rule := RulePolygonFormat
	if ge, ok := err.(*GeoError); ok {
		rule = ge.Rule
	}
	v.report(path, rule, "%v", err)
}

// capTime is the lexical form of CAP 1.2 (the schema's pattern; its
// "[-,+]" admits a comma that xs:dateTime itself rejects).
var capTime = regexp.MustCompile(`^\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$`)

// parseCAPTime checks the CAP form and the xs:dateTime value ranges.
// Surrounding whitespace is allowed: xs:dateTime collapses it.
func parseCAPTime(s string) (time.Time, error) {
	t := strings.TrimSpace(s)
	if !capTime.MatchString(t) {
		switch {
		case strings.HasSuffix(t, "Z"):
			return time.Time{}, fmt.Errorf("%q uses \"Z\"; CAP requires a numeric offset (\"-00:00\" for UTC)", s)
		case strings.Contains(t, "."):
			return time.Time{}, fmt.Errorf("%q has fractional seconds, which CAP does not allow", s)
		}
		return time.Time{}, fmt.Errorf("%q is not of the form YYYY-MM-DDThh:mm:ss±hh:mm", s)
	}
	tm, err := time.Parse(capTimeLayout, t)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a valid date-time", s)
	}
	oh, _ := strconv.Atoi(t[20:22])
	om, _ := strconv.Atoi(t[23:25])
	if om > 59 || oh > 14 || (oh == 14 && om > 0) {
		return time.Time{}, fmt.Errorf("%q has an offset outside ±14:00", s)
	}
	return tm, nil
}
