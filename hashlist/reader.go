package hashlist

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Default bounds. A PDQ line is under 200 bytes; the line bound is set for
// vPDQ values (about 100 bytes a frame) and quoted multi-line fields.
const (
	DefaultMaxLineBytes  = 1 << 20
	DefaultMaxTotalBytes = 16 << 30 // 10 million PDQ lines with labels are about 2 GiB
)

// Options tune a Reader. The zero value reads any recognisable format with
// the default bounds.
type Options struct {
	// Format of the input; FormatAuto recognises it from the first line.
	Format Format
	// SignalType for lines that do not name one (a bare hash in a pytx
	// local file, an HMA 1.0 data file, a ThreatExchange UI download).
	// Without it, only 32-digit values are typed (MD5); 64 digits could
	// be PDQ or SHA-256, so such lines are reported with ErrNoSignalType.
	SignalType string
	// Source fills Record.Source where the input names no source.
	Source string
	// MinQuality reports hashes whose quality is given and lower
	// (ErrLowQuality). Zero keeps them all; importers of PDQ should pass
	// 50, the threshold of the PDQ documentation (pdq.MinUsefulQuality).
	MinQuality int
	// MaxLineBytes bounds one line (one element for JSON); 0 means
	// DefaultMaxLineBytes. A longer line is reported and skipped.
	MaxLineBytes int
	// MaxTotalBytes bounds the whole input; 0 means DefaultMaxTotalBytes,
	// a negative value no bound. Past it, Read fails with ErrTooLarge.
	MaxTotalBytes int64
}

// Reader reads the records of a hash list one at a time, in constant
// memory whatever the length of the list.
//
// Read returns a *LineError for a bad line and can be called again: the
// rest of the list is still read. io.EOF ends the list; any other error
// ends the read and is returned again by every later call.
type Reader struct {
	opts    Options
	format  Format
	defType string
	br      *bufio.Reader
	lr      *lineReader
	csv     csvSplitter
	cols    [numRoles]int
	names   []string // header names, for errors
	tagSep  byte
	comment bool // lines starting with # are comments
	js      *jsonStream
	pending []pendingRecord
	err     error
}

type pendingRecord struct {
	rec Record
	err error
}

// NewReader returns a reader of r. It reads the first line (the header, or
// enough to recognise the format) before returning; an input it cannot
// recognise is reported with ErrUnknownFormat.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = DefaultMaxLineBytes
	}
	if opts.MaxTotalBytes == 0 {
		opts.MaxTotalBytes = DefaultMaxTotalBytes
	}
	if opts.MaxTotalBytes < 0 {
		opts.MaxTotalBytes = -1
	}
	rd := &Reader{opts: opts, format: opts.Format}
	if opts.SignalType != "" {
		if rd.defType = NormalizeSignalType(opts.SignalType); rd.defType == "" {
			return nil, fmt.Errorf("hashlist: unknown signal type %q in options (known: pdq, vpdq, md5, sha256)", opts.SignalType)
		}
	}
	if _, err := ParseFormat(string(opts.Format)); err != nil {
		return nil, err
	}
	rd.br = bufio.NewReaderSize(&limitReader{r: r, max: opts.MaxTotalBytes}, 64<<10)
	if rd.format == FormatAuto {
		peek, err := rd.br.Peek(64 << 10)
		// Past the size bound, detect on what came; Read reports it.
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull && !errors.Is(err, ErrTooLarge) {
			return nil, err
		}
		rd.format = detect(peek)
		if rd.format == FormatAuto {
			if len(bytes.TrimSpace(bytes.TrimPrefix(peek, utf8BOM))) == 0 {
				// Empty input: an empty list, whatever its format.
				rd.format = FormatVigie
				rd.err = io.EOF
				return rd, nil
			}
			return nil, fmt.Errorf("%w: the first line is neither a known header nor a hash line; name the format (%s)", ErrUnknownFormat, formatList())
		}
	}
	if rd.format.isJSON() && (rd.format != FormatTCAP || rd.startsJSON()) {
		rd.js = newJSONStream(rd.br, opts.MaxLineBytes)
		return rd, nil
	}
	rd.lr = &lineReader{br: rd.br, max: opts.MaxLineBytes}
	switch rd.format {
	case FormatPytxDataset:
		rd.tagSep = ' ' // pytx joins its tags with spaces
	case FormatHMA1:
		rd.tagSep = ' '
	default:
		rd.tagSep = ';'
	}
	rd.comment = rd.format == FormatVigie || rd.format == FormatPytxFile || rd.format == FormatPDQHasher
	if rd.format.hasHeader() || rd.format == FormatTCAP {
		if err := rd.readHeader(); err != nil {
			return nil, err
		}
	}
	return rd, nil
}

// startsJSON tells a JSON document from a CSV file by its first byte:
// TCAP's field names are met in both.
func (r *Reader) startsJSON() bool {
	peek, _ := r.br.Peek(4 << 10)
	t := bytes.TrimLeft(bytes.TrimPrefix(peek, utf8BOM), " \t\r\n")
	return len(t) > 0 && (t[0] == '[' || t[0] == '{')
}

// Format returns the format being read.
func (r *Reader) Format() Format { return r.format }

func (r *Reader) readHeader() error {
	for {
		line, err := r.lr.next()
		if err == io.EOF {
			r.err = io.EOF
			return nil
		}
		if err == errLong {
			return fmt.Errorf("%w: header line longer than %d bytes", ErrMalformed, r.opts.MaxLineBytes)
		}
		if err != nil {
			return err
		}
		if t := bytes.TrimSpace(line); len(t) == 0 || (r.comment && t[0] == '#') {
			continue
		}
		fields, fe, err := r.csv.split(line, r.lr)
		if err != nil {
			return err
		}
		if fe != nil {
			return fmt.Errorf("%w: header: %s", ErrMalformed, fe.rule)
		}
		for i := range r.cols {
			r.cols[i] = -1
		}
		r.names = make([]string, len(fields))
		for i, f := range fields {
			r.names[i] = string(f)
			if ro, ok := columnRoles[columnKey(f)]; ok && r.cols[ro] < 0 {
				r.cols[ro] = i
			}
		}
		if r.cols[roleValue] < 0 {
			return fmt.Errorf("%w: the header %q names no hash column (value, signal_str, hash, hash_value, hash_digest, raw_indicator...)", ErrUnknownFormat, strings.Join(r.names, ","))
		}
		return nil
	}
}

// Read returns the next record. See Reader for the errors.
func (r *Reader) Read() (Record, error) {
	if len(r.pending) > 0 {
		p := r.pending[0]
		r.pending = r.pending[1:]
		return p.rec, p.err
	}
	if r.err != nil {
		return Record{}, r.err
	}
	var rec Record
	var err error
	if r.js != nil {
		rec, err = r.nextJSON()
	} else {
		rec, err = r.nextLine()
	}
	if err != nil && !IsLineError(err) {
		r.err = err
	}
	return rec, err
}

// Line returns the number of input lines read so far: progress for a
// caller that knows the line count, and where a fatal error happened.
func (r *Reader) Line() int {
	if r.js != nil {
		return r.js.tr.line
	}
	return r.lr.line
}

func (r *Reader) fatal(err error) error {
	if errors.Is(err, ErrTooLarge) {
		return fmt.Errorf("%w (%d bytes), stopped at line %d", ErrTooLarge, r.opts.MaxTotalBytes, r.Line())
	}
	return err
}

func (r *Reader) nextLine() (Record, error) {
	for {
		line, err := r.lr.next()
		if err == errLong {
			return Record{}, &LineError{Line: r.lr.line, Rule: fmt.Sprintf("line longer than %d bytes", r.opts.MaxLineBytes), Err: ErrLineTooLong}
		}
		if err != nil {
			if err == io.EOF {
				return Record{}, io.EOF
			}
			return Record{}, r.fatal(err)
		}
		t := bytes.TrimSpace(line)
		if len(t) == 0 || (r.comment && t[0] == '#') {
			continue
		}
		start := r.lr.line
		var rec Record
		var fe *fieldError
		switch r.format {
		case FormatPytxFile:
			rec, fe = r.pytxFileLine(t)
		case FormatPDQHasher:
			rec, fe = r.hasherLine(t)
		default:
			fields, sfe, err := r.csv.split(line, r.lr)
			if err != nil {
				return Record{}, r.fatal(err)
			}
			if sfe != nil {
				fe = sfe
			} else if r.format == FormatHMA1 {
				rec, fe = r.hma1Line(fields)
			} else {
				rec, fe = r.csvLine(fields)
			}
		}
		if fe == nil {
			fe = r.finish(&rec)
		}
		if fe != nil {
			return Record{}, fe.at(start)
		}
		rec.Line = start
		return rec, nil
	}
}

// finish applies what every format shares: default source, quality floor.
func (r *Reader) finish(rec *Record) *fieldError {
	if rec.Source == "" {
		rec.Source = r.opts.Source
	}
	if rec.Quality >= 0 && rec.Quality < r.opts.MinQuality {
		return badField("quality", ErrLowQuality, "quality %d is under the minimum of %d", rec.Quality, r.opts.MinQuality)
	}
	return nil
}

// typed resolves the signal type of a value: the line's own type name, or
// the default, or MD5 for a 32-digit value.
func (r *Reader) typed(name []byte, value []byte, typeColumn, valueColumn string) (sig, content string, fe *fieldError) {
	if len(bytes.TrimSpace(name)) > 0 {
		s, c, ok := signalType(name)
		if !ok {
			return "", "", badField(typeColumn, ErrUnknownSignalType, "unknown signal type %q (known: pdq, vpdq, md5, sha256 and their pytx, ThreatExchange and TCAP names)", truncate(name))
		}
		return s, c, nil
	}
	if r.defType != "" {
		return r.defType, "", nil
	}
	if s := inferSignalType(value); s != "" {
		return s, "", nil
	}
	return "", "", badField(valueColumn, ErrNoSignalType, "no signal type given, and a value of %d characters could be several; pass the signal type", len(bytes.TrimSpace(value)))
}

// typedValue resolves the signal type (see typed) and checks the value.
func (r *Reader) typedValue(name, value []byte, typeColumn, valueColumn string) (sig, content, v string, fe *fieldError) {
	if sig, content, fe = r.typed(name, value, typeColumn, valueColumn); fe != nil {
		return "", "", "", fe
	}
	if v, fe = normalizeValue(sig, value, valueColumn); fe != nil {
		return "", "", "", fe
	}
	return sig, content, v, nil
}

func truncate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

func (r *Reader) column(ro role) string {
	if i := r.cols[ro]; i >= 0 {
		return r.names[i]
	}
	return ""
}

// csvLine builds a record from a CSV line of a format with a header.
func (r *Reader) csvLine(fields [][]byte) (Record, *fieldError) {
	get := func(ro role) []byte {
		if i := r.cols[ro]; i >= 0 && i < len(fields) {
			return fields[i]
		}
		return nil
	}
	rec := Record{Quality: -1}
	vcol := r.column(roleValue)
	if r.cols[roleValue] >= len(fields) {
		return rec, badField(vcol, ErrSyntax, "missing: the line has %d fields and the header %d", len(fields), len(r.names))
	}
	sig, content, value, fe := r.typedValue(get(roleType), get(roleValue), r.column(roleType), vcol)
	if fe != nil {
		return rec, fe
	}
	rec.SignalType, rec.Value = sig, value
	if rec.Quality, fe = parseQuality(get(roleQuality), r.column(roleQuality)); fe != nil {
		return rec, fe
	}
	if rec.Opinion, fe = parseOpinion(get(roleOpinion), r.column(roleOpinion)); fe != nil {
		return rec, fe
	}
	if rec.Deleted, fe = parseBool(get(roleDeleted), r.column(roleDeleted)); fe != nil {
		return rec, fe
	}
	updated, ucol := get(roleUpdated), r.column(roleUpdated)
	if len(updated) == 0 {
		updated, ucol = get(roleCreated), r.column(roleCreated)
	}
	if rec.Updated, fe = parseTime(updated, ucol); fe != nil {
		return rec, fe
	}
	rec.Labels = Labels{
		Entity:      str(get(roleEntity)),
		Behaviour:   str(get(roleBehaviour)),
		Ideology:    str(get(roleIdeology)),
		Incident:    str(get(roleIncident)),
		ContentType: str(get(roleContentType)),
		Tags:        splitTags(get(roleTags), r.tagSep),
	}
	if rec.Labels.ContentType == "" {
		rec.Labels.ContentType = content
	}
	rec.Source = str(get(roleSource))
	rec.Ref = str(get(roleRef))
	return rec, nil
}

func str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return string(b)
}

// pytxFileLine reads a line of a pytx local_file exchange file
// (python-threatexchange exchanges/impl/file_api.py): "TYPE VALUE", or a
// bare VALUE when the collaboration fixes the type. The value is the rest
// of the line, so a vPDQ value may hold spaces.
func (r *Reader) pytxFileLine(t []byte) (Record, *fieldError) {
	rec := Record{Quality: -1}
	var name, value []byte
	if i := bytes.IndexAny(t, " \t"); i >= 0 {
		name, value = t[:i], bytes.TrimSpace(t[i+1:])
	} else {
		value = t
	}
	var fe *fieldError
	rec.SignalType, rec.Labels.ContentType, rec.Value, fe = r.typedValue(name, value, "signal_type", "signal")
	return rec, fe
}

// hasherLine reads pdq-photo-hasher output (pdq/cpp/bin/pdq-photo-hasher.cpp):
// "%s,%d,%s\n" of hash, quality and file name, the name unquoted (it may
// hold commas), or with -d "hash=…,norm=…,delta=…,quality=…,filename=…".
func (r *Reader) hasherLine(t []byte) (Record, *fieldError) {
	rec := Record{Quality: -1, SignalType: PDQ}
	var hash, quality, file []byte
	if bytes.HasPrefix(t, []byte("hash=")) {
		body := t
		if i := bytes.Index(body, []byte(",filename=")); i >= 0 {
			body, file = body[:i], body[i+len(",filename="):]
		}
		for _, kv := range bytes.Split(body, []byte(",")) {
			k, v, _ := bytes.Cut(kv, []byte("="))
			switch string(k) {
			case "hash":
				hash = v
			case "quality":
				quality = v
			case "xform":
				// --pdqdih -d: the 8 dihedral variants of the file above.
				return rec, badField("xform", ErrSyntax, "dihedral variant line (pdq-photo-hasher --pdqdih); Vigie matches all orientations itself, hash without --pdqdih")
			}
		}
	} else {
		f := bytes.SplitN(t, []byte(","), 3)
		hash = f[0]
		if len(f) > 1 {
			quality = f[1]
			if len(bytes.TrimSpace(quality)) == 64 {
				return rec, badField("quality", ErrSyntax, "eight hashes on one line (pdq-photo-hasher --pdqdih-across); hash without it")
			}
		}
		if len(f) > 2 {
			file = f[2]
		}
	}
	var fe *fieldError
	if rec.Value, fe = normalizeValue(PDQ, hash, "hash"); fe != nil {
		return rec, fe
	}
	if rec.Quality, fe = parseQuality(quality, "quality"); fe != nil {
		return rec, fe
	}
	rec.Ref = str(file)
	return rec, nil
}

// hma1Line reads a row of an HMA 1.0 data file "<privacy group>.hash_pdq.te"
// (hasher-matcher-actioner/hmalib/common/s3_adapters.py, written by
// HMASerialization in python-threatexchange cli/dataset/simple_serialization.py):
// hash, indicator_id, first descriptor_id, added_on, space-separated tags.
// The type comes from the file name; HMA 1.0 only had PDQ and video MD5,
// so 64 digits are PDQ there.
func (r *Reader) hma1Line(fields [][]byte) (Record, *fieldError) {
	rec := Record{Quality: -1}
	get := func(i int) []byte {
		if i < len(fields) {
			return fields[i]
		}
		return nil
	}
	sig := r.defType
	if sig == "" {
		sig = PDQ
		if len(fields[0]) == 32 {
			sig, rec.Labels.ContentType = MD5, "video"
		}
	}
	var fe *fieldError
	if rec.Value, fe = normalizeValue(sig, fields[0], "hash"); fe != nil {
		return rec, fe
	}
	rec.SignalType = sig
	rec.Ref = str(get(1))
	// "mine" marks the fetching app's own opinion (SimpleDescriptorRollup).
	if added := get(3); string(added) != "mine" {
		if rec.Updated, fe = parseTime(added, "added_on"); fe != nil {
			return rec, fe
		}
	}
	rec.Labels.Tags = splitTags(get(4), ' ')
	return rec, nil
}
