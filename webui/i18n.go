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
// To add a language: add a *locale to languages (Arabic would have Tag "ar"
// and Dir "rtl"; the stylesheet uses logical properties, so the layout
// mirrors by itself), and give it every key of English (TestCatalogue
// checks). A key missing in a language falls back to English.

// locale is one language of the UI.
type locale struct {
	Tag     string            // BCP 47, put in <html lang>
	Dir     string            // "ltr" or "rtl", put in <html dir>
	Name    string            // the language's own name, for the switcher
	months  [12]string        // abbreviated month names
	decimal string            // decimal separator
	msg     map[string]string // message key → text (fmt verbs allowed)
}

// languages are the UI's languages; the first is the fallback.
var languages = []*locale{english, french}

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
