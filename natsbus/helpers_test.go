package natsbus_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/natsbus"
)

// TestMain fails the run if a server, connection or consumer goroutine
// outlives the tests: every test must stop what it started.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := waitNoLeaks(10 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "natsbus: goroutines left running after the tests:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// waitNoLeaks returns the stacks of goroutines running nats or natsbus
// code, giving them up to d to finish (closing is asynchronous in places).
func waitNoLeaks(d time.Duration) string {
	deadline := time.Now().Add(d)
	for {
		buf := make([]byte, 1<<22)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for g := range bytes.SplitSeq(buf, []byte("\n\n")) {
			s := string(g)
			if strings.Contains(s, "waitNoLeaks") {
				continue
			}
			if strings.Contains(s, "github.com/nats-io/") || strings.Contains(s, "vigie/natsbus.") {
				leaked = append(leaked, s)
			}
		}
		if len(leaked) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// testLogger shows warnings and errors in the test's output.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// mustStart starts an embedded server on dir (a new temporary one if empty)
// with the default stream, and shuts it down at the end of the test.
func mustStart(t testing.TB, dir string, port int) *natsbus.Embedded {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	e, err := natsbus.StartEmbedded(ctx, natsbus.Options{Dir: dir, Port: port, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	t.Cleanup(e.Shutdown)
	if err := e.EnsureStream(ctx, natsbus.StreamOptions{}); err != nil {
		t.Fatalf("EnsureStream: %v", err)
	}
	return e
}

// mustPublish publishes n tasks on vigie.fanout.<channel>.<i mod 8> with ids
// <prefix>-<i> and the id as payload.
func mustPublish(t testing.TB, b *natsbus.Bus, channel, prefix string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range n {
		subj, err := natsbus.FanoutSubject(channel, fmt.Sprint(i%8))
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = fmt.Sprintf("%s-%d", prefix, i)
		ack, err := b.Publish(t.Context(), subj, ids[i], []byte(ids[i]), nil)
		if err != nil {
			t.Fatalf("Publish %s: %v", ids[i], err)
		}
		if ack.Duplicate {
			t.Fatalf("Publish %s: reported duplicate", ids[i])
		}
	}
	return ids
}

// consumer runs Consume in the background; stop cancels it and waits for
// it to return, and is also registered as a cleanup.
type consumer struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
	once   sync.Once
}

func startConsumer(t testing.TB, b *natsbus.Bus, o natsbus.ConsumerOptions, h natsbus.Handler) *consumer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &consumer{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.err = b.Consume(ctx, o, h)
	}()
	t.Cleanup(func() { c.stop(t) })
	return c
}

// stop cancels the consumer and returns Consume's result.
func (c *consumer) stop(t testing.TB) error {
	c.once.Do(func() {
		c.cancel()
		select {
		case <-c.done:
		case <-time.After(30 * time.Second):
			t.Errorf("Consume did not return within 30 s of its cancellation")
		}
	})
	return c.err
}

// waitFor polls cond until it is true, failing the test after d: a
// liveness bound, not a timing assertion.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// mustStats returns the stream's and a consumer's state.
func mustStats(t testing.TB, b *natsbus.Bus, durable string) natsbus.Stats {
	t.Helper()
	st, err := b.Stats(t.Context(), "", durable)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return st
}

// counter counts handled task ids, safely from several workers.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func newCounter() *counter { return &counter{n: map[string]int{}} }

func (c *counter) add(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[id]++
	return c.n[id]
}

func (c *counter) distinct() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.n)
}

func (c *counter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.n))
	for k, v := range c.n {
		out[k] = v
	}
	return out
}
