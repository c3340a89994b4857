package natsbus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Defaults of the fan-out stream.
const (
	// DefaultStream is the name of the fan-out stream.
	DefaultStream = "VIGIE_FANOUT"
	// FanoutPrefix starts every fan-out subject.
	FanoutPrefix = "vigie.fanout"
	// DefaultDuplicates is how long JetStream remembers message ids to drop
	// duplicate publications: longer than a publisher takes to restart and
	// publish its fan-out again, short enough to keep the id set small.
	DefaultDuplicates = 10 * time.Minute
)

// Header holds message headers. Keys are case-sensitive, as in NATS.
type Header = nats.Header

// Bus publishes and consumes fan-out tasks on one NATS connection. It is
// safe for concurrent use.
type Bus struct {
	nc  *nats.Conn
	js  jetstream.JetStream
	log *slog.Logger
}

// Connect connects to an external NATS server or cluster at url (for
// example "nats://a:4222,nats://b:4222"; credentials may be in the URL) and
// checks that JetStream is enabled for the account. opts are passed to
// nats.Connect after the bus's own, so TLS, credentials files or other
// settings can be added or overridden. The connection reconnects forever:
// a crisis is the wrong time for the bus to give up on a cluster that is
// restarting. ctx bounds the first connection only.
func Connect(ctx context.Context, url string, logger *slog.Logger, opts ...nats.Option) (*Bus, error) {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	logger = logger.With("component", "natsbus")
	base := []nats.Option{
		nats.Name("vigie"),
		nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: closed on purpose
				logger.Warn("nats: disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			logger.Info("nats: reconnected", "url", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(logAsyncErrors(logger)),
	}
	if d, ok := ctx.Deadline(); ok {
		base = append(base, nats.Timeout(max(time.Until(d), time.Millisecond)))
	}
	nc, err := nats.Connect(url, append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("natsbus: connect: %w", err)
	}
	b, err := newBus(ctx, nc, logger)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return b, nil
}

// logAsyncErrors logs what the connection cannot return to a caller, such
// as a subscriber too slow to keep up.
func logAsyncErrors(logger *slog.Logger) nats.ErrHandler {
	return func(_ *nats.Conn, sub *nats.Subscription, err error) {
		subject := ""
		if sub != nil {
			subject = sub.Subject
		}
		logger.Error("nats: asynchronous error", "subject", subject, "err", err)
	}
}

func newBus(ctx context.Context, nc *nats.Conn, logger *slog.Logger) (*Bus, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("natsbus: jetstream: %w", err)
	}
	// Fail at start-up, not at the first alert, when the server or the
	// account has no JetStream.
	if _, err := js.AccountInfo(ctx); err != nil {
		return nil, fmt.Errorf("natsbus: jetstream account: %w", err)
	}
	return &Bus{nc: nc, js: js, log: logger}, nil
}

// NATS returns the underlying connection, for core NATS uses that need no
// persistence (live streams to connected browsers, for example).
func (b *Bus) NATS() *nats.Conn { return b.nc }

// Close flushes what was published and closes the connection. Consumers
// still running stop with an error; cancel their context first for a clean
// stop.
func (b *Bus) Close() {
	if b.nc.IsConnected() {
		_ = b.nc.FlushTimeout(5 * time.Second)
	}
	b.nc.Close()
}

// StreamOptions configures the fan-out stream. The zero value means the
// defaults: DefaultStream on vigie.fanout.>, one replica, DefaultDuplicates,
// no age or size limit.
type StreamOptions struct {
	Name     string
	Subjects []string
	// Replicas is 1 on the embedded server and 3 on a cluster.
	Replicas int
	// Duplicates is the window in which a message id is stored only once.
	Duplicates time.Duration
	// MaxAge drops tasks older than this (0: keep until done). A task
	// nobody could deliver for a day is usually no longer worth sending.
	MaxAge time.Duration
	// MaxBytes and MaxMsgs bound the backlog (0: no limit). When full,
	// Publish fails instead of dropping the oldest tasks.
	MaxBytes int64
	MaxMsgs  int64
}

func (o StreamOptions) withDefaults() StreamOptions {
	if o.Name == "" {
		o.Name = DefaultStream
	}
	if len(o.Subjects) == 0 {
		o.Subjects = []string{FanoutPrefix + ".>"}
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.Duplicates <= 0 {
		o.Duplicates = DefaultDuplicates
	}
	return o
}

// EnsureStream creates the fan-out stream, or updates it to o when it
// exists, so every instance can call it at start-up. A change the server
// cannot apply in place (such as another retention) is an error.
func (b *Bus) EnsureStream(ctx context.Context, o StreamOptions) error {
	o = o.withDefaults()
	cfg := jetstream.StreamConfig{
		Name:       o.Name,
		Subjects:   o.Subjects,
		Retention:  jetstream.WorkQueuePolicy,
		Storage:    jetstream.FileStorage,
		Replicas:   o.Replicas,
		Duplicates: o.Duplicates,
		Discard:    jetstream.DiscardNew,
		MaxAge:     o.MaxAge,
		MaxBytes:   orUnlimited(o.MaxBytes),
		MaxMsgs:    orUnlimited(o.MaxMsgs),
	}
	if _, err := b.js.CreateOrUpdateStream(ctx, cfg); err != nil {
		return fmt.Errorf("natsbus: ensure stream %s: %w", o.Name, err)
	}
	return nil
}

func orUnlimited(n int64) int64 {
	if n <= 0 {
		return -1
	}
	return n
}

// FanoutSubject returns vigie.fanout.<channel>.<shard>. Both must be single
// subject tokens (no dots, wildcards or spaces): a geohash cell, a platform
// id, a number.
func FanoutSubject(channel, shard string) (string, error) {
	for _, tok := range []string{channel, shard} {
		if !validToken(tok) {
			return "", fmt.Errorf("natsbus: %q is not a subject token", tok)
		}
	}
	return FanoutPrefix + "." + channel + "." + shard, nil
}

// ChannelSubjects returns the filter matching every shard of channel, for
// ConsumerOptions.FilterSubject.
func ChannelSubjects(channel string) string {
	return FanoutPrefix + "." + channel + ".>"
}

func validToken(tok string) bool {
	return tok != "" && !strings.ContainsAny(tok, ".*> \t\r\n")
}

// PubAck is the server's answer to a publication.
type PubAck struct {
	Stream   string
	Sequence uint64
	// Duplicate is true when the message id was already stored within the
	// duplicate window: this publication was dropped.
	Duplicate bool
}

// ErrNoMsgID is returned by Publish for an empty message id.
var ErrNoMsgID = errors.New("natsbus: publish needs a message id")

// Publish stores data on subject, once per msgID within the stream's
// duplicate window, and returns when JetStream has stored it. The id must
// be stable for the task (for example alert id, channel and shard), so that
// publishing a fan-out again after a crash adds nothing. h is not modified;
// the stored headers get Vigie-Hop-Published when h has none.
func (b *Bus) Publish(ctx context.Context, subject, msgID string, data []byte, h Header) (PubAck, error) {
	if msgID == "" {
		return PubAck{}, ErrNoMsgID
	}
	hdr := make(Header, len(h)+2)
	maps.Copy(hdr, h)
	if _, ok := HopTime(hdr, HopPublished); !ok {
		SetHop(hdr, HopPublished, time.Now())
	}
	m := &nats.Msg{Subject: subject, Data: data, Header: hdr}
	ack, err := b.js.PublishMsg(ctx, m, jetstream.WithMsgID(msgID))
	if err != nil {
		return PubAck{}, fmt.Errorf("natsbus: publish %s (id %s): %w", subject, msgID, err)
	}
	return PubAck{Stream: ack.Stream, Sequence: ack.Sequence, Duplicate: ack.Duplicate}, nil
}

// Stats describes a stream's backlog and, when a durable consumer is
// named, how far that consumer has got. Export them as gauges: a growing
// backlog during a crisis means workers are missing.
type Stats struct {
	// Messages is the number of tasks in the stream: with work-queue
	// retention, those not yet acknowledged by any consumer.
	Messages uint64
	// Pending is the number of tasks the consumer has not yet received.
	Pending uint64
	// AckPending is the number of tasks received and not yet settled.
	AckPending int
	// Redelivered is the number of tasks delivered more than once and not
	// yet settled.
	Redelivered int
}

// Stats returns the state of stream and, if durable is not empty, of that
// consumer on it.
func (b *Bus) Stats(ctx context.Context, stream, durable string) (Stats, error) {
	if stream == "" {
		stream = DefaultStream
	}
	s, err := b.js.Stream(ctx, stream)
	if err != nil {
		return Stats{}, fmt.Errorf("natsbus: stats %s: %w", stream, err)
	}
	si, err := s.Info(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("natsbus: stats %s: %w", stream, err)
	}
	st := Stats{Messages: si.State.Msgs}
	if durable == "" {
		return st, nil
	}
	c, err := s.Consumer(ctx, durable)
	if err != nil {
		return Stats{}, fmt.Errorf("natsbus: stats %s/%s: %w", stream, durable, err)
	}
	ci, err := c.Info(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("natsbus: stats %s/%s: %w", stream, durable, err)
	}
	st.Pending = ci.NumPending
	st.AckPending = ci.NumAckPending
	st.Redelivered = ci.NumRedelivered
	return st, nil
}
