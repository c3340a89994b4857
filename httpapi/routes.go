package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vigie-project/vigie/cap"
)

// routes is the API's one route table.
func (a *API) routes() {
	op := func(id, method, path, summary, tag string, status int) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{tag},
			DefaultStatus: status, MaxBodyBytes: MaxBody, Security: []map[string][]string{{"apiKey": {}}}}
	}
	const (
		get, post, put = http.MethodGet, http.MethodPost, http.MethodPut
		ref            = "Referrals"
	)
	register(a, op("create-referral", post, "/v1/referrals", "Issue a referral or a removal order (authorities)", ref, 201), a.createReferral)
	register(a, op("list-referrals", get, "/v1/referrals", "List the referrals you issued or received", ref, 200), a.listReferrals)
	register(a, op("get-referral", get, "/v1/referrals/{id}", "Read a referral", ref, 200), a.getReferral)
	register(a, op("acknowledge-referral", post, "/v1/referrals/{id}/acknowledge", "Acknowledge receipt (platforms)", ref, 200), a.acknowledge)
	register(a, op("action-referral", post, "/v1/referrals/{id}/action", "Report removal or disabling, Annex II (platforms)", ref, 200), a.action)
	register(a, op("impossible-referral", post, "/v1/referrals/{id}/impossible", "Declare impossibility, Annex III: stops the clock (platforms)", ref, 200), a.impossible)
	register(a, op("reject-referral", post, "/v1/referrals/{id}/reject", "Decline a terms-of-service referral with reasons (platforms)", ref, 200), a.reject)
	register(a, op("clarify-referral", post, "/v1/referrals/{id}/clarify", "Answer an impossibility: restarts the full deadline (authorities)", ref, 200), a.clarify)
	register(a, op("withdraw-referral", post, "/v1/referrals/{id}/withdraw", "Withdraw (authorities)", ref, 200), a.withdraw)
	register(a, op("complain-referral", post, "/v1/referrals/{id}/complaint", "Record the content provider's complaint (platforms)", ref, 200), a.complain)
	register(a, op("decide-complaint", post, "/v1/referrals/{id}/complaint/decision", "Decide a complaint: reinstate or uphold (platforms)", ref, 200), a.decideComplaint)
	register(a, op("referral-history", get, "/v1/referrals/{id}/history", "The referral's audit entries, newest first", ref, 200), a.history)
	register(a, op("get-preservation", get, "/v1/referrals/{id}/preservation", "The preservation record of removed content (Art. 6)", ref, 200), a.getPreservation)
	register(a, op("hold-preservation", post, "/v1/referrals/{id}/preservation/hold", "Extend preservation (issuing authority)", ref, 200), a.holdPreservation)
	register(a, op("referral-stats", get, "/v1/stats/referrals", "Transparency figures per platform and kind", "Transparency", 200), a.stats)
	register(a, op("statements-of-reasons", get, "/v1/statements", "DSA Transparency Database statements of reasons for your decisions (platforms)", "Transparency", 200), a.statements)
	register(a, op("audit-chain", get, "/v1/audit/chain", "The whole audit chain, to verify it yourself; other organisations' data withheld", "Audit", 200), a.auditChain)
	const hashes = "Hash sharing"
	upload := func(o huma.Operation) huma.Operation { o.MaxBodyBytes = MaxUpload; return o }
	register(a, op("list-banks", get, "/v1/banks", "List the hash banks and their sizes", hashes, 200), a.listBanks)
	register(a, op("create-bank", post, "/v1/banks", "Create a bank (members)", hashes, 201), a.createBank)
	register(a, op("get-bank", get, "/v1/banks/{name}", "Read a bank's settings", hashes, 200), a.getBank)
	register(a, op("update-bank", put, "/v1/banks/{name}", "Change a bank's settings (its owner)", hashes, 200), a.updateBank)
	register(a, op("contribute-signals", post, "/v1/banks/{name}/signals", "Contribute hashes to a bank (members); all or nothing", hashes, 201), a.contribute)
	register(a, upload(op("contribute-media", post, "/v1/banks/{name}/media", "Hash a photo or video and contribute its hashes (members)", hashes, 201)), a.contributeMedia)
	register(a, op("list-signals", get, "/v1/banks/{name}/signals", "List a bank's hashes (members)", hashes, 200), a.listSignals)
	register(a, op("bank-delta", get, "/v1/banks/{name}/delta", "The bank's changes after a checkpoint, for incremental sync (members)", hashes, 200), a.delta)
	register(a, op("bank-stats", get, "/v1/banks/{name}/stats", "A bank's growth, matches over time, disputes and quarantines", hashes, 200), a.bankStats)
	register(a, op("get-signal", get, "/v1/signals/{id}", "Read one hash (members)", hashes, 200), a.getSignal)
	register(a, op("signal-feedback", post, "/v1/signals/{id}/feedback", "Agree or disagree with another member's hash", hashes, 200), a.feedback)
	register(a, op("reinstate-signal", post, "/v1/signals/{id}/reinstate", "Reinstate a quarantined hash (its contributor or the bank's owner)", hashes, 200), a.reinstateSignal)
	register(a, op("remove-signal", post, "/v1/signals/{id}/remove", "Withdraw a hash (its contributor or the bank's owner)", hashes, 200), a.removeSignal)
	register(a, op("match", post, "/v1/match", "Match media by its hashes", hashes, 200), a.match)
	register(a, upload(op("match-media", post, "/v1/match/media", "Hash an uploaded photo or video and match it", hashes, 200)), a.matchMedia)
	register(a, op("bank-referral", post, "/v1/referrals/{id}/bank", "Put the hashes of the media removed for a referral into a bank (the platform)", ref, 201), a.bankReferral)
	// Alerts: authorities write CAP alerts; a second person approves them
	// in the web interface (API keys cannot); the public reads them in
	// the feeds (feeds.go).
	const alerts = "Alerts"
	described := func(o huma.Operation, d string) huma.Operation { o.Description = d; return o }
	register(a, op("create-alert", post, "/v1/alerts", "Write an alert: Actual waits for approval, Exercise and Test go out at once (authorities)", alerts, 201), a.createAlert)
	register(a, op("list-alerts", get, "/v1/alerts", "List your authority's alert messages", alerts, 200), a.listAlerts)
	register(a, op("preview-alert", post, "/v1/alerts/preview", "Validate a draft and show its warnings and reach; nothing is stored", alerts, 200), a.previewAlert)
	register(a, op("alert-templates", get, "/v1/alerts/templates", "Ready-made alerts in French, English and Arabic", alerts, 200), a.alertTemplates)
	register(a, op("get-alert", get, "/v1/alerts/{id}", "Read an alert message", alerts, 200), a.getAlert)
	capOp := op("get-alert-cap", get, "/v1/alerts/{id}/cap", "The message's CAP 1.2 document (application/cap+xml)", alerts, 200)
	capOp.Responses = map[string]*huma.Response{"200": {Description: "The CAP 1.2 document; for a message not yet published, sent is its creation.",
		Content: map[string]*huma.MediaType{cap.MIMECAP: {Schema: &huma.Schema{Type: "string"}}}}}
	register(a, capOp, a.alertCAP)
	register(a, op("alert-reach", get, "/v1/alerts/{id}/reach", "Who the message reaches: platforms and subscribers", alerts, 200), a.alertReach)
	register(a, described(op("approve-alert", post, "/v1/alerts/{id}/approve", "Approve a message awaiting approval: it goes out (a second person)", alerts, 200),
		"Two-person rule: the approver is a person of the same authority, signed in, who did not write the message. "+
			"An API key can never approve (403 forbidden), so no machine can be the second person: approve in the web interface."), a.approveAlert)
	register(a, op("reject-alert", post, "/v1/alerts/{id}/reject", "Refuse a message awaiting approval, with the reason", alerts, 200), a.rejectAlert)
	register(a, described(op("update-alert", post, "/v1/alerts/{id}/update", "Write an Update of a live alert: a new message that replaces its whole content", alerts, 201),
		"The Update references every earlier published message of the alert; like any Actual message it waits for approval, "+
			"and when it goes out the earlier messages are superseded."), a.updateAlert)
	register(a, op("cancel-alert", post, "/v1/alerts/{id}/cancel", "Write a Cancel of a live alert: a message without instructions that ends it", alerts, 201), a.cancelAlert)
	register(a, op("all-clear-alert", post, "/v1/alerts/{id}/all-clear", "End a live alert in one call: an Update with the all-clear texts", alerts, 201), a.allClearAlert)
	register(a, op("list-orgs", get, "/v1/orgs", "Organisations you can address", "Organisations", 200), a.listOrgs)
	register(a, op("get-webhook", get, "/v1/webhook", "Your webhook endpoint and Vigie's signing key", "Webhooks", 200), a.getWebhook)
	register(a, op("set-webhook", put, "/v1/webhook", "Set or remove your webhook endpoint", "Webhooks", 200), a.setWebhook)
	register(a, op("list-deliveries", get, "/v1/webhook/deliveries", "Your recent webhook deliveries", "Webhooks", 200), a.listDeliveries)
}

// register adds an operation whose handler errors are mapped to problem
// details in one place.
func register[I, O any](a *API, op huma.Operation, h func(context.Context, *I) (*O, error)) {
	huma.Register(a.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, problem(ctx, a.Log, err)
		}
		return out, nil
	})
}
