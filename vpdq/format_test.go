package vpdq

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vigie-project/vigie/pdq"
)

// PDQ hashes from python-threatexchange's PdqSignal.get_examples()
// (hashes of pdq/data/bridge-mods and misc-images).
const (
	exampleA = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
	exampleB = "f8f8f0cee0f4a84f06370a2a038f63f0b36e26d596621e1d33e6b39c4e9c9b22"
	exampleC = "e64cc9d91c623882f8d1f1d9a398e78c9f199b3bd83924f2b7e11e0bf861b064"
)

func mustHash(t testing.TB, s string) pdq.Hash {
	t.Helper()
	h, err := pdq.ParseHash(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestReadTextSample reads the first lines of the reference's
// vpdq/sample-hashes/chair-20-sd-bar.txt (all frames of a 30 fps video,
// timestamps written with three significant digits by an older writer).
func TestReadTextSample(t *testing.T) {
	const sample = "0,100,e42926b9cb58d261383b699f0ff2e1076fe6183dff4986d82ca36da48034fc54,0\n" +
		"1,100,e42926b9db58d261383b799f0ff2e1076fe6183dfb4986d8aca36da40034dc54,0.0326\n" +
		"2,100,e42d26b9cb58d269383b799f07f2e1076fe6183dfb4886d8a4a36db40034de54,0.0651\n" +
		"31,100,4da949b13f1035e2e2eb0e5e75f68706970ef0e97ad93d1049a3dbe1d1643454,1.01\n" +
		"613,100,ebcc8b06b0666ea34cf9b85972a983a4f94669af05fc9d52aa9662e975499514,20\n"
	h, err := ParseText([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 5 {
		t.Fatalf("%d frames, want 5", len(h))
	}
	if h[3].Number != 31 || h[3].Quality != 100 || h[3].Timestamp != 1.01 ||
		h[3].Hash.String() != "4da949b13f1035e2e2eb0e5e75f68706970ef0e97ad93d1049a3dbe1d1643454" {
		t.Errorf("frame 3 = %+v", h[3])
	}
	// The current reference writer prints three decimals.
	text, err := h.Text()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer(",0\n", ",0.000\n", ",0.0326\n", ",0.033\n", ",0.0651\n", ",0.065\n", ",1.01\n", ",1.010\n", ",20\n", ",20.000\n").Replace(sample)
	if string(text) != want {
		t.Errorf("Text:\n%s\nwant:\n%s", text, want)
	}
}

// TestSignalMatchesPython checks Signal against the string that
// python-threatexchange's VPDQSignal.get_examples() builds from PDQ examples
// (quality 100, timestamps 0.0, 1.0, …), as json.dumps prints it.
func TestSignalMatchesPython(t *testing.T) {
	h := Hash{
		{Number: 0, Quality: 100, Hash: mustHash(t, exampleA), Timestamp: 0},
		{Number: 1, Quality: 100, Hash: mustHash(t, exampleB), Timestamp: 1},
		{Number: 2, Quality: 100, Hash: mustHash(t, exampleC), Timestamp: 2},
	}
	want := `["` + exampleA + `,100,0.0", "` + exampleB + `,100,1.0", "` + exampleC + `,100,2.0"]`
	got, err := h.Signal()
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Signal:\n%s\nwant:\n%s", got, want)
	}
	back, err := ParseSignal(got)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(h, back); diff != "" {
		t.Errorf("ParseSignal(Signal()) (-want +got):\n%s", diff)
	}
}

// TestPythonFloat3 compares appendPythonFloat3 with Python 3's
// format(x, ".3"), whose outputs were produced with CPython 3.
func TestPythonFloat3(t *testing.T) {
	tests := []struct {
		x    float64
		want string
	}{
		{0.0, "0.0"}, {1.0, "1.0"}, {0.5, "0.5"}, {12.0, "12.0"}, {12.34, "12.3"},
		{99.96, "1e+02"}, {99.94, "99.9"}, {100.0, "1e+02"}, {123.0, "1.23e+02"},
		{1234.5, "1.23e+03"}, {0.0001, "0.0001"}, {9.999e-05, "0.0001"},
		{1.234e-05, "1.23e-05"}, {0.0326, "0.0326"}, {0.125, "0.125"},
		{2.675, "2.67"}, {19.95, "19.9"}, {999.5, "1e+03"}, {9.995, "9.99"},
		{9.996, "10.0"}, {1e+20, "1e+20"}, {3599.0, "3.6e+03"}, {0.1, "0.1"},
		{0.3333333333333333, "0.333"}, {0.6666666666666666, "0.667"},
		{86399.0, "8.64e+04"}, {1e-300, "1e-300"}, {5e-324, "4.94e-324"},
		{1.7976931348623157e+308, "1.8e+308"}, {0.001, "0.001"}, {0.0005, "0.0005"},
		{0.00015, "0.00015"}, {10.05, "10.1"}, {0.0333667, "0.0334"},
		{1295.3310593326494, "1.3e+03"}, {603.3966956980076, "6.03e+02"},
		{289.74514667017104, "2.9e+02"}, {149.98263376793952, "1.5e+02"},
		{1734.5827346495435, "1.73e+03"}, {2472.972972972973, "2.47e+03"},
		{976.3096429763096, "9.76e+02"}, {2757.9913246579913, "2.76e+03"},
	}
	for _, tt := range tests {
		if got := string(appendPythonFloat3(nil, tt.x)); got != tt.want {
			t.Errorf("format(%v, '.3') = %q, want %q", tt.x, got, tt.want)
		}
	}
}

func TestTextAndSignalRoundTrip(t *testing.T) {
	a, b, c := mustHash(t, exampleA), mustHash(t, exampleB), mustHash(t, exampleC)
	tests := []struct {
		name string
		h    Hash
	}{
		{"one frame", Hash{{Number: 0, Quality: 0, Hash: a, Timestamp: 0}}},
		{"every second", Hash{
			{Number: 0, Quality: 100, Hash: a, Timestamp: 0},
			{Number: 30, Quality: 49, Hash: b, Timestamp: 1},
			{Number: 60, Quality: 50, Hash: c, Timestamp: 2},
		}},
		{"fractional timestamps", Hash{
			{Number: 7, Quality: 88, Hash: a, Timestamp: 0.25},
			{Number: 9, Quality: 12, Hash: pdq.Hash{}, Timestamp: 0.5},
			{Number: 2147483647, Quality: 100, Hash: c, Timestamp: 12.5},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, err := tt.h.Text()
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseText(text)
			if err != nil {
				t.Fatalf("ParseText(%q): %v", text, err)
			}
			if diff := cmp.Diff(tt.h, back); diff != "" {
				t.Errorf("text round trip (-want +got):\n%s", diff)
			}
			sig, err := tt.h.Signal()
			if err != nil {
				t.Fatal(err)
			}
			back, err = ParseSignal(sig)
			if err != nil {
				t.Fatalf("ParseSignal(%q): %v", sig, err)
			}
			// The signal has no frame numbers: they come back as positions.
			want := append(Hash(nil), tt.h...)
			for i := range want {
				want[i].Number = i
			}
			if diff := cmp.Diff(want, back); diff != "" {
				t.Errorf("signal round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadTextLenient(t *testing.T) {
	in := "\r\n 0 , 100 ," + strings.ToUpper(exampleA) + " , 0.0 \r\n\n1,99," + exampleB + ",+1e-1\r\n\n"
	h, err := ParseText([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := Hash{
		{Number: 0, Quality: 100, Hash: mustHash(t, exampleA), Timestamp: 0},
		{Number: 1, Quality: 99, Hash: mustHash(t, exampleB), Timestamp: 0.1},
	}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	line := func(n, q, hx, ts string) string { return n + "," + q + "," + hx + "," + ts }
	elem := func(hx, q, ts string) string { return hx + "," + q + "," + ts }
	sig := func(elems ...string) string { return `["` + strings.Join(elems, `", "`) + `"]` }
	good := line("0", "100", exampleA, "0.000")
	tests := []struct {
		name   string
		signal bool
		in     string
		rule   error
		line   int    // 0: no *ParseError expected
		field  string // field named in the *ParseError
	}{
		{"empty text", false, "", ErrNoFrames, 0, ""},
		{"blank text", false, "\n\n", ErrNoFrames, 0, ""},
		{"three fields", false, "0,100," + exampleA, ErrFieldCount, 1, ""},
		{"five fields", false, good + ",x", ErrFieldCount, 1, ""},
		{"negative frame", false, line("-1", "100", exampleA, "0"), ErrFrameNumber, 1, "frame number"},
		{"frame too big", false, line("2147483648", "100", exampleA, "0"), ErrFrameNumber, 1, "frame number"},
		{"frame not increasing", false, good + "\n" + line("0", "100", exampleB, "1"), ErrFrameNumber, 2, "frame number"},
		{"quality 101", false, line("0", "101", exampleA, "0"), ErrQuality, 1, "quality"},
		{"quality negative", false, line("0", "-1", exampleA, "0"), ErrQuality, 1, "quality"},
		{"quality float", false, line("0", "99.5", exampleA, "0"), ErrQuality, 1, "quality"},
		{"quality empty", false, line("0", "", exampleA, "0"), ErrQuality, 1, "quality"},
		{"hash short", false, line("0", "100", exampleA[:63], "0"), pdq.ErrHashLength, 1, "hash"},
		{"hash long", false, line("0", "100", exampleA+"0", "0"), pdq.ErrHashLength, 1, "hash"},
		{"hash bad hex", false, line("0", "100", "g"+exampleA[1:], "0"), pdq.ErrHashHex, 1, "hash"},
		{"timestamp negative", false, line("0", "100", exampleA, "-0.5"), ErrTimestamp, 1, "timestamp"},
		{"timestamp nan", false, line("0", "100", exampleA, "nan"), ErrTimestamp, 1, "timestamp"},
		{"timestamp inf", false, line("0", "100", exampleA, "inf"), ErrTimestamp, 1, "timestamp"},
		{"timestamp overflow", false, line("0", "100", exampleA, "1e999"), ErrTimestamp, 1, "timestamp"},
		{"timestamp above 1e9", false, line("0", "100", exampleA, "1000000000.001"), ErrTimestamp, 1, "timestamp"},
		{"timestamp hex", false, line("0", "100", exampleA, "0x1p3"), ErrTimestamp, 1, "timestamp"},
		{"timestamp empty", false, line("0", "100", exampleA, ""), ErrTimestamp, 1, "timestamp"},
		{"line too long", false, good + "\n" + strings.Repeat("9", 300), ErrLineTooLong, 2, ""},
		{"too many lines", false, strings.Repeat("\n", 10) + manyLines(MaxFrames+1), ErrTooManyFrames, 0, ""},
		{"text too large", false, strings.Repeat(" \n", MaxTextBytes/2+1), ErrTooLarge, 0, ""},

		{"empty signal", true, "", ErrNoFrames, 0, ""},
		{"empty array", true, "[]", ErrNoFrames, 0, ""},
		{"not json", true, "hello", ErrSignal, 0, ""},
		{"object", true, `{"0": {}}`, ErrSignal, 0, ""},
		{"number element", true, `[1]`, ErrSignal, 1, ""},
		{"unclosed", true, `["` + elem(exampleA, "100", "0.0") + `"`, ErrSignal, 0, ""},
		{"trailing data", true, sig(elem(exampleA, "100", "0.0")) + "]", ErrSignal, 0, ""},
		{"four fields", true, sig(elem(exampleA, "100", "0.0") + ",1"), ErrFieldCount, 1, ""},
		{"signal quality", true, sig(elem(exampleA, "100", "0.0"), elem(exampleB, "200", "1.0")), ErrQuality, 2, "quality"},
		{"signal hex", true, sig(elem("0x"+exampleA[2:], "100", "0.0")), pdq.ErrHashHex, 1, "hash"},
		{"signal length", true, sig(elem(exampleA[:60], "100", "0.0")), pdq.ErrHashLength, 1, "hash"},
		{"signal negative", true, sig(elem(exampleA, "100", "-1.0")), ErrTimestamp, 1, "timestamp"},
		{"signal nan", true, sig(elem(exampleA, "100", "nan")), ErrTimestamp, 1, "timestamp"},
		{"signal element too long", true, sig(strings.Repeat("a", 300)), ErrLineTooLong, 1, ""},
		{"signal too large", true, "[" + strings.Repeat(" ", MaxTextBytes) + "]", ErrTooLarge, 0, ""},
		{"signal too many", true, sig(manyElements(MaxFrames + 1)...), ErrTooManyFrames, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.signal {
				_, err = ParseSignal(tt.in)
			} else {
				_, err = ParseText([]byte(tt.in))
			}
			if !errors.Is(err, tt.rule) {
				t.Fatalf("error %v, want %v", err, tt.rule)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				if tt.line != 0 {
					t.Fatalf("error %v is not a *ParseError", err)
				}
				return
			}
			if pe.Line != tt.line || pe.Field != tt.field {
				t.Errorf("ParseError at line %d field %q, want line %d field %q (%v)", pe.Line, pe.Field, tt.line, tt.field, err)
			}
			if msg := err.Error(); !strings.Contains(msg, fmt.Sprint(tt.line)) || !strings.Contains(msg, tt.field) {
				t.Errorf("message %q does not name line %d and field %q", msg, tt.line, tt.field)
			}
		})
	}
}

func manyLines(n int) string {
	b := make([]byte, 0, n*(len(exampleA)+20))
	for i := range n {
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, ",100,"+exampleA+",0\n"...)
	}
	return string(b)
}

func manyElements(n int) []string {
	e := make([]string, n)
	for i := range e {
		e[i] = exampleA + ",100,0.0"
	}
	return e
}

func TestValidate(t *testing.T) {
	a := mustHash(t, exampleA)
	tests := []struct {
		name string
		h    Hash
		want error
	}{
		{"valid", Hash{{Number: 0, Quality: 100, Hash: a}}, nil},
		{"empty", Hash{}, ErrNoFrames},
		{"negative number", Hash{{Number: -1, Quality: 100, Hash: a}}, ErrFrameNumber},
		{"repeated number", Hash{{Number: 3, Hash: a}, {Number: 3, Hash: a}}, ErrFrameNumber},
		{"quality", Hash{{Quality: 101, Hash: a}}, ErrQuality},
		{"negative time", Hash{{Hash: a, Timestamp: -1}}, ErrTimestamp},
		{"time too large", Hash{{Hash: a, Timestamp: 2e9}}, ErrTimestamp},
		{"time NaN", Hash{{Hash: a, Timestamp: math.NaN()}}, ErrTimestamp},
		{"too many", make(Hash, MaxFrames+1), ErrTooManyFrames},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.h.Validate()
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Validate() = %v, want %v", err, tt.want)
			}
			if tt.want == nil {
				return
			}
			if _, err := tt.h.Text(); !errors.Is(err, tt.want) {
				t.Errorf("Text() error %v, want %v", err, tt.want)
			}
			if _, err := tt.h.Signal(); !errors.Is(err, tt.want) {
				t.Errorf("Signal() error %v, want %v", err, tt.want)
			}
		})
	}
}
