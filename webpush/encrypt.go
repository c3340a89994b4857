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

	// key and salt, if set, replace the fresh ephemeral key and the random
	// salt. Only the RFC 8291 Appendix A test vector sets them: outside
	// tests both are always new for every message, as RFC 8291 requires.
	key  *ecdh.PrivateKey
	salt []byte
}

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
	pub   [P256dhLen]byte
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

// EncryptedLen is the length of the body Encrypt makes from n bytes of
// plaintext with the given padding.
func EncryptedLen(n, padding int) int { return headerLen + n + 1 + padding + tagLen }

// Encrypt encrypts plaintext for sub with the aes128gcm content coding of
// RFC 8188 as profiled by RFC 8291: one record, record size 4096, keyid =
// a fresh ephemeral P-256 public key, a fresh random 16-byte salt.
// The result is the complete HTTP body (86-byte header + ciphertext + tag).
func Encrypt(sub Subscription, plaintext []byte, opts EncryptOptions) ([]byte, error) {
	return AppendEncrypted(nil, sub, plaintext, opts)
}

// AppendEncrypted is [Encrypt] appending the body to dst, so that a sender
// can reuse one buffer for many messages.
//
// Every call generates a new ephemeral ECDH key pair and salt (RFC 8291
// Section 2): the pair is used once and dropped, so the compromise of one
// message's key exposes that message only. Generating keys ahead of time in
// another goroutine would move this cost, not remove it; the key generation
// (a fixed-base P-256 scalar multiplication) and the ECDH with the
// subscriber's key (a variable-base one) are the floor of every message.
func AppendEncrypted(dst []byte, sub Subscription, plaintext []byte, opts EncryptOptions) ([]byte, error) {
	if opts.Padding < 0 {
		return dst, errors.New("webpush: negative padding")
	}
	n := EncryptedLen(len(plaintext), opts.Padding)
	if n > MaxBodyLen {
		return dst, fmt.Errorf("%w: %d bytes of plaintext + %d padding give a %d-byte body, push services accept %d (at most %d bytes of plaintext)",
			ErrPayloadTooLarge, len(plaintext), opts.Padding, n, MaxBodyLen, MaxPlaintextLen)
	}
	if len(sub.Auth) != AuthLen {
		return dst, fmt.Errorf("webpush: subscription keys.auth: want %d bytes, got %d", AuthLen, len(sub.Auth))
	}
	if len(sub.P256dh) != P256dhLen {
		return dst, fmt.Errorf("webpush: subscription keys.p256dh: want %d bytes, got %d", P256dhLen, len(sub.P256dh))
	}
	uaPub, err := ecdh.P256().NewPublicKey(sub.P256dh)
	if err != nil {
		return dst, errors.New("webpush: subscription keys.p256dh: not a point on the P-256 curve")
	}

	eph := opts.key
	if eph == nil {
		eph, err = ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			return dst, fmt.Errorf("webpush: ephemeral key: %w", err)
		}
	}
	secret, err := eph.ECDH(uaPub)
	if err != nil {
		return dst, fmt.Errorf("webpush: ECDH: %w", err)
	}

	st := statePool.Get().(*encState)
	defer statePool.Put(st)
	asPub := append(st.pub[:0], eph.PublicKey().Bytes()...)

	salt := opts.salt
	if salt == nil {
		if _, err := rand.Read(st.salt[:]); err != nil {
			return dst, fmt.Errorf("webpush: salt: %w", err)
		}
		salt = st.salt[:]
	} else if len(salt) != saltLen {
		return dst, fmt.Errorf("webpush: salt must be %d bytes", saltLen)
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
	m.write(asPub)
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
		return dst, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return dst, err
	}

	start := len(dst)
	dst = grow(dst, n)
	out := dst[start:]
	copy(out, salt)
	binary.BigEndian.PutUint32(out[saltLen:], recordSize)
	out[saltLen+4] = P256dhLen
	copy(out[saltLen+5:], asPub)
	rec := out[headerLen : n-tagLen]
	copy(rec, plaintext)
	// The last (and only) record's delimiter, then zero padding: grow may
	// have handed back old bytes, so the padding is cleared explicitly.
	rec[len(plaintext)] = 0x02
	clear(rec[len(plaintext)+1:])
	gcm.Seal(rec[:0], nonce, rec, nil)
	return dst, nil
}

// grow extends b by n bytes, reusing its capacity when it can.
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b[:len(b)+n]
	}
	nb := make([]byte, len(b)+n, 2*cap(b)+n)
	copy(nb, b)
	return nb
}
