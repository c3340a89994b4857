package pdq

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fixtureDir is the PDQ fixture folder, relative to this package: the
// repository root's ../shared/fixtures/pdq. The fixtures are third-party
// data (facebook/ThreatExchange pdq/data, BSD) and are not in the repository.
const fixtureDir = "../../shared/fixtures/pdq"

// needFixtures skips the test when the fixture folder is absent.
func needFixtures(tb testing.TB) string {
	tb.Helper()
	abs, err := filepath.Abs(fixtureDir)
	if err != nil {
		abs = fixtureDir
	}
	if st, err := os.Stat(fixtureDir); err != nil || !st.IsDir() {
		tb.Skipf("PDQ fixtures folder %s (../shared/fixtures/pdq from the repository root) is missing; skipping", abs)
	}
	return fixtureDir
}

// fixturePath maps a path of reference-vectors.csv ("pdq/data/...") to the
// fixture folder.
func fixturePath(dir, csvPath string) string {
	return filepath.Join(dir, strings.TrimPrefix(csvPath, "pdq/data/"))
}

type refVector struct {
	path    string // relative to the fixture folder
	hash    Hash
	quality int
	goDist  int // distance the plain Go stdlib decoder gave, per the CSV
}

func loadVectors(tb testing.TB) (string, []refVector) {
	tb.Helper()
	dir := needFixtures(tb)
	f, err := os.Open(filepath.Join(dir, "reference-vectors.csv"))
	if err != nil {
		tb.Fatalf("fixtures present but reference-vectors.csv unreadable: %v", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var out []refVector
	for i, r := range recs {
		if i == 0 {
			continue // header
		}
		if len(r) < 5 {
			tb.Fatalf("line %d: %d fields", i+1, len(r))
		}
		h, err := ParseHash(r[2])
		if err != nil {
			tb.Fatalf("line %d: %v", i+1, err)
		}
		q, err := strconv.Atoi(r[3])
		if err != nil {
			tb.Fatalf("line %d: %v", i+1, err)
		}
		gd, _ := strconv.Atoi(r[4])
		out = append(out, refVector{
			path:    strings.TrimPrefix(r[0], "pdq/data/"),
			hash:    h,
			quality: q,
			goDist:  gd,
		})
	}
	if len(out) == 0 {
		tb.Fatal("no vectors")
	}
	return dir, out
}
