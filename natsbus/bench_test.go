package natsbus_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/vigie-project/vigie/natsbus"
)

// Benchmark shape, the same for both transports: 128-byte tasks, 4
// publishing goroutines, 2 handler workers, one embedded server reached in
// process. The task carries the monotonic time it was published at; the
// handler records publish→handler latency.
const (
	benchPayload    = 128
	benchPublishers = 4
	benchWorkers    = 2
)

// BenchmarkFanout compares the bus (JetStream: durable, deduplicated
// publish; pull consume with confirmed acks) with core NATS publish and
// queue subscribe (no persistence, no acks, at most once) on the same
// embedded server.
//
// throughput: b.N tasks published as fast as the publishers go, reported
// as tasks/s from the first publish to the last handler; latency then
// includes queueing. latency: one task at a time, so p50/p99 are the cost
// of one hop.
//
//	go test -run '^$' -bench Fanout -benchtime 20000x -count 6 ./natsbus
func BenchmarkFanout(b *testing.B) {
	b.Run("throughput/core", func(b *testing.B) { benchThroughput(b, coreTransport) })
	b.Run("throughput/jetstream", func(b *testing.B) { benchThroughput(b, jetstreamTransport) })
	b.Run("latency/core", func(b *testing.B) { benchLatency(b, coreTransport) })
	b.Run("latency/jetstream", func(b *testing.B) { benchLatency(b, jetstreamTransport) })
}

// transport starts delivering tasks to handle and returns the function
// that publishes task i, and a stop function.
type transport func(b *testing.B, e *natsbus.Embedded, handle func(data []byte)) (publish func(i int, data []byte), stop func())

func coreTransport(b *testing.B, e *natsbus.Embedded, handle func([]byte)) (func(int, []byte), func()) {
	nc := e.NATS()
	var subs []*nats.Subscription
	for range benchWorkers {
		// A queue group spreads tasks over the workers as a durable
		// consumer does; each subscription has its own goroutine.
		s, err := nc.QueueSubscribe("bench.core", "workers", func(m *nats.Msg) { handle(m.Data) })
		if err != nil {
			b.Fatal(err)
		}
		// Core NATS drops messages for a slow subscriber; the baseline
		// must not win by losing tasks.
		if err := s.SetPendingLimits(-1, -1); err != nil {
			b.Fatal(err)
		}
		subs = append(subs, s)
	}
	if err := nc.Flush(); err != nil {
		b.Fatal(err)
	}
	publish := func(i int, data []byte) {
		if err := nc.Publish("bench.core", data); err != nil {
			b.Error(err)
		}
	}
	return publish, func() {
		for _, s := range subs {
			_ = s.Unsubscribe()
		}
	}
}

func jetstreamTransport(b *testing.B, e *natsbus.Embedded, handle func([]byte)) (func(int, []byte), func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- e.Consume(ctx, natsbus.ConsumerOptions{Durable: "bench", Workers: benchWorkers},
			func(_ context.Context, m natsbus.Msg) error {
				handle(m.Data)
				return nil
			})
	}()
	publish := func(i int, data []byte) {
		if _, err := e.Publish(context.Background(), "vigie.fanout.bench.0", fmt.Sprint("t-", i), data, nil); err != nil {
			b.Error(err)
		}
	}
	return publish, func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	}
}

// benchServer starts an embedded server on a fresh directory for one run.
func benchServer(b *testing.B) *natsbus.Embedded {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e, err := natsbus.StartEmbedded(ctx, natsbus.Options{Dir: b.TempDir(), Logger: testLogger(b)})
	if err != nil {
		b.Fatal(err)
	}
	if err := e.EnsureStream(ctx, natsbus.StreamOptions{}); err != nil {
		b.Fatal(err)
	}
	return e
}

// latencies collects publish→handler latencies of tasks stamped relative
// to base.
type latencies struct {
	base time.Time
	mu   sync.Mutex
	d    []time.Duration
	n    atomic.Int64
	all  chan struct{}
	want int64
}

func newLatencies(want int) *latencies {
	return &latencies{base: time.Now(), d: make([]time.Duration, 0, want), all: make(chan struct{}), want: int64(want)}
}

func (l *latencies) stamp(i int) []byte {
	data := make([]byte, benchPayload)
	binary.LittleEndian.PutUint64(data, uint64(time.Since(l.base)))
	binary.LittleEndian.PutUint64(data[8:], uint64(i))
	return data
}

func (l *latencies) handle(data []byte) {
	lat := time.Since(l.base) - time.Duration(binary.LittleEndian.Uint64(data))
	l.mu.Lock()
	l.d = append(l.d, lat)
	l.mu.Unlock()
	if l.n.Add(1) == l.want {
		close(l.all)
	}
}

func (l *latencies) report(b *testing.B) {
	l.mu.Lock()
	defer l.mu.Unlock()
	slices.Sort(l.d)
	q := func(p float64) float64 {
		return float64(l.d[int(p*float64(len(l.d)-1))].Microseconds())
	}
	b.ReportMetric(q(0.50), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
}

func benchThroughput(b *testing.B, tr transport) {
	e := benchServer(b)
	defer e.Shutdown()
	lat := newLatencies(b.N)
	publish, stop := tr(b, e, lat.handle)
	defer stop()

	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for p := range benchPublishers {
		wg.Go(func() {
			for i := p; i < b.N; i += benchPublishers {
				publish(i, lat.stamp(i))
			}
		})
	}
	wg.Wait()
	select {
	case <-lat.all:
	case <-time.After(2 * time.Minute):
		b.Fatalf("only %d of %d tasks handled within 2 min", lat.n.Load(), b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tasks/s")
	lat.report(b)
}

func benchLatency(b *testing.B, tr transport) {
	e := benchServer(b)
	defer e.Shutdown()
	lat := newLatencies(b.N)
	next := make(chan struct{}, 1)
	publish, stop := tr(b, e, func(data []byte) {
		lat.handle(data)
		next <- struct{}{}
	})
	defer stop()

	b.ResetTimer()
	for i := range b.N {
		publish(i, lat.stamp(i))
		select {
		case <-next:
		case <-time.After(time.Minute):
			b.Fatalf("task %d not handled within a minute", i)
		}
	}
	b.StopTimer()
	lat.report(b)
}
