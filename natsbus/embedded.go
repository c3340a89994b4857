package natsbus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Options configures the embedded server.
type Options struct {
	// Dir is where JetStream keeps its files (required). A server started
	// again on the same Dir finds its streams, tasks and consumers.
	Dir string
	// Port 0 (the default) opens no listener: the process reaches the
	// server through in-process connections, which are faster and expose
	// nothing. -1 listens on a random free port, a positive value on that
	// port, for tests, the nats CLI or other processes.
	Port int
	// Host is the listening address when Port is not 0 (default 127.0.0.1).
	Host string
	// ServerName defaults to "vigie".
	ServerName string
	// SyncAlways makes JetStream fsync every write, so stored tasks survive
	// power loss, at a large cost in publish rate. Without it the file store
	// syncs every two minutes and relies on the OS page cache in between.
	SyncAlways bool
	// Logger receives the server's warnings and errors (its notices at
	// debug level: the start-up banner is not worth an info line). Nil
	// discards them.
	Logger *slog.Logger
}

// Embedded is a nats-server running in this process with JetStream, and a
// Bus connected to it in process. Its Bus methods can be called directly.
type Embedded struct {
	*Bus
	srv    *server.Server
	log    *slog.Logger
	listen bool
	once   sync.Once
}

// StartEmbedded starts the server, waits until it is ready (as long as ctx
// allows) and connects a Bus to it.
func StartEmbedded(ctx context.Context, o Options) (*Embedded, error) {
	if o.Dir == "" {
		return nil, errors.New("natsbus: embedded server needs Options.Dir")
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("natsbus: embedded: %w", err)
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	logger = logger.With("component", "natsbus")
	opts := &server.Options{
		ServerName: o.ServerName,
		JetStream:  true,
		StoreDir:   dir,
		SyncAlways: o.SyncAlways,
		// The host process owns signals; the server must not exit or
		// reload on SIGINT/SIGHUP behind its back.
		NoSigs: true,
	}
	if opts.ServerName == "" {
		opts.ServerName = "vigie"
	}
	switch {
	case o.Port == 0:
		opts.DontListen = true
	default:
		opts.Host = o.Host
		if opts.Host == "" {
			opts.Host = "127.0.0.1"
		}
		// nats-server reads -1 as "any free port", as we do.
		opts.Port = o.Port
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("natsbus: embedded: %w", err)
	}
	// The adapter is installed even without a Logger: it is how a fatal
	// start-up error (port taken, store locked by another server) reaches
	// waitReady instead of leaving it waiting.
	log := &slogAdapter{l: logger, fatal: make(chan string, 1)}
	srv.SetLoggerV2(log, logger.Enabled(ctx, slog.LevelDebug), false, false)
	srv.Start()
	if err := waitReady(ctx, srv, log.fatal); err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, err
	}
	e := &Embedded{srv: srv, log: logger, listen: !opts.DontListen}
	b, err := e.Connect(ctx)
	if err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, err
	}
	e.Bus = b
	return e, nil
}

// waitReady polls in short steps so that ctx or a fatal error can cut the
// wait short; without a deadline in ctx it gives up after a minute, since a
// server that failed in a way it did not report would never be ready.
func waitReady(ctx context.Context, srv *server.Server, fatal <-chan string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for !srv.ReadyForConnections(50 * time.Millisecond) {
		select {
		case msg := <-fatal:
			return fmt.Errorf("natsbus: embedded server failed: %s", msg)
		case <-ctx.Done():
			return fmt.Errorf("natsbus: embedded server not ready: %w", ctx.Err())
		default:
		}
	}
	// ReadyForConnections covers the listeners and JetStream's start; an
	// in-process connection needs nothing more.
	if !srv.JetStreamEnabled() {
		return errors.New("natsbus: embedded server started without JetStream")
	}
	return nil
}

// Connect opens another in-process connection to the embedded server, for a
// component that wants its own (one slow consumer then cannot hold up the
// others' acknowledgements). Close it before Shutdown.
func (e *Embedded) Connect(ctx context.Context) (*Bus, error) {
	logger := e.log
	nc, err := nats.Connect("",
		nats.InProcessServer(e.srv),
		nats.Name("vigie-embedded"),
		// An in-process connection cannot outlive its server: reconnecting
		// would only spin until the attempts run out.
		nats.NoReconnect(),
		nats.ErrorHandler(logAsyncErrors(logger)),
	)
	if err != nil {
		return nil, fmt.Errorf("natsbus: in-process connect: %w", err)
	}
	b, err := newBus(ctx, nc, logger)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return b, nil
}

// ClientURL returns the URL other processes use to reach the server, or ""
// when it does not listen (Port 0).
func (e *Embedded) ClientURL() string {
	if !e.listen {
		return ""
	}
	return e.srv.ClientURL()
}

// Shutdown closes the embedded Bus and stops the server, waiting until it
// has written its state and released its files. It does not wait for
// consumers: tasks they have not acknowledged are delivered again when a
// server is started on the same Dir. Calling it again does nothing.
func (e *Embedded) Shutdown() {
	e.once.Do(func() {
		e.Bus.Close()
		e.srv.Shutdown()
		e.srv.WaitForShutdown()
	})
}

// slogAdapter sends nats-server's log to slog.
type slogAdapter struct {
	l     *slog.Logger
	fatal chan string
}

func (a *slogAdapter) Noticef(format string, v ...any) { a.l.Debug(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Warnf(format string, v ...any)   { a.l.Warn(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Errorf(format string, v ...any)  { a.l.Error(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Debugf(format string, v ...any)  { a.l.Debug(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Tracef(format string, v ...any) {
	a.l.Log(context.Background(), slog.LevelDebug-4, fmt.Sprintf(format, v...))
}

// Fatalf logs and reports the error to StartEmbedded, but does not exit as
// nats-server's own logger would: stopping the process is not a library's
// decision.
func (a *slogAdapter) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	a.l.Error(msg)
	select {
	case a.fatal <- msg:
	default:
	}
}
