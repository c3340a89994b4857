package hashlist

import (
	"bytes"
	"fmt"
	"strings"
)

// Format names a file format. The zero value asks NewReader to recognise
// the format from the start of the input.
type Format string

// The formats; the package documentation gives their layout and sources.
const (
	FormatAuto        Format = ""
	FormatVigie       Format = "vigie"            // Vigie's own CSV, every field
	FormatPytxDataset Format = "pytx-dataset"     // `threatexchange dataset -P --csv`
	FormatPytxFile    Format = "pytx-file"        // pytx local_file exchange: "TYPE VALUE" lines
	FormatPDQHasher   Format = "pdq-photo-hasher" // "hash,quality,filename" lines
	FormatHMA1        Format = "hma1-te"          // HMA 1.0 / pytx ThreatUpdates data file
	FormatTECSV       Format = "te-csv"           // ThreatExchange UI CSV download (td_* columns)
	FormatTEJSON      Format = "te-json"          // ThreatExchange descriptors as JSON (te-tag-query, Graph API)
	FormatTCAP        Format = "tcap"             // Tech Against Terrorism hash list (JSON; CSV with its field names)
	FormatHMASignals  Format = "hma-signals"      // HMA 2.0 bank signal bodies, one JSON object a line
)

var allFormats = []Format{
	FormatVigie, FormatPytxDataset, FormatPytxFile, FormatPDQHasher, FormatHMA1,
	FormatTECSV, FormatTEJSON, FormatTCAP, FormatHMASignals,
}

// Formats lists the supported formats.
func Formats() []Format { return append([]Format(nil), allFormats...) }

// ParseFormat returns the format with that name ("" or "auto" for
// FormatAuto).
func ParseFormat(name string) (Format, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" || n == "auto" {
		return FormatAuto, nil
	}
	for _, f := range allFormats {
		if string(f) == n {
			return f, nil
		}
	}
	return "", fmt.Errorf("%w %q (known: %s)", ErrUnknownFormat, name, formatList())
}

func formatList() string {
	names := make([]string, len(allFormats))
	for i, f := range allFormats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

func (f Format) isJSON() bool {
	return f == FormatTEJSON || f == FormatTCAP || f == FormatHMASignals
}

func (f Format) hasHeader() bool {
	return f == FormatVigie || f == FormatPytxDataset || f == FormatTECSV
}

// columns roles: what a column of a CSV with a header means.
type role int

const (
	roleType role = iota
	roleValue
	roleQuality
	roleEntity
	roleBehaviour
	roleIdeology
	roleIncident
	roleContentType
	roleTags
	roleOpinion
	roleDeleted
	roleUpdated
	roleCreated
	roleSource
	roleRef
	numRoles
)

// columnRoles maps header names (lower case, "-" and " " read as "_") of
// every format with a header to their role. Unlisted columns are ignored,
// which is what lets a ThreatExchange UI download (two dozen td_* columns)
// or a hand-made spreadsheet be read.
var columnRoles = map[string]role{
	"signal_type": roleType, "hash_type": roleType, "type": roleType,
	"algorithm": roleType, "indicator_type": roleType, "td_indicator_type": roleType,

	"value": roleValue, "signal_str": roleValue, "signal": roleValue, "hash": roleValue,
	"hash_value": roleValue, "hash_digest": roleValue, "raw_indicator": roleValue,
	"td_raw_indicator": roleValue, "indicator": roleValue,

	"quality": roleQuality,
	"entity":  roleEntity, "behaviour": roleBehaviour, "behavior": roleBehaviour,
	"ideology": roleIdeology, "incident": roleIncident, "incident_id": roleIncident,
	"content_type": roleContentType, "file_type": roleContentType, "media_type": roleContentType,
	"tags": roleTags, "labels": roleTags, "td_subjective_tags": roleTags,
	"opinion": roleOpinion, "category": roleOpinion, "status": roleOpinion, "td_status": roleOpinion,
	"deleted": roleDeleted, "should_delete": roleDeleted,
	"updated": roleUpdated, "updated_on": roleUpdated, "updated_at": roleUpdated,
	"last_updated": roleUpdated, "td_update_time": roleUpdated,
	"created_on": roleCreated, "created_at": roleCreated, "added_on": roleCreated, "td_creation_time": roleCreated,
	"source": roleSource, "collab": roleSource, "owner": roleSource, "td_owner_name": roleSource,
	"ref": roleRef, "id": roleRef, "td_id": roleRef, "indicator_id": roleRef, "filename": roleRef, "file": roleRef,
}

func columnKey(name []byte) string {
	k := strings.ToLower(string(bytes.TrimSpace(name)))
	return strings.NewReplacer("-", "_", " ", "_").Replace(k)
}

// headerFormat recognises a header line; "" if it is not one.
func headerFormat(fields [][]byte) Format {
	has := map[string]bool{}
	value := false
	for _, f := range fields {
		k := columnKey(f)
		has[k] = true
		if r, ok := columnRoles[k]; ok && r == roleValue {
			value = true
		}
	}
	switch {
	case has["signal_str"]:
		return FormatPytxDataset
	case has["td_raw_indicator"] || has["raw_indicator"]:
		return FormatTECSV
	case has["hash_digest"]:
		return FormatTCAP
	case value:
		return FormatVigie
	}
	return ""
}

// detect recognises the format from the first meaningful line of the
// input (blank and # lines skipped). It looks no further than peek.
func detect(peek []byte) Format {
	peek = bytes.TrimPrefix(peek, utf8BOM)
	all := peek
	for len(peek) > 0 {
		line := peek
		if i := bytes.IndexByte(peek, '\n'); i >= 0 {
			line, peek = peek[:i], peek[i+1:]
		} else {
			peek = nil
		}
		t := bytes.TrimSpace(line)
		if len(t) == 0 || t[0] == '#' {
			continue
		}
		if t[0] == '[' || t[0] == '{' {
			// Pretty-printed JSON names its fields on later lines.
			return detectJSON(all)
		}
		return detectLine(t)
	}
	return FormatAuto
}

// detectJSON names a JSON input by the first record field it finds. The
// kind of record is recognised again for each object, so the name only
// matters for Reader.Format.
func detectJSON(t []byte) Format {
	tc := bytes.Index(t, []byte(`"hash_digest"`))
	te := bytes.Index(t, []byte(`"raw_indicator"`))
	switch {
	case tc >= 0 && (te < 0 || tc < te):
		return FormatTCAP
	case te >= 0:
		return FormatTEJSON
	}
	return FormatHMASignals
}

func detectLine(t []byte) Format {
	if bytes.HasPrefix(t, []byte("hash=")) {
		return FormatPDQHasher
	}
	var s csvSplitter
	lr := &lineReader{max: len(t), eof: true} // no continuation lines: a quote left open is just not a match
	fields, fe, _ := s.split(t, lr)
	if fe == nil {
		if f := headerFormat(fields); f != "" {
			return f
		}
		if len(fields) >= 2 && len(fields[0]) == 64 && isHex(fields[0]) {
			// HMA 1.0: indicator id (empty when Vigie wrote the file
			// without one) and descriptor id; pdq-photo-hasher has a
			// quality and a file name there.
			if len(fields) == 5 && (len(fields[1]) == 0 || isDigits(fields[1])) && isDigits(fields[2]) {
				return FormatHMA1
			}
			return FormatPDQHasher
		}
	}
	if words := bytes.Fields(t); len(words) <= 2 {
		if len(words) == 1 && isHex(words[0]) {
			return FormatPytxFile
		}
		if _, _, ok := signalType(words[0]); ok && len(words) == 2 {
			return FormatPytxFile
		}
	}
	if words := bytes.Fields(t); len(words) >= 2 {
		// "vpdq {json...}": a pytx local file line whose value has spaces.
		if _, _, ok := signalType(words[0]); ok {
			return FormatPytxFile
		}
	}
	return FormatAuto
}

// SignalTypeFromFileName returns the signal type that the name of a
// ThreatExchange data file states, "" if it states none: HMA 1.0 and
// pytx 0.x named their files "<privacy group>.hash_pdq.te",
// "<privacy group>.hash_video_md5.te" or "simple.HASH_PDQ.te", and the
// rows themselves do not say. Pass it as Options.SignalType.
func SignalTypeFromFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	base, ok := strings.CutSuffix(strings.ToLower(name), ".te")
	if !ok {
		return ""
	}
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		base = base[i+1:]
	}
	return NormalizeSignalType(base)
}
