package webui

// The authority's alert pages: the list of its CAP alerts, the form that
// writes a new one or an Update (templates, languages side by side, the
// area on a map, a live reach preview), and the page of one message with
// the two-person approval, the one-click Cancel and All clear, the chain of
// messages, the hops of its timeline and its deliveries per channel.
//
// The alert service decides everything (who may approve, what a valid
// message is); these handlers turn forms into drafts and the service's
// errors back into messages beside the fields they name.

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/cap"
	"github.com/vigie-project/vigie/gazetteer"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/tiles"
)

// Alerts is the alert service, as the UI uses it (*alert.Service).
type Alerts interface {
	Create(ctx context.Context, p org.Principal, d alert.Draft, idemKey string) (*alert.Alert, bool, error)
	Preview(ctx context.Context, p org.Principal, d alert.Draft) (*alert.Alert, alert.Reach, error)
	Approve(ctx context.Context, p org.Principal, id string) (*alert.Alert, error)
	Reject(ctx context.Context, p org.Principal, id, reason string) (*alert.Alert, error)
	Update(ctx context.Context, p org.Principal, id string, d alert.Draft) (*alert.Alert, error)
	Cancel(ctx context.Context, p org.Principal, id, note string) (*alert.Alert, error)
	AllClear(ctx context.Context, p org.Principal, id string, texts []alert.Text) (*alert.Alert, error)
	Get(ctx context.Context, p org.Principal, id string) (*alert.Alert, error)
	List(ctx context.Context, p org.Principal, f alert.Filter) ([]*alert.Alert, error)
	Reach(ctx context.Context, p org.Principal, id string) (alert.Reach, error)
	Policy() alert.Policy
}

// AlertDeliveries reports where a published alert went, per channel.
type AlertDeliveries interface {
	DeliveryReport(ctx context.Context, p org.Principal, alertID string) (*alert.DeliveryReport, error)
}

const (
	alertListLimit   = 300
	defaultAlertLife = 6 * time.Hour // the expiry the form proposes
	deliveryRefresh  = "every 3s"    // while deliveries are pending
	fanoutGrace      = 2 * time.Minute
)

// The choices of the form, in the order shown: the categories and
// responses of attacks first.
var (
	alertCategories = []cap.Category{cap.CatSecurity, cap.CatCBRNE, cap.CatSafety, cap.CatRescue, cap.CatFire, cap.CatHealth,
		cap.CatInfra, cap.CatTransport, cap.CatEnv, cap.CatGeo, cap.CatMet, cap.CatOther}
	alertResponses = []cap.ResponseType{cap.RespShelter, cap.RespEvacuate, cap.RespAvoid, cap.RespPrepare, cap.RespExecute,
		cap.RespMonitor, cap.RespAssess, cap.RespAllClear, cap.RespNone}
	alertUrgencies   = []cap.Urgency{cap.UrgImmediate, cap.UrgExpected, cap.UrgFuture, cap.UrgPast, cap.UrgUnknown}
	alertSeverities  = []cap.Severity{cap.SevExtreme, cap.SevSevere, cap.SevModerate, cap.SevMinor, cap.SevUnknown}
	alertCertainties = []cap.Certainty{cap.CertObserved, cap.CertLikely, cap.CertPossible, cap.CertUnlikely, cap.CertUnknown}
	alertStatuses    = []cap.Status{cap.StatusActual, cap.StatusExercise, cap.StatusTest}
	// pickTemplates are the templates of the form's picker; the all-clear
	// template is the one-click action of a live alert instead.
	pickTemplates = []string{"shelter", "avoid", "evacuate"}
)

// alertsOn answers 404 when the server has no alert service.
func (u *ui) alertsOn(h pageHandler) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, v *visit) {
		if u.Alerts == nil {
			u.errorPage(w, r, v, http.StatusNotFound, "al.off")
			return
		}
		h(w, r, v)
	}
}

// ---------------------------------------------------------------- list

// alertRow is one line of the list.
type alertRow struct {
	A        *alert.Alert
	State    string // the state as shown: a published message past its expiry is "expired"
	Headline string // in the viewer's language when the alert has it
	Event    string // likewise
	AreaDesc string
	Mine     bool // written by the viewer: someone else must approve
}

type alertListData struct {
	Pending, Live, Past []alertRow
	Templates           []templateChoice
}

// alertList shows the authority's alerts: awaiting approval first, then
// live, then past. htmx's 10-second refresh gets the "alerts" partial.
func (u *ui) alertList(w http.ResponseWriter, r *http.Request, v *visit) {
	as, err := u.Alerts.List(r.Context(), v.P, alert.Filter{Limit: alertListLimit})
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	now := u.Now()
	d := alertListData{Templates: templateChoices(v.L, "/alerts/new", "")}
	for _, a := range as {
		row := alertRow{A: a, State: shownState(a, now), Mine: a.CreatedBy == v.P.Actor(), Event: a.Event}
		if in := infoFor(a.Infos, v.L.Tag); in != nil {
			row.Headline, row.AreaDesc, row.Event = in.Headline, in.AreaDesc, cmp.Or(in.Event, a.Event)
		}
		switch {
		case a.State == alert.StatePending && now.Before(a.Expires):
			d.Pending = append(d.Pending, row)
		case a.Live(now):
			d.Live = append(d.Live, row)
		default:
			d.Past = append(d.Past, row)
		}
	}
	pv := u.page(r, v, "alerts", "title.alerts", d)
	if isHTMX(r) {
		u.render(w, r, http.StatusOK, "alerts", "alerts", pv)
		return
	}
	u.render(w, r, http.StatusOK, "alerts", "layout", pv)
}

// shownState is the state a person should read: a published message whose
// expiry passed is over even before the periodic sweep marks it so.
func shownState(a *alert.Alert, now time.Time) string {
	if (a.State == alert.StatePublished || a.State == alert.StatePending) && !now.Before(a.Expires) {
		return string(alert.StateExpired)
	}
	return string(a.State)
}

// infoFor is the info in the language tag (same base language), else the
// first one; nil for a Cancel, which has none.
func infoFor(infos []alert.Info, tag string) *alert.Info {
	for i := range infos {
		if baseLang(infos[i].Language) == baseLang(tag) {
			return &infos[i]
		}
	}
	if len(infos) > 0 {
		return &infos[0]
	}
	return nil
}

func baseLang(tag string) string {
	b, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	return b
}

// ---------------------------------------------------------------- form

// alertForm is the alert form as typed, kept to show it again.
type alertForm struct {
	UpdateOf                     string // the live alert an Update replaces; "" for a new alert
	Status                       string
	Categories, ResponseTypes    map[string]bool
	Urgency, Severity, Certainty string
	Expires                      string // datetime-local value, read as UTC
	Web, Contact, Note           string
	Infos                        []infoForm
	Polygons, Circles            string // one CAP shape a line, written by the map
	Geocodes                     string // one "valueName=value" a line
	Idem                         string
	Template                     string // the template applied last
}

// infoForm is the fieldset of one language.
type infoForm struct {
	Lang, Name, Dir                                     string
	Event, Headline, Description, Instruction, AreaDesc string
}

// The text fields of a language fieldset: the form field is Name + "_" +
// language tag, and the draft field infos[i].Name.
var infoFields = []string{"event", "headline", "description", "instruction", "area_desc"}

var langTag = regexp.MustCompile(`^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$`)

// rtlLanguages are written right to left.
var rtlLanguages = map[string]bool{"ar": true, "he": true, "fa": true, "ur": true, "ps": true, "yi": true}

func newInfoForm(l *locale, tag string) infoForm {
	f := infoForm{Lang: tag, Name: langName(l, tag), Dir: "ltr"}
	if rtlLanguages[baseLang(tag)] {
		f.Dir = "rtl"
	}
	return f
}

// langName names a language in the viewer's language ("Arabic", "arabe").
func langName(l *locale, tag string) string {
	name := l.tOr("al.lang."+baseLang(tag), tag)
	if !strings.EqualFold(tag, baseLang(tag)) && name != tag {
		name += " (" + tag + ")"
	}
	return name
}

// tOr is T for a key made at run time, with a fallback when no catalogue
// has it (a hop or a channel Vigie does not know yet).
func (l *locale) tOr(key, fallback string) string {
	if l.has(key) || english.has(key) {
		return l.T(key)
	}
	return fallback
}

// emptyAlertForm is a new alert: the policy's languages, an expiry six
// hours away (within the policy's maximum).
func (u *ui) emptyAlertForm(l *locale) alertForm {
	pol := u.Alerts.Policy()
	life := defaultAlertLife
	if pol.MaxDuration > 0 {
		life = min(life, pol.MaxDuration-time.Minute)
	}
	f := alertForm{Categories: map[string]bool{}, ResponseTypes: map[string]bool{}, Idem: newToken(),
		Expires: u.Now().UTC().Add(life).Truncate(time.Minute).Format("2006-01-02T15:04")}
	for _, tag := range pol.Languages {
		f.Infos = append(f.Infos, newInfoForm(l, tag))
	}
	return f
}

// formFromAlert is the form of an Update of a: its content, its languages
// (then any the policy asks for that it lacks).
func (u *ui) formFromAlert(l *locale, a *alert.Alert) alertForm {
	f := alertForm{UpdateOf: a.ID, Status: string(a.Status), Categories: map[string]bool{}, ResponseTypes: map[string]bool{},
		Urgency: string(a.Urgency), Severity: string(a.Severity), Certainty: string(a.Certainty),
		Expires: a.Expires.UTC().Format("2006-01-02T15:04"), Web: a.Web, Contact: a.Contact,
		Polygons: strings.Join(a.Area.Polygons, "\n"), Circles: strings.Join(a.Area.Circles, "\n")}
	if !u.Now().Before(a.Expires) {
		f.Expires = u.Now().UTC().Add(defaultAlertLife).Truncate(time.Minute).Format("2006-01-02T15:04")
	}
	for _, c := range a.Categories {
		f.Categories[string(c)] = true
	}
	for _, rt := range a.ResponseTypes {
		f.ResponseTypes[string(rt)] = true
	}
	var codes []string
	for _, g := range a.Area.Geocodes {
		codes = append(codes, g.ValueName+"="+g.Value)
	}
	f.Geocodes = strings.Join(codes, "\n")
	for _, in := range a.Infos {
		fi := newInfoForm(l, in.Language)
		fi.Event, fi.Headline, fi.Description, fi.Instruction, fi.AreaDesc = cmp.Or(in.Event, a.Event), in.Headline, in.Description, in.Instruction, in.AreaDesc
		f.Infos = append(f.Infos, fi)
	}
	for _, tag := range u.Alerts.Policy().Languages {
		if !slices.ContainsFunc(f.Infos, func(fi infoForm) bool { return baseLang(fi.Lang) == baseLang(tag) }) {
			f.Infos = append(f.Infos, newInfoForm(l, tag))
		}
	}
	return f
}

// readAlertForm reads the posted form. The languages are those the form
// was rendered with (field "lang"), else the policy's.
func (u *ui) readAlertForm(l *locale, pf url.Values) alertForm {
	f := alertForm{
		UpdateOf: pf.Get("update_of"), Status: pf.Get("status"), Categories: map[string]bool{}, ResponseTypes: map[string]bool{},
		Urgency: pf.Get("urgency"), Severity: pf.Get("severity"), Certainty: pf.Get("certainty"),
		Expires: strings.TrimSpace(pf.Get("expires")), Web: strings.TrimSpace(pf.Get("web")), Contact: strings.TrimSpace(pf.Get("contact")),
		Note: strings.TrimSpace(pf.Get("note")), Polygons: pf.Get("area_polygons"), Circles: pf.Get("area_circles"),
		Geocodes: pf.Get("area_geocodes"), Idem: pf.Get("idem"), Template: pf.Get("template"),
	}
	if len(f.Idem) > 64 {
		f.Idem = ""
	}
	for _, c := range pf["categories"] {
		f.Categories[c] = true
	}
	for _, rt := range pf["response_types"] {
		f.ResponseTypes[rt] = true
	}
	var tags []string
	for _, tag := range pf["lang"] {
		if langTag.MatchString(tag) && !slices.Contains(tags, tag) && len(tags) < 12 {
			tags = append(tags, tag)
		}
	}
	if len(tags) == 0 {
		tags = u.Alerts.Policy().Languages
	}
	for _, tag := range tags {
		fi := newInfoForm(l, tag)
		fi.Event, fi.Headline = pf.Get("event_"+tag), pf.Get("headline_"+tag)
		fi.Description, fi.Instruction, fi.AreaDesc = pf.Get("description_"+tag), pf.Get("instruction_"+tag), pf.Get("area_desc_"+tag)
		f.Infos = append(f.Infos, fi)
	}
	return f
}

// draftMap remembers where each part of a draft came from in the form, to
// put the service's errors ("infos[2].headline", "area.geocodes[1].value")
// beside the right field.
type draftMap struct {
	infoLang    []string // draft info index → language tag of the fieldset
	eventLang   string   // the fieldset whose event is the shared one
	geocodeLine []int    // draft geocode index → line of the text area
}

// splitShapes splits a map input: one shape a line, \n or \r\n.
func splitShapes(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// draft turns the form into a draft. It returns the problems it finds
// itself (an unreadable date, a geocode line without "="), keyed by field.
func (f *alertForm) draft(l *locale, policyLangs []string) (alert.Draft, draftMap, map[string]string) {
	errs := map[string]string{}
	var m draftMap
	d := alert.Draft{Status: cap.Status(f.Status), Urgency: cap.Urgency(f.Urgency), Severity: cap.Severity(f.Severity),
		Certainty: cap.Certainty(f.Certainty), Web: f.Web, Contact: f.Contact, Note: f.Note}
	for _, c := range alertCategories {
		if f.Categories[string(c)] {
			d.Categories = append(d.Categories, c)
		}
	}
	var other []string // anything else is for the service to refuse
	for c := range f.Categories {
		if !slices.Contains(alertCategories, cap.Category(c)) {
			other = append(other, c)
		}
	}
	slices.Sort(other)
	for _, c := range other {
		d.Categories = append(d.Categories, cap.Category(c))
	}
	for _, rt := range alertResponses {
		if f.ResponseTypes[string(rt)] {
			d.ResponseTypes = append(d.ResponseTypes, rt)
		}
	}
	if f.Expires != "" {
		t, err := parseLocalUTC(f.Expires)
		if err != nil {
			errs["expires"] = l.T("al.f.expires.bad")
		}
		d.Expires = t
	}
	for _, fi := range f.Infos {
		blank := strings.TrimSpace(fi.Event+fi.Headline+fi.Description+fi.Instruction+fi.AreaDesc) == ""
		required := slices.ContainsFunc(policyLangs, func(t string) bool { return baseLang(t) == baseLang(fi.Lang) })
		if blank && !required {
			continue // a language of the alert updated that the author emptied: left out
		}
		d.Infos = append(d.Infos, alert.Info{Language: fi.Lang, Event: strings.TrimSpace(fi.Event), Headline: strings.TrimSpace(fi.Headline),
			Description: strings.TrimSpace(fi.Description), Instruction: strings.TrimSpace(fi.Instruction), AreaDesc: strings.TrimSpace(fi.AreaDesc)})
		m.infoLang = append(m.infoLang, fi.Lang)
	}
	// The shared event is the English one, the lingua franca of receivers
	// that read a single info (as alert.Template.Prefill does); else the
	// first language's.
	for _, in := range d.Infos {
		if baseLang(in.Language) == "en" && in.Event != "" {
			d.Event, m.eventLang = in.Event, in.Language
		}
	}
	for _, in := range d.Infos {
		if d.Event == "" && in.Event != "" {
			d.Event, m.eventLang = in.Event, in.Language
		}
	}
	if m.eventLang == "" && len(f.Infos) > 0 {
		m.eventLang = f.Infos[0].Lang
		for _, fi := range f.Infos {
			if baseLang(fi.Lang) == "en" {
				m.eventLang = fi.Lang
			}
		}
	}
	d.Area.Polygons, d.Area.Circles = splitShapes(f.Polygons), splitShapes(f.Circles)
	for i, line := range strings.Split(f.Geocodes, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			if _, seen := errs["area_geocodes"]; !seen {
				errs["area_geocodes"] = l.T("f.line", i+1, l.T("al.f.geocodes.bad"))
			}
			continue
		}
		d.Area.Geocodes = append(d.Area.Geocodes, alert.Geocode{ValueName: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
		m.geocodeLine = append(m.geocodeLine, i+1)
	}
	return d, m, errs
}

var draftField = regexp.MustCompile(`^(infos|area\.polygons|area\.circles|area\.geocodes|categories|response_types)(?:\[(\d+)\])?(?:\.([a-z_]+))?$`)

// formField maps a field named by the service to the form field that shows
// its error, and words the message (a line or shape number where the field
// names one). "" is the top of the form.
func formField(l *locale, field, msg string, m draftMap) (string, string) {
	msg = l.ErrMessage(msg)
	switch field {
	case "status", "urgency", "severity", "certainty", "expires", "web", "contact", "note":
		return field, msg
	case "event":
		return "event_" + m.eventLang, msg
	case "area":
		return "area", msg
	}
	p := draftField.FindStringSubmatch(field)
	if p == nil {
		return "", msg
	}
	i, err := strconv.Atoi(p[2])
	if err != nil {
		i = -1
	}
	switch p[1] {
	case "categories", "response_types":
		return p[1], msg
	case "area.polygons":
		if i >= 0 {
			msg = l.T("al.f.polygon.n", i+1, msg)
		}
		return "area", msg
	case "area.circles":
		if i >= 0 {
			msg = l.T("al.f.circle.n", i+1, msg)
		}
		return "area", msg
	case "area.geocodes":
		if i >= 0 && i < len(m.geocodeLine) {
			msg = l.T("f.line", m.geocodeLine[i], msg)
		}
		return "area_geocodes", msg
	}
	// infos[i].name
	if i < 0 || i >= len(m.infoLang) {
		return "infos", msg
	}
	tag := m.infoLang[i]
	switch p[3] {
	case "event", "headline", "description", "instruction", "area_desc":
		return p[3] + "_" + tag, msg
	}
	return "lang_" + tag, msg
}

// alertFieldLabel names a form field for the error summary and warnings.
func alertFieldLabel(l *locale, field string, infos []infoForm) string {
	for _, name := range infoFields {
		if tag, ok := strings.CutPrefix(field, name+"_"); ok {
			for _, fi := range infos {
				if fi.Lang == tag {
					return fi.Name + " — " + l.T("al.f."+name)
				}
			}
		}
	}
	if tag, ok := strings.CutPrefix(field, "lang_"); ok {
		return langName(l, tag)
	}
	return l.tOr("al.f."+field, field)
}

// templateChoice is an entry of the template picker.
type templateChoice struct {
	Name, Title, Hint, Href string
	Chosen                  bool
}

func templateChoices(l *locale, base, chosen string) []templateChoice {
	var out []templateChoice
	for _, n := range pickTemplates {
		out = append(out, templateChoice{Name: n, Title: l.T("al.tpl." + n), Hint: l.T("al.tpl." + n + ".hint"),
			Href: base + "?template=" + n, Chosen: n == chosen})
	}
	return out
}

// applyTemplate pre-fills the form with a template through
// alert.Template.Prefill: the texts of every language, the response type,
// and the category and levels where none is chosen. Descriptions, area
// descriptions and the area are kept.
func applyTemplate(f *alertForm, t alert.Template) {
	d := alert.Draft{Urgency: cap.Urgency(f.Urgency), Severity: cap.Severity(f.Severity), Certainty: cap.Certainty(f.Certainty)}
	for _, c := range alertCategories {
		if f.Categories[string(c)] {
			d.Categories = append(d.Categories, c)
		}
	}
	for _, fi := range f.Infos {
		d.Infos = append(d.Infos, alert.Info{Language: fi.Lang, Event: fi.Event, Headline: fi.Headline, Description: fi.Description,
			Instruction: fi.Instruction, AreaDesc: fi.AreaDesc})
	}
	t.Prefill(&d)
	f.Categories, f.ResponseTypes = map[string]bool{}, map[string]bool{}
	for _, c := range d.Categories {
		f.Categories[string(c)] = true
	}
	for _, rt := range d.ResponseTypes {
		f.ResponseTypes[string(rt)] = true
	}
	f.Urgency, f.Severity, f.Certainty = string(d.Urgency), string(d.Severity), string(d.Certainty)
	for _, in := range d.Infos {
		for i := range f.Infos {
			if baseLang(f.Infos[i].Lang) == baseLang(in.Language) {
				fi := &f.Infos[i]
				fi.Event, fi.Headline, fi.Description, fi.Instruction = in.Event, in.Headline, in.Description, in.Instruction
			}
		}
	}
	f.Template = t.Name
}

// alertFormData is the form page's data.
type alertFormData struct {
	F           alertForm
	Base        *alert.Alert // the alert an Update replaces
	Action      string       // where the form posts
	Cancel      string       // where "Cancel" goes back to
	Templates   []templateChoice
	Errors      map[string]string // form field → message
	Summary     []fieldError
	Preview     *alertPreview
	Statuses    []cap.Status
	Categories  []cap.Category
	Responses   []cap.ResponseType
	Urgencies   []cap.Urgency
	Severities  []cap.Severity
	Certainties []cap.Certainty
	Attribution string
	Applied     bool // a template was just applied
}

// alertFormFields orders the error summary like the form.
func alertFormFields(f alertForm) []string {
	out := []string{"", "status", "categories", "response_types", "urgency", "severity", "certainty", "expires", "web", "contact", "note", "infos"}
	for _, fi := range f.Infos {
		out = append(out, "lang_"+fi.Lang)
		for _, name := range infoFields {
			out = append(out, name+"_"+fi.Lang)
		}
	}
	return append(out, "area", "area_geocodes")
}

// showAlertForm renders the form page (or, for htmx, the form alone).
func (u *ui) showAlertForm(w http.ResponseWriter, r *http.Request, v *visit, status int, f alertForm, base *alert.Alert, errs map[string]string, pre *alertPreview) {
	d := alertFormData{F: f, Base: base, Action: "/alerts", Cancel: "/alerts", Errors: errs, Preview: pre,
		Statuses: alertStatuses, Categories: alertCategories, Responses: alertResponses, Urgencies: alertUrgencies,
		Severities: alertSeverities, Certainties: alertCertainties, Attribution: tiles.Attribution}
	newPath := "/alerts/new"
	if base != nil {
		d.Action = "/alerts/" + url.PathEscape(base.ID) + "/update"
		d.Cancel = "/alerts/" + url.PathEscape(base.ID)
		newPath = d.Action
	}
	d.Templates = templateChoices(v.L, newPath, f.Template)
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	for _, field := range alertFormFields(f) {
		if msg, ok := d.Errors[field]; ok {
			label := ""
			if field != "" {
				label = alertFieldLabel(v.L, field, f.Infos)
			}
			d.Summary = append(d.Summary, fieldError{Field: field, Label: label, Message: msg})
		}
	}
	title := "title.alert.new"
	if base != nil {
		title = "title.alert.update"
	}
	pv := u.page(r, v, "alerts", title, d)
	pv.Path = newPath
	if isHTMX(r) && r.Method == http.MethodPost {
		u.render(w, r, status, "alert_new", "alertform", pv)
		return
	}
	u.render(w, r, status, "alert_new", "layout", pv)
}

// newAlertForm shows the empty form, or with ?template= the form
// pre-filled with a template.
func (u *ui) newAlertForm(w http.ResponseWriter, r *http.Request, v *visit) {
	f := u.emptyAlertForm(v.L)
	if t, ok := alert.TemplateNamed(r.URL.Query().Get("template")); ok {
		applyTemplate(&f, t)
	}
	u.showAlertForm(w, r, v, http.StatusOK, f, nil, nil, nil)
}

// updateAlertForm shows the form of an Update of a live alert, with its
// content; ?template= pre-fills a template's texts over it.
func (u *ui) updateAlertForm(w http.ResponseWriter, r *http.Request, v *visit) {
	base, err := u.Alerts.Get(r.Context(), v.P, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	if !base.Live(u.Now()) || base.MsgType == cap.MsgCancel {
		u.alertActionFailed(w, r, v, errNotInForce, nil)
		return
	}
	f := u.formFromAlert(v.L, base)
	if t, ok := alert.TemplateNamed(r.URL.Query().Get("template")); ok {
		applyTemplate(&f, t)
	}
	u.showAlertForm(w, r, v, http.StatusOK, f, base, nil, nil)
}

// formBase loads the alert an Update form replaces, if any.
func (u *ui) formBase(ctx context.Context, v *visit, f alertForm) (*alert.Alert, error) {
	if f.UpdateOf == "" {
		return nil, nil
	}
	return u.Alerts.Get(ctx, v.P, f.UpdateOf)
}

// prefillAlert applies a template to what was typed so far (htmx swaps
// the form; without JavaScript the whole page comes back).
func (u *ui) prefillAlert(w http.ResponseWriter, r *http.Request, v *visit) {
	f := u.readAlertForm(v.L, r.PostForm)
	base, err := u.formBase(r.Context(), v, f)
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	if base != nil {
		f.Status = string(base.Status)
	}
	if t, ok := alert.TemplateNamed(f.Template); ok {
		applyTemplate(&f, t)
	}
	u.showAlertForm(w, r, v, http.StatusOK, f, base, nil, nil)
}

// alertPreview is the reach panel: what the draft would reach and what
// stands in its way.
type alertPreview struct {
	Error      string // the first problem; nothing is reached until it is fixed
	ErrorField string
	ErrorLabel string
	Warnings   []warningView
	Platforms  []string // names
	People     int      // subscribers in the area, -1 when unknown
	Status     cap.Status
	Exercise   bool
	Expires    time.Time
	ExpiresISO string // ISO 8601, with the offset
	ExpiresIn  string
	Geocodes   []geocodeView
}

// warningView is a validation warning, translated, with the field it names.
type warningView struct {
	Field, Label, Message string
}

// geocodeView is a geocode with the area's name when the gazetteer knows it.
type geocodeView struct {
	ValueName, Value, Name string
}

func geocodeViews(gs []alert.Geocode) []geocodeView {
	out := make([]geocodeView, len(gs))
	for i, g := range gs {
		out[i] = geocodeView{ValueName: g.ValueName, Value: g.Value}
		if a, ok := gazetteer.ByGeocode(g.ValueName, g.Value); ok {
			out[i].Name = a.Name
		}
	}
	return out
}

// previewAlert validates the draft and shows its reach: the panel alone
// for htmx, else the whole form with the errors beside their fields.
func (u *ui) previewAlert(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	f := u.readAlertForm(v.L, r.PostForm)
	base, err := u.formBase(ctx, v, f)
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	if base != nil {
		f.Status = string(base.Status)
	}
	d, m, errs := f.draft(v.L, u.Alerts.Policy().Languages)
	pre := &alertPreview{Status: d.Status, Exercise: d.Status == cap.StatusExercise || d.Status == cap.StatusTest, People: -1,
		Geocodes: geocodeViews(d.Area.Geocodes)}
	if !d.Expires.IsZero() {
		pre.Expires, pre.ExpiresISO = d.Expires, isoUTC(d.Expires)
		if left := d.Expires.Sub(u.Now()); left > 0 {
			pre.ExpiresIn = v.L.Dur(left)
		}
	}
	for _, field := range alertFormFields(f) {
		if msg, ok := errs[field]; ok && pre.Error == "" {
			pre.Error, pre.ErrorField, pre.ErrorLabel = msg, field, alertFieldLabel(v.L, field, f.Infos)
		}
	}
	if pre.Error == "" {
		a, reach, err := u.Alerts.Preview(ctx, v.P, d)
		if e := vigie.AsError(err); e != nil && e.Code == vigie.EInvalid {
			field, msg := formField(v.L, e.Field, e.Message, m)
			errs[field] = msg
			pre.Error, pre.ErrorField = msg, field
			if field != "" {
				pre.ErrorLabel = alertFieldLabel(v.L, field, f.Infos)
			}
		} else if err != nil {
			u.fail(w, r, v, err)
			return
		} else {
			pre.Warnings = u.warningViews(v.L, a.Warnings, a.Infos, f.Infos)
			pre.Platforms, pre.People = u.orgNames(ctx, reach.Platforms), reach.People
		}
	}
	if isHTMX(r) {
		pv := u.page(r, v, "alerts", "title.alert.new", alertFormData{F: f, Preview: pre})
		u.render(w, r, http.StatusOK, "alert_new", "preview", pv)
		return
	}
	u.showAlertForm(w, r, v, http.StatusOK, f, base, errs, pre)
}

// orgNames names organisations, sorted; unknown ids are shown as they are.
func (u *ui) orgNames(ctx context.Context, ids []string) []string {
	names := map[string]string{}
	if orgs, err := u.Orgs.Orgs(ctx); err == nil {
		for _, o := range orgs {
			names[o.ID] = o.Name
		}
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = or(names[id], id)
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out
}

// The warnings the alert package words with details, translated.
var (
	warnUntranslated = regexp.MustCompile(`^is identical to the (headline|description|instruction) of infos\[(\d+)\] \(([^)]*)\): it looks untranslated$`)
	warnNoDesc       = regexp.MustCompile(`^is empty while infos\[(\d+)\] \(([^)]*)\) has one$`)
	warnScript       = regexp.MustCompile(`^has no letter in the \w+ script of ([\w-]+): is it in the right language\?$`)
	warnInfo         = regexp.MustCompile(`^infos\[(\d+)\]\.([a-z_]+)$`)
)

// warningViews translates warnings and names their fields. infos are the
// alert's (the warnings' indexes), forms the fieldsets when on the form.
func (u *ui) warningViews(l *locale, ws []alert.Warning, infos []alert.Info, forms []infoForm) []warningView {
	lang := func(i string) string {
		n, err := strconv.Atoi(i)
		if err != nil || n < 0 || n >= len(infos) {
			return i
		}
		return langName(l, infos[n].Language)
	}
	out := make([]warningView, 0, len(ws))
	for _, w := range ws {
		wv := warningView{Message: l.ErrMessage(w.Message), Label: w.Field}
		if m := warnUntranslated.FindStringSubmatch(w.Message); m != nil {
			wv.Message = l.T("al.warn.untranslated", l.T("al.f."+m[1]), lang(m[2]))
		} else if m := warnNoDesc.FindStringSubmatch(w.Message); m != nil {
			wv.Message = l.T("al.warn.nodesc", lang(m[1]))
		} else if m := warnScript.FindStringSubmatch(w.Message); m != nil {
			wv.Message = l.T("al.warn.script", langName(l, m[1]))
		}
		if m := warnInfo.FindStringSubmatch(w.Field); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil && n < len(infos) {
				tag := infos[n].Language
				for _, fi := range forms { // the fieldset of that language, when on the form
					if baseLang(fi.Lang) == baseLang(tag) {
						wv.Field = m[2] + "_" + fi.Lang
					}
				}
				wv.Label = langName(l, tag) + " — " + l.tOr("al.f."+m[2], m[2])
			}
		} else {
			wv.Label = l.tOr("al.f."+w.Field, w.Field)
		}
		out = append(out, wv)
	}
	return out
}

// submitAlertForm reads, checks and submits the form: Create for a new
// alert, Update for the form of an Update.
func (u *ui) submitAlertForm(w http.ResponseWriter, r *http.Request, v *visit, base *alert.Alert) {
	ctx := r.Context()
	f := u.readAlertForm(v.L, r.PostForm)
	if base != nil {
		f.UpdateOf, f.Status = base.ID, string(base.Status)
	}
	d, m, errs := f.draft(v.L, u.Alerts.Policy().Languages)
	status := http.StatusUnprocessableEntity
	if len(errs) == 0 {
		var a *alert.Alert
		var err error
		if base != nil {
			a, err = u.Alerts.Update(ctx, v.P, base.ID, d)
		} else {
			idem := ""
			if f.Idem != "" {
				idem = "webui:" + f.Idem
			}
			a, _, err = u.Alerts.Create(ctx, v.P, d, idem)
		}
		e := vigie.AsError(err)
		switch {
		case err == nil:
			seeOther(w, r, "/alerts/"+url.PathEscape(a.ID), submittedKey(a))
			return
		case e == nil || (e.Code != vigie.EInvalid && e.Code != vigie.EConflict):
			u.fail(w, r, v, err)
			return
		case e.Code == vigie.EConflict:
			status = http.StatusConflict
			errs[""] = v.L.ErrMessage(e.Message)
		default:
			field, msg := formField(v.L, e.Field, e.Message, m)
			errs[field] = msg
		}
	}
	u.showAlertForm(w, r, v, status, f, base, errs, nil)
}

// submittedKey is the confirmation of a message just written.
func submittedKey(a *alert.Alert) string {
	what := "alert"
	if a.MsgType == cap.MsgUpdate {
		what = "update"
	}
	return what + stateWord(a)
}

// createAlert writes a new alert.
func (u *ui) createAlert(w http.ResponseWriter, r *http.Request, v *visit) {
	if r.PostForm.Get("update_of") != "" { // the form of an Update posted here: refuse to make it a new alert
		u.errorPage(w, r, v, http.StatusBadRequest, "err.badform")
		return
	}
	u.submitAlertForm(w, r, v, nil)
}

// updateAlert writes an Update of a live alert.
func (u *ui) updateAlert(w http.ResponseWriter, r *http.Request, v *visit) {
	base, err := u.Alerts.Get(r.Context(), v.P, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	u.submitAlertForm(w, r, v, base)
}

// ---------------------------------------------------------------- detail

// infoView is an alert's text in one language.
type infoView struct {
	alert.Info
	Name, Dir, Event string
}

// chainRow is a message of the alert's chain.
type chainRow struct {
	A        *alert.Alert
	State    string
	Headline string
	Current  bool
}

// hopView is a step of the alert's journey.
type hopView struct {
	Name  string
	At    time.Time
	Since string // from the first hop
}

// reachView is who the alert reaches.
type reachView struct {
	Platforms []string
	People    int
}

type alertDetailData struct {
	A          *alert.Alert
	State      string
	Headline   string // in the viewer's language when the alert has it
	Event      string // likewise
	Infos      []infoView
	Exercise   bool
	Mine       bool // the viewer wrote it
	CanApprove bool // a person of the authority who is not the author
	CanAct     bool // Update, Cancel, All clear
	Waiting    *alert.Alert
	Reach      *reachView
	ReachError string
	Warnings   []warningView
	Chain      []chainRow
	References []string
	Hops       []hopView
	Deliveries *deliveryView
	Polygons   string // for the map: the shapes and the outlines of known geocodes
	Circles    string
	Geocodes   []geocodeView
	Sent       string // ISO 8601, with the offset
	ExpiresISO string
	Errors     map[string]string
	Values     map[string]string
	Error      string
	Back       string
	BackLabel  string
	Attr       string
}

// alertDetail shows one message of the caller's authority.
func (u *ui) alertDetail(w http.ResponseWriter, r *http.Request, v *visit) {
	u.showAlert(w, r, v, http.StatusOK, r.PathValue("id"), nil, nil, "")
}

func (u *ui) showAlert(w http.ResponseWriter, r *http.Request, v *visit, status int, id string, errs, vals map[string]string, general string) {
	ctx := r.Context()
	a, err := u.Alerts.Get(ctx, v.P, id)
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	now := u.Now()
	d := alertDetailData{A: a, State: shownState(a, now), Exercise: a.Exercise(), Mine: a.CreatedBy == v.P.Actor(),
		Errors: errs, Values: vals, Error: general, Geocodes: geocodeViews(a.Area.Geocodes),
		Sent: isoUTC(a.Sent()), ExpiresISO: isoUTC(a.Expires), Attr: tiles.Attribution}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.Values == nil {
		d.Values = map[string]string{}
	}
	d.CanApprove = a.State == alert.StatePending && now.Before(a.Expires) && !d.Mine && v.P.UserID != ""
	d.Event = a.Event
	if in := infoFor(a.Infos, v.L.Tag); in != nil {
		d.Headline, d.Event = in.Headline, cmp.Or(in.Event, a.Event)
	}
	for _, in := range a.Infos {
		iv := infoView{Info: in, Name: langName(v.L, in.Language), Dir: "ltr", Event: cmp.Or(in.Event, a.Event)}
		if rtlLanguages[baseLang(in.Language)] {
			iv.Dir = "rtl"
		}
		d.Infos = append(d.Infos, iv)
	}
	for _, ref := range a.References {
		d.References = append(d.References, ref.String())
	}
	polys := slices.Clone(a.Area.Polygons)
	for _, g := range a.Area.Geocodes {
		if ga, ok := gazetteer.ByGeocode(g.ValueName, g.Value); ok {
			polys = append(polys, ga.CAPPolygons()...)
		}
	}
	d.Polygons, d.Circles = strings.Join(polys, "\n"), strings.Join(a.Area.Circles, "\n")

	// The chain: every message about this event, oldest first.
	chain, err := u.Alerts.List(ctx, v.P, alert.Filter{ChainID: a.ChainID})
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	slices.SortFunc(chain, func(x, y *alert.Alert) int {
		return cmp.Or(x.CreatedAt.Compare(y.CreatedAt), strings.Compare(x.ID, y.ID))
	})
	var latest *alert.Alert
	for _, m := range chain {
		row := chainRow{A: m, State: shownState(m, now), Current: m.ID == a.ID}
		if in := infoFor(m.Infos, v.L.Tag); in != nil {
			row.Headline = in.Headline
		}
		d.Chain = append(d.Chain, row)
		if m.State == alert.StatePending && m.ID != a.ID && now.Before(m.Expires) {
			d.Waiting = m
		}
		if m.PublishedAt != nil && (latest == nil || m.PublishedAt.After(*latest.PublishedAt)) {
			latest = m
		}
	}
	d.CanAct = a.Live(now) && a.MsgType != cap.MsgCancel && d.Waiting == nil && latest != nil && latest.ID == a.ID

	// Reach and warnings: what the approver weighs before approving.
	if a.State == alert.StatePending || a.Live(now) {
		reach, err := u.Alerts.Reach(ctx, v.P, a.ID)
		if err != nil {
			u.Log.Warn("web UI: alert reach", "alert", a.ID, "err", err)
			d.ReachError = v.L.T("al.reach.error")
		} else {
			d.Reach = &reachView{Platforms: u.orgNames(ctx, reach.Platforms), People: reach.People}
		}
	}
	d.Warnings = u.warningViews(v.L, a.Warnings, a.Infos, nil)

	var report *alert.DeliveryReport
	if a.PublishedAt != nil {
		d.Deliveries, report = u.deliveries(ctx, v, a)
	}
	d.Hops = hopViews(v.L, a.Timeline(), report)

	d.Back, d.BackLabel = "/alerts", "al.back"
	pv := u.page(r, v, "alerts", "title.alerts", d)
	pv.Title = cmp.Or(d.Headline, a.Event, a.Note)
	pv.Path = "/alerts/" + url.PathEscape(a.ID)
	u.render(w, r, status, "alert_detail", "layout", pv)
}

// hopViews are the alert's own steps, and the delivery's when reported,
// in time order, with the time since the first.
func hopViews(l *locale, own []alert.Hop, report *alert.DeliveryReport) []hopView {
	hops := slices.Clone(own)
	if report != nil {
		for _, h := range report.Hops {
			if !slices.ContainsFunc(hops, func(x alert.Hop) bool { return x.Name == h.Name && x.At.Equal(h.At) }) {
				hops = append(hops, h)
			}
		}
	}
	slices.SortStableFunc(hops, func(a, b alert.Hop) int { return a.At.Compare(b.At) })
	out := make([]hopView, len(hops))
	for i, h := range hops {
		out[i] = hopView{Name: l.tOr("al.hop."+h.Name, h.Name), At: h.At}
		if i > 0 {
			out[i].Since = "+" + l.Dur(h.At.Sub(hops[0].At))
		}
	}
	return out
}

// alertCAP serves the message's CAP 1.2 document, whatever its state (the
// public /cap/ feed has only the published ones).
func (u *ui) alertCAP(w http.ResponseWriter, r *http.Request, v *visit) {
	a, err := u.Alerts.Get(r.Context(), v.P, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	doc, err := alert.CAP(a)
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", cap.MIMECAP)
	h.Set("Content-Disposition", `inline; filename="`+a.Identifier+`.xml"`)
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(doc)
}

// ---------------------------------------------------------------- actions

// approveAlert publishes a message awaiting approval: a person of the
// authority other than the author (the service enforces it).
func (u *ui) approveAlert(w http.ResponseWriter, r *http.Request, v *visit) {
	id := r.PathValue("id")
	if _, err := u.Alerts.Approve(r.Context(), v.P, id); err != nil {
		u.alertActionFailed(w, r, v, err, nil)
		return
	}
	seeOther(w, r, "/alerts/"+url.PathEscape(id), "alertapproved")
}

// rejectAlert refuses a message awaiting approval, with the reason.
func (u *ui) rejectAlert(w http.ResponseWriter, r *http.Request, v *visit) {
	id, reason := r.PathValue("id"), strings.TrimSpace(r.PostForm.Get("reason"))
	vals := map[string]string{"reason": reason}
	if reason == "" {
		u.alertActionFailed(w, r, v, vigie.Invalid("reason", "is required"), vals)
		return
	}
	if _, err := u.Alerts.Reject(r.Context(), v.P, id, reason); err != nil {
		u.alertActionFailed(w, r, v, err, vals)
		return
	}
	seeOther(w, r, "/alerts/"+url.PathEscape(id), "alertrejected")
}

// allClearAlert ends a live alert in one click: an Update with the
// all-clear texts in each of its languages.
func (u *ui) allClearAlert(w http.ResponseWriter, r *http.Request, v *visit) {
	a, err := u.Alerts.AllClear(r.Context(), v.P, r.PathValue("id"), nil)
	if err != nil {
		u.alertActionFailed(w, r, v, err, nil)
		return
	}
	seeOther(w, r, "/alerts/"+url.PathEscape(a.ID), "allclear"+stateWord(a))
}

// stateWord is "pending" or "published", for the confirmations.
func stateWord(a *alert.Alert) string {
	if a.State == alert.StatePending {
		return "pending"
	}
	return "published"
}

type cancelData struct {
	A        *alert.Alert
	Headline string
	Note     string
	Error    string
	Exercise bool
}

// cancelAlertForm is the confirmation step of a Cancel: what it ends, and
// the note that tells people why.
func (u *ui) cancelAlertForm(w http.ResponseWriter, r *http.Request, v *visit) {
	a, err := u.Alerts.Get(r.Context(), v.P, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	if !a.Live(u.Now()) || a.MsgType == cap.MsgCancel {
		u.alertActionFailed(w, r, v, errNotInForce, nil)
		return
	}
	u.showCancel(w, r, v, http.StatusOK, "", "")
}

// errNotInForce refuses to update or cancel what is no longer out; the
// service refuses it too (and what was replaced since).
var errNotInForce = vigie.Errorf(vigie.EConflict, "the alert is not in force: there is nothing to update or cancel")

func (u *ui) showCancel(w http.ResponseWriter, r *http.Request, v *visit, status int, note, msg string) {
	a, err := u.Alerts.Get(r.Context(), v.P, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	d := cancelData{A: a, Note: note, Error: msg, Exercise: a.Exercise()}
	if in := infoFor(a.Infos, v.L.Tag); in != nil {
		d.Headline = in.Headline
	}
	pv := u.page(r, v, "alerts", "title.alert.cancel", d)
	pv.Path = "/alerts/" + url.PathEscape(a.ID) + "/cancel"
	u.render(w, r, status, "alert_cancel", "layout", pv)
}

// cancelAlert writes the Cancel.
func (u *ui) cancelAlert(w http.ResponseWriter, r *http.Request, v *visit) {
	note := strings.TrimSpace(r.PostForm.Get("note"))
	if note == "" {
		u.showCancel(w, r, v, http.StatusUnprocessableEntity, note, v.L.T("form.required"))
		return
	}
	a, err := u.Alerts.Cancel(r.Context(), v.P, r.PathValue("id"), note)
	if e := vigie.AsError(err); e != nil && e.Code == vigie.EInvalid {
		u.showCancel(w, r, v, http.StatusUnprocessableEntity, note, v.L.ErrMessage(e.Message))
		return
	} else if err != nil {
		u.alertActionFailed(w, r, v, err, nil)
		return
	}
	seeOther(w, r, "/alerts/"+url.PathEscape(a.ID), "cancel"+stateWord(a))
}

// alertActionFailed shows the alert's page with the error: beside the
// reason field, or above the page (403 for the two-person rule, 409 for a
// state conflict). Errors not about the input get their own page.
func (u *ui) alertActionFailed(w http.ResponseWriter, r *http.Request, v *visit, err error, vals map[string]string) {
	e := vigie.AsError(err)
	if e == nil || (e.Code != vigie.EInvalid && e.Code != vigie.EConflict && e.Code != vigie.EForbidden) {
		u.fail(w, r, v, err)
		return
	}
	status := map[vigie.Code]int{vigie.EInvalid: http.StatusUnprocessableEntity, vigie.EConflict: http.StatusConflict,
		vigie.EForbidden: http.StatusForbidden}[e.Code]
	if e.Code == vigie.EInvalid && e.Field == "reason" {
		u.showAlert(w, r, v, status, r.PathValue("id"), map[string]string{"reason": v.L.ErrMessage(e.Message)}, vals, "")
		return
	}
	u.showAlert(w, r, v, status, r.PathValue("id"), nil, vals, v.L.ErrMessage(e.Message))
}

// ---------------------------------------------------------------- deliveries

// deliveryView is the delivery section of a published alert.
type deliveryView struct {
	ID        string
	Available bool   // the server reports deliveries
	Error     string // the report failed
	Rows      []channelRow
	Chart     curveChart
	Pending   bool   // some deliveries are under way: refresh
	Refresh   string // the htmx trigger while pending
	Updated   time.Time
}

// channelRow is a channel's figures.
type channelRow struct {
	alert.ChannelStats
	Name, Class   string
	P50, P90, P99 string
}

// deliveries reads the delivery report of a published alert.
func (u *ui) deliveries(ctx context.Context, v *visit, a *alert.Alert) (*deliveryView, *alert.DeliveryReport) {
	dv := &deliveryView{ID: a.ID, Updated: u.Now()}
	if u.AlertDeliveries == nil {
		return dv, nil
	}
	dv.Available = true
	rep, err := u.AlertDeliveries.DeliveryReport(ctx, v.P, a.ID)
	switch {
	case vigie.ErrorCode(err) == vigie.ENotFound || (err == nil && rep == nil):
		rep = &alert.DeliveryReport{AlertID: a.ID} // nothing recorded yet
	case err != nil:
		u.Log.Warn("web UI: delivery report", "alert", a.ID, "err", err)
		dv.Error = v.L.T("al.dlv.error")
		return dv, nil
	}
	for _, c := range rep.Channels {
		row := channelRow{ChannelStats: c, Name: v.L.tOr("al.ch."+c.Channel, c.Channel), Class: channelClass(c.Channel),
			P50: "—", P90: "—", P99: "—"}
		if c.Delivered > 0 {
			row.P50, row.P90, row.P99 = v.L.Dur(c.P50), v.L.Dur(c.P90), v.L.Dur(c.P99)
		}
		dv.Rows = append(dv.Rows, row)
		if c.Pending > 0 {
			dv.Pending = true
		}
	}
	// Refresh while deliveries are under way, and for a while after the
	// publication until the fan-out reports its first figures.
	if dv.Pending || (len(dv.Rows) == 0 && a.Live(dv.Updated) && dv.Updated.Sub(*a.PublishedAt) < fanoutGrace) {
		dv.Refresh = deliveryRefresh
	}
	dv.Chart = deliveryCurve(v.L, rep.Channels)
	return dv, rep
}

func channelClass(ch string) string {
	switch ch {
	case alert.ChannelWebhook, alert.ChannelWebPush, alert.ChannelWebSub, alert.ChannelSSE:
		return "ch-" + ch
	}
	return "ch-other"
}

// alertDeliveries renders the delivery section alone, for its refresh.
func (u *ui) alertDeliveries(w http.ResponseWriter, r *http.Request, v *visit) {
	a, err := u.Alerts.Get(r.Context(), v.P, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	d := alertDetailData{A: a}
	if a.PublishedAt != nil {
		d.Deliveries, _ = u.deliveries(r.Context(), v, a)
	}
	pv := u.page(r, v, "alerts", "title.alerts", d)
	u.render(w, r, http.StatusOK, "alert_detail", "deliveries", pv)
}

// The delivery chart: a viewBox of 640×220 whose plot runs from x 52 to
// 628 and from y 12 (100 %) to 192 (0 %); the labels go around it.
const (
	curveW, curveH        = 640.0, 220.0
	curveX0, curveX1      = 52.0, 628.0
	curveTop, curveBottom = 12.0, 192.0
	curveTicks            = 4           // intervals on the time axis
	curveMinSpan          = time.Second // the shortest time axis
)

// curveChart is the cumulative share delivered per channel against the
// time since publication, as SVG polylines laid out here.
type curveChart struct {
	W, H         float64
	X0, X1       float64
	Top, Bottom  float64
	PlotW, PlotH float64
	LabelX       float64 // where the percentages end, left of the plot
	LabelY       float64 // the baseline of the time labels, below it
	Lines        []curveLine
	Grid         []curveGrid
	Ticks        []curveTick
	Empty        bool
}

type curveLine struct {
	Name, Class, Points string
	Share               string // share delivered at the end, for the legend
}

type curveGrid struct {
	Y     float64
	Label string
}

type curveTick struct {
	X     float64
	Label string
}

// deliveryCurve lays out the curves: y is the share of the channel's
// targets delivered (so that 5 platforms and a million browsers fit one
// chart), with the 50, 90 and 99 % lines the percentiles refer to.
func deliveryCurve(l *locale, chans []alert.ChannelStats) curveChart {
	c := curveChart{W: curveW, H: curveH, X0: curveX0, X1: curveX1, Top: curveTop, Bottom: curveBottom,
		PlotW: curveX1 - curveX0, PlotH: curveBottom - curveTop, LabelX: curveX0 - 6, LabelY: curveBottom + 20}
	span := time.Duration(0)
	for _, ch := range chans {
		for _, p := range ch.Curve {
			span = max(span, p.After)
		}
	}
	if span < curveMinSpan {
		span = curveMinSpan
	}
	x := func(d time.Duration) float64 {
		return curveX0 + (curveX1-curveX0)*math.Min(1, math.Max(0, float64(d)/float64(span)))
	}
	y := func(share float64) float64 {
		return curveBottom - (curveBottom-curveTop)*math.Min(1, math.Max(0, share))
	}
	for _, share := range []float64{0.5, 0.9, 0.99} {
		c.Grid = append(c.Grid, curveGrid{Y: round1(y(share)), Label: l.Percent(share)})
	}
	for i := 0; i <= curveTicks; i++ {
		d := span * time.Duration(i) / curveTicks
		label := l.Dur(d)
		if i == 0 {
			label = "0"
		}
		c.Ticks = append(c.Ticks, curveTick{X: round1(x(d)), Label: label})
	}
	c.Empty = true
	for _, ch := range chans {
		total := ch.Targets
		for _, p := range ch.Curve {
			total = max(total, p.Delivered)
		}
		if total <= 0 {
			continue
		}
		c.Empty = false
		var b strings.Builder
		prev := 0
		fmt.Fprintf(&b, "%.1f,%.1f", curveX0, y(0))
		for _, p := range ch.Curve {
			xs := x(p.After)
			fmt.Fprintf(&b, " %.1f,%.1f %.1f,%.1f", xs, y(float64(prev)/float64(total)), xs, y(float64(p.Delivered)/float64(total)))
			prev = p.Delivered
		}
		fmt.Fprintf(&b, " %.1f,%.1f", curveX1, y(float64(prev)/float64(total)))
		c.Lines = append(c.Lines, curveLine{Name: l.tOr("al.ch."+ch.Channel, ch.Channel), Class: channelClass(ch.Channel),
			Points: b.String(), Share: l.Percent(float64(prev) / float64(total))})
	}
	return c
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// isoUTC is a time in ISO 8601 with its offset, as people check it against
// the CAP document: "2026-11-13T22:30:00+00:00".
func isoUTC(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") + "+00:00" }

// Dur is a duration for people: "850 ms", "4.2 s", "3.5 min", "6.0 h".
func (l *locale) Dur(d time.Duration) string {
	switch {
	case d < time.Second:
		return l.T("al.fmt.ms", int(d.Milliseconds()))
	case d < time.Minute:
		return l.T("al.fmt.s", l.Num(d.Seconds(), 1))
	case d < time.Hour:
		return l.T("al.fmt.min", l.Num(d.Minutes(), 1))
	}
	return l.T("al.fmt.h", l.Num(d.Hours(), 1))
}

// AlertStatus, AlertState, MsgType and the CAP enumerations, named.
func (l *locale) AlertStatus(s cap.Status) string    { return l.tOr("al.status."+string(s), string(s)) }
func (l *locale) AlertState(s string) string         { return l.tOr("al.state."+s, s) }
func (l *locale) MsgType(m cap.MsgType) string       { return l.tOr("al.msg."+string(m), string(m)) }
func (l *locale) Category(c cap.Category) string     { return l.tOr("al.cat."+string(c), string(c)) }
func (l *locale) Response(r cap.ResponseType) string { return l.tOr("al.resp."+string(r), string(r)) }
func (l *locale) Urgency(x cap.Urgency) string       { return l.tOr("al.urg."+string(x), string(x)) }
func (l *locale) Severity(x cap.Severity) string     { return l.tOr("al.sev."+string(x), string(x)) }
func (l *locale) Certainty(x cap.Certainty) string   { return l.tOr("al.cert."+string(x), string(x)) }
