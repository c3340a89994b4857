package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// server is `vigie serve` running as a child process.
type server struct {
	cmd     *exec.Cmd
	url     string
	logPath string
	exited  chan struct{}
	waitErr error
}

// childEnv is this process's environment without VIGIE_* variables, which
// would otherwise override defaults of the child (a VIGIE_DB pointing at a
// real database, say), plus extra.
func childEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VIGIE_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// admin runs `vigie admin ARGS --db DSN` and returns its standard output.
func admin(ctx context.Context, bin, dsn string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, append(append([]string{"admin"}, args...), "--db", dsn)...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("vigie admin %s: %v: %s", strings.Join(args[:2], " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// startServer runs `vigie serve` on a free loopback port and waits until it
// listens. Its log goes to logPath.
func startServer(ctx context.Context, bin, dsn, logPath string, env []string) (*server, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", dsn, "--allow-private-webhooks")
	cmd.Env = env
	cmd.Stderr = logFile
	setParentDeathSignal(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s serve: %w", bin, err)
	}
	s := &server{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	addr := make(chan string, 1)
	var scanDone sync.WaitGroup
	scanDone.Go(func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "vigie: listening on http://"); ok {
				select {
				case addr <- strings.Fields(rest + " ")[0]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	})
	go func() {
		scanDone.Wait() // Wait must not run before the pipe is read to the end
		s.waitErr = cmd.Wait()
		logFile.Close()
		close(s.exited)
	}()
	timeout := time.NewTimer(time.Minute)
	defer timeout.Stop()
	select {
	case a := <-addr:
		s.url = "http://" + a
		return s, nil
	case <-s.exited:
		return nil, fmt.Errorf("vigie serve exited before listening (%v): %s", s.waitErr, s.logTail())
	case <-timeout.C:
		err = errors.New("vigie serve did not listen within a minute")
	case <-ctx.Done():
		err = ctx.Err()
	}
	s.stop()
	return nil, err
}

// pid is the server's process id.
func (s *server) pid() int { return s.cmd.Process.Pid }

// alive reports whether the server is still running.
func (s *server) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// stop asks the server to shut down gracefully, and kills it if it has not
// within 20 seconds.
func (s *server) stop() error {
	if !s.alive() {
		return s.waitErr
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
		return s.waitErr
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return errors.New("vigie serve did not stop within 20 s of an interrupt and was killed")
	}
}

// logTail returns the end of the server's log, for error messages.
func (s *server) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}
