package webpush

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// browser is a test user agent: its own ECDH key pair and auth secret, and
// the receiving side of RFC 8291 written independently of Encrypt (it uses
// crypto/hkdf rather than the package's HMAC code).
type browser struct {
	priv *ecdh.PrivateKey
	auth []byte
}

func newBrowser() *browser {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	return &browser{priv: priv, auth: auth}
}

func (b *browser) subscription(endpoint string) Subscription {
	return Subscription{Endpoint: endpoint, P256dh: b.priv.PublicKey().Bytes(), Auth: b.auth}
}

func (b *browser) decrypt(body []byte) ([]byte, error) {
	if len(body) < headerLen+tagLen+1 {
		return nil, errors.New("body too short")
	}
	salt := body[:16]
	rs := binary.BigEndian.Uint32(body[16:20])
	idlen := int(body[20])
	if idlen != 65 {
		return nil, fmt.Errorf("idlen %d", idlen)
	}
	asPub := body[21 : 21+idlen]
	ct := body[21+idlen:]
	if rs < 18 || uint32(len(ct)) > rs {
		return nil, fmt.Errorf("record size %d, record %d", rs, len(ct))
	}
	pub, err := ecdh.P256().NewPublicKey(asPub)
	if err != nil {
		return nil, err
	}
	secret, err := b.priv.ECDH(pub)
	if err != nil {
		return nil, err
	}
	info := append([]byte("WebPush: info\x00"), b.priv.PublicKey().Bytes()...)
	info = append(info, asPub...)
	ikm, err := hkdf.Key(sha256.New, secret, b.auth, string(info), 32)
	if err != nil {
		return nil, err
	}
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	blk, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(blk)
	pt, err := gcm.Open(nil, nonce, ct, nil)
	if err != nil {
		return nil, err
	}
	i := len(pt) - 1
	for i >= 0 && pt[i] == 0 {
		i--
	}
	if i < 0 || pt[i] != 0x02 {
		return nil, errors.New("missing 0x02 delimiter")
	}
	return pt[:i], nil
}

// checkVAPID verifies an RFC 8292 Authorization header as a push service
// would, returning the claims.
func checkVAPID(header, wantAud string, now time.Time) (vapidClaims, error) {
	var c vapidClaims
	rest, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		return c, fmt.Errorf("scheme: %q", header)
	}
	var t, k string
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if v, ok := strings.CutPrefix(part, "t="); ok {
			t = v
		} else if v, ok := strings.CutPrefix(part, "k="); ok {
			k = v
		}
	}
	kb, err := base64.RawURLEncoding.DecodeString(k)
	if err != nil {
		return c, fmt.Errorf("k: %v", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), kb)
	if err != nil {
		return c, fmt.Errorf("k: %v", err)
	}
	parts := strings.Split(t, ".")
	if len(parts) != 3 {
		return c, fmt.Errorf("jwt: %d parts", len(parts))
	}
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var hdr map[string]string
	if err := json.Unmarshal(hb, &hdr); err != nil || hdr["alg"] != "ES256" {
		return c, fmt.Errorf("jwt header %s", hb)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return c, fmt.Errorf("signature length %d (%v)", len(sig), err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		return c, errors.New("bad ES256 signature")
	}
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if err := json.Unmarshal(cb, &c); err != nil {
		return c, err
	}
	if c.Aud != wantAud {
		return c, fmt.Errorf("aud %q, want %q", c.Aud, wantAud)
	}
	exp := time.Unix(c.Exp, 0)
	if !exp.After(now) || exp.Sub(now) > 24*time.Hour {
		return c, fmt.Errorf("exp %v not in (now, now+24h], now %v", exp, now)
	}
	if !strings.HasPrefix(c.Sub, "mailto:") && !strings.HasPrefix(c.Sub, "https:") {
		return c, fmt.Errorf("sub %q", c.Sub)
	}
	return c, nil
}
