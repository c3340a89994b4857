package referral_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/referral"
)

// The property test drives a referral with random event sequences and
// compares it, after every step, with a small independent model of the
// workflow and of the legal clock.

// clockModel is the test's own account of the workflow and of when the
// legal clock runs.
type clockModel struct {
	kind     referral.Kind
	target   time.Duration
	issued   time.Time
	state    referral.State
	acked    bool
	received *time.Time // receipt: set once
	start    *time.Time // start of the running clock; nil when it does not run
	gen      int        // clock generation: +1 whenever the clock starts or stops
	esc      int        // escalation of the running clock
	onTime   bool
	acted    *time.Time
	missed   *time.Time // a deadline that passed without action
}

// prediction is what the model expects one event to do.
type prediction struct {
	code    vigie.Code // "" on success
	field   string
	noop    bool
	started bool // the clock (re)started: a new generation with new timers
	startAt time.Time
	stopped bool // a running clock stopped
	gen     int  // generation of the timers started in this step
}

func (m *clockModel) deadline() *time.Time {
	if m.start == nil {
		return nil
	}
	d := m.start.Add(m.target)
	return &d
}

func (m *clockModel) startClock(at time.Time, p *prediction) {
	m.gen++
	m.start, m.esc = &at, 0
	p.started, p.startAt, p.gen = true, at, m.gen
}

func (m *clockModel) stopClock(p *prediction) {
	if m.start != nil {
		p.stopped = true
	}
	m.gen++
	m.start = nil
}

// receive is receipt: the legal clock starts (Art. 3(3)).
func (m *clockModel) receive(at time.Time, p *prediction) {
	m.received = &at
	m.state = received
	m.startClock(at, p)
}

func badText(s string, min int) bool {
	return !utf8.ValidString(s) || utf8.RuneCountInString(strings.TrimSpace(s)) < min || utf8.RuneCountInString(s) > 5000
}

// step predicts the outcome of e and advances the model on success.
// current tells whether an escalation timer belongs to the running clock.
func (m *clockModel) step(e referral.Event, current bool) prediction {
	next := *m
	p := next.apply(e, current)
	if p.code == "" && !p.noop {
		*m = next
	}
	return p
}

func (m *clockModel) apply(e referral.Event, current bool) prediction {
	invalid := func(f string) prediction { return prediction{code: vigie.EInvalid, field: f} }
	conflictP := prediction{code: vigie.EConflict}
	noopP := prediction{noop: true}
	switch e.Type {
	case referral.EventDelivered, referral.EventAcknowledged, referral.EventActioned, referral.EventImpossible,
		referral.EventClarified, referral.EventRejected, referral.EventWithdrawn, referral.EventEscalated,
		referral.EventComplaint, referral.EventComplaintDecided:
	default:
		return invalid("type")
	}
	if e.Party != senderOf(e.Type) {
		return prediction{code: vigie.EForbidden}
	}
	open := m.state == pending || m.state == received || m.state == acknowledged || m.state == overdue
	answerable := open || m.state == impossible
	var p prediction
	switch e.Type {
	case referral.EventDelivered:
		if m.state != pending {
			return noopP
		}
		m.receive(e.At, &p)
	case referral.EventAcknowledged:
		if !answerable {
			return conflictP
		}
		if m.acked {
			return noopP
		}
		if m.state == pending {
			m.receive(e.At, &p)
		}
		m.acked = true
		if m.state == received {
			m.state = acknowledged
		}
	case referral.EventActioned:
		if !answerable {
			return conflictP
		}
		if e.Action != referral.ActionRemoved && e.Action != referral.ActionDisabled {
			return invalid("action")
		}
		acted := e.ActedAt
		if acted.IsZero() {
			acted = e.At
		}
		if acted.Before(m.issued) || acted.After(e.At.Add(time.Minute)) {
			return invalid("acted_at")
		}
		if m.state == pending {
			receipt := e.At
			if acted.Before(receipt) {
				receipt = acted // acting proves receipt
			}
			m.receive(receipt, &p)
		}
		dl := m.deadline()
		m.onTime = (m.missed == nil || !acted.After(*m.missed)) && (dl == nil || !acted.After(*dl))
		m.acted = &acted
		m.state = actioned
		m.stopClock(&p)
	case referral.EventImpossible:
		if !open {
			return conflictP
		}
		switch e.Reason {
		case referral.ReasonForceMajeure, referral.ReasonManifestErr, referral.ReasonInsufficient:
		default:
			return invalid("reason")
		}
		if badText(e.Text, 1) {
			return invalid("explanation")
		}
		if m.state == pending {
			m.receive(e.At, &p)
		}
		m.state = impossible
		m.stopClock(&p)
	case referral.EventClarified:
		if m.state != impossible {
			return conflictP
		}
		if badText(e.Text, 1) {
			return invalid("clarification")
		}
		m.state = received
		if m.acked {
			m.state = acknowledged
		}
		m.startClock(e.At, &p) // in full, from the clarification
	case referral.EventRejected:
		if m.kind == referral.KindRemovalOrder {
			return invalid("type")
		}
		if !answerable {
			return conflictP
		}
		if badText(e.Text, 1) {
			return invalid("reasons")
		}
		if m.state == pending {
			m.receive(e.At, &p)
		}
		m.state = rejected
		m.stopClock(&p)
	case referral.EventWithdrawn:
		if !answerable {
			return conflictP
		}
		if badText(e.Text, 0) {
			return invalid("reason")
		}
		m.state = withdrawn
		m.stopClock(&p)
	case referral.EventEscalated:
		if e.Level != 50 && e.Level != 80 && e.Level != 100 {
			return invalid("level")
		}
		running := m.state == received || m.state == acknowledged
		if !running || !current || e.Level <= m.esc {
			return noopP
		}
		m.esc = e.Level
		if e.Level == 100 {
			m.state = overdue
			m.missed = m.deadline()
		}
	case referral.EventComplaint:
		if m.state != actioned {
			return conflictP
		}
		if badText(e.Text, 1) {
			return invalid("complaint")
		}
		m.state = complaint
	case referral.EventComplaintDecided:
		if m.state != complaint {
			return conflictP
		}
		if badText(e.Text, 1) {
			return invalid("reasons")
		}
		m.state = actioned
		if e.Reinstate {
			m.state = reinstated
		}
	}
	return p
}

// scheduled is a timer the machine asked for, with the model generation of
// the clock it belongs to.
type scheduled struct {
	referral.Timer
	gen int
}

// run is one random sequence.
type run struct {
	r      *referral.Referral
	m      clockModel
	now    time.Time
	timers []scheduled
	seen   struct {
		received  *time.Time
		epoch     int
		esc       int
		version   int
		timestamp []time.Time // At of the successful events after receipt
	}
	stats *propStats
}

// propStats counts what the property test exercised.
type propStats struct {
	runs, steps, changes, noops, errors, staleTimers int
	transitions                                      map[string]int
}

func (s *propStats) record(key string) { s.transitions[key]++ }

var long5001 = strings.Repeat("y", 5001)

func (s *run) tick(t *rapid.T) time.Time {
	var d time.Duration
	switch rapid.IntRange(0, 3).Draw(t, "pace") {
	case 0: // same instant
	case 1:
		d = time.Duration(rapid.Int64Range(1, 120).Draw(t, "seconds")) * time.Second
	case 2:
		d = time.Duration(rapid.Int64Range(1, int64(s.m.target)).Draw(t, "ns"))
	case 3:
		d = time.Duration(rapid.Int64Range(int64(s.m.target), 3*int64(s.m.target)).Draw(t, "ns"))
	}
	s.now = s.now.Add(d)
	return s.now
}

// party is usually the right sender, sometimes anyone.
func party(t *rapid.T, typ referral.EventType) referral.Party {
	if rapid.IntRange(0, 9).Draw(t, "wrongParty?") == 0 {
		return rapid.SampledFrom([]referral.Party{authority, platform, system, ""}).Draw(t, "party")
	}
	return senderOf(typ)
}

func text(t *rapid.T, label string, good string) string {
	if rapid.IntRange(0, 3).Draw(t, label+"Bad?") > 0 {
		return good
	}
	return rapid.SampledFrom([]string{good, "", " \n", long5001, "bad \xff"}).Draw(t, label)
}

func (s *run) event(t *rapid.T, typ referral.EventType) referral.Event {
	at := s.tick(t)
	return referral.Event{Type: typ, Party: party(t, typ), At: at}
}

// apply applies e to the referral and to the model and checks the outcome.
// current says whether an escalation timer belongs to the running clock.
func (s *run) apply(t *rapid.T, e referral.Event, current bool) {
	s.stats.steps++
	before, mBefore := clone(s.r), s.m
	wasRunning := s.m.start != nil
	fx, err := referral.Apply(s.r, e)
	p := s.m.step(e, current)
	s.stats.record(fmt.Sprintf("%s %s/%s -> %s", before.Kind, before.State, e.Type, outcomeName(s.r.State, fx, err)))

	switch {
	case p.code != "":
		s.stats.errors++
		code, field := errField(err)
		if code != p.code || (p.code == vigie.EInvalid && field != p.field) {
			t.Fatalf("%s in %s: got %v (code %q field %q), model expects code %q field %q", e.Type, before.State, err, code, field, p.code, p.field)
		}
		if e := vigie.AsError(err); e == nil {
			t.Fatalf("error %T is not a *vigie.Error", err)
		}
	case err != nil:
		t.Fatalf("%s in %s: unexpected error %v", e.Type, before.State, err)
	case p.noop:
		s.stats.noops++
		if !fx.Noop {
			t.Fatalf("%s in %s: model expects a noop, got %+v; state now %s", e.Type, before.State, fx, s.r.State)
		}
	default:
		s.stats.changes++
		if fx.Noop {
			t.Fatalf("%s in %s: unexpected noop; model moves to %s", e.Type, before.State, s.m.state)
		}
	}

	// Nothing changes on an error or a noop; the version counts changes.
	if err != nil || fx.Noop {
		if d := diff(before, s.r); d != "" {
			t.Fatalf("%s left r changed on error/noop (-before +after):\n%s", e.Type, d)
		}
		if err == nil && !cmp.Equal(fx, referral.Effects{Noop: true}) {
			t.Fatalf("noop with effects %+v", fx)
		}
		if s.r.Version != before.Version {
			t.Fatalf("version moved on error/noop")
		}
		return
	}
	if s.r.Version != before.Version+1 {
		t.Fatalf("version %d after a change from %d", s.r.Version, before.Version)
	}
	switch before.State {
	case withdrawn, rejected, reinstated:
		t.Fatalf("terminal state %s accepted %s", before.State, e.Type)
	}
	if e.Type == referral.EventEscalated && e.Epoch != before.Epoch {
		t.Fatalf("stale timer (epoch %d, current %d) changed the referral", e.Epoch, before.Epoch)
	}

	// Epoch: a (re)start or a stop of a running clock makes every earlier
	// timer stale.
	if s.r.Epoch < before.Epoch {
		t.Fatalf("epoch went back from %d to %d", before.Epoch, s.r.Epoch)
	}
	if (p.started || p.stopped) && s.r.Epoch == before.Epoch {
		t.Fatalf("%s started/stopped the clock without a new epoch", e.Type)
	}
	if !p.started && !p.stopped && wasRunning && s.r.Epoch != before.Epoch {
		t.Fatalf("%s changed the epoch of a clock that keeps running", e.Type)
	}

	// Effects: timers exactly when a clock starts and keeps running, at
	// 50/80/100 % of the target from the start, with the current epoch.
	keepsRunning := p.started && !p.stopped
	if !keepsRunning && len(fx.Timers) > 0 {
		t.Fatalf("%s scheduled timers for a clock that does not run: %+v", e.Type, fx.Timers)
	}
	if keepsRunning {
		if len(fx.Timers) != 3 {
			t.Fatalf("%s started the clock with %d timers", e.Type, len(fx.Timers))
		}
		for i, lvl := range []int{50, 80, 100} {
			tm := fx.Timers[i]
			want := p.startAt.Add(s.m.target * time.Duration(lvl) / 100)
			if tm.Level != lvl || !tm.At.Equal(want) || tm.ReferralID != s.r.ID || tm.Epoch != s.r.Epoch {
				t.Fatalf("timer %d: %+v, want level %d at %v", i, tm, lvl, want)
			}
			if s.m.start != nil && tm.Epoch != s.r.Epoch {
				t.Fatalf("timer of the running clock has epoch %d, current %d", tm.Epoch, s.r.Epoch)
			}
			s.timers = append(s.timers, scheduled{tm, p.gen})
		}
		if s.m.start == nil {
			s.stats.staleTimers += 3
		}
	}
	// Every timer of an earlier generation is stale now, every timer of
	// the running clock current.
	for _, st := range s.timers {
		if st.gen != s.m.gen && st.Epoch >= s.r.Epoch {
			t.Fatalf("timer %+v of an old clock is not stale (epoch %d)", st.Timer, s.r.Epoch)
		}
		if st.gen == s.m.gen && s.m.start != nil && st.Epoch != s.r.Epoch {
			t.Fatalf("timer %+v of the running clock is stale (epoch %d)", st.Timer, s.r.Epoch)
		}
	}
	if fx.Preserve != (e.Type == referral.EventActioned) {
		t.Fatalf("Preserve = %v on %s", fx.Preserve, e.Type)
	}
	if len(fx.ToAuth)+len(fx.ToPlat) == 0 && e.Type != referral.EventDelivered {
		t.Fatalf("%s told nobody", e.Type)
	}
	if e.Type == referral.EventActioned {
		acted := e.ActedAt
		if acted.IsZero() {
			acted = e.At
		}
		dl := mBefore.deadline()
		if before.State == pending {
			d := e.At.Add(s.m.target)
			if acted.Before(e.At) {
				d = acted.Add(s.m.target)
			}
			dl = &d
		}
		missed := mBefore.missed
		if want := (missed == nil || !acted.After(*missed)) && (dl == nil || !acted.After(*dl)); s.r.OnTime != want {
			t.Fatalf("OnTime %v, acted %v, deadline at the time of action %v", s.r.OnTime, acted, dl)
		}
	}
	if e.Type == referral.EventClarified {
		if s.r.Deadline == nil || !s.r.Deadline.Equal(e.At.Add(s.m.target)) || !s.r.ClockStartedAt.Equal(e.At) || s.r.Escalation != 0 {
			t.Fatalf("after clarification at %v: deadline %v clock %v escalation %d", e.At, s.r.Deadline, s.r.ClockStartedAt, s.r.Escalation)
		}
	}
	if s.r.ReceivedAt != nil {
		s.seen.timestamp = append(s.seen.timestamp, e.At)
	}
}

func outcomeName(s referral.State, fx referral.Effects, err error) string {
	switch {
	case err != nil:
		return string(vigie.ErrorCode(err))
	case fx.Noop:
		return "noop"
	}
	return string(s)
}

// check holds after every step.
func (s *run) check(t *rapid.T) {
	r, m := s.r, &s.m
	if !slices.Contains(referral.States, r.State) {
		t.Fatalf("unknown state %q", r.State)
	}
	if r.State != m.state {
		t.Fatalf("state %s, model %s", r.State, m.state)
	}
	runs := r.State == received || r.State == acknowledged || r.State == overdue
	if (r.Deadline != nil) != runs {
		t.Fatalf("state %s with deadline %v", r.State, r.Deadline)
	}
	if dl := m.deadline(); (dl == nil) != (r.Deadline == nil) || dl != nil && !dl.Equal(*r.Deadline) {
		t.Fatalf("deadline %v, model %v", r.Deadline, dl)
	}
	if r.Deadline != nil {
		if r.ClockStartedAt == nil || !r.Deadline.Equal(r.ClockStartedAt.Add(r.Target())) {
			t.Fatalf("deadline %v is not clock start %v + target %v", r.Deadline, r.ClockStartedAt, r.Target())
		}
		if !r.ClockStartedAt.Equal(*m.start) {
			t.Fatalf("clock started at %v, model %v", r.ClockStartedAt, m.start)
		}
		if left, ok := r.TimeLeft(s.now); !ok || left != r.Deadline.Sub(s.now) {
			t.Fatalf("TimeLeft = %v, %v", left, ok)
		}
	} else if _, ok := r.TimeLeft(s.now); ok {
		t.Fatalf("TimeLeft runs without a deadline")
	}

	// Receipt: set once, never moved, before everything that follows.
	// (ActedAt is the platform's own account of the measure and may lie
	// anywhere from issue to now + 1 min, so before receipt too.)
	if (r.ReceivedAt == nil) != (m.received == nil) || r.ReceivedAt != nil && !r.ReceivedAt.Equal(*m.received) {
		t.Fatalf("received %v, model %v", r.ReceivedAt, m.received)
	}
	if s.seen.received != nil && (r.ReceivedAt == nil || !r.ReceivedAt.Equal(*s.seen.received)) {
		t.Fatalf("receipt moved from %v to %v", s.seen.received, r.ReceivedAt)
	}
	if r.ReceivedAt != nil {
		s.seen.received = ptr(*r.ReceivedAt)
		later := slices.Clone(s.seen.timestamp)
		for _, p := range []*time.Time{r.AcknowledgedAt, r.ClockStartedAt, r.WithdrawnAt, r.ComplaintAt, r.ReinstatedAt} {
			if p != nil {
				later = append(later, *p)
			}
		}
		if r.Impossibility != nil {
			later = append(later, r.Impossibility.At)
		}
		for _, ts := range later {
			if ts.Before(*r.ReceivedAt) {
				t.Fatalf("timestamp %v before receipt %v", ts, r.ReceivedAt)
			}
		}
	} else if r.State != pending && r.State != withdrawn {
		t.Fatalf("state %s without receipt", r.State)
	}
	if (r.AcknowledgedAt != nil) != m.acked {
		t.Fatalf("acknowledged %v, model %v", r.AcknowledgedAt, m.acked)
	}

	// Epoch and escalation.
	if r.Epoch < s.seen.epoch {
		t.Fatalf("epoch went back")
	}
	switch r.Escalation {
	case 0, 50, 80, 100:
	default:
		t.Fatalf("escalation %d", r.Escalation)
	}
	if r.Epoch == s.seen.epoch && r.Escalation < s.seen.esc {
		t.Fatalf("escalation fell from %d to %d within epoch %d", s.seen.esc, r.Escalation, r.Epoch)
	}
	if runs && r.Escalation != m.esc {
		t.Fatalf("escalation %d, model %d", r.Escalation, m.esc)
	}
	if r.State == overdue && r.Escalation != 100 {
		t.Fatalf("overdue at escalation %d", r.Escalation)
	}
	s.seen.epoch, s.seen.esc = r.Epoch, r.Escalation

	if r.Version < s.seen.version {
		t.Fatalf("version went back")
	}
	s.seen.version = r.Version

	// The measure.
	if r.OnTime != m.onTime {
		t.Fatalf("OnTime %v, model %v", r.OnTime, m.onTime)
	}
	if (r.ActedAt == nil) != (m.acted == nil) || r.ActedAt != nil && !r.ActedAt.Equal(*m.acted) {
		t.Fatalf("acted %v, model %v", r.ActedAt, m.acted)
	}
	hasMeasure := r.State == actioned || r.State == complaint || r.State == reinstated
	if (r.ActedAt != nil) != hasMeasure || (r.Action != "") != hasMeasure {
		t.Fatalf("state %s with action %q at %v", r.State, r.Action, r.ActedAt)
	}
	if r.OnTime && !hasMeasure {
		t.Fatalf("on time without a measure")
	}
	if (r.WithdrawnAt != nil) != (r.State == withdrawn) || (r.ReinstatedAt != nil) != (r.State == reinstated) {
		t.Fatalf("state %s withdrawn %v reinstated %v", r.State, r.WithdrawnAt, r.ReinstatedAt)
	}
	if r.State == impossible && r.Impossibility == nil {
		t.Fatalf("impossible without an Annex III statement")
	}
}

// eventTypes are the events the "event" action draws from; "" stands for
// an unknown type.
var eventTypes = []referral.EventType{referral.EventDelivered, referral.EventAcknowledged, referral.EventActioned,
	referral.EventImpossible, referral.EventClarified, referral.EventRejected, referral.EventWithdrawn,
	referral.EventComplaint, referral.EventComplaintDecided, ""}

// drawType draws an event type, steered towards events that do something
// in the current state: those the model says would conflict or be noops
// keep a small weight, and those that close the referral a moderate one,
// so that sequences do not end after a few steps.
func (s *run) drawType(t *rapid.T) referral.EventType {
	weights := make([]int, len(eventTypes))
	total := 0
	for i, typ := range eventTypes {
		probe := s.m
		p := probe.apply(ev(typ, s.now), false)
		switch {
		case typ == "" || p.code != "" || p.noop:
			weights[i] = 1
		case typ == referral.EventActioned || typ == referral.EventWithdrawn || typ == referral.EventRejected:
			weights[i] = 2
		default:
			weights[i] = 6
		}
		total += weights[i]
	}
	n := rapid.IntRange(0, total-1).Draw(t, "typeWeight")
	for i, w := range weights {
		if n < w {
			return eventTypes[i]
		}
		n -= w
	}
	panic("unreachable")
}

// eventAction draws one event from a (usually) right party at a later
// time, with a (usually) well-formed payload, and applies it.
func (s *run) eventAction(t *rapid.T) {
	typ := s.drawType(t)
	e := s.event(t, typ)
	switch typ {
	case referral.EventActioned:
		e.Action = rapid.SampledFrom([]referral.Action{referral.ActionRemoved, referral.ActionDisabled,
			referral.ActionRemoved, referral.ActionDisabled, "burned", ""}).Draw(t, "action")
		e.ContentHashes = []string{"sha256:" + strings.Repeat("00", 32)}
		dl := s.m.deadline()
		if s.r.State == pending {
			d := e.At.Add(s.m.target)
			dl = &d
		}
		switch rapid.IntRange(0, 6).Draw(t, "actedAt") {
		case 0: // not given: now
		case 1:
			e.ActedAt = s.m.issued
		case 2:
			e.ActedAt = time.Unix(0, rapid.Int64Range(s.m.issued.UnixNano(), e.At.Add(time.Minute).UnixNano()).Draw(t, "acted")).UTC()
		case 3, 4: // at the deadline or just after, when that is a valid time
			if dl != nil {
				e.ActedAt = *dl
				if rapid.Bool().Draw(t, "late") {
					e.ActedAt = dl.Add(time.Nanosecond)
				}
				if e.ActedAt.After(e.At.Add(time.Minute)) {
					e.ActedAt = time.Time{}
				}
			}
		case 5:
			e.ActedAt = s.m.issued.Add(-time.Nanosecond)
		case 6:
			e.ActedAt = e.At.Add(time.Minute + time.Nanosecond)
		}
	case referral.EventImpossible:
		e.Reason = rapid.SampledFrom([]referral.ImpossibilityReason{referral.ReasonForceMajeure, referral.ReasonManifestErr,
			referral.ReasonInsufficient, referral.ReasonInsufficient, referral.ReasonForceMajeure, "", "busy"}).Draw(t, "reason")
		e.Text = text(t, "explanation", "Server outage in our EU region.")
	case referral.EventClarified:
		e.Text = text(t, "clarification", "The URL is https://video.example/v/abd.")
	case referral.EventRejected:
		e.Text = text(t, "rejection", "Not against our terms.")
	case referral.EventWithdrawn:
		e.Text = rapid.SampledFrom([]string{"", "Sent in error.", long5001}).Draw(t, "reason")
	case referral.EventComplaint:
		e.Text = text(t, "complaint", "Satire, says the uploader.")
	case referral.EventComplaintDecided:
		e.Text = text(t, "decision", "Decided after review.")
		e.Reinstate = rapid.Bool().Draw(t, "reinstate")
	case "":
		e.Type = rapid.SampledFrom([]referral.EventType{referral.EventCreated, "", "deleted"}).Draw(t, "type")
	}
	s.apply(t, e, false)
}

// actions for t.Repeat: "" checks the invariants after every step.
func (s *run) actions() map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		"":              s.check,
		"event":         s.eventAction,
		"event2":        s.eventAction, // events twice as likely as each kind of timer
		"fireScheduled": s.fireScheduled,
		"fireAny":       s.fireAny,
	}
}

// fireAny fires a timer with an arbitrary epoch and level.
func (s *run) fireAny(t *rapid.T) {
	e := s.event(t, referral.EventEscalated)
	e.Epoch = rapid.IntRange(0, s.r.Epoch+1).Draw(t, "epoch")
	e.Level = rapid.SampledFrom([]int{0, 50, 80, 100}).Draw(t, "level")
	s.apply(t, e, e.Epoch == s.r.Epoch)
}

// fireScheduled is the job runner firing a timer the machine scheduled, at
// its time (or later, if time has passed it already), stale or not.
func (s *run) fireScheduled(t *rapid.T) {
	if len(s.timers) == 0 {
		t.Skip("no timer scheduled")
	}
	st := rapid.SampledFrom(s.timers).Draw(t, "timer")
	s.tick(t)
	if st.At.After(s.now) {
		s.now = st.At
	}
	e := timerEv(st.Level, st.Epoch, s.now)
	e.Party = party(t, referral.EventEscalated)
	s.apply(t, e, st.gen == s.m.gen)
}

func newRun(t *rapid.T, stats *propStats) *run {
	kind := rapid.SampledFrom(kinds).Draw(t, "kind")
	r := newRef(kind)
	if kind == referral.KindRemovalOrder {
		r.TargetSeconds = rapid.SampledFrom([]int{3600, 3600, 36, 1}).Draw(t, "targetSeconds")
	} else {
		r.TargetSeconds = rapid.SampledFrom([]int{5400, 5400, 300, 604800, 7, 1}).Draw(t, "targetSeconds")
	}
	stats.runs++
	s := &run{r: r, now: r.IssuedAt, stats: stats}
	s.m = clockModel{kind: kind, target: r.Target(), issued: r.IssuedAt, state: pending}
	s.seen.version = r.Version
	return s
}

func newPropStats() *propStats {
	return &propStats{transitions: map[string]int{}}
}

func (s *propStats) log(t *testing.T) {
	t.Logf("%d sequences, %d events applied: %d changes, %d noops, %d errors; %d distinct (kind, state, event, outcome); %d stale timers returned",
		s.runs, s.steps, s.changes, s.noops, s.errors, len(s.transitions), s.staleTimers)
}

func TestPropertyMachine(t *testing.T) {
	stats := newPropStats()
	rapid.Check(t, func(t *rapid.T) {
		s := newRun(t, stats)
		t.Repeat(s.actions())
	})
	stats.log(t)
	// Every allowed transition of the table test should have been exercised.
	missing := 0
	for _, kind := range kinds {
		for _, c := range eventCases {
			for st, o := range c.want(kind) {
				if o.code != "" || o.noop || (kind == referral.KindRemovalOrder && st == rejected) {
					continue
				}
				if stats.transitions[fmt.Sprintf("%s %s/%s -> %s", kind, st, c.typ, o.to)] == 0 {
					missing++
					t.Logf("transition not exercised: %s %s/%s -> %s", kind, st, c.typ, o.to)
				}
			}
		}
	}
	if missing > 0 {
		t.Logf("%d transitions not exercised (raise -rapid.checks)", missing)
	}
}

// TestPropertyReceiptOnce: whatever happens, receipt is the first
// delivery or platform message, and the first deadline is receipt + target.
func TestPropertyReceiptOnce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		kind := rapid.SampledFrom(kinds).Draw(t, "kind")
		r := newRef(kind)
		now := r.IssuedAt
		var first *time.Time
		var firstDeadline *time.Time
		n := rapid.IntRange(1, 20).Draw(t, "n")
		for i := range n {
			now = now.Add(time.Duration(rapid.Int64Range(0, int64(2*time.Hour)).Draw(t, fmt.Sprint("dt", i))))
			typ := rapid.SampledFrom([]referral.EventType{referral.EventDelivered, referral.EventAcknowledged,
				referral.EventImpossible, referral.EventClarified, referral.EventActioned, referral.EventWithdrawn}).Draw(t, fmt.Sprint("type", i))
			wasPending := r.State == pending
			if _, err := referral.Apply(r, ev(typ, now)); err != nil {
				continue
			}
			if wasPending && typ != referral.EventWithdrawn {
				first = ptr(now)
				if r.Deadline != nil {
					firstDeadline = ptr(*r.Deadline)
				} else {
					firstDeadline = ptr(now.Add(r.Target())) // stopped in the same step
				}
			}
		}
		if (first == nil) != (r.ReceivedAt == nil) || first != nil && !first.Equal(*r.ReceivedAt) {
			t.Fatalf("received %v, want %v", r.ReceivedAt, first)
		}
		if first != nil && !firstDeadline.Equal(first.Add(r.Target())) {
			t.Fatalf("first deadline %v, want %v", firstDeadline, first.Add(r.Target()))
		}
	})
}
