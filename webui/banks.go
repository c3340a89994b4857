package webui

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	vigie "github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/media"
	"github.com/vigie-project/vigie/org"
)

// Media is the shared hash database, as the UI uses it.
type Media interface {
	Banks(ctx context.Context, p org.Principal) ([]*media.Bank, error)
	CreateBank(ctx context.Context, p org.Principal, d media.BankDraft) (*media.Bank, error)
	Stats(ctx context.Context, p org.Principal, bank string, days int) (*media.BankStats, error)
	Contribute(ctx context.Context, p org.Principal, bank string, drafts []media.SignalDraft, source string) (*media.ContributeResult, error)
	Feedback(ctx context.Context, p org.Principal, id int64, op media.Opinion) (*media.Signal, error)
	Reinstate(ctx context.Context, p org.Principal, id int64) (*media.Signal, error)
	Match(ctx context.Context, p org.Principal, q media.MatchQuery) (*media.MatchResult, error)
}

// chartDays is how far back the bank charts go.
const chartDays = 30

// bar is one bar of a chart, in the chart's viewBox units.
type bar struct {
	X, Y, W, H float64
	Label      string // the day, for the tooltip
	Value      int
}

// chart is a bar chart of one value per day, drawn as SVG by the template.
type chart struct {
	Bars        []bar
	Max, Sum    int
	First, Last string // the first and last days' labels
}

// dailyChart lays out counts per day over the last days, oldest left.
func dailyChart(l *locale, now time.Time, days int, counts map[time.Time]int) chart {
	const width, height = 300.0, 60.0
	start := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -(days - 1))
	c := chart{}
	for _, n := range counts {
		c.Max = max(c.Max, n)
		c.Sum += n
	}
	w := width / float64(days)
	for i := range days {
		day := start.AddDate(0, 0, i)
		n := counts[day]
		h := 0.0
		if c.Max > 0 {
			h = height * float64(n) / float64(c.Max)
		}
		c.Bars = append(c.Bars, bar{X: float64(i) * w, Y: height - h, W: w * 0.8, H: h, Label: l.Date(day), Value: n})
	}
	c.First, c.Last = c.Bars[0].Label, c.Bars[len(c.Bars)-1].Label
	return c
}

type banksData struct {
	Banks  []*media.Bank
	Member bool
	Errors map[string]string
	Values map[string]string
}

func isMember(p org.Principal) bool { return p.Kind == org.KindPlatform || p.Kind == org.KindNGO }

// bankList shows every bank with its size; members may create one.
func (u *ui) bankList(w http.ResponseWriter, r *http.Request, v *visit) {
	u.showBanks(w, r, v, http.StatusOK, nil, nil)
}

func (u *ui) showBanks(w http.ResponseWriter, r *http.Request, v *visit, status int, errs, vals map[string]string) {
	bs, err := u.Media.Banks(r.Context(), v.P)
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	d := banksData{Banks: bs, Member: isMember(v.P), Errors: errs, Values: vals}
	if d.Errors == nil {
		d.Errors, d.Values = map[string]string{}, map[string]string{}
	}
	u.render(w, r, status, "banks", "layout", u.page(r, v, "banks", "title.banks", d))
}

// createBank creates a bank owned by the member's organisation.
func (u *ui) createBank(w http.ResponseWriter, r *http.Request, v *visit) {
	f := r.PostForm
	d := media.BankDraft{Name: f.Get("name"), Description: f.Get("description"), Kind: media.BankKind(f.Get("kind")),
		Labels: media.Labels{Entity: f.Get("entity"), Behaviour: f.Get("behaviour"), ContentType: f.Get("content_type")}}
	if t := f.Get("threshold"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil {
			u.showBanks(w, r, v, http.StatusUnprocessableEntity, map[string]string{"threshold": v.L.T("bank.err.threshold")}, formValues(f))
			return
		}
		d.PDQThreshold = n
	}
	b, err := u.Media.CreateBank(r.Context(), v.P, d)
	if err != nil {
		if e := vigie.AsError(err); e != nil && (e.Code == vigie.EInvalid || e.Code == vigie.EConflict) {
			field := fieldName(e.Field)
			if field == "" {
				field = "name"
			}
			u.showBanks(w, r, v, http.StatusUnprocessableEntity, map[string]string{field: v.L.ErrMessage(e.Message)}, formValues(f))
			return
		}
		u.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/banks/"+url.PathEscape(b.Name)+"?done=bank", http.StatusSeeOther)
}

func formValues(f url.Values) map[string]string {
	m := map[string]string{}
	for k := range f {
		m[k] = f.Get(k)
	}
	return m
}

// fieldName turns "body.labels.entity" into "entity".
func fieldName(f string) string {
	for i := len(f) - 1; i >= 0; i-- {
		if f[i] == '.' {
			return f[i+1:]
		}
	}
	return f
}

type bankData struct {
	S        *media.BankStats
	Growth   chart
	Matches  chart
	Member   bool
	Owner    bool
	OrgID    string
	Error    string
	Uploaded *media.ContributeResult
}

// bankDetail shows a bank: its settings, its growth and matches over the
// last 30 days, and for members its disputes and quarantines.
func (u *ui) bankDetail(w http.ResponseWriter, r *http.Request, v *visit) {
	u.showBank(w, r, v, http.StatusOK, "", nil)
}

func (u *ui) showBank(w http.ResponseWriter, r *http.Request, v *visit, status int, msg string, up *media.ContributeResult) {
	st, err := u.Media.Stats(r.Context(), v.P, r.PathValue("name"), chartDays)
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	growth := map[time.Time]int{}
	for _, g := range st.Growth {
		growth[g.Day] += g.Count
	}
	matches := map[time.Time]int{}
	for _, m := range st.Matches {
		matches[m.Hour.Truncate(24*time.Hour)] += m.Count
	}
	now := u.Now()
	d := bankData{S: st, Growth: dailyChart(v.L, now, chartDays, growth), Matches: dailyChart(v.L, now, chartDays, matches),
		Member: isMember(v.P), Owner: st.Bank.OwnerID == v.P.OrgID, OrgID: v.P.OrgID, Error: msg, Uploaded: up}
	pv := u.page(r, v, "banks", "title.banks", d)
	pv.Title = st.Bank.Name
	pv.Path = "/banks/" + url.PathEscape(st.Bank.Name)
	u.render(w, r, status, "bank", "layout", pv)
}

// uploadedFile reads the file of a multipart form.
func uploadedFile(r *http.Request, field string) ([]byte, string, bool) {
	if r.MultipartForm == nil {
		return nil, "", false
	}
	files := r.MultipartForm.File[field]
	if len(files) == 0 {
		return nil, "", false
	}
	f, err := files[0].Open()
	if err != nil {
		return nil, "", false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxUploadBytes))
	if err != nil || len(data) == 0 {
		return nil, "", false
	}
	return data, files[0].Header.Get("Content-Type"), true
}

// contributeMedia hashes an uploaded photo or video into the bank.
func (u *ui) contributeMedia(w http.ResponseWriter, r *http.Request, v *visit) {
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	data, ctype, ok := uploadedFile(r, "file")
	if !ok {
		u.showBank(w, r, v, http.StatusUnprocessableEntity, v.L.T("match.err.nofile"), nil)
		return
	}
	h, err := u.Uploads.Hash(r.Context(), data, ctype)
	if err == nil {
		var res *media.ContributeResult
		labels := media.Labels{Entity: r.FormValue("entity"), Behaviour: r.FormValue("behaviour"), Incident: r.FormValue("incident")}
		res, err = u.Media.Contribute(r.Context(), v.P, r.PathValue("name"), h.Drafts(labels), "upload")
		if err == nil {
			u.showBank(w, r, v, http.StatusOK, "", res)
			return
		}
	}
	if e := vigie.AsError(err); e != nil && e.Code == vigie.EInvalid {
		u.showBank(w, r, v, http.StatusUnprocessableEntity, v.L.ErrMessage(e.Message), nil)
		return
	}
	u.fail(w, r, v, err)
}

// signalFeedback records agree or disagree on another member's hash.
func (u *ui) signalFeedback(w http.ResponseWriter, r *http.Request, v *visit) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		u.errorPage(w, r, v, http.StatusNotFound, "err.notfound")
		return
	}
	if _, err := u.Media.Feedback(r.Context(), v.P, id, media.Opinion(r.PostForm.Get("opinion"))); err != nil {
		u.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/banks/"+url.PathEscape(r.PostForm.Get("bank"))+"?done=feedback", http.StatusSeeOther)
}

// reinstateSignal puts a quarantined hash back into matching.
func (u *ui) reinstateSignal(w http.ResponseWriter, r *http.Request, v *visit) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		u.errorPage(w, r, v, http.StatusNotFound, "err.notfound")
		return
	}
	if _, err := u.Media.Reinstate(r.Context(), v.P, id); err != nil {
		u.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/banks/"+url.PathEscape(r.PostForm.Get("bank"))+"?done=reinstated", http.StatusSeeOther)
}

type matchData struct {
	Hashes *media.Hashes
	Result *media.MatchResult
	Error  string
	Name   string
	// Referral is the details of a referral for these matches, for an
	// authority: a match can open a referral.
	Referral string
}

// matchForm asks for a photo or video to match.
func (u *ui) matchForm(w http.ResponseWriter, r *http.Request, v *visit) {
	u.render(w, r, http.StatusOK, "match", "layout", u.page(r, v, "match", "title.match", matchData{}))
}

// matchUpload hashes the uploaded file and shows what it matched.
func (u *ui) matchUpload(w http.ResponseWriter, r *http.Request, v *visit) {
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	show := func(status int, d matchData) {
		u.render(w, r, status, "match", "layout", u.page(r, v, "match", "title.match", d))
	}
	data, ctype, ok := uploadedFile(r, "file")
	if !ok {
		show(http.StatusUnprocessableEntity, matchData{Error: v.L.T("match.err.nofile")})
		return
	}
	h, err := u.Uploads.Hash(r.Context(), data, ctype)
	if err != nil {
		if e := vigie.AsError(err); e != nil && e.Code == vigie.EInvalid {
			show(http.StatusUnprocessableEntity, matchData{Error: v.L.ErrMessage(e.Message)})
			return
		}
		u.fail(w, r, v, err)
		return
	}
	res, err := u.Media.Match(r.Context(), v.P, media.MatchQuery{Query: h.Query()})
	if err != nil {
		u.fail(w, r, v, err)
		return
	}
	name := ""
	if fh := r.MultipartForm.File["file"]; len(fh) > 0 {
		name = fh[0].Filename
	}
	d := matchData{Hashes: h, Result: res, Name: name}
	if v.P.Kind == org.KindAuthority && len(res.Matches) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "The media %q matches known terrorist media in Vigie's hash banks:", name)
		for _, m := range res.Matches {
			fmt.Fprintf(&b, " %s (%s, distance %d; %s %s %s)", m.Bank, m.SignalType, m.Distance, m.Labels.Entity, m.Labels.Behaviour, m.Labels.Incident)
		}
		fmt.Fprintf(&b, ". SHA-256 %s.", h.SHA256)
		if h.PDQ != "" {
			fmt.Fprintf(&b, " PDQ %s.", h.PDQ)
		}
		d.Referral = b.String()
	}
	show(http.StatusOK, d)
}
