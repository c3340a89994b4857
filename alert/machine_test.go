package alert_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/cap"
)

// newAlert returns a message as the service builds it, not yet submitted.
func newAlert(status cap.Status) *alert.Alert {
	return &alert.Alert{ID: "a-1", AuthorityID: "auth-1", Identifier: "vigie-auth-1-a-1", Sender: "auth-1@vigie.invalid",
		Status: status, MsgType: cap.MsgAlert, Scope: cap.ScopePublic, ChainID: "a-1", Categories: []cap.Category{cap.CatSecurity},
		Event: "Terrorist attack", Urgency: cap.UrgImmediate, Severity: cap.SevExtreme, Certainty: cap.CertObserved,
		Expires: t0.Add(time.Hour), Infos: []alert.Info{{Language: "fr", Headline: "h", Instruction: "i", AreaDesc: "Paris"}},
		Area: alert.Area{Circles: []string{bataclan}}, CreatedBy: "user:u-author", CreatedAt: t0}
}

func ev(typ alert.EventType, at time.Time, p string) alert.Event {
	e := alert.Event{Type: typ, At: at, Actor: p, Person: true, OrgID: "auth-1", By: "a-2"}
	if typ == alert.EventRejected {
		e.Reason = "Wrong district."
	}
	return e
}

const (
	byAuthor   = "user:u-author"
	byApprover = "user:u-approver"
)

// inState brings a new Actual message to s along the usual path.
func inState(t testing.TB, s alert.State) *alert.Alert {
	t.Helper()
	a := newAlert(cap.StatusActual)
	steps := map[alert.State][]alert.Event{
		alert.StateNew:        nil,
		alert.StatePending:    {ev(alert.EventSubmitted, t0, byAuthor)},
		alert.StateRejected:   {ev(alert.EventSubmitted, t0, byAuthor), ev(alert.EventRejected, t0.Add(time.Minute), byApprover)},
		alert.StatePublished:  {ev(alert.EventSubmitted, t0, byAuthor), ev(alert.EventApproved, t0.Add(time.Minute), byApprover)},
		alert.StateSuperseded: {ev(alert.EventSubmitted, t0, byAuthor), ev(alert.EventApproved, t0.Add(time.Minute), byApprover), ev(alert.EventSuperseded, t0.Add(2*time.Minute), byAuthor)},
		alert.StateCancelled:  {ev(alert.EventSubmitted, t0, byAuthor), ev(alert.EventApproved, t0.Add(time.Minute), byApprover), ev(alert.EventCancelled, t0.Add(2*time.Minute), byAuthor)},
		alert.StateExpired:    {ev(alert.EventSubmitted, t0, byAuthor), ev(alert.EventApproved, t0.Add(time.Minute), byApprover), ev(alert.EventExpired, t0.Add(time.Hour), "system")},
	}
	for _, e := range steps[s] {
		if _, err := alert.Apply(a, e); err != nil {
			t.Fatalf("to %s: %s: %v", s, e.Type, err)
		}
	}
	if a.State != s {
		t.Fatalf("reached %q, want %q", a.State, s)
	}
	return a
}

func TestTransitions(t *testing.T) {
	at := t0.Add(10 * time.Minute)
	conflict, noop := alert.State("conflict"), alert.State("noop")
	all := append([]alert.State{alert.StateNew}, alert.States...)
	events := []alert.EventType{alert.EventSubmitted, alert.EventApproved, alert.EventRejected, alert.EventSuperseded, alert.EventCancelled, alert.EventExpired}
	// want[state][event]: the state reached, or conflict, or noop. Expiry
	// is applied at the expiry time.
	want := map[alert.State]map[alert.EventType]alert.State{
		alert.StateNew:        {alert.EventSubmitted: alert.StatePending},
		alert.StatePending:    {alert.EventApproved: alert.StatePublished, alert.EventRejected: alert.StateRejected, alert.EventExpired: alert.StateExpired},
		alert.StatePublished:  {alert.EventSuperseded: alert.StateSuperseded, alert.EventCancelled: alert.StateCancelled, alert.EventExpired: alert.StateExpired},
		alert.StateSuperseded: {alert.EventSuperseded: noop, alert.EventCancelled: alert.StateCancelled},
		alert.StateCancelled:  {alert.EventSuperseded: noop, alert.EventCancelled: noop},
		alert.StateExpired:    {alert.EventSuperseded: noop, alert.EventCancelled: noop},
	}
	for _, s := range all {
		for _, typ := range events {
			t.Run(string(typ)+" in "+string(s), func(t *testing.T) {
				a := inState(t, s)
				before := *a
				actor := byApprover
				if typ == alert.EventSubmitted {
					actor = byAuthor
				}
				e := ev(typ, at, actor)
				if typ == alert.EventExpired {
					e.At = a.Expires
				}
				w, ok := want[s][typ]
				if !ok {
					w = conflict
					if typ == alert.EventExpired {
						w = noop // nothing live to expire
					}
				}
				fx, err := alert.Apply(a, e)
				switch w {
				case conflict:
					mustCode(t, err, vigie.EConflict, "")
				case noop:
					if err != nil || !fx.Noop {
						t.Fatalf("got %+v %v, want a no-op", fx, err)
					}
				default:
					if err != nil || a.State != w || a.Version != before.Version+1 {
						t.Fatalf("got %s v%d %v, want %s v%d", a.State, a.Version, err, w, before.Version+1)
					}
					return
				}
				if diff := cmp.Diff(&before, a); diff != "" {
					t.Fatalf("a refused event changed the alert:\n%s", diff)
				}
			})
		}
	}
}

func TestTwoPersonRule(t *testing.T) {
	tests := []struct {
		name string
		edit func(e *alert.Event)
		code vigie.Code
	}{
		{"the author", func(e *alert.Event) { e.Actor = byAuthor }, vigie.EForbidden},
		{"an API key", func(e *alert.Event) { e.Actor, e.Person = "key:k-1", false }, vigie.EForbidden},
		{"another authority", func(e *alert.Event) { e.OrgID = "auth-2" }, vigie.EForbidden},
		{"after expiry", func(e *alert.Event) { e.At = t0.Add(time.Hour) }, vigie.EConflict},
		{"no time", func(e *alert.Event) { e.At = time.Time{} }, vigie.EInvalid},
		{"a colleague", func(*alert.Event) {}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := inState(t, alert.StatePending)
			e := ev(alert.EventApproved, t0.Add(time.Minute), byApprover)
			tt.edit(&e)
			fx, err := alert.Apply(a, e)
			if tt.code == "" {
				if err != nil || !fx.Published || a.State != alert.StatePublished || a.ApprovedBy != byApprover || !a.PublishedAt.Equal(e.At) {
					t.Fatalf("approval by a colleague: %+v %v", a, err)
				}
				return
			}
			mustCode(t, err, tt.code, "")
			if a.State != alert.StatePending {
				t.Fatalf("state %s after a refused approval", a.State)
			}
		})
	}
}

func TestDrillsNeedNoApproval(t *testing.T) {
	for _, st := range []cap.Status{cap.StatusExercise, cap.StatusTest} {
		a := newAlert(st)
		fx, err := alert.Apply(a, ev(alert.EventSubmitted, t0, byAuthor))
		if err != nil || !fx.Published || a.State != alert.StatePublished || a.ApprovedBy != "" || a.SubmittedAt != nil {
			t.Fatalf("%s: %+v %+v %v", st, fx, a, err)
		}
	}
	a := newAlert(cap.StatusActual)
	if _, err := alert.Apply(a, ev(alert.EventSubmitted, t0, byApprover)); vigie.ErrorCode(err) != vigie.EForbidden {
		t.Fatalf("submitted by someone else than the author: %v", err)
	}
}

func TestRejectNeedsAReason(t *testing.T) {
	a := inState(t, alert.StatePending)
	e := ev(alert.EventRejected, t0.Add(time.Minute), byAuthor)
	e.Reason = " "
	_, err := alert.Apply(a, e)
	mustCode(t, err, vigie.EInvalid, "reason")
	e.Reason = "I wrote the wrong district."
	if _, err := alert.Apply(a, e); err != nil || a.State != alert.StateRejected || a.RejectedBy != byAuthor {
		t.Fatalf("the author withdraws: %v %+v", err, a)
	}
}

func TestExpiryWaitsForItsTime(t *testing.T) {
	a := inState(t, alert.StatePublished)
	if fx, err := alert.Apply(a, ev(alert.EventExpired, a.Expires.Add(-time.Second), "system")); err != nil || !fx.Noop {
		t.Fatalf("early sweep: %+v %v", fx, err)
	}
	if _, err := alert.Apply(a, ev(alert.EventExpired, a.Expires, "system")); err != nil || a.State != alert.StateExpired || !a.EndedAt.Equal(a.Expires) {
		t.Fatalf("sweep at expiry: %v %+v", err, a)
	}
}

func TestTimeline(t *testing.T) {
	a := inState(t, alert.StateSuperseded)
	var names []string
	for _, h := range a.Timeline() {
		names = append(names, h.Name)
	}
	if diff := cmp.Diff([]string{"created", "submitted", "approved", "published", "superseded"}, names); diff != "" {
		t.Fatal(diff)
	}
}
