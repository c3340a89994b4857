package hashlist

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func addTestdataSeeds(f *testing.F, withFormat bool) {
	for _, tc := range goldenInputs {
		b, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			f.Fatal(err)
		}
		if withFormat {
			for i := range allFormats {
				if allFormats[i] == tc.format {
					f.Add(b, uint8(i+1))
				}
			}
			f.Add(b, uint8(0))
		}
	}
}

var lineErrorKinds = []error{
	ErrInvalidValue, ErrAllZeroPDQ, ErrLowQuality, ErrUnknownSignalType,
	ErrNoSignalType, ErrInvalidField, ErrLineTooLong, ErrSyntax,
}

// FuzzReader feeds any bytes to every parser (format 0 recognises, n
// names allFormats[n-1]) under small bounds, and checks that nothing
// panics, that memory stays within the bounds, that every record is
// valid and that every record survives a round trip through the Vigie
// format.
func FuzzReader(f *testing.F) {
	addTestdataSeeds(f, true)
	f.Add([]byte("signal_type,value\n\"pdq,\""), uint8(1))
	f.Add([]byte("[{\"hash_digest\": \"\"}, 1, {\"data\": {\"x\": [1, {}]}}]"), uint8(8))
	f.Add([]byte("{\"results\": [{\"pdq\": \"x\"}], \"data\": {}}"), uint8(9))
	f.Add([]byte("\xEF\xBB\xBF\r\n\r\n"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, fi uint8) {
		const maxLine = 512
		opts := Options{MaxLineBytes: maxLine, MaxTotalBytes: 32 << 10, SignalType: "", MinQuality: 10}
		if fi > 0 {
			opts.Format = allFormats[int(fi-1)%len(allFormats)]
		}
		if fi%3 == 0 {
			opts.SignalType = "pdq"
		}
		rd, err := NewReader(bytes.NewReader(data), opts)
		if err != nil {
			if !errors.Is(err, ErrUnknownFormat) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("NewReader: unexpected error %v", err)
			}
			return
		}
		lines := bytes.Count(data, []byte{'\n'}) + 1
		last := 0
		for i := 0; ; i++ {
			if i > len(data)+10 {
				t.Fatalf("more results (%d) than input bytes", i)
			}
			rec, err := rd.Read()
			if err == io.EOF {
				break
			}
			var le *LineError
			if errors.As(err, &le) {
				if le.Line < 1 || le.Line > lines || le.Rule == "" {
					t.Fatalf("bad line error %+v (input has %d lines)", le, lines)
				}
				known := false
				for _, k := range lineErrorKinds {
					known = known || errors.Is(le, k)
				}
				if !known {
					t.Fatalf("line error of unknown kind: %v", le)
				}
				continue
			}
			if err != nil {
				if _, again := rd.Read(); again != err {
					t.Fatalf("fatal error not sticky: %v then %v", err, again)
				}
				break
			}
			checkRecord(t, rec, lines, maxLine)
			if rec.Line < last {
				t.Fatalf("line went back from %d to %d", last, rec.Line)
			}
			last = rec.Line
			roundTripVigie(t, rec)
		}
	})
}

func checkRecord(t *testing.T, rec Record, lines, maxLine int) {
	t.Helper()
	if rec.Line < 1 || rec.Line > lines {
		t.Fatalf("record line %d outside 1..%d", rec.Line, lines)
	}
	v, fe := normalizeValue(rec.SignalType, []byte(rec.Value), "value")
	if fe != nil || v != rec.Value {
		t.Fatalf("record with an invalid value: %+v (%v)", rec, fe)
	}
	if rec.Quality < -1 || rec.Quality > 100 || (rec.Quality >= 0 && rec.Quality < 10) {
		t.Fatalf("quality %d passed", rec.Quality)
	}
	if len(rec.Value) > maxLine {
		t.Fatalf("value of %d bytes passed a %d-byte line bound", len(rec.Value), maxLine)
	}
}

// roundTripVigie writes rec as Vigie CSV and reads it back.
func roundTripVigie(t *testing.T, rec Record) {
	t.Helper()
	var b bytes.Buffer
	w, _ := NewWriter(&b, FormatVigie)
	if err := w.Write(rec); err != nil {
		if errors.Is(err, ErrNotRepresentable) {
			return // a tag holding ';'
		}
		t.Fatalf("writing a record the reader accepted: %v\n%+v", err, rec)
	}
	w.Close()
	if strings.ContainsRune(b.String(), '\r') {
		return // CR LF inside a quoted field reads as LF, as encoding/csv does
	}
	rd, err := NewReader(&b, Options{Format: FormatVigie})
	if err != nil {
		t.Fatal(err)
	}
	back, err := rd.Read()
	if err != nil {
		t.Fatalf("re-reading %q: %v", b.String(), err)
	}
	rec.Line, back.Line = 0, 0
	if diff := cmp.Diff(rec, back); diff != "" {
		t.Fatalf("vigie round trip (-in +out):\n%s\n%s", diff, b.String())
	}
}

// FuzzWriter builds a record from fuzzed fields and writes it in every
// format: the writer either refuses it, or writes something the reader
// reads back as one record with the same kept fields.
func FuzzWriter(f *testing.F) {
	f.Add(uint8(0), pdqA, 90, "entity", "tag1 tag2", "ref,1", int64(1704901040), false, uint8(0))
	f.Add(uint8(1), "{\"0\": {}}", -1, "", "", "", int64(0), true, uint8(1))
	f.Add(uint8(2), md5A, -1, "a\nb", "x;y", "123", int64(-5), false, uint8(2))
	f.Add(uint8(3), shaA, 100, "\"q\"", "", " lead", int64(253402300799), false, uint8(3))
	f.Fuzz(func(t *testing.T, ti uint8, value string, quality int, label, tags, ref string, unix int64, deleted bool, oi uint8) {
		types := []string{PDQ, VPDQ, MD5, SHA256}
		opinions := []Opinion{"", OpinionPositive, OpinionNegative, OpinionInvestigation}
		rec := Record{
			SignalType: types[int(ti)%len(types)],
			Value:      value,
			Quality:    quality,
			Labels: Labels{
				Entity: label, Behaviour: label, Ideology: label, Incident: label, ContentType: label,
				Tags: strings.Split(tags, ","),
			},
			Opinion: opinions[int(oi)%len(opinions)],
			Deleted: deleted,
			Source:  label,
			Ref:     ref,
		}
		if unix > 0 && unix < 1e11 {
			rec.Updated = time.Unix(unix, 0).UTC()
		}
		for _, f := range allFormats {
			var b bytes.Buffer
			w, _ := NewWriter(&b, f)
			err := w.Write(rec)
			w.Close()
			if err != nil {
				var le *LineError
				if !errors.Is(err, ErrNotRepresentable) && !errors.As(err, &le) {
					t.Fatalf("%s: unexpected error %v", f, err)
				}
				continue
			}
			rd, err := NewReader(bytes.NewReader(b.Bytes()), Options{Format: f, Source: rec.Source})
			if err != nil {
				t.Fatalf("%s: reading back %q: %v", f, b.String(), err)
			}
			got, err := rd.Read()
			if err != nil {
				// Labels are free text: what the reader refuses (a
				// quality outside 0..100 the writer let pass would be a
				// bug, a label the format cannot carry is not).
				var le *LineError
				if errors.As(err, &le) && (errors.Is(err, ErrInvalidValue) || errors.Is(err, ErrAllZeroPDQ)) {
					t.Fatalf("%s: written value unreadable: %v\n%s", f, err, b.String())
				}
				continue
			}
			if got.SignalType != NormalizeSignalType(rec.SignalType) {
				t.Fatalf("%s: type %q became %q", f, rec.SignalType, got.SignalType)
			}
			if want, _ := normalizeValue(got.SignalType, []byte(rec.Value), ""); got.Value != want {
				t.Fatalf("%s: value %q became %q", f, want, got.Value)
			}
			if got.Deleted != rec.Deleted && f != FormatTECSV {
				t.Fatalf("%s: deleted %v became %v", f, rec.Deleted, got.Deleted)
			}
			if rec.Opinion == OpinionNegative && got.Opinion != OpinionNegative {
				t.Fatalf("%s: a negative opinion was lost", f)
			}
		}
	})
}
