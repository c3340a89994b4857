package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/testenv"
)

func TestHashCommand(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "a.txt")
	os.WriteFile(plain, []byte("abc"), 0o600)
	if out := mustCLI(t, "hash", "sha256", plain); out != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad,"+plain+"\n" {
		t.Fatalf("sha256: %q", out)
	}
	if out := mustCLI(t, "hash", "md5", plain); !strings.HasPrefix(out, "900150983cd24fb0d6963f7d28e17f72,") {
		t.Fatalf("md5: %q", out)
	}
	// A file that fails is reported; the others are still hashed; the status says so.
	out, err := cli(t, "hash", "sha256", filepath.Join(dir, "missing"), plain)
	if err == nil || !strings.Contains(out, "missing") || !strings.Contains(out, "ba7816bf") {
		t.Fatalf("missing file: %q %v", out, err)
	}
	notImage := filepath.Join(dir, "notes.jpg")
	os.WriteFile(notImage, []byte("not an image"), 0o600)
	if out, err := cli(t, "hash", "pdq", notImage); err == nil || !strings.Contains(out, "notes.jpg") {
		t.Fatalf("pdq of a non-image: %q %v", out, err)
	}

	fixtures := testenv.FixturesDir(t, "pdq")
	f, err := os.Open(filepath.Join(fixtures, "reference-vectors.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[1:4] { // path_in_ThreatExchange, sha256_16, pdq_hash_cpp_ref, quality_cpp_ref, …
		file := filepath.Join(fixtures, strings.TrimPrefix(row[0], "pdq/data/"))
		want := row[2] + "," + row[3] + "," + file + "\n"
		if out := mustCLI(t, "hash", "pdq", file); out != want {
			t.Errorf("pdq %s: %q, want the reference's %q", row[0], out, want)
		}
	}
	dih := mustCLI(t, "hash", "pdq", "--dihedral", filepath.Join(fixtures, "reg-test-input", "dih", "bridge-1-original.jpg"))
	if fields := strings.Split(strings.TrimSpace(dih), ","); len(fields) != 10 {
		t.Fatalf("--dihedral: %d fields, want 8 hashes, quality and file", len(fields))
	}
}

func TestCapCommand(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.xml")
	os.WriteFile(bad, []byte(`<?xml version="1.0"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>a b</identifier></alert>`), 0o600)
	out, err := cli(t, "cap", "validate", bad)
	if err == nil || !strings.Contains(out, "bad.xml:1: alert/") {
		t.Fatalf("invalid alert: %q %v", out, err)
	}
	fixtures := testenv.FixturesDir(t, "cap")
	valid := filepath.Join(fixtures, "oasiscap", "v1dot1_appendix_adot1.xml")
	if out := mustCLI(t, "cap", "validate", valid); !strings.Contains(out, "valid CAP") {
		t.Fatalf("valid alert: %q", out)
	}
	if out, err := cli(t, "cap", "validate", valid, filepath.Join(fixtures, "google-cap-library", "xee.cap")); err == nil || !strings.Contains(out, "DOCTYPE") {
		t.Fatalf("external entities: %q %v", out, err)
	}
	var fc struct {
		Type     string
		Features []json.RawMessage
	}
	if err := json.Unmarshal([]byte(mustCLI(t, "cap", "geojson", filepath.Join(fixtures, "capparselib", "NOAA_MultiplePolygons.txt"))), &fc); err != nil || fc.Type != "FeatureCollection" || len(fc.Features) < 2 {
		t.Fatalf("geojson: %v %+v", err, fc)
	}
}
