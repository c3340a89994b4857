package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/pdq"
)

// A photograph-like test image: a mosaic of tiles over soft waves, with
// enough gradients for a PDQ quality well above 50. Different seeds give
// unrelated images.
func testPhoto(t *testing.T, seed float64) image.Image {
	t.Helper()
	const w, h, tile = 320, 240, 12
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	x0 := uint64(seed * 1e6)
	tileValue := func(tx, ty int) float64 {
		v := x0 ^ uint64(tx)*0x9e3779b97f4a7c15 ^ uint64(ty)*0xc2b2ae3d27d4eb4f
		v ^= v >> 29
		v *= 0xbf58476d1ce4e5b9
		v ^= v >> 32
		return float64(v%1000) / 1000
	}
	for y := range h {
		for x := range w {
			v := 0.6*tileValue(x/tile, y/tile) + 0.4*(0.5+0.5*math.Sin(float64(x)/17+seed)*math.Cos(float64(y)/13))
			c := uint8(255 * v)
			img.Set(x, y, color.RGBA{c, c, 255 - c, 255})
		}
	}
	return img
}

// rotate90 turns an image a quarter turn clockwise.
func rotate90(src image.Image) image.Image {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			dst.Set(b.Max.Y-1-y, x, src.At(x, y))
		}
	}
	return dst
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bombPNG is a valid PNG header announcing width×height pixels, with no
// image data: decoding it would allocate width×height×4 bytes.
func bombPNG(width, height uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], width)
	binary.BigEndian.PutUint32(ihdr[4:], height)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IEND", nil)
	return b.Bytes()
}

// upload posts data as the body (the Vigie API) and decodes the answer.
func (s *testServer) upload(as, path, ctype string, data []byte, out any) int {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.url+path, bytes.NewReader(data))
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+s.keys[as])
	return s.do(req, out)
}

// multipartUpload posts data as a multipart form file, as HMA clients do.
func (s *testServer) multipartUpload(as, path, name string, data []byte, out any) int {
	s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("photo", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, s.url+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+s.keys[as])
	return s.do(req, out)
}

func (s *testServer) do(req *http.Request, out any) int {
	s.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s %s: %d %s: %v", req.Method, req.URL.Path, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

type matchAnswer struct {
	Hashes struct {
		PDQ     string `json:"pdq"`
		Quality int    `json:"quality"`
		MD5     string `json:"md5"`
	} `json:"hashes"`
	Matches []struct {
		Bank     string `json:"bank"`
		SignalID int64  `json:"signal_id"`
		Distance int    `json:"distance"`
		Variant  string `json:"variant"`
		Labels   struct {
			Entity string `json:"entity"`
		} `json:"labels"`
		Contributor string `json:"contributor_id"`
	} `json:"matches"`
}

type problemAnswer struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

func (p problemAnswer) names(field string) bool {
	for _, e := range p.Errors {
		if e.Location == field {
			return true
		}
	}
	return strings.Contains(p.Detail, field)
}

func TestHashSharingAPI(t *testing.T) {
	s := startServer(t, 1)
	photo := encodePNG(t, testPhoto(t, 1.3))
	rotated := encodePNG(t, rotate90(testPhoto(t, 1.3)))
	other := encodePNG(t, testPhoto(t, 4.1))

	if st := s.call("plat-a", "POST", "/api/v1/banks", map[string]any{"name": "ATTACK_2026", "labels": map[string]string{"entity": "Group X"}}, nil); st != 201 {
		t.Fatalf("create bank: %d", st)
	}
	var p problemAnswer
	if st := s.call("auth", "POST", "/api/v1/banks", map[string]any{"name": "GOV"}, &p); st != 403 {
		t.Errorf("an authority created a bank: %d", st)
	}
	if st := s.call("plat-a", "POST", "/api/v1/banks", map[string]any{"name": "lower-case"}, &p); st != 422 || !p.names("body.name") {
		t.Errorf("bad bank name: %d %+v", st, p)
	}

	// Contribute the photo by upload; it is found again at once, also
	// turned a quarter, by another platform.
	var contributed struct {
		Added []struct {
			ID   int64  `json:"id"`
			Type string `json:"signal_type"`
		} `json:"added"`
	}
	if st := s.upload("plat-a", "/api/v1/banks/ATTACK_2026/media", "image/png", photo, &contributed); st != 201 || len(contributed.Added) != 3 {
		t.Fatalf("contribute photo: %d %+v", st, contributed)
	}
	var m matchAnswer
	if st := s.upload("plat-b", "/api/v1/match/media", "image/png", rotated, &m); st != 200 {
		t.Fatalf("match rotated: %d", st)
	}
	if len(m.Matches) != 1 || m.Matches[0].Variant != "rot270" && m.Matches[0].Variant != "rot90" || m.Matches[0].Labels.Entity != "Group X" {
		t.Fatalf("a rotated copy must match through a dihedral variant: %+v", m)
	}
	if st := s.upload("plat-b", "/api/v1/match/media", "image/png", other, &m); st != 200 || len(m.Matches) != 0 {
		t.Fatalf("an unrelated photo matched: %d %+v", st, m)
	}
	// By hash, with the MD5 of the exact file.
	res := matchAnswer{}
	if st := s.upload("auth", "/api/v1/match/media", "image/png", photo, &res); st != 200 || len(res.Matches) != 3 {
		t.Fatalf("the authority's match of the original: %d %+v", st, res)
	}
	for _, x := range res.Matches {
		if x.Contributor != "" {
			t.Errorf("an authority learnt who contributed a hash: %+v", x)
		}
	}
	if st := s.call("plat-b", "POST", "/api/v1/match", map[string]any{"md5": res.Hashes.MD5}, &m); st != 200 || len(m.Matches) != 1 {
		t.Errorf("match by MD5: %d %+v", st, m)
	}
	if st := s.call("auth", "GET", "/api/v1/banks/ATTACK_2026/signals", nil, &p); st != 403 {
		t.Errorf("an authority read the hash list: %d", st)
	}

	// Bad input: clear 4xx naming the field, nothing stored.
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"pdq": "xyz"}, "body.pdq"},
		{map[string]any{"pdq": strings.Repeat("a", 63)}, "body.pdq"},
		{map[string]any{"pdq": res.Hashes.PDQ, "quality": 101}, "body.quality"},
		{map[string]any{"md5": "123"}, "body.md5"},
		{map[string]any{}, "body"},
	} {
		p = problemAnswer{}
		if st := s.call("plat-b", "POST", "/api/v1/match", tc.body, &p); st != 422 || !p.names(tc.field) {
			t.Errorf("match %v: %d %+v, want 422 naming %s", tc.body, st, p, tc.field)
		}
	}
	truncated := photo[:len(photo)/2]
	for name, body := range map[string][]byte{
		"not an image":       []byte("%PDF-1.4 this is a document"),
		"truncated":          truncated,
		"50000×50000 header": bombPNG(50000, 50000),
	} {
		p = problemAnswer{}
		if st := s.upload("plat-b", "/api/v1/match/media", "image/png", body, &p); st != 422 || p.Detail == "" {
			t.Errorf("upload %s: %d %+v, want 422 with a reason", name, st, p)
		}
	}
	p = problemAnswer{}
	if st := s.call("plat-a", "POST", "/api/v1/banks/ATTACK_2026/signals", map[string]any{"signals": []map[string]any{
		{"signal_type": "sha256", "signal": strings.Repeat("ab", 32)}, {"signal_type": "pdq", "signal": strings.Repeat("0", 64)}}}, &p); st != 422 || !p.names("body.signals[1].signal") {
		t.Errorf("all-zero PDQ: %d %+v", st, p)
	}
	if st := s.call("plat-b", "POST", "/api/v1/match", map[string]any{"sha256": strings.Repeat("ab", 32)}, &m); st != 200 || len(m.Matches) != 0 {
		t.Errorf("half of a refused contribution was stored: %+v", m)
	}

	// The referral loop: the platform acts on an order with the hash of
	// what it removed, and puts it into a bank in one step.
	var ref struct {
		ID string `json:"id"`
	}
	if st := s.call("auth", "POST", "/api/v1/referrals", s.order("PHAROS-77"), &ref); st != 201 {
		t.Fatalf("order: %d", st)
	}
	other2 := testPhoto(t, 2.2)
	res2, err := (&pdq.Hasher{}).HashImage(other2)
	if err != nil {
		t.Fatal(err)
	}
	if st := s.call("plat-a", "POST", "/api/v1/referrals/"+ref.ID+"/action", map[string]any{"action": "removed",
		"content_hashes": []string{"pdq:" + res2.Hash.String()}}, nil); st != 200 {
		t.Fatalf("act: %d", st)
	}
	if st := s.call("plat-b", "POST", "/api/v1/referrals/"+ref.ID+"/bank", map[string]any{"bank": "ATTACK_2026"}, &p); st != 404 && st != 403 {
		t.Errorf("another platform banked the referral: %d", st)
	}
	if st := s.call("plat-a", "POST", "/api/v1/referrals/"+ref.ID+"/bank", map[string]any{"bank": "ATTACK_2026"}, &contributed); st != 201 || len(contributed.Added) != 1 {
		t.Fatalf("bank referral: %d %+v", st, contributed)
	}
	var sig struct {
		Labels struct {
			Incident string   `json:"incident"`
			Tags     []string `json:"tags"`
		} `json:"labels"`
		Source string `json:"source"`
	}
	s.call("plat-b", "GET", fmt.Sprintf("/api/v1/signals/%d", contributed.Added[0].ID), nil, &sig)
	if sig.Labels.Incident != "PHAROS-77" || sig.Source != "referral/"+ref.ID {
		t.Errorf("banked from the referral with %+v", sig)
	}
	if st := s.upload("plat-b", "/api/v1/match/media", "image/png", encodePNG(t, other2), &m); st != 200 || len(m.Matches) != 1 {
		t.Errorf("the removed media is now blocked at upload: %+v", m)
	}
}

// TestHMAClient drives the HMA endpoints as an HMA 2.0 client does, with
// its request and response shapes.
func TestHMAClient(t *testing.T) {
	s := startServer(t, 1)
	var bank map[string]any
	if st := s.call("plat-a", "POST", "/hma/c/banks", map[string]any{"name": "TEST_BANK", "enabled": true}, &bank); st != 201 ||
		bank["name"] != "TEST_BANK" || bank["matching_enabled_ratio"] != 1.0 {
		t.Fatalf("create bank: %d %v", st, bank)
	}
	var banks []map[string]any
	if st := s.call("plat-a", "GET", "/hma/c/banks", nil, &banks); st != 200 || len(banks) != 1 {
		t.Fatalf("banks: %d %v", st, banks)
	}
	photo := testPhoto(t, 0.7)
	h, err := (&pdq.Hasher{}).HashImage(photo)
	if err != nil {
		t.Fatal(err)
	}
	var added struct {
		ID      int64             `json:"id"`
		Signals map[string]string `json:"signals"`
	}
	if st := s.call("plat-a", "POST", "/hma/c/bank/TEST_BANK/signal", map[string]string{"pdq": h.Hash.String()}, &added); st != 200 || added.ID == 0 || added.Signals["pdq"] != h.Hash.String() {
		t.Fatalf("add signal: %d %+v", st, added)
	}
	var raw struct {
		Matches []json.RawMessage `json:"matches"`
	}
	if st := s.call("plat-b", "GET", "/hma/m/raw_lookup?signal_type=pdq&signal="+h.Hash.String(), nil, &raw); st != 200 || len(raw.Matches) != 1 || string(raw.Matches[0]) != fmt.Sprint(added.ID) {
		t.Fatalf("raw_lookup: %d %s", st, raw.Matches)
	}
	if st := s.call("plat-b", "GET", "/hma/m/raw_lookup?signal_type=pdq&include_distance=true&signal="+h.Hash.String(), nil, &raw); st != 200 ||
		len(raw.Matches) != 1 || string(raw.Matches[0]) != fmt.Sprintf(`{"bank_content_id":%d,"distance":"0"}`, added.ID) {
		t.Fatalf("raw_lookup with distance: %d %s", st, raw.Matches)
	}
	var byBank map[string][]struct {
		ID       int64  `json:"bank_content_id"`
		Distance string `json:"distance"`
	}
	if st := s.call("plat-b", "GET", "/hma/m/lookup?signal_type=pdq&signal="+h.Hash.String(), nil, &byBank); st != 200 || len(byBank["TEST_BANK"]) != 1 {
		t.Fatalf("lookup: %d %v", st, byBank)
	}
	var byType map[string]map[string][]map[string]any
	if st := s.multipartUpload("plat-b", "/hma/m/lookup", "photo.png", encodePNG(t, rotate90(photo)), &byType); st != 200 || len(byType["pdq"]["TEST_BANK"]) != 1 {
		t.Fatalf("lookup by upload of a rotated copy: %d %v", st, byType)
	}
	var hashed map[string]string
	if st := s.multipartUpload("plat-b", "/hma/h/hash", "photo.png", encodePNG(t, photo), &hashed); st != 200 || hashed["pdq"] != h.Hash.String() {
		t.Fatalf("hash: %d %v, want pdq %s", st, hashed, h.Hash)
	}
	var cmp map[string][]json.RawMessage
	if st := s.call("plat-b", "POST", "/hma/m/compare", map[string][]string{"pdq": {h.Hash.String(), h.Hash.String()}}, &cmp); st != 200 ||
		string(cmp["pdq"][0]) != "true" || string(cmp["pdq"][1]) != `{"distance":0}` {
		t.Fatalf("compare: %d %s", st, cmp)
	}
	var status map[string]struct {
		Present bool `json:"present"`
		BuiltTo int64
		Size    int `json:"size"`
	}
	if st := s.call("plat-b", "GET", "/hma/m/index/status", nil, &status); st != 200 || status["pdq"].Size != 1 || !status["pdq"].Present {
		t.Fatalf("index status: %d %+v", st, status)
	}
	var content map[string]any
	path := fmt.Sprintf("/hma/c/bank/TEST_BANK/content/%d", added.ID)
	if st := s.call("plat-a", "GET", path+"?include_signals=true", nil, &content); st != 200 || content["disable_until_ts"] != 0.0 {
		t.Fatalf("content: %d %v", st, content)
	}
	if st := s.call("plat-a", "DELETE", path, nil, &content); st != 200 || content["deleted"] != 1.0 {
		t.Fatalf("delete content: %d %v", st, content)
	}
	byBank = nil
	if st := s.call("plat-b", "GET", "/hma/m/lookup?signal_type=pdq&signal="+h.Hash.String(), nil, &byBank); st != 200 || len(byBank) != 0 {
		t.Fatalf("a deleted hash still matches: %v", byBank)
	}
	// HMA's errors keep their status codes; Vigie also says why.
	var p problemAnswer
	if st := s.call("plat-b", "GET", "/hma/m/raw_lookup?signal_type=pdq&signal=nothex", nil, &p); st != 422 && st != 400 {
		t.Errorf("bad signal: %d", st)
	}
	if st := s.call("plat-a", "PUT", "/hma/c/bank/TEST_BANK", map[string]any{"enabled_ratio": 0.5}, &p); st != 422 || !p.names("body.enabled_ratio") {
		t.Errorf("coin-flip ratio: %d %+v", st, p)
	}
	if st := s.call("", "GET", "/hma/c/banks", nil, nil); st != 401 {
		t.Errorf("anonymous HMA call: %d", st)
	}
}

// TestHashImportCommand imports a list with a bad line in the middle while
// the server runs: the good lines are imported and match within a second,
// the bad one is reported with its line number.
func TestHashImportCommand(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "vigie.db")
	if pg := os.Getenv("VIGIE_TEST_POSTGRES"); pg != "" {
		t.Skip("the command-line import is exercised on SQLite; PostgreSQL shares the same service code")
	}
	s := startServerWith(t, func(c *serveConfig) { c.dbFlags = dbFlags{db: dsn} })
	r := newRandHashes(42)
	var lines []string
	lines = append(lines, "signal_type,value,entity")
	for i := range 50 {
		lines = append(lines, fmt.Sprintf("pdq,%s,Group %d", r.next(), i%3))
		if i == 24 {
			lines = append(lines, "pdq,not-a-hash,Group X")
		}
	}
	list := filepath.Join(dir, "list.csv")
	if err := os.WriteFile(list, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := cli(t, "hash", "import", list, "--bank", "IMPORTED", "--org", "plat-a", "--create", "--db", dsn)
	if err == nil {
		t.Fatalf("a list with a bad line must exit 1:\n%s", out)
	}
	if !strings.Contains(out, "line 27") || !strings.Contains(out, "50 added") {
		t.Fatalf("import output:\n%s\nwant the bad line 27 reported and 50 added", out)
	}
	last := strings.Split(lines[len(lines)-1], ",")[1]
	deadline := time.Now().Add(10 * time.Second)
	for {
		var m matchAnswer
		s.call("plat-b", "POST", "/api/v1/match", map[string]any{"pdq": last}, &m)
		if len(m.Matches) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the running server never saw the imported hashes")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Export, and import the export into another bank: the same hashes.
	exported := mustCLI(t, "hash", "export", "--bank", "IMPORTED", "--org", "plat-b", "--db", dsn, "--out", filepath.Join(dir, "out.csv"))
	if !strings.Contains(exported, "exported 50 hashes") {
		t.Fatalf("export: %s", exported)
	}
	again := mustCLI(t, "hash", "import", filepath.Join(dir, "out.csv"), "--bank", "COPY", "--org", "plat-b", "--create", "--db", dsn)
	if !strings.Contains(again, "50 added") {
		t.Fatalf("re-import: %s", again)
	}

	// Another instance follows the bank through its delta feed: all of it
	// the first time, then only the changes.
	mirror := filepath.Join(dir, "mirror.db")
	mustCLI(t, "admin", "org", "create", "--db", mirror, "--name", "Mirror", "--kind", "platform")
	sync := func() string {
		return mustCLI(t, "hash", "sync", "--from", s.url, "--key", s.keys["plat-b"], "--bank", "IMPORTED", "--org", "Mirror", "--create", "--db", mirror)
	}
	if out := sync(); !strings.Contains(out, "50 added, 0 removed") {
		t.Fatalf("first sync: %s", out)
	}
	var page struct {
		Signals []struct {
			ID int64 `json:"id"`
		} `json:"signals"`
	}
	s.call("plat-b", "GET", "/api/v1/banks/IMPORTED/signals?limit=1", nil, &page)
	if st := s.call("plat-a", "POST", fmt.Sprintf("/api/v1/signals/%d/remove", page.Signals[0].ID), nil, nil); st != 200 {
		t.Fatalf("remove: %d", st)
	}
	if out := sync(); !strings.Contains(out, "0 added, 1 removed") {
		t.Fatalf("second sync: %s", out)
	}
}

type randHashes struct{ x uint64 }

func newRandHashes(seed uint64) *randHashes { return &randHashes{seed} }

func (r *randHashes) next() string {
	var h pdq.Hash
	for i := range h {
		r.x = r.x*6364136223846793005 + 1442695040888963407
		h[i] = byte(r.x >> 56)
	}
	return h.String()
}
