package referral

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
)

// Party is who sends an event.
type Party string

// The parties.
const (
	PartyAuthority Party = "authority"
	PartyPlatform  Party = "platform"
	PartySystem    Party = "system" // deliveries and timers
)

// EventType names an event.
type EventType string

// The events. Their names are also the last part of the audit actions
// ("referral.acknowledged") and of the webhook types.
const (
	EventCreated          EventType = "created"
	EventDelivered        EventType = "delivered"    // system: a webhook delivery succeeded
	EventAcknowledged     EventType = "acknowledged" // platform
	EventActioned         EventType = "actioned"     // platform: removed or disabled
	EventImpossible       EventType = "impossible"   // platform: Annex III
	EventClarified        EventType = "clarified"    // authority answers an Annex III
	EventRejected         EventType = "rejected"     // platform, referrals only
	EventWithdrawn        EventType = "withdrawn"    // authority
	EventEscalated        EventType = "escalated"    // system timer at 50, 80, 100 %
	EventComplaint        EventType = "complaint"    // platform records a complaint
	EventComplaintDecided EventType = "complaint_decided"
)

// Event is one typed message in a referral's life.
type Event struct {
	Type  EventType
	Party Party
	At    time.Time // when Vigie applies it

	// actioned
	Action        Action
	ActedAt       time.Time
	ContentHashes []string
	Metadata      map[string]string
	// impossible
	Reason ImpossibilityReason
	// impossible, clarified, rejected, withdrawn, complaint, complaint_decided
	Text string
	// complaint_decided
	Reinstate bool
	// escalated
	Level int
	Epoch int
}

// Effects is what applying an event asks the outside world to do.
type Effects struct {
	Noop     bool     // nothing changed (a repeated or stale event)
	ToAuth   []string // webhook event types for the authority
	ToPlat   []string // webhook event types for the platform
	Timers   []Timer  // escalation checks to schedule
	Preserve bool     // keep a preservation record (Art. 6)
}

// JobDeadline is the job kind of escalation timers; the payload is a Timer.
const JobDeadline = "referral.deadline"

// Timer asks for an escalation check of a referral at a time.
type Timer struct {
	ReferralID string    `json:"referral_id"`
	Epoch      int       `json:"epoch"`
	Level      int       `json:"level"`
	At         time.Time `json:"at"`
}

// EscalationLevels are the shares of the time at which the parties are told.
var EscalationLevels = []int{50, 80, 100}

func conflict(r *Referral, e Event) error {
	return vigie.Errorf(vigie.EConflict, "cannot apply %q to a referral in state %q", e.Type, r.State)
}

// Apply moves r through event e, enforcing who may send it, in which state,
// and the clock rules. It changes r only when it returns no error.
func Apply(r *Referral, e Event) (Effects, error) {
	next := *r
	fx, err := apply(&next, e)
	if err != nil || fx.Noop {
		return fx, err
	}
	// An event can start and stop the clock at once (an action on a pending
	// referral): the timers of the clock it stopped would only fire as no-ops.
	fx.Timers = slices.DeleteFunc(fx.Timers, func(t Timer) bool { return t.Epoch != next.Epoch })
	next.Version++
	*r = next
	return fx, nil
}

var senders = map[EventType]Party{
	EventDelivered: PartySystem, EventEscalated: PartySystem,
	EventAcknowledged: PartyPlatform, EventActioned: PartyPlatform, EventImpossible: PartyPlatform,
	EventRejected: PartyPlatform, EventComplaint: PartyPlatform, EventComplaintDecided: PartyPlatform,
	EventClarified: PartyAuthority, EventWithdrawn: PartyAuthority,
}

func apply(r *Referral, e Event) (Effects, error) {
	want, ok := senders[e.Type]
	if !ok {
		return Effects{}, vigie.Invalid("type", "unknown event %q", e.Type)
	}
	if e.Party != want {
		return Effects{}, vigie.Errorf(vigie.EForbidden, "only the %s may send %q", want, e.Type)
	}
	var fx Effects
	switch e.Type {
	case EventDelivered:
		if r.State != StatePending {
			return Effects{Noop: true}, nil // later deliveries do not move receipt
		}
		receive(r, e.At, &fx)

	case EventAcknowledged:
		switch {
		case r.AcknowledgedAt != nil && (r.State.Open() || r.State == StateImpossible):
			return Effects{Noop: true}, nil // acknowledging twice is harmless
		case !r.State.Open() && r.State != StateImpossible:
			return fx, conflict(r, e)
		}
		if r.State == StatePending {
			receive(r, e.At, &fx)
		}
		at := e.At
		r.AcknowledgedAt = &at
		if r.State == StateReceived {
			r.State = StateAcknowledged
		}
		fx.ToAuth = append(fx.ToAuth, "acknowledged")

	case EventActioned:
		if !r.State.Open() && r.State != StateImpossible {
			return fx, conflict(r, e)
		}
		if e.Action != ActionRemoved && e.Action != ActionDisabled {
			return fx, vigie.Invalid("action", "must be removed or disabled")
		}
		if err := checkReport(e); err != nil {
			return fx, err
		}
		acted := e.ActedAt
		if acted.IsZero() {
			acted = e.At
		}
		if acted.After(e.At.Add(time.Minute)) || acted.Before(r.IssuedAt) {
			return fx, vigie.Invalid("acted_at", "must lie between the issue time and now")
		}
		if r.State == StatePending {
			// Acting proves receipt: the platform had it by then at the latest.
			receive(r, minTime(e.At, acted), &fx)
		}
		// The time of the measure counts (Annex II), even when reported after
		// the deadline; but a deadline once missed stays missed, whatever
		// impossibility or clarification came after it.
		r.OnTime = (r.MissedDeadline == nil || !acted.After(*r.MissedDeadline)) && (r.Deadline == nil || !acted.After(*r.Deadline))
		r.State, r.Action, r.ActedAt = StateActioned, e.Action, &acted
		r.ContentHashes, r.Metadata, r.Feedback = e.ContentHashes, e.Metadata, e.Text
		stopClock(r)
		fx.ToAuth = append(fx.ToAuth, "actioned")
		fx.Preserve = true

	case EventImpossible:
		if !r.State.Open() {
			return fx, conflict(r, e)
		}
		switch e.Reason {
		case ReasonForceMajeure, ReasonManifestErr, ReasonInsufficient:
		default:
			return fx, vigie.Invalid("reason", "must be force_majeure, manifest_error or insufficient_information")
		}
		if err := checkText("explanation", e.Text, 1, maxText); err != nil {
			return fx, err
		}
		if r.State == StatePending {
			receive(r, e.At, &fx)
		}
		r.State = StateImpossible
		r.Impossibility = &Impossibility{Reason: e.Reason, Explanation: e.Text, At: e.At}
		stopClock(r)
		fx.ToAuth = append(fx.ToAuth, "impossible")

	case EventClarified:
		if r.State != StateImpossible {
			return fx, conflict(r, e)
		}
		if err := checkText("clarification", e.Text, 1, maxText); err != nil {
			return fx, err
		}
		r.Clarification = e.Text
		r.State = StateReceived
		if r.AcknowledgedAt != nil {
			r.State = StateAcknowledged
		}
		startClock(r, e.At, &fx) // Art. 3(7)-(8): the time starts to run again, in full
		fx.ToPlat = append(fx.ToPlat, "clarified")

	case EventRejected:
		if r.Kind == KindRemovalOrder {
			return fx, vigie.Invalid("type", "a removal order cannot be rejected: declare impossibility (Annex III) or challenge it through the redress path")
		}
		if !r.State.Open() && r.State != StateImpossible {
			return fx, conflict(r, e)
		}
		if err := checkText("reasons", e.Text, 1, maxText); err != nil {
			return fx, err
		}
		if r.State == StatePending {
			receive(r, e.At, &fx)
		}
		r.State, r.Rejection = StateRejected, e.Text
		stopClock(r)
		fx.ToAuth = append(fx.ToAuth, "rejected")

	case EventWithdrawn:
		if !r.State.Open() && r.State != StateImpossible {
			return fx, conflict(r, e)
		}
		if err := checkText("reason", e.Text, 0, maxText); err != nil {
			return fx, err
		}
		at := e.At
		r.State, r.WithdrawnAt = StateWithdrawn, &at
		stopClock(r)
		fx.ToPlat = append(fx.ToPlat, "withdrawn")

	case EventEscalated:
		if !slices.Contains(EscalationLevels, e.Level) {
			return fx, vigie.Invalid("level", "must be one of %v", EscalationLevels)
		}
		running := r.State == StateReceived || r.State == StateAcknowledged
		if !running || e.Epoch != r.Epoch || e.Level <= r.Escalation {
			return Effects{Noop: true}, nil // a timer of a stopped or restarted clock
		}
		r.Escalation = e.Level
		fx.ToPlat = append(fx.ToPlat, "escalated")
		if e.Level >= 100 {
			missed := *r.Deadline
			r.State, r.MissedDeadline = StateOverdue, &missed
			fx.ToAuth = append(fx.ToAuth, "overdue")
		}

	case EventComplaint:
		if r.State != StateActioned {
			return fx, conflict(r, e)
		}
		if err := checkText("complaint", e.Text, 1, maxText); err != nil {
			return fx, err
		}
		at := e.At
		r.State, r.Complaint, r.ComplaintAt = StateComplaint, e.Text, &at
		fx.ToAuth = append(fx.ToAuth, "complaint")

	case EventComplaintDecided:
		if r.State != StateComplaint {
			return fx, conflict(r, e)
		}
		if err := checkText("reasons", e.Text, 1, maxText); err != nil {
			return fx, err
		}
		r.Decision = e.Text
		if e.Reinstate {
			at := e.At
			r.State, r.ReinstatedAt = StateReinstated, &at
			fx.ToAuth = append(fx.ToAuth, "reinstated")
		} else {
			r.State = StateActioned
			fx.ToAuth = append(fx.ToAuth, "complaint_rejected")
		}
	}
	return fx, nil
}

// checkReport checks what the platform reports with an action.
func checkReport(e Event) error {
	if len(e.ContentHashes) > maxURLs {
		return vigie.Invalid("content_hashes", "list at most %d hashes", maxURLs)
	}
	for i, h := range e.ContentHashes {
		if err := CheckContentHash(h); err != nil {
			return vigie.Invalid("content_hashes["+itoa(i)+"]", "%s", err.Error())
		}
	}
	if len(e.Metadata) > 50 {
		return vigie.Invalid("metadata", "must have at most 50 entries")
	}
	return checkText("feedback", e.Text, 0, maxText)
}

// CheckContentHash checks the form of a reported media hash:
// "md5:HEX" (32 digits), "sha256:HEX" or "pdq:HEX" (64 digits).
func CheckContentHash(h string) error {
	alg, hexPart, ok := strings.Cut(h, ":")
	want := map[string]int{"md5": 32, "sha256": 64, "pdq": 64}[alg]
	switch {
	case !ok || want == 0:
		return ruleError("must start with md5:, sha256: or pdq:")
	case len(hexPart) != want:
		return ruleError(fmt.Sprintf("a %s hash has %d hexadecimal digits", alg, want))
	case strings.Trim(strings.ToLower(hexPart), "0123456789abcdef") != "":
		return ruleError("must be hexadecimal")
	}
	return nil
}

// receive records receipt: the moment the legal clock starts.
func receive(r *Referral, at time.Time, fx *Effects) {
	r.ReceivedAt = &at
	r.State = StateReceived
	startClock(r, at, fx)
}

func startClock(r *Referral, at time.Time, fx *Effects) {
	r.Epoch++
	deadline := at.Add(r.Target())
	r.ClockStartedAt, r.Deadline, r.Escalation = &at, &deadline, 0
	for _, lvl := range EscalationLevels {
		fx.Timers = append(fx.Timers, Timer{ReferralID: r.ID, Epoch: r.Epoch, Level: lvl,
			At: at.Add(r.Target() * time.Duration(lvl) / 100)})
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// stopClock stops the clock; timers already scheduled become stale.
func stopClock(r *Referral) {
	r.Epoch++
	r.Deadline = nil
}
