package webui

import (
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/referral"
)

// One handler per action a party can take on a referral. Each turns its
// form into a referral.Event for Referrals.Act; the service decides who may
// send what in which state. On success the browser goes back to "next"
// (the queue or the detail page) with a confirmation; on failure the
// detail page shows the message beside the field, with what was typed.

// acknowledge confirms receipt (platform). It starts the clock if no
// delivery did.
func (u *ui) acknowledge(w http.ResponseWriter, r *http.Request, v *visit) {
	u.act(w, r, v, referral.Event{Type: referral.EventAcknowledged}, "acknowledged", nil)
}

// markActioned reports removal or disabling (platform, Annex II), with
// optional content hashes, one per line.
func (u *ui) markActioned(w http.ResponseWriter, r *http.Request, v *visit) {
	pf := r.PostForm
	vals := map[string]string{"content_hashes": pf.Get("content_hashes"), "feedback": pf.Get("feedback")}
	hashes, lines := splitLines(pf.Get("content_hashes"))
	if len(hashes) > 100 {
		u.actionFailed(w, r, v, vigie.Invalid("content_hashes", "list at most 100 hashes"), vals)
		return
	}
	for i, h := range hashes {
		if err := referral.CheckContentHash(h); err != nil {
			u.actionFailed(w, r, v, vigie.Invalid("content_hashes", "%s", v.L.T("f.line", lines[i], err.Error())), vals)
			return
		}
	}
	if utf8.RuneCountInString(pf.Get("feedback")) > 5000 {
		u.actionFailed(w, r, v, vigie.Invalid("feedback", "must be at most 5000 characters"), vals)
		return
	}
	u.act(w, r, v, referral.Event{Type: referral.EventActioned, Action: referral.Action(pf.Get("action")),
		ContentHashes: hashes, Text: pf.Get("feedback")}, "actioned", vals)
}

// declareImpossible states an Annex III ground (platform); the clock stops.
func (u *ui) declareImpossible(w http.ResponseWriter, r *http.Request, v *visit) {
	pf := r.PostForm
	vals := map[string]string{"reason": pf.Get("reason"), "explanation": pf.Get("explanation")}
	if pf.Get("reason") == "" {
		u.actionFailed(w, r, v, vigie.Invalid("reason", "is required"), vals)
		return
	}
	u.act(w, r, v, referral.Event{Type: referral.EventImpossible, Reason: referral.ImpossibilityReason(pf.Get("reason")),
		Text: pf.Get("explanation")}, "impossible", vals)
}

// reject declines a terms-of-service referral with reasons (platform).
func (u *ui) reject(w http.ResponseWriter, r *http.Request, v *visit) {
	text := r.PostForm.Get("reasons")
	u.act(w, r, v, referral.Event{Type: referral.EventRejected, Text: text}, "rejected", map[string]string{"reasons": text})
}

// recordComplaint records the content provider's complaint (platform).
func (u *ui) recordComplaint(w http.ResponseWriter, r *http.Request, v *visit) {
	text := r.PostForm.Get("complaint")
	u.act(w, r, v, referral.Event{Type: referral.EventComplaint, Text: text}, "complaint", map[string]string{"complaint": text})
}

// decideComplaint upholds the removal or reinstates the content (platform).
func (u *ui) decideComplaint(w http.ResponseWriter, r *http.Request, v *visit) {
	text := r.PostForm.Get("reasons")
	u.act(w, r, v, referral.Event{Type: referral.EventComplaintDecided, Reinstate: r.PostForm.Get("reinstate") == "1", Text: text},
		"decided", map[string]string{"reasons": text})
}

// clarify answers an impossibility (authority); the full time restarts.
func (u *ui) clarify(w http.ResponseWriter, r *http.Request, v *visit) {
	text := r.PostForm.Get("clarification")
	u.act(w, r, v, referral.Event{Type: referral.EventClarified, Text: text}, "clarified", map[string]string{"clarification": text})
}

// withdraw withdraws a referral or order (authority).
func (u *ui) withdraw(w http.ResponseWriter, r *http.Request, v *visit) {
	text := r.PostForm.Get("reason")
	u.act(w, r, v, referral.Event{Type: referral.EventWithdrawn, Text: text}, "withdrawn", map[string]string{"reason": text})
}

// act applies e to the referral named in the path and redirects.
func (u *ui) act(w http.ResponseWriter, r *http.Request, v *visit, e referral.Event, done string, vals map[string]string) {
	id := r.PathValue("id")
	if _, err := u.Referrals.Act(r.Context(), v.P, id, e); err != nil {
		u.actionFailed(w, r, v, err, vals)
		return
	}
	next, ok := localPath(r.PostForm.Get("next"))
	if !ok {
		next = "/referrals/" + url.PathEscape(id)
	}
	seeOther(w, r, next, done)
}

// actionFields are the fields of the action forms that can show an error.
var actionFields = map[string]bool{"content_hashes": true, "feedback": true, "reason": true, "explanation": true,
	"reasons": true, "clarification": true, "complaint": true}

// actionFailed shows the referral's page with the error: beside its field
// (422) or above the page (409 for a state conflict, 422 otherwise). Errors
// that are not about the input (not found, internal) get their own page.
func (u *ui) actionFailed(w http.ResponseWriter, r *http.Request, v *visit, err error, vals map[string]string) {
	e := vigie.AsError(err)
	if e == nil || (e.Code != vigie.EInvalid && e.Code != vigie.EConflict) {
		u.fail(w, r, v, err)
		return
	}
	status := http.StatusUnprocessableEntity
	if e.Code == vigie.EConflict {
		status = http.StatusConflict
	}
	field, _ := splitField(e.Field)
	if actionFields[field] {
		u.showDetail(w, r, v, status, r.PathValue("id"), map[string]string{field: v.L.ErrMessage(e.Message)}, vals, "")
		return
	}
	general := v.L.ErrMessage(e.Message)
	if e.Code == vigie.EConflict {
		general = v.L.T("err.conflict")
	}
	u.showDetail(w, r, v, status, r.PathValue("id"), nil, vals, general)
}
