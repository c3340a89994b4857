package natsbus

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Retry is a handler error asking for the task to come back after After,
// for example when the recipient answered 429 with Retry-After. After
// replaces the backoff; the delivery still counts towards MaxDeliver.
type Retry struct {
	After time.Duration
	Err   error
}

func (r Retry) Error() string {
	if r.Err == nil {
		return fmt.Sprintf("retry after %s", r.After)
	}
	return fmt.Sprintf("retry after %s: %v", r.After, r.Err)
}

func (r Retry) Unwrap() error { return r.Err }

// Permanent is a handler error giving up on the task: it is removed and
// never delivered again (a malformed task, a recipient that is gone). The
// handler should record the failure in the database before returning it.
type Permanent struct{ Err error }

func (p Permanent) Error() string {
	if p.Err == nil {
		return "permanent failure"
	}
	return "permanent failure: " + p.Err.Error()
}

func (p Permanent) Unwrap() error { return p.Err }

// Msg is one delivery of a fan-out task.
type Msg struct {
	Subject string
	// ID is the message id it was published with (Nats-Msg-Id).
	ID     string
	Data   []byte
	Header Header
	// Stored is when JetStream stored the task, by the server's clock.
	Stored time.Time
	// Received is when this worker received it, by this process's clock.
	Received time.Time
	// Delivered counts deliveries of this task to the consumer, 1 the
	// first time: above 1, an earlier attempt failed or its worker died,
	// and some recipients may already have it.
	Delivered int
	// Sequence is the task's position in the stream.
	Sequence uint64
}

// Hops returns the hops recorded in the headers, plus Stored and Received,
// oldest first.
func (m Msg) Hops() []Hop {
	hops := Hops(m.Header)
	if !m.Stored.IsZero() {
		hops = append(hops, Hop{Name: HopStored, At: m.Stored})
	}
	if !m.Received.IsZero() {
		hops = append(hops, Hop{Name: HopReceived, At: m.Received})
	}
	sortHops(hops)
	return hops
}

// Handler processes a task. It must be idempotent: a task can be delivered
// more than once. Its ctx is cancelled when Consume stops or the handler
// times out.
type Handler func(ctx context.Context, m Msg) error

// Action is what was done with a task after its handler returned.
type Action string

// Actions reported in a Result.
const (
	// ActionAck: the handler succeeded; the task is removed.
	ActionAck Action = "ack"
	// ActionNak: the task comes back after Result.Delay (0 when Consume
	// was stopping: another worker can take it at once).
	ActionNak Action = "nak"
	// ActionTerm: the task is removed without success (Permanent, or
	// MaxDeliver reached).
	ActionTerm Action = "term"
)

// Result reports how one delivery ended, for metrics and tests.
type Result struct {
	Msg    Msg
	Action Action
	Delay  time.Duration
	// Err is the handler's error (nil for ActionAck).
	Err error
	// SettleErr is set when the server could not be told: the task will be
	// delivered again after AckWait. For ActionAck it means the
	// acknowledgement was not confirmed.
	SettleErr error
	// Took is how long the handler ran.
	Took time.Duration
}

// ConsumerOptions configures Consume.
type ConsumerOptions struct {
	// Stream defaults to DefaultStream.
	Stream string
	// Durable names the consumer (required). Every worker and every
	// instance consuming the same tasks uses the same name: they share the
	// consumer's position, and a restarted instance resumes from it.
	Durable string
	// FilterSubject selects the tasks, e.g. ChannelSubjects("webpush").
	// On a work-queue stream, the filters of two consumers must not
	// overlap. Empty means the whole stream.
	FilterSubject string
	// Workers is the number of handlers running at once in this process
	// (default 1).
	Workers int
	// MaxAckPending bounds the tasks being handled across all instances
	// (default 1000).
	MaxAckPending int
	// AckWait is how long the server waits for a settlement before
	// delivering a task again (default 30 s). Handlers may run longer: the
	// bus tells the server the task is in progress every AckWait/3.
	AckWait time.Duration
	// MaxDeliver gives up on a task after that many deliveries, failed or
	// interrupted (0: never; the handler decides with Permanent). The task
	// is removed and reported as ActionTerm.
	MaxDeliver int
	// Backoff gives the delay before delivery number n+1 after the n-th
	// failed with an ordinary error. Default: 1 s doubling up to 1 min,
	// with ±10 % jitter so that tasks failing together spread out.
	Backoff func(n int) time.Duration
	// HandlerTimeout cancels a handler's ctx after that long (0: never). A
	// handler stuck forever would otherwise hold its task forever, since
	// the bus keeps telling the server it is in progress.
	HandlerTimeout time.Duration
	// OnResult, if set, is called after every delivery is settled.
	OnResult func(Result)
}

// DefaultBackoff is the default ConsumerOptions.Backoff.
func DefaultBackoff(n int) time.Duration {
	d := time.Minute
	if n >= 1 && n <= 6 {
		d = time.Second << (n - 1)
	}
	jitter := time.Duration(rand.Int64N(int64(d/5)+1)) - d/10
	return d + jitter
}

func (o ConsumerOptions) withDefaults() (ConsumerOptions, error) {
	if o.Durable == "" {
		return o, errors.New("natsbus: consume needs ConsumerOptions.Durable")
	}
	if o.Stream == "" {
		o.Stream = DefaultStream
	}
	if o.Workers <= 0 {
		o.Workers = 1
	}
	if o.MaxAckPending <= 0 {
		o.MaxAckPending = 1000
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	return o, nil
}

// settleTimeout bounds the wait for the server's confirmation of an ack.
// It must not depend on the consumer's ctx: a task that succeeded while
// Consume was stopping is still acknowledged.
const settleTimeout = 10 * time.Second

// Consume creates or updates the durable pull consumer o.Durable and runs
// o.Workers handlers on its tasks until ctx is cancelled, then returns nil.
// It returns an error if the consumer cannot be set up or stops on its own
// (connection closed, consumer deleted).
//
// The handler's result settles the task: nil acknowledges it (and waits for
// the server's confirmation); Retry brings it back after Retry.After;
// Permanent removes it; any other error brings it back after Backoff, or
// removes it once MaxDeliver deliveries failed. When ctx is cancelled,
// running handlers see their ctx cancelled, and the tasks they do not
// complete are handed back at once, so another instance can take them
// without waiting for AckWait. Each worker holds at most one task: none is
// fetched ahead.
func (b *Bus) Consume(ctx context.Context, o ConsumerOptions, h Handler) error {
	o, err := o.withDefaults()
	if err != nil {
		return err
	}
	cons, err := b.js.CreateOrUpdateConsumer(ctx, o.Stream, jetstream.ConsumerConfig{
		Durable:       o.Durable,
		FilterSubject: o.FilterSubject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       o.AckWait,
		MaxAckPending: o.MaxAckPending,
		// MaxDeliver is enforced here, not by the server: a task that
		// reaches the server's limit stays in a work-queue stream,
		// undelivered, forever; Term removes it.
		MaxDeliver:    -1,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("natsbus: consumer %s on %s: %w", o.Durable, o.Stream, err)
	}
	// A pull in progress does not notice that the connection closed until
	// its heartbeats are missed; stop at once instead.
	wctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	closed := b.nc.StatusChanged(nats.CLOSED)
	defer b.nc.RemoveStatusListener(closed)
	go func() {
		select {
		case _, ok := <-closed:
			if ok { // not closed by RemoveStatusListener on return
				stop(fmt.Errorf("natsbus: consume %s: %w", o.Durable, nats.ErrConnectionClosed))
			}
		case <-wctx.Done():
		}
	}()
	if b.nc.IsClosed() {
		stop(fmt.Errorf("natsbus: consume %s: %w", o.Durable, nats.ErrConnectionClosed))
	}

	c := &consumer{bus: b, o: o, h: h, cons: cons}
	var wg sync.WaitGroup
	errs := make([]error, o.Workers)
	for i := range o.Workers {
		wg.Go(func() { errs[i] = c.work(wctx) })
	}
	wg.Wait()
	switch {
	case ctx.Err() != nil:
		return nil
	case wctx.Err() != nil:
		return context.Cause(wctx)
	}
	return errors.Join(errs...)
}

type consumer struct {
	bus  *Bus
	o    ConsumerOptions
	h    Handler
	cons jetstream.Consumer
}

// work fetches one task at a time. One pull request per task costs a round
// trip, small next to delivering a task, and buys simple guarantees: no task
// waits in a client buffer while its AckWait runs out, stopping leaves no
// fetched task behind (the server does not deliver to a pull request whose
// inbox is gone), and every failure of a pull (expiry, missed heartbeats,
// a reconnection, a leader change) is handled by pulling again. The
// buffered iterator of nats.go was tried first: in process, it regularly
// stalled until a missed heartbeat, because its refill is skipped while
// the previous pull request is still being sent.
func (c *consumer) work(ctx context.Context) error {
	for ctx.Err() == nil {
		batch, err := c.cons.Fetch(1, jetstream.FetchContext(ctx))
		if err == nil {
			for jm := range batch.Messages() {
				c.handle(ctx, jm) // hands jm back at once if ctx is done
			}
			err = batch.Error()
		}
		switch {
		case err == nil, ctx.Err() != nil:
		case errors.Is(err, jetstream.ErrConsumerDeleted), errors.Is(err, jetstream.ErrBadRequest),
			errors.Is(err, nats.ErrConnectionClosed):
			return fmt.Errorf("natsbus: consume %s: %w", c.o.Durable, err)
		case errors.Is(err, jetstream.ErrNoHeartbeat):
			// The server went quiet (a leader change, a network cut):
			// the pull is dead, pull again at once.
			c.bus.log.Warn("natsbus: no heartbeat from the server; pulling again", "durable", c.o.Durable)
		default:
			// A reconnection, a leadership change: pull again, without
			// spinning.
			c.bus.log.Warn("natsbus: pull failed; pulling again", "durable", c.o.Durable, "err", err)
			select {
			case <-time.After(100 * time.Millisecond):
			case <-ctx.Done():
			}
		}
	}
	return nil
}

func toMsg(jm jetstream.Msg) Msg {
	m := Msg{
		Subject:  jm.Subject(),
		ID:       jm.Headers().Get(jetstream.MsgIDHeader),
		Data:     jm.Data(),
		Header:   jm.Headers(),
		Received: time.Now(),
	}
	if md, err := jm.Metadata(); err == nil {
		m.Stored = md.Timestamp
		m.Delivered = int(md.NumDelivered)
		m.Sequence = md.Sequence.Stream
	}
	return m
}

func (c *consumer) handle(ctx context.Context, jm jetstream.Msg) {
	m := toMsg(jm)
	if ctx.Err() != nil {
		// Fetched just as Consume stopped: hand it back untouched.
		c.settle(jm, m, ctx.Err(), 0, true)
		return
	}
	if c.o.MaxDeliver > 0 && m.Delivered > c.o.MaxDeliver {
		// Its last attempt was interrupted, or killed its worker: a task
		// that crashes every process it reaches must not go round forever.
		c.settle(jm, m, Permanent{Err: fmt.Errorf("natsbus: no attempt succeeded in %d deliveries", m.Delivered-1)}, 0, false)
		return
	}
	hctx, cancel := ctx, context.CancelFunc(func() {})
	if c.o.HandlerTimeout > 0 {
		hctx, cancel = context.WithTimeout(ctx, c.o.HandlerTimeout)
	}
	stop := keepAlive(jm, c.o.AckWait/3)
	start := time.Now()
	err := call(hctx, c.h, m)
	took := time.Since(start)
	stop()
	cancel()
	c.settle(jm, m, err, took, ctx.Err() != nil)
}

// call runs the handler, turning a panic into an ordinary failure: one bad
// task must not stop the fan-out of every other.
func call(ctx context.Context, h Handler, m Msg) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("natsbus: handler panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return h(ctx, m)
}

// keepAlive tells the server every interval that jm is still being worked
// on, until stop is called.
func keepAlive(jm jetstream.Msg, every time.Duration) (stop func()) {
	var (
		mu      sync.Mutex
		stopped bool
		t       *time.Timer
	)
	mu.Lock()
	defer mu.Unlock()
	t = time.AfterFunc(every, func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		_ = jm.InProgress() // if lost, the next one or a redelivery follows
		t.Reset(every)
	})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		t.Stop()
	}
}

// settle tells the server what became of a delivery, as described on
// Consume, and reports it. stopping is true when Consume is stopping.
func (c *consumer) settle(jm jetstream.Msg, m Msg, herr error, took time.Duration, stopping bool) {
	r := Result{Msg: m, Err: herr, Took: took}
	var (
		retry Retry
		perm  Permanent
	)
	isRetry := errors.As(herr, &retry)
	switch {
	case herr == nil:
		r.Action = ActionAck
	case errors.As(herr, &perm):
		r.Action = ActionTerm
	case stopping && !isRetry:
		// Interrupted, not failed: not counted against MaxDeliver here
		// (handle checks it again on the next delivery).
		r.Action = ActionNak
	case c.o.MaxDeliver > 0 && m.Delivered >= c.o.MaxDeliver:
		r.Action = ActionTerm
	case isRetry:
		r.Action, r.Delay = ActionNak, max(retry.After, 0)
	default:
		r.Action, r.Delay = ActionNak, c.o.Backoff(m.Delivered)
	}

	sctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
	defer cancel()
	switch r.Action {
	case ActionAck:
		r.SettleErr = jm.DoubleAck(sctx)
	case ActionNak:
		if r.Delay > 0 {
			r.SettleErr = jm.NakWithDelay(r.Delay)
		} else {
			r.SettleErr = jm.Nak()
		}
	case ActionTerm:
		r.SettleErr = jm.TermWithReason(truncate(herr.Error(), 256))
	}

	log := c.bus.log.With("durable", c.o.Durable, "subject", m.Subject, "id", m.ID, "delivered", m.Delivered)
	switch {
	case r.Action == ActionTerm:
		log.Error("natsbus: task given up", "err", herr)
	case r.Action == ActionNak && isRetry:
		log.Debug("natsbus: task retried later", "after", r.Delay, "err", herr)
	case r.Action == ActionNak && !stopping:
		log.Warn("natsbus: task failed", "retry_in", r.Delay, "err", herr)
	}
	if r.SettleErr != nil {
		log.Warn("natsbus: settle failed; the task will be delivered again", "action", r.Action, "err", r.SettleErr)
	}
	if c.o.OnResult != nil {
		c.o.OnResult(r)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
