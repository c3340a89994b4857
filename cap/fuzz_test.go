package cap

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzSeedFiles are fixture files added to the corpus when present.
var fuzzSeedFiles = []string{
	"oasiscap/v1dot2_appendix_adot1.xml",
	"oasiscap/v1dot2_appendix_adot4.xml",
	"oasiscap/v1dot0_appendix_adot1.xml",
	"oasiscap/ipaws-5e6dd9de023f1930ef6548d9.xml",
	"google-cap-library/canada_errors.cap",
	"google-cap-library/noaa_errors.cap",
	"google-cap-library/xee.cap",
	"google-cap-library/amber.atom",
	"capparselib/sweden.cap",
	"capparselib/rfs.xml",
}

func addFixtureSeeds(f *testing.F) {
	for _, name := range fuzzSeedFiles {
		if data, err := os.ReadFile(filepath.Join(fixtureDir, name)); err == nil {
			f.Add(data)
		}
	}
}

// FuzzParse: no input makes the parsers panic; whatever parses can be
// validated, linted, exported and written, and a written CAP 1.2 alert
// reads back identical.
func FuzzParse(f *testing.F) {
	addFixtureSeeds(f)
	f.Add([]byte(alertXML))
	f.Add([]byte(`<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>a</identifier><info><area><circle>1,2 3</circle></area></info></alert>`))
	f.Add([]byte(`<alert xmlns="http://www.incident.com/cap/1.0"><info><parameter>a=b</parameter></info></alert>`))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><content><alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"/></content></entry></feed>`))
	f.Add([]byte(`<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseFeed(bytes.NewReader(data), Limits{})
		ParseEDXLDE(bytes.NewReader(data), Limits{})
		a, err := Parse(bytes.NewReader(data), Limits{})
		if err != nil {
			return
		}
		Validate(a)
		Lint(a)
		a.GeoJSON()
		out, err := Marshal(a)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		// escaping can grow the text past the input's limit
		b, err := Parse(bytes.NewReader(out), Limits{MaxBytes: int64(len(out)) + 1})
		if err != nil {
			t.Fatalf("written alert does not parse: %v\n%s", err, out)
		}
		if a.version() == V12 && !sameAlert(a, b) {
			t.Fatalf("round trip changed the alert\nin:  %+v\nout: %+v", a, b)
		}
	})
}

// FuzzParsePolygon: no panic; an accepted polygon satisfies the CAP rules
// and its String form reads back equal.
func FuzzParsePolygon(f *testing.F) {
	for _, s := range []string{"48.85,2.33 48.87,2.35 48.85,2.37 48.85,2.33", "1,2 3,4 5,6", "+41.12,-117.61 +40.85,-118.09, +41.12,-117.61", "", "NaN,0", "1e2,1 0,0 0,1 1e2,1", "-90,-180 90,180 0,0 -90,-180"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePolygon(s)
		if err != nil {
			if _, ok := err.(*GeoError); !ok {
				t.Fatalf("error type %T", err)
			}
			return
		}
		if len(p) < 4 || p[0] != p[len(p)-1] {
			t.Fatalf("accepted %q as %v", s, p)
		}
		for _, pt := range p {
			if pt.Lat < -90 || pt.Lat > 90 || pt.Lon < -180 || pt.Lon > 180 {
				t.Fatalf("out of range %v in %q", pt, s)
			}
		}
		q, err := ParsePolygon(p.String())
		if err != nil || len(q) != len(p) {
			t.Fatalf("String %q does not read back: %v", p.String(), err)
		}
		for i := range p {
			if q[i] != p[i] {
				t.Fatalf("point %d: %v != %v", i, q[i], p[i])
			}
		}
		ring(p)
	})
}

// FuzzParseCircle: no panic; an accepted circle is in range, reads back
// from its String form, and its polygon approximation is closed.
func FuzzParseCircle(f *testing.F) {
	for _, s := range []string{"-12.345,67.89 15.2", "32.9525,-115.5527 0", "1,2", "1,2 -3", "90,180 20000", " 0,0\t1 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCircle(s)
		if err != nil {
			return
		}
		if c.RadiusKm < 0 || c.Center.Lat < -90 || c.Center.Lat > 90 || c.Center.Lon < -180 || c.Center.Lon > 180 {
			t.Fatalf("accepted %q as %v", s, c)
		}
		d, err := ParseCircle(c.String())
		if err != nil || d != c {
			t.Fatalf("String %q reads back as %v, %v", c.String(), d, err)
		}
		if p := c.Polygon(16); p != nil && (len(p) != 17 || p[0] != p[16]) {
			t.Fatalf("polygon of %v: %v", c, p)
		}
		if strings.ContainsAny(c.String(), "eE") {
			t.Fatalf("String uses an exponent: %s", c)
		}
	})
}
