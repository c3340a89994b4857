// Package webhook delivers Vigie events (removal referrals, crisis alerts) to
// online platforms as signed HTTP webhooks.
//
// The wire format is Standard Webhooks 1.0 (https://www.standardwebhooks.com):
// every request carries the headers webhook-id, webhook-timestamp (integer
// Unix seconds) and webhook-signature, and the signature covers
// "{webhook-id}.{webhook-timestamp}.{body}". Using the standard means a
// platform can verify Vigie deliveries with any off-the-shelf Standard
// Webhooks library instead of bespoke code.
//
// Vigie signs only with the asymmetric scheme ("v1a", Ed25519), never with the
// shared-secret HMAC scheme ("v1"): platforms verify with Vigie's public key
// (serialised "whpk_..."), so Vigie never has to hand out, store per platform,
// or rotate a secret, and a leak on a platform's side cannot be used to forge
// alerts. The private key ("whsk_...") stays with Vigie.
//
// Endpoint URLs are supplied by platforms, so sending to them is a server-side
// request forgery (SSRF) risk. The rule is: register only URLs that pass
// [CheckURL], and deliver only through a client from [NewHTTPClient], whose
// dialer refuses every non-public IP address at connect time (after DNS
// resolution, so a hostname that later re-resolves to an internal address is
// still refused) and which never follows redirects.
package webhook

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks header names. Go canonicalises them on the wire
// ("Webhook-Id"); HTTP header names are case-insensitive.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// Tolerance is how far webhook-timestamp may be from the receiver's clock, in
// either direction, before [Verify] rejects the request as a possible replay.
const Tolerance = 5 * time.Minute

const (
	publicKeyPrefix = "whpk_"
	secretKeyPrefix = "whsk_"
	sigVersion      = "v1a"
)

// Errors returned, usually wrapped with detail, by [Verify] and the key
// parsers; test for them with errors.Is.
var (
	ErrMissingHeader    = errors.New("missing header")
	ErrInvalidTimestamp = errors.New("invalid webhook-timestamp")
	ErrTimestampRange   = errors.New("webhook-timestamp outside tolerance")
	ErrNoSignature      = errors.New("no v1a signature in webhook-signature")
	ErrBadSignature     = errors.New("no v1a signature matches the public key")
	ErrInvalidKey       = errors.New("invalid key")
)

// Signer produces v1a (Ed25519) Standard Webhooks signatures. It is safe for
// concurrent use.
type Signer struct {
	priv ed25519.PrivateKey
}

// NewSigner returns a Signer for priv. It panics if priv is not a 64-byte
// Ed25519 private key, which is a programming or configuration error that
// [ParseSecretKey] would already have reported.
func NewSigner(priv ed25519.PrivateKey) *Signer {
	if len(priv) != ed25519.PrivateKeySize {
		panic("webhook: NewSigner: private key must be 64 bytes")
	}
	return &Signer{priv: priv}
}

// GenerateKey returns a new Ed25519 key pair from crypto/rand.
func GenerateKey() (ed25519.PublicKey, ed25519.PrivateKey, error) {
	return ed25519.GenerateKey(rand.Reader)
}

// PublicKey returns the public half of the signing key; publish it to
// platforms with [EncodePublicKey].
func (s *Signer) PublicKey() ed25519.PublicKey {
	return s.priv.Public().(ed25519.PublicKey)
}

// Sign returns the value of the webhook-signature header: "v1a,<base64>".
// The timestamp is truncated to whole seconds, as sent in webhook-timestamp.
func (s *Signer) Sign(msgID string, ts time.Time, body []byte) string {
	sig := ed25519.Sign(s.priv, signedContent(msgID, strconv.FormatInt(ts.Unix(), 10), body))
	return sigVersion + "," + base64.StdEncoding.EncodeToString(sig)
}

// signedContent is "{msgID}.{timestamp}.{body}", timestamp being the
// webhook-timestamp header value exactly as sent.
func signedContent(msgID, timestamp string, body []byte) []byte {
	b := make([]byte, 0, len(msgID)+len(timestamp)+len(body)+2)
	b = append(b, msgID...)
	b = append(b, '.')
	b = append(b, timestamp...)
	b = append(b, '.')
	return append(b, body...)
}

// EncodePublicKey serialises pub as "whpk_<base64>".
func EncodePublicKey(pub ed25519.PublicKey) string {
	return publicKeyPrefix + base64.StdEncoding.EncodeToString(pub)
}

// ParsePublicKey parses a "whpk_<base64>" public key. Surrounding whitespace
// is ignored; the prefix is required so a secret key can't be mistaken for it.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := decodeKey(s, publicKeyPrefix)
	if err != nil {
		return nil, err
	}
	if len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: public key is %d bytes, want %d", ErrInvalidKey, len(b), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// EncodeSecretKey serialises priv as "whsk_<base64 of the 64-byte key>".
func EncodeSecretKey(priv ed25519.PrivateKey) string {
	return secretKeyPrefix + base64.StdEncoding.EncodeToString(priv)
}

// ParseSecretKey parses a "whsk_<base64>" secret key. It accepts the 64-byte
// form written by [EncodeSecretKey] and, for interoperability with the
// reference Standard Webhooks libraries, a 32-byte Ed25519 seed. A 64-byte
// key whose public half does not match its seed is rejected.
func ParseSecretKey(s string) (ed25519.PrivateKey, error) {
	b, err := decodeKey(s, secretKeyPrefix)
	if err != nil {
		return nil, err
	}
	switch len(b) {
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(b), nil
	case ed25519.PrivateKeySize:
		priv := ed25519.NewKeyFromSeed(b[:ed25519.SeedSize])
		if !priv.Equal(ed25519.PrivateKey(b)) {
			return nil, fmt.Errorf("%w: secret key's public half does not match its seed", ErrInvalidKey)
		}
		return priv, nil
	default:
		return nil, fmt.Errorf("%w: secret key is %d bytes, want %d (or a %d-byte seed)",
			ErrInvalidKey, len(b), ed25519.PrivateKeySize, ed25519.SeedSize)
	}
}

func decodeKey(s, prefix string) ([]byte, error) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return nil, fmt.Errorf("%w: must start with %q", ErrInvalidKey, prefix)
	}
	b, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("%w: bad base64 after %q: %v", ErrInvalidKey, prefix, err)
	}
	return b, nil
}

// Verify checks a received webhook the way a receiving platform written in Go
// should: all three headers present, webhook-timestamp an integer within
// [Tolerance] of now, and at least one v1a entry of webhook-signature a valid
// Ed25519 signature by pub over "{id}.{timestamp}.{body}". Entries of other
// versions (such as "v1" HMAC) are ignored. body must be the raw request body,
// not re-serialised JSON. pub must come from the receiver's own trust list,
// never from the request. Errors wrap one of the Err* values above and name
// the header or rule that failed.
func Verify(pub ed25519.PublicKey, h http.Header, body []byte, now time.Time) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: public key is %d bytes, want %d", ErrInvalidKey, len(pub), ed25519.PublicKeySize)
	}
	id := h.Get(HeaderID)
	if id == "" {
		return fmt.Errorf("%w: %s", ErrMissingHeader, HeaderID)
	}
	tsRaw := h.Get(HeaderTimestamp)
	if tsRaw == "" {
		return fmt.Errorf("%w: %s", ErrMissingHeader, HeaderTimestamp)
	}
	sigs := h.Get(HeaderSignature)
	if sigs == "" {
		return fmt.Errorf("%w: %s", ErrMissingHeader, HeaderSignature)
	}

	unix, err := parseUnix(tsRaw)
	if err != nil {
		return err
	}
	ts := time.Unix(unix, 0)
	if ts.Before(now.Add(-Tolerance)) {
		return fmt.Errorf("%w: %s is %s old, more than %s", ErrTimestampRange, HeaderTimestamp, now.Sub(ts).Truncate(time.Second), Tolerance)
	}
	if ts.After(now.Add(Tolerance)) {
		return fmt.Errorf("%w: %s is %s in the future, more than %s", ErrTimestampRange, HeaderTimestamp, ts.Sub(now).Truncate(time.Second), Tolerance)
	}

	msg := signedContent(id, tsRaw, body)
	seen := false
	// The spec delimits entries with spaces (not other whitespace).
	for entry := range strings.SplitSeq(sigs, " ") {
		version, b64, ok := strings.Cut(entry, ",")
		if !ok || version != sigVersion {
			continue
		}
		seen = true
		sig, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(sig) != ed25519.SignatureSize {
			continue
		}
		if ed25519.Verify(pub, msg, sig) {
			return nil
		}
	}
	if !seen {
		return ErrNoSignature
	}
	return ErrBadSignature
}

// parseUnix accepts only ASCII decimal digits: no sign, spaces or fractions,
// so that the string signed by the sender is exactly the one parsed here.
func parseUnix(s string) (int64, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%w: %q is not an integer number of seconds", ErrInvalidTimestamp, s)
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q out of range", ErrInvalidTimestamp, s)
	}
	return n, nil
}
