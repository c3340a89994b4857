package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/vigie-project/vigie/audit"
	"github.com/vigie-project/vigie/sqlstore"
)

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stderr, "Usage: vigie audit verify [--data DIR | --db URL]")
		return errSilent
	}
	var db dbFlags
	fs := newFlagSet("audit verify", stderr)
	db.register(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return errSilent
	}
	store, err := sqlstore.Open(ctx, db.dsn(), time.Now, newID)
	if err != nil {
		return err
	}
	defer store.Close()
	v := audit.NewVerifier()
	err = store.EachAuditEntry(ctx, 1, v.Next)
	var brk *audit.Break
	if errors.As(err, &brk) {
		fmt.Fprintf(stdout, "BROKEN: %d entries verified, then entry %d: %s\n", v.Count(), brk.Seq, brk.Reason)
		return errSilent
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ok: %d entries verified; head %s\n", v.Count(), v.Head())
	return nil
}
