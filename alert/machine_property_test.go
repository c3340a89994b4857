package alert_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/cap"
)

// The property test drives one message with random events from random
// people at random times and checks, after every step, the rules that
// must hold whatever happens, against a small model of its own.

// predict is the model: the outcome of e on a message in state s.
func predict(a *alert.Alert, e alert.Event) (to alert.State, code vigie.Code, noop bool) {
	s := a.State
	switch e.Type {
	case alert.EventSubmitted:
		switch {
		case s != alert.StateNew:
			return s, vigie.EConflict, false
		case e.Actor != a.CreatedBy:
			return s, vigie.EForbidden, false
		case a.Status == cap.StatusActual:
			return alert.StatePending, "", false
		}
		return alert.StatePublished, "", false
	case alert.EventApproved:
		switch {
		case s != alert.StatePending:
			return s, vigie.EConflict, false
		case e.OrgID != a.AuthorityID || !e.Person || e.Actor == a.CreatedBy:
			return s, vigie.EForbidden, false
		case !e.At.Before(a.Expires):
			return s, vigie.EConflict, false
		}
		return alert.StatePublished, "", false
	case alert.EventRejected:
		switch {
		case s != alert.StatePending:
			return s, vigie.EConflict, false
		case e.OrgID != a.AuthorityID:
			return s, vigie.EForbidden, false
		case strings.TrimSpace(e.Reason) == "":
			return s, vigie.EInvalid, false
		}
		return alert.StateRejected, "", false
	case alert.EventSuperseded:
		switch s {
		case alert.StatePublished:
			return alert.StateSuperseded, "", false
		case alert.StateSuperseded, alert.StateCancelled, alert.StateExpired:
			return s, "", true
		}
		return s, vigie.EConflict, false
	case alert.EventCancelled:
		switch s {
		case alert.StatePublished, alert.StateSuperseded:
			return alert.StateCancelled, "", false
		case alert.StateCancelled, alert.StateExpired:
			return s, "", true
		}
		return s, vigie.EConflict, false
	case alert.EventExpired:
		if (s == alert.StatePublished || s == alert.StatePending) && !e.At.Before(a.Expires) {
			return alert.StateExpired, "", false
		}
		return s, "", true
	}
	return s, vigie.EInvalid, false
}

var (
	actors = []string{byAuthor, byApprover, "user:u-other", "key:k-1", "system"}
	types  = []alert.EventType{alert.EventSubmitted, alert.EventApproved, alert.EventRejected, alert.EventSuperseded,
		alert.EventCancelled, alert.EventExpired, "bogus"}
)

func TestMachineProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		status := rapid.SampledFrom([]cap.Status{cap.StatusActual, cap.StatusActual, cap.StatusExercise, cap.StatusTest}).Draw(t, "status")
		a := newAlert(status)
		now := t0
		var published []byte // the CAP document as it went out
		var publishedAt *time.Time
		steps := rapid.IntRange(1, 30).Draw(t, "steps")
		for range steps {
			now = now.Add(time.Duration(rapid.IntRange(0, 40).Draw(t, "minutes")) * time.Minute)
			actor := rapid.SampledFrom(actors).Draw(t, "actor")
			e := alert.Event{
				Type: rapid.SampledFrom(types).Draw(t, "type"), At: now, Actor: actor,
				Person: strings.HasPrefix(actor, "user:"), OrgID: rapid.SampledFrom([]string{"auth-1", "auth-1", "auth-2"}).Draw(t, "org"),
				Reason: rapid.SampledFrom([]string{"", "Wrong area."}).Draw(t, "reason"), By: "a-2",
				References: []alert.Reference{{Sender: "s", Identifier: "x", Sent: t0}},
			}
			before := *a
			wantState, wantCode, wantNoop := predict(a, e)
			fx, err := alert.Apply(a, e)

			if vigie.ErrorCode(err) != wantCode {
				t.Fatalf("%s by %s (%s) in %q: error %v, want code %q", e.Type, e.Actor, e.OrgID, before.State, err, wantCode)
			}
			if err != nil || fx.Noop {
				if fx.Noop != wantNoop {
					t.Fatalf("%s in %q: noop %v, want %v", e.Type, before.State, fx.Noop, wantNoop)
				}
				if diff := cmp.Diff(&before, a); diff != "" {
					t.Fatalf("%s in %q was refused or a no-op but changed the alert:\n%s", e.Type, before.State, diff)
				}
				continue
			}
			if wantNoop || a.State != wantState || a.Version != before.Version+1 {
				t.Fatalf("%s in %q: reached %q v%d, want %q v%d (noop %v)", e.Type, before.State, a.State, a.Version, wantState, before.Version+1, wantNoop)
			}
			if before.State.Terminal() {
				t.Fatalf("a %s message moved to %s", before.State, a.State)
			}
			if fx.Published != (a.State == alert.StatePublished) {
				t.Fatalf("effects %+v for %s → %s", fx, before.State, a.State)
			}
			checkInvariants(t, a)
			if a.PublishedAt != nil && publishedAt == nil {
				publishedAt = a.PublishedAt
				if published, err = alert.CAP(a); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Whatever happened after publication, what went out is what it says.
		if publishedAt != nil {
			now, err := alert.CAP(a)
			if err != nil || !bytes.Equal(now, published) || !a.PublishedAt.Equal(*publishedAt) {
				t.Fatalf("a published message changed:\n%s\nthen\n%s", published, now)
			}
		}
	})
}

func checkInvariants(t *rapid.T, a *alert.Alert) {
	if a.PublishedAt != nil && a.Status == cap.StatusActual {
		if a.ApprovedBy == "" || a.ApprovedBy == a.CreatedBy || !strings.HasPrefix(a.ApprovedBy, "user:") ||
			a.ApprovedAt == nil || !a.ApprovedAt.Equal(*a.PublishedAt) {
			t.Fatalf("an Actual message went out without a second person: author %s, approver %q", a.CreatedBy, a.ApprovedBy)
		}
	}
	if a.Status != cap.StatusActual && (a.State == alert.StatePending || a.ApprovedBy != "") {
		t.Fatalf("a %s message waited for approval", a.Status)
	}
	switch a.State {
	case alert.StatePublished, alert.StateSuperseded, alert.StateCancelled:
		if a.PublishedAt == nil {
			t.Fatalf("state %s but never published", a.State)
		}
	case alert.StatePending, alert.StateRejected:
		if a.PublishedAt != nil {
			t.Fatalf("state %s but published at %v", a.State, a.PublishedAt)
		}
	}
	if a.State == alert.StateExpired && a.EndedAt.Before(a.Expires) {
		t.Fatalf("expired at %v before its expiry %v", a.EndedAt, a.Expires)
	}
	// The timeline runs forward.
	last := time.Time{}
	for _, h := range a.Timeline() {
		if h.At.Before(last) {
			t.Fatalf("timeline goes back: %+v", a.Timeline())
		}
		last = h.At
	}
}
