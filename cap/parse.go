package cap

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// particle is one element declaration of a schema sequence.
type particle struct {
	name     string // local name in the parent's CAP namespace; "*" with ns: any element of ns
	ns       string // wildcard namespace
	min, max int    // max < 0: unbounded
}

func one(name string) particle  { return particle{name: name, min: 1, max: 1} }
func opt(name string) particle  { return particle{name: name, min: 0, max: 1} }
func many(name string) particle { return particle{name: name, min: 0, max: -1} }
func some(name string) particle { return particle{name: name, min: 1, max: -1} }

// Content models of the three schemas (sequences: order is enforced).
var (
	alertModel12 = []particle{one("identifier"), one("sender"), one("sent"), one("status"), one("msgType"),
		opt("source"), one("scope"), opt("restriction"), opt("addresses"), many("code"), opt("note"),
		opt("references"), opt("incidents"), many("info"), {name: "*", ns: NSDSig, max: -1}}
	// The 1.1 schema omits the signature wildcard, but the 1.1
	// specification (section 3.3.2.1) allows an enveloped XML signature;
	// we follow the specification (see earthquake_signed.cap).
	alertModel11 = alertModel12
	alertModel10 = []particle{one("identifier"), one("sender"), one("sent"), one("status"), one("msgType"),
		opt("password"), opt("source"), opt("scope"), opt("restriction"), opt("addresses"), many("code"),
		opt("note"), opt("references"), opt("incidents"), many("info")}

	infoModel11 = []particle{opt("language"), some("category"), one("event"), many("responseType"),
		one("urgency"), one("severity"), one("certainty"), opt("audience"), many("eventCode"),
		opt("effective"), opt("onset"), opt("expires"), opt("senderName"), opt("headline"),
		opt("description"), opt("instruction"), opt("web"), opt("contact"), many("parameter"),
		many("resource"), many("area")}
	infoModel10 = []particle{opt("language"), many("category"), one("event"),
		one("urgency"), one("severity"), one("certainty"), opt("audience"), many("eventCode"),
		opt("effective"), opt("onset"), opt("expires"), opt("senderName"), opt("headline"),
		opt("description"), opt("instruction"), opt("web"), opt("contact"), many("parameter"),
		many("resource"), many("area")}

	resourceModel12 = []particle{one("resourceDesc"), one("mimeType"), opt("size"), opt("uri"), opt("derefUri"), opt("digest")}
	resourceModel11 = []particle{one("resourceDesc"), opt("mimeType"), opt("size"), opt("uri"), opt("derefUri"), opt("digest")}
	resourceModel10 = []particle{one("resourceDesc"), opt("mimeType"), opt("size"), opt("uri"), opt("digest")}

	areaModel = []particle{one("areaDesc"), many("polygon"), many("circle"), many("geocode"), opt("altitude"), opt("ceiling")}
	pairModel = []particle{one("valueName"), one("value")}
)

// source is what the parser learnt that the decoded fields cannot show:
// order, cardinality and unknown-element problems, and source lines.
type source struct {
	problems []Problem
	lines    map[string]int // element path → line in the input
}

// Parse reads one CAP alert (1.2, 1.1 or 1.0) from r.
//
// It returns an error only when the input cannot be read as a CAP alert at
// all: too large, a DOCTYPE, not well-formed, not an <alert> root, or a
// wrong or missing namespace. Schema and specification problems (element
// order, missing elements, bad values) do not stop parsing: the alert is
// returned and Validate reports them.
func Parse(r io.Reader, lim Limits) (*Alert, error) {
	doc, err := parseDocument(r, lim)
	if err != nil {
		return nil, err
	}
	return alertFromNode(doc, doc.root)
}

// versionOf maps a CAP namespace to its version.
func versionOf(ns string) string {
	switch ns {
	case NS12:
		return V12
	case NS11:
		return V11
	case NS10:
		return V10
	}
	return ""
}

func alertFromNode(doc *document, root *node) (*Alert, error) {
	v := versionOf(root.space)
	if root.local != "alert" {
		if v != "" {
			return nil, fmt.Errorf("%w: root element <%s> in the CAP namespace (want <alert>)", ErrNotCAP, root.local)
		}
		if root.local == "EDXLDistribution" {
			return nil, fmt.Errorf("%w: EDXL-DE envelope (use ParseEDXLDE)", ErrNotCAP)
		}
		return nil, fmt.Errorf("%w: root element is %s", ErrNotCAP, root.describe())
	}
	if v == "" {
		if root.space == "" {
			return nil, fmt.Errorf("%w: <alert> has no namespace (want %s)", ErrNamespace, NS12)
		}
		return nil, fmt.Errorf("%w: <alert> is in namespace %q (want %s, %s or %s)", ErrNamespace, root.space, NS12, NS11, NS10)
	}
	m := &mapper{doc: doc, ns: root.space, version: v, src: &source{lines: map[string]int{}}}
	a := m.alert(root)
	return a, nil
}

// mapper turns a checked element tree into an Alert, recording schema
// problems on the way.
type mapper struct {
	doc     *document
	ns      string
	version string
	src     *source
}

func (m *mapper) problem(path string, line int, rule, format string, args ...any) {
	m.src.problems = append(m.src.problems, Problem{Path: path, Line: line, Rule: rule, Msg: fmt.Sprintf(format, args...)})
}

// walk checks n's children against model (order, cardinality, unknown
// elements, text-only content of simple elements) and calls f for every
// known child with its path.
func (m *mapper) walk(n *node, path string, model []particle, f func(c *node, cpath string)) {
	m.src.lines[path] = n.line
	m.checkAttrs(n, path)
	if strings.TrimSpace(n.text) != "" {
		m.problem(path, n.line, RuleMixedContent, "<%s> must contain only elements, not text", n.local)
	}
	counts := make([]int, len(model))
	idx := map[string]int{}
	furthest := -1
	for _, c := range n.children {
		j := -1
		for k, p := range model {
			if p.name == "*" {
				if c.space == p.ns {
					j = k
					break
				}
			} else if c.space == m.ns && c.local == p.name {
				j = k
				break
			}
		}
		if j < 0 {
			where := ""
			if c.space != m.ns {
				where = " (namespace " + nsLabel(c.space) + ")"
			}
			m.problem(path+"/"+c.local, c.line, RuleUnknownElement, "unexpected element <%s>%s in <%s>", c.local, where, n.local)
			continue
		}
		p := model[j]
		cpath := path + "/" + c.local
		if p.max != 1 {
			cpath = fmt.Sprintf("%s[%d]", cpath, idx[c.local])
			idx[c.local]++
		}
		m.src.lines[cpath] = c.line
		counts[j]++
		if p.max >= 0 && counts[j] > p.max {
			m.problem(cpath, c.line, RuleCardinality, "<%s> may appear at most once in <%s>", c.local, n.local)
		}
		if j < furthest {
			m.problem(cpath, c.line, RuleOrder, "<%s> is out of order: it must come before <%s>", c.local, model[furthest].name)
		} else {
			furthest = j
		}
		f(c, cpath)
	}
	for k, p := range model {
		if counts[k] < p.min && p.name != "*" {
			m.problem(path+"/"+p.name, n.line, RuleRequired, "<%s> is missing from <%s>", p.name, n.local)
		}
	}
}

func nsLabel(ns string) string {
	if ns == "" {
		return "none"
	}
	return ns
}

// checkAttrs reports attributes: CAP declares none, only the XML Schema
// instance attributes (xsi:schemaLocation...) are acceptable anywhere.
func (m *mapper) checkAttrs(n *node, path string) {
	for _, a := range n.attrs {
		if a.Name.Space == nsXSI {
			continue
		}
		name := a.Name.Local
		if a.Name.Space != "" {
			name = "{" + a.Name.Space + "}" + name
		}
		m.problem(path, n.line, RuleAttribute, "attribute %s is not allowed on <%s>", name, n.local)
	}
}

// notEmpty reports a present but empty element of a non-string type
// (dateTime, integer, decimal): the schema rejects it, while the decoded
// field cannot tell it from an absent one.
func (m *mapper) notEmpty(c *node, cpath, rule, typ string) {
	if strings.TrimSpace(c.text) == "" && len(c.children) == 0 {
		m.problem(cpath, c.line, rule, "<%s> is empty; it must hold %s", c.local, typ)
	}
}

// text returns the content of a simple (text-only) element.
func (m *mapper) text(c *node, cpath string) string {
	m.checkAttrs(c, cpath)
	if len(c.children) > 0 {
		m.problem(cpath, c.line, RuleSimpleContent, "<%s> must contain text only, not elements (found <%s>)", c.local, c.children[0].local)
	}
	return c.text
}

func (m *mapper) alert(n *node) *Alert {
	a := &Alert{Version: m.version, src: m.src}
	model := alertModel12
	switch m.version {
	case V11:
		model = alertModel11
	case V10:
		model = alertModel10
	}
	seen := map[string]bool{}
	// first occurrence wins for single elements; duplicates are reported
	set := func(dst *string, c *node, cpath string) {
		v := m.text(c, cpath)
		if !seen[c.local] {
			*dst = v
			seen[c.local] = true
		}
	}
	m.walk(n, "alert", model, func(c *node, cpath string) {
		if c.space == NSDSig {
			a.Signatures = append(a.Signatures, string(bytes.TrimSpace(m.doc.data[c.start:c.end])))
			return
		}
		switch c.local {
		case "identifier":
			set(&a.Identifier, c, cpath)
		case "sender":
			set(&a.Sender, c, cpath)
		case "sent":
			set(&a.Sent, c, cpath)
		case "status":
			set((*string)(&a.Status), c, cpath)
		case "msgType":
			set((*string)(&a.MsgType), c, cpath)
		case "password":
			m.text(c, cpath) // CAP 1.0 only; deprecated and never written
		case "source":
			set(&a.Source, c, cpath)
		case "scope":
			set((*string)(&a.Scope), c, cpath)
		case "restriction":
			set(&a.Restriction, c, cpath)
		case "addresses":
			set(&a.Addresses, c, cpath)
		case "code":
			a.Code = append(a.Code, m.text(c, cpath))
		case "note":
			set(&a.Note, c, cpath)
		case "references":
			set(&a.References, c, cpath)
		case "incidents":
			set(&a.Incidents, c, cpath)
		case "info":
			a.Info = append(a.Info, m.info(c, cpath))
		}
	})
	return a
}

func (m *mapper) info(n *node, path string) Info {
	var in Info
	model := infoModel11
	if m.version == V10 {
		model = infoModel10
	}
	seen := map[string]bool{}
	set := func(dst *string, c *node, cpath string) {
		v := m.text(c, cpath)
		if !seen[c.local] {
			*dst = v
			seen[c.local] = true
		}
	}
	m.walk(n, path, model, func(c *node, cpath string) {
		switch c.local {
		case "language":
			set(&in.Language, c, cpath)
		case "category":
			in.Category = append(in.Category, Category(m.text(c, cpath)))
		case "event":
			set(&in.Event, c, cpath)
		case "responseType":
			in.ResponseType = append(in.ResponseType, ResponseType(m.text(c, cpath)))
		case "urgency":
			set((*string)(&in.Urgency), c, cpath)
		case "severity":
			set((*string)(&in.Severity), c, cpath)
		case "certainty":
			set((*string)(&in.Certainty), c, cpath)
		case "audience":
			set(&in.Audience, c, cpath)
		case "eventCode":
			in.EventCode = append(in.EventCode, m.pair(c, cpath))
		case "effective":
			m.notEmpty(c, cpath, RuleDateTime, "a date-time")
			set(&in.Effective, c, cpath)
		case "onset":
			m.notEmpty(c, cpath, RuleDateTime, "a date-time")
			set(&in.Onset, c, cpath)
		case "expires":
			m.notEmpty(c, cpath, RuleDateTime, "a date-time")
			set(&in.Expires, c, cpath)
		case "senderName":
			set(&in.SenderName, c, cpath)
		case "headline":
			set(&in.Headline, c, cpath)
		case "description":
			set(&in.Description, c, cpath)
		case "instruction":
			set(&in.Instruction, c, cpath)
		case "web":
			set(&in.Web, c, cpath)
		case "contact":
			set(&in.Contact, c, cpath)
		case "parameter":
			in.Parameter = append(in.Parameter, m.pair(c, cpath))
		case "resource":
			in.Resource = append(in.Resource, m.resource(c, cpath))
		case "area":
			in.Area = append(in.Area, m.area(c, cpath))
		}
	})
	return in
}

// pair reads eventCode, parameter and geocode: valueName/value children
// in 1.1 and 1.2, "valueName=value" text in 1.0.
func (m *mapper) pair(n *node, path string) NamedValue {
	var nv NamedValue
	if m.version == V10 {
		s := m.text(n, path)
		name, value, ok := strings.Cut(s, "=")
		if !ok {
			m.problem(path, n.line, RulePairFormat, "CAP 1.0 <%s> must be valueName=value, got %q", n.local, s)
			return NamedValue{Value: s}
		}
		return NamedValue{ValueName: name, Value: value}
	}
	seen := map[string]bool{}
	m.walk(n, path, pairModel, func(c *node, cpath string) {
		v := m.text(c, cpath)
		if seen[c.local] {
			return
		}
		seen[c.local] = true
		if c.local == "valueName" {
			nv.ValueName = v
		} else {
			nv.Value = v
		}
	})
	return nv
}

func (m *mapper) resource(n *node, path string) Resource {
	var r Resource
	model := resourceModel12
	switch m.version {
	case V11:
		model = resourceModel11
	case V10:
		model = resourceModel10
	}
	seen := map[string]bool{}
	set := func(dst *string, c *node, cpath string) {
		v := m.text(c, cpath)
		if !seen[c.local] {
			*dst = v
			seen[c.local] = true
		}
	}
	m.walk(n, path, model, func(c *node, cpath string) {
		switch c.local {
		case "resourceDesc":
			set(&r.ResourceDesc, c, cpath)
		case "mimeType":
			set(&r.MimeType, c, cpath)
		case "size":
			m.notEmpty(c, cpath, RuleInteger, "an integer")
			set(&r.Size, c, cpath)
		case "uri":
			set(&r.URI, c, cpath)
		case "derefUri":
			set(&r.DerefURI, c, cpath)
		case "digest":
			set(&r.Digest, c, cpath)
		}
	})
	return r
}

func (m *mapper) area(n *node, path string) Area {
	var ar Area
	seen := map[string]bool{}
	set := func(dst *string, c *node, cpath string) {
		v := m.text(c, cpath)
		if !seen[c.local] {
			*dst = v
			seen[c.local] = true
		}
	}
	m.walk(n, path, areaModel, func(c *node, cpath string) {
		switch c.local {
		case "areaDesc":
			set(&ar.AreaDesc, c, cpath)
		case "polygon":
			ar.Polygon = append(ar.Polygon, m.text(c, cpath))
		case "circle":
			ar.Circle = append(ar.Circle, m.text(c, cpath))
		case "geocode":
			ar.Geocode = append(ar.Geocode, m.pair(c, cpath))
		case "altitude":
			if m.version == V12 {
				m.notEmpty(c, cpath, RuleDecimal, "a decimal number")
			}
			set(&ar.Altitude, c, cpath)
		case "ceiling":
			if m.version == V12 {
				m.notEmpty(c, cpath, RuleDecimal, "a decimal number")
			}
			set(&ar.Ceiling, c, cpath)
		}
	})
	return ar
}
