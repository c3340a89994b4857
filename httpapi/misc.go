package httpapi

import (
	"context"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/audit"
	"github.com/vigie-project/vigie/notify"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/referral"
)

type periodInput struct {
	From time.Time `query:"from" doc:"Start of the period (RFC 3339), inclusive; default 30 days ago."`
	To   time.Time `query:"to" doc:"End of the period (RFC 3339), exclusive; default now."`
}

func (in *periodInput) bounds(now time.Time) (time.Time, time.Time) {
	from, to := in.From, in.To
	if to.IsZero() {
		to = now
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -30)
	}
	return from, to
}

type statsOutput struct {
	Body *referral.Report
}

func (a *API) stats(ctx context.Context, in *periodInput) (*statsOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	from, to := in.bounds(a.Now())
	rep, err := a.Referrals.Transparency(ctx, p, from, to)
	if err != nil {
		return nil, err
	}
	return &statsOutput{Body: rep}, nil
}

type statementsOutput struct {
	Body struct {
		Statements []referral.Statement `json:"statements" doc:"Ready for POST /api/v1/statements of the DSA Transparency Database, in batches of at most 100."`
	}
}

func (a *API) statements(ctx context.Context, in *periodInput) (*statementsOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	from, to := in.bounds(a.Now())
	sts, err := a.Referrals.Statements(ctx, p, from, to)
	if err != nil {
		return nil, err
	}
	out := &statementsOutput{}
	out.Body.Statements = sts
	return out, nil
}

// OrgView is an organisation as the API shows it.
type OrgView struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Kind    org.Kind `json:"kind"`
	Country string   `json:"country,omitempty"`
}

type orgsOutput struct {
	Body struct {
		Orgs []OrgView `json:"orgs"`
	}
}

func (a *API) listOrgs(ctx context.Context, _ *struct{}) (*orgsOutput, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	os, err := a.Orgs.Orgs(ctx)
	if err != nil {
		return nil, err
	}
	out := &orgsOutput{}
	out.Body.Orgs = []OrgView{}
	for _, o := range os {
		out.Body.Orgs = append(out.Body.Orgs, OrgView{ID: o.ID, Name: o.Name, Kind: o.Kind, Country: o.Country})
	}
	return out, nil
}

type webhookOutput struct {
	Body struct {
		URL         string `json:"url" doc:"Empty when you poll instead."`
		Disabled    bool   `json:"disabled"`
		DisabledWhy string `json:"disabled_reason,omitempty"`
		PublicKey   string `json:"public_key" doc:"Verify the webhook-signature header (Standard Webhooks v1a, Ed25519) with this key."`
	}
}

func (a *API) webhookView(e *org.Endpoint) *webhookOutput {
	out := &webhookOutput{}
	out.Body.PublicKey = a.WebhookPublicKey
	if e != nil {
		out.Body.URL, out.Body.Disabled, out.Body.DisabledWhy = e.URL, e.Disabled, e.DisabledWhy
	}
	return out
}

func (a *API) getWebhook(ctx context.Context, _ *struct{}) (*webhookOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	e, err := a.Orgs.Endpoint(ctx, p.OrgID)
	if err != nil && vigie.ErrorCode(err) != vigie.ENotFound {
		return nil, err
	}
	return a.webhookView(e), nil
}

type setWebhookInput struct {
	Body struct {
		URL string `json:"url" maxLength:"2048" doc:"https URL; empty to stop webhooks and poll instead."`
	}
}

func (a *API) setWebhook(ctx context.Context, in *setWebhookInput) (*webhookOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	e, err := a.Orgs.SetEndpoint(ctx, p.OrgID, in.Body.URL, a.CheckWebhookURL)
	if err != nil {
		return nil, err
	}
	return a.webhookView(e), nil
}

type deliveriesOutput struct {
	Body struct {
		Deliveries []notify.Delivery `json:"deliveries"`
	}
}

type limitInput struct {
	Limit int `query:"limit" minimum:"1" maximum:"1000" default:"100"`
}

func (a *API) listDeliveries(ctx context.Context, in *limitInput) (*deliveriesOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	ds, err := a.Deliveries.Deliveries(ctx, p.OrgID, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &deliveriesOutput{}
	out.Body.Deliveries = append([]notify.Delivery{}, ds...)
	return out, nil
}

type chainInput struct {
	After int64 `query:"after" minimum:"0" doc:"Return the entries after this sequence number; 0 for the start."`
	Limit int   `query:"limit" minimum:"1" maximum:"1000" default:"1000"`
}

type chainOutput struct {
	Body struct {
		Entries []audit.Entry `json:"entries" doc:"In sequence order. Data is present only for your organisation's own entries; every entry keeps its data_hash, so the chain verifies without it."`
		Next    int64         `json:"next" doc:"Pass as 'after' for the next page; 0 when there is none."`
	}
}

// auditChain serves the chain for independent verification: each entry's
// hash covers the previous hash and the digest of its data, so a party can
// check every link while seeing only its own entries' data.
func (a *API) auditChain(ctx context.Context, in *chainInput) (*chainOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	es, err := a.Audit.AuditChain(ctx, in.After, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &chainOutput{}
	out.Body.Entries = []audit.Entry{}
	for _, e := range es {
		if e.OrgID != p.OrgID {
			e.Data = nil
		}
		out.Body.Entries = append(out.Body.Entries, e)
	}
	if len(es) == in.Limit {
		out.Body.Next = es[len(es)-1].Seq
	}
	return out, nil
}
