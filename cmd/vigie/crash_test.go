package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/testenv"
	"github.com/vigie-project/vigie/referral"
)

// buildBinary compiles this command once per test binary run.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "vigie-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "vigie")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// process is a vigie server running as a child process.
type process struct {
	cmd  *exec.Cmd
	addr string
	logs *bytes.Buffer
}

func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, append([]string{"serve"}, args...)...), logs: &bytes.Buffer{}}
	p.cmd.Stderr = p.logs
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if addr, ok := strings.CutPrefix(lines.Text(), "vigie: listening on http://"); ok {
			p.addr = strings.Fields(addr)[0]
			break
		}
	}
	if p.addr == "" {
		p.cmd.Process.Kill()
		p.cmd.Wait()
		t.Fatalf("server did not start:\n%s", p.logs)
	}
	go io.Copy(io.Discard, out)
	return p
}

func runCLI(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("vigie %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// TestKillNineLosesNothing kills the server with SIGKILL while 1,000
// referrals are being submitted and delivered, restarts it, and checks that
// every referral that got a 2xx is there once, reached the platform exactly
// once (one webhook id per referral), and that every deadline still fired.
func TestKillNineLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server as a process")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	dsn := testenv.DSN(t)
	runCLI(t, bin, "admin", "org", "create", "--db", dsn, "--name", "Authority", "--kind", "authority", "--country", "FR")
	runCLI(t, bin, "admin", "org", "create", "--db", dsn, "--name", "Platform", "--kind", "platform")
	authKey := lastLine(runCLI(t, bin, "admin", "key", "create", "--db", dsn, "--org", "Authority"))
	platKey := lastLine(runCLI(t, bin, "admin", "key", "create", "--db", dsn, "--org", "Platform"))

	// A fixed port, so that clients find the restarted server where they left it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	// With the drill speed-up, the one-hour deadline lasts six seconds.
	args := []string{"--db", dsn, "--data", t.TempDir(), "--addr", addr, "--allow-private-webhooks", "--drill-speedup", "600"}
	srv := startProcess(t, bin, args...)
	base := "http://" + addr
	t.Cleanup(func() {
		srv.cmd.Process.Kill()
		srv.cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", srv.logs)
		}
	})

	client := &http.Client{Timeout: 10 * time.Second}
	do := func(key, method, path string, body any, out any) (int, error) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		if m, ok := body.(map[string]any); ok && path == "/api/v1/referrals" {
			req.Header.Set("Idempotency-Key", m["reference"].(string))
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		if out != nil && resp.StatusCode < 300 {
			return resp.StatusCode, json.NewDecoder(resp.Body).Decode(out)
		}
		return resp.StatusCode, nil
	}

	rcv := newReceiver(t)
	var hook struct {
		PublicKey string `json:"public_key"`
	}
	if code, err := do(platKey, "PUT", "/api/v1/webhook", map[string]any{"url": rcv.srv.URL}, &hook); code != 200 {
		t.Fatalf("set webhook: %d %v", code, err)
	}
	var orgs struct {
		Orgs []struct{ ID, Name string }
	}
	do(authKey, "GET", "/api/v1/orgs", nil, &orgs)
	platformID := ""
	for _, o := range orgs.Orgs {
		if o.Name == "Platform" {
			platformID = o.ID
		}
	}
	pub := strings.TrimPrefix(hook.PublicKey, "whpk_")
	rcv.mu.Lock()
	rcv.pub, _ = decodeKey(pub)
	rcv.mu.Unlock()

	const total = 1000
	ids := make([]string, total)
	var accepted atomic.Int64
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 16 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= total {
					return
				}
				body := map[string]any{"kind": "removal_order", "platform_id": platformID, "reference": fmt.Sprintf("CRASH-%04d", i),
					"urls": []string{fmt.Sprintf("https://platform.example/v/%d", i)}, "content_types": []string{"a"},
					"reasons": "Propaganda video.", "legal_basis": "Regulation (EU) 2021/784, Art. 3",
					"redress": "Administrative court", "issuer_name": "Duty officer"}
				// A client retries until it gets an answer: the idempotency key
				// makes the retry safe whether or not the first attempt landed.
				for attempt := 0; ; attempt++ {
					var r referral.Referral
					code, err := do(authKey, "POST", "/api/v1/referrals", body, &r)
					if err == nil && (code == 201 || code == 200) {
						ids[i] = r.ID
						accepted.Add(1)
						break
					}
					if attempt > 600 {
						t.Errorf("referral %d: no success after %d attempts (last %d %v)", i, attempt, code, err)
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
		})
	}
	waitFor(t, "300 accepted referrals", 30*time.Second, func() bool { return accepted.Load() >= 300 })
	srv.cmd.Process.Signal(os.Kill)
	srv.cmd.Wait()
	t.Logf("killed with %d referrals accepted", accepted.Load())
	srv = startProcess(t, bin, args...)
	wg.Wait()
	if t.Failed() {
		return
	}

	seen := map[string]bool{}
	for i, id := range ids {
		if id == "" || seen[id] {
			t.Fatalf("referral %d: id %q missing or repeated", i, id)
		}
		seen[id] = true
	}
	var list struct{ Referrals []referral.Referral }
	do(platKey, "GET", "/api/v1/referrals?limit=1000", nil, &list)
	if len(list.Referrals) != total {
		t.Fatalf("the platform lists %d referrals, want %d", len(list.Referrals), total)
	}
	waitFor(t, "every referral delivered", 60*time.Second, func() bool {
		for _, id := range ids {
			if len(rcv.eventsOf(id)) == 0 {
				return false
			}
		}
		return true
	})
	waitFor(t, "every deadline to fire", 60*time.Second, func() bool {
		var overdue struct{ Referrals []referral.Referral }
		do(platKey, "GET", "/api/v1/referrals?state=overdue&limit=1000", nil, &overdue)
		return len(overdue.Referrals) == total
	})
	for _, id := range ids {
		created := 0
		for _, e := range rcv.eventsOf(id) {
			if e == "referral.created" {
				created++
			}
		}
		if created != 1 {
			t.Fatalf("referral %s reached the platform as %d distinct messages, want exactly 1", id, created)
		}
	}
	if out := runCLI(t, bin, "audit", "verify", "--db", dsn); !strings.HasPrefix(out, "ok:") {
		t.Fatalf("audit verify: %s", out)
	}
}
