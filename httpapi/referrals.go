package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/audit"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/referral"
)

func caller(ctx context.Context) (org.Principal, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return org.Principal{}, vigie.Errorf(vigie.EUnauthorized, "an API key is required: Authorization: Bearer ID.SECRET")
	}
	return p, nil
}

// ReferralOutput is one referral.
type ReferralOutput struct {
	Status   int
	Location string `header:"Location"`
	Replayed string `header:"Idempotent-Replayed"`
	Body     *referral.Referral
}

type createReferralInput struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Retrying with the same key returns the first result instead of issuing twice."`
	Body           referral.Draft
}

func (a *API) createReferral(ctx context.Context, in *createReferralInput) (*ReferralOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	r, created, err := a.Referrals.Create(ctx, p, in.Body, in.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	// A replay answers as the first request did, marked as a replay.
	out := &ReferralOutput{Status: http.StatusCreated, Location: "/api/v1/referrals/" + r.ID, Body: r}
	if !created {
		out.Replayed = "true"
	}
	return out, nil
}

type listReferralsInput struct {
	State string `query:"state" maxLength:"200" doc:"Only these states (comma-separated): pending, received, acknowledged, overdue, impossible, actioned, rejected, withdrawn, complaint, reinstated. 'open' stands for the first four."`
	Kind  string `query:"kind" enum:"referral,removal_order,"`
	Limit int    `query:"limit" minimum:"1" maximum:"1000" default:"100"`
}

type referralListOutput struct {
	Body struct {
		Referrals []*referral.Referral `json:"referrals"`
	}
}

func (a *API) listReferrals(ctx context.Context, in *listReferralsInput) (*referralListOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	f := referral.Filter{Kind: referral.Kind(in.Kind), Limit: in.Limit}
	for s := range strings.SplitSeq(in.State, ",") {
		switch st := referral.State(strings.TrimSpace(s)); {
		case st == "":
		case st == "open":
			f.States = append(f.States, referral.StatePending, referral.StateReceived, referral.StateAcknowledged, referral.StateOverdue)
		case validState(st):
			f.States = append(f.States, st)
		default:
			return nil, vigie.Invalid("query.state", "unknown state %q", s)
		}
	}
	rs, err := a.Referrals.List(ctx, p, f)
	if err != nil {
		return nil, err
	}
	out := &referralListOutput{}
	out.Body.Referrals = rs
	if rs == nil {
		out.Body.Referrals = []*referral.Referral{}
	}
	return out, nil
}

func validState(s referral.State) bool {
	for _, v := range referral.States {
		if v == s {
			return true
		}
	}
	return false
}

type idInput struct {
	ID string `path:"id" maxLength:"64"`
}

func (a *API) getReferral(ctx context.Context, in *idInput) (*ReferralOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	r, err := a.Referrals.Get(ctx, p, in.ID)
	if err != nil {
		return nil, err
	}
	return &ReferralOutput{Status: http.StatusOK, Body: r}, nil
}

// act applies a typed event sent by the caller.
func (a *API) act(ctx context.Context, id string, e referral.Event) (*ReferralOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	r, err := a.Referrals.Act(ctx, p, id, e)
	if err != nil {
		return nil, err
	}
	return &ReferralOutput{Status: http.StatusOK, Body: r}, nil
}

func (a *API) acknowledge(ctx context.Context, in *idInput) (*ReferralOutput, error) {
	return a.act(ctx, in.ID, referral.Event{Type: referral.EventAcknowledged})
}

type actionInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Action        referral.Action   `json:"action" enum:"removed,disabled"`
		ActedAt       time.Time         `json:"acted_at,omitempty" doc:"Time of the measure; default now."`
		Feedback      string            `json:"feedback,omitempty" maxLength:"5000"`
		ContentHashes []string          `json:"content_hashes,omitempty" maxItems:"100" doc:"Hashes of the removed media: 'sha256:HEX', 'md5:HEX' or 'pdq:HEX'."`
		Metadata      map[string]string `json:"metadata,omitempty" doc:"What you preserved about the content (Art. 6)."`
	}
}

func (a *API) action(ctx context.Context, in *actionInput) (*ReferralOutput, error) {
	return a.act(ctx, in.ID, referral.Event{Type: referral.EventActioned, Action: in.Body.Action, ActedAt: in.Body.ActedAt,
		Text: in.Body.Feedback, ContentHashes: in.Body.ContentHashes, Metadata: in.Body.Metadata})
}

type impossibleInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Reason      referral.ImpossibilityReason `json:"reason" enum:"force_majeure,manifest_error,insufficient_information"`
		Explanation string                       `json:"explanation" minLength:"1" maxLength:"5000" doc:"What is needed to comply (Annex III, section B)."`
	}
}

func (a *API) impossible(ctx context.Context, in *impossibleInput) (*ReferralOutput, error) {
	return a.act(ctx, in.ID, referral.Event{Type: referral.EventImpossible, Reason: in.Body.Reason, Text: in.Body.Explanation})
}

// textInput is the body of the actions that carry one text, named as the
// action names it (the errors then point at the right field).
type textInput[T any] struct {
	ID   string `path:"id" maxLength:"64"`
	Body T
}

type rejectBody struct {
	Reasons string `json:"reasons" maxLength:"5000" doc:"Why the content does not breach your terms."`
}

type clarifyBody struct {
	Clarification string `json:"clarification" maxLength:"5000" doc:"The information the platform asked for."`
}

type withdrawBody struct {
	Reason string `json:"reason,omitempty" maxLength:"5000"`
}

type complaintBody struct {
	Complaint string `json:"complaint" maxLength:"5000" doc:"The content provider's complaint (Art. 10)."`
}

func (a *API) reject(ctx context.Context, in *textInput[rejectBody]) (*ReferralOutput, error) {
	return a.act(ctx, in.ID, referral.Event{Type: referral.EventRejected, Text: in.Body.Reasons})
}

func (a *API) clarify(ctx context.Context, in *textInput[clarifyBody]) (*ReferralOutput, error) {
	return a.act(ctx, in.ID, referral.Event{Type: referral.EventClarified, Text: in.Body.Clarification})
}

func (a *API) withdraw(ctx context.Context, in *textInput[withdrawBody]) (*ReferralOutput, error) {
	return a.act(ctx, in.ID, referral.Event{Type: referral.EventWithdrawn, Text: in.Body.Reason})
}

func (a *API) complain(ctx context.Context, in *textInput[complaintBody]) (*ReferralOutput, error) {
	return a.act(ctx, in.ID, referral.Event{Type: referral.EventComplaint, Text: in.Body.Complaint})
}

type decisionInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Reinstate bool   `json:"reinstate" doc:"true: the complaint is upheld and the content reinstated."`
		Reasons   string `json:"reasons" maxLength:"5000"`
	}
}

func (a *API) decideComplaint(ctx context.Context, in *decisionInput) (*ReferralOutput, error) {
	return a.act(ctx, in.ID, referral.Event{Type: referral.EventComplaintDecided, Reinstate: in.Body.Reinstate, Text: in.Body.Reasons})
}

type historyOutput struct {
	Body struct {
		Entries []audit.Entry `json:"entries"`
	}
}

func (a *API) history(ctx context.Context, in *idInput) (*historyOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := a.Referrals.Get(ctx, p, in.ID); err != nil {
		return nil, err
	}
	es, err := a.Audit.AuditEntries(ctx, audit.Filter{Subject: "referral/" + in.ID})
	if err != nil {
		return nil, err
	}
	out := &historyOutput{}
	out.Body.Entries = append([]audit.Entry{}, es...)
	return out, nil
}

type preservationOutput struct {
	Body *referral.Preservation
}

func (a *API) getPreservation(ctx context.Context, in *idInput) (*preservationOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	pr, err := a.Referrals.Preservation(ctx, p, in.ID)
	if err != nil {
		return nil, err
	}
	return &preservationOutput{Body: pr}, nil
}

type holdInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Until  time.Time `json:"until"`
		Reason string    `json:"reason" maxLength:"500"`
	}
}

func (a *API) holdPreservation(ctx context.Context, in *holdInput) (*preservationOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	pr, err := a.Referrals.Hold(ctx, p, in.ID, in.Body.Until, in.Body.Reason)
	if err != nil {
		return nil, err
	}
	return &preservationOutput{Body: pr}, nil
}
