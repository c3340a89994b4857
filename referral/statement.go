package referral

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/org"
)

// Statement is a statement of reasons in the form the DSA Transparency
// Database API accepts (POST /api/v1/statements takes {"statements": […]}).
// Terrorist content is category STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY
// with the keyword KEYWORD_TERRORIST_CONTENT. The database keeps dates only,
// so it cannot show one-hour compliance: Vigie keeps the times itself.
type Statement struct {
	DecisionVisibility        []string `json:"decision_visibility"`
	DecisionGround            string   `json:"decision_ground"`
	IllegalContentLegalGround string   `json:"illegal_content_legal_ground,omitempty"`
	IllegalContentExplanation string   `json:"illegal_content_explanation,omitempty"`
	IncompatibleGround        string   `json:"incompatible_content_ground,omitempty"`
	IncompatibleExplanation   string   `json:"incompatible_content_explanation,omitempty"`
	IncompatibleIllegal       string   `json:"incompatible_content_illegal,omitempty"`
	ContentType               []string `json:"content_type"`
	Category                  string   `json:"category"`
	CategorySpecification     []string `json:"category_specification"`
	TerritorialScope          []string `json:"territorial_scope"`
	ApplicationDate           string   `json:"application_date"`
	DecisionFacts             string   `json:"decision_facts"`
	SourceType                string   `json:"source_type"`
	SourceIdentity            string   `json:"source_identity,omitempty"`
	AutomatedDetection        string   `json:"automated_detection"`
	AutomatedDecision         string   `json:"automated_decision"`
	PUID                      string   `json:"puid"`
}

// euTerritory is the territorial scope of a TCO measure: all Member States.
var euTerritory = strings.Fields("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK")

// Statements returns the statements of reasons for the caller's (a
// platform's) decisions to remove or disable content in [from, to), one per
// URL, with a puid that is stable and never reused.
func (s *Service) Statements(ctx context.Context, p org.Principal, from, to time.Time) ([]Statement, error) {
	if p.Kind != org.KindPlatform {
		return nil, vigie.Errorf(vigie.EForbidden, "statements of reasons are the platform's: use a platform key")
	}
	if !to.After(from) {
		return nil, vigie.Invalid("to", "must be after from")
	}
	rs, err := s.List(ctx, p, Filter{IssuedTo: to, States: []State{StateActioned, StateComplaint, StateReinstated}, Limit: -1})
	if err != nil {
		return nil, err
	}
	out := []Statement{}
	for _, r := range rs {
		if r.ActedAt == nil || r.ActedAt.Before(from) || !r.ActedAt.Before(to) {
			continue
		}
		out = append(out, StatementsFor(r)...)
	}
	return out, nil
}

// StatementsFor builds the statements of reasons for one actioned referral.
func StatementsFor(r *Referral) []Statement {
	visibility := "DECISION_VISIBILITY_CONTENT_REMOVED"
	if r.Action == ActionDisabled {
		visibility = "DECISION_VISIBILITY_CONTENT_DISABLED"
	}
	types := slices.Clone(r.ContentTypes)
	slices.Sort(types)
	var letters []string
	for _, t := range types {
		letters = append(letters, string(t))
	}
	legal := "Regulation (EU) 2021/784, Art. 2(7)(" + strings.Join(letters, ", ") + ")"
	facts := fmt.Sprintf("%s %s issued by %s; %s.", kindLabel(r.Kind), r.Reference, r.Authority, strings.TrimRight(r.Reasons, ". "))
	var out []Statement
	for i := range r.URLs {
		st := Statement{
			DecisionVisibility:    []string{visibility},
			ContentType:           []string{"CONTENT_TYPE_OTHER"},
			Category:              "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
			CategorySpecification: []string{"KEYWORD_TERRORIST_CONTENT"},
			TerritorialScope:      slices.Clone(euTerritory),
			ApplicationDate:       r.ActedAt.UTC().Format(time.DateOnly),
			DecisionFacts:         truncate(facts, 5000),
			SourceType:            "SOURCE_TYPE_OTHER_NOTIFICATION", // the schema has no value for authority orders
			SourceIdentity:        truncate(r.Authority, 500),
			AutomatedDetection:    "No",
			AutomatedDecision:     "AUTOMATED_DECISION_NOT_AUTOMATED",
			PUID:                  fmt.Sprintf("vigie-%s-%d", r.ID, i+1),
		}
		if r.Kind == KindRemovalOrder {
			st.DecisionGround = "DECISION_GROUND_ILLEGAL_CONTENT"
			st.IllegalContentLegalGround = truncate(legal, 500)
			st.IllegalContentExplanation = truncate(r.Reasons, 2000)
		} else {
			st.DecisionGround = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
			st.IncompatibleGround = "Terms of service: terrorist content"
			st.IncompatibleExplanation = truncate(r.Reasons, 2000)
			st.IncompatibleIllegal = "Yes"
		}
		out = append(out, st)
	}
	return out
}

func kindLabel(k Kind) string {
	if k == KindRemovalOrder {
		return "Removal order"
	}
	return "Referral"
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
