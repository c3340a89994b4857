package hashlist

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	pdqA = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
	pdqB = "30a10efdf1c83f429013d48d0ffffc52e34e0e35ada952a9d29605215aa9e5af"
	md5A = "cab08b36195edb1a1231d2d09fa450e0"
	shaA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// collect reads everything and returns records, line errors and the
// error that ended the read (nil at io.EOF).
func collect(t *testing.T, input string, opts Options) ([]Record, []*LineError, error) {
	t.Helper()
	rd, err := NewReader(strings.NewReader(input), opts)
	if err != nil {
		return nil, nil, err
	}
	var recs []Record
	var bad []*LineError
	for i := 0; ; i++ {
		if i > 1e6 {
			t.Fatal("reader does not end")
		}
		rec, err := rd.Read()
		if err == io.EOF {
			return recs, bad, nil
		}
		var le *LineError
		if errors.As(err, &le) {
			bad = append(bad, le)
			continue
		}
		if err != nil {
			// A fatal error must stick.
			if _, again := rd.Read(); again != err {
				t.Errorf("after fatal %v, Read returned %v", err, again)
			}
			return recs, bad, err
		}
		recs = append(recs, rec)
	}
}

func TestReaderLines(t *testing.T) {
	upperA := strings.ToUpper(pdqA)
	tests := []struct {
		name      string
		input     string
		opts      Options
		format    Format
		values    []string // values of the good records, in order
		lines     []int    // their lines
		badLines  []int
		badKinds  []error
		wantFatal error
	}{
		{
			name:   "BOM, CRLF, blank lines, comments",
			input:  "\xEF\xBB\xBFsignal_type,value\r\n\r\n# a comment\r\npdq," + upperA + "\r\n\r\nmd5," + md5A + "\r\n",
			values: []string{pdqA, md5A}, lines: []int{4, 6},
		},
		{
			name:   "no newline at the end",
			input:  "pdq " + pdqA + "\nvideo_md5 " + md5A,
			values: []string{pdqA, md5A}, lines: []int{1, 2},
		},
		{
			name:   "quoted fields, escaped quotes, a field across lines",
			input:  "signal_type,value,tags\n\"pdq\",\"" + pdqA + "\",\"a,b\"\npdq," + pdqB + ",\"x\n\"\"y\"\"\"\nmd5," + md5A + ",\n",
			values: []string{pdqA, pdqB, md5A}, lines: []int{2, 3, 5},
		},
		{
			name:   "bad line in the middle",
			input:  "signal_type,hash_value\npdq," + pdqA + "\npdq,xyz\npdq," + pdqB + "\n",
			values: []string{pdqA, pdqB}, lines: []int{2, 4},
			badLines: []int{3}, badKinds: []error{ErrInvalidValue},
		},
		{
			name:   "line too long is skipped, the next is read",
			input:  "pdq " + pdqA + "\npdq " + strings.Repeat("f", 5000) + "\npdq " + pdqB + "\n",
			opts:   Options{MaxLineBytes: 1024},
			values: []string{pdqA, pdqB}, lines: []int{1, 3},
			badLines: []int{2}, badKinds: []error{ErrLineTooLong},
		},
		{
			name:   "line too long at the end without newline",
			input:  "pdq " + pdqA + "\npdq " + strings.Repeat("f", 200000),
			opts:   Options{MaxLineBytes: 1024},
			values: []string{pdqA}, lines: []int{1},
			badLines: []int{2}, badKinds: []error{ErrLineTooLong},
		},
		{
			name:   "total size bound",
			input:  strings.Repeat("pdq "+pdqA+"\n", 100),
			opts:   Options{MaxTotalBytes: 690},
			values: []string{pdqA, pdqA, pdqA, pdqA, pdqA, pdqA, pdqA, pdqA, pdqA, pdqA}, lines: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
			wantFatal: ErrTooLarge,
		},
		{
			name:   "input exactly at the size bound",
			input:  "pdq " + pdqA + "\n",
			opts:   Options{MaxTotalBytes: 69},
			values: []string{pdqA}, lines: []int{1},
		},
		{
			name:   "all-zero PDQ and low quality",
			input:  strings.Repeat("0", 64) + ",0,broken.jpg\n" + pdqA + ",30,blurry.jpg\n" + pdqB + ",80,ok.jpg\n",
			opts:   Options{MinQuality: 50},
			values: []string{pdqB}, lines: []int{3},
			badLines: []int{1, 2}, badKinds: []error{ErrAllZeroPDQ, ErrLowQuality},
		},
		{
			name:   "bare hashes: md5 typed by length, 64 digits need a type",
			input:  md5A + "\n" + pdqA + "\n",
			format: FormatPytxFile,
			values: []string{md5A}, lines: []int{1},
			badLines: []int{2}, badKinds: []error{ErrNoSignalType},
		},
		{
			name:   "bare hashes with a signal type",
			input:  shaA + "\n",
			opts:   Options{SignalType: "sha256"},
			values: []string{shaA}, lines: []int{1},
		},
		{
			name:   "pdq-photo-hasher dihedral forms are refused",
			input:  pdqA + ",100,a.jpg\n" + pdqA + "," + pdqB + ",1,2,3,4,5,6,100,a.jpg\nhash=" + pdqB + ",xform=rot90,filename=a.jpg\n",
			values: []string{pdqA}, lines: []int{1},
			badLines: []int{2, 3}, badKinds: []error{ErrSyntax, ErrSyntax},
		},
		{
			name:   "short line in a CSV with a header",
			input:  "signal_type,quality,value\npdq,50\npdq,50," + pdqA + "\n",
			values: []string{pdqA}, lines: []int{3},
			badLines: []int{2}, badKinds: []error{ErrSyntax},
		},
		{
			name:   "bad dates, booleans and opinions",
			input:  "signal_type,value,updated,deleted,opinion\npdq," + pdqA + ",yesterday,,\npdq," + pdqA + ",,maybe,\npdq," + pdqA + ",,,great\npdq," + pdqA + ",1704901040,1,positive_class\n",
			values: []string{pdqA}, lines: []int{5},
			badLines: []int{2, 3, 4}, badKinds: []error{ErrInvalidField, ErrInvalidField, ErrInvalidField},
		},
		{
			name:   "a line of too many fields",
			input:  "signal_type,value\n" + strings.Repeat(",", 5000) + "\npdq," + pdqA + "\n",
			values: []string{pdqA}, lines: []int{3},
			badLines: []int{2}, badKinds: []error{ErrSyntax},
		},
		{
			name:   "empty input",
			input:  "",
			values: nil,
		},
		{
			name:   "header only",
			input:  "signal_type,signal_str,collab,category,tags\n",
			values: nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.format != "" {
				tc.opts.Format = tc.format
			}
			recs, bad, fatal := collect(t, tc.input, tc.opts)
			if !errors.Is(fatal, tc.wantFatal) || (fatal == nil) != (tc.wantFatal == nil) {
				t.Fatalf("fatal error %v, want %v", fatal, tc.wantFatal)
			}
			var values []string
			var lines []int
			for _, r := range recs {
				values = append(values, r.Value)
				lines = append(lines, r.Line)
			}
			if diff := cmp.Diff(tc.values, values); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.lines, lines); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			var badLines []int
			for i, le := range bad {
				badLines = append(badLines, le.Line)
				if i < len(tc.badKinds) && !errors.Is(le, tc.badKinds[i]) {
					t.Errorf("bad line %d: %v, want kind %v", le.Line, le, tc.badKinds[i])
				}
			}
			if diff := cmp.Diff(tc.badLines, badLines); diff != "" {
				t.Errorf("bad lines (-want +got):\n%s (errors %v)", diff, bad)
			}
		})
	}
}

// TestBadLineMessage: the example of the issue, at line 1834 of a long
// list.
func TestBadLineMessage(t *testing.T) {
	var b strings.Builder
	b.WriteString("hash_type,hash_value\n")
	for i := 2; i <= 5000; i++ {
		if i == 1834 {
			b.WriteString("pdq,d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b2\n")
			continue
		}
		fmt.Fprintf(&b, "pdq,%064x\n", i)
	}
	recs, bad, fatal := collect(t, b.String(), Options{})
	if fatal != nil {
		t.Fatal(fatal)
	}
	if len(recs) != 4998 || len(bad) != 1 {
		t.Fatalf("%d records, %d errors; want 4998 and 1", len(recs), len(bad))
	}
	want := "line 1834: column hash_value: PDQ hash must be 64 hexadecimal digits"
	if got := bad[0].Error(); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestSignalTypeFromFileName(t *testing.T) {
	for name, want := range map[string]string{
		"s3/threat_exchange_data/258601789084078.hash_pdq.te": PDQ,
		"258601789084078.hash_video_md5.te":                   MD5,
		`C:\data\simple.HASH_PDQ.te`:                          PDQ,
		"list.csv":                                            "",
		"258601789084078.checkpoint":                          "",
		"x.hash_tmk.te":                                       "",
	} {
		if got := SignalTypeFromFileName(name); got != want {
			t.Errorf("SignalTypeFromFileName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		first string
		want  Format
	}{
		{"signal_type,value,quality", FormatVigie},
		{"hash_type,hash_value", FormatVigie},
		{"Hash Value,Hash Type,Notes", FormatVigie},
		{"signal_type,signal_str,collab,category,tags", FormatPytxDataset},
		{"collab,signal_type,signal_str,category,tags", FormatPytxDataset},
		{"td_description,td_status,td_raw_indicator", FormatTECSV},
		{"id,hash_digest,algorithm", FormatTCAP},
		{"pdq " + pdqA, FormatPytxFile},
		{"video_md5 " + md5A, FormatPytxFile},
		{"vpdq {\"0\": {}}", FormatPytxFile},
		{pdqA, FormatPytxFile},
		{pdqA + ",100,a.jpg", FormatPDQHasher},
		{pdqA + ",100", FormatPDQHasher},
		{"hash=" + pdqA + ",norm=128", FormatPDQHasher},
		{pdqA + ",3058061737574159,3058061737574160,mine,", FormatHMA1},
		{pdqA + ",,0,,", FormatHMA1},
		{pdqA + ",100,a,b,c", FormatPDQHasher},
		{`{"pdq": "` + pdqA + `"}`, FormatHMASignals},
		{`[{"hash_digest": "x"}]`, FormatTCAP},
		{`{"raw_indicator": "x"}`, FormatTEJSON},
		{"hello world, this is not a list", FormatAuto},
		{`"unclosed,quote`, FormatAuto},
	}
	for _, tc := range tests {
		if got := detect([]byte("\n# comment\n" + tc.first + "\nmore")); got != tc.want {
			t.Errorf("detect(%q) = %q, want %q", tc.first, got, tc.want)
		}
	}
	if _, err := NewReader(strings.NewReader("hello world, this is not a list\n"), Options{}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("unrecognisable input: %v", err)
	}
	if _, err := NewReader(strings.NewReader("a,b\n"), Options{Format: FormatVigie}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("header without a hash column: %v", err)
	}
	if _, err := NewReader(strings.NewReader(""), Options{Format: "excel"}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("unknown format name: %v", err)
	}
	if _, err := NewReader(strings.NewReader(""), Options{SignalType: "photodna"}); err == nil {
		t.Error("unknown signal type option accepted")
	}
}

func TestJSONInput(t *testing.T) {
	t.Run("broken JSON ends the read after the good elements", func(t *testing.T) {
		in := "[\n{\"hash_digest\": \"" + md5A + "\", \"algorithm\": \"MD5\"},\n{\"hash_digest\": \"" + pdqA + "\", \"algorithm\": \"PDQ\"},\n{\"hash_digest\": ]\n"
		recs, bad, fatal := collect(t, in, Options{})
		if len(recs) != 2 || len(bad) != 0 {
			t.Fatalf("%d records, %v", len(recs), bad)
		}
		if !errors.Is(fatal, ErrMalformed) || !strings.Contains(fatal.Error(), "line 4") {
			t.Errorf("fatal error %v, want ErrMalformed at line 4", fatal)
		}
	})
	t.Run("bad element is skipped", func(t *testing.T) {
		in := `[{"hash_digest": "` + md5A + `", "algorithm": "MD5"}, 42, {"hash_digest": "zz", "algorithm": "PDQ"}, {"hash_digest": "` + shaA + `", "algorithm": "SHA256", "deleted": true}]`
		recs, bad, fatal := collect(t, in, Options{})
		if fatal != nil || len(recs) != 2 || len(bad) != 2 {
			t.Fatalf("records %d, bad %v, fatal %v", len(recs), bad, fatal)
		}
		if !recs[1].Deleted || recs[1].SignalType != SHA256 {
			t.Errorf("second record %+v", recs[1])
		}
	})
	t.Run("element over the bound", func(t *testing.T) {
		in := `[{"hash_digest": "` + md5A + `", "algorithm": "MD5"}, {"hash_digest": "` + strings.Repeat("a", 300000) + `"}]`
		recs, _, fatal := collect(t, in, Options{MaxLineBytes: 1024})
		if len(recs) != 1 || !errors.Is(fatal, ErrMalformed) {
			t.Errorf("records %d, fatal %v", len(recs), fatal)
		}
	})
	t.Run("TCAP pages one after another, with a BOM", func(t *testing.T) {
		page := func(h string) string {
			return `{"count": 1, "next": null, "checkpoint": "1,2", "results": [{"hash_digest": "` + h + `", "algorithm": "PDQ", "updated_on": 1704901040.5}]}` + "\n"
		}
		recs, bad, fatal := collect(t, "\xEF\xBB\xBF"+page(pdqA)+page(pdqB), Options{})
		if fatal != nil || len(bad) != 0 || len(recs) != 2 {
			t.Fatalf("records %d, bad %v, fatal %v", len(recs), bad, fatal)
		}
		if want := time.Unix(1704901040, 5e8).UTC(); !recs[0].Updated.Equal(want) || recs[1].Line != 2 {
			t.Errorf("records %+v", recs)
		}
	})
	t.Run("empty and null TCAP pages", func(t *testing.T) {
		in := `{"count": 0, "next": null, "checkpoint": "", "results": []}` + "\n" + `{"count": 0, "results": null}` + "\n" + `{"results": [{"hash_digest": "` + md5A + `", "algorithm": "MD5"}]}`
		recs, bad, fatal := collect(t, in, Options{Format: FormatTCAP})
		if fatal != nil || len(bad) != 0 || len(recs) != 1 || recs[0].Line != 3 {
			t.Errorf("records %+v, bad %v, fatal %v", recs, bad, fatal)
		}
	})
	t.Run("HMA signals with an unknown type", func(t *testing.T) {
		recs, bad, fatal := collect(t, `{"pdq": "`+pdqA+`", "tmk": "abc"}`+"\n", Options{})
		if fatal != nil || len(recs) != 1 || len(bad) != 1 || !errors.Is(bad[0], ErrUnknownSignalType) {
			t.Errorf("records %d, bad %v, fatal %v", len(recs), bad, fatal)
		}
	})
	t.Run("scalar at the top level", func(t *testing.T) {
		recs, bad, fatal := collect(t, `"x" {"pdq": "`+pdqA+`"}`, Options{Format: FormatHMASignals})
		if fatal != nil || len(recs) != 1 || len(bad) != 1 {
			t.Errorf("records %d, bad %v, fatal %v", len(recs), bad, fatal)
		}
	})
}

func TestWriterRefuses(t *testing.T) {
	good := Record{SignalType: PDQ, Value: pdqA, Quality: 90}
	tests := []struct {
		name   string
		format Format
		rec    Record
		kind   error
	}{
		{"deletion in pytx-file", FormatPytxFile, Record{SignalType: PDQ, Value: pdqA, Quality: -1, Deleted: true}, ErrNotRepresentable},
		{"negative in hma-signals", FormatHMASignals, Record{SignalType: PDQ, Value: pdqA, Quality: -1, Opinion: OpinionNegative}, ErrNotRepresentable},
		{"negative in tcap", FormatTCAP, Record{SignalType: PDQ, Value: pdqA, Quality: -1, Opinion: OpinionNegative}, ErrNotRepresentable},
		{"deletion in pytx-dataset", FormatPytxDataset, Record{SignalType: PDQ, Value: pdqA, Quality: -1, Deleted: true}, ErrNotRepresentable},
		{"md5 in pdq-photo-hasher", FormatPDQHasher, Record{SignalType: MD5, Value: md5A, Quality: 50}, ErrNotRepresentable},
		{"no quality in pdq-photo-hasher", FormatPDQHasher, Record{SignalType: PDQ, Value: pdqA, Quality: -1}, ErrNotRepresentable},
		{"vpdq in ThreatExchange", FormatTEJSON, Record{SignalType: VPDQ, Value: "{}", Quality: -1}, ErrNotRepresentable},
		{"tag with a space in pytx", FormatPytxDataset, Record{SignalType: PDQ, Value: pdqA, Quality: -1, Labels: Labels{Tags: []string{"two words"}}}, ErrNotRepresentable},
		{"tag with ; in vigie", FormatVigie, Record{SignalType: PDQ, Value: pdqA, Quality: -1, Labels: Labels{Tags: []string{"a;b"}}}, ErrNotRepresentable},
		{"invalid hash", FormatVigie, Record{SignalType: PDQ, Value: "abc", Quality: -1, Line: 7}, ErrInvalidValue},
		{"all-zero PDQ", FormatVigie, Record{SignalType: PDQ, Value: strings.Repeat("0", 64), Quality: -1}, ErrAllZeroPDQ},
		{"quality out of range", FormatVigie, Record{SignalType: PDQ, Value: pdqA, Quality: 101}, ErrInvalidField},
		{"unknown type", FormatVigie, Record{SignalType: "photodna", Value: "x", Quality: -1}, ErrNotRepresentable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			w, err := NewWriter(&b, tc.format)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(tc.rec); !errors.Is(err, tc.kind) {
				t.Fatalf("Write: %v, want %v", err, tc.kind)
			}
			// Nothing of the refused record is written; the next one is.
			if err := w.Write(good); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			recs, bad, fatal := collect(t, b.String(), Options{Format: tc.format})
			if fatal != nil || len(bad) != 0 || len(recs) != 1 || recs[0].Value != pdqA {
				t.Errorf("after a refusal the output holds %d records (%v %v):\n%s", len(recs), bad, fatal, b.String())
			}
		})
	}
	t.Run("HMA 1.0 file holds one type", func(t *testing.T) {
		w, _ := NewWriter(io.Discard, FormatHMA1)
		if err := w.Write(good); err != nil {
			t.Fatal(err)
		}
		if err := w.Write(Record{SignalType: MD5, Value: md5A, Quality: -1}); !errors.Is(err, ErrNotRepresentable) {
			t.Errorf("mixed types: %v", err)
		}
	})
	t.Run("auto is not a writer format", func(t *testing.T) {
		if _, err := NewWriter(io.Discard, FormatAuto); !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("got %v", err)
		}
	})
}

// TestWriterEmpty: an empty bank still exports a readable file.
func TestWriterEmpty(t *testing.T) {
	for _, f := range Formats() {
		var b bytes.Buffer
		w, err := NewWriter(&b, f)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		recs, bad, fatal := collect(t, b.String(), Options{Format: f})
		if fatal != nil || len(bad) != 0 || len(recs) != 0 {
			t.Errorf("%s: empty export %q reads as %d records, %v, %v", f, b.String(), len(recs), bad, fatal)
		}
	}
}

func TestProgress(t *testing.T) {
	input := strings.Repeat("pdq "+pdqA+"\n", 10000)
	p := NewProgress(strings.NewReader(input), int64(len(input)))
	if p.Fraction() != 0 {
		t.Errorf("fraction before reading: %v", p.Fraction())
	}
	rd, err := NewReader(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		_, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 5000 {
			if f := p.Fraction(); f < 0.4 || f > 0.6+float64(64<<10)/float64(len(input)) {
				t.Errorf("fraction half way: %v", f)
			}
		}
	}
	if p.Fraction() != 1 || p.BytesRead() != int64(len(input)) || rd.Line() != 10000 {
		t.Errorf("at the end: fraction %v, bytes %d, line %d", p.Fraction(), p.BytesRead(), rd.Line())
	}
	if NewProgress(strings.NewReader(""), 0).Fraction() != -1 {
		t.Error("unknown size should give -1")
	}
	for in, want := range map[string]int64{"": 0, "a": 1, "a\n": 1, "a\nb": 2, "\n\n": 2} {
		if got, err := CountLines(strings.NewReader(in)); err != nil || got != want {
			t.Errorf("CountLines(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

// genReader produces n lines of a vigie list without holding them.
type genReader struct {
	n, i int
	buf  []byte
}

func (g *genReader) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) && g.i <= g.n {
		if g.i == 0 {
			g.buf = append(g.buf, "signal_type,value,quality,tags\n"...)
		} else {
			g.buf = fmt.Appendf(g.buf, "pdq,%064x,%d,t%d\n", g.i, g.i%101, g.i%7)
		}
		g.i++
	}
	if len(g.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.buf)
	g.buf = g.buf[:copy(g.buf, g.buf[n:])]
	return n, nil
}

// TestFlatMemory reads 400,000 lines and checks that the live heap does
// not grow with the number of lines read.
func TestFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 400,000 lines")
	}
	rd, err := NewReader(&genReader{n: 400000}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var at50k, n int
	var h50k uint64
	for {
		_, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 50000 {
			at50k, h50k = n, heap()
		}
	}
	h := heap()
	if n != 400000 || at50k == 0 {
		t.Fatalf("read %d records", n)
	}
	if h > h50k+1<<20 {
		t.Errorf("live heap grew from %d to %d bytes between record 50,000 and 400,000", h50k, h)
	}
}
