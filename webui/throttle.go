package webui

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// loginThrottle limits failed log-ins per client address (a token bucket
// of loginBurst attempts, one more every loginRefill), so that passwords
// cannot be guessed at speed. It deliberately does not lock accounts: an
// attacker who knows an operator's e-mail address must not be able to shut
// the crisis cell out on the night it is needed. A success clears the
// address. Addresses are the connection's (behind a proxy, all clients share
// the proxy's budget; the proxy should limit per client itself).
type loginThrottle struct {
	mu     sync.Mutex
	now    func() time.Time
	byAddr map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

const (
	loginBurst  = 10
	loginRefill = 30 * time.Second
	maxTracked  = 100_000 // addresses remembered at most; full buckets are dropped first
)

func newLoginThrottle(now func() time.Time) *loginThrottle {
	return &loginThrottle{now: now, byAddr: map[string]*bucket{}}
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// refill brings b up to date and reports whether it is full.
func (t *loginThrottle) refill(b *bucket, now time.Time) bool {
	b.tokens = min(loginBurst, b.tokens+float64(now.Sub(b.at))/float64(loginRefill))
	b.at = now
	return b.tokens >= loginBurst
}

// allow reports whether addr may try to log in now.
func (t *loginThrottle) allow(addr string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.byAddr[addr]
	if !ok {
		return true
	}
	t.refill(b, t.now())
	return b.tokens >= 1
}

// failed spends one attempt of addr.
func (t *loginThrottle) failed(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	b, ok := t.byAddr[addr]
	if !ok {
		if len(t.byAddr) >= maxTracked {
			for a, old := range t.byAddr {
				if t.refill(old, now) {
					delete(t.byAddr, a)
				}
			}
		}
		b = &bucket{tokens: loginBurst, at: now}
		t.byAddr[addr] = b
	}
	t.refill(b, now)
	b.tokens = max(0, b.tokens-1)
}

// succeeded forgets addr's failures.
func (t *loginThrottle) succeeded(addr string) {
	t.mu.Lock()
	delete(t.byAddr, addr)
	t.mu.Unlock()
}
