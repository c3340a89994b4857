package alert

import (
	"slices"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/cap"
)

// EventType names something that happens to an alert message.
type EventType string

// The events. Their names are the last part of the audit actions.
const (
	EventSubmitted  EventType = "submitted"  // the author sends it: for approval (Actual) or out (drills)
	EventApproved   EventType = "approved"   // a second person of the authority approves: out
	EventRejected   EventType = "rejected"   // a person of the authority refuses it
	EventSuperseded EventType = "superseded" // a later Update of the chain went out
	EventCancelled  EventType = "cancelled"  // a Cancel of the chain went out
	EventExpired    EventType = "expired"    // its expiry passed
)

// Event is one step in an alert message's life.
type Event struct {
	Type   EventType
	At     time.Time
	Actor  string // "user:ID", "key:ID" or "system"
	Person bool   // the actor is a person logged in, not a machine key
	OrgID  string // the actor's organisation
	Reason string // rejected
	By     string // superseded, cancelled: the id of the Update or Cancel
	// References, for an event that publishes an Update or Cancel, are the
	// chain's earlier published messages at that moment.
	References []Reference
}

// Effects is what an event asks of the outside world.
type Effects struct {
	Noop      bool // nothing changed (a repeated or premature system event)
	Published bool // the message went out: notify the platforms, fan out
	Pending   bool // the message awaits approval: tell the authority
}

func conflict(a *Alert, e Event) error {
	return vigie.Errorf(vigie.EConflict, "cannot apply %q to an alert in state %q", e.Type, stateName(a.State))
}

func stateName(s State) string {
	if s == StateNew {
		return "new"
	}
	return string(s)
}

// Apply moves a through e, enforcing the two-person rule and the order of
// things. It changes a only when it returns no error, and never changes
// what a published message says: only its state and the times and people
// of its steps.
func Apply(a *Alert, e Event) (Effects, error) {
	next := *a
	fx, err := apply(&next, e)
	if err != nil || fx.Noop {
		return fx, err
	}
	next.Version++
	*a = next
	return fx, nil
}

func apply(a *Alert, e Event) (Effects, error) {
	if e.At.IsZero() {
		return Effects{}, vigie.Invalid("at", "an event needs a time")
	}
	at := e.At
	noop := Effects{Noop: true}
	switch e.Type {
	case EventSubmitted:
		if a.State != StateNew {
			return Effects{}, conflict(a, e)
		}
		if a.CreatedBy == "" || a.CreatedBy != e.Actor {
			return Effects{}, vigie.Errorf(vigie.EForbidden, "only the author submits an alert")
		}
		if a.Status == cap.StatusActual {
			a.State, a.SubmittedAt = StatePending, &at
			return Effects{Pending: true}, nil
		}
		publish(a, e)
		return Effects{Published: true}, nil

	case EventApproved:
		if a.State != StatePending {
			return Effects{}, conflict(a, e)
		}
		switch {
		case e.OrgID != a.AuthorityID:
			return Effects{}, vigie.Errorf(vigie.EForbidden, "only the issuing authority approves its alerts")
		case !e.Person:
			return Effects{}, vigie.Errorf(vigie.EForbidden, "approval needs a person logged in: an API key cannot be the second person")
		case e.Actor == a.CreatedBy:
			return Effects{}, vigie.Errorf(vigie.EForbidden, "two-person rule: the author cannot approve their own alert; ask a colleague")
		case !at.Before(a.Expires):
			return Effects{}, vigie.Errorf(vigie.EConflict, "the alert expired while awaiting approval; write it again")
		}
		a.ApprovedBy, a.ApprovedAt = e.Actor, &at
		publish(a, e)
		return Effects{Published: true}, nil

	case EventRejected:
		if a.State != StatePending {
			return Effects{}, conflict(a, e)
		}
		if e.OrgID != a.AuthorityID {
			return Effects{}, vigie.Errorf(vigie.EForbidden, "only the issuing authority rejects its alerts")
		}
		c := &checker{}
		c.text("reason", e.Reason, 1, maxShort)
		if c.err != nil {
			return Effects{}, c.err
		}
		a.State, a.RejectedBy, a.RejectedAt, a.Rejection = StateRejected, e.Actor, &at, e.Reason
		return Effects{}, nil

	case EventSuperseded, EventCancelled:
		if e.By == "" || e.By == a.ID {
			return Effects{}, vigie.Invalid("by", "name the message that replaces this one")
		}
		to := StateSuperseded
		from := []State{StatePublished}
		if e.Type == EventCancelled {
			to, from = StateCancelled, []State{StatePublished, StateSuperseded}
		}
		switch {
		case slices.Contains(from, a.State):
		case a.State == StateExpired || a.State == StateCancelled || a.State == StateSuperseded:
			return noop, nil // already over: it stays as it ended
		default:
			return Effects{}, conflict(a, e)
		}
		a.State, a.ReplacedBy, a.EndedAt = to, e.By, &at
		return Effects{}, nil

	case EventExpired:
		if (a.State != StatePublished && a.State != StatePending) || at.Before(a.Expires) {
			return noop, nil // not live, or not yet due: a sweep may run early or twice
		}
		a.State, a.EndedAt = StateExpired, &at
		return Effects{}, nil
	}
	return Effects{}, vigie.Invalid("type", "unknown event %q", e.Type)
}

// publish sends the message: from now on what it says is fixed. The CAP
// references are taken at this moment, when the chain cannot change under
// them (see Service).
func publish(a *Alert, e Event) {
	at := e.At
	a.State, a.PublishedAt = StatePublished, &at
	if a.MsgType != cap.MsgAlert {
		a.References = slices.Clone(e.References)
	}
}
