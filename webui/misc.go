package webui

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/audit"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/referral"
)

// auditRow is an audit entry as the audit page shows it.
type auditRow struct {
	audit.Entry
	Link string // the subject's page, when it has one
}

// auditLog shows the entries made on behalf of the caller's organisation.
func (u *ui) auditLog(w http.ResponseWriter, r *http.Request, v *visit) {
	es, err := u.Audit.AuditEntries(r.Context(), audit.Filter{OrgID: v.P.OrgID, Limit: 500})
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	rows := make([]auditRow, len(es))
	for i, e := range es {
		rows[i] = auditRow{Entry: e}
		if id, ok := strings.CutPrefix(e.Subject, "referral/"); ok && id != "" {
			rows[i].Link = "/referrals/" + url.PathEscape(id)
		}
	}
	u.render(w, r, http.StatusOK, "audit", "layout", u.page(r, v, "audit", "title.audit", struct{ Entries []auditRow }{rows}))
}

// statsWindow is the period of the transparency page.
const statsWindow = 30 * 24 * time.Hour

// stats shows the transparency figures of the last 30 days.
func (u *ui) stats(w http.ResponseWriter, r *http.Request, v *visit) {
	now := u.Now()
	rep, err := u.Referrals.Transparency(r.Context(), v.P, now.Add(-statsWindow), now)
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	u.render(w, r, http.StatusOK, "stats", "layout", u.page(r, v, "stats", "title.stats", struct{ Report *referral.Report }{rep}))
}

// webhookData is the webhook page's data.
type webhookData struct {
	Endpoint *org.Endpoint
	Current  string // the stored URL
	URL      string // the URL in the form
	Errors   map[string]string
}

// webhookForm shows the organisation's webhook endpoint.
func (u *ui) webhookForm(w http.ResponseWriter, r *http.Request, v *visit) {
	u.showWebhook(w, r, v, http.StatusOK, nil, nil)
}

func (u *ui) showWebhook(w http.ResponseWriter, r *http.Request, v *visit, status int, typed *string, errs map[string]string) {
	ep, err := u.Orgs.Endpoint(r.Context(), v.P.OrgID)
	if err != nil && vigie.ErrorCode(err) != vigie.ENotFound {
		u.fail(w, r, v, err)
		return
	}
	d := webhookData{Endpoint: ep, Errors: errs}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if ep != nil {
		d.Current, d.URL = ep.URL, ep.URL
	}
	if typed != nil {
		d.URL = *typed
	}
	pv := u.page(r, v, "webhook", "title.webhook", d)
	pv.Path = "/settings/webhook"
	u.render(w, r, status, "webhook", "layout", pv)
}

// setWebhook sets (or, empty, removes) the endpoint.
func (u *ui) setWebhook(w http.ResponseWriter, r *http.Request, v *visit) {
	raw := strings.TrimSpace(r.PostForm.Get("url"))
	_, err := u.Orgs.SetEndpoint(r.Context(), v.P.OrgID, raw, u.CheckWebhookURL)
	if e := vigie.AsError(err); e != nil && e.Code == vigie.EInvalid {
		u.showWebhook(w, r, v, http.StatusUnprocessableEntity, &raw, map[string]string{"url": v.L.ErrMessage(e.Message)})
		return
	} else if err != nil {
		u.fail(w, r, v, err)
		return
	}
	seeOther(w, r, "/settings/webhook", "webhook")
}
