package hashlist

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenInputs are samples of each format, written after the producing
// code named in the package documentation.
var goldenInputs = []struct {
	file   string
	opts   Options
	format Format // what NewReader should recognise
}{
	{"vigie.csv", Options{}, FormatVigie},
	{"pytx-dataset.csv", Options{}, FormatPytxDataset},
	{"pytx-dataset-old.csv", Options{}, FormatPytxDataset},
	{"pytx-file.txt", Options{}, FormatPytxFile},
	{"pdq-photo-hasher.txt", Options{Source: "local hasher"}, FormatPDQHasher},
	{"258601789084078.hash_pdq.te", Options{SignalType: SignalTypeFromFileName("258601789084078.hash_pdq.te"), Source: "threatexchange:258601789084078"}, FormatHMA1},
	{"te-ui.csv", Options{SignalType: "md5"}, FormatTECSV},
	{"te-tag-query.jsonl", Options{}, FormatTEJSON},
	{"te-graph-page.json", Options{}, FormatTEJSON},
	{"tcap-v2-page.json", Options{Source: "tcap"}, FormatTCAP},
	{"tcap-v1.json", Options{Source: "tcap"}, FormatTCAP},
	{"tcap.csv", Options{Source: "tcap"}, FormatTCAP},
	{"hma-signals.jsonl", Options{}, FormatHMASignals},
	{"bad-lines.csv", Options{}, FormatVigie},
}

// readAll reads every record, collecting the bad lines; a fatal error
// fails the test.
func readAll(t *testing.T, r io.Reader, opts Options) ([]Record, []error, Format) {
	t.Helper()
	rd, err := NewReader(r, opts)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var recs []Record
	var bad []error
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			return recs, bad, rd.Format()
		}
		if err != nil {
			if !IsLineError(err) {
				t.Fatalf("fatal error after %d records: %v", len(recs), err)
			}
			bad = append(bad, err)
			continue
		}
		recs = append(recs, rec)
	}
}

// dump renders records and errors one a line, in input order.
func dump(recs []Record, bad []error) []byte {
	type item struct {
		line int
		text string
	}
	var items []item
	for _, r := range recs {
		j, _ := json.Marshal(r)
		items = append(items, item{r.Line, string(j)})
	}
	for _, e := range bad {
		var le *LineError
		errors.As(e, &le)
		items = append(items, item{le.Line, "ERROR " + e.Error()})
	}
	// Stable by line: records and errors interleave as in the file.
	for i := 1; i < len(items); i++ {
		for j := i; j > 0 && items[j].line < items[j-1].line; j-- {
			items[j], items[j-1] = items[j-1], items[j]
		}
	}
	var b bytes.Buffer
	for _, it := range items {
		b.WriteString(it.text)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./hashlist -run TestGolden -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

// kept zeroes the fields a format does not carry, so that a round trip
// through it can be compared with what went in.
func kept(f Format, r Record) Record {
	out := Record{SignalType: r.SignalType, Value: r.Value, Quality: -1}
	switch f {
	case FormatVigie:
		out = r
	case FormatPytxDataset:
		out.Source, out.Opinion, out.Labels.Tags, out.Labels.ContentType = r.Source, r.Opinion, r.Labels.Tags, r.Labels.ContentType
	case FormatPytxFile, FormatHMASignals:
		out.Labels.ContentType = r.Labels.ContentType
	case FormatPDQHasher:
		out.Quality, out.Ref = r.Quality, r.Ref
	case FormatHMA1:
		out.Ref, out.Updated, out.Labels.Tags, out.Labels.ContentType = r.Ref, r.Updated, r.Labels.Tags, r.Labels.ContentType
	case FormatTECSV, FormatTEJSON:
		out.Opinion, out.Labels.Tags, out.Updated, out.Source, out.Ref = r.Opinion, r.Labels.Tags, r.Updated, r.Source, r.Ref
		out.Labels.ContentType = r.Labels.ContentType
		if f == FormatTEJSON {
			out.Deleted = r.Deleted
		}
	case FormatTCAP:
		out.Labels.Ideology, out.Labels.ContentType, out.Deleted, out.Updated, out.Ref = r.Labels.Ideology, r.Labels.ContentType, r.Deleted, r.Updated, r.Ref
	}
	if f != FormatVigie {
		out.Source = r.Source // every test reads back with the same Options.Source
	}
	return out
}

func withoutLines(recs []Record, f Format) []Record {
	out := make([]Record, len(recs))
	for i, r := range recs {
		r = kept(f, r)
		r.Line = 0
		out[i] = r
	}
	return out
}

func writeAll(t *testing.T, f Format, recs []Record) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := NewWriter(&b, f)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatalf("Write(line %d): %v", r.Line, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGolden reads every sample, compares the records with the golden
// dump, writes them back in the same format (golden too), reads that
// again, and does the same through the Vigie format, which must keep
// everything.
func TestGolden(t *testing.T) {
	for _, tc := range goldenInputs {
		t.Run(tc.file, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			recs, bad, f := readAll(t, bytes.NewReader(in), tc.opts)
			if f != tc.format {
				t.Errorf("recognised as %q, want %q", f, tc.format)
			}
			golden(t, tc.file+".records.golden", dump(recs, bad))
			if len(recs) == 0 {
				t.Fatal("no records")
			}

			out := writeAll(t, f, recs)
			golden(t, tc.file+"."+string(f)+".golden", out)
			opts := tc.opts
			opts.Format = f
			again, bad2, _ := readAll(t, bytes.NewReader(out), opts)
			if len(bad2) > 0 {
				t.Fatalf("re-reading the written %s: %v", f, bad2)
			}
			if diff := cmp.Diff(withoutLines(recs, f), withoutLines(again, f)); diff != "" {
				t.Errorf("round trip through %s (-read +re-read):\n%s", f, diff)
			}
			// The auto-detection must recognise what the writer wrote,
			// except where only options say the type (TE UI, HMA 1.0).
			if tc.opts.SignalType == "" {
				if _, _, f2 := readAll(t, bytes.NewReader(out), Options{Source: tc.opts.Source}); f2 != f {
					t.Errorf("written %s recognised as %s", f, f2)
				}
			}

			vig := writeAll(t, FormatVigie, recs)
			back, bad3, _ := readAll(t, bytes.NewReader(vig), Options{})
			if len(bad3) > 0 {
				t.Fatalf("re-reading as vigie: %v", bad3)
			}
			if diff := cmp.Diff(withoutLines(recs, FormatVigie), withoutLines(back, FormatVigie)); diff != "" {
				t.Errorf("round trip through vigie (-read +re-read):\n%s", diff)
			}
		})
	}
}

// TestGoldenBadLines pins the report for a list with bad lines among good
// ones: the good records all come through, each bad line is named.
func TestGoldenBadLines(t *testing.T) {
	f, err := os.Open("testdata/bad-lines.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, bad, _ := readAll(t, f, Options{})
	var lines []int
	for _, r := range recs {
		lines = append(lines, r.Line)
	}
	if diff := cmp.Diff([]int{2, 3, 8}, lines); diff != "" {
		t.Errorf("good lines (-want +got):\n%s", diff)
	}
	var msgs []string
	for _, e := range bad {
		msgs = append(msgs, e.Error())
	}
	want := []string{
		"line 4: column hash_value: PDQ hash must be 64 hexadecimal digits",
		"line 5: column hash_value: PDQ hash is all zeros (what pdq-photo-hasher prints for an image it could not decode)",
		`line 6: column signal_type: unknown signal type "tmk" (known: pdq, vpdq, md5, sha256 and their pytx, ThreatExchange and TCAP names)`,
		"line 7: column quality: quality must be a whole number from 0 to 100",
		"line 9: quoted field not closed before the end of the file",
	}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(dump(recs, bad)), "ERROR line 4") {
		t.Error("dump lacks the errors")
	}
}
