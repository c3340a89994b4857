package webpush

// Benchmarks (not run by plain `go test`):
//
//	go test -run '^$' -bench . -benchtime 20000x ./webpush
//
// BenchmarkSend posts to a push service running in a separate process (this
// test binary re-executed with VIGIE_WEBPUSH_BENCH_SERVER=1) on 127.0.0.1, so
// the sender's own CPU can be measured apart from the push service's. The
// service answers 201 after reading the body and decrypts 1 message in 100 to
// prove correctness (the run fails if any sampled message does not decrypt).
//
// Metrics:
//   - msgs/s/core: messages per wall-clock second divided by runtime.NumCPU()
//     (sender and push service share the machine's cores).
//   - sender-µs/msg and sender-msgs/s/core: CPU time of the sending process
//     only (getrusage), the figure that matters when the push service is remote.
//   - service-µs/msg: CPU time of the push service process.

import (
	"bufio"
	"context"
	"crypto/ecdh"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	baseline "github.com/SherClockHolmes/webpush-go"
)

const (
	benchServerEnv = "VIGIE_WEBPUSH_BENCH_SERVER"
	benchSubs      = 256
)

func TestMain(m *testing.M) {
	if os.Getenv(benchServerEnv) == "1" {
		benchServe()
		return
	}
	code := m.Run()
	stopBenchServer()
	os.Exit(code)
}

// benchBrowser derives browser i's keys deterministically so both processes
// agree without exchanging them.
func benchBrowser(i int) *browser {
	d := sha256.Sum256([]byte("vigie-bench-ua-" + strconv.Itoa(i)))
	priv, err := ecdh.P256().NewPrivateKey(d[:])
	if err != nil {
		panic(err)
	}
	a := sha256.Sum256([]byte("vigie-bench-auth-" + strconv.Itoa(i)))
	return &browser{priv: priv, auth: a[:16]}
}

func benchServe() {
	browsers := make([]*browser, benchSubs)
	for i := range browsers {
		browsers[i] = benchBrowser(i)
	}
	var n, checked, bad atomic.Int64
	bufs := sync.Pool{New: func() any { b := make([]byte, 0, 8192); return &b }}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /push/{i}", func(w http.ResponseWriter, r *http.Request) {
		bp := bufs.Get().(*[]byte)
		buf := (*bp)[:0]
		for {
			if len(buf) == cap(buf) {
				buf = append(buf, 0)[:len(buf)]
			}
			k, err := r.Body.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+k]
			if err != nil {
				break
			}
		}
		if n.Add(1)%100 == 0 {
			checked.Add(1)
			i, _ := strconv.Atoi(r.PathValue("i"))
			if i < 0 || i >= benchSubs {
				bad.Add(1)
			} else if pt, err := browsers[i].decrypt(buf); err != nil || !strings.HasPrefix(string(pt), `{"alert"`) {
				bad.Add(1)
			}
		}
		*bp = buf
		bufs.Put(bp)
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d %d %d", n.Load(), checked.Load(), bad.Load())
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Println(ln.Addr().String())
	srv := &http.Server{Handler: mux, Protocols: new(http.Protocols)}
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	go srv.Serve(ln)
	io.Copy(io.Discard, os.Stdin) // exit when the parent closes stdin
	os.Exit(0)
}

var bench struct {
	once   sync.Once
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	base   string
	client *http.Client
	err    error
}

func startBenchServer() error {
	bench.once.Do(func() {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), benchServerEnv+"=1")
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			bench.err = err
			return
		}
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			bench.err = err
			return
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil {
			bench.err = fmt.Errorf("bench server: %v", err)
			return
		}
		bench.cmd, bench.stdin = cmd, stdin
		bench.base = "http://" + strings.TrimSpace(line)
		tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute}
		if os.Getenv("VIGIE_WEBPUSH_BENCH_H2C") == "1" {
			// HTTP/2 without TLS (prior knowledge), as real push services speak HTTP/2.
			tr.Protocols = new(http.Protocols)
			tr.Protocols.SetUnencryptedHTTP2(true)
		}
		bench.client = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	})
	return bench.err
}

func stopBenchServer() {
	if bench.cmd != nil {
		bench.stdin.Close()
		bench.cmd.Wait()
	}
}

func benchStats() (n, checked, bad int64) {
	resp, err := bench.client.Get(bench.base + "/stats")
	if err != nil {
		return -1, -1, -1
	}
	defer resp.Body.Close()
	fmt.Fscan(resp.Body, &n, &checked, &bad)
	return
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU reads utime+stime of another process from /proc (clock ticks, 100 Hz).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// benchPayload is a ~1.5 KB alert, the size used by the reference figures.
// Its capacity is its length: webpush-go appends its padding to the
// message it is given, which would otherwise write into this array from
// several goroutines.
var benchPayload = func() []byte {
	s := `{"alert":"urn:oid:2.49.0.0.250.0.2026.11.23.1","event":"Crue","severity":"Severe","text":"`
	s += strings.Repeat("Evacuez les zones basses. ", 55)
	b := []byte(s + `"}`)
	return b[:len(b):len(b)]
}()

type benchSub struct {
	sub Subscription
	bl  *baseline.Subscription
}

func benchSubscriptions(base string) []benchSub {
	out := make([]benchSub, benchSubs)
	for i := range out {
		br := benchBrowser(i)
		sub := br.subscription(base + "/push/" + strconv.Itoa(i))
		out[i] = benchSub{sub: sub, bl: &baseline.Subscription{
			Endpoint: sub.Endpoint,
			Keys: baseline.Keys{
				P256dh: base64.RawURLEncoding.EncodeToString(sub.P256dh),
				Auth:   base64.RawURLEncoding.EncodeToString(sub.Auth),
			},
		}}
	}
	return out
}

type sendFunc func(ctx context.Context, s benchSub) error

func BenchmarkSend(b *testing.B) {
	if err := startBenchServer(); err != nil {
		b.Fatal(err)
	}
	subs := benchSubscriptions(bench.base)
	vapid, err := GenerateVAPID("mailto:alerts@vigie.example")
	if err != nil {
		b.Fatal(err)
	}
	vapidPriv, _ := vapid.PrivateKey()
	sender := NewSender(bench.client, vapid, nil)
	pipelined := NewPipelinedSender(ClientConfig{}, vapid, nil)
	defer pipelined.Close()

	impls := []struct {
		name string
		mk   func() sendFunc
	}{
		{"vigie-nethttp", func() sendFunc {
			return func(ctx context.Context, s benchSub) error {
				res := sender.Send(ctx, s.sub, benchPayload, Options{TTL: time.Hour, Urgency: UrgencyHigh})
				if res.Outcome != Delivered {
					return res.Err
				}
				return nil
			}
		}},
		{"vigie-pipelined", func() sendFunc {
			return func(ctx context.Context, s benchSub) error {
				res := pipelined.Send(ctx, s.sub, benchPayload, Options{TTL: time.Hour, Urgency: UrgencyHigh})
				if res.Outcome != Delivered {
					return res.Err
				}
				return nil
			}
		}},
		{"baseline-webpush-go", func() sendFunc {
			opts := &baseline.Options{
				HTTPClient:      bench.client,
				Subscriber:      "alerts@vigie.example", // the library prepends mailto:
				VAPIDPublicKey:  vapid.PublicKey(),
				VAPIDPrivateKey: vapidPriv,
				TTL:             3600,
				Urgency:         baseline.UrgencyHigh,
			}
			return func(ctx context.Context, s benchSub) error {
				resp, err := baseline.SendNotificationWithContext(ctx, benchPayload, s.bl, opts)
				if err != nil {
					return err
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					return fmt.Errorf("status %d", resp.StatusCode)
				}
				return nil
			}
		}},
	}
	for _, gpc := range benchGPC() {
		for _, impl := range impls {
			b.Run(fmt.Sprintf("%s/goroutines-per-core=%d", impl.name, gpc), func(b *testing.B) {
				send := impl.mk()
				// Warm the connection pool and the VAPID cache.
				for i := 0; i < 2*gpc*runtime.GOMAXPROCS(0); i++ {
					if err := send(context.Background(), subs[i%benchSubs]); err != nil {
						b.Fatal(err)
					}
				}
				n0, _, bad0 := benchStats()
				if n0 < 0 {
					b.Fatal("push service stats unavailable")
				}
				pid := bench.cmd.Process.Pid
				cpu0, srv0 := selfCPU(), procCPU(pid)
				var next atomic.Int64
				var failures atomic.Int64
				b.SetParallelism(gpc)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					ctx := context.Background()
					for pb.Next() {
						i := next.Add(1)
						if err := send(ctx, subs[i%benchSubs]); err != nil {
							if failures.Add(1) == 1 {
								b.Error(err)
							}
						}
					}
				})
				b.StopTimer()
				cpu1, srv1 := selfCPU(), procCPU(pid)
				n1, _, bad1 := benchStats()
				if bad1 != bad0 {
					b.Fatalf("%d sampled messages failed to decrypt", bad1-bad0)
				}
				if got := n1 - n0; got < int64(b.N) {
					b.Fatalf("push service counted %d messages, sent %d", got, b.N)
				}
				msgs := float64(b.N)
				wall := b.Elapsed().Seconds()
				b.ReportMetric(msgs/wall/float64(runtime.NumCPU()), "msgs/s/core")
				b.ReportMetric(float64((cpu1-cpu0).Microseconds())/msgs, "sender-µs/msg")
				b.ReportMetric(msgs/(cpu1-cpu0).Seconds(), "sender-msgs/s/core")
				b.ReportMetric(float64((srv1-srv0).Microseconds())/msgs, "service-µs/msg")
			})
		}
	}
}

// BenchmarkEncrypt measures the per-message encryption step alone (no
// HTTP) on one goroutine, so ns/op is CPU per message on one core, beside
// its floor: the two P-256 operations every message needs.
//
//	go test -run '^$' -bench Encrypt -count 5 ./webpush
func BenchmarkEncrypt(b *testing.B) {
	sub := benchBrowser(0).subscription("https://push.example/x")
	perCore := func(b *testing.B) {
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s/core")
	}
	b.Run("append-pooled", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, MaxBodyLen)
		for b.Loop() {
			var err error
			if buf, err = AppendEncrypted(buf[:0], sub, benchPayload, EncryptOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		perCore(b)
	})
	b.Run("floor-keygen+ecdh", func(b *testing.B) {
		b.ReportAllocs()
		ua, _ := ecdh.P256().NewPublicKey(sub.P256dh)
		for b.Loop() {
			k, err := ecdh.P256().GenerateKey(crand.Reader)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := k.ECDH(ua); err != nil {
				b.Fatal(err)
			}
		}
		perCore(b)
	})
}

// stubClient answers 201 without any network, to measure a library's own cost
// (encryption, VAPID, request building).
type stubClient struct{}

func (stubClient) Do(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 201, Body: http.NoBody, Header: http.Header{}}, nil
}

type stubTransport struct{}

func (stubTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: 201, Status: "201 Created", Body: http.NoBody, Header: http.Header{}, Request: r}, nil
}

// BenchmarkNoNetwork is the whole send path without a network: Vigie's Sender
// (cached VAPID) and the baseline (new VAPID JWT per message).
func BenchmarkNoNetwork(b *testing.B) {
	sub := benchBrowser(0).subscription("https://push.example/push/0")
	vapid, _ := GenerateVAPID("mailto:alerts@vigie.example")
	vapidPriv, _ := vapid.PrivateKey()
	s := NewSender(&http.Client{Transport: stubTransport{}}, vapid, nil)
	perCore := func(b *testing.B) {
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/float64(runtime.GOMAXPROCS(0)), "msgs/s/core")
	}
	for _, c := range []struct {
		name string
		opts Options
	}{
		{"vigie-nethttp", Options{TTL: time.Hour}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if res := s.Send(context.Background(), sub, benchPayload, c.opts); res.Outcome != Delivered {
						b.Fatal(res.Err)
					}
				}
			})
			perCore(b)
		})
	}
	b.Run("baseline-webpush-go", func(b *testing.B) {
		bl := &baseline.Subscription{Endpoint: sub.Endpoint, Keys: baseline.Keys{
			P256dh: base64.RawURLEncoding.EncodeToString(sub.P256dh),
			Auth:   base64.RawURLEncoding.EncodeToString(sub.Auth),
		}}
		opts := &baseline.Options{HTTPClient: stubClient{}, Subscriber: "alerts@vigie.example",
			VAPIDPublicKey: vapid.PublicKey(), VAPIDPrivateKey: vapidPriv, TTL: 3600}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := baseline.SendNotification(benchPayload, bl, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
		perCore(b)
	})
	b.Run("vapid-header-cached", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			vapid.Header(sub.Endpoint, time.Now())
		}
	})
	b.Run("vapid-sign", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			vapid.sign("https://push.example", time.Now().Add(time.Hour))
		}
	})
}

// benchGPC is the goroutines-per-core list: 1 and 2, or VIGIE_WEBPUSH_BENCH_GPC
// (comma-separated) to explore more concurrency.
func benchGPC() []int {
	v := os.Getenv("VIGIE_WEBPUSH_BENCH_GPC")
	if v == "" {
		return []int{1, 2}
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}
