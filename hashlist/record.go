package hashlist

import (
	"bytes"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Canonical signal type names. Every format's own names (pytx "video_md5",
// ThreatExchange "HASH_PDQ", TCAP "PDQ"...) are mapped to these on reading
// and back on writing.
const (
	PDQ    = "pdq"
	VPDQ   = "vpdq"
	MD5    = "md5"
	SHA256 = "sha256"
)

// Opinion says what the source thinks of the hash. Importers add positive
// and unspecified entries to a bank; a negative opinion (pytx
// NEGATIVE_CLASS, ThreatExchange NON_MALICIOUS) says the content is *not*
// in the category and must never be added as a match target.
type Opinion string

// The opinions. The empty Opinion means the source gave none.
const (
	OpinionPositive      Opinion = "positive"
	OpinionNegative      Opinion = "negative"
	OpinionInvestigation Opinion = "investigation"
)

// Labels classify the media a hash stands for. Only the Vigie format holds
// all of them; the others keep what they have a field for (see the package
// documentation).
type Labels struct {
	Entity      string   // group the content is attributed to (GIFCT "entity")
	Behaviour   string   // GIFCT behaviour label, e.g. "attacker manifesto"
	Ideology    string   // TCAP ideology: "islamist", "far-right"
	Incident    string   // incident or crisis identifier
	ContentType string   // "photo", "video", or a file type such as "mp4"
	Tags        []string // free tags, in file order
}

// Record is one hash of a list.
type Record struct {
	Line       int    // line of the input where the record starts (1-based)
	SignalType string // PDQ, VPDQ, MD5 or SHA256
	Value      string // normalised: lower-case hex; vPDQ as given, trimmed
	Quality    int    // 0..100, or -1 when the format or line has none
	Labels     Labels
	Opinion    Opinion
	Deleted    bool      // a delta entry that removes the hash
	Updated    time.Time // when the source last changed it; zero if unknown
	Source     string    // who shared it: collaboration, owner app, Options.Source
	Ref        string    // the source's own id for the entry (TCAP id, ThreatExchange id) or the file name pdq-photo-hasher printed
}

// signalType maps a format's name for a signal type to the canonical one,
// with the content type the name implies (pytx's "video_md5" is an MD5 of a
// video). It does not allocate.
func signalType(name []byte) (canon, content string, ok bool) {
	var buf [32]byte
	n := bytes.TrimSpace(name)
	if len(n) > len(buf) {
		return "", "", false
	}
	low := buf[:len(n)]
	for i, c := range n {
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c == '-':
			c = '_'
		}
		low[i] = c
	}
	low = bytes.TrimPrefix(low, []byte("hash_"))
	switch string(low) {
	case "pdq":
		return PDQ, "", true
	case "vpdq":
		return VPDQ, "video", true
	case "md5":
		return MD5, "", true
	case "video_md5":
		return MD5, "video", true
	case "photo_md5":
		return MD5, "photo", true
	case "sha256", "sha_256":
		return SHA256, "", true
	case "video_sha256":
		return SHA256, "video", true
	case "photo_sha256":
		return SHA256, "photo", true
	}
	return "", "", false
}

// NormalizeSignalType returns the canonical name for a format's signal type
// name ("HASH_PDQ" → "pdq", "video_md5" → "md5"), or "" if it is unknown.
func NormalizeSignalType(name string) string {
	c, _, _ := signalType([]byte(name))
	return c
}

// maxVPDQ bounds a vPDQ value. One frame is about 100 bytes of JSON and the
// pytx default is one frame a second, so 4 MiB is over ten hours of video.
const maxVPDQ = 4 << 20

// normalizeValue checks raw against the rules of its signal type and
// returns the canonical text. column names the field in errors.
func normalizeValue(sigType string, raw []byte, column string) (string, *fieldError) {
	v := bytes.TrimSpace(raw)
	switch sigType {
	case PDQ:
		s, fe := hexValue(v, 64, column, "PDQ hash must be 64 hexadecimal digits")
		if fe != nil {
			return "", fe
		}
		if strings.Trim(s, "0") == "" {
			// pdq-photo-hasher prints this for an image it failed to
			// decode (ThreatExchange issue #1609 lists such an entry in a
			// shared list); it would match every flat image.
			return "", badField(column, ErrAllZeroPDQ, "PDQ hash is all zeros (what pdq-photo-hasher prints for an image it could not decode)")
		}
		return s, nil
	case MD5:
		return hexValue(v, 32, column, "MD5 hash must be 32 hexadecimal digits")
	case SHA256:
		return hexValue(v, 64, column, "SHA-256 hash must be 64 hexadecimal digits")
	case VPDQ:
		if len(v) == 0 {
			return "", badField(column, ErrInvalidValue, "vPDQ hash is empty")
		}
		if len(v) > maxVPDQ {
			return "", badField(column, ErrInvalidValue, "vPDQ hash longer than %d bytes", maxVPDQ)
		}
		if !utf8.Valid(v) {
			// JSON formats could not carry it unchanged.
			return "", badField(column, ErrInvalidValue, "vPDQ hash is not valid UTF-8 text")
		}
		return string(v), nil
	}
	return "", badField(column, ErrUnknownSignalType, "unknown signal type %q", sigType)
}

func hexValue(v []byte, n int, column, rule string) (string, *fieldError) {
	if len(v) != n {
		return "", badField(column, ErrInvalidValue, "%s", rule)
	}
	var buf [64]byte
	for i, c := range v {
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			c += 'a' - 'A'
		default:
			return "", badField(column, ErrInvalidValue, "%s", rule)
		}
		buf[i] = c
	}
	return string(buf[:n]), nil
}

// inferSignalType guesses the type of a bare value: only an MD5 is
// unambiguous (64 digits could be PDQ or SHA-256).
func inferSignalType(v []byte) string {
	v = bytes.TrimSpace(v)
	if len(v) == 32 && isHex(v) {
		return MD5
	}
	return ""
}

func isHex(v []byte) bool {
	for _, c := range v {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return len(v) > 0
}

func isDigits(v []byte) bool {
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(v) > 0
}

// parseQuality reads a 0..100 quality; empty means absent (-1).
func parseQuality(raw []byte, column string) (int, *fieldError) {
	v := bytes.TrimSpace(raw)
	if len(v) == 0 {
		return -1, nil
	}
	if len(v) > 3 || !isDigits(v) {
		return 0, badField(column, ErrInvalidField, "quality must be a whole number from 0 to 100")
	}
	q, _ := strconv.Atoi(string(v))
	if q > 100 {
		return 0, badField(column, ErrInvalidField, "quality must be a whole number from 0 to 100")
	}
	return q, nil
}

func parseOpinion(raw []byte, column string) (Opinion, *fieldError) {
	switch strings.ToLower(string(bytes.TrimSpace(raw))) {
	case "":
		return "", nil
	case "positive", "positive_class", "malicious", "true_positive":
		return OpinionPositive, nil
	case "negative", "negative_class", "non_malicious", "false_positive":
		return OpinionNegative, nil
	case "investigation", "investigation_seed", "suspicious", "unknown":
		return OpinionInvestigation, nil
	}
	return "", badField(column, ErrInvalidField, "opinion must be positive, negative or investigation (pytx: POSITIVE_CLASS, NEGATIVE_CLASS, INVESTIGATION_SEED; ThreatExchange: MALICIOUS, NON_MALICIOUS, SUSPICIOUS, UNKNOWN)")
}

func parseBool(raw []byte, column string) (bool, *fieldError) {
	switch strings.ToLower(string(bytes.TrimSpace(raw))) {
	case "", "false", "f", "0", "no", "n":
		return false, nil
	case "true", "t", "1", "yes", "y":
		return true, nil
	}
	return false, badField(column, ErrInvalidField, "must be true or false")
}

// timeLayouts are the date forms met in the wild: RFC 3339 (Vigie),
// ThreatExchange's "+0000" offsets, and plain dates.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999-0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// parseTime reads a date; a number is Unix seconds with an optional
// fraction (TCAP's updated_on), read exactly rather than through a float.
func parseTime(raw []byte, column string) (time.Time, *fieldError) {
	v := bytes.TrimSpace(raw)
	if len(v) == 0 {
		return time.Time{}, nil
	}
	if t, ok := parseEpoch(v); ok {
		return t, nil
	}
	s := string(v)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, badField(column, ErrInvalidField, "date must be RFC 3339 (2024-01-10T15:37:20Z) or Unix seconds")
}

func parseEpoch(v []byte) (time.Time, bool) {
	sec, frac, _ := bytes.Cut(v, []byte("."))
	// 11 digits reach the year 5138; more is a typo or milliseconds.
	if !isDigits(sec) || len(sec) > 11 || len(frac) > 9 || (len(frac) > 0 && !isDigits(frac)) {
		return time.Time{}, false
	}
	s, _ := strconv.ParseInt(string(sec), 10, 64)
	var ns int64
	if len(frac) > 0 {
		ns, _ = strconv.ParseInt(string(frac), 10, 64)
		for i := len(frac); i < 9; i++ {
			ns *= 10
		}
	}
	return time.Unix(s, ns).UTC(), true
}

// splitTags splits a tag field on sep, or on white space when sep is ' '.
func splitTags(raw []byte, sep byte) []string {
	v := bytes.TrimSpace(raw)
	if len(v) == 0 {
		return nil
	}
	var parts [][]byte
	if sep == ' ' {
		parts = bytes.Fields(v)
	} else {
		parts = bytes.Split(v, []byte{sep})
	}
	tags := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = bytes.TrimSpace(p); len(p) > 0 {
			tags = append(tags, string(p))
		}
	}
	if len(tags) == 0 {
		return nil
	}
	return tags
}
