package natsbus_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-project/vigie/natsbus"
)

func TestTasksAreEachHandledOnceByTwoWorkers(t *testing.T) {
	e := mustStart(t, "", 0)
	const n = 500
	ids := mustPublish(t, e.Bus, "webpush", "task", n)

	seen := newCounter()
	var acked atomic.Int64
	startConsumer(t, e.Bus, natsbus.ConsumerOptions{
		Durable:       "webpush",
		FilterSubject: natsbus.ChannelSubjects("webpush"),
		Workers:       2,
		OnResult: func(r natsbus.Result) {
			if r.Action == natsbus.ActionAck && r.SettleErr == nil {
				acked.Add(1)
			}
		},
	}, func(ctx context.Context, m natsbus.Msg) error {
		if string(m.Data) != m.ID {
			t.Errorf("task %s carries %q", m.ID, m.Data)
		}
		seen.add(m.ID)
		return nil
	})

	waitFor(t, 10*time.Second, "every task acknowledged", func() bool { return acked.Load() == n })
	got := seen.snapshot()
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("task %s handled %d times, want 1", id, got[id])
		}
	}
	if st := mustStats(t, e.Bus, "webpush"); st.Messages != 0 || st.AckPending != 0 || st.Redelivered != 0 {
		t.Errorf("after the run: %+v, want an empty work queue", st)
	}
}

func TestSameMsgIDIsStoredOnce(t *testing.T) {
	e := mustStart(t, "", 0)
	ctx := t.Context()
	subj, _ := natsbus.FanoutSubject("webhook", "platform1")

	first, err := e.Publish(ctx, subj, "alert1/webhook/platform1", []byte("a"), nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.Publish(ctx, subj, "alert1/webhook/platform1", []byte("a again"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if first.Duplicate || !second.Duplicate || second.Sequence != first.Sequence {
		t.Fatalf("publications: first %+v, second %+v; want the second reported as a duplicate of the first", first, second)
	}
	if st := mustStats(t, e.Bus, ""); st.Messages != 1 {
		t.Fatalf("stream holds %d messages, want 1", st.Messages)
	}

	// Once the task is done and gone from the work queue, the id is still
	// remembered: a publisher that restarts after the workers finished
	// must not start the fan-out again.
	var handled atomic.Int64
	c := startConsumer(t, e.Bus, natsbus.ConsumerOptions{Durable: "webhook"}, func(ctx context.Context, m natsbus.Msg) error {
		handled.Add(1)
		return nil
	})
	waitFor(t, 10*time.Second, "the task handled and removed", func() bool {
		return handled.Load() == 1 && mustStats(t, e.Bus, "").Messages == 0
	})
	third, err := e.Publish(ctx, subj, "alert1/webhook/platform1", []byte("a"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !third.Duplicate {
		t.Errorf("publication after the task was done: %+v, want a duplicate", third)
	}
	if err := c.stop(t); err != nil {
		t.Errorf("Consume: %v", err)
	}
	if n := handled.Load(); n != 1 {
		t.Errorf("handled %d times, want 1", n)
	}
	if st := mustStats(t, e.Bus, ""); st.Messages != 0 {
		t.Errorf("stream holds %d messages, want 0", st.Messages)
	}
}

func TestPublishNeedsMsgID(t *testing.T) {
	e := mustStart(t, "", 0)
	_, err := e.Publish(t.Context(), "vigie.fanout.sse.1", "", []byte("x"), nil)
	if !errors.Is(err, natsbus.ErrNoMsgID) {
		t.Fatalf("Publish without id: %v, want ErrNoMsgID", err)
	}
}

// deliveries records each delivery of a task, in order.
type deliveries struct {
	mu   sync.Mutex
	msgs []natsbus.Msg
	done []time.Time // when each handler returned
}

func (d *deliveries) add(m natsbus.Msg) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.msgs = append(d.msgs, m)
	d.done = append(d.done, time.Now())
	return len(d.msgs)
}

func (d *deliveries) len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.msgs)
}

func TestRetryBringsTheTaskBackAfterItsDelay(t *testing.T) {
	e := mustStart(t, "", 0)
	mustPublish(t, e.Bus, "webhook", "limited", 1)

	const after = 300 * time.Millisecond
	var d deliveries
	var results []natsbus.Result
	var mu sync.Mutex
	startConsumer(t, e.Bus, natsbus.ConsumerOptions{
		Durable: "webhook",
		Workers: 2,
		OnResult: func(r natsbus.Result) {
			mu.Lock()
			results = append(results, r)
			mu.Unlock()
		},
	}, func(ctx context.Context, m natsbus.Msg) error {
		if d.add(m) == 1 {
			return natsbus.Retry{After: after, Err: errors.New("429 Too Many Requests")}
		}
		return nil
	})
	waitFor(t, 10*time.Second, "the task delivered twice and acknowledged", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(results) == 2 && results[1].Action == natsbus.ActionAck
	})

	d.mu.Lock()
	defer d.mu.Unlock()
	if a, b := d.msgs[0].Delivered, d.msgs[1].Delivered; a != 1 || b != 2 {
		t.Errorf("delivery counts %d then %d, want 1 then 2", a, b)
	}
	// A lower bound, not a timing assertion: the server schedules the
	// redelivery after it received the nak, which is after the first
	// handler returned.
	if gap := d.msgs[1].Received.Sub(d.done[0]); gap < after {
		t.Errorf("task came back %s after the Retry, want at least %s", gap, after)
	}
	mu.Lock()
	defer mu.Unlock()
	if r := results[0]; r.Action != natsbus.ActionNak || r.Delay != after {
		t.Errorf("first result: %s with delay %s, want nak with %s", r.Action, r.Delay, after)
	}
}

func TestFailuresAreRetriedThenGivenUp(t *testing.T) {
	e := mustStart(t, "", 0)
	mustPublish(t, e.Bus, "websub", "flaky", 1)
	mustPublish(t, e.Bus, "websub", "broken", 1)

	var mu sync.Mutex
	var results []natsbus.Result
	startConsumer(t, e.Bus, natsbus.ConsumerOptions{
		Durable:    "websub",
		Workers:    2,
		MaxDeliver: 3,
		Backoff:    func(int) time.Duration { return 10 * time.Millisecond },
		OnResult: func(r natsbus.Result) {
			mu.Lock()
			results = append(results, r)
			mu.Unlock()
		},
	}, func(ctx context.Context, m natsbus.Msg) error {
		switch {
		case m.ID == "flaky-0" && m.Delivered == 1:
			panic("first attempt explodes")
		case m.ID == "broken-0":
			return errors.New("hub unreachable")
		}
		return nil
	})
	waitFor(t, 10*time.Second, "both tasks settled for good", func() bool {
		mu.Lock()
		n := len(results)
		mu.Unlock()
		return n >= 5 && mustStats(t, e.Bus, "websub").Messages == 0
	})

	mu.Lock()
	defer mu.Unlock()
	var got []string
	for _, r := range results {
		got = append(got, fmt.Sprintf("%s#%d:%s", r.Msg.ID, r.Msg.Delivered, r.Action))
	}
	want := map[string]bool{
		"flaky-0#1:nak": true, "flaky-0#2:ack": true,
		"broken-0#1:nak": true, "broken-0#2:nak": true, "broken-0#3:term": true,
	}
	if len(got) != len(want) {
		t.Fatalf("results %v, want %d of them", got, len(want))
	}
	for _, g := range got {
		if !want[g] {
			t.Errorf("unexpected result %s (all: %v)", g, got)
		}
	}
}

func TestPermanentRemovesTheTask(t *testing.T) {
	e := mustStart(t, "", 0)
	mustPublish(t, e.Bus, "webpush", "gone", 1)
	var handled atomic.Int64
	var termed atomic.Bool
	startConsumer(t, e.Bus, natsbus.ConsumerOptions{
		Durable: "webpush",
		OnResult: func(r natsbus.Result) {
			termed.Store(r.Action == natsbus.ActionTerm && r.SettleErr == nil)
		},
	}, func(ctx context.Context, m natsbus.Msg) error {
		handled.Add(1)
		return fmt.Errorf("push service: %w", natsbus.Permanent{Err: errors.New("410 Gone")})
	})
	// Once removed from the work queue, the task cannot come back.
	waitFor(t, 10*time.Second, "the task removed", func() bool {
		return termed.Load() && mustStats(t, e.Bus, "webpush").Messages == 0
	})
	if n := handled.Load(); n != 1 {
		t.Errorf("handled %d times, want 1", n)
	}
}

func TestLongHandlerIsNotRedelivered(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a handler for three times its AckWait")
	}
	e := mustStart(t, "", 0)
	mustPublish(t, e.Bus, "webhook", "slow", 1)
	seen := newCounter()
	var acked atomic.Bool
	startConsumer(t, e.Bus, natsbus.ConsumerOptions{
		Durable: "webhook",
		Workers: 2, // a free worker would receive a redelivery at once
		AckWait: time.Second,
		OnResult: func(r natsbus.Result) {
			acked.Store(r.Action == natsbus.ActionAck && r.SettleErr == nil)
		},
	}, func(ctx context.Context, m natsbus.Msg) error {
		if seen.add(m.ID) == 1 {
			time.Sleep(3 * time.Second)
		}
		return nil
	})
	waitFor(t, 20*time.Second, "the slow task acknowledged", acked.Load)
	if got := seen.snapshot(); got["slow-0"] != 1 {
		t.Errorf("slow task handled %d times, want 1", got["slow-0"])
	}
}

func TestStopHandsBackUnfinishedTasksAtOnce(t *testing.T) {
	e := mustStart(t, "", 0)
	mustPublish(t, e.Bus, "sse", "t", 3)
	// With an AckWait of an hour, a task that was not handed back would
	// not come back within this test.
	o := natsbus.ConsumerOptions{Durable: "sse", Workers: 1, AckWait: time.Hour}

	started := make(chan struct{})
	var once sync.Once
	first := startConsumer(t, e.Bus, o, func(ctx context.Context, m natsbus.Msg) error {
		once.Do(func() { close(started) })
		<-ctx.Done()
		return ctx.Err()
	})
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("no task delivered within 10 s")
	}
	if err := first.stop(t); err != nil {
		t.Fatalf("Consume after cancel: %v, want nil", err)
	}

	seen := newCounter()
	startConsumer(t, e.Bus, o, func(ctx context.Context, m natsbus.Msg) error {
		seen.add(m.ID)
		return nil
	})
	waitFor(t, 10*time.Second, "all three tasks handled after the restart", func() bool { return seen.distinct() == 3 })
}

func TestConsumeEndsWhenTheServerStops(t *testing.T) {
	e := mustStart(t, "", 0)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- e.Consume(ctx, natsbus.ConsumerOptions{Durable: "webpush"}, func(context.Context, natsbus.Msg) error { return nil })
	}()
	// Let the consumer exist before pulling the rug.
	waitFor(t, 10*time.Second, "the consumer created", func() bool {
		_, err := e.Stats(t.Context(), "", "webpush")
		return err == nil
	})
	e.Shutdown()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Consume returned nil after the server stopped, want an error")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Consume still running 30 s after the server stopped")
	}
}

func TestOverlappingConsumersAreRefused(t *testing.T) {
	e := mustStart(t, "", 0)
	startConsumer(t, e.Bus, natsbus.ConsumerOptions{Durable: "all"}, func(context.Context, natsbus.Msg) error { return nil })
	waitFor(t, 10*time.Second, "the first consumer created", func() bool {
		_, err := e.Stats(t.Context(), "", "all")
		return err == nil
	})
	err := e.Consume(t.Context(), natsbus.ConsumerOptions{Durable: "webpush", FilterSubject: natsbus.ChannelSubjects("webpush")},
		func(context.Context, natsbus.Msg) error { return nil })
	if err == nil {
		t.Fatal("a second consumer over the same tasks was accepted")
	}
}

func TestExternalServerThroughConnect(t *testing.T) {
	e := mustStart(t, "", -1)
	url := e.ClientURL()
	if url == "" {
		t.Fatal("embedded server with Port -1 has no client URL")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	b, err := natsbus.Connect(ctx, url, testLogger(t))
	if err != nil {
		t.Fatalf("Connect %s: %v", url, err)
	}
	defer b.Close()
	if err := b.EnsureStream(ctx, natsbus.StreamOptions{}); err != nil {
		t.Fatalf("EnsureStream over TCP: %v", err)
	}
	const n = 100
	ids := mustPublish(t, b, "webhook", "remote", n)
	seen := newCounter()
	c := startConsumer(t, b, natsbus.ConsumerOptions{Durable: "webhook", Workers: 2}, func(ctx context.Context, m natsbus.Msg) error {
		seen.add(m.ID)
		return nil
	})
	waitFor(t, 10*time.Second, "every task handled and removed", func() bool {
		return seen.distinct() == n && mustStats(t, b, "webhook").Messages == 0
	})
	if err := c.stop(t); err != nil {
		t.Errorf("Consume: %v", err)
	}
	got := seen.snapshot()
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("task %s handled %d times, want 1", id, got[id])
		}
	}
}

func TestEmbeddedWithoutPortHasNoURL(t *testing.T) {
	e := mustStart(t, "", 0)
	if url := e.ClientURL(); url != "" {
		t.Errorf("ClientURL = %q, want none without a listener", url)
	}
}

func TestStartEmbeddedFailsOnATakenPort(t *testing.T) {
	e := mustStart(t, "", -1)
	u, err := url.Parse(e.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	// A liveness bound: the failure must be reported, not waited out.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	e2, err := natsbus.StartEmbedded(ctx, natsbus.Options{Dir: t.TempDir(), Port: port})
	if err == nil {
		e2.Shutdown()
		t.Fatalf("second server on port %d started", port)
	}
	if ctx.Err() != nil {
		t.Fatalf("StartEmbedded waited for its deadline instead of reporting the failure: %v", err)
	}
}

func TestStartEmbeddedNeedsDir(t *testing.T) {
	if _, err := natsbus.StartEmbedded(t.Context(), natsbus.Options{}); err == nil {
		t.Fatal("StartEmbedded without Dir succeeded")
	}
}

func TestFanoutSubject(t *testing.T) {
	got, err := natsbus.FanoutSubject("webpush", "u09tv")
	if err != nil || got != "vigie.fanout.webpush.u09tv" {
		t.Errorf("FanoutSubject = %q, %v", got, err)
	}
	for _, bad := range [][2]string{{"web.push", "1"}, {"webpush", "*"}, {"webpush", ">"}, {"", "1"}, {"webpush", "a b"}} {
		if _, err := natsbus.FanoutSubject(bad[0], bad[1]); err == nil {
			t.Errorf("FanoutSubject(%q, %q) accepted", bad[0], bad[1])
		}
	}
}
