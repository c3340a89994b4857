package referral_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/referral"
)

// outcome is what applying an event in a state should do.
type outcome struct {
	to    referral.State // resulting state on success
	noop  bool
	code  vigie.Code // expected error code; "" for success
	field string     // expected Field of an EInvalid error
}

var (
	noop     = outcome{noop: true}
	conflict = outcome{code: vigie.EConflict}
)

func to(s referral.State) outcome { return outcome{to: s} }

// expected is the outcome in state s; states missing from the table conflict.
func expected(m map[referral.State]outcome, s referral.State) outcome {
	if o, ok := m[s]; ok {
		return o
	}
	return conflict
}

// eventCase is one event, built for a referral at a time, with the expected
// outcome in every state (states missing from the map: EConflict).
type eventCase struct {
	name  string
	typ   referral.EventType
	build func(r *referral.Referral, at time.Time) referral.Event
	want  func(kind referral.Kind) map[referral.State]outcome
}

func plain(typ referral.EventType) func(*referral.Referral, time.Time) referral.Event {
	return func(_ *referral.Referral, at time.Time) referral.Event { return ev(typ, at) }
}

func fixed(m map[referral.State]outcome) func(referral.Kind) map[referral.State]outcome {
	return func(referral.Kind) map[referral.State]outcome { return m }
}

// answerable are the states in which the platform can still answer.
func answerable(o outcome) map[referral.State]outcome {
	return map[referral.State]outcome{pending: o, received: o, acknowledged: o, overdue: o, impossible: o}
}

func allStates(o outcome) map[referral.State]outcome {
	m := map[referral.State]outcome{}
	for _, s := range referral.States {
		m[s] = o
	}
	return m
}

func with(m map[referral.State]outcome, s referral.State, o outcome) map[referral.State]outcome {
	m[s] = o
	return m
}

// eventCases is the transition table of the state machine. Paths to the
// states never acknowledge, except to reach acknowledged.
var eventCases = []eventCase{
	{"delivered", referral.EventDelivered, plain(referral.EventDelivered),
		fixed(with(allStates(noop), pending, to(received)))},
	{"acknowledged", referral.EventAcknowledged, plain(referral.EventAcknowledged),
		fixed(map[referral.State]outcome{pending: to(acknowledged), received: to(acknowledged), acknowledged: noop,
			overdue: to(overdue), impossible: to(impossible)})},
	{"actioned", referral.EventActioned, plain(referral.EventActioned),
		fixed(answerable(to(actioned)))},
	{"impossible", referral.EventImpossible, plain(referral.EventImpossible),
		fixed(map[referral.State]outcome{pending: to(impossible), received: to(impossible),
			acknowledged: to(impossible), overdue: to(impossible)})},
	{"clarified", referral.EventClarified, plain(referral.EventClarified),
		fixed(map[referral.State]outcome{impossible: to(received)})},
	{"rejected", referral.EventRejected, plain(referral.EventRejected),
		func(kind referral.Kind) map[referral.State]outcome {
			if kind == referral.KindRemovalOrder {
				return allStates(outcome{code: vigie.EInvalid, field: "type"})
			}
			return answerable(to(rejected))
		}},
	{"withdrawn", referral.EventWithdrawn, plain(referral.EventWithdrawn),
		fixed(answerable(to(withdrawn)))},
	{"escalated 50", referral.EventEscalated,
		func(r *referral.Referral, at time.Time) referral.Event { return timerEv(50, r.Epoch, at) },
		fixed(with(with(allStates(noop), received, to(received)), acknowledged, to(acknowledged)))},
	{"escalated 100", referral.EventEscalated,
		func(r *referral.Referral, at time.Time) referral.Event { return timerEv(100, r.Epoch, at) },
		fixed(with(with(allStates(noop), received, to(overdue)), acknowledged, to(overdue)))},
	{"complaint", referral.EventComplaint, plain(referral.EventComplaint),
		fixed(map[referral.State]outcome{actioned: to(complaint)})},
	{"complaint upheld", referral.EventComplaintDecided,
		func(_ *referral.Referral, at time.Time) referral.Event {
			e := ev(referral.EventComplaintDecided, at)
			e.Reinstate = true
			return e
		},
		fixed(map[referral.State]outcome{complaint: to(reinstated)})},
	{"complaint dismissed", referral.EventComplaintDecided, plain(referral.EventComplaintDecided),
		fixed(map[referral.State]outcome{complaint: to(actioned)})},
}

// checkOutcome applies e to r and checks the outcome, that r is unchanged
// on error or noop, and that Version moves by one on a change.
func checkOutcome(t *testing.T, r *referral.Referral, e referral.Event, want outcome) referral.Effects {
	t.Helper()
	before := clone(r)
	fx, err := referral.Apply(r, e)
	switch {
	case want.code != "":
		code, field := errField(err)
		if code != want.code || (want.code == vigie.EInvalid && field != want.field) {
			t.Fatalf("got error %v (code %q, field %q), want code %q field %q", err, code, field, want.code, want.field)
		}
		if _, ok := err.(*vigie.Error); !ok {
			t.Errorf("error is %T, want *vigie.Error", err)
		}
		if d := diff(before, r); d != "" {
			t.Errorf("Apply changed r on error (-before +after):\n%s", d)
		}
		if d := cmp.Diff(referral.Effects{}, fx); d != "" {
			t.Errorf("effects on error (-want +got):\n%s", d)
		}
	case err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want.noop:
		if d := cmp.Diff(referral.Effects{Noop: true}, fx); d != "" {
			t.Errorf("want a bare noop (-want +got):\n%s", d)
		}
		if d := diff(before, r); d != "" {
			t.Errorf("noop changed r (-before +after):\n%s", d)
		}
	default:
		if fx.Noop {
			t.Fatalf("got noop, want a move to %s", want.to)
		}
		if r.State != want.to {
			t.Errorf("state %s, want %s", r.State, want.to)
		}
		if r.Version != before.Version+1 {
			t.Errorf("version %d, want %d", r.Version, before.Version+1)
		}
	}
	return fx
}

func TestTransitions(t *testing.T) {
	for _, kind := range kinds {
		for _, c := range eventCases {
			want := c.want(kind)
			for _, s := range reachable(kind) {
				t.Run(fmt.Sprintf("%s/%s/%s", kind, c.name, s), func(t *testing.T) {
					r := inState(t, kind, s)
					checkOutcome(t, r, c.build(r, t0.Add(3*time.Hour)), expected(want, s))
				})
			}
		}
	}
}

// TestWrongParty: every event from any party but its sender is forbidden,
// in every state, before anything else is looked at.
func TestWrongParty(t *testing.T) {
	parties := []referral.Party{authority, platform, system, "", "ngo"}
	for _, kind := range kinds {
		for _, c := range eventCases {
			for _, s := range reachable(kind) {
				for _, p := range parties {
					if p == senderOf(c.typ) {
						continue
					}
					t.Run(fmt.Sprintf("%s/%s/%s/%s", kind, c.name, s, p), func(t *testing.T) {
						r := inState(t, kind, s)
						e := c.build(r, t0.Add(3*time.Hour))
						e.Party = p
						checkOutcome(t, r, e, outcome{code: vigie.EForbidden})
					})
				}
			}
		}
	}
}

func TestUnknownEvent(t *testing.T) {
	for _, typ := range []referral.EventType{referral.EventCreated, "", "deleted", "ACTIONED"} {
		for _, p := range []referral.Party{authority, platform, system} {
			r := inState(t, referral.KindReferral, received)
			checkOutcome(t, r, referral.Event{Type: typ, Party: p, At: tLater}, outcome{code: vigie.EInvalid, field: "type"})
		}
	}
}

func TestInvalidInput(t *testing.T) {
	long := strings.Repeat("x", 5001)
	maxUnicode := strings.Repeat("é", 5000) // 5000 characters, 10000 bytes: allowed
	mod := func(typ referral.EventType, f func(*referral.Event)) func(*referral.Referral, time.Time) referral.Event {
		return func(_ *referral.Referral, at time.Time) referral.Event {
			e := ev(typ, at)
			f(&e)
			return e
		}
	}
	tests := []struct {
		name  string
		kind  referral.Kind
		state referral.State
		build func(*referral.Referral, time.Time) referral.Event
		want  outcome
	}{
		{"action burned", referral.KindRemovalOrder, received,
			mod(referral.EventActioned, func(e *referral.Event) { e.Action = "burned" }), outcome{code: vigie.EInvalid, field: "action"}},
		{"action empty", referral.KindReferral, pending,
			mod(referral.EventActioned, func(e *referral.Event) { e.Action = "" }), outcome{code: vigie.EInvalid, field: "action"}},
		{"action burned in a closed state is a conflict first", referral.KindReferral, withdrawn,
			mod(referral.EventActioned, func(e *referral.Event) { e.Action = "burned" }), conflict},
		{"acted before issue", referral.KindRemovalOrder, received,
			mod(referral.EventActioned, func(e *referral.Event) { e.ActedAt = t0.Add(-time.Nanosecond) }), outcome{code: vigie.EInvalid, field: "acted_at"}},
		{"acted in the future", referral.KindRemovalOrder, received,
			mod(referral.EventActioned, func(e *referral.Event) { e.ActedAt = e.At.Add(time.Minute + time.Nanosecond) }), outcome{code: vigie.EInvalid, field: "acted_at"}},
		{"acted at issue", referral.KindRemovalOrder, received,
			mod(referral.EventActioned, func(e *referral.Event) { e.ActedAt = t0 }), to(actioned)},
		{"acted one minute ahead (clock skew)", referral.KindRemovalOrder, received,
			mod(referral.EventActioned, func(e *referral.Event) { e.ActedAt = e.At.Add(time.Minute) }), to(actioned)},
		{"impossibility without explanation", referral.KindRemovalOrder, received,
			mod(referral.EventImpossible, func(e *referral.Event) { e.Text = "" }), outcome{code: vigie.EInvalid, field: "explanation"}},
		{"impossibility with blank explanation", referral.KindRemovalOrder, pending,
			mod(referral.EventImpossible, func(e *referral.Event) { e.Text = " \n\t" }), outcome{code: vigie.EInvalid, field: "explanation"}},
		{"impossibility explanation too long", referral.KindReferral, received,
			mod(referral.EventImpossible, func(e *referral.Event) { e.Text = long }), outcome{code: vigie.EInvalid, field: "explanation"}},
		{"impossibility explanation not UTF-8", referral.KindReferral, received,
			mod(referral.EventImpossible, func(e *referral.Event) { e.Text = "bad \xff" }), outcome{code: vigie.EInvalid, field: "explanation"}},
		{"impossibility explanation of 5000 characters", referral.KindReferral, received,
			mod(referral.EventImpossible, func(e *referral.Event) { e.Text = maxUnicode }), to(impossible)},
		{"impossibility without reason", referral.KindRemovalOrder, received,
			mod(referral.EventImpossible, func(e *referral.Event) { e.Reason = "" }), outcome{code: vigie.EInvalid, field: "reason"}},
		{"impossibility with unknown reason", referral.KindRemovalOrder, overdue,
			mod(referral.EventImpossible, func(e *referral.Event) { e.Reason = "too_busy" }), outcome{code: vigie.EInvalid, field: "reason"}},
		{"clarification empty", referral.KindRemovalOrder, impossible,
			mod(referral.EventClarified, func(e *referral.Event) { e.Text = "  " }), outcome{code: vigie.EInvalid, field: "clarification"}},
		{"rejection without reasons", referral.KindReferral, acknowledged,
			mod(referral.EventRejected, func(e *referral.Event) { e.Text = "" }), outcome{code: vigie.EInvalid, field: "reasons"}},
		{"rejecting a removal order", referral.KindRemovalOrder, acknowledged,
			plain(referral.EventRejected), outcome{code: vigie.EInvalid, field: "type"}},
		{"withdrawal without reason", referral.KindReferral, received,
			mod(referral.EventWithdrawn, func(e *referral.Event) { e.Text = "" }), to(withdrawn)},
		{"withdrawal reason too long", referral.KindReferral, received,
			mod(referral.EventWithdrawn, func(e *referral.Event) { e.Text = long }), outcome{code: vigie.EInvalid, field: "reason"}},
		{"complaint empty", referral.KindRemovalOrder, actioned,
			mod(referral.EventComplaint, func(e *referral.Event) { e.Text = "" }), outcome{code: vigie.EInvalid, field: "complaint"}},
		{"complaint decision without reasons", referral.KindRemovalOrder, complaint,
			mod(referral.EventComplaintDecided, func(e *referral.Event) { e.Text = ""; e.Reinstate = true }), outcome{code: vigie.EInvalid, field: "reasons"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := inState(t, tt.kind, tt.state)
			checkOutcome(t, r, tt.build(r, tLater.Add(time.Hour)), tt.want)
		})
	}
}

// timersFrom are the escalation timers of a clock started at start.
func timersFrom(r *referral.Referral, start time.Time) []referral.Timer {
	var ts []referral.Timer
	for _, lvl := range []int{50, 80, 100} {
		ts = append(ts, referral.Timer{ReferralID: r.ID, Epoch: r.Epoch, Level: lvl,
			At: start.Add(time.Duration(r.TargetSeconds) * time.Second * time.Duration(lvl) / 100)})
	}
	return ts
}

func TestEffects(t *testing.T) {
	at := t0.Add(20 * time.Minute)
	tests := []struct {
		name   string
		kind   referral.Kind
		state  referral.State
		build  func(*referral.Referral, time.Time) referral.Event
		want   referral.Effects
		timers bool // expect the three timers of a clock started at `at`
	}{
		{"delivered", referral.KindRemovalOrder, pending, plain(referral.EventDelivered), referral.Effects{}, true},
		{"delivered (referral)", referral.KindReferral, pending, plain(referral.EventDelivered), referral.Effects{}, true},
		{"acknowledged on pending", referral.KindRemovalOrder, pending, plain(referral.EventAcknowledged),
			referral.Effects{ToAuth: []string{"acknowledged"}}, true},
		{"acknowledged", referral.KindRemovalOrder, received, plain(referral.EventAcknowledged),
			referral.Effects{ToAuth: []string{"acknowledged"}}, false},
		{"acknowledged while impossible", referral.KindRemovalOrder, impossible, plain(referral.EventAcknowledged),
			referral.Effects{ToAuth: []string{"acknowledged"}}, false},
		{"actioned", referral.KindRemovalOrder, acknowledged, plain(referral.EventActioned),
			referral.Effects{ToAuth: []string{"actioned"}, Preserve: true}, false},
		{"actioned when overdue", referral.KindReferral, overdue, plain(referral.EventActioned),
			referral.Effects{ToAuth: []string{"actioned"}, Preserve: true}, false},
		{"actioned while impossible", referral.KindReferral, impossible, plain(referral.EventActioned),
			referral.Effects{ToAuth: []string{"actioned"}, Preserve: true}, false},
		{"impossible", referral.KindRemovalOrder, received, plain(referral.EventImpossible),
			referral.Effects{ToAuth: []string{"impossible"}}, false},
		{"clarified", referral.KindRemovalOrder, impossible, plain(referral.EventClarified),
			referral.Effects{ToPlat: []string{"clarified"}}, true},
		{"rejected", referral.KindReferral, received, plain(referral.EventRejected),
			referral.Effects{ToAuth: []string{"rejected"}}, false},
		{"withdrawn", referral.KindRemovalOrder, acknowledged, plain(referral.EventWithdrawn),
			referral.Effects{ToPlat: []string{"withdrawn"}}, false},
		{"withdrawn while pending", referral.KindRemovalOrder, pending, plain(referral.EventWithdrawn),
			referral.Effects{ToPlat: []string{"withdrawn"}}, false},
		{"escalated 50", referral.KindRemovalOrder, received,
			func(r *referral.Referral, at time.Time) referral.Event { return timerEv(50, r.Epoch, at) },
			referral.Effects{ToPlat: []string{"escalated"}}, false},
		{"escalated 80", referral.KindReferral, acknowledged,
			func(r *referral.Referral, at time.Time) referral.Event { return timerEv(80, r.Epoch, at) },
			referral.Effects{ToPlat: []string{"escalated"}}, false},
		{"escalated 100", referral.KindRemovalOrder, acknowledged,
			func(r *referral.Referral, at time.Time) referral.Event { return timerEv(100, r.Epoch, at) },
			referral.Effects{ToPlat: []string{"escalated"}, ToAuth: []string{"overdue"}}, false},
		{"complaint", referral.KindRemovalOrder, actioned, plain(referral.EventComplaint),
			referral.Effects{ToAuth: []string{"complaint"}}, false},
		{"complaint upheld", referral.KindRemovalOrder, complaint,
			func(_ *referral.Referral, at time.Time) referral.Event {
				e := ev(referral.EventComplaintDecided, at)
				e.Reinstate = true
				return e
			},
			referral.Effects{ToAuth: []string{"reinstated"}}, false},
		{"complaint dismissed", referral.KindRemovalOrder, complaint, plain(referral.EventComplaintDecided),
			referral.Effects{ToAuth: []string{"complaint_rejected"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := inState(t, tt.kind, tt.state)
			fx := mustApply(t, r, tt.build(r, at))
			want := tt.want
			if tt.timers {
				want.Timers = timersFrom(r, at)
			}
			if d := cmp.Diff(want, fx); d != "" {
				t.Errorf("effects (-want +got):\n%s", d)
			}
		})
	}
}

// TestTimerTimes: the timers fall at exactly 50, 80 and 100 % of the
// target, even when the target does not divide evenly, with the new epoch.
func TestTimerTimes(t *testing.T) {
	for _, tt := range []struct {
		seconds int
		at      [3]time.Duration
	}{
		{5400, [3]time.Duration{45 * time.Minute, 72 * time.Minute, 90 * time.Minute}},
		{3600, [3]time.Duration{30 * time.Minute, 48 * time.Minute, 60 * time.Minute}},
		{7, [3]time.Duration{3500 * time.Millisecond, 5600 * time.Millisecond, 7 * time.Second}},
		{1, [3]time.Duration{500 * time.Millisecond, 800 * time.Millisecond, time.Second}},
		{604800, [3]time.Duration{84 * time.Hour, 134*time.Hour + 24*time.Minute, 168 * time.Hour}},
	} {
		r := newRef(referral.KindReferral)
		r.TargetSeconds = tt.seconds
		fx := mustApply(t, r, ev(referral.EventDelivered, tDeliver))
		if r.Epoch == 0 {
			t.Errorf("epoch still 0 after the clock started")
		}
		var want []referral.Timer
		for i, lvl := range []int{50, 80, 100} {
			want = append(want, referral.Timer{ReferralID: r.ID, Epoch: r.Epoch, Level: lvl, At: tDeliver.Add(tt.at[i])})
		}
		if d := cmp.Diff(want, fx.Timers); d != "" {
			t.Errorf("target %ds: timers (-want +got):\n%s", tt.seconds, d)
		}
		if !r.Deadline.Equal(fx.Timers[2].At) {
			t.Errorf("target %ds: 100 %% timer at %v, deadline %v", tt.seconds, fx.Timers[2].At, r.Deadline)
		}
	}
}

func TestDeadlineRunsFromReceipt(t *testing.T) {
	for _, kind := range kinds {
		r := newRef(kind)
		recv := t0.Add(7*time.Minute + 3*time.Second)
		mustApply(t, r, ev(referral.EventDelivered, recv))
		want := recv.Add(90 * time.Minute)
		if kind == referral.KindRemovalOrder {
			want = recv.Add(time.Hour) // Art. 3(3): one hour from receipt, not from issue
		}
		if r.State != received || r.ReceivedAt == nil || !r.ReceivedAt.Equal(recv) ||
			r.ClockStartedAt == nil || !r.ClockStartedAt.Equal(recv) || r.Deadline == nil || !r.Deadline.Equal(want) {
			t.Errorf("%s: state %s received %v clock %v deadline %v, want received at %v, deadline %v",
				kind, r.State, r.ReceivedAt, r.ClockStartedAt, r.Deadline, recv, want)
		}
		if left, ok := r.TimeLeft(recv.Add(10 * time.Minute)); !ok || left != want.Sub(recv)-10*time.Minute {
			t.Errorf("%s: TimeLeft = %v, %v", kind, left, ok)
		}
	}
}

// TestReceiptByPlatformMessage: any platform message on a pending referral
// is receipt; a later delivery moves nothing.
func TestReceiptByPlatformMessage(t *testing.T) {
	for _, typ := range []referral.EventType{referral.EventAcknowledged, referral.EventActioned,
		referral.EventImpossible, referral.EventRejected} {
		t.Run(string(typ), func(t *testing.T) {
			r := newRef(referral.KindReferral)
			at := t0.Add(13 * time.Minute)
			mustApply(t, r, ev(typ, at))
			if r.ReceivedAt == nil || !r.ReceivedAt.Equal(at) {
				t.Fatalf("ReceivedAt = %v, want %v", r.ReceivedAt, at)
			}
			checkOutcome(t, r, ev(referral.EventDelivered, at.Add(time.Minute)), noop)
		})
	}
	t.Run("withdrawn is not receipt", func(t *testing.T) {
		r := newRef(referral.KindRemovalOrder)
		mustApply(t, r, ev(referral.EventWithdrawn, tLater))
		if r.ReceivedAt != nil || r.Deadline != nil || r.WithdrawnAt == nil || !r.WithdrawnAt.Equal(tLater) {
			t.Errorf("received %v deadline %v withdrawn %v", r.ReceivedAt, r.Deadline, r.WithdrawnAt)
		}
	})
	t.Run("timer on pending is no receipt", func(t *testing.T) {
		r := newRef(referral.KindRemovalOrder)
		checkOutcome(t, r, timerEv(50, r.Epoch, tLater), noop)
	})
}

// TestImpossibilityAndClarification: Annex III stops the clock; the
// clarification restarts it in full from the clarification (Art. 3(7)-(8)),
// and the timers of the first clock no longer fire.
func TestImpossibilityAndClarification(t *testing.T) {
	r := newRef(referral.KindRemovalOrder)
	fx1 := mustApply(t, r, ev(referral.EventDelivered, tDeliver))
	mustApply(t, r, ev(referral.EventAcknowledged, tDeliver.Add(time.Minute)))
	mustApply(t, r, timerEv(50, fx1.Timers[0].Epoch, fx1.Timers[0].At))
	if r.Escalation != 50 {
		t.Fatalf("escalation %d, want 50", r.Escalation)
	}
	e1 := r.Epoch

	tImp := tDeliver.Add(49 * time.Minute) // 11 minutes left
	mustApply(t, r, ev(referral.EventImpossible, tImp))
	if r.State != impossible || r.Deadline != nil || r.Epoch != e1+1 {
		t.Fatalf("after impossibility: state %s deadline %v epoch %d (was %d)", r.State, r.Deadline, r.Epoch, e1)
	}
	if r.Impossibility == nil || r.Impossibility.Reason != referral.ReasonInsufficient || !r.Impossibility.At.Equal(tImp) {
		t.Errorf("impossibility %+v", r.Impossibility)
	}
	if left, ok := r.TimeLeft(tImp); ok {
		t.Errorf("TimeLeft while stopped = %v, true", left)
	}
	// The first clock's timers are stale, the 100 % one included.
	for _, tm := range fx1.Timers {
		checkOutcome(t, r, timerEv(tm.Level, tm.Epoch, tm.At), noop)
	}

	tClar := tImp.Add(3 * time.Hour)
	fx2 := mustApply(t, r, ev(referral.EventClarified, tClar))
	if r.State != acknowledged {
		t.Errorf("state after clarification %s, want acknowledged (it was acknowledged before)", r.State)
	}
	if r.Deadline == nil || !r.Deadline.Equal(tClar.Add(time.Hour)) {
		t.Errorf("deadline %v, want the full hour from the clarification: %v", r.Deadline, tClar.Add(time.Hour))
	}
	if !r.ClockStartedAt.Equal(tClar) || !r.ReceivedAt.Equal(tDeliver) || r.Escalation != 0 || r.Epoch <= e1+1 {
		t.Errorf("clock %v received %v escalation %d epoch %d", r.ClockStartedAt, r.ReceivedAt, r.Escalation, r.Epoch)
	}
	if r.Clarification == "" {
		t.Errorf("clarification not recorded")
	}
	if d := cmp.Diff(timersFrom(r, tClar), fx2.Timers); d != "" {
		t.Errorf("new timers (-want +got):\n%s", d)
	}
	// Old timers still do nothing; the new ones escalate.
	for _, tm := range fx1.Timers {
		checkOutcome(t, r, timerEv(tm.Level, tm.Epoch, tClar.Add(time.Minute)), noop)
	}
	for _, tm := range fx2.Timers {
		mustApply(t, r, timerEv(tm.Level, tm.Epoch, tm.At))
		if r.Escalation != tm.Level {
			t.Errorf("escalation %d after the %d %% timer", r.Escalation, tm.Level)
		}
	}
	if r.State != overdue || r.Deadline == nil || !r.Deadline.Equal(tClar.Add(time.Hour)) {
		t.Errorf("after the 100 %% timer: state %s deadline %v", r.State, r.Deadline)
	}
}

func TestClarifiedWithoutAcknowledgement(t *testing.T) {
	r := inState(t, referral.KindReferral, impossible)
	mustApply(t, r, ev(referral.EventClarified, tLater))
	if r.State != received || !r.Deadline.Equal(tLater.Add(90*time.Minute)) {
		t.Errorf("state %s deadline %v", r.State, r.Deadline)
	}
}

func TestEscalationOrder(t *testing.T) {
	r := inState(t, referral.KindRemovalOrder, received)
	ep := r.Epoch
	checkOutcome(t, r, timerEv(80, ep, tLater), to(received))
	checkOutcome(t, r, timerEv(50, ep, tLater), noop) // a late lower timer does not lower the level
	checkOutcome(t, r, timerEv(80, ep, tLater), noop) // nor does a repeat
	checkOutcome(t, r, timerEv(100, ep+1, tLater), noop)
	checkOutcome(t, r, timerEv(100, ep-1, tLater), noop)
	if _, err := referral.Apply(r, timerEv(0, ep, tLater)); vigie.ErrorCode(err) != vigie.EInvalid {
		t.Errorf("a timer of level 0: %v, want invalid", err)
	}
	checkOutcome(t, r, timerEv(100, ep, tLater), to(overdue))
	if r.Escalation != 100 || r.Deadline == nil || !r.Deadline.Equal(tDeliver.Add(time.Hour)) {
		t.Errorf("escalation %d deadline %v", r.Escalation, r.Deadline)
	}
	checkOutcome(t, r, timerEv(100, ep, tLater), noop)
	// Overdue is still open: the platform can acknowledge and act.
	checkOutcome(t, r, ev(referral.EventAcknowledged, tLater), to(overdue))
	checkOutcome(t, r, ev(referral.EventAcknowledged, tLater), noop)
}

func TestIdempotence(t *testing.T) {
	r := newRef(referral.KindRemovalOrder)
	mustApply(t, r, ev(referral.EventAcknowledged, tDeliver))
	checkOutcome(t, r, ev(referral.EventAcknowledged, tLater), noop)
	checkOutcome(t, r, ev(referral.EventDelivered, tLater), noop)
	if !r.ReceivedAt.Equal(tDeliver) || !r.AcknowledgedAt.Equal(tDeliver) {
		t.Errorf("received %v acknowledged %v", r.ReceivedAt, r.AcknowledgedAt)
	}

	r = inState(t, referral.KindReferral, received)
	checkOutcome(t, r, ev(referral.EventDelivered, tLater), noop)
	if !r.ReceivedAt.Equal(tDeliver) {
		t.Errorf("second delivery moved receipt to %v", r.ReceivedAt)
	}

	// Acknowledging while impossible is recorded once, then a noop.
	r = inState(t, referral.KindReferral, impossible)
	checkOutcome(t, r, ev(referral.EventAcknowledged, tLater), to(impossible))
	checkOutcome(t, r, ev(referral.EventAcknowledged, tLater.Add(time.Minute)), noop)
	if !r.AcknowledgedAt.Equal(tLater) {
		t.Errorf("acknowledged %v", r.AcknowledgedAt)
	}
	mustApply(t, r, ev(referral.EventClarified, tLater.Add(time.Hour)))
	if r.State != acknowledged {
		t.Errorf("clarified after acknowledgement: %s, want acknowledged", r.State)
	}
}

func TestOnTime(t *testing.T) {
	act := func(r *referral.Referral, at, acted time.Time) {
		t.Helper()
		e := ev(referral.EventActioned, at)
		e.ActedAt = acted
		mustApply(t, r, e)
	}
	order := func(s referral.State) *referral.Referral { return inState(t, referral.KindRemovalOrder, s) }
	dl := tDeliver.Add(time.Hour)

	r := order(received)
	act(r, dl.Add(time.Second), dl)
	if !r.OnTime || !r.ActedAt.Equal(dl) {
		t.Errorf("acted exactly at the deadline: on time %v, acted %v", r.OnTime, r.ActedAt)
	}
	r = order(received)
	act(r, dl.Add(time.Second), dl.Add(time.Nanosecond))
	if r.OnTime {
		t.Errorf("acted 1 ns after the deadline counted on time")
	}
	r = order(overdue)
	act(r, dl.Add(time.Hour), time.Time{})
	if r.OnTime || !r.ActedAt.Equal(dl.Add(time.Hour)) {
		t.Errorf("acted late with no acted_at: on time %v acted %v", r.OnTime, r.ActedAt)
	}
	// The time of the measure is what counts (Annex II B), even when the
	// report comes after the 100 % timer.
	r = order(overdue)
	act(r, dl.Add(time.Hour), dl.Add(-time.Minute))
	if !r.OnTime {
		t.Errorf("measure taken before the deadline, reported late: not on time")
	}
	r = order(impossible) // clock stopped
	act(r, dl.Add(5*time.Hour), time.Time{})
	if !r.OnTime {
		t.Errorf("acted while the clock was stopped: not on time")
	}
	r = order(pending) // receipt and action at once
	act(r, tLater, time.Time{})
	if !r.OnTime || !r.ReceivedAt.Equal(tLater) || r.Deadline != nil {
		t.Errorf("actioned on pending: on time %v received %v deadline %v", r.OnTime, r.ReceivedAt, r.Deadline)
	}
}

func TestActionedRecordsMeasure(t *testing.T) {
	r := inState(t, referral.KindRemovalOrder, acknowledged)
	e := ev(referral.EventActioned, tLater)
	e.Action = referral.ActionDisabled
	e.ActedAt = tLater.Add(-time.Minute)
	before := r.Epoch
	fx := mustApply(t, r, e)
	if r.State != actioned || r.Action != referral.ActionDisabled || !r.ActedAt.Equal(e.ActedAt) ||
		!slices.Equal(r.ContentHashes, e.ContentHashes) || r.Metadata["uploader"] != "u-77" || r.Feedback != e.Text {
		t.Errorf("measure not recorded: %+v", r)
	}
	if r.Deadline != nil || r.Epoch <= before || !fx.Preserve {
		t.Errorf("deadline %v epoch %d (was %d) preserve %v", r.Deadline, r.Epoch, before, fx.Preserve)
	}
}

// TestComplaintCycle: a dismissed complaint goes back to actioned, and a
// new complaint can follow; the measure and its timing stay as they were.
func TestComplaintCycle(t *testing.T) {
	r := inState(t, referral.KindRemovalOrder, actioned)
	acted, onTime := *r.ActedAt, r.OnTime
	checkOutcome(t, r, ev(referral.EventComplaint, tLater), to(complaint))
	checkOutcome(t, r, ev(referral.EventComplaintDecided, tLater.Add(time.Hour)), to(actioned))
	checkOutcome(t, r, ev(referral.EventComplaint, tLater.Add(2*time.Hour)), to(complaint))
	e := ev(referral.EventComplaintDecided, tLater.Add(3*time.Hour))
	e.Reinstate = true
	checkOutcome(t, r, e, to(reinstated))
	if !r.ActedAt.Equal(acted) || r.OnTime != onTime || !r.ReinstatedAt.Equal(e.At) || !r.ComplaintAt.Equal(tLater.Add(2*time.Hour)) || r.Decision != e.Text {
		t.Errorf("after reinstatement: %+v", r)
	}
	for _, c := range eventCases {
		checkOutcome(t, r, c.build(r, tLater.Add(4*time.Hour)), expected(c.want(r.Kind), reinstated))
	}
}

func TestVersion(t *testing.T) {
	r := newRef(referral.KindReferral)
	events := []referral.Event{
		ev(referral.EventDelivered, tDeliver),
		ev(referral.EventDelivered, tDeliver.Add(time.Second)), // noop
		ev(referral.EventAcknowledged, tAnswer),
		ev(referral.EventAcknowledged, tAnswer.Add(time.Second)), // noop
		ev(referral.EventImpossible, tLater),
		ev(referral.EventClarified, tLater.Add(time.Hour)),
		ev(referral.EventActioned, tLater.Add(2*time.Hour)),
	}
	want := []int{2, 2, 3, 3, 4, 5, 6}
	for i, e := range events {
		mustApply(t, r, e)
		if r.Version != want[i] {
			t.Errorf("after %s: version %d, want %d", e.Type, r.Version, want[i])
		}
	}
	if _, err := referral.Apply(r, ev(referral.EventActioned, tLater.Add(3*time.Hour))); err == nil || r.Version != 6 {
		t.Errorf("second action: err %v version %d", err, r.Version)
	}
}

// A platform answer on a pending referral starts and stops the clock in one
// step: no timers are asked for a clock that no longer runs.
func TestNoTimersForAClockStoppedByTheSameEvent(t *testing.T) {
	for _, typ := range []referral.EventType{referral.EventActioned, referral.EventImpossible, referral.EventRejected} {
		r := newRef(referral.KindReferral)
		fx := mustApply(t, r, ev(typ, tLater))
		for _, tm := range fx.Timers {
			if tm.Epoch != r.Epoch {
				t.Errorf("%s on pending: timer %+v has epoch %d, current epoch %d", typ, tm, tm.Epoch, r.Epoch)
			}
		}
	}
}

// A timer with a level that is not one of EscalationLevels changes nothing.
func TestUnknownEscalationLevelsChangeNothing(t *testing.T) {
	for _, lvl := range []int{42, 99, 101, 150} {
		r := inState(t, referral.KindRemovalOrder, received)
		before := clone(r)
		fx, err := referral.Apply(r, timerEv(lvl, r.Epoch, tLater))
		if err == nil && !fx.Noop {
			t.Errorf("level %d accepted: escalation %d state %s", lvl, r.Escalation, r.State)
		}
		if d := diff(before, r); d != "" {
			t.Errorf("level %d changed r:\n%s", lvl, d)
		}
	}
}

// What the platform reports with an action is checked like any other input.
func TestActionReportIsValidated(t *testing.T) {
	tests := []struct {
		name   string
		hashes []string
		field  string
	}{
		{"short sha256", []string{"sha256:abc"}, "content_hashes[0]"},
		{"unknown algorithm", []string{"sha256:" + strings.Repeat("0", 64), "sha1:" + strings.Repeat("0", 40)}, "content_hashes[1]"},
		{"not hexadecimal", []string{"md5:" + strings.Repeat("z", 32)}, "content_hashes[0]"},
		{"too many", make([]string, 101), "content_hashes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := inState(t, referral.KindRemovalOrder, received)
			e := ev(referral.EventActioned, tLater)
			e.ContentHashes = tt.hashes
			_, err := referral.Apply(r, e)
			if ve := vigie.AsError(err); ve == nil || ve.Code != vigie.EInvalid || ve.Field != tt.field {
				t.Fatalf("got %v, want invalid %s", err, tt.field)
			}
		})
	}
}
