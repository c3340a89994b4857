package alert_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/cap"
)

var update = flag.Bool("update", false, "rewrite golden files")

var ctx = context.Background()

func (e *env) create(t testing.TB, d alert.Draft) *alert.Alert {
	t.Helper()
	a, created, err := e.svc.Create(ctx, author, d, "")
	if err != nil || !created {
		t.Fatalf("create: %v", err)
	}
	return a
}

func (e *env) approve(t testing.TB, id string) *alert.Alert {
	t.Helper()
	a, err := e.svc.Approve(ctx, approver, id)
	if err != nil {
		t.Fatalf("approve %s: %v", id, err)
	}
	return a
}

func (e *env) get(t testing.TB, id string) *alert.Alert {
	t.Helper()
	a, err := e.svc.Get(ctx, author, id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// checkCAPDoc parses a CAP document and fails on any conformance problem
// or advice.
func checkCAPDoc(t testing.TB, doc []byte) *cap.Alert {
	t.Helper()
	c, err := cap.Parse(bytes.NewReader(doc), cap.Limits{})
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, doc)
	}
	if ps := append(cap.Validate(c), cap.Lint(c)...); len(ps) > 0 {
		t.Fatalf("CAP problems %v in\n%s", ps, doc)
	}
	return c
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./alert -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the golden file (-want +got):\n%s", path, cmp.Diff(string(want), string(got)))
	}
}

func TestActualAlertWaitsForASecondPerson(t *testing.T) {
	e := newEnv()
	a := e.create(t, draft(cap.StatusActual))
	if a.State != alert.StatePending || a.PublishedAt != nil || a.SubmittedAt == nil || a.Version != 1 {
		t.Fatalf("created: %+v", a)
	}
	if a.Identifier != "vigie-auth-1-"+a.ID || a.Sender != "auth-1@vigie.invalid" || a.ChainID != a.ID || a.CreatedBy != "user:u-author" {
		t.Fatalf("header: %s %s %s %s", a.Identifier, a.Sender, a.ChainID, a.CreatedBy)
	}
	c := e.store.lastChange(t)
	if c.Audit.Action != "alert.created" || c.Fanout != nil || len(c.Notices) != 1 ||
		c.Notices[0].Type != alert.NoticeApprovalRequired || c.Notices[0].OrgID != "auth-1" {
		t.Fatalf("change on creation: %+v", c)
	}
	if act, _ := e.svc.Active(ctx); len(act) != 0 {
		t.Fatalf("a pending alert is in the feed: %+v", act)
	}

	// Nobody but another person of the authority may approve.
	for _, tt := range []struct {
		name string
		code vigie.Code
		err  func() error
	}{
		{"author", vigie.EForbidden, func() error { _, err := e.svc.Approve(ctx, author, a.ID); return err }},
		{"key", vigie.EForbidden, func() error { _, err := e.svc.Approve(ctx, robot, a.ID); return err }},
		{"other authority", vigie.ENotFound, func() error { _, err := e.svc.Approve(ctx, stranger, a.ID); return err }},
		{"platform", vigie.EForbidden, func() error { _, err := e.svc.Approve(ctx, platform, a.ID); return err }},
	} {
		mustCode(t, tt.err(), tt.code, "")
	}
	e.clock.Advance(90 * time.Second)
	p := e.approve(t, a.ID)
	if p.State != alert.StatePublished || p.ApprovedBy != "user:u-approver" || !p.PublishedAt.Equal(e.clock.Now()) || p.Version != 2 {
		t.Fatalf("approved: %+v", p)
	}
	c = e.store.lastChange(t)
	if c.Audit.Action != "alert.approved" || c.Audit.Actor != "user:u-approver" || c.Fanout == nil || c.Fanout.AlertID != a.ID || !c.Fanout.At.Equal(*p.PublishedAt) {
		t.Fatalf("change on approval: %+v", c)
	}
	var orgs []string
	for _, n := range c.Notices {
		orgs = append(orgs, n.OrgID)
		pl := n.Data.(alert.Payload)
		if n.Type != alert.NoticePublished || pl.Alert.ID != a.ID || pl.Alert.Exercise {
			t.Fatalf("notice %+v", n)
		}
		checkCAPDoc(t, []byte(pl.CAP))
	}
	if !slices.Equal(orgs, []string{"plat-1", "plat-2"}) {
		t.Fatalf("notified %v, want each platform once", orgs)
	}
	if _, err := e.svc.Approve(ctx, approver, a.ID); vigie.ErrorCode(err) != vigie.EConflict {
		t.Fatalf("second approval: %v", err)
	}
	act, _ := e.svc.Active(ctx)
	if len(act) != 1 || act[0].ID != a.ID {
		t.Fatalf("active: %+v", act)
	}
}

func TestDrillsArePublishedAtOnceAndLabelled(t *testing.T) {
	e := newEnv()
	for _, st := range []cap.Status{cap.StatusExercise, cap.StatusTest} {
		a, _, err := e.svc.Create(ctx, robot, draft(st), "")
		if err != nil || a.State != alert.StatePublished || a.ApprovedBy != "" || !strings.Contains(a.Note, "not a real alert") {
			t.Fatalf("%s: %+v %v", st, a, err)
		}
		c := e.store.lastChange(t)
		if c.Fanout == nil || len(c.Notices) != 2 {
			t.Fatalf("%s change: %+v", st, c)
		}
		if m := alert.Render(a); !m.Exercise || m.Label == "" {
			t.Fatalf("%s rendering not labelled: %+v", st, m)
		}
	}
	if act, _ := e.svc.Active(ctx); len(act) != 0 {
		t.Fatalf("drills in the Actual feed: %d", len(act))
	}
	if ex, _ := e.svc.ActiveExercises(ctx); len(ex) != 2 {
		t.Fatalf("drills feed: %d, want 2", len(ex))
	}
}

// TestChain follows one event from alert to cancellation, checks the
// references and states at every step, and keeps the CAP documents as
// golden files.
func TestChain(t *testing.T) {
	e := newEnv()
	first := e.create(t, draft(cap.StatusActual))
	e.clock.Advance(2 * time.Minute)
	first = e.approve(t, first.ID)
	checkGolden(t, "alert.xml", mustCAP(t, first))
	payload, _ := json.MarshalIndent(e.store.lastChange(t).Notices[0].Data, "", "  ")
	checkGolden(t, "alert_payload.json", append(payload, '\n'))

	// The situation changes: avoid the area, wider circle.
	e.clock.Advance(20 * time.Minute)
	d := draft("")
	alert.Avoid.Prefill(&d)
	d.Area.Circles = []string{"48.8631,2.3708 3"}
	upd, err := e.svc.Update(ctx, author, first.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	if upd.State != alert.StatePending || upd.MsgType != cap.MsgUpdate || upd.Status != cap.StatusActual || upd.ChainID != first.ID ||
		upd.Replaces != first.ID || !slices.Equal(upd.References, []alert.Reference{first.Ref()}) {
		t.Fatalf("update: %+v", upd)
	}
	// One message of a chain waits at a time, and only the latest is acted on.
	_, err = e.svc.Update(ctx, author, first.ID, d)
	mustCode(t, err, vigie.EConflict, "")
	_, err = e.svc.Cancel(ctx, author, first.ID, "Mistake.")
	mustCode(t, err, vigie.EConflict, "")
	if first = e.get(t, first.ID); first.State != alert.StatePublished {
		t.Fatalf("the first alert is %s before the update is approved", first.State)
	}
	e.clock.Advance(time.Minute)
	upd = e.approve(t, upd.ID)
	if first = e.get(t, first.ID); first.State != alert.StateSuperseded || first.ReplacedBy != upd.ID {
		t.Fatalf("after the update: first is %s by %q", first.State, first.ReplacedBy)
	}
	if c := e.store.lastChange(t); c.Notices[0].Type != alert.NoticeUpdated || len(c.Saves) != 2 {
		t.Fatalf("update change: %+v", c)
	}
	checkGolden(t, "update.xml", mustCAP(t, upd))
	_, err = e.svc.Update(ctx, author, first.ID, d)
	mustCode(t, err, vigie.EConflict, "")

	// All clear in one call, then approved.
	e.clock.Advance(40 * time.Minute)
	clear, err := e.svc.AllClear(ctx, author, upd.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	clear = e.approve(t, clear.ID)
	if clear.ResponseTypes[0] != cap.RespAllClear || clear.Urgency != cap.UrgPast || clear.Event != upd.Event ||
		clear.Infos[2].Headline != alert.AllClear.Texts[2].Headline || clear.Infos[0].AreaDesc != upd.Infos[0].AreaDesc {
		t.Fatalf("all clear: %+v", clear)
	}
	if !slices.Equal(clear.References, []alert.Reference{first.Ref(), upd.Ref()}) {
		t.Fatalf("all-clear references %v", clear.References)
	}
	checkGolden(t, "allclear.xml", mustCAP(t, clear))

	// Cancelled after all (the operation was an exercise gone wrong).
	e.clock.Advance(5 * time.Minute)
	cancel, err := e.svc.Cancel(ctx, robot, clear.ID, "Sent in error: there was no attack. / Message envoyé par erreur.")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	cancel = e.approve(t, cancel.ID)
	if len(cancel.Infos) != 0 || len(cancel.References) != 3 || cancel.State != alert.StatePublished {
		t.Fatalf("cancel: %+v", cancel)
	}
	for _, id := range []string{first.ID, upd.ID, clear.ID} {
		if a := e.get(t, id); a.State != alert.StateCancelled || a.ReplacedBy != cancel.ID {
			t.Fatalf("%s is %s after the cancel", id, a.State)
		}
	}
	if c := e.store.lastChange(t); c.Notices[0].Type != alert.NoticeCancelled || len(c.Saves) != 4 {
		t.Fatalf("cancel change: %+v", c)
	}
	checkGolden(t, "cancel.xml", mustCAP(t, cancel))
	_, err = e.svc.Update(ctx, author, cancel.ID, d)
	mustCode(t, err, vigie.EConflict, "")

	chain, err := e.svc.List(ctx, author, alert.Filter{ChainID: first.ID})
	if err != nil || len(chain) != 4 {
		t.Fatalf("chain: %d %v", len(chain), err)
	}
	act, _ := e.svc.Active(ctx)
	if len(act) != 1 || act[0].ID != cancel.ID {
		t.Fatalf("active after the cancel: %+v; the Cancel stays in the feed until the expiry", act)
	}
}

func TestExerciseGolden(t *testing.T) {
	e := newEnv()
	d := draft(cap.StatusExercise)
	d.Infos = d.Infos[:1]
	d.Area = alert.Area{Geocodes: []alert.Geocode{{ValueName: "NUTS3", Value: "FR101"}}}
	e.svc = alert.NewService(e.store, platforms{}, alert.Policy{SenderDomain: "alerte.example.fr", MaxDuration: 48 * time.Hour,
		Languages: []string{"fr"}, AllClearFor: time.Hour}, e.clock.Now, (&ids{}).New)
	a := e.create(t, d)
	checkGolden(t, "exercise.xml", mustCAP(t, a))
}

func mustCAP(t testing.TB, a *alert.Alert) []byte {
	t.Helper()
	doc, err := alert.CAP(a)
	if err != nil {
		t.Fatal(err)
	}
	checkCAPDoc(t, doc)
	return doc
}

func TestUpdateKeepsTheStatus(t *testing.T) {
	e := newEnv()
	a := e.create(t, draft(cap.StatusExercise))
	_, err := e.svc.Update(ctx, author, a.ID, draft(cap.StatusActual))
	mustCode(t, err, vigie.EInvalid, "status")
	// An Exercise update goes out at once and supersedes.
	e.clock.Advance(time.Minute)
	u, err := e.svc.Update(ctx, robot, a.ID, draft(""))
	if err != nil || u.State != alert.StatePublished {
		t.Fatalf("exercise update: %+v %v", u, err)
	}
	if a = e.get(t, a.ID); a.State != alert.StateSuperseded {
		t.Fatalf("first exercise message is %s", a.State)
	}
}

func TestRejectedAlertCannotBeFollowed(t *testing.T) {
	e := newEnv()
	a := e.create(t, draft(cap.StatusActual))
	_, err := e.svc.Reject(ctx, approver, a.ID, "")
	mustCode(t, err, vigie.EInvalid, "reason")
	r, err := e.svc.Reject(ctx, approver, a.ID, "The area is wrong: it is the 10th district.")
	if err != nil || r.State != alert.StateRejected || r.RejectedBy != "user:u-approver" {
		t.Fatalf("reject: %+v %v", r, err)
	}
	_, err = e.svc.Update(ctx, author, a.ID, draft(""))
	mustCode(t, err, vigie.EConflict, "")
	_, err = e.svc.Approve(ctx, approver, a.ID)
	mustCode(t, err, vigie.EConflict, "")
}

func TestScoping(t *testing.T) {
	e := newEnv()
	a := e.create(t, draft(cap.StatusActual))
	_, err := e.svc.Get(ctx, stranger, a.ID)
	mustCode(t, err, vigie.ENotFound, "")
	_, err = e.svc.Get(ctx, platform, a.ID)
	mustCode(t, err, vigie.EForbidden, "")
	_, _, err = e.svc.Create(ctx, platform, draft(cap.StatusActual), "")
	mustCode(t, err, vigie.EForbidden, "")
	for _, fn := range []func() error{
		func() error { _, err := e.svc.Reject(ctx, stranger, a.ID, "no"); return err },
		func() error { _, err := e.svc.Update(ctx, stranger, a.ID, draft("")); return err },
		func() error { _, err := e.svc.Cancel(ctx, stranger, a.ID, "no"); return err },
		func() error { _, err := e.svc.AllClear(ctx, stranger, a.ID, nil); return err },
		func() error { _, err := e.svc.Reach(ctx, stranger, a.ID); return err },
	} {
		mustCode(t, fn(), vigie.ENotFound, "")
	}
	if l, err := e.svc.List(ctx, stranger, alert.Filter{}); err != nil || len(l) != 0 {
		t.Fatalf("another authority lists %d alerts, %v", len(l), err)
	}
	if l, err := e.svc.List(ctx, author, alert.Filter{States: []alert.State{alert.StatePending}}); err != nil || len(l) != 1 {
		t.Fatalf("own pending: %d, %v", len(l), err)
	}
}

func TestInvalidDraftStoresNothing(t *testing.T) {
	e := newEnv()
	d := draft(cap.StatusActual)
	d.Area.Polygons = []string{"48.85,2.35 48.87,2.37 48.85,2.35"}
	_, _, err := e.svc.Create(ctx, author, d, "k")
	mustCode(t, err, vigie.EInvalid, "area.polygons[0]")
	if n := e.store.changeCount(); n != 0 {
		t.Fatalf("%d changes committed for an invalid draft", n)
	}
	// A failing platform lookup publishes nothing either.
	e.svc = alert.NewService(e.store, platforms{err: errors.New("geo index down")}, alert.DefaultPolicy(), e.clock.Now, (&ids{}).New)
	if _, _, err := e.svc.Create(ctx, author, draft(cap.StatusExercise), ""); err == nil || e.store.changeCount() != 0 {
		t.Fatalf("exercise with no platform routing: %v, %d changes", err, e.store.changeCount())
	}
}

func TestIdempotentCreate(t *testing.T) {
	e := newEnv()
	a, created, err := e.svc.Create(ctx, author, draft(cap.StatusActual), "key-1")
	if err != nil || !created {
		t.Fatal(err)
	}
	again, created, err := e.svc.Create(ctx, author, draft(cap.StatusActual), "key-1")
	if err != nil || created || again.ID != a.ID {
		t.Fatalf("replay: %v %v %v", again.ID, created, err)
	}
	other := draft(cap.StatusActual)
	other.Contact = "17"
	_, _, err = e.svc.Create(ctx, author, other, "key-1")
	mustCode(t, err, vigie.EInvalid, "Idempotency-Key")
}

func TestExpiry(t *testing.T) {
	e := newEnv()
	pending := e.create(t, draft(cap.StatusActual))
	live := e.create(t, draft(cap.StatusActual))
	e.approve(t, live.ID)
	e.clock.Advance(6 * time.Hour)
	if act, _ := e.svc.Active(ctx); len(act) != 0 {
		t.Fatalf("an expired alert is active before the sweep: %d", len(act))
	}
	_, err := e.svc.Approve(ctx, approver, pending.ID)
	mustCode(t, err, vigie.EConflict, "")
	_, err = e.svc.AllClear(ctx, author, live.ID, nil)
	mustCode(t, err, vigie.EConflict, "")
	if n, err := e.svc.ExpireDue(ctx); err != nil || n != 2 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if n, _ := e.svc.ExpireDue(ctx); n != 0 {
		t.Fatalf("second sweep expired %d", n)
	}
	for _, id := range []string{pending.ID, live.ID} {
		if a := e.get(t, id); a.State != alert.StateExpired {
			t.Fatalf("%s is %s", id, a.State)
		}
	}
	if c := e.store.lastChange(t); c.Audit.Action != "alert.expired" || c.Audit.Actor != "system" {
		t.Fatalf("expiry audit: %+v", c.Audit)
	}
}

type audience int

func (n audience) CountIn(context.Context, alert.Area) (int, error) { return int(n), nil }

func TestPreviewAndReach(t *testing.T) {
	e := newEnv()
	d := draft(cap.StatusActual)
	d.Infos[2].Headline = d.Infos[1].Headline
	a, r, err := e.svc.Preview(ctx, author, d)
	if err != nil || a.State != alert.StateNew || len(a.Warnings) == 0 || r.People != -1 || !slices.Equal(r.Platforms, []string{"plat-1", "plat-2"}) {
		t.Fatalf("preview: %+v %+v %v", a, r, err)
	}
	if e.store.changeCount() != 0 {
		t.Fatal("preview stored something")
	}
	created := e.create(t, d)
	if len(created.Warnings) == 0 || created.Warnings[0].Field != "infos[2].headline" {
		t.Fatalf("the approver does not see the warnings: %+v", created.Warnings)
	}
	e.svc.WithAudience(audience(41250))
	if r, err := e.svc.Reach(ctx, approver, created.ID); err != nil || r.People != 41250 {
		t.Fatalf("reach: %+v %v", r, err)
	}
}

func TestAllClearTexts(t *testing.T) {
	e := newEnv()
	d := draft(cap.StatusExercise)
	d.Infos = append(d.Infos, alert.Info{Language: "de", Headline: "Angriff: Schutz suchen", Instruction: "Gehen Sie in das nächste Gebäude.", AreaDesc: "Paris"})
	a := e.create(t, d)
	_, err := e.svc.AllClear(ctx, author, a.ID, nil)
	mustCode(t, err, vigie.EInvalid, "texts")
	texts := append(slices.Clone(alert.AllClear.Texts), alert.Text{Language: "de", Headline: "Entwarnung", Instruction: "Die Gefahr ist vorbei."})
	c, err := e.svc.AllClear(ctx, author, a.ID, texts)
	if err != nil || c.Infos[3].Headline != "Entwarnung" || c.State != alert.StatePublished {
		t.Fatalf("all clear with German: %+v %v", c, err)
	}
}

func TestConcurrentApprovalRetries(t *testing.T) {
	e := newEnv()
	a := e.create(t, draft(cap.StatusActual))
	// Someone else's write lands between our read and our save: the
	// service reads again and finds the alert already approved.
	e.store.fail = vigie.Errorf(vigie.EConflict, "changed meanwhile")
	if _, err := e.svc.Approve(ctx, approver, a.ID); err != nil {
		t.Fatalf("approve after a conflict: %v", err)
	}
	if got := e.get(t, a.ID); got.State != alert.StatePublished {
		t.Fatalf("state %s", got.State)
	}
}
