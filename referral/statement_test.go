package referral_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-project/vigie/referral"
)

var update = flag.Bool("update", false, "rewrite golden files")

// DSA Transparency Database API constraints on a statement of reasons.
var (
	puidRE = regexp.MustCompile(`^[a-zA-Z0-9-_]+$`)
	dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// cet is a fixed +01:00 zone (no tzdata needed).
var cet = time.FixedZone("CET", 3600)

// actionedOrder is a removal order received late in the UTC day and
// actioned after midnight Paris time, with its content types out of order.
func actionedOrder(t *testing.T) *referral.Referral {
	r := newRef(referral.KindRemovalOrder)
	r.ContentTypes = []referral.ContentType{referral.ContentInstructs, referral.ContentIncites}
	mustApply(t, r, ev(referral.EventDelivered, time.Date(2025, 3, 10, 23, 0, 0, 0, time.UTC)))
	e := ev(referral.EventActioned, time.Date(2025, 3, 10, 23, 31, 0, 0, time.UTC))
	e.ActedAt = time.Date(2025, 3, 11, 0, 30, 0, 0, cet) // 23:30 UTC on the 10th
	mustApply(t, r, e)
	return r
}

// actionedReferral is a terms-of-service referral whose content was disabled.
func actionedReferral(t *testing.T) *referral.Referral {
	r := newRef(referral.KindReferral)
	r.ID = "7d2a51c4-3b9e-4c11-8f00-5a6b7c8d9e0f"
	r.Reference = "PHAROS/2025/1187"
	r.URLs = append(r.URLs, "https://video.example/v/ghi")
	r.ContentTypes = []referral.ContentType{referral.ContentGroup}
	r.Reasons = "Recruitment video for a listed terrorist group"
	mustApply(t, r, ev(referral.EventAcknowledged, tDeliver))
	e := ev(referral.EventActioned, tLater)
	e.Action = referral.ActionDisabled
	mustApply(t, r, e)
	return r
}

func checkGolden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
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
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the golden file (-want +got):\n%s", path, cmp.Diff(string(want), string(got)))
	}
}

// checkDSA checks one statement against the Transparency Database rules.
func checkDSA(t *testing.T, st referral.Statement, r *referral.Referral) {
	t.Helper()
	runes := utf8.RuneCountInString
	if !puidRE.MatchString(st.PUID) || runes(st.PUID) > 500 {
		t.Errorf("puid %q breaks ^[a-zA-Z0-9-_]+$ or 500 characters", st.PUID)
	}
	if !dateRE.MatchString(st.ApplicationDate) {
		t.Errorf("application_date %q is not YYYY-MM-DD", st.ApplicationDate)
	} else if d, err := time.Parse(time.DateOnly, st.ApplicationDate); err != nil || d.Format(time.DateOnly) != r.ActedAt.UTC().Format(time.DateOnly) {
		t.Errorf("application_date %q, acted at %v", st.ApplicationDate, r.ActedAt)
	}
	if st.Category != "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY" {
		t.Errorf("category %q", st.Category)
	}
	if !slices.Contains(st.CategorySpecification, "KEYWORD_TERRORIST_CONTENT") {
		t.Errorf("category_specification %v lacks KEYWORD_TERRORIST_CONTENT", st.CategorySpecification)
	}
	if st.DecisionFacts == "" || runes(st.DecisionFacts) > 5000 {
		t.Errorf("decision_facts has %d characters", runes(st.DecisionFacts))
	}
	if runes(st.SourceIdentity) > 500 {
		t.Errorf("source_identity has %d characters", runes(st.SourceIdentity))
	}
	if len(st.DecisionVisibility) != 1 || len(st.ContentType) == 0 || st.SourceType == "" ||
		st.AutomatedDetection != "No" || st.AutomatedDecision != "AUTOMATED_DECISION_NOT_AUTOMATED" {
		t.Errorf("required fields: %+v", st)
	}
	wantVis := "DECISION_VISIBILITY_CONTENT_REMOVED"
	if r.Action == referral.ActionDisabled {
		wantVis = "DECISION_VISIBILITY_CONTENT_DISABLED"
	}
	if st.DecisionVisibility[0] != wantVis {
		t.Errorf("decision_visibility %v, want %s", st.DecisionVisibility, wantVis)
	}
	if len(st.TerritorialScope) != 27 || len(slices.Compact(slices.Sorted(slices.Values(st.TerritorialScope)))) != 27 {
		t.Errorf("territorial_scope %v: want the 27 Member States", st.TerritorialScope)
	}
	switch r.Kind {
	case referral.KindRemovalOrder:
		if st.DecisionGround != "DECISION_GROUND_ILLEGAL_CONTENT" || st.IllegalContentLegalGround == "" || st.IllegalContentExplanation == "" {
			t.Errorf("order: ground %q legal ground %q explanation %q", st.DecisionGround, st.IllegalContentLegalGround, st.IllegalContentExplanation)
		}
		if runes(st.IllegalContentLegalGround) > 500 || runes(st.IllegalContentExplanation) > 2000 {
			t.Errorf("order: legal ground %d, explanation %d characters", runes(st.IllegalContentLegalGround), runes(st.IllegalContentExplanation))
		}
		if st.IncompatibleGround != "" || st.IncompatibleExplanation != "" {
			t.Errorf("order with incompatible-content fields")
		}
	default:
		if st.DecisionGround != "DECISION_GROUND_INCOMPATIBLE_CONTENT" || st.IncompatibleGround == "" || st.IncompatibleExplanation == "" {
			t.Errorf("referral: ground %q incompatible ground %q explanation %q", st.DecisionGround, st.IncompatibleGround, st.IncompatibleExplanation)
		}
		if runes(st.IncompatibleExplanation) > 2000 || st.IllegalContentLegalGround != "" {
			t.Errorf("referral: explanation %d characters, legal ground %q", runes(st.IncompatibleExplanation), st.IllegalContentLegalGround)
		}
	}
}

func checkStatements(t *testing.T, r *referral.Referral, sts []referral.Statement) {
	t.Helper()
	if len(sts) != len(r.URLs) {
		t.Fatalf("%d statements for %d URLs", len(sts), len(r.URLs))
	}
	puids := map[string]bool{}
	for _, st := range sts {
		checkDSA(t, st, r)
		if puids[st.PUID] {
			t.Errorf("puid %q repeated", st.PUID)
		}
		puids[st.PUID] = true
	}
}

func TestStatementsRemovalOrder(t *testing.T) {
	r := actionedOrder(t)
	sts := referral.StatementsFor(r)
	checkStatements(t, r, sts)
	if sts[0].ApplicationDate != "2025-03-10" {
		t.Errorf("application_date %q: the measure was at 23:30 UTC on 10 March", sts[0].ApplicationDate)
	}
	if want := "Regulation (EU) 2021/784, Art. 2(7)(a, d)"; sts[0].IllegalContentLegalGround != want {
		t.Errorf("legal ground %q, want %q", sts[0].IllegalContentLegalGround, want)
	}
	if !slices.Equal(r.ContentTypes, []referral.ContentType{referral.ContentInstructs, referral.ContentIncites}) {
		t.Errorf("StatementsFor reordered the referral's content types: %v", r.ContentTypes)
	}
	checkGolden(t, "statements_removal_order.json", sts)
}

func TestStatementsReferral(t *testing.T) {
	r := actionedReferral(t)
	sts := referral.StatementsFor(r)
	checkStatements(t, r, sts)
	checkGolden(t, "statements_referral.json", sts)
}

// TestStatementsLongTexts: the limits hold with maximal inputs in
// multi-byte characters.
func TestStatementsLongTexts(t *testing.T) {
	for _, kind := range kinds {
		r := actionedOrder(t)
		r.Kind = kind
		r.Reference = strings.Repeat("R", 100)
		r.Authority = strings.Repeat("Å", 600)
		r.Reasons = strings.Repeat("é", 5000)
		r.ContentTypes = []referral.ContentType{"e", "d", "c", "b", "a"}
		sts := referral.StatementsFor(r)
		checkStatements(t, r, sts)
		if !strings.HasSuffix(sts[0].DecisionFacts, "…") || utf8.RuneCountInString(sts[0].DecisionFacts) != 5000 {
			t.Errorf("%s: decision_facts not cut to 5000 characters with an ellipsis", kind)
		}
	}
}

func TestStatementsPUIDStable(t *testing.T) {
	a := referral.StatementsFor(actionedOrder(t))
	b := referral.StatementsFor(actionedOrder(t))
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("statements not stable:\n%s", d)
	}
	if a[0].PUID != "vigie-0b6f9c1e-4d1a-4f7e-9a51-2c7d3e5f8a90-1" || a[1].PUID != "vigie-0b6f9c1e-4d1a-4f7e-9a51-2c7d3e5f8a90-2" {
		t.Errorf("puids %q, %q", a[0].PUID, a[1].PUID)
	}
}

// TestStatementsTerritorialScopeNotShared: a caller that edits one
// statement must not change the next ones.
func TestStatementsTerritorialScopeNotShared(t *testing.T) {
	sts := referral.StatementsFor(actionedOrder(t))
	sts[0].TerritorialScope[0] = "XX"
	if got := referral.StatementsFor(actionedOrder(t))[0].TerritorialScope[0]; got != "AT" {
		t.Errorf("territorial scope now starts with %q", got)
	}
}
