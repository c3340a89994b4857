package webpush

import (
	"bytes"
	"crypto/ecdh"
	"encoding/base64"
	"errors"
	"testing"
)

// RFC 8291 Section 5 / Appendix A worked example.
const (
	rfcPlaintext = "When I grow up, I want to be a watermelon"
	rfcASPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
	rfcASPublic  = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
	rfcUAPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
	rfcUAPublic  = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
	rfcSalt      = "DGv6ra1nlYgDCS1FRnbzlw"
	rfcAuth      = "BTBZMqHH6r4Tts7J_aSIgg"
	rfcBody      = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
)

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRFC8291Vector(t *testing.T) {
	eph, err := ecdh.P256().NewPrivateKey(b64(t, rfcASPrivate))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(eph.PublicKey().Bytes(), b64(t, rfcASPublic)) {
		t.Fatalf("as_public mismatch")
	}
	sub := Subscription{Endpoint: "https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV", P256dh: b64(t, rfcUAPublic), Auth: b64(t, rfcAuth)}
	if err := sub.Validate(); err != nil {
		t.Fatal(err)
	}
	got, err := Encrypt(sub, []byte(rfcPlaintext), EncryptOptions{key: eph, salt: b64(t, rfcSalt)})
	if err != nil {
		t.Fatal(err)
	}
	if want := b64(t, rfcBody); !bytes.Equal(got, want) {
		t.Fatalf("body mismatch\n got %s\nwant %s", base64.RawURLEncoding.EncodeToString(got), rfcBody)
	}

	// The independent decryptor reads the RFC body with the UA private key.
	ua, err := ecdh.P256().NewPrivateKey(b64(t, rfcUAPrivate))
	if err != nil {
		t.Fatal(err)
	}
	br := &browser{priv: ua, auth: b64(t, rfcAuth)}
	pt, err := br.decrypt(b64(t, rfcBody))
	if err != nil || string(pt) != rfcPlaintext {
		t.Fatalf("decrypt RFC body: %q, %v", pt, err)
	}
}

func TestEncryptRoundTripAndLimits(t *testing.T) {
	br := newBrowser()
	sub := br.subscription("https://push.example/x")
	for _, n := range []int{0, 1, 100, MaxPlaintextLen} {
		pt := bytes.Repeat([]byte{'a'}, n)
		body, err := Encrypt(sub, pt, EncryptOptions{})
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if len(body) != headerLen+n+1+tagLen || len(body) != EncryptedLen(n, 0) {
			t.Fatalf("n=%d: body %d", n, len(body))
		}
		got, err := br.decrypt(body)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("n=%d: decrypt: %v", n, err)
		}
	}
	// Padding hides length and still decrypts.
	body, err := Encrypt(sub, []byte("hi"), EncryptOptions{Padding: 100})
	if err != nil || len(body) != headerLen+2+1+100+tagLen {
		t.Fatalf("padding: %d %v", len(body), err)
	}
	if got, err := br.decrypt(body); err != nil || string(got) != "hi" {
		t.Fatalf("padding decrypt: %q %v", got, err)
	}
	// Too large.
	if _, err := Encrypt(sub, make([]byte, MaxPlaintextLen+1), EncryptOptions{}); !errors.Is(err, ErrPayloadTooLarge) {
		t.Fatalf("want ErrPayloadTooLarge, got %v", err)
	}
	if _, err := Encrypt(sub, make([]byte, 10), EncryptOptions{Padding: MaxPlaintextLen}); !errors.Is(err, ErrPayloadTooLarge) {
		t.Fatalf("padding overflow: want ErrPayloadTooLarge, got %v", err)
	}
	// A fresh salt and ephemeral key for every message (RFC 8291), also
	// when the same buffer is reused.
	buf := make([]byte, 0, 2*MaxBodyLen)
	seen := map[string]bool{}
	for range 50 {
		var err error
		buf, err = AppendEncrypted(buf[:0], sub, []byte("x"), EncryptOptions{Padding: 7})
		if err != nil {
			t.Fatal(err)
		}
		salt, key := string(buf[:16]), string(buf[21:86])
		if seen[salt] || seen[key] {
			t.Fatal("salt or ephemeral key repeated")
		}
		seen[salt], seen[key] = true, true
		if got, err := br.decrypt(buf); err != nil || string(got) != "x" {
			t.Fatalf("reused buffer: %q, %v", got, err)
		}
	}
	// Appending keeps what dst held.
	out, err := AppendEncrypted([]byte("head"), sub, []byte("y"), EncryptOptions{})
	if err != nil || string(out[:4]) != "head" {
		t.Fatalf("append: %q %v", out[:4], err)
	}
	if got, err := br.decrypt(out[4:]); err != nil || string(got) != "y" {
		t.Fatalf("append decrypt: %q, %v", got, err)
	}
}

func TestParseSubscription(t *testing.T) {
	good := `{"endpoint":"https://fcm.googleapis.com/fcm/send/abc","expirationTime":null,"keys":{"p256dh":"` + rfcUAPublic + `","auth":"` + rfcAuth + `"}}`
	sub, err := ParseSubscription([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sub.P256dh, b64(t, rfcUAPublic)) || !bytes.Equal(sub.Auth, b64(t, rfcAuth)) {
		t.Fatal("keys")
	}
	// Round trip through MarshalJSON / UnmarshalJSON.
	j, _ := sub.MarshalJSON()
	var again Subscription
	if err := again.UnmarshalJSON(j); err != nil || again.Endpoint != sub.Endpoint {
		t.Fatalf("round trip: %v", err)
	}
	// Padded base64url accepted.
	if _, err := ParseSubscription([]byte(`{"endpoint":"https://a.example/x","keys":{"p256dh":"` + rfcUAPublic + `=","auth":"` + rfcAuth + `=="}}`)); err != nil {
		t.Fatalf("padded: %v", err)
	}
	offCurve := b64(t, rfcUAPublic)
	offCurve[40] ^= 1
	bad := []struct{ json, want string }{
		{`nope`, "subscription JSON"},
		{`{"keys":{"p256dh":"` + rfcUAPublic + `","auth":"` + rfcAuth + `"}}`, "endpoint: missing"},
		{`{"endpoint":"ftp://a/x","keys":{"p256dh":"` + rfcUAPublic + `","auth":"` + rfcAuth + `"}}`, "endpoint"},
		{`{"endpoint":"https://a/x","keys":{"p256dh":"!!","auth":"` + rfcAuth + `"}}`, "keys.p256dh: not base64url"},
		{`{"endpoint":"https://a/x","keys":{"p256dh":"` + rfcUAPublic[:40] + `","auth":"` + rfcAuth + `"}}`, "keys.p256dh: want 65 bytes"},
		{`{"endpoint":"https://a/x","keys":{"p256dh":"` + base64.RawURLEncoding.EncodeToString(offCurve) + `","auth":"` + rfcAuth + `"}}`, "keys.p256dh: not a point"},
		{`{"endpoint":"https://a/x","keys":{"p256dh":"` + rfcUAPublic + `","auth":"AAAA"}}`, "keys.auth: want 16 bytes"},
		{`{"endpoint":"https://a/x","keys":{"p256dh":"` + rfcUAPublic + `","auth":"*"}}`, "keys.auth: not base64url"},
	}
	for _, c := range bad {
		_, err := ParseSubscription([]byte(c.json))
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(c.want)) {
			t.Errorf("%s: got %v, want error containing %q", c.json, err, c.want)
		}
	}
}

func FuzzParseSubscription(f *testing.F) {
	f.Add([]byte(`{"endpoint":"https://fcm.googleapis.com/fcm/send/abc","keys":{"p256dh":"` + rfcUAPublic + `","auth":"` + rfcAuth + `"}}`))
	f.Add([]byte(`{"endpoint":"https://a/x","keys":{"p256dh":"BAAA","auth":"AAAA"}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sub, err := ParseSubscription(data)
		if err != nil {
			return
		}
		if len(sub.P256dh) != P256dhLen || len(sub.Auth) != AuthLen || sub.Validate() != nil {
			t.Fatalf("accepted invalid subscription %+v", sub)
		}
		j, err := sub.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseSubscription(j)
		if err != nil || again.Endpoint != sub.Endpoint || !bytes.Equal(again.P256dh, sub.P256dh) || !bytes.Equal(again.Auth, sub.Auth) {
			t.Fatalf("round trip: %v", err)
		}
		if _, err := Encrypt(sub, []byte("x"), EncryptOptions{}); err != nil {
			t.Fatalf("encrypt for accepted subscription: %v", err)
		}
	})
}
