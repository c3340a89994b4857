// Package webpush sends end-to-end encrypted Web Push messages to browser
// subscriptions, for Vigie's crisis alerts.
//
// It implements, from the specifications:
//
//   - RFC 8030 (Generic Event Delivery Using HTTP Push): a message is an HTTP
//     POST to the subscription's push endpoint with the TTL, Urgency and Topic
//     headers; the push service answers 201 Created once it has accepted the
//     message (accepted, not delivered to the device).
//   - RFC 8291 (Message Encryption for Web Push): ECDH on P-256 between an
//     application-server ephemeral key and the subscription's p256dh key,
//     combined with the subscription's 16-byte auth secret through HKDF-SHA-256,
//     then the "aes128gcm" content coding of RFC 8188 (Encrypted Content-Encoding
//     for HTTP) with a single record, the padding delimiter 0x02 and a 4096-octet
//     record size.
//   - RFC 8292 (VAPID): "Authorization: vapid t=<JWT>, k=<public key>" where the
//     JWT is signed with ES256 (RFC 7515/7518), its "aud" claim is the origin of
//     the push endpoint, "exp" is at most 24 hours ahead and "sub" is a mailto:
//     or https: contact; k is the base64url uncompressed P-256 public key, the
//     same value browsers receive as applicationServerKey.
//
// The main types are [Subscription] (parsed from the browser's
// PushSubscription JSON), [Encrypt], [VAPID] (which caches one signed token per
// push-service origin) and [Sender], whose [Sender.Send] classifies the push
// service's answer into an [Outcome] that a fan-out loop can act on: keep,
// prune (Gone), slow that push service down (RetryAfter), drop (Failed) or
// retry later (Retry).
//
// Ephemeral keys: by default every message gets a fresh ephemeral ECDH key pair
// and a fresh random salt, as RFC 8291 Section 2 describes. [EncryptOptions.Ephemeral]
// lets a caller reuse one ephemeral key for the recipients of a single alert
// during a short window; the salt stays random per message, so the content
// encryption key and nonce remain unique per message. See [EphemeralKey] for the
// trade-off.
package webpush
