package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/webpush"
)

// pushServiceEnv makes this test binary the Web Push benchmark's push
// service, so that the test needs no vigie build.
const pushServiceEnv = "VIGIE_BENCH_PUSH_SERVICE"

func TestMain(m *testing.M) {
	if os.Getenv(pushServiceEnv) == "1" {
		if err := ServePushService(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func webPushTestConfig(messages int) WebPushConfig {
	return WebPushConfig{ServiceCommand: []string{os.Args[0], "-test.run=^$"}, ServiceEnv: []string{pushServiceEnv + "=1"},
		Messages: messages, Runs: 2, Concurrency: 16, Subscribers: 50, Origins: 2, SampleEvery: 10,
		Senders: []string{SenderVigie, SenderVigieNetHTTP, SenderVigieH2C}}
}

// TestWebPushEndToEnd runs the whole Web Push benchmark briefly: every
// sender, the child push service, its decryption of a sample, the report.
// It checks that every message arrived and that the sampled ones decrypted;
// it asserts nothing about how fast.
func TestWebPushEndToEnd(t *testing.T) {
	cfg := webPushTestConfig(300)
	if testing.Verbose() {
		cfg.Progress = testLog{t}
	}
	// VIGIE_BENCH_WEBPUSH=N measures N messages per run instead, with the
	// default senders and runs, and logs the report (for profiling:
	// go test -run WebPushEndToEnd -v -cpuprofile cpu.out ./bench).
	if n, err := strconv.Atoi(os.Getenv("VIGIE_BENCH_WEBPUSH")); err == nil && n > 0 {
		cfg = WebPushConfig{ServiceCommand: cfg.ServiceCommand, ServiceEnv: cfg.ServiceEnv, Messages: n,
			Senders: strings.Split(os.Getenv("VIGIE_BENCH_WEBPUSH_SENDERS"), ",")}
		if cfg.Senders[0] == "" {
			cfg.Senders = nil
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := WebPush(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Senders) != len(cfg.Senders)+1 || res.Senders[len(res.Senders)-1].Name != SenderBaseline {
		t.Fatalf("senders %v: want %v and the baseline last", names(res.Senders), cfg.Senders)
	}
	for _, s := range res.Senders {
		if len(s.Runs) != res.Runs {
			t.Errorf("%s: %d runs, want %d", s.Name, len(s.Runs), res.Runs)
		}
		for _, r := range s.Runs {
			if r.Delivered != res.Messages || r.Errors != 0 {
				t.Errorf("%s: delivered %d of %d, %d errors: %v", s.Name, r.Delivered, res.Messages, r.Errors, r.ErrSamples)
			}
			if r.Sampled == 0 || r.SampleFails != 0 {
				t.Errorf("%s: %d sampled, %d failed", s.Name, r.Sampled, r.SampleFails)
			}
			if r.WireBytes < float64(res.PayloadBytes) {
				t.Errorf("%s: %.0f request bytes per message for a %d-byte payload", s.Name, r.WireBytes, res.PayloadBytes)
			}
		}
		if s.PerSecond <= 0 || s.CPUMicros < 0 {
			t.Errorf("%s: implausible medians %+v", s.Name, s)
		}
	}
	if len(res.Estimates) != 4 || res.Estimates[0].Subscribers != 1_000_000 || res.Estimates[1].Subscribers != 12_000_000 {
		t.Errorf("estimates %+v", res.Estimates)
	}
	if res.PayloadBytes < 1300 || res.PayloadBytes > 1700 {
		t.Errorf("payload of %d bytes, want about 1.5 KB", res.PayloadBytes)
	}

	var text strings.Builder
	if err := res.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"machine", "vigie-nethttp-h2", "webpush-go", "per core", "12000000", "scaling out", "target"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, text.String())
		}
	}
	t.Log("\n" + text.String())
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var back WebPushResult
	if err := json.Unmarshal(b, &back); err != nil || len(back.Senders) != len(res.Senders) {
		t.Errorf("JSON round trip: %v, %s", err, b)
	}
}

// TestPushServiceChecks checks the push service's sample checks against
// Vigie's encryption and VAPID: the right subscriber decrypts the alert,
// another one cannot, and a token for another origin or key is refused.
func TestPushServiceChecks(t *testing.T) {
	payload := alertPayload()
	const origin, other = "http://127.0.0.1:1", "http://127.0.0.1:2"
	vapid, err := webpush.GenerateVAPID("mailto:bench@vigie.example")
	if err != nil {
		t.Fatal(err)
	}
	ps := &pushServer{cfg: pushServiceConfig{Subscribers: 2, Origins: 1, SampleEvery: 1, Payload: payload, VAPIDKey: vapid.PublicKey()}}
	if err := ps.subscribe([]string{origin}); err != nil {
		t.Fatal(err)
	}
	b0 := &ps.browsers[0]
	sub := webpush.Subscription{Endpoint: b0.endpoint, P256dh: b0.pub, Auth: b0.auth}
	body, err := webpush.Encrypt(sub, payload, webpush.EncryptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	authz, err := vapid.Header(sub.Endpoint, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.check(b0, body, authz, origin); err != nil {
		t.Fatalf("a right message failed: %v", err)
	}
	if err := ps.check(&ps.browsers[1], body, authz, origin); err == nil {
		t.Error("another subscriber decrypted the message")
	}
	body[len(body)-1] ^= 1
	if _, err := b0.open(body); err == nil {
		t.Error("a changed body decrypted")
	}
	if err := verifyVAPID(authz, vapid.PublicKey(), other, time.Now()); err == nil {
		t.Error("a token for another origin verified")
	}
	stranger, _ := webpush.GenerateVAPID("mailto:x@vigie.example")
	if err := verifyVAPID(authz, stranger.PublicKey(), origin, time.Now()); err == nil {
		t.Error("a token under another key verified")
	}
	forged := strings.Replace(authz, "k="+vapid.PublicKey(), "k="+stranger.PublicKey(), 1)
	if err := verifyVAPID(forged, stranger.PublicKey(), origin, time.Now()); err == nil {
		t.Error("a token whose key was swapped verified")
	}
}

func names(ss []*WebPushSender) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}
