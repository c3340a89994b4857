package webui

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/referral"
)

// This file is the UI's message catalogue: every string a person reads,
// per language, and the formatting of dates, times and numbers.
//
// To add a language: add a *locale to languages (see Arabic, Tag "ar" and
// Dir "rtl": the stylesheet uses logical properties, so the layout mirrors
// by itself, plus a few right-to-left fixes at the end of app.css), and
// give it every key of English (TestCatalogue checks). A key missing in a
// language falls back to English.

// locale is one language of the UI.
type locale struct {
	Tag     string            // BCP 47, put in <html lang>
	Dir     string            // "ltr" or "rtl", put in <html dir>
	Name    string            // the language's own name, for the switcher
	months  [12]string        // abbreviated month names (full where none are customary)
	decimal string            // decimal separator
	msg     map[string]string // message key → text (fmt verbs allowed)
}

// languages are the UI's languages; the first is the fallback.
var languages = []*locale{english, french, arabic}

var (
	byTag   = map[string]*locale{}
	matcher language.Matcher
)

func init() {
	tags := make([]language.Tag, len(languages))
	for i, l := range languages {
		byTag[l.Tag] = l
		tags[i] = language.MustParse(l.Tag)
	}
	matcher = language.NewMatcher(tags)
}

// pickLocale chooses the language: the "lang" cookie, else the best match
// of Accept-Language, else English.
func pickLocale(r *http.Request) *locale {
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := byTag[c.Value]; ok {
			return l
		}
	}
	if h := r.Header.Get("Accept-Language"); h != "" && len(h) < 1000 {
		if tags, _, err := language.ParseAcceptLanguage(h); err == nil && len(tags) > 0 {
			_, i, conf := matcher.Match(tags...)
			if conf != language.No {
				return languages[i]
			}
		}
	}
	return languages[0]
}

// choice is an entry of the language switcher.
type choice struct{ Tag, Name string }

// Choices lists the languages for the switcher.
func (l *locale) Choices() []choice {
	out := make([]choice, len(languages))
	for i, x := range languages {
		out[i] = choice{x.Tag, x.Name}
	}
	return out
}

func (l *locale) has(key string) bool {
	_, ok := l.msg[key]
	return ok
}

// T returns the text of key, formatted with args. A key missing in l falls
// back to English, then to the key itself (visible, so it gets noticed).
func (l *locale) T(key string, args ...any) string {
	s, ok := l.msg[key]
	if !ok {
		if s, ok = english.msg[key]; !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// State, Kind, OrgKind, Reason and ContentType name enumerations.
func (l *locale) State(s referral.State) string                { return l.T("state." + string(s)) }
func (l *locale) Kind(k referral.Kind) string                  { return l.T("kind." + string(k)) }
func (l *locale) OrgKind(k org.Kind) string                    { return l.T("org." + string(k)) }
func (l *locale) Reason(r referral.ImpossibilityReason) string { return l.T("reason." + string(r)) }
func (l *locale) ContentType(c referral.ContentType) string    { return l.T("ct." + string(c)) }

// AuditAction names an audit action ("referral.acknowledged"); unknown
// actions are shown as they are.
func (l *locale) AuditAction(a string) string {
	if l.has("audit.a."+a) || english.has("audit.a."+a) {
		return l.T("audit.a." + a)
	}
	return a
}

// ErrMessage translates a service's validation message when the catalogue
// knows it ("msg." + message), and otherwise shows it as a sentence.
func (l *locale) ErrMessage(m string) string {
	if l.has("msg."+m) || english.has("msg."+m) {
		return l.T("msg." + m)
	}
	if m == "" {
		return m
	}
	r, n := utf8.DecodeRuneInString(m)
	m = string(unicode.ToUpper(r)) + m[n:]
	if !strings.HasSuffix(m, ".") && !strings.HasSuffix(m, ")") {
		m += "."
	}
	return m
}

// asTime accepts a time.Time or a *time.Time (templates hold both).
func asTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t.UTC(), !t.IsZero()
	case *time.Time:
		if t != nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// Time is "22:14 UTC". All times are shown in UTC, marked so.
func (l *locale) Time(v any) string {
	t, ok := asTime(v)
	if !ok {
		return "—"
	}
	return t.Format("15:04") + " UTC"
}

// Stamp is the full time with seconds, for the audit log.
func (l *locale) Stamp(v any) string {
	t, ok := asTime(v)
	if !ok {
		return "—"
	}
	return l.T("fmt.datetime", l.Date(t), t.Format("15:04:05")+" UTC")
}

// Date is "7 Mar 2026" / "7 mars 2026".
func (l *locale) Date(v any) string {
	t, ok := asTime(v)
	if !ok {
		return "—"
	}
	return fmt.Sprintf("%d %s %d", t.Day(), l.months[t.Month()-1], t.Year())
}

// DateTime is "7 Mar 2026, 22:14 UTC" / "7 mars 2026 à 22:14 UTC".
func (l *locale) DateTime(v any) string {
	t, ok := asTime(v)
	if !ok {
		return "—"
	}
	return l.T("fmt.datetime", l.Date(t), l.Time(t))
}

// When is Time for today (UTC) and DateTime otherwise: short in lists.
func (l *locale) When(v any, now time.Time) string {
	t, ok := asTime(v)
	if !ok {
		return "—"
	}
	n := now.UTC()
	if t.Year() == n.Year() && t.YearDay() == n.YearDay() {
		return l.Time(t)
	}
	return l.DateTime(t)
}

// Num formats f with prec decimals and the language's separator.
func (l *locale) Num(f float64, prec int) string {
	return strings.Replace(strconv.FormatFloat(f, 'f', prec, 64), ".", l.decimal, 1)
}

// Minutes is a whole duration in seconds as "60 min".
func (l *locale) Minutes(seconds int) string {
	if seconds%60 != 0 {
		return l.T("fmt.minutes", l.Num(float64(seconds)/60, 1))
	}
	return l.T("fmt.minutes", strconv.Itoa(seconds/60))
}

// MinutesF is a measured duration in seconds as "12.5 min".
func (l *locale) MinutesF(seconds float64) string {
	return l.T("fmt.minutes", l.Num(seconds/60, 1))
}

// Percent is a share (0 to 1) as "97%" / "97 %".
func (l *locale) Percent(share float64) string {
	return l.T("fmt.percent", pct(share))
}

// pct is a share (0 to 1) in whole per cent, bounded to 0..100.
func pct(share float64) int {
	return int(math.Round(math.Max(0, math.Min(1, share)) * 100))
}

// clockView is what the "clock" template shows for a referral: a live
// countdown while a clock runs, time since issue while it waits for
// receipt, and the outcome once closed.
type clockView struct {
	Deadline     string // RFC 3339; set while a clock runs
	Text         string // as of the render; the script updates it
	Class        string // "soon" under 10 minutes, "over" past the deadline
	OverdueLabel string
	Since        string // RFC 3339 issue time, while pending
	SinceTitle   string
	Label        string
	Badge        string // CSS class of the outcome badge
}

// soon is when a countdown turns red.
const soon = 10 * time.Minute

// Clock describes the clock of r at now.
func (l *locale) Clock(r *referral.Referral, now time.Time) clockView {
	c := clockView{OverdueLabel: l.T("clock.overdue")}
	switch {
	case r.Deadline != nil:
		c.Deadline = r.Deadline.UTC().Format(time.RFC3339)
		left := r.Deadline.Sub(now)
		switch {
		case left < 0:
			c.Text, c.Class = c.OverdueLabel+" +"+clockText(-left), "over"
		case left < soon:
			c.Text, c.Class = clockText(left), "soon"
		default:
			c.Text = clockText(left)
		}
	case r.State == referral.StatePending:
		c.Label = l.T("clock.pending")
		c.Since = r.IssuedAt.UTC().Format(time.RFC3339)
		c.SinceTitle = l.T("clock.since")
		c.Text = "+" + clockText(max(0, now.Sub(r.IssuedAt)))
	case r.State == referral.StateImpossible:
		c.Label = l.T("clock.stopped")
	case r.ActedAt != nil:
		if r.OnTime {
			c.Label, c.Badge = l.T("clock.ontime"), "ontime"
		} else {
			c.Label, c.Badge = l.T("clock.late"), "late"
		}
	default:
		c.Label = "—"
	}
	return c
}

// clockText is "m:ss" under an hour and "h:mm:ss" above (static/app.js
// formats the same way).
func clockText(d time.Duration) string {
	s := int64(d / time.Second)
	h, m := s/3600, s%3600/60
	s %= 60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}

var english = &locale{
	Tag: "en", Dir: "ltr", Name: "English", decimal: ".",
	months: [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	msg: map[string]string{
		"fmt.datetime": "%s, %s",
		"fmt.minutes":  "%s min",
		"fmt.percent":  "%d%%",

		"nav.skip":      "Skip to content",
		"nav.label":     "Main",
		"nav.referrals": "Issued",
		"nav.new":       "New order or referral",
		"nav.queue":     "Queue",
		"nav.stats":     "Transparency",
		"nav.audit":     "Audit log",
		"nav.webhook":   "Webhook",
		"nav.language":  "Language",
		"nav.logout":    "Log out",
		"foot.times":    "All times are in UTC.",

		"org.authority": "authority",
		"org.platform":  "platform",
		"org.ngo":       "civil society",

		"kind.referral":      "Referral",
		"kind.removal_order": "Removal order",

		"state.pending":      "Not yet received",
		"state.received":     "Received",
		"state.acknowledged": "Acknowledged",
		"state.overdue":      "Overdue",
		"state.impossible":   "Impossible",
		"state.actioned":     "Actioned",
		"state.rejected":     "Rejected",
		"state.withdrawn":    "Withdrawn",
		"state.complaint":    "Complaint",
		"state.reinstated":   "Reinstated",

		"reason.force_majeure":            "Force majeure or de facto impossibility, including technical or operational reasons",
		"reason.manifest_error":           "The order contains manifest errors",
		"reason.insufficient_information": "The order does not contain sufficient information",

		"ct.a": "incites the commission of terrorist offences, for example by glorifying terrorist acts",
		"ct.b": "solicits a person or a group to commit, or contribute to the commission of, terrorist offences",
		"ct.c": "solicits a person or a group to participate in the activities of a terrorist group",
		"ct.d": "provides instruction on making or using explosives, firearms, other weapons or noxious or hazardous substances, or on other methods for committing terrorist offences",
		"ct.e": "constitutes a threat to commit a terrorist offence",

		"action.removed":  "Content removed",
		"action.disabled": "Access disabled in all Member States",

		"esc.badge": "%d %%",
		"esc.title": "Escalation: %d %% of the time has passed",

		"clock.overdue": "overdue",
		"clock.pending": "Clock not started",
		"clock.since":   "Time since issue; the clock starts on receipt",
		"clock.stopped": "Clock stopped",
		"clock.ontime":  "On time",
		"clock.late":    "Late",

		"col.timeleft":  "Time left",
		"col.state":     "State",
		"col.reference": "Reference",
		"col.platform":  "Platform",
		"col.authority": "Authority",
		"col.issued":    "Issued",
		"col.outcome":   "Outcome",

		"title.login":     "Log in",
		"title.referrals": "Issued referrals and orders",
		"title.new":       "New removal order or referral",
		"title.queue":     "Queue",
		"title.audit":     "Audit log",
		"title.stats":     "Transparency",
		"title.webhook":   "Webhook",

		"list.title":   "Issued referrals and removal orders",
		"list.new":     "New order or referral",
		"list.caption": "Referrals and removal orders you issued, newest first",
		"list.empty":   "You have not issued anything yet.",
		"list.updated": "Updated at %s; refreshes every 10 seconds.",

		"queue.title":    "Queue: awaiting your answer",
		"queue.intro":    "Most urgent first. Orders not yet received are at the top: their one-hour clock starts as soon as you receive or acknowledge them.",
		"queue.recent":   "Recently answered",
		"queue.from":     "From %s",
		"queue.issued":   "issued %s",
		"queue.deadline": "deadline %s",
		"queue.more":     "and %d more URLs (open the referral)",
		"queue.empty":    "Nothing is waiting for you.",

		"act.ack":                    "Acknowledge receipt",
		"act.removed":                "Content removed",
		"act.disabled":               "Access disabled",
		"act.hashes.summary":         "Add content hashes or a note (optional)",
		"act.hashes":                 "Content hashes",
		"act.hashes.hint":            "One per line: sha256:HEX, md5:HEX or pdq:HEX.",
		"act.hashes.then":            "Then press “Content removed” or “Access disabled” above.",
		"act.feedback":               "Note to the authority",
		"act.impossible":             "Cannot comply (Annex III)…",
		"act.impossible.hint":        "This stops the clock until the authority clarifies; the full time then starts again.",
		"act.impossible.reason":      "Reason",
		"act.impossible.explanation": "Explanation: what is needed to comply",
		"act.impossible.submit":      "Declare impossibility",
		"act.reject":                 "Reject this referral…",
		"act.reject.reasons":         "Reasons for rejecting",
		"act.reject.submit":          "Reject referral",
		"act.complaint":              "Record a complaint by the content provider…",
		"act.complaint.text":         "Complaint",
		"act.complaint.submit":       "Record complaint",
		"act.decide":                 "Decide the complaint",
		"act.decide.reasons":         "Reasons for the decision",
		"act.decide.uphold":          "Uphold the removal",
		"act.decide.reinstate":       "Reinstate the content",
		"act.clarify":                "The platform cannot comply: clarify",
		"act.clarify.hint":           "Sending a clarification restarts the full deadline.",
		"act.clarify.text":           "Clarification",
		"act.clarify.submit":         "Send clarification",
		"act.withdraw":               "Withdraw…",
		"act.withdraw.reason":        "Reason (optional)",
		"act.withdraw.submit":        "Withdraw",

		"done.created":      "Sent. The platform has been notified.",
		"done.acknowledged": "Receipt acknowledged. The clock is running.",
		"done.actioned":     "Recorded: the content was removed or disabled.",
		"done.impossible":   "Impossibility declared. The clock is stopped until the authority clarifies.",
		"done.rejected":     "Referral rejected.",
		"done.clarified":    "Clarification sent. The full deadline starts again.",
		"done.withdrawn":    "Withdrawn.",
		"done.complaint":    "Complaint recorded.",
		"done.decided":      "Decision recorded.",
		"done.webhook":      "Webhook endpoint saved.",

		"new.title":               "New removal order or referral",
		"new.submit":              "Send",
		"form.errors":             "Please correct this:",
		"form.choose":             "— Choose —",
		"form.required":           "This is required.",
		"form.cancel":             "Cancel",
		"f.kind":                  "Kind",
		"f.kind.order.hint":       "Binding (EU 2021/784). The platform must act within one hour of receipt.",
		"f.kind.referral.hint":    "A request to check the content against the platform's terms. 90 minutes unless you set another target.",
		"f.platform":              "Platform",
		"f.reference":             "Your reference",
		"f.reference.hint":        "Your file number; unique among your referrals.",
		"f.section.content":       "Content",
		"f.urls":                  "URLs",
		"f.urls.hint":             "The exact URLs of the content, one per line (at most 100).",
		"f.types":                 "Type of terrorist content (Art. 2(7))",
		"f.types.hint":            "Tick at least one. The content…",
		"f.details":               "Additional information",
		"f.details.hint":          "Optional: what identifies the content (time code, post text…).",
		"f.reasons":               "Statement of reasons",
		"f.reasons.hint":          "Why the content is terrorist content.",
		"f.section.legal":         "Legal and contact",
		"f.legal_basis":           "Legal basis",
		"f.order_only":            "Required for removal orders.",
		"f.redress":               "Redress",
		"f.redress.hint":          "Required for removal orders: court, time limit and procedure to challenge the order.",
		"f.issuer_name":           "Issued by",
		"f.issuer_name.hint":      "Name and position. Required for removal orders.",
		"f.issuer_contact":        "Contact for follow-up",
		"f.issuer_contact.hint":   "Optional: e-mail or telephone.",
		"f.nondisclosure":         "Do not inform the content provider until",
		"f.nondisclosure.hint":    "Optional, in UTC, at most six weeks from now (Art. 11(3)).",
		"f.crossborder":           "Cross-border order",
		"f.crossborder.hint":      "Issued by another Member State than that of the platform's main establishment (Art. 4).",
		"f.target":                "Target time in minutes",
		"f.target.hint":           "Referrals only: 5 to 10080, default 90. Leave empty for a removal order (always 60 minutes from receipt).",
		"f.target.notnumber":      "Enter a whole number of minutes.",
		"f.nondisclosure.bad":     "Enter a date and time (UTC).",
		"f.line":                  "Line %d: %s",
		"msg.is required":         "This is required.",
		"msg.must be valid UTF-8": "Must be valid text (UTF-8).",

		"d.back.list":       "Issued referrals and orders",
		"d.back.queue":      "Queue",
		"d.clock":           "Clock",
		"d.deadline":        "Deadline",
		"d.target":          "Time allowed",
		"d.target.value":    "%s from receipt",
		"d.pending.hint":    "Not yet received by the platform. The %s clock starts on receipt: the first delivery of the notice or the platform's acknowledgement.",
		"d.impossible.hint": "Clock stopped: the platform declared that it cannot comply (Annex III). The full time starts again when the authority clarifies.",
		"d.actions":         "Actions",
		"d.annex1":          "Order (Annex I)",
		"d.authority":       "Issuing authority",
		"d.issued":          "Issued",
		"d.none":            "None",
		"d.yes":             "Yes",
		"d.no":              "No",
		"d.outcome":         "Answer",
		"d.received":        "Received",
		"d.notyet":          "Not yet",
		"d.acknowledged":    "Acknowledged",
		"d.action":          "Measure",
		"d.impossibility":   "Impossibility",
		"d.withdrawn":       "Withdrawn",
		"d.timeline":        "Timeline (audit log)",
		"d.timeline.empty":  "No entries.",

		"login.title":     "Log in to Vigie",
		"login.email":     "E-mail address",
		"login.password":  "Password",
		"login.submit":    "Log in",
		"login.help":      "Lost access? Ask your organisation's Vigie administrator.",
		"login.wrong":     "Wrong e-mail address or password.",
		"login.throttled": "Too many failed attempts from your connection. Wait a minute, then try again.",
		"login.expired":   "This login form had expired. Please try again.",

		"err.title":          "Error",
		"err.status":         "Error %d.",
		"err.home":           "Go to my home page",
		"err.crossorigin":    "Refused: this form was sent from another site.",
		"err.csrf":           "Refused: this form was out of date or not sent from Vigie. Reload the page and try again.",
		"err.role.authority": "This page is for authorities.",
		"err.role.platform":  "This page is for platforms.",
		"err.role.ngo":       "This page is for civil-society organisations.",
		"err.notfound":       "Not found.",
		"err.forbidden":      "You may not do this.",
		"err.conflict":       "This cannot be done in the current state; someone may have acted first. Reload the page.",
		"err.invalid":        "Invalid request.",
		"err.toolarge":       "Too much data sent.",
		"err.badform":        "The form could not be read.",
		"err.internal":       "Internal error. It has been logged; please try again.",

		"audit.title":   "Audit log",
		"audit.intro":   "Every change made on behalf of your organisation, newest first. Each entry is chained to the previous one by its hash.",
		"audit.seq":     "No.",
		"audit.time":    "Time",
		"audit.actor":   "Actor",
		"audit.action":  "Action",
		"audit.subject": "Subject",
		"audit.hash":    "Hash",
		"audit.empty":   "No entries yet.",

		"audit.a.referral.created":           "Issued",
		"audit.a.referral.delivered":         "Delivered: received",
		"audit.a.referral.acknowledged":      "Acknowledged",
		"audit.a.referral.actioned":          "Removed or disabled",
		"audit.a.referral.impossible":        "Declared impossible",
		"audit.a.referral.clarified":         "Clarified",
		"audit.a.referral.rejected":          "Rejected",
		"audit.a.referral.withdrawn":         "Withdrawn",
		"audit.a.referral.escalated":         "Escalated",
		"audit.a.referral.complaint":         "Complaint recorded",
		"audit.a.referral.complaint_decided": "Complaint decided",
		"audit.a.preservation.held":          "Preservation extended",
		"audit.a.preservation.purged":        "Preserved copy deleted",

		"stats.title":     "Transparency: last 30 days",
		"stats.period":    "Referrals and removal orders received from %s to %s, per platform.",
		"stats.kind":      "Kind",
		"stats.received":  "Received",
		"stats.actioned":  "Actioned",
		"stats.open":      "Open",
		"stats.overdue":   "%d overdue",
		"stats.median":    "Median",
		"stats.medianack": "Median to acknowledge",
		"stats.p95":       "95th percentile",
		"stats.within":    "Within deadline",
		"stats.note":      "Times run from receipt to the measure the platform reported. Withdrawn referrals are not counted.",
		"stats.empty":     "Nothing received in the last 30 days.",

		"wh.title":    "Webhook endpoint",
		"wh.intro":    "Vigie sends signed notices (Standard Webhooks, Ed25519) to this URL. Leave it empty to poll the API instead.",
		"wh.disabled": "Deliveries to this endpoint are disabled.",
		"wh.url":      "Endpoint URL",
		"wh.url.hint": "An https URL reachable from Vigie.",
		"wh.save":     "Save",
		"wh.current":  "Current endpoint: %s",
		"wh.none":     "No endpoint set: your organisation polls the API.",
	},
}

var french = &locale{
	Tag: "fr", Dir: "ltr", Name: "Français", decimal: ",",
	months: [12]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
	msg: map[string]string{
		"fmt.datetime": "%s à %s",
		"fmt.minutes":  "%s min",
		"fmt.percent":  "%d\u202f%%",

		"nav.skip":      "Aller au contenu",
		"nav.label":     "Navigation principale",
		"nav.referrals": "Émis",
		"nav.new":       "Nouvelle injonction ou signalement",
		"nav.queue":     "File d'attente",
		"nav.stats":     "Transparence",
		"nav.audit":     "Journal d'audit",
		"nav.webhook":   "Webhook",
		"nav.language":  "Langue",
		"nav.logout":    "Se déconnecter",
		"foot.times":    "Toutes les heures sont en UTC.",

		"org.authority": "autorité",
		"org.platform":  "plateforme",
		"org.ngo":       "société civile",

		"kind.referral":      "Signalement",
		"kind.removal_order": "Injonction de retrait",

		"state.pending":      "Pas encore reçu",
		"state.received":     "Reçu",
		"state.acknowledged": "Réception confirmée",
		"state.overdue":      "En retard",
		"state.impossible":   "Impossible",
		"state.actioned":     "Exécuté",
		"state.rejected":     "Refusé",
		"state.withdrawn":    "Retiré par l'autorité",
		"state.complaint":    "Réclamation",
		"state.reinstated":   "Rétabli",

		"reason.force_majeure":            "Force majeure ou impossibilité de fait, y compris pour des raisons techniques ou opérationnelles",
		"reason.manifest_error":           "L'injonction contient des erreurs manifestes",
		"reason.insufficient_information": "L'injonction ne contient pas suffisamment d'informations",

		"ct.a": "incite à commettre des infractions terroristes, par exemple en glorifiant des actes terroristes",
		"ct.b": "sollicite une personne ou un groupe pour commettre des infractions terroristes ou y contribuer",
		"ct.c": "sollicite une personne ou un groupe pour participer aux activités d'un groupe terroriste",
		"ct.d": "fournit des instructions pour fabriquer ou utiliser des explosifs, des armes à feu, d'autres armes ou des substances nocives ou dangereuses, ou d'autres méthodes pour commettre des infractions terroristes",
		"ct.e": "constitue une menace de commettre une infraction terroriste",

		"action.removed":  "Contenu retiré",
		"action.disabled": "Accès bloqué dans tous les États membres",

		"esc.badge": "%d\u202f%%",
		"esc.title": "Escalade : %d\u202f%% du délai est écoulé",

		"clock.overdue": "en retard",
		"clock.pending": "Délai non démarré",
		"clock.since":   "Temps écoulé depuis l'émission ; le délai court à partir de la réception",
		"clock.stopped": "Délai suspendu",
		"clock.ontime":  "Dans les délais",
		"clock.late":    "Hors délai",

		"col.timeleft":  "Temps restant",
		"col.state":     "État",
		"col.reference": "Référence",
		"col.platform":  "Plateforme",
		"col.authority": "Autorité",
		"col.issued":    "Émis",
		"col.outcome":   "Issue",

		"title.login":     "Connexion",
		"title.referrals": "Signalements et injonctions émis",
		"title.new":       "Nouvelle injonction ou signalement",
		"title.queue":     "File d'attente",
		"title.audit":     "Journal d'audit",
		"title.stats":     "Transparence",
		"title.webhook":   "Webhook",

		"list.title":   "Signalements et injonctions de retrait émis",
		"list.new":     "Nouvelle injonction ou signalement",
		"list.caption": "Signalements et injonctions que vous avez émis, les plus récents d'abord",
		"list.empty":   "Vous n'avez encore rien émis.",
		"list.updated": "Mis à jour à %s ; actualisé toutes les 10 secondes.",

		"queue.title":    "File d'attente : en attente de votre réponse",
		"queue.intro":    "Les plus urgents d'abord. Les injonctions pas encore reçues sont en tête : leur délai d'une heure commence dès que vous les recevez ou en confirmez la réception.",
		"queue.recent":   "Traités récemment",
		"queue.from":     "De %s",
		"queue.issued":   "émis %s",
		"queue.deadline": "échéance %s",
		"queue.more":     "et %d autres URL (ouvrir le signalement)",
		"queue.empty":    "Rien ne vous attend.",

		"act.ack":                    "Confirmer la réception",
		"act.removed":                "Contenu retiré",
		"act.disabled":               "Accès bloqué",
		"act.hashes.summary":         "Ajouter des empreintes ou une note (facultatif)",
		"act.hashes":                 "Empreintes du contenu",
		"act.hashes.hint":            "Une par ligne : sha256:HEX, md5:HEX ou pdq:HEX.",
		"act.hashes.then":            "Puis appuyez sur « Contenu retiré » ou « Accès bloqué » ci-dessus.",
		"act.feedback":               "Note à l'autorité",
		"act.impossible":             "Exécution impossible (annexe III)…",
		"act.impossible.hint":        "Le délai est suspendu jusqu'à la clarification de l'autorité ; il recommence alors en entier.",
		"act.impossible.reason":      "Motif",
		"act.impossible.explanation": "Explication : ce qu'il faut pour exécuter",
		"act.impossible.submit":      "Déclarer l'impossibilité",
		"act.reject":                 "Refuser ce signalement…",
		"act.reject.reasons":         "Motifs du refus",
		"act.reject.submit":          "Refuser le signalement",
		"act.complaint":              "Enregistrer une réclamation du fournisseur de contenu…",
		"act.complaint.text":         "Réclamation",
		"act.complaint.submit":       "Enregistrer la réclamation",
		"act.decide":                 "Statuer sur la réclamation",
		"act.decide.reasons":         "Motifs de la décision",
		"act.decide.uphold":          "Maintenir le retrait",
		"act.decide.reinstate":       "Rétablir le contenu",
		"act.clarify":                "La plateforme ne peut pas exécuter : clarifier",
		"act.clarify.hint":           "L'envoi d'une clarification fait repartir le délai en entier.",
		"act.clarify.text":           "Clarification",
		"act.clarify.submit":         "Envoyer la clarification",
		"act.withdraw":               "Retirer…",
		"act.withdraw.reason":        "Motif (facultatif)",
		"act.withdraw.submit":        "Retirer",

		"done.created":      "Envoyé. La plateforme a été notifiée.",
		"done.acknowledged": "Réception confirmée. Le délai court.",
		"done.actioned":     "Enregistré : le contenu a été retiré ou bloqué.",
		"done.impossible":   "Impossibilité déclarée. Le délai est suspendu jusqu'à la clarification de l'autorité.",
		"done.rejected":     "Signalement refusé.",
		"done.clarified":    "Clarification envoyée. Le délai repart en entier.",
		"done.withdrawn":    "Retiré.",
		"done.complaint":    "Réclamation enregistrée.",
		"done.decided":      "Décision enregistrée.",
		"done.webhook":      "Adresse du webhook enregistrée.",

		"new.title":               "Nouvelle injonction de retrait ou signalement",
		"new.submit":              "Envoyer",
		"form.errors":             "Veuillez corriger ceci :",
		"form.choose":             "— Choisir —",
		"form.required":           "Ce champ est obligatoire.",
		"form.cancel":             "Annuler",
		"f.kind":                  "Nature",
		"f.kind.order.hint":       "Contraignante (UE 2021/784). La plateforme doit agir dans l'heure suivant la réception.",
		"f.kind.referral.hint":    "Demande d'examen du contenu au regard des conditions de la plateforme. 90 minutes sauf autre objectif.",
		"f.platform":              "Plateforme",
		"f.reference":             "Votre référence",
		"f.reference.hint":        "Votre numéro de dossier ; unique parmi vos signalements.",
		"f.section.content":       "Contenu",
		"f.urls":                  "URL",
		"f.urls.hint":             "Les URL exactes du contenu, une par ligne (100 au plus).",
		"f.types":                 "Type de contenu à caractère terroriste (art. 2, point 7)",
		"f.types.hint":            "Cochez au moins une case. Le contenu…",
		"f.details":               "Informations complémentaires",
		"f.details.hint":          "Facultatif : ce qui permet d'identifier le contenu (horodatage, texte de la publication…).",
		"f.reasons":               "Exposé des motifs",
		"f.reasons.hint":          "Pourquoi le contenu est à caractère terroriste.",
		"f.section.legal":         "Droit et contact",
		"f.legal_basis":           "Base juridique",
		"f.order_only":            "Obligatoire pour une injonction de retrait.",
		"f.redress":               "Voies de recours",
		"f.redress.hint":          "Obligatoire pour une injonction : juridiction, délai et procédure pour la contester.",
		"f.issuer_name":           "Émis par",
		"f.issuer_name.hint":      "Nom et fonction. Obligatoire pour une injonction de retrait.",
		"f.issuer_contact":        "Contact pour le suivi",
		"f.issuer_contact.hint":   "Facultatif : adresse électronique ou téléphone.",
		"f.nondisclosure":         "Ne pas informer le fournisseur de contenu avant le",
		"f.nondisclosure.hint":    "Facultatif, en UTC, au plus six semaines à partir de maintenant (art. 11, par. 3).",
		"f.crossborder":           "Injonction transfrontière",
		"f.crossborder.hint":      "Émise par un autre État membre que celui de l'établissement principal de la plateforme (art. 4).",
		"f.target":                "Délai visé en minutes",
		"f.target.hint":           "Signalements seulement : de 5 à 10080, 90 par défaut. Laissez vide pour une injonction (toujours 60 minutes après réception).",
		"f.target.notnumber":      "Indiquez un nombre entier de minutes.",
		"f.nondisclosure.bad":     "Indiquez une date et une heure (UTC).",
		"f.line":                  "Ligne %d : %s",
		"msg.is required":         "Ce champ est obligatoire.",
		"msg.must be valid UTF-8": "Le texte doit être valide (UTF-8).",

		"d.back.list":       "Signalements et injonctions émis",
		"d.back.queue":      "File d'attente",
		"d.clock":           "Délai",
		"d.deadline":        "Échéance",
		"d.target":          "Délai accordé",
		"d.target.value":    "%s après réception",
		"d.pending.hint":    "Pas encore reçu par la plateforme. Le délai de %s court à partir de la réception : première remise de la notification ou confirmation de la plateforme.",
		"d.impossible.hint": "Délai suspendu : la plateforme a déclaré ne pas pouvoir exécuter (annexe III). Le délai repart en entier après la clarification de l'autorité.",
		"d.actions":         "Actions",
		"d.annex1":          "Injonction (annexe I)",
		"d.authority":       "Autorité émettrice",
		"d.issued":          "Émis",
		"d.none":            "Aucun",
		"d.yes":             "Oui",
		"d.no":              "Non",
		"d.outcome":         "Réponse",
		"d.received":        "Reçu",
		"d.notyet":          "Pas encore",
		"d.acknowledged":    "Réception confirmée",
		"d.action":          "Mesure",
		"d.impossibility":   "Impossibilité",
		"d.withdrawn":       "Retiré",
		"d.timeline":        "Historique (journal d'audit)",
		"d.timeline.empty":  "Aucune entrée.",

		"login.title":     "Connexion à Vigie",
		"login.email":     "Adresse électronique",
		"login.password":  "Mot de passe",
		"login.submit":    "Se connecter",
		"login.help":      "Accès perdu ? Adressez-vous à l'administrateur Vigie de votre organisation.",
		"login.wrong":     "Adresse électronique ou mot de passe incorrect.",
		"login.throttled": "Trop d’essais infructueux depuis votre connexion. Attendez une minute, puis réessayez.",
		"login.expired":   "Ce formulaire de connexion avait expiré. Veuillez réessayer.",

		"err.title":          "Erreur",
		"err.status":         "Erreur %d.",
		"err.home":           "Aller à ma page d'accueil",
		"err.crossorigin":    "Refusé : ce formulaire a été envoyé depuis un autre site.",
		"err.csrf":           "Refusé : ce formulaire était périmé ou n'a pas été envoyé par Vigie. Rechargez la page et réessayez.",
		"err.role.authority": "Cette page est réservée aux autorités.",
		"err.role.platform":  "Cette page est réservée aux plateformes.",
		"err.role.ngo":       "Cette page est réservée aux organisations de la société civile.",
		"err.notfound":       "Introuvable.",
		"err.forbidden":      "Vous ne pouvez pas faire cela.",
		"err.conflict":       "Impossible dans l'état actuel ; quelqu'un a peut-être agi avant vous. Rechargez la page.",
		"err.invalid":        "Requête invalide.",
		"err.toolarge":       "Trop de données envoyées.",
		"err.badform":        "Le formulaire n'a pas pu être lu.",
		"err.internal":       "Erreur interne. Elle a été journalisée ; veuillez réessayer.",

		"audit.title":   "Journal d'audit",
		"audit.intro":   "Chaque modification faite au nom de votre organisation, la plus récente d'abord. Chaque entrée est chaînée à la précédente par son empreinte.",
		"audit.seq":     "N°",
		"audit.time":    "Heure",
		"audit.actor":   "Auteur",
		"audit.action":  "Action",
		"audit.subject": "Objet",
		"audit.hash":    "Empreinte",
		"audit.empty":   "Aucune entrée pour l'instant.",

		"audit.a.referral.created":           "Émis",
		"audit.a.referral.delivered":         "Remis : reçu",
		"audit.a.referral.acknowledged":      "Réception confirmée",
		"audit.a.referral.actioned":          "Retiré ou bloqué",
		"audit.a.referral.impossible":        "Impossibilité déclarée",
		"audit.a.referral.clarified":         "Clarifié",
		"audit.a.referral.rejected":          "Refusé",
		"audit.a.referral.withdrawn":         "Retiré par l'autorité",
		"audit.a.referral.escalated":         "Escalade",
		"audit.a.referral.complaint":         "Réclamation enregistrée",
		"audit.a.referral.complaint_decided": "Réclamation tranchée",
		"audit.a.preservation.held":          "Conservation prolongée",
		"audit.a.preservation.purged":        "Copie conservée supprimée",

		"stats.title":     "Transparence : 30 derniers jours",
		"stats.period":    "Signalements et injonctions reçus du %s au %s, par plateforme.",
		"stats.kind":      "Nature",
		"stats.received":  "Reçus",
		"stats.actioned":  "Exécutés",
		"stats.open":      "En cours",
		"stats.overdue":   "%d en retard",
		"stats.median":    "Médiane",
		"stats.medianack": "Médiane d’accusé de réception",
		"stats.p95":       "95e centile",
		"stats.within":    "Dans les délais",
		"stats.note":      "Les durées vont de la réception à la mesure déclarée par la plateforme. Les signalements retirés ne sont pas comptés.",
		"stats.empty":     "Rien de reçu ces 30 derniers jours.",

		"wh.title":    "Adresse du webhook",
		"wh.intro":    "Vigie envoie des notifications signées (Standard Webhooks, Ed25519) à cette URL. Laissez vide pour interroger l'API à la place.",
		"wh.disabled": "Les envois vers cette adresse sont désactivés.",
		"wh.url":      "URL de réception",
		"wh.url.hint": "Une URL https joignable depuis Vigie.",
		"wh.save":     "Enregistrer",
		"wh.current":  "Adresse actuelle : %s",
		"wh.none":     "Aucune adresse : votre organisation interroge l'API.",
	},
}

// arabic is Modern Standard Arabic, right to left, for a ministry's crisis
// cell and a platform's trust-and-safety team.
//
// Glossary (keep these; other catalogues' Arabic should use them too):
//
//	removal order (TCO Art. 3)       أمر إزالة، أوامر إزالة
//	cross-border removal order       أمر إزالة عابر للحدود (Art. 4)
//	referral                         إحالة، إحالات
//	platform (hosting provider)      منصة، منصات
//	authority / issuing authority    سلطة / السلطة المُصدِرة
//	content provider                 مزوّد المحتوى
//	terrorist content (Art. 2(7))    محتوى إرهابي
//	statement of reasons             بيان الأسباب
//	redress                          سُبل الطعن
//	Member State                     دولة عضو، الدول الأعضاء
//	main establishment               المقر الرئيسي
//	Annex I / Annex III              الملحق الأول / الملحق الثالث
//	force majeure                    قوة قاهرة
//	deadline (the period)            المهلة؛ its end: انتهاء المهلة
//	the clock (deadline running)     احتساب المهلة
//	time limit (to challenge)        الأجل (never المهلة)
//	receipt / acknowledge receipt    الاستلام / تأكيد الاستلام
//	actioned (removed or disabled)   تم التنفيذ؛ remove إزالة، disable access تعطيل الوصول
//	cannot comply (impossibility)    تعذّر التنفيذ
//	clarification                    توضيح
//	withdraw                         سحب
//	complaint / reinstate            شكوى / إعادة المحتوى
//	escalation                       تصعيد
//	overdue                          متأخر؛ as a state: تجاوز المهلة
//	preservation                     الحفظ
//	audit log / entry                سجل التدقيق / قيد
//	transparency                     الشفافية
//	hash / hash bank                 بصمة، بصمات / بنك البصمات، بنوك البصمات
//	match (media)                    مطابقة؛ a match: تطابق
//	false positive                   نتيجة إيجابية كاذبة
//	quarantined / disputed           معزولة / متنازع عليها
//	threshold                        عتبة
//	alert                            إنذار
//	notice (webhook message)         إشعار
//	webhook / endpoint               خطاف الويب / نقطة الاستقبال
//	queue                            قائمة الانتظار
//
// Buttons use the verbal noun (إرسال، حفظ، إلغاء), which reads the same
// to every user; states avoid gender so that they fit an order (m.) and a
// referral (f.) alike (تم الاستلام، بانتظار الاستلام).
//
// Numbers, dates and times: Western Arabic digits (0-9), as in the
// Maghreb, in Europe and in most official and technical Arabic online.
// Times, deadlines, countdowns, references, hashes and URLs are compared,
// copied and typed by people working across languages: the same digits
// everywhere leave no room for misreading under pressure, and static/app.js
// writes the live countdowns in these digits too (Arabic-Indic digits from
// the server would change script at the first tick). The decimal separator
// is "." and the thousands separator "," (Count), as in CLDR's Arabic with
// Western digits, so figures read the same as in the API and exports.
// Month names are the international series (يناير … ديسمبر), understood in
// every Arab country, written in full (Arabic has no customary
// abbreviations). A date reads "13 نوفمبر 2026، 21:14 UTC"; times stay in
// UTC, marked so. Names and URLs put inside a sentence are wrapped in
// Unicode isolates (U+2068 FSI or U+2066 LRI … U+2069 PDI) so that a Latin
// name ending in ")" or a URL ending in "/" keeps its order in the
// right-to-left sentence. Units: "دقيقة" after the number (correct from 11
// up and with decimals; the catalogue has no plural forms).
var arabic = &locale{
	Tag: "ar", Dir: "rtl", Name: "العربية", decimal: ".",
	months: [12]string{"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"},
	msg: map[string]string{
		"fmt.datetime": "%s، %s",
		"fmt.minutes":  "%s دقيقة",
		"fmt.percent":  "%d%%",

		"nav.skip":      "الانتقال إلى المحتوى",
		"nav.label":     "التنقل الرئيسي",
		"nav.referrals": "الصادرة",
		"nav.new":       "إصدار أمر أو إحالة",
		"nav.queue":     "قائمة الانتظار",
		"nav.stats":     "الشفافية",
		"nav.audit":     "سجل التدقيق",
		"nav.webhook":   "خطاف الويب",
		"nav.language":  "اللغة",
		"nav.logout":    "تسجيل الخروج",
		"foot.times":    "جميع الأوقات بالتوقيت العالمي المنسّق (UTC).",

		"org.authority": "سلطة",
		"org.platform":  "منصة",
		"org.ngo":       "مجتمع مدني",

		"kind.referral":      "إحالة",
		"kind.removal_order": "أمر إزالة",

		"state.pending":      "بانتظار الاستلام",
		"state.received":     "تم الاستلام",
		"state.acknowledged": "تم تأكيد الاستلام",
		"state.overdue":      "تجاوز المهلة",
		"state.impossible":   "تعذّر التنفيذ",
		"state.actioned":     "تم التنفيذ",
		"state.rejected":     "تم الرفض",
		"state.withdrawn":    "تم السحب",
		"state.complaint":    "شكوى",
		"state.reinstated":   "أُعيد المحتوى",

		"reason.force_majeure":            "قوة قاهرة أو استحالة فعلية، بما في ذلك لأسباب تقنية أو تشغيلية",
		"reason.manifest_error":           "يتضمن الأمر أخطاء بيّنة",
		"reason.insufficient_information": "لا يتضمن الأمر معلومات كافية",

		"ct.a": "يحرّض على ارتكاب جرائم إرهابية، كتمجيد الأعمال الإرهابية مثلًا",
		"ct.b": "يدعو شخصًا أو جماعة إلى ارتكاب جرائم إرهابية أو إلى المساهمة في ارتكابها",
		"ct.c": "يدعو شخصًا أو جماعة إلى المشاركة في أنشطة جماعة إرهابية",
		"ct.d": "يقدّم تعليمات عن صنع أو استخدام المتفجرات أو الأسلحة النارية أو غيرها من الأسلحة أو المواد الضارة أو الخطرة، أو عن أساليب أخرى لارتكاب جرائم إرهابية",
		"ct.e": "يشكّل تهديدًا بارتكاب جريمة إرهابية",

		"action.removed":  "أُزيل المحتوى",
		"action.disabled": "عُطّل الوصول إلى المحتوى في جميع الدول الأعضاء",

		"esc.badge": "%d%%",
		"esc.title": "تصعيد: انقضى %d%% من المهلة",

		"clock.overdue": "متأخر",
		"clock.pending": "لم يبدأ احتساب المهلة",
		"clock.since":   "الوقت المنقضي منذ الإصدار؛ يبدأ احتساب المهلة عند الاستلام",
		"clock.stopped": "احتساب المهلة متوقف",
		"clock.ontime":  "ضمن المهلة",
		"clock.late":    "خارج المهلة",

		"col.timeleft":  "الوقت المتبقي",
		"col.state":     "الحالة",
		"col.reference": "المرجع",
		"col.platform":  "المنصة",
		"col.authority": "السلطة",
		"col.issued":    "وقت الإصدار",
		"col.outcome":   "النتيجة",

		"title.login":     "تسجيل الدخول",
		"title.referrals": "الإحالات والأوامر الصادرة",
		"title.new":       "إصدار أمر إزالة أو إحالة",
		"title.queue":     "قائمة الانتظار",
		"title.audit":     "سجل التدقيق",
		"title.stats":     "الشفافية",
		"title.webhook":   "خطاف الويب",

		"list.title":   "الإحالات وأوامر الإزالة الصادرة",
		"list.new":     "إصدار أمر أو إحالة",
		"list.caption": "الإحالات وأوامر الإزالة التي أصدرتها، الأحدث أولًا",
		"list.empty":   "لم تُصدر شيئًا بعد.",
		"list.updated": "آخر تحديث: %s؛ تُحدَّث الصفحة كل 10 ثوانٍ.",

		"queue.title":    "قائمة الانتظار: بانتظار ردّك",
		"queue.intro":    "الأكثر استعجالًا أولًا. الأوامر التي لم تُستلم بعد في الأعلى: تبدأ مهلة الساعة الواحدة فور استلامها أو تأكيد استلامها.",
		"queue.recent":   "تم الرد عليها مؤخرًا",
		"queue.from":     "من \u2068%s\u2069",
		"queue.issued":   "الإصدار: %s",
		"queue.deadline": "انتهاء المهلة: %s",
		"queue.more":     "و%d من الروابط الأخرى (افتح التفاصيل)",
		"queue.empty":    "لا شيء بانتظارك.",

		"act.ack":                    "تأكيد الاستلام",
		"act.removed":                "تمت إزالة المحتوى",
		"act.disabled":               "تم تعطيل الوصول",
		"act.hashes.summary":         "إضافة بصمات المحتوى أو ملاحظة (اختياري)",
		"act.hashes":                 "بصمات المحتوى",
		"act.hashes.hint":            "بصمة واحدة في كل سطر: sha256:HEX أو md5:HEX أو pdq:HEX.",
		"act.hashes.then":            "ثم اضغط «تمت إزالة المحتوى» أو «تم تعطيل الوصول» أعلاه.",
		"act.feedback":               "ملاحظة إلى السلطة",
		"act.impossible":             "تعذّر التنفيذ (الملحق الثالث)…",
		"act.impossible.hint":        "يوقف هذا احتساب المهلة إلى أن توضّح السلطة؛ ثم تبدأ المهلة كاملة من جديد.",
		"act.impossible.reason":      "السبب",
		"act.impossible.explanation": "الشرح: ما المطلوب للتنفيذ",
		"act.impossible.submit":      "الإعلان عن تعذّر التنفيذ",
		"act.reject":                 "رفض هذه الإحالة…",
		"act.reject.reasons":         "أسباب الرفض",
		"act.reject.submit":          "رفض الإحالة",
		"act.complaint":              "تسجيل شكوى من مزوّد المحتوى…",
		"act.complaint.text":         "الشكوى",
		"act.complaint.submit":       "تسجيل الشكوى",
		"act.decide":                 "البتّ في الشكوى",
		"act.decide.reasons":         "أسباب القرار",
		"act.decide.uphold":          "تأييد الإزالة",
		"act.decide.reinstate":       "إعادة المحتوى",
		"act.clarify":                "تعذّر على المنصة التنفيذ: يُرجى التوضيح",
		"act.clarify.hint":           "يؤدي إرسال التوضيح إلى بدء المهلة كاملة من جديد.",
		"act.clarify.text":           "التوضيح",
		"act.clarify.submit":         "إرسال التوضيح",
		"act.withdraw":               "سحب…",
		"act.withdraw.reason":        "السبب (اختياري)",
		"act.withdraw.submit":        "سحب",

		"done.created":      "تم الإرسال. أُخطرت المنصة.",
		"done.acknowledged": "تم تأكيد الاستلام. المهلة جارية.",
		"done.actioned":     "سُجّل: أُزيل المحتوى أو عُطّل الوصول إليه.",
		"done.impossible":   "تم الإعلان عن تعذّر التنفيذ. احتساب المهلة متوقف إلى أن توضّح السلطة.",
		"done.rejected":     "تم رفض الإحالة.",
		"done.clarified":    "تم إرسال التوضيح. تبدأ المهلة كاملة من جديد.",
		"done.withdrawn":    "تم السحب.",
		"done.complaint":    "تم تسجيل الشكوى.",
		"done.decided":      "تم تسجيل القرار.",
		"done.webhook":      "تم حفظ نقطة استقبال خطاف الويب.",

		"new.title":               "إصدار أمر إزالة أو إحالة",
		"new.submit":              "إرسال",
		"form.errors":             "يُرجى تصحيح ما يلي:",
		"form.choose":             "— اختر —",
		"form.required":           "هذا الحقل إلزامي.",
		"form.cancel":             "إلغاء",
		"f.kind":                  "النوع",
		"f.kind.order.hint":       "ملزِم (لائحة الاتحاد الأوروبي 2021/784). على المنصة التنفيذ خلال ساعة واحدة من الاستلام.",
		"f.kind.referral.hint":    "طلب للتحقق من توافق المحتوى مع شروط المنصة. المهلة 90 دقيقة ما لم تحدّد غيرها.",
		"f.platform":              "المنصة",
		"f.reference":             "مرجعك",
		"f.reference.hint":        "رقم ملفك، ولا يتكرر بين إحالاتك وأوامرك.",
		"f.section.content":       "المحتوى",
		"f.urls":                  "الروابط (URL)",
		"f.urls.hint":             "الروابط الدقيقة للمحتوى، رابط واحد في كل سطر (100 رابط كحد أقصى).",
		"f.types":                 "نوع المحتوى الإرهابي (المادة 2، النقطة 7)",
		"f.types.hint":            "اختر خيارًا واحدًا على الأقل. المحتوى…",
		"f.details":               "معلومات إضافية",
		"f.details.hint":          "اختياري: ما يساعد على تحديد المحتوى (التوقيت داخل المقطع، نص المنشور…).",
		"f.reasons":               "بيان الأسباب",
		"f.reasons.hint":          "لماذا يُعدّ المحتوى محتوى إرهابيًا.",
		"f.section.legal":         "الأساس القانوني والاتصال",
		"f.legal_basis":           "الأساس القانوني",
		"f.order_only":            "إلزامي لأوامر الإزالة.",
		"f.redress":               "سُبل الطعن",
		"f.redress.hint":          "إلزامي لأوامر الإزالة: المحكمة والأجل والإجراء المتّبع للطعن في الأمر.",
		"f.issuer_name":           "صادر عن",
		"f.issuer_name.hint":      "الاسم والصفة. إلزامي لأوامر الإزالة.",
		"f.issuer_contact":        "جهة الاتصال للمتابعة",
		"f.issuer_contact.hint":   "اختياري: البريد الإلكتروني أو الهاتف.",
		"f.nondisclosure":         "عدم إبلاغ مزوّد المحتوى قبل",
		"f.nondisclosure.hint":    "اختياري، بالتوقيت العالمي المنسّق (UTC)، ستة أسابيع كحد أقصى من الآن (المادة 11، الفقرة 3).",
		"f.crossborder":           "أمر إزالة عابر للحدود",
		"f.crossborder.hint":      "صادر عن دولة عضو غير الدولة التي يقع فيها المقر الرئيسي للمنصة (المادة 4).",
		"f.target":                "المهلة المستهدفة بالدقائق",
		"f.target.hint":           "للإحالات فقط: من 5 إلى 10080، والقيمة الافتراضية 90. اتركه فارغًا لأمر الإزالة (60 دقيقة من الاستلام دائمًا).",
		"f.target.notnumber":      "أدخل عددًا صحيحًا من الدقائق.",
		"f.nondisclosure.bad":     "أدخل تاريخًا ووقتًا (UTC).",
		"f.line":                  "السطر %d: %s",
		"msg.is required":         "هذا الحقل إلزامي.",
		"msg.must be valid UTF-8": "يجب أن يكون نصًا صالحًا (UTF-8).",

		"d.back.list":       "الإحالات والأوامر الصادرة",
		"d.back.queue":      "قائمة الانتظار",
		"d.clock":           "المهلة",
		"d.deadline":        "انتهاء المهلة",
		"d.target":          "المهلة الممنوحة",
		"d.target.value":    "%s من الاستلام",
		"d.pending.hint":    "لم يصل بعد إلى المنصة. تبدأ المهلة (%s) عند الاستلام: أول تسليم للإشعار أو تأكيد المنصة للاستلام.",
		"d.impossible.hint": "احتساب المهلة متوقف: أعلنت المنصة تعذّر التنفيذ (الملحق الثالث). تبدأ المهلة كاملة من جديد عندما توضّح السلطة.",
		"d.actions":         "الإجراءات",
		"d.annex1":          "الأمر (الملحق الأول)",
		"d.authority":       "السلطة المُصدِرة",
		"d.issued":          "وقت الإصدار",
		"d.none":            "لا يوجد",
		"d.yes":             "نعم",
		"d.no":              "لا",
		"d.outcome":         "الرد",
		"d.received":        "الاستلام",
		"d.notyet":          "ليس بعد",
		"d.acknowledged":    "تأكيد الاستلام",
		"d.action":          "الإجراء المتّخذ",
		"d.impossibility":   "تعذّر التنفيذ",
		"d.withdrawn":       "السحب",
		"d.timeline":        "التسلسل الزمني (سجل التدقيق)",
		"d.timeline.empty":  "لا توجد قيود.",

		"login.title":     "تسجيل الدخول إلى Vigie",
		"login.email":     "البريد الإلكتروني",
		"login.password":  "كلمة المرور",
		"login.submit":    "تسجيل الدخول",
		"login.help":      "فقدت إمكانية الدخول؟ تواصل مع مسؤول Vigie في مؤسستك.",
		"login.wrong":     "البريد الإلكتروني أو كلمة المرور غير صحيحة.",
		"login.throttled": "محاولات فاشلة كثيرة من اتصالك. انتظر دقيقة ثم أعد المحاولة.",
		"login.expired":   "انتهت صلاحية نموذج تسجيل الدخول. يُرجى إعادة المحاولة.",

		"err.title":          "خطأ",
		"err.status":         "خطأ %d.",
		"err.home":           "الذهاب إلى صفحتي الرئيسية",
		"err.crossorigin":    "مرفوض: أُرسل هذا النموذج من موقع آخر.",
		"err.csrf":           "مرفوض: هذا النموذج منتهي الصلاحية أو لم يُرسل من Vigie. أعد تحميل الصفحة ثم أعد المحاولة.",
		"err.role.authority": "هذه الصفحة مخصّصة للسلطات.",
		"err.role.platform":  "هذه الصفحة مخصّصة للمنصات.",
		"err.role.ngo":       "هذه الصفحة مخصّصة لمنظمات المجتمع المدني.",
		"err.notfound":       "غير موجود.",
		"err.forbidden":      "لا يحق لك القيام بذلك.",
		"err.conflict":       "لا يمكن القيام بذلك في الحالة الراهنة؛ ربما سبقك أحد إلى الإجراء. أعد تحميل الصفحة.",
		"err.invalid":        "طلب غير صالح.",
		"err.toolarge":       "البيانات المُرسلة كبيرة جدًا.",
		"err.badform":        "تعذّرت قراءة النموذج.",
		"err.internal":       "خطأ داخلي. تم تسجيله؛ يُرجى إعادة المحاولة.",

		"audit.title":   "سجل التدقيق",
		"audit.intro":   "كل تغيير أُجري باسم مؤسستك، الأحدث أولًا. يرتبط كل قيد بالقيد السابق عبر بصمته.",
		"audit.seq":     "رقم",
		"audit.time":    "الوقت",
		"audit.actor":   "المنفّذ",
		"audit.action":  "الإجراء",
		"audit.subject": "العنصر المعني",
		"audit.hash":    "البصمة",
		"audit.empty":   "لا توجد قيود بعد.",

		"audit.a.referral.created":           "إصدار",
		"audit.a.referral.delivered":         "تسليم: تم الاستلام",
		"audit.a.referral.acknowledged":      "تأكيد الاستلام",
		"audit.a.referral.actioned":          "إزالة أو تعطيل الوصول",
		"audit.a.referral.impossible":        "الإعلان عن تعذّر التنفيذ",
		"audit.a.referral.clarified":         "توضيح",
		"audit.a.referral.rejected":          "رفض",
		"audit.a.referral.withdrawn":         "سحب",
		"audit.a.referral.escalated":         "تصعيد",
		"audit.a.referral.complaint":         "تسجيل شكوى",
		"audit.a.referral.complaint_decided": "البتّ في الشكوى",
		"audit.a.preservation.held":          "تمديد الحفظ",
		"audit.a.preservation.purged":        "حذف النسخة المحفوظة",

		"stats.title":     "الشفافية: آخر 30 يومًا",
		"stats.period":    "الإحالات وأوامر الإزالة الواردة من %s إلى %s، حسب المنصة.",
		"stats.kind":      "النوع",
		"stats.received":  "الواردة",
		"stats.actioned":  "المنفّذة",
		"stats.open":      "قيد المعالجة",
		"stats.overdue":   "متأخرة: %d",
		"stats.median":    "الوسيط",
		"stats.medianack": "وسيط مدة تأكيد الاستلام",
		"stats.p95":       "المئين 95",
		"stats.within":    "ضمن المهلة",
		"stats.note":      "تُحتسب المدد من الاستلام حتى الإجراء الذي أبلغت عنه المنصة. لا تُحتسب الإحالات المسحوبة.",
		"stats.empty":     "لم يرد شيء خلال آخر 30 يومًا.",

		"wh.title":    "نقطة استقبال خطاف الويب",
		"wh.intro":    "يرسل Vigie إشعارات موقّعة (Standard Webhooks، Ed25519) إلى هذا العنوان. اتركه فارغًا للاستعلام الدوري من واجهة البرمجة (API) بدلًا من ذلك.",
		"wh.disabled": "الإرسال إلى نقطة الاستقبال هذه معطّل.",
		"wh.url":      "عنوان URL لنقطة الاستقبال",
		"wh.url.hint": "عنوان https يمكن لـ Vigie الوصول إليه.",
		"wh.save":     "حفظ",
		"wh.current":  "نقطة الاستقبال الحالية: \u2066%s\u2069",
		"wh.none":     "لم تُحدَّد نقطة استقبال: تستعلم مؤسستك دوريًا من واجهة البرمجة (API).",
	},
}
