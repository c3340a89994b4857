package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	vigie "github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/media"
	"github.com/vigie-project/vigie/pdq"
)

// This file serves the API surface of Meta's Hasher-Matcher-Actioner (HMA
// 2.0, "Open Media Match") under /hma, with its request and response
// shapes, so that a platform's existing HMA client works by pointing its
// base URL at https://vigie.example/hma and adding Vigie's API key.
//
// Differences, on purpose: every call needs an API key; a bank's
// matching_enabled_ratio is 0 or 1 (Vigie decides matches deterministically,
// never by coin flip); /h/hash and /m/lookup do not fetch URLs (a server
// that fetches user-typed URLs is an SSRF risk; upload the file instead);
// an HMA "content" with several signals is one Vigie signal per hash, so
// each hash has its own bank_content_id; errors are RFC 9457 problem+json,
// with the same status codes.

// hmaTypeName is the HMA name of a signal type.
func hmaTypeName(t media.SignalType) string {
	if t == media.MD5 {
		return "video_md5"
	}
	return string(t)
}

func (a *API) hmaRoutes(mux *http.ServeMux) {
	h := func(pattern string, f func(w http.ResponseWriter, r *http.Request) error) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if _, err := caller(r.Context()); err != nil {
				WriteProblem(w, r, a.Log, err)
				return
			}
			if err := f(w, r); err != nil {
				WriteProblem(w, r, a.Log, err)
			}
		})
	}
	mux.HandleFunc("GET /hma/status", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "I-AM-ALIVE") })
	h("GET /hma/h/hash", a.hmaHashURL)
	h("POST /hma/h/hash", a.hmaHash)
	h("GET /hma/m/raw_lookup", a.hmaRawLookup)
	h("GET /hma/m/lookup", a.hmaLookup)
	h("POST /hma/m/lookup", a.hmaLookupUpload)
	h("POST /hma/m/compare", a.hmaCompare)
	h("GET /hma/m/index/status", a.hmaIndexStatus)
	h("GET /hma/c/banks", a.hmaBanks)
	h("POST /hma/c/banks", a.hmaCreateBank)
	h("GET /hma/c/bank/{name}", a.hmaBank)
	h("PUT /hma/c/bank/{name}", a.hmaUpdateBank)
	h("POST /hma/c/bank/{name}/signal", a.hmaAddSignals)
	h("POST /hma/c/bank/{name}/content", a.hmaAddContent)
	h("GET /hma/c/bank/{name}/content/{id}", a.hmaContent)
	h("DELETE /hma/c/bank/{name}/content/{id}", a.hmaDeleteContent)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

func (a *API) hmaHashURL(http.ResponseWriter, *http.Request) error {
	return vigie.Invalid("query.url", "Vigie does not fetch media from URLs; POST the file as multipart/form-data instead")
}

// uploadedFile reads the first file of a multipart form.
func uploadedFile(r *http.Request) ([]byte, string, error) {
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, "", vigie.Errorf(vigie.ETooLarge, "the upload is over the limit of %d bytes", MaxUpload)
		}
		return nil, "", vigie.Invalid("body", "expected a multipart/form-data upload with one file: %v", err)
	}
	defer r.MultipartForm.RemoveAll()
	for _, files := range r.MultipartForm.File {
		for _, fh := range files {
			f, err := fh.Open()
			if err != nil {
				return nil, "", err
			}
			defer f.Close()
			data, err := io.ReadAll(io.LimitReader(f, MaxUpload+1))
			if err != nil {
				return nil, "", err
			}
			if len(data) > MaxUpload {
				return nil, "", vigie.Errorf(vigie.ETooLarge, "the upload is over the limit of %d bytes", MaxUpload)
			}
			return data, fh.Header.Get("Content-Type"), nil
		}
	}
	return nil, "", vigie.Invalid("body", "the form holds no file")
}

// hmaSignals are the hashes of an upload by HMA signal type name.
func hmaSignals(h *media.Hashes) map[string]string {
	out := map[string]string{"video_md5": h.MD5}
	if h.PDQ != "" {
		out["pdq"] = h.PDQ
		delete(out, "video_md5")
	}
	if h.VPDQ != "" {
		out["vpdq"] = h.VPDQ
	}
	return out
}

func (a *API) hmaHash(w http.ResponseWriter, r *http.Request) error {
	data, ctype, err := uploadedFile(r)
	if err != nil {
		return err
	}
	h, err := a.Uploads.Hash(r.Context(), data, ctype)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, hmaSignals(h))
}

// hmaQuery turns an HMA signal_type and signal into a lookup.
func hmaQuery(typeName, signal string) (media.Query, error) {
	q := media.Query{Quality: -1}
	t, ok := media.ParseSignalType(typeName)
	if !ok {
		return q, vigie.Invalid("query.signal_type", "no such signal type %q (pdq, vpdq, video_md5, sha256)", typeName)
	}
	v, err := media.NormaliseSignal(t, signal)
	if err != nil {
		return q, vigie.Invalid("query.signal", "invalid signal: %v", err)
	}
	switch t {
	case media.PDQ:
		h, _ := pdq.ParseHash(v)
		q.PDQ = []pdq.Hash{h}
	case media.VPDQ:
		q.Video, _ = media.ParseVideo(v)
	case media.MD5:
		q.MD5 = v
	case media.SHA256:
		q.SHA256 = v
	}
	return q, nil
}

type hmaMatch struct {
	ID       int64  `json:"bank_content_id"`
	Distance string `json:"distance"`
}

func hmaDistance(m media.Match) string {
	if m.SignalType == media.VPDQ {
		return strconv.FormatFloat(m.IndexPercent, 'f', 1, 64)
	}
	return strconv.Itoa(m.Distance)
}

func banksParam(r *http.Request) []string {
	if b := r.URL.Query().Get("banks"); b != "" {
		return strings.Split(b, ",")
	}
	return nil
}

func (a *API) hmaMatch(r *http.Request, q media.Query) (*media.MatchResult, error) {
	p, _ := caller(r.Context())
	return a.Media.Match(r.Context(), p, media.MatchQuery{Query: q, BankNames: banksParam(r)})
}

func (a *API) hmaRawLookup(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	q, err := hmaQuery(v.Get("signal_type"), v.Get("signal"))
	if err != nil {
		return err
	}
	res, err := a.hmaMatch(r, q)
	if err != nil {
		return err
	}
	withDistance, _ := strconv.ParseBool(v.Get("include_distance"))
	matches := []any{}
	for _, m := range res.Matches {
		if withDistance {
			matches = append(matches, hmaMatch{m.SignalID, hmaDistance(m)})
		} else {
			matches = append(matches, m.SignalID)
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"matches": matches})
}

func byBank(res *media.MatchResult) map[string][]hmaMatch {
	out := map[string][]hmaMatch{}
	for _, m := range res.Matches {
		out[m.Bank] = append(out[m.Bank], hmaMatch{m.SignalID, hmaDistance(m)})
	}
	return out
}

func (a *API) hmaLookup(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	if v.Get("url") != "" {
		return vigie.Invalid("query.url", "Vigie does not fetch media from URLs; POST the file to /m/lookup instead")
	}
	if v.Get("signal") == "" || v.Get("signal_type") == "" {
		return vigie.Invalid("query.signal", "either url or both signal and signal_type are required")
	}
	q, err := hmaQuery(v.Get("signal_type"), v.Get("signal"))
	if err != nil {
		return err
	}
	res, err := a.hmaMatch(r, q)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, byBank(res))
}

// hmaLookupUpload answers per signal type, as HMA does, each type matched
// on its own; the photo's PDQ is matched with all 8 rotations and flips.
func (a *API) hmaLookupUpload(w http.ResponseWriter, r *http.Request) error {
	data, ctype, err := uploadedFile(r)
	if err != nil {
		return err
	}
	h, err := a.Uploads.Hash(r.Context(), data, ctype)
	if err != nil {
		return err
	}
	full := h.Query()
	out := map[string]map[string][]hmaMatch{}
	parts := map[string]media.Query{"video_md5": {Quality: -1, MD5: full.MD5}}
	if len(full.PDQ) > 0 {
		parts["pdq"] = media.Query{PDQ: full.PDQ, Variants: full.Variants, Quality: full.Quality}
		delete(parts, "video_md5")
	}
	if len(full.Video) > 0 {
		parts["vpdq"] = media.Query{Video: full.Video, Quality: -1}
	}
	for name, q := range parts {
		res, err := a.hmaMatch(r, q)
		if err != nil {
			return err
		}
		out[name] = byBank(res)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *API) hmaCompare(w http.ResponseWriter, r *http.Request) error {
	var in map[string][]string
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		return vigie.Invalid("body", "expected an object of signal type to a pair of hashes: %v", err)
	}
	out := map[string]any{}
	for name, pair := range in {
		if len(pair) != 2 {
			return vigie.Invalid("body."+name, "comparison hash list length must be exactly 2")
		}
		t, ok := media.ParseSignalType(name)
		if !ok || t != media.PDQ {
			return vigie.Invalid("body."+name, "only pdq hashes can be compared by distance")
		}
		var hs [2]pdq.Hash
		for i, s := range pair {
			h, err := pdq.ParseHash(strings.TrimSpace(s))
			if err != nil {
				return vigie.Invalid("body."+name+"["+strconv.Itoa(i)+"]", "must be 64 hexadecimal digits")
			}
			hs[i] = h
		}
		d := pdq.Distance(hs[0], hs[1])
		out[name] = []any{d <= media.DefaultPDQThreshold, map[string]int{"distance": d}}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *API) hmaIndexStatus(w http.ResponseWriter, r *http.Request) error {
	st := a.Media.Index().Status()
	now := a.Now().Unix()
	out := map[string]any{}
	for _, t := range media.SignalTypes {
		// The index is updated in place as signals change: it is always
		// built to now.
		out[hmaTypeName(t)] = map[string]any{"present": true, "built_to": now, "size": st.Signals[t]}
	}
	if t := r.URL.Query().Get("signal_type"); t != "" {
		v, ok := out[t]
		if !ok {
			return vigie.Invalid("query.signal_type", "no such signal type %q", t)
		}
		out = map[string]any{t: v}
	}
	return writeJSON(w, http.StatusOK, out)
}

type hmaBank struct {
	Name  string  `json:"name"`
	Ratio float64 `json:"matching_enabled_ratio"`
}

func toHMABank(b *media.Bank) hmaBank {
	r := 0.0
	if b.Enabled {
		r = 1
	}
	return hmaBank{Name: b.Name, Ratio: r}
}

func (a *API) hmaBanks(w http.ResponseWriter, r *http.Request) error {
	p, _ := caller(r.Context())
	bs, err := a.Media.Banks(r.Context(), p)
	if err != nil {
		return err
	}
	out := []hmaBank{}
	for _, b := range bs {
		out = append(out, toHMABank(b))
	}
	return writeJSON(w, http.StatusOK, out)
}

type hmaBankRequest struct {
	Name    string   `json:"name"`
	Ratio   *float64 `json:"enabled_ratio"`
	Enabled *bool    `json:"enabled"`
}

// enabled reads HMA's enabled and enabled_ratio; a ratio strictly between
// 0 and 1 is refused, since Vigie never flips coins on matches.
func (b *hmaBankRequest) enabled() (*bool, error) {
	if b.Ratio != nil {
		if *b.Ratio != 0 && *b.Ratio != 1 {
			return nil, vigie.Invalid("body.enabled_ratio", "must be 0 or 1: Vigie decides matches deterministically, without a coin flip")
		}
		e := *b.Ratio == 1
		return &e, nil
	}
	return b.Enabled, nil
}

func (a *API) hmaCreateBank(w http.ResponseWriter, r *http.Request) error {
	var in hmaBankRequest
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		return vigie.Invalid("body", "invalid JSON: %v", err)
	}
	en, err := in.enabled()
	if err != nil {
		return err
	}
	p, _ := caller(r.Context())
	b, err := a.Media.CreateBank(r.Context(), p, media.BankDraft{Name: in.Name, Enabled: en})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toHMABank(b))
}

func (a *API) hmaBank(w http.ResponseWriter, r *http.Request) error {
	p, _ := caller(r.Context())
	b, err := a.Media.Bank(r.Context(), p, r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toHMABank(b))
}

func (a *API) hmaUpdateBank(w http.ResponseWriter, r *http.Request) error {
	var in hmaBankRequest
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		return vigie.Invalid("body", "invalid JSON: %v", err)
	}
	en, err := in.enabled()
	if err != nil {
		return err
	}
	if in.Name != "" && in.Name != r.PathValue("name") {
		return vigie.Invalid("body.name", "banks cannot be renamed: their name is in other members' and instances' records")
	}
	p, _ := caller(r.Context())
	b, err := a.Media.Bank(r.Context(), p, r.PathValue("name"))
	if err != nil {
		return err
	}
	d := media.BankDraft{Description: b.Description, Kind: b.Kind, Enabled: en, PDQThreshold: b.PDQThreshold,
		QualityFloor: b.QualityFloor, VideoPercent: b.VideoPercent, Labels: b.Labels}
	if d.Enabled == nil {
		d.Enabled = &b.Enabled
	}
	b, err = a.Media.UpdateBank(r.Context(), p, b.Name, d)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toHMABank(b))
}

// hmaAdded answers as HMA does to an addition: an id and the signals.
func hmaAdded(w http.ResponseWriter, res *media.ContributeResult, drafts []media.SignalDraft) error {
	signals := map[string]string{}
	for _, d := range drafts {
		signals[hmaTypeName(d.Type)] = d.Value
	}
	var id int64
	if len(res.Added) > 0 {
		id = res.Added[0].ID
	}
	return writeJSON(w, http.StatusOK, map[string]any{"id": id, "signals": signals})
}

func (a *API) hmaAddSignals(w http.ResponseWriter, r *http.Request) error {
	var in map[string]string
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		return vigie.Invalid("body", "expected an object of signal type to signal: %v", err)
	}
	if len(in) == 0 {
		return vigie.Invalid("body", "no signals given")
	}
	var drafts []media.SignalDraft
	for name, v := range in {
		t, ok := media.ParseSignalType(name)
		if !ok {
			return vigie.Invalid("body."+name, "no such signal type %s", name)
		}
		drafts = append(drafts, media.SignalDraft{Type: t, Value: v})
	}
	p, _ := caller(r.Context())
	res, err := a.Media.Contribute(r.Context(), p, r.PathValue("name"), drafts, "hma")
	if err != nil {
		return err
	}
	return hmaAdded(w, res, drafts)
}

func (a *API) hmaAddContent(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Get("url") != "" {
		return vigie.Invalid("query.url", "Vigie does not fetch media from URLs; upload the file as multipart/form-data")
	}
	data, ctype, err := uploadedFile(r)
	if err != nil {
		return err
	}
	h, err := a.Uploads.Hash(r.Context(), data, ctype)
	if err != nil {
		return err
	}
	drafts := h.Drafts(media.Labels{})
	p, _ := caller(r.Context())
	res, err := a.Media.Contribute(r.Context(), p, r.PathValue("name"), drafts, "hma")
	if err != nil {
		return err
	}
	return hmaAdded(w, res, drafts)
}

func (a *API) hmaSignal(r *http.Request) (*media.Signal, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, vigie.Invalid("path.id", "must be a positive integer")
	}
	p, _ := caller(r.Context())
	s, err := a.Media.Signal(r.Context(), p, id)
	if err != nil {
		return nil, err
	}
	if s.Bank != r.PathValue("name") {
		return nil, vigie.Errorf(vigie.ENotFound, "content %d not found in bank %s", id, r.PathValue("name"))
	}
	return s, nil
}

func (a *API) hmaContent(w http.ResponseWriter, r *http.Request) error {
	s, err := a.hmaSignal(r)
	if err != nil {
		return err
	}
	p, _ := caller(r.Context())
	b, err := a.Media.Bank(r.Context(), p, s.Bank)
	if err != nil {
		return err
	}
	disabled := int64(0) // HMA's "enabled" value
	if s.State != media.Active {
		disabled = 1<<31 - 1 // HMA's "disabled forever"
	}
	out := map[string]any{"id": s.ID, "disable_until_ts": disabled, "original_media_uri": nil, "bank": toHMABank(b)}
	if inc, _ := strconv.ParseBool(r.URL.Query().Get("include_signals")); inc {
		out["signals"] = map[string]string{hmaTypeName(s.Type): s.Value}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *API) hmaDeleteContent(w http.ResponseWriter, r *http.Request) error {
	s, err := a.hmaSignal(r)
	if err != nil {
		return err
	}
	p, _ := caller(r.Context())
	if _, err := a.Media.Remove(r.Context(), p, s.ID); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]int{"deleted": 1})
}
