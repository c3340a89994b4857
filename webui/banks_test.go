package webui_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/media"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/webui"
)

// mosaic is a test photo with enough detail for a useful PDQ hash.
func mosaic(seed uint64) []byte {
	img := image.NewGray(image.Rect(0, 0, 240, 180))
	for y := range 180 {
		for x := range 240 {
			v := seed ^ uint64(x/12)*0x9e3779b97f4a7c15 ^ uint64(y/12)*0xc2b2ae3d27d4eb4f
			v ^= v >> 31
			v *= 0xbf58476d1ce4e5b9
			img.SetGray(x, y, color.Gray{uint8(v >> 56)})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func (b *browser) upload(path, csrfToken string, data []byte) page {
	b.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", csrfToken)
	fw, _ := mw.CreateFormFile("file", "photo.png")
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// TestBanksAndMatchPages: a platform creates a bank and contributes a
// photo by upload; the authority sees the bank's size but no hash, matches
// the photo, and opens a referral from the match with its details.
func TestBanksAndMatchPages(t *testing.T) {
	var svc *media.Service
	e := newEnv(t, func(e *env, c *webui.Config) {
		idx := media.NewIndex(0)
		t.Cleanup(idx.Close)
		svc = media.NewService(e.db, idx, media.DefaultPolicy(), time.Now, c.Log)
		c.Media, c.Uploads = svc, &media.Uploads{}
	})
	plat, _ := e.signedIn(e.platAUser)
	p := plat.get("/banks")
	if p.StatusCode != 200 || !strings.Contains(p.Body, `id="create-bank"`) {
		t.Fatalf("banks page for a member: %d", p.StatusCode)
	}
	p = plat.post("/banks", url.Values{"csrf": {csrf(t, p)}, "name": {"ATTACK_MEDIA"}, "threshold": {"31"}, "entity": {"Group X"}})
	if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/banks/ATTACK_MEDIA?done=bank" {
		t.Fatalf("after creating the bank: %d %s", p.StatusCode, p.Header.Get("Location"))
	}
	p = plat.get("/banks/ATTACK_MEDIA")
	p = plat.upload("/banks/ATTACK_MEDIA/media", csrf(t, p), mosaic(7))
	if p.StatusCode != 200 || !strings.Contains(p.Body, `id="uploaded"`) {
		t.Fatalf("contribute by upload: %d\n%s", p.StatusCode, p.Body)
	}
	if _, err := svc.Bank(context.Background(), org.Principal{}, "ATTACK_MEDIA"); err != nil {
		t.Fatal(err)
	}

	auth, _ := e.signedIn(e.authUser)
	p = auth.get("/banks/ATTACK_MEDIA")
	if p.StatusCode != 200 || strings.Contains(p.Body, `id="contribute"`) || !strings.Contains(p.Body, `id="bank-signals">3<`) {
		t.Fatalf("the authority's view of the bank: %d", p.StatusCode)
	}
	p = auth.get("/match")
	p = auth.upload("/match", csrf(t, p), mosaic(7))
	if !strings.Contains(p.Body, `id="match-hit"`) || !strings.Contains(p.Body, `id="open-referral"`) {
		t.Fatalf("match by the authority: %d\n%s", p.StatusCode, p.Body)
	}
	p = auth.get("/referrals/new?details=" + url.QueryEscape("matches ATTACK_MEDIA"))
	if !strings.Contains(p.Body, "matches ATTACK_MEDIA") {
		t.Errorf("the referral form is not filled from the match")
	}
	p = auth.get("/match")
	p = auth.upload("/match", csrf(t, p), []byte("not an image at all"))
	if p.StatusCode != 422 || !strings.Contains(p.Body, `id="match-error"`) {
		t.Errorf("a file that is not an image: %d", p.StatusCode)
	}
}
