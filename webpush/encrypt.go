package webpush

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"sync"
	"time"
)

// Sizes of the aes128gcm body (RFC 8188 Section 2.1, RFC 8291 Section 4).
const (
	saltLen    = 16
	headerLen  = saltLen + 4 + 1 + P256dhLen // salt || rs || idlen || keyid = 86
	tagLen     = 16
	recordSize = 4096

	// MaxBodyLen is the largest encrypted body push services must accept
	// (RFC 8030 Section 7.2: at least 4096 octets of payload).
	MaxBodyLen = 4096
	// MaxPlaintextLen is the largest plaintext that fits in MaxBodyLen with
	// no extra padding: 4096 - 86 (header) - 16 (tag) - 1 (delimiter) = 3993.
	MaxPlaintextLen = MaxBodyLen - headerLen - tagLen - 1
)

// ErrPayloadTooLarge is returned when plaintext plus padding would make the
// encrypted body exceed MaxBodyLen.
var ErrPayloadTooLarge = errors.New("webpush: payload too large")

// EncryptOptions tune the encryption of one message.
type EncryptOptions struct {
	// Padding is the number of zero octets added after the 0x02 delimiter,
	// to hide the plaintext length. Total body stays ≤ MaxBodyLen.
	Padding int

	// Ephemeral, if non-nil, is used as the application-server ECDH key
	// instead of a fresh key per message. See EphemeralKey.
	Ephemeral *EphemeralKey

	// salt, if non-nil, replaces the random salt (tests: RFC 8291 vector).
	salt []byte
}

// EphemeralKey is an application-server ECDH P-256 key pair used as the
// "keyid" of aes128gcm (RFC 8291 Section 3.1).
//
// Reuse trade-off: RFC 8291 expects a new key pair per message, but its
// security only depends on the (key, salt) pair being unique: the salt is
// always fresh and random per message here, so the content encryption key
// and nonce are unique even when the ephemeral key is reused, and each
// recipient's shared secret differs because each has its own p256dh. What
// reuse costs is unlinkability and forward secrecy scope: the ephemeral
// public key travels in clear in the body, so a push service (or anyone who
// sees the bodies) can tell that messages carrying the same key came from
// the same batch; for one public crisis alert sent to everyone in an area
// that is already evident from timing and size. A compromise of the
// ephemeral private key while it is alive exposes every message encrypted
// under it, not just one; keep it in memory only, for one alert and a short
// window (minutes), then drop it. It saves one fixed-base scalar
// multiplication per message.
type EphemeralKey struct {
	priv *ecdh.PrivateKey
	pub  []byte // 65-byte uncompressed point
	// Created is when the key was generated, to enforce a short window.
	Created time.Time
}

// NewEphemeralKey generates an ephemeral key pair for reuse across the
// recipients of one alert (see the EphemeralKey trade-off).
func NewEphemeralKey() (*EphemeralKey, error) {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("webpush: ephemeral key: %w", err)
	}
	return &EphemeralKey{priv: priv, pub: priv.PublicKey().Bytes(), Created: time.Now()}, nil
}

// ephemeralFromBytes builds an EphemeralKey from a raw private scalar (tests).
func ephemeralFromBytes(d []byte) (*EphemeralKey, error) {
	priv, err := ecdh.P256().NewPrivateKey(d)
	if err != nil {
		return nil, err
	}
	return &EphemeralKey{priv: priv, pub: priv.PublicKey().Bytes()}, nil
}

// PublicKey returns the 65-byte uncompressed public key.
func (k *EphemeralKey) PublicKey() []byte { return append([]byte(nil), k.pub...) }

// hmacSHA256 is a reusable HMAC-SHA-256 for keys of at most 64 bytes, to avoid
// the allocations of crypto/hmac.New on the per-message path.
type hmacSHA256 struct {
	h     hash.Hash
	ipad  [64]byte
	opad  [64]byte
	inner [32]byte
}

func (m *hmacSHA256) reset(key []byte) {
	// All keys used here are 16 or 32 bytes (never above the block size).
	m.ipad = [64]byte{}
	copy(m.ipad[:], key)
	m.opad = m.ipad
	for i := range m.ipad {
		m.ipad[i] ^= 0x36
		m.opad[i] ^= 0x5c
	}
	m.h.Reset()
	m.h.Write(m.ipad[:])
}

func (m *hmacSHA256) write(p []byte) { m.h.Write(p) }

func (m *hmacSHA256) sum(dst []byte) []byte {
	inner := m.h.Sum(m.inner[:0])
	m.h.Reset()
	m.h.Write(m.opad[:])
	m.h.Write(inner)
	return m.h.Sum(dst)
}

// encState holds the per-goroutine scratch space of one encryption.
type encState struct {
	mac   hmacSHA256
	prk   [32]byte
	ikm   [32]byte
	okm   [32]byte
	key   [32]byte
	salt  [saltLen]byte
	info1 [1]byte
}

var statePool = sync.Pool{New: func() any {
	return &encState{mac: hmacSHA256{h: sha256.New()}, info1: [1]byte{1}}
}}

var (
	keyInfoLabel = []byte("WebPush: info\x00")
	cekInfo      = []byte("Content-Encoding: aes128gcm\x00\x01")
	nonceInfo    = []byte("Content-Encoding: nonce\x00\x01")
)

// Encrypt encrypts plaintext for sub with the aes128gcm content coding of
// RFC 8188 as profiled by RFC 8291: one record, record size 4096, keyid =
// the application server's ephemeral public key, a random 16-byte salt.
// The result is the complete HTTP body (86-byte header + ciphertext + tag).
func Encrypt(sub Subscription, plaintext []byte, opts EncryptOptions) ([]byte, error) {
	if opts.Padding < 0 {
		return nil, errors.New("webpush: negative padding")
	}
	n := headerLen + len(plaintext) + 1 + opts.Padding + tagLen
	if n > MaxBodyLen {
		return nil, fmt.Errorf("%w: %d bytes of plaintext + %d padding give a %d-byte body, push services accept %d (at most %d bytes of plaintext)",
			ErrPayloadTooLarge, len(plaintext), opts.Padding, n, MaxBodyLen, MaxPlaintextLen)
	}
	if len(sub.Auth) != AuthLen {
		return nil, fmt.Errorf("webpush: subscription keys.auth: want %d bytes, got %d", AuthLen, len(sub.Auth))
	}
	if len(sub.P256dh) != P256dhLen {
		return nil, fmt.Errorf("webpush: subscription keys.p256dh: want %d bytes, got %d", P256dhLen, len(sub.P256dh))
	}
	uaPub, err := ecdh.P256().NewPublicKey(sub.P256dh)
	if err != nil {
		return nil, errors.New("webpush: subscription keys.p256dh: not a point on the P-256 curve")
	}

	eph := opts.Ephemeral
	if eph == nil {
		priv, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("webpush: ephemeral key: %w", err)
		}
		eph = &EphemeralKey{priv: priv, pub: priv.PublicKey().Bytes()}
	}
	secret, err := eph.priv.ECDH(uaPub)
	if err != nil {
		return nil, fmt.Errorf("webpush: ECDH: %w", err)
	}

	st := statePool.Get().(*encState)
	defer statePool.Put(st)

	salt := opts.salt
	if salt == nil {
		if _, err := rand.Read(st.salt[:]); err != nil {
			return nil, fmt.Errorf("webpush: salt: %w", err)
		}
		salt = st.salt[:]
	} else if len(salt) != saltLen {
		return nil, fmt.Errorf("webpush: salt must be %d bytes", saltLen)
	}

	m := &st.mac
	// RFC 8291 Section 3.3/3.4:
	// PRK_key = HKDF-Extract(salt=auth_secret, IKM=ecdh_secret)
	m.reset(sub.Auth)
	m.write(secret)
	prkKey := m.sum(st.prk[:0])
	// IKM = HKDF-Expand(PRK_key, "WebPush: info" || 0x00 || ua_public || as_public, 32)
	m.reset(prkKey)
	m.write(keyInfoLabel)
	m.write(sub.P256dh)
	m.write(eph.pub)
	m.write(st.info1[:])
	ikm := m.sum(st.ikm[:0])
	// RFC 8188 Section 2.2/2.3: PRK = HKDF-Extract(salt, IKM)
	m.reset(salt)
	m.write(ikm)
	prk := m.sum(st.okm[:0])
	// CEK = HKDF-Expand(PRK, "Content-Encoding: aes128gcm" || 0x00, 16)
	m.reset(prk)
	m.write(cekInfo)
	cek := m.sum(st.key[:0])[:16]
	// NONCE = HKDF-Expand(PRK, "Content-Encoding: nonce" || 0x00, 12); sequence 0.
	m.reset(prk)
	m.write(nonceInfo)
	nonce := m.sum(st.ikm[:0])[:12] // ikm no longer needed

	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}

	out := make([]byte, n)
	copy(out, salt)
	binary.BigEndian.PutUint32(out[saltLen:], recordSize)
	out[saltLen+4] = P256dhLen
	copy(out[saltLen+5:], eph.pub)
	rec := out[headerLen : n-tagLen]
	copy(rec, plaintext)
	rec[len(plaintext)] = 0x02 // last (and only) record delimiter; the rest stays zero padding
	gcm.Seal(rec[:0], nonce, rec, nil)
	return out, nil
}
