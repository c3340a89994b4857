package sqlstore_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/audit"
	"github.com/vigie-project/vigie/cap"
	"github.com/vigie-project/vigie/internal/testenv"
	"github.com/vigie-project/vigie/jobs"
	"github.com/vigie-project/vigie/org"
)

// toPlatform routes every alert area to one platform.
type toPlatform string

func (p toPlatform) PlatformsFor(context.Context, alert.Area) ([]string, error) {
	return []string{string(p)}, nil
}

type alertFixture struct {
	*fixture
	alerts             *alert.Service
	writer, colleague  org.Principal
	otherAuthorityUser org.Principal
}

func newAlertFixture(t *testing.T) *alertFixture {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.orgs.SetEndpoint(ctx, f.plat.OrgID, "https://platform.example/hook", func(string) error { return nil }); err != nil {
		t.Fatal(err)
	}
	other := mustOrg(t, f.orgs, "Other authority", org.KindAuthority)
	return &alertFixture{fixture: f,
		alerts:             alert.NewService(f.db, toPlatform(f.plat.OrgID), alert.DefaultPolicy(), f.clock.Now, testenv.NewID),
		writer:             org.Principal{OrgID: f.auth.OrgID, OrgName: "Authority", Kind: org.KindAuthority, UserID: "u-writer"},
		colleague:          org.Principal{OrgID: f.auth.OrgID, OrgName: "Authority", Kind: org.KindAuthority, UserID: "u-colleague"},
		otherAuthorityUser: org.Principal{OrgID: other.ID, Kind: org.KindAuthority, UserID: "u-other"},
	}
}

// alertDraft is a valid three-language shelter alert around the Bataclan.
func alertDraft(now time.Time, status cap.Status) alert.Draft {
	d := alert.Draft{Status: status, Expires: now.Add(4 * time.Hour), Area: alert.Area{Circles: []string{"48.8631,2.3708 2"}},
		Infos: []alert.Info{{Language: "fr", AreaDesc: "Paris 11e"}, {Language: "en", AreaDesc: "Paris 11th district"}, {Language: "ar", AreaDesc: "باريس، الدائرة 11"}}}
	alert.Shelter.Prefill(&d)
	return d
}

// claimAll leases every due job.
func (f *alertFixture) claimAll(t *testing.T) []jobs.Job {
	t.Helper()
	js, err := f.db.Claim(context.Background(), f.clock.Now(), 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range js {
		if err := f.db.Complete(context.Background(), j.ID); err != nil {
			t.Fatal(err)
		}
	}
	return js
}

func TestAlertLifecycle(t *testing.T) {
	f := newAlertFixture(t)
	ctx := context.Background()
	a, created, err := f.alerts.Create(ctx, f.writer, alertDraft(f.clock.Now(), cap.StatusActual), "idem-1")
	if err != nil || !created || a.State != alert.StatePending {
		t.Fatalf("create: %+v %v", a, err)
	}
	stored, err := f.db.GetAlert(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, stored); diff != "" {
		t.Fatalf("stored alert differs (-created +stored):\n%s", diff)
	}
	if js := f.claimAll(t); len(js) != 0 {
		t.Fatalf("a pending alert queued %d jobs for the platform", len(js))
	}
	if _, err := f.alerts.Get(ctx, f.otherAuthorityUser, a.ID); vigie.ErrorCode(err) != vigie.ENotFound {
		t.Fatalf("another authority reads it: %v", err)
	}
	if _, err := f.alerts.Approve(ctx, f.writer, a.ID); vigie.ErrorCode(err) != vigie.EForbidden {
		t.Fatalf("self-approval: %v", err)
	}

	f.clock.Advance(time.Minute)
	if a, err = f.alerts.Approve(ctx, f.colleague, a.ID); err != nil || a.State != alert.StatePublished {
		t.Fatalf("approve: %+v %v", a, err)
	}
	js := f.claimAll(t)
	kinds := map[string]int{}
	for _, j := range js {
		kinds[j.Kind]++
		switch j.Kind {
		case jobs.KindWebhook:
			var w jobs.Webhook
			if err := json.Unmarshal(j.Payload, &w); err != nil {
				t.Fatal(err)
			}
			var env struct {
				Type string
				Data alert.Payload
			}
			if err := json.Unmarshal(w.Body, &env); err != nil {
				t.Fatal(err)
			}
			if w.OrgID != f.plat.OrgID || w.Type != alert.NoticePublished || w.Subject != "alert/"+a.ID ||
				env.Data.Alert.Identifier != a.Identifier || !strings.Contains(env.Data.CAP, "<identifier>"+a.Identifier+"</identifier>") {
				t.Fatalf("webhook %+v / %+v", w, env)
			}
		case alert.JobFanout:
			var fo alert.Fanout
			if err := json.Unmarshal(j.Payload, &fo); err != nil || fo.AlertID != a.ID || !fo.At.Equal(*a.PublishedAt) {
				t.Fatalf("fan-out payload %s: %v", j.Payload, err)
			}
		}
	}
	if kinds[jobs.KindWebhook] != 1 || kinds[alert.JobFanout] != 1 {
		t.Fatalf("jobs after publication: %v, want one webhook and one fan-out", kinds)
	}

	// An update, approved, supersedes the first message in the database.
	f.clock.Advance(10 * time.Minute)
	d := alertDraft(f.clock.Now(), "")
	alert.Evacuate.Prefill(&d)
	upd, err := f.alerts.Update(ctx, f.writer, a.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.alerts.Cancel(ctx, f.writer, a.ID, "again"); vigie.ErrorCode(err) != vigie.EConflict {
		t.Fatalf("a second pending message in the chain: %v", err)
	}
	f.clock.Advance(time.Minute)
	if _, err := f.alerts.Approve(ctx, f.colleague, upd.ID); err != nil {
		t.Fatal(err)
	}
	if first, _ := f.db.GetAlert(ctx, a.ID); first.State != alert.StateSuperseded || first.Version != 3 {
		t.Fatalf("first message after the update: %s v%d", first.State, first.Version)
	}
	clear, err := f.alerts.AllClear(ctx, f.writer, upd.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if clear, err = f.alerts.Approve(ctx, f.colleague, clear.ID); err != nil || len(clear.References) != 2 {
		t.Fatalf("all clear: %+v %v", clear, err)
	}
	act, err := f.alerts.Active(ctx)
	if err != nil || len(act) != 1 || act[0].ID != clear.ID {
		t.Fatalf("active: %v %v", act, err)
	}
	chain, err := f.alerts.List(ctx, f.writer, alert.Filter{ChainID: a.ID})
	if err != nil || len(chain) != 3 || chain[0].ID != clear.ID {
		t.Fatalf("chain, newest first: %d %v", len(chain), err)
	}
	if n, err := audit.VerifyAll(ctx, f.db); err != nil || n != 6 {
		t.Fatalf("audit: %d entries, %v; want 6", n, err)
	}
	es, _ := f.db.AuditEntries(ctx, audit.Filter{Subject: "alert/" + a.ID})
	if len(es) != 2 || es[0].Action != "alert.approved" || es[1].Action != "alert.created" {
		t.Fatalf("audit of the first message: %+v", es)
	}

	// Expiry: the sweep marks the all-clear expired; the feed is empty.
	f.clock.Advance(7 * time.Hour)
	if n, err := f.alerts.ExpireDue(ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if act, _ := f.alerts.Active(ctx); len(act) != 0 {
		t.Fatalf("active after expiry: %d", len(act))
	}
}

func TestAlertOnePendingPerChain(t *testing.T) {
	f := newAlertFixture(t)
	ctx := context.Background()
	base, _, err := f.alerts.Create(ctx, f.writer, alertDraft(f.clock.Now(), cap.StatusActual), "")
	if err != nil {
		t.Fatal(err)
	}
	// Two writers both passed the service's check and insert a pending
	// message into the same chain: the database lets one through.
	mk := func(id string) *alert.Alert {
		a := *base
		a.ID, a.Identifier, a.MsgType = id, alert.NewIdentifier(base.AuthorityID, id), cap.MsgUpdate
		return &a
	}
	_, _, err = f.db.CreateAlert(ctx, mk("dup-1"), "", "", alert.Change{Audit: audit.Record{Action: "t"}})
	if vigie.ErrorCode(err) != vigie.EConflict {
		t.Fatalf("second pending message: %v, want conflict", err)
	}
	if _, err := f.db.GetAlert(ctx, "dup-1"); vigie.ErrorCode(err) != vigie.ENotFound {
		t.Fatalf("the refused message was stored: %v", err)
	}
	if n, _ := audit.VerifyAll(ctx, f.db); n != 1 {
		t.Fatalf("%d audit entries, want 1", n)
	}
}

func TestAlertChangeIsAtomic(t *testing.T) {
	f := newAlertFixture(t)
	ctx := context.Background()
	a, _, err := f.alerts.Create(ctx, f.writer, alertDraft(f.clock.Now(), cap.StatusExercise), "")
	if err != nil {
		t.Fatal(err)
	}
	f.claimAll(t)
	b, _, err := f.alerts.Create(ctx, f.writer, alertDraft(f.clock.Now(), cap.StatusExercise), "")
	if err != nil {
		t.Fatal(err)
	}
	f.claimAll(t)
	// A change that saves a at its current version and b at a stale one,
	// with a notice and a fan-out, commits nothing at all.
	a2, b2 := *a, *b
	a2.State, a2.Version = alert.StateSuperseded, a.Version+1
	b2.State, b2.Version = alert.StateSuperseded, b.Version+1
	err = f.db.SaveAlerts(ctx, alert.Change{
		Saves:   []alert.Save{{Alert: &a2, PrevVersion: a.Version}, {Alert: &b2, PrevVersion: b.Version - 1}},
		Audit:   audit.Record{OrgID: a.AuthorityID, Actor: "system", Action: "test", Subject: "alert/" + a.ID},
		Notices: []alert.Notice{{OrgID: f.plat.OrgID, Type: alert.NoticeUpdated, AlertID: a.ID, Data: alert.Render(a)}},
		Fanout:  &alert.Fanout{AlertID: a.ID, At: f.clock.Now()},
	})
	if vigie.ErrorCode(err) != vigie.EConflict {
		t.Fatalf("stale save: %v, want conflict", err)
	}
	if got, _ := f.db.GetAlert(ctx, a.ID); got.State != alert.StatePublished || got.Version != a.Version {
		t.Fatalf("a was saved by a failed change: %s v%d", got.State, got.Version)
	}
	if js := f.claimAll(t); len(js) != 0 {
		t.Fatalf("a failed change queued %d jobs", len(js))
	}
	if n, _ := audit.VerifyAll(ctx, f.db); n != 2 {
		t.Fatalf("%d audit entries, want 2", n)
	}
	// The same change with the right versions commits.
	err = f.db.SaveAlerts(ctx, alert.Change{Saves: []alert.Save{{Alert: &a2, PrevVersion: a.Version}, {Alert: &b2, PrevVersion: b.Version}},
		Audit: audit.Record{OrgID: a.AuthorityID, Actor: "system", Action: "test", Subject: "alert/" + a.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.db.GetAlert(ctx, b.ID); got.State != alert.StateSuperseded {
		t.Fatalf("b is %s", got.State)
	}
}

func TestAlertListFilters(t *testing.T) {
	f := newAlertFixture(t)
	ctx := context.Background()
	now := f.clock.Now()
	pending, _, _ := f.alerts.Create(ctx, f.writer, alertDraft(now, cap.StatusActual), "")
	drill, _, _ := f.alerts.Create(ctx, f.writer, alertDraft(now, cap.StatusExercise), "")
	short := alertDraft(now, cap.StatusTest)
	short.Expires = now.Add(time.Hour)
	test, _, err := f.alerts.Create(ctx, f.writer, short, "")
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := f.alerts.Create(ctx, f.otherAuthorityUser, alertDraft(now, cap.StatusExercise), "")
	if err != nil {
		t.Fatal(err)
	}
	ids := func(as []*alert.Alert, err error) []string {
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	tests := []struct {
		name string
		f    alert.Filter
		want []string
	}{
		{"authority, newest first", alert.Filter{AuthorityID: f.auth.OrgID}, []string{test.ID, drill.ID, pending.ID}},
		{"state", alert.Filter{States: []alert.State{alert.StatePending}}, []string{pending.ID}},
		{"statuses", alert.Filter{Statuses: []cap.Status{cap.StatusExercise, cap.StatusTest}}, []string{other.ID, test.ID, drill.ID}},
		{"expires after", alert.Filter{ExpiresAfter: now.Add(2 * time.Hour)}, []string{other.ID, drill.ID, pending.ID}},
		{"expires by", alert.Filter{ExpiresBy: now.Add(time.Hour)}, []string{test.ID}},
		{"chain", alert.Filter{ChainID: drill.ID}, []string{drill.ID}},
		{"limit", alert.Filter{Limit: 2}, []string{other.ID, test.ID}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, ids(f.db.ListAlerts(ctx, tt.f))); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	if got := ids(f.alerts.ActiveExercises(ctx)); len(got) != 3 {
		t.Errorf("active exercises: %v", got)
	}
	if got := ids(f.alerts.List(ctx, f.writer, alert.Filter{Active: true})); len(got) != 2 {
		t.Errorf("own active: %v, want the two drills", got)
	}
}

func TestAlertIdempotentCreate(t *testing.T) {
	f := newAlertFixture(t)
	ctx := context.Background()
	d := alertDraft(f.clock.Now(), cap.StatusActual)
	var wg sync.WaitGroup
	got := make([]string, 6)
	for i := range got {
		wg.Go(func() {
			a, _, err := f.alerts.Create(ctx, f.writer, d, "same-key")
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = a.ID
		})
	}
	wg.Wait()
	for _, id := range got {
		if id != got[0] {
			t.Fatalf("concurrent retries created different alerts: %v", got)
		}
	}
	if as, _ := f.db.ListAlerts(ctx, alert.Filter{}); len(as) != 1 {
		t.Fatalf("%d alerts, want 1", len(as))
	}
}
