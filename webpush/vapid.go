package webpush

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
)

// MaxVAPIDValidity is the longest token lifetime RFC 8292 Section 2 allows.
const MaxVAPIDValidity = 24 * time.Hour

// DefaultVAPIDValidity is the token lifetime used when VAPID.Validity is 0:
// half the maximum, leaving room for clock skew at the push service.
const DefaultVAPIDValidity = 12 * time.Hour

// maxVAPIDCache bounds the number of cached tokens (one per push-service
// origin; real deployments see a handful: FCM, Mozilla, Apple, Microsoft).
const maxVAPIDCache = 256

// VAPID signs RFC 8292 Authorization headers with an ES256 key. It caches one
// token per push-service origin (the JWT "aud") and re-signs only when the
// cached token enters the last quarter of its validity, so the ECDSA signature
// is not on the per-message path. Safe for concurrent use.
type VAPID struct {
	key     *ecdsa.PrivateKey
	pubB64  string
	subject string

	// Validity is the JWT lifetime (exp - now); 0 means DefaultVAPIDValidity.
	// Must not exceed MaxVAPIDValidity. Set before first use.
	Validity time.Duration

	mu    sync.RWMutex
	cache map[string]vapidToken // key: endpoint prefix "scheme://host[:port]"
}

type vapidToken struct {
	header  string
	aud     string
	minted  time.Time
	refresh time.Time // re-sign at or after this instant
	exp     time.Time
}

// NewVAPID wraps an existing P-256 ECDSA key. subject is the contact the push
// service can use: "mailto:…" or "https:…".
func NewVAPID(key *ecdsa.PrivateKey, subject string) (*VAPID, error) {
	if key == nil || key.Curve != elliptic.P256() {
		return nil, errors.New("webpush: VAPID key must be an ECDSA P-256 key")
	}
	if !strings.HasPrefix(subject, "mailto:") && !strings.HasPrefix(subject, "https:") {
		return nil, fmt.Errorf("webpush: VAPID subject must start with mailto: or https:, got %q", subject)
	}
	pub, err := key.PublicKey.Bytes() // uncompressed 0x04 || X || Y
	if err != nil {
		return nil, fmt.Errorf("webpush: VAPID public key: %w", err)
	}
	return &VAPID{
		key:     key,
		pubB64:  base64.RawURLEncoding.EncodeToString(pub),
		subject: subject,
		cache:   make(map[string]vapidToken),
	}, nil
}

// GenerateVAPID creates a new random VAPID key pair.
func GenerateVAPID(subject string) (*VAPID, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return NewVAPID(key, subject)
}

// ParseVAPID loads a VAPID key from its base64url raw 32-byte private scalar
// (the format of PrivateKey and of most Web Push libraries).
func ParseVAPID(privateKey, subject string) (*VAPID, error) {
	raw, err := decodeB64URL(privateKey)
	if err != nil {
		return nil, fmt.Errorf("webpush: VAPID private key: not base64url: %w", err)
	}
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
	if err != nil {
		return nil, fmt.Errorf("webpush: VAPID private key: %w", err)
	}
	return NewVAPID(key, subject)
}

// PublicKey returns the base64url (unpadded) uncompressed public key: the
// applicationServerKey for pushManager.subscribe and the k= parameter.
func (v *VAPID) PublicKey() string { return v.pubB64 }

// PrivateKey returns the base64url (unpadded) raw 32-byte private scalar.
// Treat it as a secret.
func (v *VAPID) PrivateKey() (string, error) {
	raw, err := v.key.Bytes()
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// Subject returns the contact URI put in the "sub" claim.
func (v *VAPID) Subject() string { return v.subject }

// Header returns the Authorization header value for a message to endpoint at
// time now: "vapid t=<JWT>, k=<public key>".
func (v *VAPID) Header(endpoint string, now time.Time) (string, error) {
	prefix := originPrefix(endpoint)
	v.mu.RLock()
	tok, ok := v.cache[prefix]
	v.mu.RUnlock()
	if ok && !now.Before(tok.minted) && now.Before(tok.refresh) {
		return tok.header, nil
	}
	aud, err := origin(endpoint)
	if err != nil {
		return "", err
	}
	validity := v.Validity
	if validity == 0 {
		validity = DefaultVAPIDValidity
	}
	if validity < 0 || validity > MaxVAPIDValidity {
		return "", fmt.Errorf("webpush: VAPID validity %v outside (0, %v]", validity, MaxVAPIDValidity)
	}
	// exp is a NumericDate in whole seconds; truncate so exp - now ≤ validity.
	exp := now.Add(validity).Truncate(time.Second)
	jwt, err := v.sign(aud, exp)
	if err != nil {
		return "", err
	}
	tok = vapidToken{
		header:  "vapid t=" + jwt + ", k=" + v.pubB64,
		aud:     aud,
		minted:  now,
		refresh: now.Add(validity * 3 / 4),
		exp:     exp,
	}
	v.mu.Lock()
	if v.cache == nil {
		v.cache = make(map[string]vapidToken)
	}
	if len(v.cache) >= maxVAPIDCache {
		// Endpoints come from browsers, so origins are not under our control:
		// bound the cache (drop stale tokens, then anything).
		for k, t := range v.cache {
			if !now.Before(t.refresh) || now.Before(t.minted) {
				delete(v.cache, k)
			}
		}
		for k := range v.cache {
			if len(v.cache) < maxVAPIDCache {
				break
			}
			delete(v.cache, k)
		}
	}
	v.cache[strings.Clone(prefix)] = tok
	v.mu.Unlock()
	return tok.header, nil
}

// jwtHeaderB64 is base64url({"typ":"JWT","alg":"ES256"}).
var jwtHeaderB64 = base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"JWT","alg":"ES256"}`))

type vapidClaims struct {
	Aud string `json:"aud"`
	Exp int64  `json:"exp"`
	Sub string `json:"sub"`
}

// sign produces a compact JWS (RFC 7515) with ES256 (RFC 7518 Section 3.4):
// the signature is R || S, each left-padded to 32 bytes.
func (v *VAPID) sign(aud string, exp time.Time) (string, error) {
	claims, err := json.Marshal(vapidClaims{Aud: aud, Exp: exp.Unix(), Sub: v.subject})
	if err != nil {
		return "", err
	}
	signingInput := jwtHeaderB64 + "." + base64.RawURLEncoding.EncodeToString(claims)
	digest := sha256.Sum256([]byte(signingInput))
	r, s, err := ecdsa.Sign(rand.Reader, v.key, digest[:])
	if err != nil {
		return "", fmt.Errorf("webpush: VAPID sign: %w", err)
	}
	var sig [64]byte
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signingInput + "." + base64.RawURLEncoding.EncodeToString(sig[:]), nil
}

// originPrefix returns "scheme://authority" of an endpoint without parsing,
// as a cheap cache key (the canonical origin is computed by origin).
func originPrefix(endpoint string) string {
	i := strings.Index(endpoint, "://")
	if i < 0 {
		return endpoint
	}
	j := strings.IndexAny(endpoint[i+3:], "/?#")
	if j < 0 {
		return endpoint
	}
	return endpoint[:i+3+j]
}

// origin returns the ASCII serialisation of the endpoint's origin (RFC 6454):
// lower-case scheme and host, default port omitted.
func origin(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("webpush: endpoint: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("webpush: endpoint: want an absolute https URL, got %q", endpoint)
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") { // IPv6 literal
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return u.Scheme + "://" + host, nil
}
