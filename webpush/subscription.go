package webpush

import (
	"crypto/ecdh"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Key sizes fixed by RFC 8291.
const (
	// P256dhLen is the length of an uncompressed P-256 public key (0x04 || X || Y).
	P256dhLen = 65
	// AuthLen is the length of the subscription's authentication secret.
	AuthLen = 16
)

// Subscription is a browser push subscription: the push endpoint URL, the
// user agent's ECDH public key (65 bytes, uncompressed P-256 point) and the
// 16-byte authentication secret.
type Subscription struct {
	Endpoint string
	P256dh   []byte
	Auth     []byte
}

// subscriptionJSON is the shape of PushSubscription.toJSON() in browsers.
type subscriptionJSON struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// ParseSubscription parses the browser's PushSubscription JSON
// {"endpoint":…,"keys":{"p256dh":…,"auth":…}} (base64url keys, with or
// without padding) and validates it (see [Subscription.Validate]).
// Unknown fields such as "expirationTime" are ignored.
func ParseSubscription(data []byte) (Subscription, error) {
	var raw subscriptionJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return Subscription{}, fmt.Errorf("webpush: subscription JSON: %w", err)
	}
	p256dh, err := decodeB64URL(raw.Keys.P256dh)
	if err != nil {
		return Subscription{}, fmt.Errorf("webpush: subscription keys.p256dh: not base64url: %w", err)
	}
	auth, err := decodeB64URL(raw.Keys.Auth)
	if err != nil {
		return Subscription{}, fmt.Errorf("webpush: subscription keys.auth: not base64url: %w", err)
	}
	sub := Subscription{Endpoint: raw.Endpoint, P256dh: p256dh, Auth: auth}
	if err := sub.Validate(); err != nil {
		return Subscription{}, err
	}
	return sub, nil
}

// UnmarshalJSON implements json.Unmarshaler with [ParseSubscription].
func (s *Subscription) UnmarshalJSON(data []byte) error {
	sub, err := ParseSubscription(data)
	if err != nil {
		return err
	}
	*s = sub
	return nil
}

// MarshalJSON encodes the subscription in the browser's shape, with unpadded
// base64url keys.
func (s Subscription) MarshalJSON() ([]byte, error) {
	var raw subscriptionJSON
	raw.Endpoint = s.Endpoint
	raw.Keys.P256dh = base64.RawURLEncoding.EncodeToString(s.P256dh)
	raw.Keys.Auth = base64.RawURLEncoding.EncodeToString(s.Auth)
	return json.Marshal(raw)
}

// Validate checks the endpoint (absolute http or https URL with a host;
// push services use https, http is accepted for loopback test services),
// p256dh (65-byte uncompressed point on P-256) and auth (16 bytes).
func (s Subscription) Validate() error {
	if s.Endpoint == "" {
		return errors.New("webpush: subscription endpoint: missing")
	}
	u, err := url.Parse(s.Endpoint)
	if err != nil {
		return fmt.Errorf("webpush: subscription endpoint: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("webpush: subscription endpoint: want an absolute https URL, got %q", s.Endpoint)
	}
	if len(s.P256dh) != P256dhLen {
		return fmt.Errorf("webpush: subscription keys.p256dh: want %d bytes (uncompressed P-256 point), got %d", P256dhLen, len(s.P256dh))
	}
	if s.P256dh[0] != 0x04 {
		return fmt.Errorf("webpush: subscription keys.p256dh: want an uncompressed point (first byte 0x04), got 0x%02x", s.P256dh[0])
	}
	if _, err := ecdh.P256().NewPublicKey(s.P256dh); err != nil {
		return errors.New("webpush: subscription keys.p256dh: not a point on the P-256 curve")
	}
	if len(s.Auth) != AuthLen {
		return fmt.Errorf("webpush: subscription keys.auth: want %d bytes, got %d", AuthLen, len(s.Auth))
	}
	return nil
}

// decodeB64URL decodes base64url with or without '=' padding. Browsers emit
// unpadded base64url; some stores add padding.
func decodeB64URL(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	return base64.RawURLEncoding.DecodeString(s)
}
