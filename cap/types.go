package cap

import (
	"encoding/xml"
	"time"
)

// XML namespaces of the CAP versions this package reads. Only NS12 is
// ever written.
const (
	NS12 = "urn:oasis:names:tc:emergency:cap:1.2"
	NS11 = "urn:oasis:names:tc:emergency:cap:1.1"
	NS10 = "http://www.incident.com/cap/1.0"
	// NSDSig is the XML-Signature namespace; CAP allows enveloped
	// signatures as the last children of <alert>.
	NSDSig = "http://www.w3.org/2000/09/xmldsig#"
)

// Version strings as kept in Alert.Version.
const (
	V10 = "1.0"
	V11 = "1.1"
	V12 = "1.2"
)

// Alert is a CAP <alert> message. Field order is the schema's element
// order, so encoding/xml writes schema-valid 1.2 XML from it.
//
// Text fields hold the element content exactly as received (no trimming),
// because validation must see what the sender sent: xs:string enumerations
// do not tolerate surrounding whitespace, identifiers must not contain any.
type Alert struct {
	XMLName     xml.Name `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
	Identifier  string   `xml:"identifier"`
	Sender      string   `xml:"sender"`
	Sent        string   `xml:"sent"`
	Status      Status   `xml:"status"`
	MsgType     MsgType  `xml:"msgType"`
	Source      string   `xml:"source,omitempty"`
	Scope       Scope    `xml:"scope"`
	Restriction string   `xml:"restriction,omitempty"`
	Addresses   string   `xml:"addresses,omitempty"`
	Code        []string `xml:"code,omitempty"`
	Note        string   `xml:"note,omitempty"`
	References  string   `xml:"references,omitempty"`
	Incidents   string   `xml:"incidents,omitempty"`
	Info        []Info   `xml:"info,omitempty"`

	// Version is the CAP version the alert was read as (V10, V11 or V12);
	// empty means 1.2. Validate applies that version's schema.
	Version string `xml:"-"`
	// Signatures holds each enveloped ds:Signature element exactly as read.
	// Marshal does not write them: re-serialising changes the signed bytes,
	// so a copied signature would no longer verify.
	Signatures []string `xml:"-"`

	src *source // what the parser saw that the fields cannot show
}

// Info is a CAP <info> block: one per language.
type Info struct {
	Language     string         `xml:"language,omitempty"`
	Category     []Category     `xml:"category"`
	Event        string         `xml:"event"`
	ResponseType []ResponseType `xml:"responseType,omitempty"`
	Urgency      Urgency        `xml:"urgency"`
	Severity     Severity       `xml:"severity"`
	Certainty    Certainty      `xml:"certainty"`
	Audience     string         `xml:"audience,omitempty"`
	EventCode    []NamedValue   `xml:"eventCode,omitempty"`
	Effective    string         `xml:"effective,omitempty"`
	Onset        string         `xml:"onset,omitempty"`
	Expires      string         `xml:"expires,omitempty"`
	SenderName   string         `xml:"senderName,omitempty"`
	Headline     string         `xml:"headline,omitempty"`
	Description  string         `xml:"description,omitempty"`
	Instruction  string         `xml:"instruction,omitempty"`
	Web          string         `xml:"web,omitempty"`
	Contact      string         `xml:"contact,omitempty"`
	Parameter    []NamedValue   `xml:"parameter,omitempty"`
	Resource     []Resource     `xml:"resource,omitempty"`
	Area         []Area         `xml:"area,omitempty"`
}

// NamedValue is the valueName/value pair used by eventCode, parameter and
// geocode. CAP 1.0 wrote these as "valueName=value" text; the parser
// splits that form.
type NamedValue struct {
	ValueName string `xml:"valueName"`
	Value     string `xml:"value"`
}

// Resource is a CAP <resource>: a file that supplements the info block.
type Resource struct {
	ResourceDesc string `xml:"resourceDesc"`
	MimeType     string `xml:"mimeType"`
	// Size is kept as text (xs:integer) so that a malformed value can be
	// reported rather than silently lost.
	Size     string `xml:"size,omitempty"`
	URI      string `xml:"uri,omitempty"`
	DerefURI string `xml:"derefUri,omitempty"`
	Digest   string `xml:"digest,omitempty"`
}

// Area is a CAP <area>. Polygons and circles are kept as their CAP text;
// ParsePolygon and ParseCircle decode them.
type Area struct {
	AreaDesc string       `xml:"areaDesc"`
	Polygon  []string     `xml:"polygon,omitempty"`
	Circle   []string     `xml:"circle,omitempty"`
	Geocode  []NamedValue `xml:"geocode,omitempty"`
	Altitude string       `xml:"altitude,omitempty"`
	Ceiling  string       `xml:"ceiling,omitempty"`
}

// Status is the alert's handling code (<status>).
type Status string

// Status values. Draft is new in 1.1.
const (
	StatusActual   Status = "Actual"
	StatusExercise Status = "Exercise"
	StatusSystem   Status = "System"
	StatusTest     Status = "Test"
	StatusDraft    Status = "Draft"
)

// MsgType is the nature of the alert message (<msgType>).
type MsgType string

// MsgType values.
const (
	MsgAlert  MsgType = "Alert"
	MsgUpdate MsgType = "Update"
	MsgCancel MsgType = "Cancel"
	MsgAck    MsgType = "Ack"
	MsgError  MsgType = "Error"
)

// Scope is the intended distribution (<scope>).
type Scope string

// Scope values.
const (
	ScopePublic     Scope = "Public"
	ScopeRestricted Scope = "Restricted"
	ScopePrivate    Scope = "Private"
)

// Category is an info <category>.
type Category string

// Category values. CBRNE is new in 1.1.
const (
	CatGeo       Category = "Geo"
	CatMet       Category = "Met"
	CatSafety    Category = "Safety"
	CatSecurity  Category = "Security"
	CatRescue    Category = "Rescue"
	CatFire      Category = "Fire"
	CatHealth    Category = "Health"
	CatEnv       Category = "Env"
	CatTransport Category = "Transport"
	CatInfra     Category = "Infra"
	CatCBRNE     Category = "CBRNE"
	CatOther     Category = "Other"
)

// ResponseType is a recommended action (<responseType>, new in 1.1).
type ResponseType string

// ResponseType values. Avoid and AllClear are new in 1.2.
const (
	RespShelter  ResponseType = "Shelter"
	RespEvacuate ResponseType = "Evacuate"
	RespPrepare  ResponseType = "Prepare"
	RespExecute  ResponseType = "Execute"
	RespAvoid    ResponseType = "Avoid"
	RespMonitor  ResponseType = "Monitor"
	RespAssess   ResponseType = "Assess"
	RespAllClear ResponseType = "AllClear"
	RespNone     ResponseType = "None"
)

// Urgency is how soon to act (<urgency>).
type Urgency string

// Urgency values.
const (
	UrgImmediate Urgency = "Immediate"
	UrgExpected  Urgency = "Expected"
	UrgFuture    Urgency = "Future"
	UrgPast      Urgency = "Past"
	UrgUnknown   Urgency = "Unknown"
)

// Severity is the threat level (<severity>).
type Severity string

// Severity values.
const (
	SevExtreme  Severity = "Extreme"
	SevSevere   Severity = "Severe"
	SevModerate Severity = "Moderate"
	SevMinor    Severity = "Minor"
	SevUnknown  Severity = "Unknown"
)

// Certainty is the confidence in the observation or prediction
// (<certainty>).
type Certainty string

// Certainty values. "Very Likely" exists only in CAP 1.0, where Observed
// does not.
const (
	CertObserved   Certainty = "Observed"
	CertLikely     Certainty = "Likely"
	CertPossible   Certainty = "Possible"
	CertUnlikely   Certainty = "Unlikely"
	CertUnknown    Certainty = "Unknown"
	CertVeryLikely Certainty = "Very Likely"
)

// Value sets per version, as the schemas enumerate them.
var (
	statusValues12   = []string{"Actual", "Exercise", "System", "Test", "Draft"}
	statusValues10   = []string{"Actual", "Exercise", "System", "Test"}
	msgTypeValues    = []string{"Alert", "Update", "Cancel", "Ack", "Error"}
	scopeValues      = []string{"Public", "Restricted", "Private"}
	categoryValues11 = []string{"Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"}
	categoryValues10 = []string{"Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "Other"}
	responseValues12 = []string{"Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"}
	responseValues11 = []string{"Shelter", "Evacuate", "Prepare", "Execute", "Monitor", "Assess", "None"}
	urgencyValues    = []string{"Immediate", "Expected", "Future", "Past", "Unknown"}
	severityValues   = []string{"Extreme", "Severe", "Moderate", "Minor", "Unknown"}
	certaintyValues  = []string{"Observed", "Likely", "Possible", "Unlikely", "Unknown"}
	certaintyValues0 = []string{"Very Likely", "Likely", "Possible", "Unlikely", "Unknown"}
)

// version returns the effective CAP version of a: empty means 1.2.
func (a *Alert) version() string {
	if a.Version == "" {
		return V12
	}
	return a.Version
}

// capTimeLayout is the CAP date-time form: explicit numeric offset, no
// fractional seconds.
const capTimeLayout = "2006-01-02T15:04:05-07:00"

// FormatTime writes t in the CAP form. A UTC time gets "-00:00", as
// CAP 1.2 section 3.3.2 requires, instead of Go's "Z" or "+00:00".
func FormatTime(t time.Time) string {
	t = t.Truncate(time.Second)
	// time.Local may be UTC too (containers): judge by the zone name
	if name, off := t.Zone(); off == 0 && (t.Location() == time.UTC || name == "UTC") {
		return t.Format("2006-01-02T15:04:05") + "-00:00"
	}
	return t.Format(capTimeLayout)
}

// ParseTime reads a CAP date-time (sent, effective, onset, expires). It
// is strict: "Z", fractional seconds and missing offsets are refused.
func ParseTime(s string) (time.Time, error) {
	return parseCAPTime(s)
}

// SentTime returns the parsed <sent> time.
func (a *Alert) SentTime() (time.Time, error) { return ParseTime(a.Sent) }
