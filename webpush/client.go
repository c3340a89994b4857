package webpush

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ClientConfig configures the HTTP/1.1 client of [NewPipelinedSender].
//
// Why a client of its own: a push message is one small POST whose answer is
// a status line and a few headers. With net/http every message costs a
// write and a read system call and several goroutine hand-offs, as much CPU
// as the P-256 arithmetic the message cannot do without. This client keeps
// a few connections per push service (origin), lets up to Pipeline requests
// be in flight on each (HTTP/1.1 pipelining, RFC 9112 Section 9.3.2), writes
// the requests that queued up meanwhile in one system call and reads the
// answers in order. Push services that speak HTTP/2 multiplex the same way;
// on HTTP/1.1 they answer pipelined requests in order.
//
// Pipelining and retries: when a push service announces "Connection: close",
// the requests pipelined behind that answer were not processed (RFC 9112
// Section 9.6) and are sent again on a new connection. When a connection
// breaks otherwise, the requests without an answer end with Retry, as with
// any HTTP client: the service may or may not have accepted them.
type ClientConfig struct {
	// ConnsPerOrigin is the most connections to one push service (default 4).
	ConnsPerOrigin int
	// Pipeline is the most requests in flight on one connection (default
	// 16; 1 waits for each answer before writing the next request).
	Pipeline int
	// Timeout bounds connecting (TCP and TLS) and the wait for the next
	// answer on a connection with requests in flight (default 30 s); when it
	// passes, the connection is closed and its messages end with Retry.
	Timeout time.Duration
	// IdleTimeout closes connections without requests for that long
	// (default 60 s).
	IdleTimeout time.Duration
	// WriteDelay is how long a request may wait for others to share its
	// write system call, unless the connection's pipeline is full first
	// (default 1 ms; negative: write each request at once). Without it each
	// request goes out alone, since encrypting the next one takes longer
	// than writing this one; with it a system call carries several.
	WriteDelay time.Duration
	// TLSConfig is used for https endpoints (nil: system roots). Its
	// NextProtos is replaced by http/1.1.
	TLSConfig *tls.Config
	// DialContext opens TCP connections (nil: a net.Dialer).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

const (
	// maxHeadLen bounds a response's status line and headers.
	maxHeadLen = 64 << 10
	// maxPools bounds the per-origin state kept for origins without
	// connections (endpoints come from users).
	maxPools = 1024
	// maxUnprocessedRetries is how often a request a push service did not
	// process (it closed the connection first) is written again.
	maxUnprocessedRetries = 8
	// maxBatch is the size of write buffer that is written without
	// waiting for WriteDelay.
	maxBatch = 64 << 10
)

func (c *ClientConfig) defaults() {
	if c.ConnsPerOrigin <= 0 {
		c.ConnsPerOrigin = 4
	}
	if c.Pipeline <= 0 {
		c.Pipeline = 16
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 60 * time.Second
	}
	if c.WriteDelay == 0 {
		c.WriteDelay = time.Millisecond
	}
	if c.DialContext == nil {
		c.DialContext = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
	}
}

var (
	errClientClosed = errors.New("webpush: sender closed")
	// errUnprocessed marks requests the push service provably did not
	// process, safe to write again.
	errUnprocessed = errors.New("webpush: the push service closed the connection before reading the request")
	errRetired     = errors.New("webpush: connection pool retired")
)

type pipeClient struct {
	cfg  ClientConfig
	stop chan struct{}

	mu     sync.RWMutex
	pools  map[string]*originPool // key: originPrefix of the endpoint
	closed bool
}

func newPipeClient(cfg ClientConfig) *pipeClient {
	cfg.defaults()
	pc := &pipeClient{cfg: cfg, stop: make(chan struct{}), pools: map[string]*originPool{}}
	go pc.watch()
	return pc
}

// pool returns the connection pool of the origin whose endpoint prefix
// ("scheme://authority") is prefix.
func (pc *pipeClient) pool(prefix string) (*originPool, error) {
	pc.mu.RLock()
	p, ok := pc.pools[prefix]
	closed := pc.closed
	pc.mu.RUnlock()
	if ok {
		return p, nil
	}
	if closed {
		return nil, errClientClosed
	}
	p, err := newOriginPool(pc, prefix)
	if err != nil {
		return nil, err
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.closed {
		return nil, errClientClosed
	}
	if q, ok := pc.pools[prefix]; ok {
		return q, nil
	}
	if len(pc.pools) >= maxPools {
		for k, q := range pc.pools {
			if q.retire() {
				delete(pc.pools, k)
			}
		}
	}
	pc.pools[strings.Clone(prefix)] = p
	return p, nil
}

func (pc *pipeClient) close() {
	pc.mu.Lock()
	if pc.closed {
		pc.mu.Unlock()
		return
	}
	pc.closed = true
	close(pc.stop)
	pools := pc.pools
	pc.pools = map[string]*originPool{}
	pc.mu.Unlock()
	for _, p := range pools {
		p.close()
	}
}

// watch closes connections whose push service stopped answering (Timeout)
// and connections left idle (IdleTimeout). One goroutine for the client
// keeps timers off the per-message path.
func (pc *pipeClient) watch() {
	tick := min(pc.cfg.Timeout, pc.cfg.IdleTimeout) / 4
	tick = min(max(tick, 10*time.Millisecond), time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	var conns []*pconn
	for {
		select {
		case <-pc.stop:
			return
		case <-t.C:
		}
		conns = conns[:0]
		pc.mu.RLock()
		for _, p := range pc.pools {
			p.mu.Lock()
			conns = append(conns, p.conns...)
			p.mu.Unlock()
		}
		pc.mu.RUnlock()
		now := time.Now().UnixNano()
		for _, c := range conns {
			c.check(now)
		}
		clear(conns)
	}
}

// post writes one request and waits for its answer.
func (pc *pipeClient) post(ctx context.Context, s *Sender, endpoint, auth string, body []byte, opts *Options) Result {
	prefix := originPrefix(endpoint)
	p, err := pc.pool(prefix)
	if err != nil {
		return Result{Outcome: Failed, Err: err}
	}
	target, err := requestTarget(endpoint[len(prefix):])
	if err != nil {
		return Result{Outcome: Failed, Err: err}
	}
	for try := 0; ; try++ {
		c, err := p.acquire(ctx)
		if errors.Is(err, errRetired) && try < maxUnprocessedRetries {
			if p, err = pc.pool(prefix); err != nil {
				return Result{Outcome: Failed, Err: err}
			}
			continue
		}
		if err != nil {
			return Result{Outcome: Retry, Err: fmt.Errorf("webpush: post: %w", err)}
		}
		w := getWaiter()
		if err := c.enqueue(w, target, auth, body, opts); err != nil {
			p.release(c)
			putWaiter(w)
			if errors.Is(err, errUnprocessed) && try < maxUnprocessedRetries {
				continue
			}
			return Result{Outcome: Retry, Err: fmt.Errorf("webpush: post: %w", err)}
		}
		select {
		case <-w.done:
		case <-ctx.Done():
			// The request stays in the pipeline; its answer is read and
			// dropped. The waiter is not reused since the reader will
			// still write to it.
			return Result{Outcome: Retry, Err: fmt.Errorf("webpush: post: %w (the push service may still accept the message)", ctx.Err())}
		}
		if w.err != nil {
			err := w.err
			putWaiter(w)
			if errors.Is(err, errUnprocessed) && try < maxUnprocessedRetries {
				continue
			}
			return Result{Outcome: Retry, Err: fmt.Errorf("webpush: post: %w", err)}
		}
		res := s.classify(w.status, w.reason, w.retryAfter, w.location, w.snippet)
		putWaiter(w)
		return res
	}
}

// requestTarget turns the part of an endpoint after its origin into an
// HTTP/1.1 origin-form request target, refusing what could break the
// request line (endpoints come from browsers, that is from users).
func requestTarget(rest string) (string, error) {
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; c <= ' ' || c >= 0x7f {
			return "", fmt.Errorf("webpush: endpoint path: byte 0x%02x not allowed in a request line", c)
		}
	}
	switch {
	case rest == "":
		return "/", nil
	case rest[0] == '?':
		return "/" + rest, nil
	case rest[0] != '/':
		return "", fmt.Errorf("webpush: endpoint path %q does not start with /", rest)
	}
	return rest, nil
}

// waiter is one request waiting for its answer.
type waiter struct {
	done       chan struct{} // receives once the fields below are set
	status     int
	reason     string // status line ("404 Not Found"), kept for error answers
	retryAfter string
	location   string
	snippet    []byte // start of an error answer's body
	err        error  // the connection ended before the answer
}

var waiterPool = sync.Pool{New: func() any { return &waiter{done: make(chan struct{}, 1)} }}

func getWaiter() *waiter { return waiterPool.Get().(*waiter) }

func putWaiter(w *waiter) {
	*w = waiter{done: w.done, snippet: w.snippet[:0]}
	waiterPool.Put(w)
}

// originPool holds the connections to one push service.
type originPool struct {
	pc         *pipeClient
	addr       string // host:port to dial
	host       string // Host header
	serverName string // TLS server name; "" for http
	sem        chan struct{}

	mu      sync.Mutex
	conns   []*pconn
	dialing int
	waiting int
	changed chan struct{} // closed when conns change or a slot frees for a waiter
	closed  bool
	retired bool // dropped from the client's map: look the origin up again
}

func newOriginPool(pc *pipeClient, prefix string) (*originPool, error) {
	u, err := url.Parse(prefix)
	if err != nil {
		return nil, fmt.Errorf("webpush: endpoint: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" {
		return nil, fmt.Errorf("webpush: endpoint: want an absolute https URL, got one starting %q", prefix)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	p := &originPool{pc: pc, addr: net.JoinHostPort(host, port), host: u.Host,
		sem: make(chan struct{}, pc.cfg.ConnsPerOrigin*pc.cfg.Pipeline), changed: make(chan struct{})}
	if u.Scheme == "https" {
		p.serverName = host
	}
	return p, nil
}

// acquire reserves a place in the pipeline of a connection, opening one if
// all are full and fewer than ConnsPerOrigin are open. It fills existing
// connections first: the more requests share a connection, the more share
// each system call.
func (p *originPool) acquire(ctx context.Context) (*pconn, error) {
	select {
	case p.sem <- struct{}{}:
	default:
		select {
		case p.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	depth, most := p.pc.cfg.Pipeline, p.pc.cfg.ConnsPerOrigin
	for {
		p.mu.Lock()
		if p.closed || p.retired {
			err := errClientClosed
			if p.retired {
				err = errRetired
			}
			p.mu.Unlock()
			<-p.sem
			return nil, err
		}
		var best *pconn
		for _, c := range p.conns {
			if c.inflight < depth && (best == nil || c.inflight < best.inflight) {
				best = c
			}
		}
		if best != nil {
			best.inflight++
			p.mu.Unlock()
			return best, nil
		}
		if len(p.conns)+p.dialing < most {
			p.dialing++
			p.mu.Unlock()
			c, err := p.dial(ctx)
			p.mu.Lock()
			p.dialing--
			p.notify()
			if err == nil && p.closed {
				p.mu.Unlock()
				c.fail(errClientClosed)
				<-p.sem
				return nil, errClientClosed
			}
			if err != nil {
				p.mu.Unlock()
				<-p.sem
				return nil, err
			}
			c.inflight++
			p.conns = append(p.conns, c)
			p.mu.Unlock()
			return c, nil
		}
		// Connections are being opened: wait for one, or for a free place.
		ch := p.changed
		p.waiting++
		p.mu.Unlock()
		select {
		case <-ch:
			p.mu.Lock()
			p.waiting--
			p.mu.Unlock()
		case <-ctx.Done():
			p.mu.Lock()
			p.waiting--
			p.mu.Unlock()
			<-p.sem
			return nil, ctx.Err()
		}
	}
}

// notify wakes the callers waiting in acquire; p.mu must be held.
func (p *originPool) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// release frees the place acquire reserved on c.
func (p *originPool) release(c *pconn) {
	p.mu.Lock()
	c.inflight--
	if p.waiting > 0 {
		p.notify()
	}
	p.mu.Unlock()
	<-p.sem
}

func (p *originPool) remove(c *pconn) {
	p.mu.Lock()
	if i := slices.Index(p.conns, c); i >= 0 {
		p.conns = slices.Delete(p.conns, i, i+1)
	}
	p.notify()
	p.mu.Unlock()
}

// retire marks the pool unusable if it has no connections and nobody is
// using it, so that the client can forget it; a caller that got it just
// before looks the origin up again.
func (p *originPool) retire() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.conns) == 0 && p.dialing == 0 && p.waiting == 0 && len(p.sem) == 0 {
		p.retired = true
	}
	return p.retired
}

func (p *originPool) close() {
	p.mu.Lock()
	p.closed = true
	conns := append([]*pconn(nil), p.conns...)
	p.notify()
	p.mu.Unlock()
	for _, c := range conns {
		c.fail(errClientClosed)
	}
}

func (p *originPool) dial(ctx context.Context) (*pconn, error) {
	cfg := &p.pc.cfg
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	nc, err := cfg.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return nil, err
	}
	if p.serverName != "" {
		var tc *tls.Config
		if cfg.TLSConfig != nil {
			tc = cfg.TLSConfig.Clone()
		} else {
			tc = &tls.Config{}
		}
		if tc.ServerName == "" {
			tc.ServerName = p.serverName
		}
		tc.NextProtos = []string{"http/1.1"}
		tlsConn := tls.Client(nc, tc)
		if err := tlsConn.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, err
		}
		nc = tlsConn
	}
	c := &pconn{pool: p, nc: nc, br: bufio.NewReaderSize(nc, 32<<10), kick: make(chan struct{}, 1),
		full: make(chan struct{}, 1), closed: make(chan struct{}), queue: make([]*waiter, cfg.Pipeline)}
	c.lastProgress.Store(time.Now().UnixNano())
	go c.writeLoop()
	go c.readLoop()
	return c, nil
}

// pconn is one connection with its pipeline of requests.
type pconn struct {
	pool *originPool
	nc   net.Conn
	br   *bufio.Reader // read by readLoop only

	inflight int // places reserved by acquire; guarded by pool.mu

	// lastProgress is when the connection last got an answer or, with
	// nothing in flight before, a request (UnixNano).
	lastProgress atomic.Int64

	wmu   sync.Mutex
	wbuf  []byte    // requests not yet written
	queue []*waiter // ring of requests written or to write, oldest first
	head  int
	n     int
	// unwritten counts the newest requests of the queue still in wbuf:
	// if the connection ends, the service never saw them.
	unwritten int
	dead      error
	kick      chan struct{} // wakes writeLoop
	full      chan struct{} // tells writeLoop the pipeline is full: write now
	closed    chan struct{}

	spare []byte // writeLoop's other buffer
}

// enqueue appends a request to the write buffer and its waiter to the
// pipeline, in the same order.
func (c *pconn) enqueue(w *waiter, target, auth string, body []byte, opts *Options) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.dead != nil {
		// Nothing of this request was written: it can go on another
		// connection.
		if errors.Is(c.dead, errUnprocessed) {
			return c.dead
		}
		return fmt.Errorf("%w (%v)", errUnprocessed, c.dead)
	}
	b := c.wbuf
	wake := len(b) == 0
	b = append(b, "POST "...)
	b = append(b, target...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, c.pool.host...)
	b = append(b, "\r\nContent-Type: application/octet-stream\r\nContent-Encoding: aes128gcm\r\nTTL: "...)
	b = strconv.AppendInt(b, int64(opts.TTL/time.Second), 10)
	if opts.Urgency != "" {
		b = append(b, "\r\nUrgency: "...)
		b = append(b, opts.Urgency...)
	}
	if opts.Topic != "" {
		b = append(b, "\r\nTopic: "...)
		b = append(b, opts.Topic...)
	}
	if auth != "" {
		b = append(b, "\r\nAuthorization: "...)
		b = append(b, auth...)
	}
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	c.wbuf = b
	if c.n == 0 {
		c.lastProgress.Store(time.Now().UnixNano())
	}
	c.queue[(c.head+c.n)%len(c.queue)] = w
	c.n++
	c.unwritten++
	if wake {
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
	if c.n == len(c.queue) || len(b) >= maxBatch {
		select {
		case c.full <- struct{}{}:
		default:
		}
	}
	return nil
}

// writeLoop writes what enqueue buffered. While one write is in the kernel
// the next requests gather in the other buffer, so under load one system
// call carries many requests.
func (c *pconn) writeLoop() {
	delay := c.pool.pc.cfg.WriteDelay
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-c.kick:
		case <-c.closed:
			return
		}
		if delay > 0 {
			c.wmu.Lock()
			ready := c.n == len(c.queue) || len(c.wbuf) >= maxBatch
			c.wmu.Unlock()
			if !ready {
				timer.Reset(delay)
				select {
				case <-timer.C:
				case <-c.full:
					timer.Stop()
				case <-c.closed:
					return
				}
			}
			select { // a signal about what is written now is stale
			case <-c.full:
			default:
			}
		}
		c.wmu.Lock()
		buf := c.wbuf
		c.wbuf = c.spare[:0]
		c.unwritten = 0
		c.wmu.Unlock()
		if len(buf) == 0 {
			c.spare = buf
			continue
		}
		if _, err := c.nc.Write(buf); err != nil {
			c.fail(fmt.Errorf("webpush: write: %w", err))
			return
		}
		c.spare = buf[:0]
	}
}

// response is the part of an answer the sender needs.
type response struct {
	status     int
	reason     []byte
	retryAfter []byte
	location   []byte
	close      bool
	bodyLen    int64 // length, or bodyNone, bodyChunked, bodyToClose
}

// readLoop reads answers in order and hands each to the oldest waiter.
func (c *pconn) readLoop() {
	var r response
	for {
		err := c.readHead(&r)
		if err != nil {
			c.readFailed(err)
			return
		}
		c.wmu.Lock()
		if c.n == 0 {
			c.wmu.Unlock()
			c.fail(errors.New("webpush: push service sent an answer nobody asked for"))
			return
		}
		w := c.queue[c.head]
		c.queue[c.head] = nil
		c.head = (c.head + 1) % len(c.queue)
		c.n--
		c.wmu.Unlock()
		c.lastProgress.Store(time.Now().UnixNano())

		w.status = r.status
		ok := r.status >= 200 && r.status < 300
		if !ok {
			w.reason = string(r.reason)
		}
		if len(r.retryAfter) > 0 {
			w.retryAfter = string(r.retryAfter)
		}
		if len(r.location) > 0 {
			w.location = string(r.location)
		}
		closeAfter, err := c.readBody(&r, w, ok)
		c.pool.release(c)
		w.done <- struct{}{}
		if err != nil {
			c.fail(err)
			return
		}
		if closeAfter {
			// The requests behind this answer were not processed.
			c.fail(errUnprocessed)
			return
		}
	}
}

// readFailed ends the connection after a read error: quietly for an idle
// connection the service closed, as a lost answer otherwise.
func (c *pconn) readFailed(err error) {
	if errors.Is(err, io.EOF) {
		err = errors.New("webpush: push service closed the connection before answering")
	} else {
		err = fmt.Errorf("webpush: read answer: %w", err)
	}
	c.fail(err)
}

// line reads one header line without its CRLF.
func (c *pconn) line(budget *int) ([]byte, error) {
	l, err := c.br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errors.New("webpush: answer header line too long")
		}
		if errors.Is(err, io.EOF) && len(l) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	*budget -= len(l)
	if *budget < 0 {
		return nil, errors.New("webpush: answer header too long")
	}
	l = l[:len(l)-1]
	if n := len(l); n > 0 && l[n-1] == '\r' {
		l = l[:n-1]
	}
	return l, nil
}

// Lower-case header names the client reads.
var (
	hContentLength    = []byte("content-length")
	hTransferEncoding = []byte("transfer-encoding")
	hConnection       = []byte("connection")
	hRetryAfter       = []byte("retry-after")
	hLocation         = []byte("location")
)

// bodyKind says how an answer's body is delimited.
const (
	bodyNone    = -1
	bodyChunked = -2
	bodyToClose = -3
)

// readHead reads a status line and headers (interim 1xx answers skipped) into
// r. r's slices stay valid until the next read: they are copied where kept.
func (c *pconn) readHead(r *response) error {
	for {
		budget := maxHeadLen
		l, err := c.line(&budget)
		if err != nil {
			return err
		}
		// HTTP/1.x SP 3DIGIT SP reason
		if len(l) < 12 || !bytes.HasPrefix(l, []byte("HTTP/1.")) || l[8] != ' ' || (len(l) > 12 && l[12] != ' ') {
			return fmt.Errorf("webpush: malformed status line %q", truncate(l))
		}
		code := 0
		for _, d := range l[9:12] {
			if d < '0' || d > '9' {
				return fmt.Errorf("webpush: malformed status line %q", truncate(l))
			}
			code = code*10 + int(d-'0')
		}
		*r = response{status: code, reason: r.reason[:0], retryAfter: r.retryAfter[:0], location: r.location[:0]}
		r.reason = append(r.reason, l[9:]...)
		http10 := l[7] == '0'
		r.close = http10
		length := int64(-1)
		chunked := false
		for {
			l, err := c.line(&budget)
			if err != nil {
				return err
			}
			if len(l) == 0 {
				break
			}
			colon := bytes.IndexByte(l, ':')
			if colon <= 0 {
				if l[0] == ' ' || l[0] == '\t' {
					continue // obsolete line folding of a header we ignore
				}
				return fmt.Errorf("webpush: malformed header line %q", truncate(l))
			}
			name, val := l[:colon], bytes.TrimSpace(l[colon+1:])
			switch {
			case bytes.EqualFold(name, hContentLength):
				n, err := strconv.ParseInt(string(val), 10, 64)
				if err != nil || n < 0 || (length >= 0 && n != length) {
					return fmt.Errorf("webpush: bad Content-Length %q", truncate(val))
				}
				length = n
			case bytes.EqualFold(name, hTransferEncoding):
				if !bytes.EqualFold(lastToken(val), []byte("chunked")) {
					return fmt.Errorf("webpush: unsupported Transfer-Encoding %q", truncate(val))
				}
				chunked = true
			case bytes.EqualFold(name, hConnection):
				if hasToken(val, "close") {
					r.close = true
				} else if http10 && hasToken(val, "keep-alive") {
					r.close = false
				}
			case bytes.EqualFold(name, hRetryAfter):
				r.retryAfter = append(r.retryAfter, val...)
			case bytes.EqualFold(name, hLocation):
				r.location = append(r.location, val...)
			}
		}
		switch {
		case code == 101:
			return errors.New("webpush: push service switched protocols")
		case code >= 100 && code < 200:
			continue // interim answer: the final one follows
		case code == 204 || code == 304:
			r.status, length = code, bodyNone
		case chunked:
			length = bodyChunked
		case length < 0:
			length = bodyToClose
		}
		r.bodyLen = length
		return nil
	}
}

// readBody reads the body of the answer r, keeping the start of an error
// answer's body in w.snippet. It reports whether the connection must be
// closed after this answer.
func (c *pconn) readBody(r *response, w *waiter, ok bool) (closeAfter bool, err error) {
	keep := 0
	if !ok {
		keep = snippetLen
	}
	switch n := r.bodyLen; {
	case n == bodyNone:
	case n == bodyChunked:
		budget := maxHeadLen
		total := 0
		for {
			l, err := c.line(&budget)
			if err != nil {
				return true, err
			}
			if i := bytes.IndexByte(l, ';'); i >= 0 {
				l = l[:i]
			}
			size, err := strconv.ParseInt(string(bytes.TrimSpace(l)), 16, 64)
			if err != nil || size < 0 {
				return true, fmt.Errorf("webpush: bad chunk size %q", truncate(l))
			}
			if size == 0 {
				for { // trailers, then the empty line
					l, err := c.line(&budget)
					if err != nil {
						return true, err
					}
					if len(l) == 0 {
						break
					}
				}
				break
			}
			total += int(size)
			if total > maxDrain {
				return true, errors.New("webpush: answer body too long")
			}
			if err := c.body(size, w, &keep); err != nil {
				return true, err
			}
			if l, err := c.line(&budget); err != nil || len(l) != 0 {
				return true, fmt.Errorf("webpush: chunk not followed by CRLF (%v)", err)
			}
		}
	case n == bodyToClose:
		for {
			b, err := c.br.Peek(1)
			if len(b) == 0 {
				if errors.Is(err, io.EOF) {
					return true, nil
				}
				return true, err
			}
			if err := c.body(int64(c.br.Buffered()), w, &keep); err != nil {
				return true, err
			}
		}
	case n > maxDrain:
		return true, errors.New("webpush: answer body too long")
	default:
		if err := c.body(n, w, &keep); err != nil {
			return true, err
		}
	}
	return r.close, nil
}

// body consumes n bytes of body, appending up to *keep of them to w.snippet.
func (c *pconn) body(n int64, w *waiter, keep *int) error {
	if k := min(int64(*keep), n); k > 0 {
		start := len(w.snippet)
		w.snippet = append(w.snippet, make([]byte, k)...)
		if _, err := io.ReadFull(c.br, w.snippet[start:]); err != nil {
			return err
		}
		*keep -= int(k)
		n -= k
	}
	_, err := c.br.Discard(int(n))
	return err
}

// fail closes the connection; every request without an answer ends with err.
func (c *pconn) fail(err error) {
	// Out of the pool first, so that acquire hands c to nobody else while
	// it dies.
	c.pool.remove(c)
	c.wmu.Lock()
	if c.dead != nil {
		c.wmu.Unlock()
		return
	}
	c.dead = err
	var lost []*waiter
	for ; c.n > 0; c.n-- {
		lost = append(lost, c.queue[c.head])
		c.queue[c.head] = nil
		c.head = (c.head + 1) % len(c.queue)
	}
	unwritten := c.unwritten
	close(c.closed)
	c.wmu.Unlock()
	c.nc.Close()
	for i, w := range lost {
		w.err = err
		if i >= len(lost)-unwritten {
			w.err = errUnprocessed
		}
		c.pool.release(c)
		w.done <- struct{}{}
	}
}

// check is the watchdog's look at the connection at time now (UnixNano).
func (c *pconn) check(now int64) {
	c.wmu.Lock()
	busy := c.n > 0
	c.wmu.Unlock()
	idle := time.Duration(now - c.lastProgress.Load())
	cfg := &c.pool.pc.cfg
	switch {
	case busy && idle > cfg.Timeout:
		c.fail(fmt.Errorf("webpush: no answer from the push service within %v", cfg.Timeout))
	case !busy && idle > cfg.IdleTimeout:
		c.fail(errors.New("webpush: idle connection closed"))
	}
}

func truncate(b []byte) string {
	if len(b) > 80 {
		b = b[:80]
	}
	return string(b)
}

// lastToken returns the last comma-separated element of a header value.
func lastToken(v []byte) []byte {
	if i := bytes.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return bytes.TrimSpace(v)
}

// hasToken reports whether a comma-separated header value contains tok,
// ignoring case.
func hasToken(v []byte, tok string) bool {
	for len(v) > 0 {
		var t []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			t, v = v[:i], v[i+1:]
		} else {
			t, v = v, nil
		}
		if bytes.EqualFold(bytes.TrimSpace(t), []byte(tok)) {
			return true
		}
	}
	return false
}
