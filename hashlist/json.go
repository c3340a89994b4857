package hashlist

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// nlTracker counts the newlines that pass to the JSON decoder, so that an
// element can be given the line it starts on, and bounds the bytes one
// element may take: the decoder buffers a whole value before decoding it.
type nlTracker struct {
	r         io.Reader
	off       int64   // bytes read so far
	nl        []int64 // offsets of newlines not yet passed by lineAt
	head      int
	line      int   // line number at the last lineAt offset
	elemStart int64 // offset where the current element starts
	max       int64
}

var errElemTooLarge = errors.New("element over the bound")

func (t *nlTracker) Read(p []byte) (int, error) {
	if t.off-t.elemStart > t.max {
		return 0, errElemTooLarge
	}
	n, err := t.r.Read(p)
	for i := 0; i < n; {
		j := bytes.IndexByte(p[i:n], '\n')
		if j < 0 {
			break
		}
		t.nl = append(t.nl, t.off+int64(i+j))
		i += j + 1
	}
	t.off += int64(n)
	return n, err
}

// lineAt returns the line of offset off; offsets must not go backwards.
func (t *nlTracker) lineAt(off int64) int {
	for t.head < len(t.nl) && t.nl[t.head] < off {
		t.head++
		t.line++
	}
	if t.head > 1024 && 2*t.head > len(t.nl) {
		n := copy(t.nl, t.nl[t.head:])
		t.nl, t.head = t.nl[:n], 0
	}
	return t.line
}

type jsState int

const (
	jsTop    jsState = iota // between top-level values
	jsArray                 // inside an array of records
	jsObject                // inside a top-level object: a record, or a page wrapping one
)

// jsonStream yields the objects of a JSON input one at a time: the
// elements of a top-level array (TCAP's v1 file), the elements of the
// "results" or "data" array of a page object (TCAP API v2, Graph API), or
// top-level objects (JSON lines, as te-tag-query prints). It never holds
// more than one element.
type jsonStream struct {
	dec        *json.Decoder
	tr         *nlTracker
	stack      []jsState
	obj        map[string]json.RawMessage
	objLine    int
	objStart   int64
	objWrapper bool
	max        int64
}

func newJSONStream(br *bufio.Reader, max int) *jsonStream {
	if b, _ := br.Peek(3); bytes.Equal(b, utf8BOM) {
		br.Discard(3)
	}
	tr := &nlTracker{r: br, line: 1, max: int64(max) + 64<<10}
	return &jsonStream{dec: json.NewDecoder(tr), tr: tr, stack: []jsState{jsTop}, max: int64(max)}
}

func (s *jsonStream) fatal(err error) error {
	switch {
	case errors.Is(err, ErrTooLarge):
		return err
	case errors.Is(err, errElemTooLarge):
		return fmt.Errorf("%w: line %d: a JSON element longer than %d bytes", ErrMalformed, s.tr.lineAt(s.dec.InputOffset()), s.max)
	case err == io.EOF:
		err = io.ErrUnexpectedEOF
	}
	off := s.dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// The decoder stays at the start of the value it failed on, and
		// its error offset counts from an earlier point; scanning the
		// buffered rest (bounded like an element) finds the bad byte.
		rest, _ := io.ReadAll(s.dec.Buffered())
		var v any
		if err := json.Unmarshal(rest, &v); errors.As(err, &se) && se.Offset > 0 {
			off += se.Offset - 1
		}
	}
	return fmt.Errorf("%w: line %d: %v", ErrMalformed, s.tr.lineAt(off), err)
}

// next returns the next object, or a *fieldError for a value that is not
// one, io.EOF at the end, or an error that ends the read.
func (s *jsonStream) next() (map[string]json.RawMessage, int, *fieldError, error) {
	for {
		s.tr.lineAt(s.dec.InputOffset())
		switch s.stack[len(s.stack)-1] {
		case jsTop:
			s.tr.elemStart = s.dec.InputOffset()
			tok, err := s.dec.Token()
			if err == io.EOF {
				return nil, 0, nil, io.EOF
			}
			if err != nil {
				return nil, 0, nil, s.fatal(err)
			}
			switch tok {
			case json.Delim('['):
				s.stack = append(s.stack, jsArray)
			case json.Delim('{'):
				s.stack = append(s.stack, jsObject)
				s.obj = map[string]json.RawMessage{}
				s.objStart = s.dec.InputOffset() - 1
				s.objLine = s.tr.lineAt(s.objStart)
				s.objWrapper = false
			default:
				return nil, s.tr.lineAt(s.dec.InputOffset()), badField("", ErrSyntax, "expected a JSON object or array, found %v", tok), nil
			}
		case jsArray:
			if s.dec.More() {
				s.tr.elemStart = s.dec.InputOffset()
				var raw json.RawMessage
				if err := s.dec.Decode(&raw); err != nil {
					return nil, 0, nil, s.fatal(err)
				}
				line := s.tr.lineAt(s.dec.InputOffset() - int64(len(raw)))
				var m map[string]json.RawMessage
				if err := json.Unmarshal(raw, &m); err != nil || m == nil {
					return nil, line, badField("", ErrSyntax, "array element is not a JSON object"), nil
				}
				return m, line, nil, nil
			}
			if _, err := s.dec.Token(); err != nil {
				return nil, 0, nil, s.fatal(err)
			}
			s.stack = s.stack[:len(s.stack)-1]
		case jsObject:
			if s.dec.More() {
				if !s.objWrapper && s.dec.InputOffset()-s.objStart > s.max {
					return nil, 0, nil, s.fatal(errElemTooLarge)
				}
				tok, err := s.dec.Token()
				if err != nil {
					return nil, 0, nil, s.fatal(err)
				}
				key, _ := tok.(string)
				s.tr.elemStart = s.dec.InputOffset()
				if key == "results" || key == "data" {
					if err := s.enterPage(); err != nil {
						return nil, 0, nil, s.fatal(err)
					}
					continue
				}
				var raw json.RawMessage
				if err := s.dec.Decode(&raw); err != nil {
					return nil, 0, nil, s.fatal(err)
				}
				if !s.objWrapper {
					s.obj[key] = raw
				}
				continue
			}
			if _, err := s.dec.Token(); err != nil {
				return nil, 0, nil, s.fatal(err)
			}
			s.stack = s.stack[:len(s.stack)-1]
			if !s.objWrapper {
				obj := s.obj
				s.obj = nil
				return obj, s.objLine, nil, nil
			}
		}
	}
}

// enterPage handles the value of a "results" or "data" key: an array is
// streamed element by element; anything else is skipped.
func (s *jsonStream) enterPage() error {
	tok, err := s.dec.Token()
	if err != nil {
		return err
	}
	// A page with no results ("results": [] or null) is still a page.
	s.objWrapper = true
	s.obj = nil
	switch tok {
	case json.Delim('['):
		s.stack = append(s.stack, jsArray)
	case json.Delim('{'):
		for depth := 1; depth > 0; {
			tok, err := s.dec.Token()
			if err != nil {
				return err
			}
			switch tok {
			case json.Delim('{'), json.Delim('['):
				depth++
			case json.Delim('}'), json.Delim(']'):
				depth--
			}
		}
	}
	return nil
}

func (r *Reader) nextJSON() (Record, error) {
	for {
		m, line, fe, err := r.js.next()
		if err != nil {
			if err == io.EOF {
				return Record{}, io.EOF
			}
			return Record{}, r.fatal(err)
		}
		if fe != nil {
			return Record{}, fe.at(line)
		}
		recs := r.jsonObject(m, line)
		if len(recs) == 0 {
			continue
		}
		r.pending = append(r.pending[:0], recs[1:]...)
		return recs[0].rec, recs[0].err
	}
}

// jsonObject turns one object into records: a TCAP entry, a ThreatExchange
// descriptor, an HMA bank content (with "signals") or an HMA signal body
// ({"pdq": "…"}).
func (r *Reader) jsonObject(m map[string]json.RawMessage, line int) []pendingRecord {
	one := func(rec Record, fe *fieldError) []pendingRecord {
		if fe == nil {
			fe = r.finish(&rec)
		}
		if fe != nil {
			return []pendingRecord{{err: fe.at(line)}}
		}
		rec.Line = line
		return []pendingRecord{{rec: rec}}
	}
	switch {
	case m["hash_digest"] != nil:
		return one(r.tcapObject(m))
	case m["raw_indicator"] != nil:
		return one(r.teObject(m))
	}
	signals := m
	var ref string
	if raw := m["signals"]; raw != nil {
		signals = nil
		if err := json.Unmarshal(raw, &signals); err != nil {
			return one(Record{}, badField("signals", ErrSyntax, "must be an object of signal type to hash"))
		}
		var fe *fieldError
		if ref, fe = jstr(m, "id"); fe != nil {
			return one(Record{}, fe)
		}
	}
	if len(signals) == 0 {
		return one(Record{}, badField("", ErrSyntax, "object holds no hash (hash_digest, raw_indicator, signals, or a signal type name)"))
	}
	keys := make([]string, 0, len(signals))
	for k := range signals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]pendingRecord, 0, len(keys))
	for _, k := range keys {
		rec := Record{Quality: -1, Ref: ref}
		out = append(out, one(func() (Record, *fieldError) {
			sig, content, ok := signalType([]byte(k))
			if !ok {
				return rec, badField(k, ErrUnknownSignalType, "unknown signal type %q (known: pdq, vpdq, video_md5, video_sha256)", k)
			}
			v, fe := jstr(signals, k)
			if fe != nil {
				return rec, fe
			}
			if rec.Value, fe = normalizeValue(sig, []byte(v), k); fe != nil {
				return rec, fe
			}
			rec.SignalType, rec.Labels.ContentType = sig, content
			return rec, nil
		}())...)
	}
	return out
}

// jstrs reads the scalar fields keys of m as text.
func jstrs(m map[string]json.RawMessage, keys ...string) ([]string, *fieldError) {
	out := make([]string, len(keys))
	for i, k := range keys {
		v, fe := jstr(m, k)
		if fe != nil {
			return nil, fe
		}
		out[i] = v
	}
	return out, nil
}

// tcapObject reads a TCAP hash list entry (python-threatexchange
// exchanges/clients/techagainstterrorism/api.py, TATHashListEntry).
func (r *Reader) tcapObject(m map[string]json.RawMessage) (Record, *fieldError) {
	rec := Record{Quality: -1}
	s, fe := jstrs(m, "hash_digest", "algorithm", "ideology", "file_type", "deleted", "updated_on", "created_on", "id")
	if fe != nil {
		return rec, fe
	}
	var content string
	if rec.SignalType, content, rec.Value, fe = r.typedValue([]byte(s[1]), []byte(s[0]), "algorithm", "hash_digest"); fe != nil {
		return rec, fe
	}
	if rec.Deleted, fe = parseBool([]byte(s[4]), "deleted"); fe != nil {
		return rec, fe
	}
	if rec.Updated, fe = firstTime(s[5], "updated_on", s[6], "created_on"); fe != nil {
		return rec, fe
	}
	rec.Labels.Ideology = s[2]
	rec.Labels.ContentType = cmp.Or(s[3], content)
	rec.Ref = s[7]
	return rec, nil
}

// firstTime parses the first non-empty of two date fields.
func firstTime(a, acol, b, bcol string) (time.Time, *fieldError) {
	if a == "" {
		a, acol = b, bcol
	}
	return parseTime([]byte(a), acol)
}

// teObject reads a ThreatExchange ThreatDescriptor as te-tag-query prints
// it (api-reference-examples/python/te-tag-query/README.md) or the Graph
// API returns it.
func (r *Reader) teObject(m map[string]json.RawMessage) (Record, *fieldError) {
	rec := Record{Quality: -1}
	s, fe := jstrs(m, "raw_indicator", "type", "added_on", "last_updated", "status", "id", "should_delete")
	if fe != nil {
		return rec, fe
	}
	if rec.SignalType, rec.Labels.ContentType, rec.Value, fe = r.typedValue([]byte(s[1]), []byte(s[0]), "type", "raw_indicator"); fe != nil {
		return rec, fe
	}
	if rec.Updated, fe = firstTime(s[3], "last_updated", s[2], "added_on"); fe != nil {
		return rec, fe
	}
	if rec.Opinion, fe = parseOpinion([]byte(s[4]), "status"); fe != nil {
		return rec, fe
	}
	if rec.Deleted, fe = parseBool([]byte(s[6]), "should_delete"); fe != nil {
		return rec, fe
	}
	if rec.Labels.Tags, fe = jtags(m["tags"]); fe != nil {
		return rec, fe
	}
	if raw := m["owner"]; raw != nil {
		var owner struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(raw, &owner) == nil {
			rec.Source = strings.TrimSpace(owner.Name)
		} else if v, fe := jstr(m, "owner"); fe == nil {
			rec.Source = v
		}
	}
	rec.Ref = s[5]
	return rec, nil
}

// jstr reads a scalar field as text: strings as they are, numbers and
// booleans as written, null or absent as "".
func jstr(m map[string]json.RawMessage, key string) (string, *fieldError) {
	raw := bytes.TrimSpace(m[key])
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", badField(key, ErrSyntax, "invalid JSON string")
		}
		// As CSV fields are: labels with edge blanks would not survive
		// a round trip through the other formats.
		return strings.TrimSpace(s), nil
	case c == '-' || ('0' <= c && c <= '9') || string(raw) == "true" || string(raw) == "false":
		return string(raw), nil
	}
	return "", badField(key, ErrInvalidField, "must be a string, number or boolean")
}

// jtags reads ThreatExchange tags: a list of strings, the Graph API's
// {"data": [{"text": …}]}, or one string of ;-separated tags.
func jtags(raw json.RawMessage) ([]string, *fieldError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return cleanTags(list), nil
	}
	var graph struct {
		Data []struct {
			Text string `json:"text"`
		} `json:"data"`
	}
	if json.Unmarshal(raw, &graph) == nil {
		list = list[:0]
		for _, d := range graph.Data {
			list = append(list, d.Text)
		}
		return cleanTags(list), nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return splitTags([]byte(one), ';'), nil
	}
	return nil, badField("tags", ErrInvalidField, "must be a list of strings")
}

func cleanTags(list []string) []string {
	var out []string
	for _, t := range list {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}
