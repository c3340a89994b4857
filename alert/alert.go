// Package alert is how an authority writes, approves and publishes public
// alerts in the Common Alerting Protocol (CAP 1.2), and what platforms and
// public feeds receive of them.
//
// An Alert is Vigie's record of one CAP message. Messages about one event
// form a chain: the first Alert, then any number of Updates, and at most one
// Cancel; every Update and Cancel references every earlier published message
// of its chain, so a receiver that missed one still knows what it replaces.
//
// The two-person rule: an Actual message (Alert, Update or Cancel alike)
// waits in StatePending until a second person of the same authority, not the
// author, approves it; Exercise and Test messages are published at once.
// Updates and Cancels need the approval too, because telling people to leave
// shelter is as dangerous as telling them to take it.
//
// States change only through Apply, a pure function of the alert and an
// event; the Service loads, applies and hands the Store a Change (state,
// audit entry, webhook notices, fan-out job) to commit in one transaction.
// A published message never changes again: only its state moves on
// (superseded, cancelled, expired), never what it said.
//
// The states and what moves them (Apply):
//
//	from              event       to                 who
//	(new)             submitted   pending_approval   the author, status Actual
//	(new)             submitted   published          the author, status Exercise or Test
//	pending_approval  approved    published          another person of the authority
//	pending_approval  rejected    rejected           anyone of the authority
//	pending_approval  expired     expired            system, at expiry
//	published         superseded  superseded         an Update of the chain went out
//	published         cancelled   cancelled          a Cancel of the chain went out
//	superseded        cancelled   cancelled          a Cancel of the chain went out
//	published         expired     expired            system, at expiry
//
// Anything else is EConflict, except the system events on a message that is
// already over, which change nothing. At most one message of a chain waits
// for approval at a time, and only the chain's latest published message can
// be updated or cancelled, so the references a message gets when it goes
// out are every earlier published message of its chain.
//
// Authorisation: only authorities write alerts, and an authority sees only
// its own; another authority's alert is ENotFound, so ids reveal nothing.
// Everybody reads the published ones through Active and ActiveExercises.
package alert

import (
	"strings"
	"time"

	"github.com/vigie-project/vigie/cap"
)

// State is where an alert message stands.
type State string

// The states. Only StatePublished messages are live; the others are either
// not yet out (pending), never out (rejected) or over.
const (
	StateNew        State = ""                 // built, not yet submitted (never stored)
	StatePending    State = "pending_approval" // Actual: waits for a second person
	StateRejected   State = "rejected"         // the second person said no; never sent
	StatePublished  State = "published"        // sent; live until it expires or is replaced
	StateSuperseded State = "superseded"       // a later Update of the chain was published
	StateCancelled  State = "cancelled"        // a Cancel of the chain was published
	StateExpired    State = "expired"          // its expiry passed (before or after publication)
)

// States lists every stored state, for validation and UI filters.
var States = []State{StatePending, StateRejected, StatePublished, StateSuperseded, StateCancelled, StateExpired}

// Terminal reports whether nothing can happen to an alert in state s any more.
func (s State) Terminal() bool {
	return s == StateRejected || s == StateCancelled || s == StateExpired
}

// Alert is Vigie's record of one CAP message. Its JSON is what the authority
// sees; platforms and feeds get Message instead.
type Alert struct {
	ID          string `json:"id"`
	AuthorityID string `json:"authority_id"`
	Authority   string `json:"authority,omitempty" doc:"Issuing authority's name."`
	Version     int    `json:"version" doc:"Incremented by every change."`
	State       State  `json:"state" enum:"pending_approval,rejected,published,superseded,cancelled,expired"`

	// CAP <alert> header.
	Identifier string      `json:"identifier" doc:"CAP identifier, unique and stable: vigie-<authority id>-<alert id>."`
	Sender     string      `json:"sender" doc:"CAP sender."`
	Status     cap.Status  `json:"status" enum:"Actual,Exercise,Test"`
	MsgType    cap.MsgType `json:"msg_type" enum:"Alert,Update,Cancel"`
	Scope      cap.Scope   `json:"scope" enum:"Public"`
	Note       string      `json:"note,omitempty"`
	References []Reference `json:"references,omitempty" doc:"Every earlier published message of the chain (Update and Cancel)."`
	ChainID    string      `json:"chain_id" doc:"ID of the chain's first alert."`
	Replaces   string      `json:"replaces,omitempty" doc:"ID of the message this Update or Cancel was written against."`

	// Shared by every <info>: the same event in every language.
	Categories    []cap.Category     `json:"categories"`
	Event         string             `json:"event"`
	ResponseTypes []cap.ResponseType `json:"response_types,omitempty"`
	Urgency       cap.Urgency        `json:"urgency"`
	Severity      cap.Severity       `json:"severity"`
	Certainty     cap.Certainty      `json:"certainty"`
	Effective     *time.Time         `json:"effective,omitempty"`
	Onset         *time.Time         `json:"onset,omitempty"`
	Expires       time.Time          `json:"expires"`
	Web           string             `json:"web,omitempty"`
	Contact       string             `json:"contact,omitempty"`

	Infos    []Info    `json:"infos" doc:"One per language. A Cancel has none."`
	Area     Area      `json:"area"`
	Warnings []Warning `json:"warnings,omitempty" doc:"What validation flagged without refusing, shown to the approver."`

	// Who did what, and when: the first hops of the alert's timeline.
	CreatedBy   string     `json:"created_by" doc:"Author: user:ID or key:ID."`
	CreatedAt   time.Time  `json:"created_at"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty" doc:"Sent for approval (Actual only)."`
	ApprovedBy  string     `json:"approved_by,omitempty"`
	ApprovedAt  *time.Time `json:"approved_at,omitempty"`
	PublishedAt *time.Time `json:"published_at,omitempty" doc:"Publication; the CAP <sent> is this time to the second."`
	RejectedBy  string     `json:"rejected_by,omitempty"`
	RejectedAt  *time.Time `json:"rejected_at,omitempty"`
	Rejection   string     `json:"rejection,omitempty"`
	ReplacedBy  string     `json:"replaced_by,omitempty" doc:"ID of the Update or Cancel that superseded or cancelled it."`
	EndedAt     *time.Time `json:"ended_at,omitempty" doc:"When it was superseded, cancelled or expired."`
}

// Info is the text of an alert in one language: one CAP <info>.
type Info struct {
	Language    string `json:"language" doc:"BCP 47 / RFC 3066 tag, e.g. fr-FR, en, ar."`
	Event       string `json:"event,omitempty" doc:"The event in this language; the shared event when empty."`
	Headline    string `json:"headline" maxLength:"139"`
	Description string `json:"description,omitempty"`
	Instruction string `json:"instruction"`
	AreaDesc    string `json:"area_desc" doc:"The area in words, in this language."`
	SenderName  string `json:"sender_name,omitempty" doc:"The authority's name in this language; its registered name when empty."`
}

// Area is where the alert applies: shapes drawn on a map, administrative
// codes, or both. It is the same in every language; only its description
// (Info.AreaDesc) is translated.
type Area struct {
	Polygons []string  `json:"polygons,omitempty" doc:"CAP polygons: \"lat,lon lat,lon …\", at least 4 pairs, first = last."`
	Circles  []string  `json:"circles,omitempty" doc:"CAP circles: \"lat,lon radius_km\"."`
	Geocodes []Geocode `json:"geocodes,omitempty"`
}

// Geocode is an administrative area code, e.g. {"INSEE", "75056"} or {"NUTS3", "FR101"}.
type Geocode struct {
	ValueName string `json:"value_name"`
	Value     string `json:"value"`
}

// Empty reports whether the area has neither a shape nor a code.
func (a Area) Empty() bool { return len(a.Polygons)+len(a.Circles)+len(a.Geocodes) == 0 }

// Reference names an earlier message, as CAP <references> does.
type Reference struct {
	Sender     string    `json:"sender"`
	Identifier string    `json:"identifier"`
	Sent       time.Time `json:"sent"`
}

// String is the CAP "sender,identifier,sent" triplet.
func (r Reference) String() string {
	return r.Sender + "," + r.Identifier + "," + cap.FormatTime(r.Sent)
}

// Warning is something validation flags without refusing the alert: an
// untranslated text, a missing description in one language. The author and
// the approver see it.
type Warning struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Sent is the CAP <sent> time: publication to the second, or, for a message
// not published yet, its creation (what a preview shows).
func (a *Alert) Sent() time.Time {
	if a.PublishedAt != nil {
		return a.PublishedAt.UTC().Truncate(time.Second)
	}
	return a.CreatedAt.UTC().Truncate(time.Second)
}

// Ref is how later messages of the chain reference this one.
func (a *Alert) Ref() Reference {
	return Reference{Sender: a.Sender, Identifier: a.Identifier, Sent: a.Sent()}
}

// Live reports whether the message is out and in force at now.
func (a *Alert) Live(now time.Time) bool {
	return a.State == StatePublished && now.Before(a.Expires)
}

// Exercise reports whether the message is a drill (Exercise or Test), which
// every rendering labels as such.
func (a *Alert) Exercise() bool { return a.Status != cap.StatusActual }

// Hop is one timestamped step of an alert's journey.
type Hop struct {
	Name string    `json:"name"`
	At   time.Time `json:"at"`
}

// Timeline returns the steps Vigie itself took, in order: created,
// submitted, approved, published. Delivery adds the later hops (channel,
// device) elsewhere.
func (a *Alert) Timeline() []Hop {
	hops := []Hop{{"created", a.CreatedAt}}
	for _, h := range []struct {
		name string
		at   *time.Time
	}{{"submitted", a.SubmittedAt}, {"approved", a.ApprovedAt}, {"published", a.PublishedAt}, {"rejected", a.RejectedAt}, {string(a.State), a.EndedAt}} {
		if h.at != nil {
			hops = append(hops, Hop{h.name, *h.at})
		}
	}
	return hops
}

// NewIdentifier is the CAP identifier of an alert: "vigie-", the
// authority's id, "-", the alert's id. It is stable (derived, never
// regenerated), unique (the alert id is) and free of the spaces, commas, "<"
// and "&" that CAP forbids, provided the ids are (the service checks).
func NewIdentifier(authorityID, alertID string) string {
	return "vigie-" + authorityID + "-" + alertID
}

// validID reports whether an id can go into a CAP identifier or sender.
func validID(s string) bool {
	return s != "" && !strings.ContainsAny(s, " \t\r\n,<&")
}
