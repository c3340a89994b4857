package sqlstore_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/media"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/pdq"
)

// The hash database's service, on the real store: SQLite, and PostgreSQL
// when VIGIE_TEST_POSTGRES is set.

type mediaFixture struct {
	*fixture
	svc    *media.Service
	others []org.Principal // more platforms, for feedback
	ngo    org.Principal
}

func newMediaFixture(t *testing.T, pol media.Policy) *mediaFixture {
	f := newFixture(t)
	m := &mediaFixture{fixture: f}
	m.svc = newMediaService(t, f, pol)
	for i := range 3 {
		o := mustOrg(t, f.orgs, fmt.Sprintf("Platform %d", i+2), org.KindPlatform)
		m.others = append(m.others, org.Principal{OrgID: o.ID, OrgName: o.Name, Kind: org.KindPlatform, KeyID: "k"})
	}
	n := mustOrg(t, f.orgs, "NGO", org.KindNGO)
	m.ngo = org.Principal{OrgID: n.ID, Kind: org.KindNGO, KeyID: "k"}
	return m
}

func newMediaService(t *testing.T, f *fixture, pol media.Policy) *media.Service {
	idx := media.NewIndex(0)
	t.Cleanup(idx.Close)
	s := media.NewService(f.db, idx, pol, f.clock.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := s.Load(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return s
}

func randomHash(r *rand.Rand) pdq.Hash {
	var h pdq.Hash
	for i := range h {
		h[i] = byte(r.UintN(256))
	}
	return h
}

// flip returns h with n bits changed.
func flip(h pdq.Hash, n int) pdq.Hash {
	for i := range n {
		b := i * 37 % 256 // 37 is prime to 256: n distinct bits
		h[b/8] ^= 1 << (b % 8)
	}
	return h
}

func (m *mediaFixture) bank(t *testing.T, name string, d media.BankDraft) *media.Bank {
	t.Helper()
	d.Name = name
	b, err := m.svc.CreateBank(context.Background(), m.plat, d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (m *mediaFixture) add(t *testing.T, p org.Principal, bank string, h pdq.Hash) *media.Signal {
	t.Helper()
	q := 90
	res, err := m.svc.Contribute(context.Background(), p, bank, []media.SignalDraft{{Type: media.PDQ, Value: h.String(), Quality: &q}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Added) != 1 {
		t.Fatalf("added %d, want 1", len(res.Added))
	}
	return res.Added[0]
}

func (m *mediaFixture) match(t *testing.T, p org.Principal, hs ...pdq.Hash) *media.MatchResult {
	t.Helper()
	res, err := m.svc.Match(context.Background(), p, media.MatchQuery{Query: media.Query{PDQ: hs, Quality: -1}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestMediaContributeAndMatch(t *testing.T) {
	m := newMediaFixture(t, media.DefaultPolicy())
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	m.bank(t, "TERROR_PHOTOS", media.BankDraft{Labels: media.Labels{Entity: "Group X"}})
	m.bank(t, "STRICT", media.BankDraft{PDQThreshold: 10})
	h := randomHash(r)
	s := m.add(t, m.plat, "TERROR_PHOTOS", h)
	if s.Labels.Entity != "Group X" {
		t.Errorf("labels %+v: the bank's default labels should apply", s.Labels)
	}
	strict := m.add(t, m.plat, "STRICT", h)

	// A copy 20 bits away matches the bank at 31, not the one at 10; a
	// copy 5 bits away matches both; an unrelated hash matches nothing.
	for _, tc := range []struct {
		bits  int
		banks []string
	}{{0, []string{"STRICT", "TERROR_PHOTOS"}}, {5, []string{"STRICT", "TERROR_PHOTOS"}}, {20, []string{"TERROR_PHOTOS"}}, {40, nil}} {
		res := m.match(t, m.others[0], flip(h, tc.bits))
		var got []string
		for _, x := range res.Matches {
			got = append(got, x.Bank)
			if x.Distance != tc.bits {
				t.Errorf("%d bits: distance %d", tc.bits, x.Distance)
			}
		}
		if fmt.Sprint(sortedStrings(got)) != fmt.Sprint(tc.banks) {
			t.Errorf("%d bits away: matched %v, want %v", tc.bits, got, tc.banks)
		}
	}

	// The same hash twice is a duplicate; a bad draft stores nothing.
	q := 90
	res, err := m.svc.Contribute(ctx, m.plat, "TERROR_PHOTOS", []media.SignalDraft{
		{Type: media.PDQ, Value: h.String(), Quality: &q}, {Type: media.MD5, Value: "d41d8cd98f00b204e9800998ecf8427e"}}, "test")
	if err != nil || res.Duplicates != 1 || len(res.Added) != 1 {
		t.Fatalf("contribute again: %+v, %v; want 1 added, 1 duplicate", res, err)
	}
	_, err = m.svc.Contribute(ctx, m.plat, "TERROR_PHOTOS", []media.SignalDraft{
		{Type: media.SHA256, Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{Type: media.PDQ, Value: "zz"}}, "test")
	if e := vigie.AsError(err); e == nil || e.Field != "body.signals[1].signal" {
		t.Fatalf("bad second draft: %v, want an error naming body.signals[1].signal", err)
	}
	if res, _ := m.svc.Match(ctx, m.plat, media.MatchQuery{Query: media.Query{Quality: -1,
		SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}); len(res.Matches) != 0 {
		t.Errorf("the good draft of a refused contribution was stored: %+v", res.Matches)
	}
	if res, _ := m.svc.Match(ctx, m.plat, media.MatchQuery{Query: media.Query{Quality: -1, MD5: "d41d8cd98f00b204e9800998ecf8427e"}}); len(res.Matches) != 1 {
		t.Errorf("MD5 match: %+v", res.Matches)
	}

	// Dihedral variants: the hit names the variant that matched.
	other := randomHash(r)
	res2, err := m.svc.Match(ctx, m.plat, media.MatchQuery{Query: media.Query{PDQ: []pdq.Hash{other, flip(h, 3)},
		Variants: []pdq.Transform{pdq.Original, pdq.Transform(1)}, Quality: -1}, BankNames: []string{"TERROR_PHOTOS"}})
	if err != nil || len(res2.Matches) != 1 || res2.Matches[0].Variant != "rot90" || res2.Matches[0].Distance != 3 {
		t.Fatalf("dihedral match: %+v, %v", res2, err)
	}

	// A query under the bank's quality floor does not match it.
	res3, _ := m.svc.Match(ctx, m.plat, media.MatchQuery{Query: media.Query{PDQ: []pdq.Hash{h}, Quality: 20}})
	if len(res3.Matches) != 0 {
		t.Errorf("low-quality query matched: %+v", res3.Matches)
	}

	// Disabling a bank takes it out of matching at once.
	f := false
	if _, err := m.svc.UpdateBank(ctx, m.plat, "STRICT", media.BankDraft{PDQThreshold: 10, Enabled: &f}); err != nil {
		t.Fatal(err)
	}
	if res := m.match(t, m.plat, h); len(res.Matches) != 1 || res.Matches[0].SignalID != s.ID {
		t.Errorf("after disabling STRICT: %+v", res.Matches)
	}
	if _, err := m.svc.UpdateBank(ctx, m.others[0], "TERROR_PHOTOS", media.BankDraft{}); vigie.ErrorCode(err) != vigie.EForbidden {
		t.Errorf("another member changed the bank: %v", err)
	}
	_ = strict
}

func sortedStrings(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

func TestMediaNegativeBank(t *testing.T) {
	m := newMediaFixture(t, media.DefaultPolicy())
	r := rand.New(rand.NewPCG(3, 4))
	m.bank(t, "POSITIVE", media.BankDraft{})
	m.bank(t, "KNOWN_FALSE_POSITIVES", media.BankDraft{Kind: media.Negative, PDQThreshold: 8})
	h := randomHash(r)
	m.add(t, m.plat, "POSITIVE", h)
	if res := m.match(t, m.plat, flip(h, 12)); len(res.Matches) != 1 {
		t.Fatalf("before the negative hash: %+v", res)
	}
	m.add(t, m.plat, "KNOWN_FALSE_POSITIVES", flip(h, 12))
	res := m.match(t, m.plat, flip(h, 12))
	if len(res.Matches) != 0 || len(res.Suppressed) != 1 || len(res.Negative) != 1 {
		t.Fatalf("a known false positive must suppress the match: %+v", res)
	}
	// Far from the negative hash but near the positive one: a match.
	if res := m.match(t, m.plat, flip(h, 1)); len(res.Matches) != 1 {
		t.Errorf("near the positive hash only: %+v", res)
	}
}

func TestMediaDisputeQuarantine(t *testing.T) {
	m := newMediaFixture(t, media.DefaultPolicy())
	ctx := context.Background()
	r := rand.New(rand.NewPCG(5, 6))
	m.bank(t, "BANK", media.BankDraft{})
	h := randomHash(r)
	s := m.add(t, m.plat, "BANK", h)
	if _, err := m.svc.Feedback(ctx, m.plat, s.ID, media.Disagree); vigie.ErrorCode(err) != vigie.EConflict {
		t.Errorf("feedback on one's own hash: %v", err)
	}
	if _, err := m.svc.Feedback(ctx, m.auth, s.ID, media.Disagree); vigie.ErrorCode(err) != vigie.EForbidden {
		t.Errorf("authority feedback: %v", err)
	}
	if _, err := m.svc.Feedback(ctx, m.ngo, s.ID, media.Agree); err != nil {
		t.Fatal(err)
	}
	for i, p := range m.others {
		got, err := m.svc.Feedback(ctx, p, s.ID, media.Disagree)
		if err != nil {
			t.Fatal(err)
		}
		// The same member twice counts once.
		if _, err := m.svc.Feedback(ctx, p, s.ID, media.Disagree); err != nil {
			t.Fatal(err)
		}
		want := media.Active
		if i == 2 {
			want = media.Quarantined
		}
		if got.State != want || got.Disagree != i+1 || got.Agree != 1 {
			t.Fatalf("after %d disagreements: state %s, %d/%d", i+1, got.State, got.Disagree, got.Agree)
		}
	}
	if res := m.match(t, m.plat, h); len(res.Matches) != 0 {
		t.Fatalf("a quarantined hash matched: %+v", res.Matches)
	}
	st, err := m.svc.Stats(ctx, m.plat, "BANK", 30)
	if err != nil || len(st.Quarantined) != 1 || st.Bank.Signals != 0 {
		t.Fatalf("stats after quarantine: %+v, %v", st, err)
	}
	if _, err := m.svc.Reinstate(ctx, m.others[0], s.ID); vigie.ErrorCode(err) != vigie.EForbidden {
		t.Errorf("reinstated by a stranger: %v", err)
	}
	got, err := m.svc.Reinstate(ctx, m.plat, s.ID)
	if err != nil || got.State != media.Active || !got.Confirmed {
		t.Fatalf("reinstate: %+v, %v", got, err)
	}
	if res := m.match(t, m.plat, h); len(res.Matches) != 1 {
		t.Fatalf("reinstated hash does not match: %+v", res.Matches)
	}
	// Confirmed by its contributor: more disputes do not quarantine it.
	if got, _ := m.svc.Feedback(ctx, m.others[1], s.ID, media.Disagree); got.State != media.Active {
		t.Errorf("a confirmed hash was quarantined again")
	}
}

func TestMediaFloodQuarantine(t *testing.T) {
	pol := media.DefaultPolicy()
	pol.FloodWindow, pol.FloodMinLookups, pol.FloodShare = 50, 20, 0.5
	m := newMediaFixture(t, pol)
	r := rand.New(rand.NewPCG(7, 8))
	m.bank(t, "BANK", media.BankDraft{})
	generic := m.add(t, m.plat, "BANK", randomHash(r))
	g, _ := pdq.ParseHash(generic.Value)
	for range 15 {
		m.match(t, m.others[0], randomHash(r))
	}
	for i := range 20 {
		if res := m.match(t, m.others[0], g); len(res.Matches) != 1 {
			// Quarantined once it matched half of the last lookups.
			if i < 10 {
				t.Fatalf("quarantined too early, at lookup %d", i)
			}
			s, err := m.svc.Signal(context.Background(), m.plat, generic.ID)
			if err != nil || s.State != media.Quarantined {
				t.Fatalf("state %v, %v", s, err)
			}
			return
		}
	}
	t.Fatal("a hash matching most lookups was never quarantined")
}

func TestMediaDeltaAndInstances(t *testing.T) {
	m := newMediaFixture(t, media.DefaultPolicy())
	ctx := context.Background()
	r := rand.New(rand.NewPCG(9, 10))
	m.bank(t, "BANK", media.BankDraft{})
	var sigs []*media.Signal
	for range 5 {
		sigs = append(sigs, m.add(t, m.plat, "BANK", randomHash(r)))
	}
	d, err := m.svc.Delta(ctx, m.others[0], "BANK", 0, 3)
	if err != nil || len(d.Signals) != 3 || !d.More {
		t.Fatalf("first page: %+v, %v", d, err)
	}
	d2, err := m.svc.Delta(ctx, m.others[0], "BANK", d.Checkpoint, 3)
	if err != nil || len(d2.Signals) != 2 || d2.Signals[0].ID != sigs[3].ID {
		t.Fatalf("second page: %+v, %v", d2, err)
	}
	if _, err := m.svc.Remove(ctx, m.plat, sigs[0].ID); err != nil {
		t.Fatal(err)
	}
	d3, err := m.svc.Delta(ctx, m.others[0], "BANK", d2.Checkpoint, 100)
	if err != nil || len(d3.Signals) != 1 || d3.Signals[0].ID != sigs[0].ID || d3.Signals[0].State != media.Removed {
		t.Fatalf("the removal must come through the feed: %+v, %v", d3, err)
	}
	if _, err := m.svc.Delta(ctx, m.auth, "BANK", 0, 10); vigie.ErrorCode(err) != vigie.EForbidden {
		t.Errorf("an authority read the hash list: %v", err)
	}

	// A second instance loads the same index, and follows the first.
	second := newMediaService(t, m.fixture, media.DefaultPolicy())
	if got, want := second.Index().Status(), m.svc.Index().Status(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("second instance loaded %+v, want %+v", got, want)
	}
	h := randomHash(r)
	m.add(t, m.plat, "BANK", h)
	if err := second.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := second.Match(ctx, m.plat, media.MatchQuery{Query: media.Query{PDQ: []pdq.Hash{h}, Quality: -1}})
	if err != nil || len(res.Matches) != 1 {
		t.Fatalf("second instance after refresh: %+v, %v", res, err)
	}
	// Authorities may match, and see labels but not who contributed.
	res, err = m.svc.Match(ctx, m.auth, media.MatchQuery{Query: media.Query{PDQ: []pdq.Hash{h}, Quality: -1}})
	if err != nil || len(res.Matches) != 1 || res.Matches[0].Contributor != "" {
		t.Fatalf("authority match: %+v, %v", res, err)
	}
	if err := m.svc.FlushStats(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := m.svc.Stats(ctx, m.auth, "BANK", 7)
	if err != nil || len(st.Matches) != 1 || st.Matches[0].Count != 1 || len(st.Growth) != 1 || st.Growth[0].Count != 6 || st.Quarantined != nil {
		t.Fatalf("stats: %+v, %v", st, err)
	}
}
