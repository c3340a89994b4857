package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/cap"
	"github.com/vigie-project/vigie/org"
)

// AlertOutput is one alert message.
type AlertOutput struct {
	Status   int
	Location string `header:"Location"`
	Replayed string `header:"Idempotent-Replayed"`
	Body     *alert.Alert
}

// created answers a call that wrote a new message (an alert, or an Update
// or Cancel of one).
func created(a *alert.Alert) *AlertOutput {
	return &AlertOutput{Status: http.StatusCreated, Location: "/api/v1/alerts/" + a.ID, Body: a}
}

// alertCall runs fn for the caller and answers with the message it
// returns: 200 for an action on it, 201 for a new message.
func alertCall(ctx context.Context, status int, fn func(p org.Principal) (*alert.Alert, error)) (*AlertOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	al, err := fn(p)
	if err != nil {
		return nil, err
	}
	if status == http.StatusCreated {
		return created(al), nil
	}
	return &AlertOutput{Status: status, Body: al}, nil
}

// AlertDraft is alert.Draft under a name of its own in the OpenAPI
// document, where referral.Draft is already "Draft".
type AlertDraft alert.Draft

type createAlertInput struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Retrying with the same key returns the first result instead of writing twice."`
	Body           AlertDraft
}

func (a *API) createAlert(ctx context.Context, in *createAlertInput) (*AlertOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	al, isNew, err := a.Alerts.Create(ctx, p, alert.Draft(in.Body), in.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	out := created(al)
	if !isNew {
		out.Replayed = "true"
	}
	return out, nil
}

type listAlertsInput struct {
	State  string `query:"state" maxLength:"200" doc:"Only these states (comma-separated): pending_approval, rejected, published, superseded, cancelled, expired."`
	Status string `query:"status" maxLength:"100" doc:"Only these CAP statuses (comma-separated): Actual, Exercise, Test."`
	Chain  string `query:"chain" maxLength:"64" doc:"Only the messages of this chain: the id of its first alert."`
	Active bool   `query:"active" doc:"Only the messages in force now (published, not expired)."`
	Limit  int    `query:"limit" minimum:"1" maximum:"1000" default:"100"`
}

type alertListOutput struct {
	Body struct {
		Alerts []*alert.Alert `json:"alerts" doc:"Newest first."`
	}
}

func (a *API) listAlerts(ctx context.Context, in *listAlertsInput) (*alertListOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	f := alert.Filter{ChainID: in.Chain, Active: in.Active, Limit: in.Limit}
	for s := range strings.SplitSeq(in.State, ",") {
		switch st := alert.State(strings.TrimSpace(s)); {
		case st == "":
		case slices.Contains(alert.States, st):
			f.States = append(f.States, st)
		default:
			return nil, vigie.Invalid("query.state", "unknown state %q", s)
		}
	}
	for s := range strings.SplitSeq(in.Status, ",") {
		switch st := cap.Status(strings.TrimSpace(s)); st {
		case "":
		case cap.StatusActual, cap.StatusExercise, cap.StatusTest:
			f.Statuses = append(f.Statuses, st)
		default:
			return nil, vigie.Invalid("query.status", "unknown status %q: Actual, Exercise or Test", s)
		}
	}
	as, err := a.Alerts.List(ctx, p, f)
	if err != nil {
		return nil, err
	}
	out := &alertListOutput{}
	out.Body.Alerts = append([]*alert.Alert{}, as...)
	return out, nil
}

func (a *API) getAlert(ctx context.Context, in *idInput) (*AlertOutput, error) {
	return alertCall(ctx, http.StatusOK, func(p org.Principal) (*alert.Alert, error) { return a.Alerts.Get(ctx, p, in.ID) })
}

type previewInput struct {
	Body AlertDraft
}

type previewOutput struct {
	Body struct {
		Warnings []alert.Warning `json:"warnings" doc:"What validation flags without refusing; the approver sees them too."`
		Reach    alert.Reach     `json:"reach"`
		Message  alert.Message   `json:"message" doc:"The message the draft would make, as platforms would receive it; not stored."`
		CAP      string          `json:"cap" doc:"Its CAP 1.2 document; identifier and sent change when it is written."`
	}
}

// previewAlert validates a draft and shows its reach without storing
// anything, so the author sees before submitting what the approver will.
func (a *API) previewAlert(ctx context.Context, in *previewInput) (*previewOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	al, reach, err := a.Alerts.Preview(ctx, p, alert.Draft(in.Body))
	if err != nil {
		return nil, err
	}
	xml, err := alert.CAP(al)
	if err != nil {
		return nil, err
	}
	out := &previewOutput{}
	out.Body.Warnings = append([]alert.Warning{}, al.Warnings...)
	out.Body.Reach, out.Body.Message, out.Body.CAP = reach, alert.Render(al), string(xml)
	if out.Body.Reach.Platforms == nil {
		out.Body.Reach.Platforms = []string{}
	}
	return out, nil
}

type reachOutput struct {
	Body alert.Reach
}

func (a *API) alertReach(ctx context.Context, in *idInput) (*reachOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	r, err := a.Alerts.Reach(ctx, p, in.ID)
	if err != nil {
		return nil, err
	}
	if r.Platforms == nil {
		r.Platforms = []string{}
	}
	return &reachOutput{Body: r}, nil
}

type templatesOutput struct {
	Body struct {
		Templates []alert.Template `json:"templates" doc:"Ready-made texts in French, English and Arabic; add the area and what differs."`
	}
}

func (a *API) alertTemplates(ctx context.Context, _ *struct{}) (*templatesOutput, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	out := &templatesOutput{}
	out.Body.Templates = alert.Templates()
	return out, nil
}

// CAPOutput is a CAP 1.2 document.
type CAPOutput struct {
	ContentType string `header:"Content-Type"`
	ETag        string `header:"ETag"`
	Body        []byte
}

func (a *API) alertCAP(ctx context.Context, in *idInput) (*CAPOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	al, err := a.Alerts.Get(ctx, p, in.ID)
	if err != nil {
		return nil, err
	}
	xml, err := alert.CAP(al)
	if err != nil {
		return nil, err
	}
	return &CAPOutput{ContentType: cap.MIMECAP, ETag: strongETag(xml), Body: xml}, nil
}

func strongETag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

func (a *API) approveAlert(ctx context.Context, in *idInput) (*AlertOutput, error) {
	return alertCall(ctx, http.StatusOK, func(p org.Principal) (*alert.Alert, error) { return a.Alerts.Approve(ctx, p, in.ID) })
}

type rejectAlertBody struct {
	Reason string `json:"reason" maxLength:"500" doc:"Why it must not go out; the author sees it."`
}

func (a *API) rejectAlert(ctx context.Context, in *textInput[rejectAlertBody]) (*AlertOutput, error) {
	return alertCall(ctx, http.StatusOK, func(p org.Principal) (*alert.Alert, error) { return a.Alerts.Reject(ctx, p, in.ID, in.Body.Reason) })
}

// followInput is the input of the calls that write the next message of a
// chain. The Idempotency-Key is handled by the Idempotency middleware; it
// is declared here so that clients see it in the document.
type followInput[T any] struct {
	ID             string `path:"id" maxLength:"64"`
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Retrying with the same key returns the first result instead of writing twice."`
	Body           T
}

func (a *API) updateAlert(ctx context.Context, in *followInput[AlertDraft]) (*AlertOutput, error) {
	return alertCall(ctx, http.StatusCreated, func(p org.Principal) (*alert.Alert, error) {
		return a.Alerts.Update(ctx, p, in.ID, alert.Draft(in.Body))
	})
}

type cancelAlertBody struct {
	Note string `json:"note" maxLength:"500" doc:"Why the alert is cancelled, in words every reader understands; it is the CAP <note>."`
}

func (a *API) cancelAlert(ctx context.Context, in *followInput[cancelAlertBody]) (*AlertOutput, error) {
	return alertCall(ctx, http.StatusCreated, func(p org.Principal) (*alert.Alert, error) { return a.Alerts.Cancel(ctx, p, in.ID, in.Body.Note) })
}

// AllClearBody gives the texts of an all-clear; without it, the
// all-clear template is used in each of the alert's languages.
type AllClearBody struct {
	Texts []alert.Text `json:"texts,omitempty" maxItems:"12" doc:"One per language of the alert; default: the all-clear template."`
}

type allClearInput struct {
	ID             string `path:"id" maxLength:"64"`
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Retrying with the same key returns the first result instead of writing twice."`
	Body           *AllClearBody
}

func (a *API) allClearAlert(ctx context.Context, in *allClearInput) (*AlertOutput, error) {
	var texts []alert.Text
	if in.Body != nil {
		texts = in.Body.Texts
	}
	return alertCall(ctx, http.StatusCreated, func(p org.Principal) (*alert.Alert, error) { return a.Alerts.AllClear(ctx, p, in.ID, texts) })
}
