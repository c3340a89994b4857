package webpush

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rawServer is a push service written against the socket, to give the
// pipelined client answers net/http's server would not: it calls serve
// for each connection with the requests readable from br.
type rawServer struct {
	ln    net.Listener
	url   string
	conns atomic.Int64
	wg    sync.WaitGroup
}

func newRawServer(t *testing.T, serve func(c net.Conn, br *bufio.Reader)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, url: "http://" + ln.Addr().String()}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			s.wg.Go(func() {
				defer c.Close()
				serve(c, bufio.NewReader(c))
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

// readPush reads one request and checks it is a Web Push POST.
func readPush(br *bufio.Reader) (*http.Request, []byte, error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, nil, err
	}
	if req.Method != http.MethodPost || req.Header.Get("Content-Encoding") != "aes128gcm" || req.Header.Get("TTL") == "" ||
		req.ContentLength != int64(len(body)) {
		return nil, nil, fmt.Errorf("not a push request: %s %v %d", req.Method, req.Header, len(body))
	}
	return req, body, nil
}

func sendAll(s *Sender, subs []Subscription, msg func(i int) string) []Result {
	out := make([]Result, len(subs))
	var wg sync.WaitGroup
	for i := range subs {
		wg.Go(func() {
			out[i] = s.Send(context.Background(), subs[i], []byte(msg(i)), Options{TTL: time.Minute, Topic: "t1"})
		})
	}
	wg.Wait()
	return out
}

// TestPipelinedSenderPipelines checks that requests share a connection
// without waiting for each other's answers: the service reads all of them
// before it answers any, which only works if the client pipelines. It also
// decrypts every message and answers in the framings HTTP/1.1 allows.
func TestPipelinedSenderPipelines(t *testing.T) {
	const n = 6
	browsers := map[string]*browser{}
	var subs []Subscription
	for i := range n {
		br := newBrowser()
		path := fmt.Sprintf("/push/%d", i)
		browsers[path] = br
		subs = append(subs, br.subscription(path)) // endpoint filled in below
	}
	var bad atomic.Int64
	srv := newRawServer(t, func(c net.Conn, r *bufio.Reader) {
		var reqs []*http.Request
		for range n {
			req, body, err := readPush(r)
			if err != nil {
				bad.Add(1)
				return
			}
			if pt, err := browsers[req.URL.Path].decrypt(body); err != nil || !strings.HasPrefix(string(pt), "alert ") {
				bad.Add(1)
			}
			reqs = append(reqs, req)
		}
		for i := range reqs {
			switch i % 3 {
			case 0: // Content-Length
				fmt.Fprintf(c, "HTTP/1.1 201 Created\r\nLocation: /m/%d\r\nContent-Length: 2\r\n\r\nok", i)
			case 1: // an interim answer, then chunked
				fmt.Fprintf(c, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nlocation: /m/%d\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n", i)
			default: // no body
				fmt.Fprintf(c, "HTTP/1.1 204 No Content\r\nLOCATION: /m/%d\r\n\r\n", i)
			}
		}
		io.Copy(io.Discard, r)
	})
	for i := range subs {
		subs[i].Endpoint = srv.url + fmt.Sprintf("/push/%d", i)
	}
	vapid, _ := GenerateVAPID("mailto:ops@vigie.example")
	s := NewPipelinedSender(ClientConfig{ConnsPerOrigin: 1, Pipeline: 8}, vapid, nil)
	defer s.Close()
	for i, res := range sendAll(s, subs, func(i int) string { return fmt.Sprintf("alert %d", i) }) {
		if res.Outcome != Delivered || !strings.HasPrefix(res.Location, "/m/") {
			t.Errorf("message %d: %+v", i, res)
		}
	}
	if bad.Load() != 0 || srv.conns.Load() != 1 {
		t.Errorf("%d bad requests on %d connections, want 0 on 1", bad.Load(), srv.conns.Load())
	}
}

// TestPipelinedSenderConnectionClose: requests pipelined behind an answer
// that says "Connection: close" were not processed and are sent again on a
// new connection; an HTTP/1.0 answer without a length closes too.
func TestPipelinedSenderConnectionClose(t *testing.T) {
	var served, conns atomic.Int64
	srv := newRawServer(t, func(c net.Conn, r *bufio.Reader) {
		http10 := conns.Add(1)%2 == 0
		for i := range 3 {
			if _, _, err := readPush(r); err != nil {
				return
			}
			served.Add(1)
			switch {
			case i < 2:
				io.WriteString(c, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
			case http10:
				io.WriteString(c, "HTTP/1.0 201 Created\r\n\r\nbody until the end") // no length: the body ends with the connection
			default:
				io.WriteString(c, "HTTP/1.1 201 Created\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
			}
		}
	})
	subs := make([]Subscription, 12)
	for i := range subs {
		subs[i] = newBrowser().subscription(srv.url + "/p")
	}
	s := NewPipelinedSender(ClientConfig{ConnsPerOrigin: 1, Pipeline: 4}, nil, nil)
	defer s.Close()
	for i, res := range sendAll(s, subs, func(int) string { return "x" }) {
		if res.Outcome != Delivered {
			t.Errorf("message %d: %+v", i, res)
		}
	}
	if served.Load() != int64(len(subs)) {
		t.Errorf("served %d, want %d", served.Load(), len(subs))
	}
}

// TestPipelinedSenderBrokenService: a service that closes without
// answering, answers garbage or does not answer at all gives Retry; the
// client does not hang and opens a new connection for the next message.
func TestPipelinedSenderBrokenService(t *testing.T) {
	cases := map[string]func(c net.Conn, r *bufio.Reader){
		"close":   func(c net.Conn, r *bufio.Reader) { readPush(r) },
		"garbage": func(c net.Conn, r *bufio.Reader) { readPush(r); io.WriteString(c, "HTTP/9 what\r\n\r\n") },
		"bad length": func(c net.Conn, r *bufio.Reader) {
			readPush(r)
			io.WriteString(c, "HTTP/1.1 201 Created\r\nContent-Length: -1\r\n\r\n")
		},
		"silent": func(c net.Conn, r *bufio.Reader) { readPush(r); io.Copy(io.Discard, r) },
		"huge header": func(c net.Conn, r *bufio.Reader) {
			readPush(r)
			io.WriteString(c, "HTTP/1.1 201 Created\r\nX: "+strings.Repeat("a", 70<<10)+"\r\n\r\n")
		},
	}
	for name, serve := range cases {
		t.Run(name, func(t *testing.T) {
			srv := newRawServer(t, serve)
			s := NewPipelinedSender(ClientConfig{Timeout: 300 * time.Millisecond}, nil, nil)
			defer s.Close()
			for i := range 2 {
				res := s.Send(context.Background(), newBrowser().subscription(srv.url+"/p"), []byte("x"), Options{})
				if res.Outcome != Retry || res.Err == nil {
					t.Fatalf("send %d: %+v", i, res)
				}
			}
			if srv.conns.Load() != 2 {
				t.Errorf("%d connections for 2 messages on broken ones", srv.conns.Load())
			}
		})
	}
}

// TestPipelinedSenderCancel: a message whose context ends while it waits
// for its answer ends with Retry, and the connection stays usable.
func TestPipelinedSenderCancel(t *testing.T) {
	release := make(chan struct{})
	srv := newRawServer(t, func(c net.Conn, r *bufio.Reader) {
		for i := 0; ; i++ {
			if _, _, err := readPush(r); err != nil {
				return
			}
			if i == 0 {
				<-release
			}
			io.WriteString(c, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
		}
	})
	s := NewPipelinedSender(ClientConfig{ConnsPerOrigin: 1}, nil, nil)
	defer s.Close()
	sub := newBrowser().subscription(srv.url + "/p")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan Result)
	go func() { done <- s.Send(ctx, sub, []byte("x"), Options{}) }()
	cancel()
	if res := <-done; res.Outcome != Retry {
		t.Fatalf("cancelled: %+v", res)
	}
	close(release)
	if res := s.Send(context.Background(), sub, []byte("y"), Options{}); res.Outcome != Delivered {
		t.Fatalf("after the cancelled one: %+v", res)
	}
	if srv.conns.Load() != 1 {
		t.Errorf("%d connections, want 1", srv.conns.Load())
	}
}

// TestPipelinedSenderTLS sends over TLS, as to a real push service.
func TestPipelinedSenderTLS(t *testing.T) {
	ps := newPushService(t, time.Now)
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(ps.handle))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted handshake below is expected
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	ps.srv = tlsSrv // VAPID aud and Location use this server's URL
	vapid, _ := GenerateVAPID("mailto:ops@vigie.example")
	tc := tlsSrv.Client().Transport.(*http.Transport).TLSClientConfig
	s := NewPipelinedSender(ClientConfig{TLSConfig: tc}, vapid, nil)
	defer s.Close()
	sub, _ := ps.subscribe("/push/tls")
	if res := s.Send(context.Background(), sub, []byte("over TLS"), Options{TTL: time.Minute}); res.Outcome != Delivered {
		t.Fatalf("%+v", res)
	}
	if r := ps.got[len(ps.got)-1]; r.err != nil || r.plaintext != "over TLS" {
		t.Fatalf("service got %q, %v", r.plaintext, r.err)
	}
	// Without the test CA the handshake fails: Retry, not Delivered.
	s2 := NewPipelinedSender(ClientConfig{TLSConfig: &tls.Config{}}, vapid, nil)
	defer s2.Close()
	if res := s2.Send(context.Background(), sub, []byte("x"), Options{}); res.Outcome != Retry {
		t.Fatalf("untrusted certificate: %+v", res)
	}
}

func TestPipelinedSenderRefusesBadEndpoints(t *testing.T) {
	s := NewPipelinedSender(ClientConfig{}, nil, nil)
	defer s.Close()
	br := newBrowser()
	for _, ep := range []string{
		"ftp://push.example/x",
		"https://user:pw@push.example/x",
		"https://push.example/a b",
		"https://push.example/a\r\nX-Injected: 1",
		"https://push.example/é",
	} {
		if res := s.Send(context.Background(), br.subscription(ep), []byte("x"), Options{}); res.Outcome != Failed {
			t.Errorf("%q: %+v", ep, res)
		}
	}
	for in, want := range map[string]string{"": "/", "?a=1": "/?a=1", "/p#frag": "/p", "/p?q": "/p?q"} {
		if got, err := requestTarget(in); err != nil || got != want {
			t.Errorf("requestTarget(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	s.Close()
	if res := s.Send(context.Background(), br.subscription("https://push.example/x"), []byte("x"), Options{}); res.Outcome == Delivered {
		t.Errorf("closed sender delivered: %+v", res)
	}
}

// TestPipelinedSenderForgetsOrigins: endpoints come from users, so the
// client forgets push services it has no connection to once it knows too
// many, and a send to a forgotten one still works.
func TestPipelinedSenderForgetsOrigins(t *testing.T) {
	srv := newRawServer(t, func(c net.Conn, r *bufio.Reader) {
		for {
			if _, _, err := readPush(r); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
		}
	})
	s := NewPipelinedSender(ClientConfig{}, nil, nil)
	defer s.Close()
	first, err := s.pipe.pool(srv.url)
	if err != nil {
		t.Fatal(err)
	}
	for i := range maxPools + 10 {
		if _, err := s.pipe.pool(fmt.Sprintf("https://p%d.push.example", i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.pipe.pools); n > maxPools {
		t.Fatalf("%d origins remembered", n)
	}
	if !first.retired {
		t.Fatal("an unused origin was not forgotten")
	}
	if _, err := first.acquire(context.Background()); err != errRetired {
		t.Fatalf("acquire on a forgotten origin: %v", err)
	}
	if res := s.Send(context.Background(), newBrowser().subscription(srv.url+"/p"), []byte("x"), Options{}); res.Outcome != Delivered {
		t.Fatalf("send to a forgotten origin: %+v", res)
	}
}
