package alert

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/cap"
)

// CAPAlert builds the CAP 1.2 message of a: one <info> per language, each
// with the shared fields and one <area> carrying the shared shapes and
// codes under that language's description. A Cancel has no <info>, so that
// a receiver that ignores msgType cannot show the cancelled instructions
// again.
func (a *Alert) CAPAlert() *cap.Alert {
	c := &cap.Alert{
		Identifier: a.Identifier, Sender: a.Sender, Sent: cap.FormatTime(a.Sent()),
		Status: a.Status, MsgType: a.MsgType, Scope: a.Scope, Note: a.Note,
	}
	refs := make([]string, len(a.References))
	for i, r := range a.References {
		refs[i] = r.String()
	}
	c.References = strings.Join(refs, " ")
	if a.MsgType == cap.MsgCancel {
		return c
	}
	area := cap.Area{Polygon: a.Area.Polygons, Circle: a.Area.Circles}
	for _, g := range a.Area.Geocodes {
		area.Geocode = append(area.Geocode, cap.NamedValue{ValueName: g.ValueName, Value: g.Value})
	}
	for _, in := range a.Infos {
		ci := cap.Info{
			Language: in.Language, Category: a.Categories, Event: in.Event, ResponseType: a.ResponseTypes,
			Urgency: a.Urgency, Severity: a.Severity, Certainty: a.Certainty,
			Effective: capTime(a.Effective), Onset: capTime(a.Onset), Expires: cap.FormatTime(a.Expires),
			SenderName: in.SenderName, Headline: in.Headline, Description: in.Description, Instruction: in.Instruction,
			Web: a.Web, Contact: a.Contact,
		}
		if ci.Event == "" {
			ci.Event = a.Event
		}
		if ci.SenderName == "" {
			ci.SenderName = a.Authority
		}
		ar := area
		ar.AreaDesc = in.AreaDesc
		ci.Area = []cap.Area{ar}
		c.Info = append(c.Info, ci)
	}
	return c
}

func capTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return cap.FormatTime(*t)
}

// CAP returns the CAP 1.2 XML document of a, as feeds serve it and
// webhooks carry it.
func CAP(a *Alert) ([]byte, error) { return cap.Marshal(a.CAPAlert()) }

// checkCAP runs the CAP package's conformance check on the message a would
// be and reports the first problem as an EInvalid error naming the draft
// field (d may be nil when a was not written from a draft), the CAP element
// and the rule.
func checkCAP(a *Alert, d *Draft) error {
	ps := cap.Validate(a.CAPAlert())
	if len(ps) == 0 {
		return nil
	}
	p := ps[0]
	return vigie.Invalid(capField(p.Path, d), "%s (CAP element %s, rule %s)", p.Msg, p.Path, p.Rule)
}

var infoPath = regexp.MustCompile(`^alert/info\[(\d+)\]/([a-zA-Z]+)(?:\[(\d+)\])?(?:/([a-zA-Z]+)(?:\[(\d+)\])?)?`)

// capField maps a CAP element path to the draft field it comes from:
// alert/info[1]/headline is infos[1].headline, alert/info[0]/area[0]/polygon[2]
// is area.polygons[2]. Elements Vigie fills in itself (identifier, sender,
// sent, references) map to no field.
func capField(path string, d *Draft) string {
	switch path {
	case "alert/note":
		return "note"
	case "alert/status":
		return "status"
	}
	m := infoPath.FindStringSubmatch(path)
	if m == nil {
		return ""
	}
	i, _ := strconv.Atoi(m[1])
	info := "infos[" + m[1] + "]."
	idx := func(s string) string {
		if s == "" {
			return ""
		}
		return "[" + s + "]"
	}
	switch m[2] {
	case "language", "headline", "description", "instruction":
		return info + m[2]
	case "senderName":
		return info + "sender_name"
	case "event":
		if d != nil && i < len(d.Infos) && d.Infos[i].Event != "" {
			return info + "event"
		}
		return "event"
	case "category":
		return "categories" + idx(m[3])
	case "responseType":
		return "response_types" + idx(m[3])
	case "urgency", "severity", "certainty", "effective", "onset", "expires", "web", "contact":
		return m[2]
	case "area":
		switch m[4] {
		case "areaDesc":
			return info + "area_desc"
		case "polygon":
			return "area.polygons" + idx(m[5])
		case "circle":
			return "area.circles" + idx(m[5])
		case "geocode":
			return "area.geocodes" + idx(m[5])
		}
		return "area"
	}
	return ""
}

// Message is the JSON rendering of a published alert message for platforms
// and public feeds: the CAP content, without who wrote and approved it.
type Message struct {
	ID         string      `json:"id"`
	Identifier string      `json:"identifier"`
	Sender     string      `json:"sender"`
	Sent       time.Time   `json:"sent"`
	Status     cap.Status  `json:"status" enum:"Actual,Exercise,Test"`
	Exercise   bool        `json:"exercise" doc:"True for Exercise and Test: not a real alert; show Label prominently."`
	Label      string      `json:"label,omitempty" doc:"For exercises and tests, what to show above the alert."`
	MsgType    cap.MsgType `json:"msg_type" enum:"Alert,Update,Cancel"`
	Scope      cap.Scope   `json:"scope"`
	Note       string      `json:"note,omitempty"`
	References []string    `json:"references,omitempty" doc:"CAP sender,identifier,sent triplets of the messages this one replaces."`
	ChainID    string      `json:"chain_id"`
	Authority  string      `json:"authority,omitempty"`

	Categories    []cap.Category     `json:"categories,omitempty"`
	Event         string             `json:"event,omitempty"`
	ResponseTypes []cap.ResponseType `json:"response_types,omitempty"`
	Urgency       cap.Urgency        `json:"urgency,omitempty"`
	Severity      cap.Severity       `json:"severity,omitempty"`
	Certainty     cap.Certainty      `json:"certainty,omitempty"`
	Effective     *time.Time         `json:"effective,omitempty"`
	Onset         *time.Time         `json:"onset,omitempty"`
	Expires       time.Time          `json:"expires"`
	Web           string             `json:"web,omitempty"`
	Contact       string             `json:"contact,omitempty"`
	Infos         []Info             `json:"infos"`
	Area          Area               `json:"area"`
}

// labels mark drills in every rendering, because many receivers show the
// headline and nothing of the CAP status. Clients translate them.
var labels = map[cap.Status]string{
	cap.StatusExercise: "EXERCISE – not a real alert",
	cap.StatusTest:     "TEST – not a real alert",
}

// Render returns the JSON rendering of a.
func Render(a *Alert) Message {
	m := Message{
		ID: a.ID, Identifier: a.Identifier, Sender: a.Sender, Sent: a.Sent(), Status: a.Status, Exercise: a.Exercise(),
		Label: labels[a.Status], MsgType: a.MsgType, Scope: a.Scope, Note: a.Note, ChainID: a.ChainID, Authority: a.Authority,
		Expires: a.Expires, Area: a.Area, Infos: a.Infos,
	}
	for _, r := range a.References {
		m.References = append(m.References, r.String())
	}
	if a.MsgType != cap.MsgCancel {
		m.Categories, m.Event, m.ResponseTypes = a.Categories, a.Event, a.ResponseTypes
		m.Urgency, m.Severity, m.Certainty = a.Urgency, a.Severity, a.Certainty
		m.Effective, m.Onset, m.Web, m.Contact = a.Effective, a.Onset, a.Web, a.Contact
	}
	if m.Infos == nil {
		m.Infos = []Info{}
	}
	return m
}

// Payload is the data of the alert.published, alert.updated and
// alert.cancelled webhooks: the JSON rendering and the CAP document, so a
// receiver can use either without another request.
type Payload struct {
	Alert Message `json:"alert"`
	CAP   string  `json:"cap" doc:"The CAP 1.2 XML document."`
}
