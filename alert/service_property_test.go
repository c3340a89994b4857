package alert_test

import (
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/cap"
	"github.com/vigie-project/vigie/org"
)

// TestServiceProperties runs random sequences of what authorities do
// (create, approve, reject, update, cancel, all-clear, time passing, the
// expiry sweep) from random people, and checks after each that the chains
// hold together.
func TestServiceProperties(t *testing.T) {
	people := []org.Principal{author, approver, robot, stranger, platform,
		{OrgID: "auth-1", Kind: org.KindAuthority, UserID: "u-third"}}
	rapid.Check(t, func(t *rapid.T) {
		e := newEnv()
		var ids []string
		pick := func(label string) string {
			if len(ids) == 0 {
				return "none"
			}
			return rapid.SampledFrom(ids).Draw(t, label)
		}
		for range rapid.IntRange(1, 25).Draw(t, "steps") {
			p := rapid.SampledFrom(people).Draw(t, "who")
			var a *alert.Alert
			var err error
			switch op := rapid.IntRange(0, 8).Draw(t, "op"); op {
			case 0, 1:
				d := draft(rapid.SampledFrom([]cap.Status{cap.StatusActual, cap.StatusExercise}).Draw(t, "status"))
				d.Expires = e.clock.Now().Add(time.Duration(rapid.IntRange(1, 12).Draw(t, "hours")) * time.Hour)
				a, _, err = e.svc.Create(ctx, p, d, "")
			case 2:
				a, err = e.svc.Approve(ctx, p, pick("approve"))
			case 3:
				a, err = e.svc.Reject(ctx, p, pick("reject"), "Not now.")
			case 4:
				d := draft("")
				d.Expires = e.clock.Now().Add(3 * time.Hour)
				alert.Evacuate.Prefill(&d)
				a, err = e.svc.Update(ctx, p, pick("update"), d)
			case 5:
				a, err = e.svc.Cancel(ctx, p, pick("cancel"), "Sent in error.")
			case 6:
				a, err = e.svc.AllClear(ctx, p, pick("all clear"), nil)
			case 7:
				e.clock.Advance(time.Duration(rapid.IntRange(0, 240).Draw(t, "minutes")) * time.Minute)
			case 8:
				_, err = e.svc.ExpireDue(ctx)
				if err != nil {
					t.Fatalf("sweep: %v", err)
				}
			}
			if err == nil && a != nil && !slices.Contains(ids, a.ID) {
				ids = append(ids, a.ID)
			}
			checkChains(t, e)
		}
	})
}

func checkChains(t *rapid.T, e *env) {
	all, err := e.store.ListAlerts(ctx, alert.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(all) // creation order
	now := e.clock.Now()
	chains := map[string][]*alert.Alert{}
	for _, a := range all {
		chains[a.ChainID] = append(chains[a.ChainID], a)
	}
	fanouts := map[string]int{}
	for _, c := range e.store.changes {
		if c.Fanout != nil {
			fanouts[c.Fanout.AlertID]++
		}
		if c.Audit.Action == "" {
			t.Fatalf("a change without audit entry: %+v", c)
		}
	}
	var wantActive []string
	for _, chain := range chains {
		pending, published, cancelled := 0, 0, false
		var earlier []alert.Reference
		for _, m := range chain {
			switch m.State {
			case alert.StatePending:
				pending++
			case alert.StatePublished:
				published++
			}
			if m.Status != chain[0].Status || m.AuthorityID != chain[0].AuthorityID {
				t.Fatalf("chain %s mixes statuses or authorities", m.ChainID)
			}
			if cancelled {
				t.Fatalf("message %s follows a Cancel", m.ID)
			}
			if m.PublishedAt == nil {
				if fanouts[m.ID] != 0 {
					t.Fatalf("unpublished %s was fanned out", m.ID)
				}
				continue
			}
			if fanouts[m.ID] != 1 {
				t.Fatalf("published %s fanned out %d times", m.ID, fanouts[m.ID])
			}
			if m.Status == cap.StatusActual && (m.ApprovedBy == "" || m.ApprovedBy == m.CreatedBy) {
				t.Fatalf("Actual %s went out approved by %q, written by %q", m.ID, m.ApprovedBy, m.CreatedBy)
			}
			if m.MsgType != cap.MsgAlert && !slices.Equal(m.References, earlier) {
				t.Fatalf("%s %s references %v, want every earlier published message %v", m.MsgType, m.ID, m.References, earlier)
			}
			if m.MsgType == cap.MsgAlert && (len(m.References) != 0 || m.ID != m.ChainID) {
				t.Fatalf("alert %s starts no chain", m.ID)
			}
			earlier = append(earlier, m.Ref())
			cancelled = m.MsgType == cap.MsgCancel
			if m.State == alert.StatePublished && m.Status == cap.StatusActual && m.Expires.After(now) {
				wantActive = append(wantActive, m.ID)
			}
		}
		if pending > 1 || published > 1 {
			t.Fatalf("chain %s has %d pending and %d published messages", chain[0].ChainID, pending, published)
		}
		// Only the latest published message of a chain may still be published.
		for i, m := range chain {
			if m.State == alert.StatePublished && slices.ContainsFunc(chain[i+1:], func(l *alert.Alert) bool { return l.PublishedAt != nil }) {
				t.Fatalf("%s is still published after a later message went out", m.ID)
			}
		}
	}
	act, err := e.svc.Active(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var gotActive []string
	for _, a := range act {
		gotActive = append(gotActive, a.ID)
	}
	slices.Sort(gotActive)
	slices.Sort(wantActive)
	if !slices.Equal(gotActive, wantActive) {
		t.Fatalf("active %v, want %v", gotActive, wantActive)
	}
}
