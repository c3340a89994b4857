package webhook_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/webhook"
)

// fixedNow is the frozen clock used by the tests (2026-01-01T00:00:00Z).
var fixedNow = time.Unix(1767225600, 0)

func fixedClock() time.Time { return fixedNow }

// testKey returns a deterministic key pair, distinct per seed byte.
func testKey(seed byte) (ed25519.PublicKey, ed25519.PrivateKey) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
	return priv.Public().(ed25519.PublicKey), priv
}

// independentVerify checks a delivery straight from the Standard Webhooks
// spec, using only crypto/ed25519 and encoding/base64 (not the package's
// Sign or Verify): the three headers are present, webhook-timestamp is an
// integer number of seconds within 5 minutes of now, and one
// "v1a,<base64>" entry of the space-separated webhook-signature is an
// Ed25519 signature by pub over "{id}.{timestamp}.{body}".
func independentVerify(pub ed25519.PublicKey, h http.Header, body []byte, now time.Time) error {
	id := h.Get("webhook-id")
	ts := h.Get("webhook-timestamp")
	sigs := h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing Standard Webhooks header")
	}
	for _, c := range ts {
		if c < '0' || c > '9' {
			return fmt.Errorf("timestamp %q is not an integer", ts)
		}
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return err
	}
	if d := now.Unix() - secs; d > 300 || d < -300 {
		return fmt.Errorf("timestamp %d is %d s off", secs, d)
	}
	signed := []byte(id + "." + ts + "." + string(body))
	for _, s := range strings.Split(sigs, " ") {
		b64, ok := strings.CutPrefix(s, "v1a,")
		if !ok {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			continue
		}
		if len(sig) == ed25519.SignatureSize && ed25519.Verify(pub, signed, sig) {
			return nil
		}
	}
	return errors.New("no valid v1a signature")
}

type captured struct {
	method string
	header http.Header
	body   []byte
}

// recordingServer answers 204 and records the last request.
func recordingServer(t *testing.T) (*httptest.Server, func() captured) {
	t.Helper()
	var (
		mu   sync.Mutex
		last captured
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		last = captured{r.Method, r.Header.Clone(), b}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv, func() captured {
		mu.Lock()
		defer mu.Unlock()
		return last
	}
}

func TestDeliveryIsSignedPerSpec(t *testing.T) {
	pub, priv := testKey(1)
	srv, last := recordingServer(t)
	s := webhook.NewSender(webhook.NewHTTPClient(5*time.Second, true), webhook.NewSigner(priv), fixedClock)

	msg := webhook.Message{
		ID:   "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
		Type: "referral.created",
		Body: []byte(`{"type":"referral.created","data":{"id":"r1"}}`),
	}
	res := s.Send(t.Context(), srv.URL+"/hook", msg)
	if res.Outcome != webhook.Delivered || res.Status != http.StatusNoContent || res.Err != nil {
		t.Fatalf("Send = %+v, want Delivered 204", res)
	}

	got := last()
	if got.method != http.MethodPost {
		t.Errorf("method = %s, want POST", got.method)
	}
	if !bytes.Equal(got.body, msg.Body) {
		t.Errorf("body = %q, want %q", got.body, msg.Body)
	}
	for name, want := range map[string]string{
		"Content-Type":      "application/json",
		"User-Agent":        "Vigie-Webhooks/1",
		"Vigie-Event":       "referral.created",
		"webhook-id":        msg.ID,
		"webhook-timestamp": strconv.FormatInt(fixedNow.Unix(), 10),
	} {
		if v := got.header.Get(name); v != want {
			t.Errorf("header %s = %q, want %q", name, v, want)
		}
	}
	if sig := got.header.Get("webhook-signature"); !strings.HasPrefix(sig, "v1a,") {
		t.Errorf("webhook-signature = %q, want v1a,<base64>", sig)
	}

	if err := independentVerify(pub, got.header, got.body, fixedNow); err != nil {
		t.Fatalf("independent verifier rejected the delivery: %v", err)
	}
	if err := webhook.Verify(pub, got.header, got.body, fixedNow); err != nil {
		t.Fatalf("Verify rejected the delivery: %v", err)
	}
}

func TestVerify(t *testing.T) {
	pub, priv := testKey(1)
	otherPub, otherPriv := testKey(2)
	signer := webhook.NewSigner(priv)
	body := []byte(`{"type":"alert.crisis"}`)
	const id = "msg_1"

	good := func() http.Header {
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", strconv.FormatInt(fixedNow.Unix(), 10))
		h.Set("webhook-signature", signer.Sign(id, fixedNow, body))
		return h
	}
	with := func(name, value string) http.Header {
		h := good()
		h.Set(name, value)
		return h
	}
	without := func(name string) http.Header {
		h := good()
		h.Del(name)
		return h
	}
	otherSig := webhook.NewSigner(otherPriv).Sign(id, fixedNow, body)

	tests := []struct {
		name    string
		pub     ed25519.PublicKey
		h       http.Header
		body    []byte
		now     time.Time
		want    error // nil: accepted
		errText string
	}{
		{name: "valid", h: good()},
		{name: "exactly 5 minutes old", h: good(), now: fixedNow.Add(5 * time.Minute)},
		{name: "exactly 5 minutes early", h: good(), now: fixedNow.Add(-5 * time.Minute)},
		{name: "rotation: several signatures", h: with("webhook-signature",
			"v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= "+otherSig+" "+good().Get("webhook-signature"))},
		{name: "changed body", h: good(), body: []byte(`{"type":"alert.crisis" }`), want: webhook.ErrBadSignature},
		{name: "expired timestamp", h: good(), now: fixedNow.Add(5*time.Minute + time.Second), want: webhook.ErrTimestampRange, errText: "old"},
		{name: "future timestamp", h: good(), now: fixedNow.Add(-6 * time.Minute), want: webhook.ErrTimestampRange, errText: "future"},
		{name: "wrong key", pub: otherPub, h: good(), want: webhook.ErrBadSignature},
		{name: "missing webhook-id", h: without("webhook-id"), want: webhook.ErrMissingHeader, errText: "webhook-id"},
		{name: "missing webhook-timestamp", h: without("webhook-timestamp"), want: webhook.ErrMissingHeader, errText: "webhook-timestamp"},
		{name: "missing webhook-signature", h: without("webhook-signature"), want: webhook.ErrMissingHeader, errText: "webhook-signature"},
		{name: "v1 HMAC only", h: with("webhook-signature", "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="), want: webhook.ErrNoSignature},
		{name: "v1a without payload", h: with("webhook-signature", "v1a,"), want: webhook.ErrBadSignature},
		{name: "v1a bad base64", h: with("webhook-signature", "v1a,!!!"), want: webhook.ErrBadSignature},
		{name: "other key only", h: with("webhook-signature", otherSig), want: webhook.ErrBadSignature},
		{name: "id changed", h: with("webhook-id", "msg_2"), want: webhook.ErrBadSignature},
		{name: "timestamp changed", h: with("webhook-timestamp", strconv.FormatInt(fixedNow.Unix()+1, 10)), want: webhook.ErrBadSignature},
		{name: "timestamp leading zero", h: with("webhook-timestamp", "0"+strconv.FormatInt(fixedNow.Unix(), 10)), want: webhook.ErrBadSignature},
		{name: "timestamp fractional", h: with("webhook-timestamp", strconv.FormatInt(fixedNow.Unix(), 10)+".5"), want: webhook.ErrInvalidTimestamp},
		{name: "timestamp signed", h: with("webhook-timestamp", "+"+strconv.FormatInt(fixedNow.Unix(), 10)), want: webhook.ErrInvalidTimestamp},
		{name: "timestamp RFC 3339", h: with("webhook-timestamp", fixedNow.UTC().Format(time.RFC3339)), want: webhook.ErrInvalidTimestamp},
		{name: "timestamp overflow", h: with("webhook-timestamp", "99999999999999999999"), want: webhook.ErrInvalidTimestamp},
		{name: "short public key", pub: pub[:31], h: good(), want: webhook.ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, b, now := tt.pub, tt.body, tt.now
			if p == nil {
				p = pub
			}
			if b == nil {
				b = body
			}
			if now.IsZero() {
				now = fixedNow
			}
			err := webhook.Verify(p, tt.h, b, now)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.errText) {
				t.Errorf("error %q does not mention %q", err, tt.errText)
			}
		})
	}
}

// TestInteropVector checks a published test vector of the reference Standard
// Webhooks Go library, whose whsk_ keys are 32-byte seeds.
func TestInteropVector(t *testing.T) {
	priv, err := webhook.ParseSecretKey("whsk_VEVTVFNJR05JTkdLRVlET05PVFVTRVRISVNGT1JBTlk=")
	if err != nil {
		t.Fatal(err)
	}
	got := webhook.NewSigner(priv).Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	const want = "v1a,tQ9V2XOqn7jL/DQenEFpqIugdBVtiMmER5mhSkXBNwM0mkATuDe6KYYUuxqtaiHeYGb7KaaBRdM5WqyeFiL8Ag=="
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestKeyRoundTrip(t *testing.T) {
	pub, priv, err := webhook.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if !webhook.NewSigner(priv).PublicKey().Equal(pub) {
		t.Error("Signer.PublicKey differs from the generated public key")
	}

	encPub := webhook.EncodePublicKey(pub)
	if !strings.HasPrefix(encPub, "whpk_") {
		t.Errorf("EncodePublicKey = %q, want whpk_ prefix", encPub)
	}
	gotPub, err := webhook.ParsePublicKey(encPub)
	if err != nil || !gotPub.Equal(pub) {
		t.Errorf("ParsePublicKey(EncodePublicKey) = %x, %v; want %x", gotPub, err, pub)
	}

	encPriv := webhook.EncodeSecretKey(priv)
	if !strings.HasPrefix(encPriv, "whsk_") {
		t.Errorf("EncodeSecretKey = %q, want whsk_ prefix", encPriv)
	}
	gotPriv, err := webhook.ParseSecretKey(encPriv)
	if err != nil || !gotPriv.Equal(priv) {
		t.Errorf("ParseSecretKey(EncodeSecretKey) failed: %v", err)
	}
	// The 32-byte seed form gives the same key.
	gotPriv, err = webhook.ParseSecretKey("whsk_" + base64.StdEncoding.EncodeToString(priv.Seed()))
	if err != nil || !gotPriv.Equal(priv) {
		t.Errorf("ParseSecretKey(seed) failed: %v", err)
	}
	// Copy-pasted keys often carry a newline.
	if _, err := webhook.ParsePublicKey(" " + encPub + "\n"); err != nil {
		t.Errorf("ParsePublicKey with surrounding space: %v", err)
	}
}

func TestParseKeyMalformed(t *testing.T) {
	pub, priv := testKey(3)
	_, priv2 := testKey(4)
	b64 := base64.StdEncoding.EncodeToString
	// A 64-byte key whose public half belongs to another seed.
	mismatched := append(append([]byte{}, priv[:32]...), priv2[32:]...)

	pubCases := map[string]string{
		"empty":             "",
		"prefix only":       "whpk_",
		"no prefix":         b64(pub),
		"secret prefix":     "whsk_" + b64(pub),
		"wrong case prefix": "WHPK_" + b64(pub),
		"bad base64":        "whpk_!!!!",
		"unpadded":          "whpk_" + strings.TrimRight(b64(pub), "="),
		"31 bytes":          "whpk_" + b64(pub[:31]),
		"64 bytes":          "whpk_" + b64(priv),
	}
	for name, s := range pubCases {
		if k, err := webhook.ParsePublicKey(s); !errors.Is(err, webhook.ErrInvalidKey) {
			t.Errorf("ParsePublicKey(%s) = %x, %v; want ErrInvalidKey", name, k, err)
		}
	}
	secCases := map[string]string{
		"empty":           "",
		"no prefix":       b64(priv),
		"public prefix":   "whpk_" + b64(priv),
		"bad base64":      "whsk_%%%",
		"33 bytes":        "whsk_" + b64(priv[:33]),
		"mismatched half": "whsk_" + b64(mismatched),
	}
	for name, s := range secCases {
		if _, err := webhook.ParseSecretKey(s); !errors.Is(err, webhook.ErrInvalidKey) {
			t.Errorf("ParseSecretKey(%s) = %v; want ErrInvalidKey", name, err)
		}
	}
}

func FuzzVerifyHeaders(f *testing.F) {
	pub, priv := testKey(5)
	signer := webhook.NewSigner(priv)
	ts := strconv.FormatInt(fixedNow.Unix(), 10)
	body := []byte(`{"a":1}`)
	encPub := webhook.EncodePublicKey(pub)

	f.Add(encPub, "msg_1", ts, signer.Sign("msg_1", fixedNow, body), body)
	f.Add(encPub, "msg_1", ts, "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= "+signer.Sign("msg_1", fixedNow, body), body)
	f.Add(encPub, "msg_1", ts, "v1a,", body)
	f.Add(encPub, "msg_1", ts, "v1a v1a,, ,v1a", []byte{})
	f.Add(encPub, "", "", "", []byte(nil))
	f.Add("whpk_", "a.b", "-1", "v1a,AAAA", body)
	f.Add("whsk_"+base64.StdEncoding.EncodeToString(priv), "x", "99999999999999999999", "v1a,====", body)
	f.Add("not a key", "msg", "1e9", "\x00v1a,\xff", []byte("\xff"))

	f.Fuzz(func(t *testing.T, pubStr, id, tsHdr, sigHdr string, body []byte) {
		p, err := webhook.ParsePublicKey(pubStr)
		if err == nil {
			if len(p) != ed25519.PublicKeySize {
				t.Fatalf("ParsePublicKey accepted a %d-byte key", len(p))
			}
			if again, err := webhook.ParsePublicKey(webhook.EncodePublicKey(p)); err != nil || !again.Equal(p) {
				t.Fatalf("re-encoding %q does not round-trip: %v", pubStr, err)
			}
		} else {
			p = pub // still exercise Verify's header parsing
		}

		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", tsHdr)
		h.Set("webhook-signature", sigHdr)
		if err := webhook.Verify(p, h, body, fixedNow); err == nil {
			if ierr := independentVerify(p, h, body, fixedNow); ierr != nil {
				t.Fatalf("Verify accepted what the spec rejects: %v", ierr)
			}
		}

		// Whatever the ID and body, a fresh signature must verify.
		if id != "" {
			h.Set("webhook-timestamp", ts)
			h.Set("webhook-signature", signer.Sign(id, fixedNow, body))
			if err := webhook.Verify(pub, h, body, fixedNow); err != nil {
				t.Fatalf("Verify rejected a valid signature: %v", err)
			}
		}
	})
}
