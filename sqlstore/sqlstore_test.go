package sqlstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/audit"
	"github.com/vigie-project/vigie/internal/testenv"
	"github.com/vigie-project/vigie/jobs"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/referral"
	"github.com/vigie-project/vigie/sqlstore"
)

// These tests run on SQLite, and on PostgreSQL when VIGIE_TEST_POSTGRES is set.

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock() *clock                   { return &clock{t: time.Date(2026, 11, 13, 21, 30, 0, 0, time.UTC)} }
func mustOrg(t *testing.T, s *org.Service, name string, k org.Kind) *org.Org {
	t.Helper()
	o, err := s.CreateOrg(context.Background(), name, k, "FR")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

type fixture struct {
	db        *sqlstore.DB
	clock     *clock
	orgs      *org.Service
	referrals *referral.Service
	auth      org.Principal
	plat      org.Principal
}

func newFixture(t *testing.T) *fixture {
	c := newClock()
	db := testenv.DB(t, c.Now)
	orgs := org.NewService(db, c.Now, testenv.NewID)
	a := mustOrg(t, orgs, "Authority", org.KindAuthority)
	p := mustOrg(t, orgs, "Platform", org.KindPlatform)
	return &fixture{db: db, clock: c, orgs: orgs,
		referrals: referral.NewService(db, orgs, referral.DefaultPolicy(), c.Now, testenv.NewID),
		auth:      org.Principal{OrgID: a.ID, Kind: org.KindAuthority, KeyID: "k1"},
		plat:      org.Principal{OrgID: p.ID, Kind: org.KindPlatform, KeyID: "k2"}}
}

func (f *fixture) create(t *testing.T, ref string) *referral.Referral {
	t.Helper()
	r, _, err := f.referrals.Create(context.Background(), f.auth, referral.Draft{Kind: referral.KindRemovalOrder, PlatformID: f.plat.OrgID,
		Reference: ref, URLs: []string{"https://p.example/" + ref}, ContentTypes: []referral.ContentType{"a"}, Reasons: "r",
		LegalBasis: "TCO Art. 3", Redress: "court", IssuerName: "officer"}, "")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestOrgsAndKeys(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.orgs.CreateOrg(ctx, "Authority", org.KindNGO, ""); vigie.ErrorCode(err) != vigie.EConflict {
		t.Fatalf("duplicate name: %v, want conflict", err)
	}
	_, secret, err := f.orgs.CreateKey(ctx, f.plat.OrgID, "ci", nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.orgs.Authenticate(ctx, secret)
	if err != nil || p.OrgID != f.plat.OrgID || p.Kind != org.KindPlatform {
		t.Fatalf("authenticate: %+v %v", p, err)
	}
	if _, err := f.orgs.CreateUser(ctx, f.plat.OrgID, "analyst@platform.example", "Analyst", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.orgs.Login(ctx, "analyst@platform.example", "wrong password!!"); vigie.ErrorCode(err) != vigie.EUnauthorized {
		t.Fatalf("wrong password: %v", err)
	}
	_, token, err := f.orgs.Login(ctx, "Analyst@Platform.example", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if sp, _, err := f.orgs.SessionPrincipal(ctx, token); err != nil || sp.OrgID != f.plat.OrgID {
		t.Fatalf("session: %+v %v", sp, err)
	}
	f.clock.Advance(org.SessionLifetime + time.Second)
	if _, _, err := f.orgs.SessionPrincipal(ctx, token); vigie.ErrorCode(err) != vigie.EUnauthorized {
		t.Fatalf("expired session: %v", err)
	}
	if n, err := f.db.DeleteExpiredSessions(ctx, f.clock.Now()); err != nil || n != 1 {
		t.Fatalf("delete expired sessions: %d %v, want 1", n, err)
	}
	// A key with an expiry works until then, and not after.
	until := f.clock.Now().Add(24 * time.Hour)
	_, temp, err := f.orgs.CreateKey(ctx, f.plat.OrgID, "contractor", &until)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.orgs.Authenticate(ctx, temp); err != nil {
		t.Fatalf("key before its expiry: %v", err)
	}
	f.clock.Advance(24 * time.Hour)
	if _, err := f.orgs.Authenticate(ctx, temp); vigie.ErrorCode(err) != vigie.EUnauthorized {
		t.Fatalf("expired key: %v, want unauthorized", err)
	}
	if _, _, err := f.orgs.CreateKey(ctx, f.plat.OrgID, "late", &until); vigie.ErrorCode(err) != vigie.EInvalid {
		t.Fatalf("a key expiring in the past: %v, want invalid", err)
	}
}

func TestAuditChainDetectsTampering(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.create(t, "A-1")
	for _, e := range []referral.Event{{Type: referral.EventAcknowledged}, {Type: referral.EventActioned, Action: referral.ActionRemoved}} {
		if _, err := f.referrals.Act(ctx, f.plat, r.ID, e); err != nil {
			t.Fatal(err)
		}
	}
	n, err := audit.VerifyAll(ctx, f.db)
	if err != nil || n != 3 {
		t.Fatalf("verify: %d entries, %v; want 3, nil", n, err)
	}
	// Someone with database access rewrites history: the action becomes a rejection.
	if _, err := f.db.SQL().ExecContext(ctx, `UPDATE audit_log SET data = replace(data, 'removed', 'disabled') WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	_, err = audit.VerifyAll(ctx, f.db)
	var b *audit.Break
	if !errors.As(err, &b) || b.Seq != 3 {
		t.Fatalf("verify after tampering: %v, want a break at entry 3", err)
	}
	// Deleting the entry instead is found too.
	if _, err := f.db.SQL().ExecContext(ctx, `DELETE FROM audit_log WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	if _, err = audit.VerifyAll(ctx, f.db); !errors.As(err, &b) || b.Seq != 2 {
		t.Fatalf("verify after deletion: %v, want a break at entry 2", err)
	}
}

func TestAuditChainUnderConcurrentWriters(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 10 {
				if err := f.db.Audit(ctx, audit.Record{OrgID: "o", Actor: "system", Action: "test", Subject: "x", Data: []int{i, j}}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n, err := audit.VerifyAll(ctx, f.db); err != nil || n != 80 {
		t.Fatalf("verify: %d, %v; want 80, nil", n, err)
	}
}

func TestOptimisticConcurrency(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.create(t, "C-1")
	stale := *r
	r.State, r.Version = referral.StateAcknowledged, r.Version+1
	if err := f.db.UpdateReferral(ctx, r, 1, referral.Change{Audit: audit.Record{Action: "t"}}); err != nil {
		t.Fatal(err)
	}
	stale.Version++
	err := f.db.UpdateReferral(ctx, &stale, 1, referral.Change{Audit: audit.Record{Action: "t"}})
	if vigie.ErrorCode(err) != vigie.EConflict {
		t.Fatalf("stale update: %v, want conflict", err)
	}
	// The failed update wrote nothing, not even its audit entry.
	if n, _ := audit.VerifyAll(ctx, f.db); n != 2 {
		t.Fatalf("%d audit entries, want 2", n)
	}
}

func TestJobQueue(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := f.clock.Now()
	due, _ := jobs.New("k", map[string]int{"n": 1}, now)
	later, _ := jobs.New("k", map[string]int{"n": 2}, now.Add(time.Minute))
	if err := f.db.Enqueue(ctx, due, later); err != nil {
		t.Fatal(err)
	}
	got, err := f.db.Claim(ctx, now, 10, 30*time.Second)
	if err != nil || len(got) != 1 || got[0].Attempts != 1 {
		t.Fatalf("claim: %+v %v; want the due job only", got, err)
	}
	if again, _ := f.db.Claim(ctx, now, 10, 30*time.Second); len(again) != 0 {
		t.Fatalf("a leased job was claimed twice: %+v", again)
	}
	// Its runner died: after the lease it is claimed again.
	if again, _ := f.db.Claim(ctx, now.Add(31*time.Second), 10, 30*time.Second); len(again) != 1 || again[0].ID != got[0].ID || again[0].Attempts != 2 {
		t.Fatalf("after lease expiry: %+v", again)
	}
	if err := f.db.Retry(ctx, got[0].ID, now.Add(2*time.Minute), "boom"); err != nil {
		t.Fatal(err)
	}
	next, ok, err := f.db.NextRunAt(ctx)
	if err != nil || !ok || !next.Equal(now.Add(time.Minute)) {
		t.Fatalf("next run: %v %v %v", next, ok, err)
	}
	both, _ := f.db.Claim(ctx, now.Add(3*time.Minute), 10, 30*time.Second)
	if len(both) != 2 {
		t.Fatalf("claim at +3 min: %d jobs, want 2", len(both))
	}
	for _, j := range both {
		if err := f.db.Complete(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok, _ := f.db.NextRunAt(ctx); ok {
		t.Fatal("completed jobs are still waiting")
	}
}

func TestPreservationPurgeRespectsHolds(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	kept, purged := f.create(t, "P-1"), f.create(t, "P-2")
	for _, r := range []*referral.Referral{kept, purged} {
		if _, err := f.referrals.Act(ctx, f.plat, r.ID, referral.Event{Type: referral.EventActioned, Action: referral.ActionRemoved,
			ContentHashes: []string{"md5:0123456789abcdef0123456789abcdef"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.referrals.Hold(ctx, f.auth, kept.ID, f.clock.Now().Add(365*24*time.Hour), "investigation 2026/117"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.referrals.Hold(ctx, f.plat, kept.ID, f.clock.Now().Add(time.Hour), "x"); vigie.ErrorCode(err) != vigie.EForbidden {
		t.Fatalf("platform hold: %v, want forbidden", err)
	}
	if n, err := f.referrals.Purge(ctx); err != nil || n != 0 {
		t.Fatalf("purge before expiry: %d %v", n, err)
	}
	f.clock.Advance(184 * 24 * time.Hour)
	if n, err := f.referrals.Purge(ctx); err != nil || n != 1 {
		t.Fatalf("purge after six months: %d %v, want 1", n, err)
	}
	if _, err := f.referrals.Preservation(ctx, f.auth, purged.ID); vigie.ErrorCode(err) != vigie.ENotFound {
		t.Fatalf("purged record: %v", err)
	}
	if p, err := f.referrals.Preservation(ctx, f.auth, kept.ID); err != nil || p.HoldReason == "" {
		t.Fatalf("held record: %+v %v", p, err)
	}
	es, err := f.db.AuditEntries(ctx, audit.Filter{Subject: "referral/" + purged.ID})
	if err != nil || len(es) == 0 || es[0].Action != "preservation.purged" {
		t.Fatalf("the purge is not audited: %+v %v", es, err)
	}
	if _, err := audit.VerifyAll(ctx, f.db); err != nil {
		t.Fatal(err)
	}
}

func TestWebhookDeliveriesAndGoneEndpoints(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.orgs.SetEndpoint(ctx, f.plat.OrgID, "https://platform.example/hook", func(string) error { return nil }); err != nil {
		t.Fatal(err)
	}
	f.create(t, "W-1")
	js, err := f.db.Claim(ctx, f.clock.Now(), 10, time.Minute)
	if err != nil || len(js) != 1 || js[0].Kind != jobs.KindWebhook {
		t.Fatalf("claim: %+v %v; want one webhook job", js, err)
	}
	for range 3 {
		if err := f.db.RecordAttempt(ctx, js[0].ID, f.plat.OrgID, "gone", 410, "", nil, 3); err != nil {
			t.Fatal(err)
		}
	}
	e, err := f.db.GetEndpoint(ctx, f.plat.OrgID)
	if err != nil || !e.Disabled {
		t.Fatalf("endpoint after three 410s: %+v %v", e, err)
	}
	// A disabled endpoint gets no new deliveries; the platform polls.
	f.create(t, "W-2")
	if more, _ := f.db.Claim(ctx, f.clock.Now(), 10, time.Minute); len(more) != 0 {
		t.Fatalf("a delivery was queued for a disabled endpoint: %+v", more)
	}
	ds, err := f.db.Deliveries(ctx, f.plat.OrgID, 10)
	if err != nil || len(ds) != 1 || ds[0].Status != "gone" || ds[0].Attempts != 3 {
		t.Fatalf("deliveries: %+v %v", ds, err)
	}
}

func TestIdempotentCreate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d := referral.Draft{Kind: referral.KindReferral, PlatformID: f.plat.OrgID, Reference: "I-1", URLs: []string{"https://p.example/1"},
		ContentTypes: []referral.ContentType{"c"}, Reasons: "r"}
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Go(func() {
			r, _, err := f.referrals.Create(ctx, f.auth, d, "same-key")
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = r.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent retries created different referrals: %v", ids)
		}
	}
	rs, _ := f.referrals.List(ctx, f.auth, referral.Filter{})
	if len(rs) != 1 {
		t.Fatalf("%d referrals, want 1", len(rs))
	}
}
