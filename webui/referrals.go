package webui

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/audit"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/referral"
)

var (
	openStates   = []referral.State{referral.StatePending, referral.StateReceived, referral.StateAcknowledged, referral.StateOverdue}
	closedStates = []referral.State{referral.StateImpossible, referral.StateActioned, referral.StateRejected,
		referral.StateWithdrawn, referral.StateComplaint, referral.StateReinstated}
)

// referralList is the authority's list of what it issued, newest first.
// htmx's 10-second refresh gets the "list" partial alone.
func (u *ui) referralList(w http.ResponseWriter, r *http.Request, v *visit) {
	rs, err := u.Referrals.List(r.Context(), v.P, referral.Filter{Limit: 200})
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	pv := u.page(r, v, "referrals", "title.referrals", struct{ Referrals []*referral.Referral }{rs})
	if isHTMX(r) {
		u.render(w, r, http.StatusOK, "referrals", "list", pv)
		return
	}
	u.render(w, r, http.StatusOK, "referrals", "layout", pv)
}

// queue is the platform's work: open referrals, most urgent first, with
// their actions; and the recently answered ones below.
func (u *ui) queue(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	open, err := u.Referrals.List(ctx, v.P, referral.Filter{States: openStates, Limit: 1000})
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	sortByUrgency(open)
	data := struct{ Open, Recent []*referral.Referral }{Open: open}
	if isHTMX(r) {
		u.render(w, r, http.StatusOK, "queue", "queue", u.page(r, v, "queue", "title.queue", data))
		return
	}
	if data.Recent, err = u.Referrals.List(ctx, v.P, referral.Filter{States: closedStates, Limit: 20}); err != nil {
		u.fail(w, r, v, err)
		return
	}
	u.render(w, r, http.StatusOK, "queue", "layout", u.page(r, v, "queue", "title.queue", data))
}

// sortByUrgency puts referrals not yet received first (their clock is
// about to start; oldest first), then the others by deadline, soonest (or
// most overdue) first.
func sortByUrgency(rs []*referral.Referral) {
	slices.SortStableFunc(rs, func(a, b *referral.Referral) int {
		switch {
		case a.Deadline == nil && b.Deadline == nil:
			return a.IssuedAt.Compare(b.IssuedAt)
		case a.Deadline == nil:
			return -1
		case b.Deadline == nil:
			return 1
		}
		return cmp.Or(a.Deadline.Compare(*b.Deadline), a.IssuedAt.Compare(b.IssuedAt))
	})
}

// draftForm is the new-referral form as typed, kept to show it again.
type draftForm struct {
	Kind, PlatformID, Reference, URLs, Details, Reasons, LegalBasis, Redress string
	IssuerName, IssuerContact, NonDisclosureUntil, TargetMinutes, Idem       string
	ContentTypes                                                             map[string]bool
	CrossBorder                                                              bool
}

// fieldError is an entry of a form's error summary.
type fieldError struct{ Field, Label, Message string }

// newFormData is the new-referral page's data.
type newFormData struct {
	Platforms []*org.Org
	V         draftForm
	Errors    map[string]string // form field → message
	Summary   []fieldError
}

// draftLabels names the form's fields for the error summary; the keys are
// the field names of referral.Draft's validation errors.
var draftLabels = map[string]string{
	"kind": "f.kind", "platform_id": "f.platform", "reference": "f.reference", "urls": "f.urls",
	"content_types": "f.types", "details": "f.details", "reasons": "f.reasons", "legal_basis": "f.legal_basis",
	"redress": "f.redress", "issuer_name": "f.issuer_name", "issuer_contact": "f.issuer_contact",
	"non_disclosure_until": "f.nondisclosure", "target_minutes": "f.target",
}

// newReferralForm shows the empty form.
func (u *ui) newReferralForm(w http.ResponseWriter, r *http.Request, v *visit) {
	// A match of known media opens a referral with its details filled in
	// (the match page links here); the authority adds platform and URL.
	q := r.URL.Query()
	f := draftForm{Idem: newToken(), Details: trimTo(q.Get("details"), 2000), URLs: trimTo(q.Get("urls"), 2000)}
	u.showDraftForm(w, r, v, http.StatusOK, f, nil)
}

func trimTo(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (u *ui) showDraftForm(w http.ResponseWriter, r *http.Request, v *visit, status int, f draftForm, errs map[string]string) {
	orgs, err := u.Orgs.Orgs(r.Context())
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	d := newFormData{V: f, Errors: errs}
	for _, o := range orgs {
		if o.Kind == org.KindPlatform {
			d.Platforms = append(d.Platforms, o)
		}
	}
	slices.SortFunc(d.Platforms, func(a, b *org.Org) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.V.ContentTypes == nil {
		d.V.ContentTypes = map[string]bool{}
	}
	for _, field := range []string{"kind", "platform_id", "reference", "urls", "content_types", "details", "reasons",
		"legal_basis", "redress", "issuer_name", "issuer_contact", "non_disclosure_until", "target_minutes", ""} {
		if msg, ok := d.Errors[field]; ok {
			label := ""
			if field != "" {
				label = v.L.T(draftLabels[field])
			}
			d.Summary = append(d.Summary, fieldError{Field: field, Label: label, Message: msg})
		}
	}
	pv := u.page(r, v, "new", "title.new", d)
	pv.Path = "/referrals/new"
	u.render(w, r, status, "new", "layout", pv)
}

// createReferral issues the referral or order. Errors are shown beside
// their field with everything typed kept; the hidden idempotency token
// makes a double submission issue only once.
func (u *ui) createReferral(w http.ResponseWriter, r *http.Request, v *visit) {
	pf := r.PostForm
	f := draftForm{
		Kind: pf.Get("kind"), PlatformID: pf.Get("platform_id"), Reference: strings.TrimSpace(pf.Get("reference")),
		URLs: pf.Get("urls"), Details: pf.Get("details"), Reasons: pf.Get("reasons"), LegalBasis: pf.Get("legal_basis"),
		Redress: pf.Get("redress"), IssuerName: strings.TrimSpace(pf.Get("issuer_name")),
		IssuerContact: strings.TrimSpace(pf.Get("issuer_contact")), NonDisclosureUntil: strings.TrimSpace(pf.Get("non_disclosure_until")),
		TargetMinutes: strings.TrimSpace(pf.Get("target_minutes")), Idem: pf.Get("idem"),
		ContentTypes: map[string]bool{}, CrossBorder: pf.Get("cross_border") != "",
	}
	if len(f.Idem) > 64 {
		f.Idem = ""
	}
	d := referral.Draft{
		Kind: referral.Kind(f.Kind), PlatformID: f.PlatformID, Reference: f.Reference, Details: f.Details,
		Reasons: f.Reasons, LegalBasis: f.LegalBasis, Redress: f.Redress, IssuerName: f.IssuerName,
		IssuerEmail: f.IssuerContact, CrossBorder: f.CrossBorder,
	}
	for _, c := range pf["content_types"] {
		if !f.ContentTypes[c] {
			f.ContentTypes[c] = true
			d.ContentTypes = append(d.ContentTypes, referral.ContentType(c))
		}
	}
	var urlLines []int // the textarea line of each URL, for error messages
	d.URLs, urlLines = splitLines(f.URLs)

	errs := map[string]string{}
	status := http.StatusUnprocessableEntity
	if f.TargetMinutes != "" {
		n, err := strconv.Atoi(f.TargetMinutes)
		if err != nil {
			errs["target_minutes"] = v.L.T("f.target.notnumber")
		}
		d.TargetMinutes = n
	}
	if f.NonDisclosureUntil != "" {
		t, err := parseLocalUTC(f.NonDisclosureUntil)
		if err != nil {
			errs["non_disclosure_until"] = v.L.T("f.nondisclosure.bad")
		}
		d.NonDisclosureUntil = &t
	}
	// The service reports one error at a time; report every missing field
	// at once, so that the form takes one correction, not five.
	required := map[string]bool{"kind": f.Kind == "", "platform_id": f.PlatformID == "", "reference": f.Reference == "",
		"urls": len(d.URLs) == 0, "content_types": len(d.ContentTypes) == 0, "reasons": strings.TrimSpace(f.Reasons) == ""}
	if d.Kind == referral.KindRemovalOrder { // Annex I
		required["legal_basis"] = strings.TrimSpace(f.LegalBasis) == ""
		required["redress"] = strings.TrimSpace(f.Redress) == ""
		required["issuer_name"] = f.IssuerName == ""
	}
	for field, missing := range required {
		if missing {
			errs[field] = v.L.T("form.required")
		}
	}
	if len(errs) == 0 {
		idem := ""
		if f.Idem != "" {
			idem = "webui:" + f.Idem
		}
		_, _, err := u.Referrals.Create(r.Context(), v.P, d, idem)
		e := vigie.AsError(err)
		switch {
		case err == nil:
			seeOther(w, r, "/referrals", "created")
			return
		case e == nil || (e.Code != vigie.EInvalid && (e.Code != vigie.EConflict || e.Field == "")):
			u.fail(w, r, v, err)
			return
		case e.Code == vigie.EConflict: // a reference already used
			status = http.StatusConflict
		}
		field, i := splitField(e.Field)
		msg := v.L.ErrMessage(e.Message)
		if field == "urls" && i >= 0 && i < len(urlLines) {
			msg = v.L.T("f.line", urlLines[i], msg)
		}
		if _, known := draftLabels[field]; !known {
			field = "" // e.g. the idempotency key: shown above the form
		}
		errs[field] = msg
	}
	u.showDraftForm(w, r, v, status, f, errs)
}

// splitLines returns the non-blank lines of s, trimmed, and their 1-based
// line numbers.
func splitLines(s string) (out []string, lines []int) {
	for i, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
			lines = append(lines, i+1)
		}
	}
	return out, lines
}

// splitField splits "urls[3]" into "urls" and 3; other names get -1.
func splitField(f string) (string, int) {
	name, rest, ok := strings.Cut(f, "[")
	if !ok {
		return f, -1
	}
	i, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
	if err != nil {
		return name, -1
	}
	return name, i
}

// parseLocalUTC reads an <input type="datetime-local"> value as UTC.
func parseLocalUTC(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.ParseInLocation("2006-01-02T15:04", s, time.UTC)
}

// detailData is the detail page's data.
type detailData struct {
	R         *referral.Referral
	Timeline  []timelineEntry
	Errors    map[string]string // a failed action's field → message
	Values    map[string]string // and what was typed
	Error     string            // an error about no field
	Back      string
	BackLabel string
}

// timelineEntry is an audit entry shown on the detail page.
type timelineEntry struct {
	Seq               int64
	At                time.Time
	Action, Org       string
	Actor, Hash       string
	Subject, DataHash string
}

// referralDetail shows a referral to either party, with the actions open
// to the caller; anyone else gets 404 (the service answers ENotFound).
func (u *ui) referralDetail(w http.ResponseWriter, r *http.Request, v *visit) {
	u.showDetail(w, r, v, http.StatusOK, r.PathValue("id"), nil, nil, "")
}

func (u *ui) showDetail(w http.ResponseWriter, r *http.Request, v *visit, status int, id string, errs, vals map[string]string, general string) {
	ctx := r.Context()
	ref, err := u.Referrals.Get(ctx, v.P, id)
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	entries, err := u.Audit.AuditEntries(ctx, audit.Filter{Subject: "referral/" + ref.ID})
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	names := map[string]string{}
	if orgs, err := u.Orgs.Orgs(ctx); err == nil {
		for _, o := range orgs {
			names[o.ID] = o.Name
		}
	}
	d := detailData{R: ref, Errors: errs, Values: vals, Error: general, Back: "/referrals", BackLabel: "d.back.list"}
	if v.P.Kind == org.KindPlatform {
		d.Back, d.BackLabel = "/queue", "d.back.queue"
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.Values == nil {
		d.Values = map[string]string{}
	}
	for i := len(entries) - 1; i >= 0; i-- { // oldest first
		e := entries[i]
		d.Timeline = append(d.Timeline, timelineEntry{Seq: e.Seq, At: e.At, Action: e.Action, Org: or(names[e.OrgID], e.OrgID),
			Actor: e.Actor, Hash: e.Hash, Subject: e.Subject, DataHash: e.DataHash})
	}
	pv := u.page(r, v, "", "title.referrals", d)
	pv.Title = v.L.Kind(ref.Kind) + " " + ref.Reference
	pv.Path = "/referrals/" + url.PathEscape(ref.ID)
	if v.P.Kind == org.KindPlatform {
		pv.Nav = "queue"
	} else {
		pv.Nav = "referrals"
	}
	u.render(w, r, status, "detail", "layout", pv)
}
