package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/referral"
)

type problemBody struct {
	Type   string `json:"type"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

func TestRemovalOrderLifecycle(t *testing.T) {
	s := startServer(t, 1)
	rcv := newReceiver(t)
	rcv.register(s, "plat-a")

	var r referral.Referral
	if code := s.call("auth", "POST", "/api/v1/referrals", s.order("PH-1"), &r); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	if r.State != referral.StatePending || r.TargetSeconds != 3600 {
		t.Fatalf("created %s with target %d s, want pending and 3600 s", r.State, r.TargetSeconds)
	}
	// The platform receives it by signed webhook, and receipt starts the clock.
	waitFor(t, "the referral.created webhook", 5*time.Second, func() bool { return slices.Contains(rcv.eventsOf(r.ID), "referral.created") })
	waitFor(t, "receipt", 5*time.Second, func() bool {
		s.call("auth", "GET", "/api/v1/referrals/"+r.ID, nil, &r)
		return r.State == referral.StateReceived
	})
	if r.ReceivedAt == nil || r.Deadline == nil || !r.Deadline.Equal(r.ReceivedAt.Add(time.Hour)) {
		t.Fatalf("received_at %v, deadline %v: want a deadline one hour after receipt", r.ReceivedAt, r.Deadline)
	}
	// It can also poll.
	var list struct{ Referrals []referral.Referral }
	s.call("plat-a", "GET", "/api/v1/referrals?state=open", nil, &list)
	if len(list.Referrals) != 1 || list.Referrals[0].ID != r.ID {
		t.Fatalf("poll open: %+v", list.Referrals)
	}
	if code := s.call("plat-a", "POST", "/api/v1/referrals/"+r.ID+"/acknowledge", nil, &r); code != 200 || r.State != referral.StateAcknowledged {
		t.Fatalf("acknowledge: %d %s", code, r.State)
	}
	hash := "sha256:" + strings.Repeat("ab", 32)
	if code := s.call("plat-a", "POST", "/api/v1/referrals/"+r.ID+"/action", map[string]any{"action": "removed", "content_hashes": []string{hash}}, &r); code != 200 {
		t.Fatalf("action: %d", code)
	}
	if r.State != referral.StateActioned || !r.OnTime || r.ActedAt == nil {
		t.Fatalf("after action: %s on_time=%v", r.State, r.OnTime)
	}
	// The authority's record: preservation, history, figures.
	var pres referral.Preservation
	if code := s.call("auth", "GET", "/api/v1/referrals/"+r.ID+"/preservation", nil, &pres); code != 200 || !slices.Equal(pres.Hashes, []string{hash}) {
		t.Fatalf("preservation: %d %+v", code, pres)
	}
	if d := pres.ExpiresAt.Sub(pres.PreservedAt); d < 180*24*time.Hour {
		t.Fatalf("preserved for %s, want six months", d)
	}
	var hist struct {
		Entries []struct{ Action string } `json:"entries"`
	}
	s.call("auth", "GET", "/api/v1/referrals/"+r.ID+"/history", nil, &hist)
	var actions []string
	for _, e := range hist.Entries {
		actions = append(actions, e.Action)
	}
	want := []string{"referral.actioned", "referral.acknowledged", "referral.delivered", "referral.created"}
	if !slices.Equal(actions, want) {
		t.Fatalf("history %v, want %v", actions, want)
	}
	var rep referral.Report
	s.call("auth", "GET", "/api/v1/stats/referrals", nil, &rep)
	if len(rep.Stats) != 1 || rep.Stats[0].Actioned != 1 || rep.Stats[0].WithinDeadline != 1 {
		t.Fatalf("stats: %+v", rep.Stats)
	}
	var sts struct{ Statements []referral.Statement }
	s.call("plat-a", "GET", "/api/v1/statements", nil, &sts)
	if len(sts.Statements) != 1 || sts.Statements[0].Category != "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY" ||
		sts.Statements[0].DecisionVisibility[0] != "DECISION_VISIBILITY_CONTENT_REMOVED" {
		t.Fatalf("statements: %+v", sts.Statements)
	}
	// The authority was told of the acknowledgement and the action by webhook too.
	rcvAuth := newReceiver(t)
	rcvAuth.register(s, "auth")
	var r2 referral.Referral
	s.call("auth", "POST", "/api/v1/referrals", s.order("PH-2"), &r2)
	s.call("plat-a", "POST", "/api/v1/referrals/"+r2.ID+"/impossible", map[string]any{"reason": "insufficient_information", "explanation": "The URL is a profile, not a video."}, nil)
	waitFor(t, "the authority's referral.impossible webhook", 5*time.Second, func() bool {
		return slices.Contains(rcvAuth.eventsOf(r2.ID), "referral.impossible")
	})
}

func TestImpossibilityStopsTheClockAndClarificationRestartsIt(t *testing.T) {
	s := startServer(t, 1)
	var r referral.Referral
	s.call("auth", "POST", "/api/v1/referrals", s.order("PH-3"), &r)
	s.call("plat-a", "POST", "/api/v1/referrals/"+r.ID+"/acknowledge", nil, &r)
	firstDeadline, id := *r.Deadline, r.ID
	r = referral.Referral{} // absent fields must not keep their old values
	if code := s.call("plat-a", "POST", "/api/v1/referrals/"+id+"/impossible",
		map[string]any{"reason": "manifest_error", "explanation": "The order names a URL on another service."}, &r); code != 200 {
		t.Fatalf("impossible: %d", code)
	}
	if r.State != referral.StateImpossible || r.Deadline != nil {
		t.Fatalf("after impossibility: %s, deadline %v: want the clock stopped", r.State, r.Deadline)
	}
	if code := s.call("auth", "POST", "/api/v1/referrals/"+id+"/clarify", map[string]any{"clarification": "Corrected URL attached."}, &r); code != 200 {
		t.Fatalf("clarify: %d", code)
	}
	if r.State != referral.StateAcknowledged || r.Deadline == nil || !r.Deadline.Equal(r.ClockStartedAt.Add(time.Hour)) || !r.Deadline.After(firstDeadline) {
		t.Fatalf("after clarification: %s, deadline %v from %v: want a full new hour", r.State, r.Deadline, r.ClockStartedAt)
	}
	// A removal order cannot be rejected; withdrawing it ends it.
	var p problemBody
	if code := s.call("plat-a", "POST", "/api/v1/referrals/"+id+"/reject", map[string]any{"reasons": "no"}, &p); code != 422 {
		t.Fatalf("reject an order: %d, want 422", code)
	}
	if code := s.call("auth", "POST", "/api/v1/referrals/"+id+"/withdraw", map[string]any{"reason": "Duplicate"}, &r); code != 200 || r.State != referral.StateWithdrawn {
		t.Fatalf("withdraw: %d %s", code, r.State)
	}
}

func TestComplaintCanReinstate(t *testing.T) {
	s := startServer(t, 1)
	ref := s.order("PH-4")
	ref["kind"] = "referral"
	delete(ref, "legal_basis")
	var r referral.Referral
	s.call("auth", "POST", "/api/v1/referrals", ref, &r)
	if r.TargetSeconds != 90*60 {
		t.Fatalf("referral target %d s, want 90 minutes", r.TargetSeconds)
	}
	s.call("plat-a", "POST", "/api/v1/referrals/"+r.ID+"/action", map[string]any{"action": "disabled"}, &r)
	s.call("plat-a", "POST", "/api/v1/referrals/"+r.ID+"/complaint", map[string]any{"complaint": "This is news reporting."}, &r)
	if r.State != referral.StateComplaint {
		t.Fatalf("after complaint: %s", r.State)
	}
	s.call("plat-a", "POST", "/api/v1/referrals/"+r.ID+"/complaint/decision", map[string]any{"reinstate": true, "reasons": "Journalistic exemption, Art. 1(3)."}, &r)
	if r.State != referral.StateReinstated || r.ReinstatedAt == nil {
		t.Fatalf("after decision: %s", r.State)
	}
}

func TestEscalationsAndOverdueAreDelivered(t *testing.T) {
	s := startServer(t, 3600) // one hour lasts one second
	rcv := newReceiver(t)
	rcv.register(s, "plat-a")
	var r referral.Referral
	s.call("auth", "POST", "/api/v1/referrals", s.order("PH-5"), &r)
	waitFor(t, "overdue", 10*time.Second, func() bool {
		s.call("auth", "GET", "/api/v1/referrals/"+r.ID, nil, &r)
		return r.State == referral.StateOverdue
	})
	defer func() {
		if t.Failed() {
			t.Logf("webhooks received: %v", rcv.eventsOf(r.ID))
		}
	}()
	waitFor(t, "three escalation webhooks", 10*time.Second, func() bool {
		n := 0
		for _, e := range rcv.eventsOf(r.ID) {
			if e == "referral.escalated" {
				n++
			}
		}
		return n == 3
	})
	if r.Escalation != 100 {
		t.Fatalf("escalation %d, want 100", r.Escalation)
	}
	// Acting late is recorded as late.
	s.call("plat-a", "POST", "/api/v1/referrals/"+r.ID+"/action", map[string]any{"action": "removed"}, &r)
	if r.State != referral.StateActioned || r.OnTime {
		t.Fatalf("late action: %s on_time=%v", r.State, r.OnTime)
	}
}

func TestEndpointDisabledAfterRepeated410(t *testing.T) {
	s := startServer(t, 3600) // retries come fast too
	rcv := newReceiver(t)
	rcv.status = func() int { return http.StatusGone }
	rcv.register(s, "plat-a")
	for i := range 3 {
		var r referral.Referral
		s.call("auth", "POST", "/api/v1/referrals", s.order("PH-G"+string(rune('0'+i))), &r)
		waitFor(t, "delivery", 5*time.Second, func() bool { return len(rcv.eventsOf(r.ID)) > 0 })
	}
	var wh struct {
		Disabled bool `json:"disabled"`
	}
	waitFor(t, "endpoint disabled", 5*time.Second, func() bool {
		s.call("plat-a", "GET", "/api/v1/webhook", nil, &wh)
		return wh.Disabled
	})
	// The platform still gets its work by polling.
	var list struct{ Referrals []referral.Referral }
	s.call("plat-a", "GET", "/api/v1/referrals", nil, &list)
	if len(list.Referrals) != 3 {
		t.Fatalf("poll: %d referrals, want 3", len(list.Referrals))
	}
}

func TestOrganisationsSeeOnlyTheirOwnReferrals(t *testing.T) {
	s := startServer(t, 1)
	var r referral.Referral
	s.call("auth", "POST", "/api/v1/referrals", s.order("PH-6"), &r)
	for _, who := range []string{"plat-b", "auth-2", "ngo"} {
		t.Run(who+" cannot read, list or act", func(t *testing.T) {
			var p problemBody
			if code := s.call(who, "GET", "/api/v1/referrals/"+r.ID, nil, &p); code != 404 {
				t.Errorf("get: %d, want 404", code)
			}
			var list struct{ Referrals []referral.Referral }
			if code := s.call(who, "GET", "/api/v1/referrals", nil, &list); code == 200 && len(list.Referrals) != 0 {
				t.Errorf("list shows %d referrals", len(list.Referrals))
			}
			for _, action := range []string{"acknowledge", "withdraw", "history", "preservation"} {
				method := "POST"
				if action == "history" || action == "preservation" {
					method = "GET"
				}
				if code := s.call(who, method, "/api/v1/referrals/"+r.ID+"/"+action, map[string]any{}, &p); code != 404 {
					t.Errorf("%s: %d, want 404", action, code)
				}
			}
		})
	}
	t.Run("the issuing authority cannot act for the platform", func(t *testing.T) {
		var p problemBody
		if code := s.call("auth", "POST", "/api/v1/referrals/"+r.ID+"/acknowledge", nil, &p); code != 403 {
			t.Errorf("acknowledge by the authority: %d, want 403", code)
		}
	})
	t.Run("an NGO key cannot create referrals", func(t *testing.T) {
		var p problemBody
		if code := s.call("ngo", "POST", "/api/v1/referrals", s.order("NGO-1"), &p); code != 403 {
			t.Errorf("create by an NGO: %d, want 403", code)
		}
	})
}

func TestBadInputIsRefusedAndNothingStored(t *testing.T) {
	s := startServer(t, 1)
	big := s.order("BIG")
	big["reasons"] = strings.Repeat("x", 2<<20)
	tests := []struct {
		name     string
		as       string
		mutate   func(map[string]any)
		body     any
		status   int
		location string // a problem detail that must name the field
	}{
		{"unknown platform", "auth", func(m map[string]any) { m["platform_id"] = "nope" }, nil, 422, "body.platform_id"},
		{"an authority is no platform", "auth", func(m map[string]any) { m["platform_id"] = s.ids["auth-2"] }, nil, 422, "body.platform_id"},
		{"malformed URL", "auth", func(m map[string]any) { m["urls"] = []string{"https://ok.example/1", "javascript:alert(1)"} }, nil, 422, "body.urls[1]"},
		{"no URL", "auth", func(m map[string]any) { m["urls"] = []string{} }, nil, 422, "body.urls"},
		{"order without legal basis", "auth", func(m map[string]any) { delete(m, "legal_basis") }, nil, 422, "body.legal_basis"},
		{"order without redress", "auth", func(m map[string]any) { m["redress"] = " " }, nil, 422, "body.redress"},
		{"unknown content type", "auth", func(m map[string]any) { m["content_types"] = []string{"z"} }, nil, 422, "body.content_types[0]"},
		{"order with another deadline", "auth", func(m map[string]any) { m["target_minutes"] = 120 }, nil, 422, "body.target_minutes"},
		{"unknown field", "auth", func(m map[string]any) { m["colour"] = "red" }, nil, 422, "body.colour"},
		{"platform creates", "plat-a", func(map[string]any) {}, nil, 403, ""},
		{"wrong key", "", func(map[string]any) {}, nil, 401, ""},
		{"body over the limit", "auth", nil, big, 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if body == nil {
				m := s.order("BAD-1")
				tt.mutate(m)
				body = m
			}
			var p problemBody
			var code int
			if tt.name == "wrong key" {
				s.keys["forged"] = s.keys["auth"][:len(s.keys["auth"])-2] + "xx"
				code = s.call("forged", "POST", "/api/v1/referrals", body, &p)
			} else {
				code = s.call(tt.as, "POST", "/api/v1/referrals", body, &p)
			}
			if code != tt.status {
				t.Fatalf("status %d (%+v), want %d", code, p, tt.status)
			}
			if tt.location != "" && !slices.ContainsFunc(p.Errors, func(e struct {
				Location string `json:"location"`
				Message  string `json:"message"`
			}) bool {
				return e.Location == tt.location
			}) {
				t.Fatalf("problem %+v does not name %s", p, tt.location)
			}
		})
	}
	var list struct{ Referrals []referral.Referral }
	s.call("auth", "GET", "/api/v1/referrals", nil, &list)
	if len(list.Referrals) != 0 {
		t.Fatalf("%d referrals stored after bad requests, want none", len(list.Referrals))
	}
	t.Run("a revoked key is refused", func(t *testing.T) {
		id, _, _ := strings.Cut(s.keys["auth"], ".")
		if err := s.app.orgs.RevokeKey(t.Context(), s.ids["auth"], id); err != nil {
			t.Fatal(err)
		}
		var p problemBody
		if code := s.call("auth", "GET", "/api/v1/referrals", nil, &p); code != 401 {
			t.Fatalf("revoked key: %d, want 401", code)
		}
	})
}

func TestIdempotencyKey(t *testing.T) {
	s := startServer(t, 1)
	var a, b referral.Referral
	if code := s.call("auth", "POST", "/api/v1/referrals", s.order("PH-7"), &a, "Idempotency-Key", "k-7"); code != 201 {
		t.Fatalf("first: %d", code)
	}
	if code := s.call("auth", "POST", "/api/v1/referrals", s.order("PH-7"), &b, "Idempotency-Key", "k-7"); code != 201 || b.ID != a.ID {
		t.Fatalf("replay: %d %s, want the first answer: 201 and %s", code, b.ID, a.ID)
	}
	var p problemBody
	if code := s.call("auth", "POST", "/api/v1/referrals", s.order("PH-8"), &p, "Idempotency-Key", "k-7"); code != 422 {
		t.Fatalf("key reused for another request: %d, want 422", code)
	}
	if code := s.call("auth", "POST", "/api/v1/referrals", s.order("PH-7"), &p); code != 409 {
		t.Fatalf("same reference without key: %d, want 409", code)
	}
	// A platform retrying its answer after a lost response gets the same answer.
	var first, retry referral.Referral
	action := map[string]any{"action": "removed"}
	if code := s.call("plat-a", "POST", "/api/v1/referrals/"+a.ID+"/action", action, &first, "Idempotency-Key", "act-1"); code != 200 {
		t.Fatalf("action: %d", code)
	}
	if code := s.call("plat-a", "POST", "/api/v1/referrals/"+a.ID+"/action", action, &retry, "Idempotency-Key", "act-1"); code != 200 || retry.Version != first.Version {
		t.Fatalf("retried action: %d version %d, want 200 and version %d", code, retry.Version, first.Version)
	}
	if code := s.call("plat-a", "POST", "/api/v1/referrals/"+a.ID+"/action", action, &p); code != 409 {
		t.Fatalf("a second action without the key: %d, want 409", code)
	}
}
