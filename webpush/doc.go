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
// PushSubscription JSON), [Encrypt] and [AppendEncrypted], [VAPID] (which
// caches one signed token per push-service origin and signs a new one before
// it expires) and [Sender], whose [Sender.Send] classifies the push service's
// answer into an [Outcome] that says what to do: keep (Delivered), delete the
// subscription (Gone), pause that push service (RetryAfter), shorten the
// payload (TooLarge), drop (Failed) or send again later (Retry).
//
// [NewSender] posts through net/http; [NewPipelinedSender] through the
// package's own HTTP/1.1 client (see [ClientConfig]), which writes the
// requests of many messages in one system call and needs about 40 % less CPU
// per message than net/http. [Sender.FanOut] sends one alert to many
// subscriptions, grouped by push service, and with a [Limiter] pauses a
// push service that answered 429 until its Retry-After while the others go on.
//
// Cost: every message gets a fresh ephemeral ECDH key pair and a fresh
// random salt, as RFC 8291 requires; keys are never reused. Generating the
// key pair (a fixed-base P-256 scalar multiplication) and the ECDH with the
// subscriber's key (a variable-base one) take most of a message's CPU and
// are its floor: generating keys ahead of time in another goroutine would
// move that work, not remove it. Sending therefore scales with cores and
// instances. BENCHMARKS.md and `vigie bench webpush` have figures.
package webpush
