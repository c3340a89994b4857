package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	vigie "github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/media"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/pdq"
	"github.com/vigie-project/vigie/referral"
)

// Media is the shared hash database.
type Media interface {
	CreateBank(ctx context.Context, p org.Principal, d media.BankDraft) (*media.Bank, error)
	UpdateBank(ctx context.Context, p org.Principal, name string, d media.BankDraft) (*media.Bank, error)
	Banks(ctx context.Context, p org.Principal) ([]*media.Bank, error)
	Bank(ctx context.Context, p org.Principal, name string) (*media.Bank, error)
	Contribute(ctx context.Context, p org.Principal, bank string, drafts []media.SignalDraft, source string) (*media.ContributeResult, error)
	Signal(ctx context.Context, p org.Principal, id int64) (*media.Signal, error)
	Signals(ctx context.Context, p org.Principal, bank string, f media.SignalFilter) ([]*media.Signal, error)
	Feedback(ctx context.Context, p org.Principal, id int64, op media.Opinion) (*media.Signal, error)
	Reinstate(ctx context.Context, p org.Principal, id int64) (*media.Signal, error)
	Remove(ctx context.Context, p org.Principal, id int64) (*media.Signal, error)
	Delta(ctx context.Context, p org.Principal, bank string, checkpoint int64, limit int) (*media.Delta, error)
	Match(ctx context.Context, p org.Principal, q media.MatchQuery) (*media.MatchResult, error)
	Stats(ctx context.Context, p org.Principal, bank string, days int) (*media.BankStats, error)
	Index() *media.Index
}

// MaxUpload is the largest photo or video the API hashes.
const MaxUpload = 64 << 20

type bankOutput struct {
	Status int
	Body   *media.Bank
}

type bankListOutput struct {
	Body struct {
		Banks []*media.Bank `json:"banks"`
	}
}

func (a *API) listBanks(ctx context.Context, _ *struct{}) (*bankListOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	bs, err := a.Media.Banks(ctx, p)
	if err != nil {
		return nil, err
	}
	out := &bankListOutput{}
	out.Body.Banks = bs
	if bs == nil {
		out.Body.Banks = []*media.Bank{}
	}
	return out, nil
}

func (a *API) createBank(ctx context.Context, in *struct{ Body media.BankDraft }) (*bankOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	b, err := a.Media.CreateBank(ctx, p, in.Body)
	if err != nil {
		return nil, err
	}
	return &bankOutput{Status: http.StatusCreated, Body: b}, nil
}

// BankPath, SignalPath and Upload are embedded in inputs; they are
// exported because huma reads only exported embedded structs.
type BankPath struct {
	Name string `path:"name" maxLength:"64"`
}

func (a *API) getBank(ctx context.Context, in *BankPath) (*bankOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	b, err := a.Media.Bank(ctx, p, in.Name)
	if err != nil {
		return nil, err
	}
	return &bankOutput{Status: http.StatusOK, Body: b}, nil
}

func (a *API) updateBank(ctx context.Context, in *struct {
	BankPath
	Body media.BankDraft
}) (*bankOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	b, err := a.Media.UpdateBank(ctx, p, in.Name, in.Body)
	if err != nil {
		return nil, err
	}
	return &bankOutput{Status: http.StatusOK, Body: b}, nil
}

type contributeOutput struct {
	Status int
	Body   *media.ContributeResult
}

func (a *API) contribute(ctx context.Context, in *struct {
	BankPath
	Body struct {
		Signals []media.SignalDraft `json:"signals" minItems:"1" maxItems:"10000"`
	}
}) (*contributeOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	res, err := a.Media.Contribute(ctx, p, in.Name, in.Body.Signals, "api")
	if err != nil {
		return nil, err
	}
	return &contributeOutput{Status: http.StatusCreated, Body: res}, nil
}

type Upload struct {
	ContentType string `header:"Content-Type"`
	RawBody     []byte `contentType:"application/octet-stream" doc:"The photo (JPEG, PNG, GIF, WebP) or video file, at most 64 MiB."`
}

func (a *API) contributeMedia(ctx context.Context, in *struct {
	BankPath
	Upload
	Entity    string `query:"entity" maxLength:"200"`
	Behaviour string `query:"behaviour" maxLength:"200"`
	Incident  string `query:"incident" maxLength:"200"`
	Kind      string `query:"content_type" maxLength:"100" doc:"Label: the content type, e.g. 'attack footage'."`
}) (*contributeOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	h, err := a.Uploads.Hash(ctx, in.RawBody, in.ContentType)
	if err != nil {
		return nil, err
	}
	labels := media.Labels{Entity: in.Entity, Behaviour: in.Behaviour, Incident: in.Incident, ContentType: in.Kind}
	res, err := a.Media.Contribute(ctx, p, in.Name, h.Drafts(labels), "upload")
	if err != nil {
		return nil, err
	}
	return &contributeOutput{Status: http.StatusCreated, Body: res}, nil
}

type signalsInput struct {
	BankPath
	State    string `query:"state" enum:"active,quarantined,removed,"`
	Disputed bool   `query:"disputed" doc:"Only signals with at least one disagreement."`
	Limit    int    `query:"limit" minimum:"1" maximum:"1000" default:"100"`
}

type signalListOutput struct {
	Body struct {
		Signals []*media.Signal `json:"signals"`
	}
}

func (a *API) listSignals(ctx context.Context, in *signalsInput) (*signalListOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	sigs, err := a.Media.Signals(ctx, p, in.Name, media.SignalFilter{State: media.SignalState(in.State), Disputed: in.Disputed, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &signalListOutput{}
	out.Body.Signals = sigs
	if sigs == nil {
		out.Body.Signals = []*media.Signal{}
	}
	return out, nil
}

type deltaInput struct {
	BankPath
	Checkpoint int64 `query:"checkpoint" minimum:"0" doc:"The checkpoint of the previous page; 0 for everything."`
	Limit      int   `query:"limit" minimum:"1" maximum:"10000" default:"10000"`
}

type deltaOutput struct {
	Body *media.Delta
}

func (a *API) delta(ctx context.Context, in *deltaInput) (*deltaOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	d, err := a.Media.Delta(ctx, p, in.Name, in.Checkpoint, in.Limit)
	if err != nil {
		return nil, err
	}
	return &deltaOutput{Body: d}, nil
}

type bankStatsOutput struct {
	Body *media.BankStats
}

func (a *API) bankStats(ctx context.Context, in *struct {
	BankPath
	Days int `query:"days" minimum:"1" maximum:"366" default:"30"`
}) (*bankStatsOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	st, err := a.Media.Stats(ctx, p, in.Name, in.Days)
	if err != nil {
		return nil, err
	}
	return &bankStatsOutput{Body: st}, nil
}

type SignalPath struct {
	ID int64 `path:"id" minimum:"1"`
}

type signalOutput struct {
	Body *media.Signal
}

func (a *API) getSignal(ctx context.Context, in *SignalPath) (*signalOutput, error) {
	return a.signalAction(ctx, in.ID, a.Media.Signal)
}

func (a *API) reinstateSignal(ctx context.Context, in *SignalPath) (*signalOutput, error) {
	return a.signalAction(ctx, in.ID, a.Media.Reinstate)
}

func (a *API) removeSignal(ctx context.Context, in *SignalPath) (*signalOutput, error) {
	return a.signalAction(ctx, in.ID, a.Media.Remove)
}

func (a *API) signalAction(ctx context.Context, id int64, f func(context.Context, org.Principal, int64) (*media.Signal, error)) (*signalOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	s, err := f(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return &signalOutput{Body: s}, nil
}

func (a *API) feedback(ctx context.Context, in *struct {
	SignalPath
	Body struct {
		Opinion media.Opinion `json:"opinion" enum:"agree,disagree"`
	}
}) (*signalOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	s, err := a.Media.Feedback(ctx, p, in.ID, in.Body.Opinion)
	if err != nil {
		return nil, err
	}
	return &signalOutput{Body: s}, nil
}

// matchBody is one piece of media, described by any of its hashes.
type matchBody struct {
	PDQ      string   `json:"pdq,omitempty" doc:"PDQ hash, 64 hex digits."`
	Quality  *int     `json:"quality,omitempty" minimum:"0" maximum:"100" doc:"PDQ quality, when known: hashes under a bank's quality floor do not match it."`
	Dihedral []string `json:"dihedral,omitempty" maxItems:"8" doc:"The photo's 8 dihedral PDQ hashes (vigie hash pdq --dihedral), to match rotated and flipped copies; the first is the photo's own hash."`
	VPDQ     string   `json:"vpdq,omitempty" maxLength:"2000000" doc:"vPDQ hash of a video, in python-threatexchange's form."`
	MD5      string   `json:"md5,omitempty"`
	SHA256   string   `json:"sha256,omitempty"`
	Banks    []string `json:"banks,omitempty" maxItems:"100" doc:"Only these banks; default every enabled bank."`
}

func (b *matchBody) query() (media.MatchQuery, error) {
	q := media.MatchQuery{Query: media.Query{Quality: -1}, BankNames: b.Banks}
	if b.Quality != nil {
		q.Quality = *b.Quality
	}
	any := false
	if b.PDQ != "" {
		h, err := pdq.ParseHash(strings.TrimSpace(b.PDQ))
		if err != nil {
			return q, vigie.Invalid("body.pdq", "must be 64 hexadecimal digits")
		}
		q.PDQ = append(q.PDQ, h)
		q.Variants = append(q.Variants, pdq.Original)
		any = true
	}
	for i, s := range b.Dihedral {
		h, err := pdq.ParseHash(strings.TrimSpace(s))
		if err != nil {
			return q, vigie.Invalid(fmt.Sprintf("body.dihedral[%d]", i), "must be 64 hexadecimal digits")
		}
		q.PDQ = append(q.PDQ, h)
		q.Variants = append(q.Variants, pdq.Transform(i))
		any = true
	}
	if b.VPDQ != "" {
		v, err := media.ParseVideo(b.VPDQ)
		if err != nil {
			return q, vigie.Invalid("body.vpdq", "%v", err)
		}
		q.Query.Video = v
		any = true
	}
	for _, e := range []struct {
		field string
		t     media.SignalType
		v     string
		dst   *string
	}{{"body.md5", media.MD5, b.MD5, &q.MD5}, {"body.sha256", media.SHA256, b.SHA256, &q.SHA256}} {
		if e.v == "" {
			continue
		}
		v, err := media.NormaliseSignal(e.t, e.v)
		if err != nil {
			return q, vigie.Invalid(e.field, "%v", err)
		}
		*e.dst = v
		any = true
	}
	if !any {
		return q, vigie.Invalid("body", "give at least one of pdq, dihedral, vpdq, md5, sha256")
	}
	return q, nil
}

type matchOutput struct {
	Body *media.MatchResult
}

func (a *API) match(ctx context.Context, in *struct{ Body matchBody }) (*matchOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	q, err := in.Body.query()
	if err != nil {
		return nil, err
	}
	res, err := a.Media.Match(ctx, p, q)
	if err != nil {
		return nil, err
	}
	return &matchOutput{Body: res}, nil
}

type matchMediaOutput struct {
	Body struct {
		Hashes *media.Hashes `json:"hashes"`
		*media.MatchResult
	}
}

func (a *API) matchMedia(ctx context.Context, in *struct {
	Upload
	Banks string `query:"banks" maxLength:"2000" doc:"Only these banks (comma-separated); default every enabled bank."`
}) (*matchMediaOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	h, err := a.Uploads.Hash(ctx, in.RawBody, in.ContentType)
	if err != nil {
		return nil, err
	}
	q := media.MatchQuery{Query: h.Query()}
	if in.Banks != "" {
		q.BankNames = strings.Split(in.Banks, ",")
	}
	res, err := a.Media.Match(ctx, p, q)
	if err != nil {
		return nil, err
	}
	out := &matchMediaOutput{}
	out.Body.Hashes, out.Body.MatchResult = h, res
	return out, nil
}

// bankReferral puts the media hashes a platform reported when it acted on
// a referral into a bank, labelled with the authority's reference and
// content types: removal feeds prevention in one step.
func (a *API) bankReferral(ctx context.Context, in *struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Bank   string       `json:"bank" minLength:"1" maxLength:"64"`
		Labels media.Labels `json:"labels,omitempty" doc:"Labels to add to the authority's."`
	}
}) (*contributeOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	r, err := a.Referrals.Get(ctx, p, in.ID)
	if err != nil {
		return nil, err
	}
	if r.PlatformID != p.OrgID {
		return nil, vigie.Errorf(vigie.EForbidden, "only the platform that removed the content banks its hashes")
	}
	drafts, err := ReferralSignals(r, in.Body.Labels)
	if err != nil {
		return nil, err
	}
	res, err := a.Media.Contribute(ctx, p, in.Body.Bank, drafts, "referral/"+r.ID)
	if err != nil {
		return nil, err
	}
	return &contributeOutput{Status: http.StatusCreated, Body: res}, nil
}

// ReferralSignals turns the hashes reported on an actioned referral into
// contributions labelled from the referral.
func ReferralSignals(r *referral.Referral, extra media.Labels) ([]media.SignalDraft, error) {
	if r.State != referral.StateActioned || len(r.ContentHashes) == 0 {
		return nil, vigie.Errorf(vigie.EConflict, "only a referral actioned with content hashes can be banked")
	}
	var types []string
	for _, t := range r.ContentTypes {
		types = append(types, string(t))
	}
	labels := extra.Merge(media.Labels{Incident: r.Reference, ContentType: strings.Join(types, ","),
		Tags: []string{"referral:" + r.ID, "authority:" + r.Authority}})
	var drafts []media.SignalDraft
	for _, h := range r.ContentHashes {
		t, v, ok := strings.Cut(h, ":")
		st, known := media.ParseSignalType(t)
		if !ok || !known {
			continue
		}
		drafts = append(drafts, media.SignalDraft{Type: st, Value: v, Labels: labels})
	}
	if len(drafts) == 0 {
		return nil, vigie.Errorf(vigie.EConflict, "the referral's content hashes are of no bankable type")
	}
	return drafts, nil
}
