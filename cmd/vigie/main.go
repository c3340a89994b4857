// Command vigie is the Vigie server and its tools, in one binary:
//
//	vigie serve [--demo]        run the server (SQLite by default)
//	vigie admin …               organisations, users and API keys
//	vigie audit verify          check the audit chain
//	vigie report transparency   transparency figures and DSA statements
//	vigie bench referrals       measure throughput and delivery latency
//	vigie cap validate|geojson  check CAP alerts, print their areas
//	vigie hash pdq|md5|sha256   hash media files
//
// This package only wires the others together.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if err != errSilent {
			fmt.Fprintln(os.Stderr, "vigie:", err)
		}
		os.Exit(1)
	}
}

// errSilent fails the command after it has said why itself.
var errSilent = fmt.Errorf("failed")

const usage = `Usage: vigie <command> [flags]

Commands:
  serve                  run the server (add --demo for demo organisations)
  admin org|user|key     manage organisations, users and API keys
  audit verify           verify the hash-chained audit log
  report transparency    transparency figures (--dsa: statements of reasons)
  bench referrals        measure referral throughput and webhook latency
  cap validate|geojson   check CAP 1.2 alerts (1.0 and 1.1 read), print their areas as GeoJSON
  hash pdq|md5|sha256    hash media files (pdq --dihedral: the 8 rotations and flips)
  version                print the version

Run 'vigie <command> -h' for a command's flags.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errSilent
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "admin":
		return runAdmin(ctx, args[1:], stdout, stderr)
	case "audit":
		return runAudit(ctx, args[1:], stdout, stderr)
	case "report":
		return runReport(ctx, args[1:], stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "cap":
		return runCap(ctx, args[1:], stdout, stderr)
	case "hash":
		return runHash(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "vigie", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "vigie: unknown command %q\n\n%s", args[0], usage)
	return errSilent
}
