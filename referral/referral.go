// Package referral is the removal workflow between an authority and a
// platform: terms-of-service referrals (default target 90 minutes) and
// removal orders under Regulation (EU) 2021/784 (one hour from receipt).
//
// A Referral is driven by typed events through a pure state machine (Apply)
// that also keeps the clock: the deadline runs from receipt, stops when the
// platform declares impossibility (Annex III), and starts again in full when
// the authority clarifies. Apply returns its effects (notices to the parties,
// escalation timers at 50 %, 80 % and 100 % of the time, a preservation
// record) and the Service hands them to the Store, which commits state,
// audit entry, webhook deliveries and timers in one transaction.
//
// Authorisation: only the issuing authority and the addressed platform can
// see a referral; anyone else gets ENotFound, so ids reveal nothing.
package referral

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
)

// Kind distinguishes a voluntary referral from a binding removal order.
type Kind string

// The kinds.
const (
	KindReferral     Kind = "referral"      // terms-of-service request
	KindRemovalOrder Kind = "removal_order" // Regulation (EU) 2021/784, Art. 3
)

// State is where a referral stands.
type State string

// The states. Pending, received, acknowledged and overdue are "open": the
// platform still owes an answer.
const (
	StatePending      State = "pending"      // issued, not yet received: no clock
	StateReceived     State = "received"     // delivered: the clock runs
	StateAcknowledged State = "acknowledged" // the platform confirmed receipt
	StateOverdue      State = "overdue"      // the deadline passed without action
	StateImpossible   State = "impossible"   // Annex III: clock stopped until clarified
	StateActioned     State = "actioned"     // removed or disabled (Annex II)
	StateRejected     State = "rejected"     // referral declined with reasons
	StateWithdrawn    State = "withdrawn"    // the authority withdrew it
	StateComplaint    State = "complaint"    // the content provider complained
	StateReinstated   State = "reinstated"   // the content was put back after a complaint
)

// States lists every state, for validation and UI filters.
var States = []State{StatePending, StateReceived, StateAcknowledged, StateOverdue, StateImpossible,
	StateActioned, StateRejected, StateWithdrawn, StateComplaint, StateReinstated}

// Open reports whether the platform still owes an answer.
func (s State) Open() bool {
	return s == StatePending || s == StateReceived || s == StateAcknowledged || s == StateOverdue
}

// ContentType is one of the Art. 2(7) tick-boxes of Annex I.
type ContentType string

// The Art. 2(7) categories of terrorist content.
const (
	ContentIncites   ContentType = "a" // incites the commission of terrorist offences
	ContentSolicits  ContentType = "b" // solicits committing or contributing to them
	ContentGroup     ContentType = "c" // solicits participation in a terrorist group
	ContentInstructs ContentType = "d" // instructs on explosives, weapons or methods
	ContentThreatens ContentType = "e" // threatens to commit a terrorist offence
)

// Input limits.
const (
	maxURLs          = 100
	maxText          = 5000
	maxShort         = 500
	maxNonDisclosure = 6 * 7 * 24 * time.Hour // Art. 11(3)
)

// Action is what the platform did to the content.
type Action string

// The actions of Annex II.
const (
	ActionRemoved  Action = "removed"
	ActionDisabled Action = "disabled" // access disabled in all Member States
)

// ImpossibilityReason is one of the Annex III grounds.
type ImpossibilityReason string

// The Annex III grounds.
const (
	ReasonForceMajeure ImpossibilityReason = "force_majeure"  // incl. technical or operational
	ReasonManifestErr  ImpossibilityReason = "manifest_error" // the order contains manifest errors
	ReasonInsufficient ImpossibilityReason = "insufficient_information"
)

// Referral is a referral or removal order, as both parties see it. It is
// also the payload of the webhooks about it.
type Referral struct {
	ID          string `json:"id"`
	Kind        Kind   `json:"kind" enum:"referral,removal_order"`
	State       State  `json:"state"`
	Version     int    `json:"version" doc:"Incremented by every change."`
	AuthorityID string `json:"authority_id"`
	Authority   string `json:"authority" doc:"Issuing authority's name."`
	PlatformID  string `json:"platform_id"`
	Platform    string `json:"platform" doc:"Addressed platform's name."`

	// Annex I, section A.
	Reference   string `json:"reference" doc:"The authority's reference number."`
	MemberState string `json:"member_state,omitempty" doc:"Issuing Member State (ISO 3166-1 alpha-2)."`
	IssuerName  string `json:"issuer_name,omitempty" doc:"Name and position of the person issuing (Annex I, section E)."`
	IssuerEmail string `json:"issuer_contact,omitempty" doc:"Follow-up contact (Annex I, section F)."`
	// Annex I, section B.
	URLs         []string      `json:"urls"`
	Details      string        `json:"details,omitempty" doc:"Additional information identifying the content."`
	ContentTypes []ContentType `json:"content_types" doc:"Art. 2(7) tick-boxes a-e."`
	Reasons      string        `json:"reasons"`
	LegalBasis   string        `json:"legal_basis,omitempty"`
	// Sections C, D and G.
	NonDisclosureUntil *time.Time `json:"non_disclosure_until,omitempty" doc:"Until then the platform must not inform the content provider (Art. 11(3))."`
	CrossBorder        bool       `json:"cross_border" doc:"Issued by another Member State than the platform's main establishment (Art. 4)."`
	Redress            string     `json:"redress,omitempty" doc:"How to challenge the order: court, deadline, procedure."`

	TargetSeconds int `json:"target_seconds" doc:"Time allowed from receipt (and again from each clarification)."`

	IssuedAt       time.Time  `json:"issued_at"`
	ReceivedAt     *time.Time `json:"received_at,omitempty" doc:"Receipt: first successful delivery or acknowledgement. The legal clock starts here."`
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	ClockStartedAt *time.Time `json:"clock_started_at,omitempty"`
	Deadline       *time.Time `json:"deadline,omitempty" doc:"Absent while the clock is stopped or not started."`
	Epoch          int        `json:"-"` // clock generation: timers of an older epoch are stale
	Escalation     int        `json:"escalation" doc:"Last escalation notice sent: 0, 50, 80 or 100 (% of the time)."`
	MissedDeadline *time.Time `json:"missed_deadline,omitempty" doc:"A deadline that passed without action; it stays missed after a later impossibility or clarification."`

	Action        Action            `json:"action,omitempty"`
	ActedAt       *time.Time        `json:"acted_at,omitempty" doc:"Time of the measure (Annex II, section B)."`
	OnTime        bool              `json:"on_time" doc:"The measure was taken before the deadline."`
	Feedback      string            `json:"feedback,omitempty"`
	ContentHashes []string          `json:"content_hashes,omitempty" doc:"Hashes of the removed media, as 'sha256:HEX', 'md5:HEX' or 'pdq:HEX'."`
	Metadata      map[string]string `json:"metadata,omitempty" doc:"What the platform preserved about the content (Art. 6)."`

	Impossibility *Impossibility `json:"impossibility,omitempty"`
	Clarification string         `json:"clarification,omitempty"`
	Rejection     string         `json:"rejection,omitempty"`
	WithdrawnAt   *time.Time     `json:"withdrawn_at,omitempty"`
	Complaint     string         `json:"complaint,omitempty"`
	ComplaintAt   *time.Time     `json:"complaint_at,omitempty"`
	ReinstatedAt  *time.Time     `json:"reinstated_at,omitempty"`
	Decision      string         `json:"complaint_decision,omitempty"`
}

// Impossibility is the platform's Annex III statement.
type Impossibility struct {
	Reason      ImpossibilityReason `json:"reason"`
	Explanation string              `json:"explanation"`
	At          time.Time           `json:"at"`
}

// Target is the time the platform has from receipt.
func (r *Referral) Target() time.Duration { return time.Duration(r.TargetSeconds) * time.Second }

// TimeLeft is the time until the deadline (negative when past), and false
// when no clock runs.
func (r *Referral) TimeLeft(now time.Time) (time.Duration, bool) {
	if r.Deadline == nil {
		return 0, false
	}
	return r.Deadline.Sub(now), true
}

// Draft is what an authority submits.
type Draft struct {
	Kind               Kind          `json:"kind" enum:"referral,removal_order"`
	PlatformID         string        `json:"platform_id" doc:"The addressed platform's organisation id."`
	Reference          string        `json:"reference" minLength:"1" maxLength:"100" doc:"Your reference number (Annex I, section A); unique per authority."`
	URLs               []string      `json:"urls" minItems:"1" maxItems:"100" doc:"Exact URLs of the content (1 to 100)."`
	Details            string        `json:"details,omitempty"`
	ContentTypes       []ContentType `json:"content_types" minItems:"1" maxItems:"5" enum:"a,b,c,d,e" doc:"Art. 2(7) tick-boxes: a incites, b solicits contribution, c solicits participation in a group, d instructs, e threatens."`
	Reasons            string        `json:"reasons" minLength:"1" maxLength:"5000" doc:"Statement of reasons."`
	LegalBasis         string        `json:"legal_basis,omitempty" doc:"Required for removal orders."`
	Redress            string        `json:"redress,omitempty" doc:"Required for removal orders (Annex I, section G)."`
	IssuerName         string        `json:"issuer_name,omitempty" doc:"Required for removal orders."`
	IssuerEmail        string        `json:"issuer_contact,omitempty"`
	NonDisclosureUntil *time.Time    `json:"non_disclosure_until,omitempty" doc:"At most six weeks after issue."`
	CrossBorder        bool          `json:"cross_border,omitempty"`
	TargetMinutes      int           `json:"target_minutes,omitempty" doc:"Referrals only: 5 to 10080, default 90. Removal orders always have 60."`
}

// Validate checks a draft against the rules of its kind. now is the issue time.
func (d *Draft) Validate(now time.Time, p Policy) error {
	if d.Kind != KindReferral && d.Kind != KindRemovalOrder {
		return vigie.Invalid("kind", "must be referral or removal_order")
	}
	if d.PlatformID == "" {
		return vigie.Invalid("platform_id", "is required")
	}
	if err := checkText("reference", d.Reference, 1, 100); err != nil {
		return err
	}
	if len(d.URLs) == 0 || len(d.URLs) > maxURLs {
		return vigie.Invalid("urls", "must list 1 to %d URLs", maxURLs)
	}
	seen := map[string]bool{}
	for i, raw := range d.URLs {
		field := "urls[" + itoa(i) + "]"
		if err := checkURL(raw); err != nil {
			return vigie.Invalid(field, "%s", err.Error())
		}
		if seen[raw] {
			return vigie.Invalid(field, "repeats an earlier URL")
		}
		seen[raw] = true
	}
	if len(d.ContentTypes) == 0 {
		return vigie.Invalid("content_types", "tick at least one Art. 2(7) box (a to e)")
	}
	for i, c := range d.ContentTypes {
		if c < ContentIncites || c > ContentThreatens || len(c) != 1 {
			return vigie.Invalid("content_types["+itoa(i)+"]", "must be one of a, b, c, d, e")
		}
	}
	if err := checkText("reasons", d.Reasons, 1, maxText); err != nil {
		return err
	}
	if err := checkText("details", d.Details, 0, 2000); err != nil {
		return err
	}
	if err := checkText("issuer_contact", d.IssuerEmail, 0, 200); err != nil {
		return err
	}
	minLen := 0
	if d.Kind == KindRemovalOrder {
		minLen = 1 // Annex I: legal basis, redress and the issuer are mandatory
		if d.TargetMinutes != 0 && d.TargetMinutes != 60 {
			return vigie.Invalid("target_minutes", "a removal order's deadline is one hour from receipt (Art. 3(3)); leave it empty")
		}
	} else if d.TargetMinutes != 0 && (d.TargetMinutes < 5 || d.TargetMinutes > 7*24*60) {
		return vigie.Invalid("target_minutes", "must be between 5 and 10080")
	}
	for _, f := range []struct{ name, v string }{{"legal_basis", d.LegalBasis}, {"redress", d.Redress}, {"issuer_name", d.IssuerName}} {
		if err := checkText(f.name, f.v, minLen, maxShort*4); err != nil {
			return err
		}
	}
	if d.NonDisclosureUntil != nil {
		if !d.NonDisclosureUntil.After(now) || d.NonDisclosureUntil.Sub(now) > maxNonDisclosure {
			return vigie.Invalid("non_disclosure_until", "must be in the future and at most six weeks away (Art. 11(3))")
		}
	}
	return nil
}

func checkText(field, v string, min, max int) error {
	n := utf8.RuneCountInString(strings.TrimSpace(v))
	if !utf8.ValidString(v) {
		return vigie.Invalid(field, "must be valid UTF-8")
	}
	if n < min {
		return vigie.Invalid(field, "is required")
	}
	if utf8.RuneCountInString(v) > max {
		return vigie.Invalid(field, "must be at most %d characters", max)
	}
	return nil
}

// ruleError is a broken rule, worded for the field it is reported against.
type ruleError string

func (e ruleError) Error() string { return string(e) }

func checkURL(raw string) error {
	if len(raw) > 2048 {
		return ruleError("must be at most 2048 characters")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return ruleError("is not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return ruleError("must be an absolute http or https URL")
	case u.Hostname() == "":
		return ruleError("must name a host")
	case strings.ContainsAny(raw, " \t\r\n"):
		return ruleError("must not contain white space")
	}
	return nil
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
