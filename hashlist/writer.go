package hashlist

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Writer writes records in one format, header first where the format has
// one. Each record is formatted whole before any of it is written, so a
// record the format cannot hold leaves nothing behind in the output.
//
// The formats drop the fields they have no place for (pytx-file keeps
// only type and hash), but refuse what would change a record's meaning:
// a deletion or a negative opinion in a format without them would turn a
// removal, or a "this is not terrorist content", into a plain entry.
type Writer struct {
	bw      *bufio.Writer
	format  Format
	started bool
	count   int
	first   string // HMA 1.0 files hold one signal type, named by the file
	buf     []byte
	err     error
}

// Headers written by the formats that have one.
const (
	vigieHeader       = "signal_type,value,quality,entity,behaviour,ideology,incident,content_type,tags,opinion,deleted,updated,source,ref"
	pytxDatasetHeader = "signal_type,signal_str,collab,category,tags"
	teCSVHeader       = "td_raw_indicator,td_indicator_type,td_status,td_subjective_tags,td_update_time,td_owner_name,id"
)

// NewWriter returns a writer of format f to w. Call Close at the end:
// it writes the header of an empty list and the end of a JSON array.
func NewWriter(w io.Writer, f Format) (*Writer, error) {
	if f == FormatAuto {
		return nil, fmt.Errorf("%w: a writer needs a format name (%s)", ErrUnknownFormat, formatList())
	}
	if _, err := ParseFormat(string(f)); err != nil {
		return nil, err
	}
	return &Writer{bw: bufio.NewWriterSize(w, 64<<10), format: f}, nil
}

// Count returns the number of records written.
func (w *Writer) Count() int { return w.count }

func (w *Writer) start() {
	if w.started {
		return
	}
	w.started = true
	switch w.format {
	case FormatVigie:
		w.bw.WriteString(vigieHeader + "\n")
	case FormatPytxDataset:
		w.bw.WriteString(pytxDatasetHeader + "\n")
	case FormatTECSV:
		w.bw.WriteString(teCSVHeader + "\n")
	case FormatTCAP:
		w.bw.WriteString("[")
	}
}

// Write writes one record. A record with an invalid value is refused with
// a *LineError (its Line is rec.Line); one the format cannot hold with
// ErrNotRepresentable. Neither leaves anything in the output.
func (w *Writer) Write(rec Record) error {
	if w.err != nil {
		return w.err
	}
	sig := NormalizeSignalType(rec.SignalType)
	if sig == "" {
		return w.refuse(rec, "signal type %q", rec.SignalType)
	}
	value, fe := normalizeValue(sig, []byte(rec.Value), "value")
	if fe != nil {
		return fe.at(rec.Line)
	}
	if rec.Quality < -1 || rec.Quality > 100 {
		return badField("quality", ErrInvalidField, "quality must be -1 (none) or 0 to 100").at(rec.Line)
	}
	rec.SignalType, rec.Value = sig, value
	b := w.buf[:0]
	var err error
	switch w.format {
	case FormatVigie:
		b, err = w.vigie(b, rec)
	case FormatPytxDataset:
		b, err = w.pytxDataset(b, rec)
	case FormatPytxFile:
		b, err = w.pytxFile(b, rec)
	case FormatPDQHasher:
		b, err = w.hasher(b, rec)
	case FormatHMA1:
		b, err = w.hma1(b, rec)
	case FormatTECSV:
		b, err = w.teCSV(b, rec)
	case FormatTEJSON:
		b, err = w.teJSON(b, rec)
	case FormatTCAP:
		b, err = w.tcap(b, rec)
	case FormatHMASignals:
		b, err = w.hmaSignals(b, rec)
	}
	w.buf = b
	if err != nil {
		return err
	}
	w.start()
	if _, err := w.bw.Write(b); err != nil {
		w.err = err
		return err
	}
	w.count++
	return nil
}

func (w *Writer) refuse(rec Record, format string, args ...any) error {
	return fmt.Errorf("%w (%s): record of line %d: %s", ErrNotRepresentable, w.format, rec.Line, fmt.Sprintf(format, args...))
}

// Flush writes buffered records to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = err
	}
	return w.err
}

// Close writes what ends the file and flushes. It does not close the
// underlying writer.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	w.start()
	if w.format == FormatTCAP {
		if w.count > 0 {
			w.bw.WriteString("\n")
		}
		w.bw.WriteString("]\n")
	}
	return w.Flush()
}

// pytxName is python-threatexchange's SignalType.get_name(): pytx has
// only the video MD5 and SHA-256 types, which are plain file hashes.
func pytxName(sig string) string {
	switch sig {
	case MD5:
		return "video_md5"
	case SHA256:
		return "video_sha256"
	}
	return sig
}

func teType(sig string) string {
	switch sig {
	case PDQ:
		return "HASH_PDQ"
	case MD5:
		return "HASH_MD5"
	case SHA256:
		return "HASH_SHA256"
	}
	return ""
}

func tcapAlgorithm(sig string) string {
	switch sig {
	case PDQ:
		return "PDQ"
	case MD5:
		return "MD5"
	case SHA256:
		return "SHA256"
	}
	return ""
}

func pytxCategory(o Opinion) string {
	switch o {
	case OpinionNegative:
		return "NEGATIVE_CLASS"
	case OpinionInvestigation:
		return "INVESTIGATION_SEED"
	}
	return "POSITIVE_CLASS"
}

func teStatus(o Opinion) string {
	switch o {
	case OpinionPositive:
		return "MALICIOUS"
	case OpinionNegative:
		return "NON_MALICIOUS"
	case OpinionInvestigation:
		return "SUSPICIOUS"
	}
	return ""
}

// plainOnly refuses what a format with neither deletions nor opinions
// would silently turn into a plain entry.
func (w *Writer) plainOnly(rec Record) error {
	if rec.Deleted {
		return w.refuse(rec, "the format has no deletions")
	}
	if rec.Opinion == OpinionNegative || rec.Opinion == OpinionInvestigation {
		return w.refuse(rec, "the format has no opinion; a %s entry would be read as positive", rec.Opinion)
	}
	return nil
}

// joinTagsFor joins tags with sep, refusing a tag that holds it.
func (w *Writer) joinTagsFor(rec Record, sep byte) (string, error) {
	for _, t := range rec.Labels.Tags {
		if strings.IndexByte(t, sep) >= 0 || (sep == ' ' && strings.ContainsAny(t, " \t\r\n")) {
			return "", w.refuse(rec, "tag %q holds the separator %q", t, sep)
		}
	}
	return strings.Join(rec.Labels.Tags, string(sep)), nil
}

// appendCSV appends fields as one CSV line, quoting where needed.
func appendCSV(b []byte, fields ...string) []byte {
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		if f == "" || (!strings.ContainsAny(f, ",\"\r\n") && strings.TrimSpace(f) == f) {
			b = append(b, f...)
			continue
		}
		b = append(b, '"')
		b = append(b, strings.ReplaceAll(f, `"`, `""`)...)
		b = append(b, '"')
	}
	return append(b, '\n')
}

func quality(q int) string {
	if q < 0 {
		return ""
	}
	return strconv.Itoa(q)
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// teTime is the form ThreatExchange returns: "2020-07-01T18:31:15+0000".
func teTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05-0700")
}

// epoch writes Unix seconds with microseconds, as TCAP's updated_on.
func epoch(t time.Time) string {
	t = t.UTC()
	s := strconv.FormatInt(t.Unix(), 10)
	if us := t.Nanosecond() / 1000; us != 0 {
		frac := strings.TrimRight(fmt.Sprintf("%06d", us), "0")
		s += "." + frac
	}
	return s
}

func (w *Writer) vigie(b []byte, rec Record) ([]byte, error) {
	tags, err := w.joinTagsFor(rec, ';')
	if err != nil {
		return b, err
	}
	return appendCSV(b, rec.SignalType, rec.Value, quality(rec.Quality),
		rec.Labels.Entity, rec.Labels.Behaviour, rec.Labels.Ideology, rec.Labels.Incident,
		rec.Labels.ContentType, tags, string(rec.Opinion), strconv.FormatBool(rec.Deleted),
		rfc3339(rec.Updated), rec.Source, rec.Ref), nil
}

func (w *Writer) pytxDataset(b []byte, rec Record) ([]byte, error) {
	if rec.Deleted {
		return b, w.refuse(rec, "the format has no deletions")
	}
	tags, err := w.joinTagsFor(rec, ' ')
	if err != nil {
		return b, err
	}
	return appendCSV(b, pytxName(rec.SignalType), rec.Value, rec.Source, pytxCategory(rec.Opinion), tags), nil
}

func (w *Writer) pytxFile(b []byte, rec Record) ([]byte, error) {
	if err := w.plainOnly(rec); err != nil {
		return b, err
	}
	if strings.ContainsAny(rec.Value, "\r\n") {
		return b, w.refuse(rec, "a value with a line break")
	}
	b = append(b, pytxName(rec.SignalType)...)
	b = append(b, ' ')
	b = append(b, rec.Value...)
	return append(b, '\n'), nil
}

func (w *Writer) hasher(b []byte, rec Record) ([]byte, error) {
	if err := w.plainOnly(rec); err != nil {
		return b, err
	}
	if rec.SignalType != PDQ {
		return b, w.refuse(rec, "pdq-photo-hasher lines hold PDQ hashes only, not %s", rec.SignalType)
	}
	if rec.Quality < 0 {
		return b, w.refuse(rec, "pdq-photo-hasher lines need a quality")
	}
	if strings.ContainsAny(rec.Ref, "\r\n") {
		return b, w.refuse(rec, "a file name with a line break")
	}
	b = append(b, rec.Value...)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(rec.Quality), 10)
	b = append(b, ',')
	b = append(b, rec.Ref...)
	return append(b, '\n'), nil
}

func (w *Writer) hma1(b []byte, rec Record) ([]byte, error) {
	if err := w.plainOnly(rec); err != nil {
		return b, err
	}
	if rec.SignalType != PDQ && rec.SignalType != MD5 {
		return b, w.refuse(rec, "HMA 1.0 data files hold PDQ or video MD5 hashes, not %s", rec.SignalType)
	}
	if w.first == "" {
		w.first = rec.SignalType
	} else if w.first != rec.SignalType {
		return b, w.refuse(rec, "an HMA 1.0 data file holds one signal type (its name says which), here %s, not %s", w.first, rec.SignalType)
	}
	if rec.Ref != "" && !isDigits([]byte(rec.Ref)) {
		return b, w.refuse(rec, "HMA 1.0 indicator ids are numbers, not %q", rec.Ref)
	}
	tags, err := w.joinTagsFor(rec, ' ')
	if err != nil {
		return b, err
	}
	// The descriptor id is not kept by Vigie; pytx reads it with int(),
	// so 0 stands for "none".
	return appendCSV(b, rec.Value, rec.Ref, "0", teTime(rec.Updated), tags), nil
}

func (w *Writer) teCSV(b []byte, rec Record) ([]byte, error) {
	if rec.Deleted {
		return b, w.refuse(rec, "the format has no deletions")
	}
	t := teType(rec.SignalType)
	if t == "" {
		return b, w.refuse(rec, "ThreatExchange has no indicator type for %s", rec.SignalType)
	}
	tags, err := w.joinTagsFor(rec, ';')
	if err != nil {
		return b, err
	}
	return appendCSV(b, rec.Value, t, teStatus(rec.Opinion), tags, teTime(rec.Updated), rec.Source, rec.Ref), nil
}

func appendJSON(b []byte, v any) []byte {
	j, _ := json.Marshal(v) // only strings, numbers and booleans: cannot fail
	return append(b, j...)
}

// jsonID writes a numeric id as a number (as TCAP does) and any other as
// a string.
func jsonID(ref string) json.RawMessage {
	if ref == "" {
		return nil
	}
	if isDigits([]byte(ref)) && len(ref) < 16 {
		return json.RawMessage(ref)
	}
	j, _ := json.Marshal(ref)
	return j
}

func (w *Writer) teJSON(b []byte, rec Record) ([]byte, error) {
	t := teType(rec.SignalType)
	if t == "" {
		return b, w.refuse(rec, "ThreatExchange has no indicator type for %s", rec.SignalType)
	}
	type owner struct {
		Name string `json:"name"`
	}
	d := struct {
		ID           string   `json:"id,omitempty"`
		RawIndicator string   `json:"raw_indicator"`
		Type         string   `json:"type"`
		Status       string   `json:"status,omitempty"`
		Tags         []string `json:"tags"`
		LastUpdated  string   `json:"last_updated,omitempty"`
		Owner        *owner   `json:"owner,omitempty"`
		ShouldDelete bool     `json:"should_delete,omitempty"`
	}{rec.Ref, rec.Value, t, teStatus(rec.Opinion), rec.Labels.Tags, teTime(rec.Updated), nil, rec.Deleted}
	if rec.Source != "" {
		d.Owner = &owner{rec.Source}
	}
	b = appendJSON(b, d)
	return append(b, '\n'), nil
}

func (w *Writer) tcap(b []byte, rec Record) ([]byte, error) {
	if rec.Opinion == OpinionNegative || rec.Opinion == OpinionInvestigation {
		return b, w.refuse(rec, "TCAP entries have no opinion; a %s entry would be read as positive", rec.Opinion)
	}
	alg := tcapAlgorithm(rec.SignalType)
	if alg == "" {
		return b, w.refuse(rec, "TCAP has no algorithm name for %s", rec.SignalType)
	}
	e := struct {
		ID         json.RawMessage `json:"id,omitempty"`
		HashDigest string          `json:"hash_digest"`
		Algorithm  string          `json:"algorithm"`
		Ideology   string          `json:"ideology,omitempty"`
		FileType   string          `json:"file_type,omitempty"`
		Deleted    bool            `json:"deleted"`
		UpdatedOn  json.RawMessage `json:"updated_on,omitempty"`
	}{ID: jsonID(rec.Ref), HashDigest: rec.Value, Algorithm: alg, Ideology: rec.Labels.Ideology,
		FileType: rec.Labels.ContentType, Deleted: rec.Deleted}
	if !rec.Updated.IsZero() {
		e.UpdatedOn = json.RawMessage(epoch(rec.Updated))
	}
	if w.count > 0 {
		b = append(b, ',')
	}
	b = append(b, '\n')
	return appendJSON(b, e), nil
}

func (w *Writer) hmaSignals(b []byte, rec Record) ([]byte, error) {
	if err := w.plainOnly(rec); err != nil {
		return b, err
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	k, _ := json.Marshal(pytxName(rec.SignalType))
	v, _ := json.Marshal(rec.Value)
	buf.Write(k)
	buf.WriteByte(':')
	buf.Write(v)
	buf.WriteString("}\n")
	return append(b, buf.Bytes()...), nil
}
