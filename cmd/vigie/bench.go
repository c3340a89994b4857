package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vigie-project/vigie/bench"
)

const benchUsage = `Usage: vigie bench referrals [flags]
       vigie bench webpush [flags]

referrals starts 'vigie serve' from this executable as a child process on
loopback (SQLite in a temporary folder unless --db is given), submits
referrals at a steady rate over HTTP, receives and verifies their signed webhooks on
loopback, and reports throughput and submit-to-webhook latency beside a
baseline measured in the same run (the same load against an echo server
that stores nothing). See BENCHMARKS.md.

webpush encrypts and sends Web Push messages with Vigie's sender and with
github.com/SherClockHolmes/webpush-go, to a push service on loopback that
runs as a child process and decrypts a sample, and reports messages per
second per core of sending CPU, medians of several runs, and estimates for
1 and 12 million subscribers.

Flags:
`

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "webpush" {
		return runBenchWebPush(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "referrals" {
		fmt.Fprint(stderr, benchUsage)
		return errSilent
	}
	var c bench.Config
	fs := newFlagSet("bench referrals", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), benchUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.DB, "db", "", "database to run on: a postgres:// URL (organisations named bench-… are created in it) or a SQLite file; default SQLite in a temporary folder")
	fs.Float64Var(&c.Rate, "rate", 200, "referrals submitted per second (open loop)")
	fs.DurationVar(&c.Duration, "duration", 20*time.Second, "measured time, for Vigie and for the baseline each")
	fs.DurationVar(&c.Warmup, "warmup", 3*time.Second, "unmeasured load before the measured time")
	fs.IntVar(&c.Concurrency, "concurrency", 32, "most submits in flight; a send that would exceed it counts as missed")
	fs.DurationVar(&c.Drain, "drain", 5*time.Second, "how long webhooks may still arrive after the last submit")
	fs.BoolVar(&c.FindMax, "find-max", false, "step the rate up (100, 200, 400, …) and report the highest that keeps p99 under 250 ms and delivery up")
	fs.DurationVar(&c.StepDuration, "step-duration", 5*time.Second, "with --find-max: measured time of each step")
	fs.StringVar(&c.Binary, "server-binary", "", "vigie executable to benchmark (default: this one)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	progress := fs.Bool("progress", isTerminal(stderr), "show progress on stderr (default: when stderr is a terminal)")
	if err := fs.Parse(args[1:]); err != nil {
		return errSilent
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "vigie bench referrals: unexpected argument %q\n", fs.Arg(0))
		return errSilent
	}
	if c.Rate <= 0 || c.Duration <= 0 || c.Concurrency <= 0 {
		fmt.Fprintln(stderr, "vigie bench referrals: --rate, --duration and --concurrency must be positive")
		return errSilent
	}
	if c.Binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find this executable: %w", err)
		}
		c.Binary = exe
	}
	if *progress {
		c.Progress, c.Redraw = stderr, isTerminal(stderr)
	}
	res, err := bench.Referrals(ctx, c)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return res.WriteText(stdout)
}

func runBenchWebPush(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c bench.WebPushConfig
	fs := newFlagSet("bench webpush", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), benchUsage)
		fs.PrintDefaults()
	}
	fs.IntVar(&c.Messages, "messages", 20000, "messages per sender and run")
	fs.IntVar(&c.Runs, "runs", 3, "runs of each sender; the report gives medians")
	fs.IntVar(&c.Concurrency, "concurrency", 64, "messages being encrypted or in flight at once")
	fs.IntVar(&c.Subscribers, "subscribers", 0, "distinct subscriptions, sent to in turn (default the smaller of --messages and 10000)")
	fs.IntVar(&c.Origins, "origins", 2, "push services (loopback ports) the subscriptions are spread over")
	senders := fs.String("senders", strings.Join(bench.DefaultWebPushSenders, ","), "senders to measure, the first compared with webpush-go: vigie, vigie-nethttp, vigie-nethttp-h2, webpush-go")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	progress := fs.Bool("progress", isTerminal(stderr), "show progress on stderr (default: when stderr is a terminal)")
	serve := fs.Bool("push-service", false, "run as the benchmark's push service (started by the benchmark itself)")
	if err := fs.Parse(args); err != nil {
		return errSilent
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "vigie bench webpush: unexpected argument %q\n", fs.Arg(0))
		return errSilent
	}
	if *serve {
		return bench.ServePushService(os.Stdin, stdout)
	}
	if c.Messages <= 0 || c.Runs <= 0 || c.Concurrency <= 0 {
		fmt.Fprintln(stderr, "vigie bench webpush: --messages, --runs and --concurrency must be positive")
		return errSilent
	}
	c.Senders = strings.Split(*senders, ",")
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this executable: %w", err)
	}
	c.ServiceCommand = []string{exe, "bench", "webpush", "--push-service"}
	if *progress {
		c.Progress, c.Redraw = stderr, isTerminal(stderr)
	}
	res, err := bench.WebPush(ctx, c)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return res.WriteText(stdout)
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
