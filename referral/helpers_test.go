package referral_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/referral"
)

// Shorter names for the states and events the tables use.
const (
	pending      = referral.StatePending
	received     = referral.StateReceived
	acknowledged = referral.StateAcknowledged
	overdue      = referral.StateOverdue
	impossible   = referral.StateImpossible
	actioned     = referral.StateActioned
	rejected     = referral.StateRejected
	withdrawn    = referral.StateWithdrawn
	complaint    = referral.StateComplaint
	reinstated   = referral.StateReinstated

	authority = referral.PartyAuthority
	platform  = referral.PartyPlatform
	system    = referral.PartySystem
)

// t0 is the issue time of every test referral.
var t0 = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

var kinds = []referral.Kind{referral.KindReferral, referral.KindRemovalOrder}

// newRef returns a freshly issued (pending) referral or removal order with
// the default targets: 90 minutes for referrals, one hour for orders.
func newRef(kind referral.Kind) *referral.Referral {
	target := 90 * 60
	if kind == referral.KindRemovalOrder {
		target = 60 * 60
	}
	return &referral.Referral{
		ID: "0b6f9c1e-4d1a-4f7e-9a51-2c7d3e5f8a90", Kind: kind, State: pending, Version: 1,
		AuthorityID: "auth-1", Authority: "OCLCTIC", PlatformID: "plat-1", Platform: "ExampleTube",
		Reference: "TCO-2025-0042", MemberState: "FR", IssuerName: "Cdt. A. Martin",
		URLs:         []string{"https://video.example/v/abc", "https://video.example/v/def"},
		ContentTypes: []referral.ContentType{referral.ContentIncites},
		Reasons:      "Video glorifying the attack of 3 March.", LegalBasis: "Art. 421-2-5 Code pénal",
		TargetSeconds: target, IssuedAt: t0,
	}
}

// senderOf is the party allowed to send each event.
func senderOf(typ referral.EventType) referral.Party {
	switch typ {
	case referral.EventDelivered, referral.EventEscalated:
		return system
	case referral.EventClarified, referral.EventWithdrawn:
		return authority
	}
	return platform
}

// ev returns a well-formed event of type typ from the right party at at.
func ev(typ referral.EventType, at time.Time) referral.Event {
	e := referral.Event{Type: typ, Party: senderOf(typ), At: at}
	switch typ {
	case referral.EventActioned:
		e.Action = referral.ActionRemoved
		e.ContentHashes = []string{"sha256:" + strings.Repeat("ab12", 16)}
		e.Metadata = map[string]string{"uploader": "u-77"}
		e.Text = "Removed within the hour."
	case referral.EventImpossible:
		e.Reason, e.Text = referral.ReasonInsufficient, "The second URL returns 404; please check it."
	case referral.EventClarified:
		e.Text = "The second URL is https://video.example/v/deg."
	case referral.EventRejected:
		e.Text = "The video is news reporting, not terrorist content."
	case referral.EventWithdrawn:
		e.Text = "Issued by mistake."
	case referral.EventComplaint:
		e.Text = "The uploader says it is a documentary."
	case referral.EventComplaintDecided:
		e.Text = "The documentary context is clear."
	}
	return e
}

// timerEv returns the escalation event a timer fires.
func timerEv(level, epoch int, at time.Time) referral.Event {
	return referral.Event{Type: referral.EventEscalated, Party: system, At: at, Level: level, Epoch: epoch}
}

// mustApply applies e and fails the test on error.
func mustApply(t testing.TB, r *referral.Referral, e referral.Event) referral.Effects {
	t.Helper()
	fx, err := referral.Apply(r, e)
	if err != nil {
		t.Fatalf("Apply(%s from %s) in state %s: %v", e.Type, e.Party, r.State, err)
	}
	return fx
}

// Times along the canonical paths.
var (
	tDeliver = t0.Add(1 * time.Minute)
	tAnswer  = t0.Add(5 * time.Minute)
	tLater   = t0.Add(10 * time.Minute)
)

// inState returns a referral of the kind brought to state through the
// canonical path (never acknowledged, so overdue and impossible can still
// be acknowledged). Rejected is unreachable for removal orders.
func inState(t testing.TB, kind referral.Kind, s referral.State) *referral.Referral {
	t.Helper()
	r := newRef(kind)
	if s == pending {
		return r
	}
	mustApply(t, r, ev(referral.EventDelivered, tDeliver))
	switch s {
	case received:
	case acknowledged:
		mustApply(t, r, ev(referral.EventAcknowledged, t0.Add(2*time.Minute)))
	case overdue:
		mustApply(t, r, timerEv(100, r.Epoch, r.Deadline.Add(0)))
	case impossible:
		mustApply(t, r, ev(referral.EventImpossible, tAnswer))
	case actioned, complaint, reinstated:
		mustApply(t, r, ev(referral.EventActioned, tAnswer))
		if s != actioned {
			mustApply(t, r, ev(referral.EventComplaint, tLater))
		}
		if s == reinstated {
			e := ev(referral.EventComplaintDecided, tLater.Add(time.Hour))
			e.Reinstate = true
			mustApply(t, r, e)
		}
	case rejected:
		mustApply(t, r, ev(referral.EventRejected, tAnswer))
	case withdrawn:
		mustApply(t, r, ev(referral.EventWithdrawn, tAnswer))
	default:
		t.Fatalf("inState: unknown state %q", s)
	}
	if r.State != s {
		t.Fatalf("inState: reached %q, want %q", r.State, s)
	}
	return r
}

// reachable lists the states a referral of the kind can be in.
func reachable(kind referral.Kind) []referral.State {
	if kind == referral.KindRemovalOrder {
		return slices.DeleteFunc(slices.Clone(referral.States), func(s referral.State) bool { return s == rejected })
	}
	return referral.States
}

// clone deep-copies a referral, so that a test can tell whether Apply
// changed anything, even through a pointer.
func clone(r *referral.Referral) *referral.Referral {
	c := *r
	tp := func(p *time.Time) *time.Time {
		if p == nil {
			return nil
		}
		v := *p
		return &v
	}
	c.NonDisclosureUntil = tp(r.NonDisclosureUntil)
	c.ReceivedAt, c.AcknowledgedAt, c.ClockStartedAt = tp(r.ReceivedAt), tp(r.AcknowledgedAt), tp(r.ClockStartedAt)
	c.Deadline, c.ActedAt, c.WithdrawnAt = tp(r.Deadline), tp(r.ActedAt), tp(r.WithdrawnAt)
	c.ComplaintAt, c.ReinstatedAt = tp(r.ComplaintAt), tp(r.ReinstatedAt)
	c.URLs, c.ContentTypes, c.ContentHashes = slices.Clone(r.URLs), slices.Clone(r.ContentTypes), slices.Clone(r.ContentHashes)
	c.Metadata = maps.Clone(r.Metadata)
	if r.Impossibility != nil {
		imp := *r.Impossibility
		c.Impossibility = &imp
	}
	return &c
}

// diff compares two referrals field by field (times by instant).
func diff(want, got *referral.Referral) string { return cmp.Diff(want, got) }

// errField returns the code and field of err.
func errField(err error) (vigie.Code, string) {
	if e := vigie.AsError(err); e != nil {
		return e.Code, e.Field
	}
	return vigie.ErrorCode(err), ""
}

func ptr[T any](v T) *T { return &v }
