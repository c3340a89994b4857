package natsbus_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-project/vigie/natsbus"
)

// restartAckWait is short because tasks that were in flight when the
// server stopped come back only after it.
const restartAckWait = 2 * time.Second

// firstRun consumes tasks, acknowledging the first ackN handled and
// holding every later one until it is stopped, the way a worker is caught
// in the middle of a fan-out.
type firstRun struct {
	ackN    int64
	handled atomic.Int64
	mu      sync.Mutex
	acked   map[string]bool // acknowledgement confirmed by the server
	stopNow chan struct{}   // closed once ackN tasks are acknowledged
	once    sync.Once
}

func newFirstRun(ackN int64) *firstRun {
	return &firstRun{ackN: ackN, acked: map[string]bool{}, stopNow: make(chan struct{})}
}

func (f *firstRun) options() natsbus.ConsumerOptions {
	return natsbus.ConsumerOptions{
		Durable: "webpush",
		Workers: 2,
		AckWait: restartAckWait,
		OnResult: func(r natsbus.Result) {
			if r.Action != natsbus.ActionAck || r.SettleErr != nil {
				return
			}
			f.mu.Lock()
			f.acked[r.Msg.ID] = true
			n := int64(len(f.acked))
			f.mu.Unlock()
			if n >= f.ackN {
				f.once.Do(func() { close(f.stopNow) })
			}
		},
	}
}

func (f *firstRun) handle(ctx context.Context, m natsbus.Msg) error {
	if f.handled.Add(1) <= f.ackN {
		return nil
	}
	<-ctx.Done() // in flight when the process dies: never acknowledged
	return ctx.Err()
}

func (f *firstRun) ackedIDs() map[string]bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]bool, len(f.acked))
	for k := range f.acked {
		out[k] = true
	}
	return out
}

// secondRun consumes everything left after a restart and checks that every
// task was handled at least once across both runs. It returns how many
// tasks acknowledged in the first run came back.
func secondRun(t *testing.T, b *natsbus.Bus, ids []string, acked map[string]bool) int {
	t.Helper()
	seen := newCounter()
	c := startConsumer(t, b, natsbus.ConsumerOptions{Durable: "webpush", Workers: 2, AckWait: restartAckWait}, func(ctx context.Context, m natsbus.Msg) error {
		seen.add(m.ID)
		return nil
	})
	waitFor(t, 60*time.Second, "every task handled across the restart and the queue empty", func() bool {
		return len(acked)+seen.distinct() >= len(ids) && mustStats(t, b, "webpush").Messages == 0
	})
	if err := c.stop(t); err != nil {
		t.Errorf("second Consume: %v", err)
	}
	again := seen.snapshot()
	back := 0
	for _, id := range ids {
		if !acked[id] && again[id] == 0 {
			t.Errorf("task %s was never handled", id)
		}
		if acked[id] && again[id] > 0 {
			back++
		}
	}
	return back
}

// TestRestartDuringFanoutResumesIt stops the embedded server in the middle
// of a fan-out, with handlers still running, and starts a new one on the
// same directory.
func TestRestartDuringFanoutResumesIt(t *testing.T) {
	dir := t.TempDir()
	e1 := mustStart(t, dir, 0)
	ids := mustPublish(t, e1.Bus, "webpush", "cell", 1000)

	first := newFirstRun(300)
	c1 := startConsumer(t, e1.Bus, first.options(), first.handle)
	select {
	case <-first.stopNow:
	case <-time.After(30 * time.Second):
		t.Fatal("300 tasks not acknowledged within 30 s")
	}
	// Abrupt stop: the server goes away while Consume is still handing
	// back what it holds.
	c1.cancel()
	e1.Shutdown()
	_ = c1.stop(t) // nil or a closed-connection error: both are fine here
	acked := first.ackedIDs()
	t.Logf("first run: %d handled, %d acknowledged", first.handled.Load(), len(acked))

	e2 := mustStart(t, dir, 0)
	st := mustStats(t, e2.Bus, "")
	if int(st.Messages)+len(acked) > len(ids) {
		t.Fatalf("after the restart the stream holds %d tasks, but %d of %d were acknowledged", st.Messages, len(acked), len(ids))
	}
	if back := secondRun(t, e2.Bus, ids, acked); back > 0 {
		t.Errorf("%d tasks acknowledged before the restart were delivered again", back)
	}
}

// TestCrashDuringFanoutLosesNoTask kills the server process (SIGKILL, no
// shutdown at all) in the middle of a fan-out and starts a new server on
// its directory. Every task must still be handled; acknowledgements of the
// server's last moments may be lost, so a few acknowledged tasks may come
// back, which is the caller's record's job to absorb.
func TestCrashDuringFanoutLosesNoTask(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), "NATSBUS_CRASH_CHILD_DIR="+dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe() // the child exits if we die first
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	kill := func() {
		if !killed {
			killed = true
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			_ = stdin.Close()
		}
	}
	t.Cleanup(kill)

	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "NATSBUS_URL "); ok {
				urlc <- u
			}
		}
		close(urlc)
	}()
	var url string
	select {
	case url = <-urlc:
	case <-time.After(60 * time.Second):
		t.Fatal("child server not up within 60 s")
	}
	if url == "" {
		t.Fatal("child server exited before it was up")
	}

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	b, err := natsbus.Connect(ctx, url, nil)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	defer b.Close()
	if err := b.EnsureStream(ctx, natsbus.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	ids := mustPublish(t, b, "webpush", "cell", 1000)

	first := newFirstRun(300)
	c1 := startConsumer(t, b, first.options(), first.handle)
	select {
	case <-first.stopNow:
	case <-time.After(30 * time.Second):
		t.Fatal("300 tasks not acknowledged within 30 s")
	}
	kill()
	c1.cancel()
	b.Close() // it would try to reconnect forever
	_ = c1.stop(t)
	acked := first.ackedIDs()

	e2 := mustStart(t, dir, 0)
	back := secondRun(t, e2.Bus, ids, acked)
	t.Logf("after SIGKILL: %d handled and %d acknowledged before; %d of those came back", first.handled.Load(), len(acked), back)
}

// TestCrashChild is the server process of TestCrashDuringFanoutLosesNoTask.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv("NATSBUS_CRASH_CHILD_DIR")
	if dir == "" {
		t.Skip("run by TestCrashDuringFanoutLosesNoTask only")
	}
	e, err := natsbus.StartEmbedded(t.Context(), natsbus.Options{Dir: dir, Port: -1, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Shutdown()
	fmt.Printf("NATSBUS_URL %s\n", e.ClientURL())
	// Wait to be killed; end if the parent went away without killing us.
	_, err = bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, os.ErrClosed) {
		t.Log("parent gone:", err)
	}
}
