package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/referral"
	"github.com/vigie-project/vigie/sqlstore"
)

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "transparency" {
		fmt.Fprintln(stderr, "Usage: vigie report transparency --from DATE --to DATE [--format text|json] [--dsa --platform NAME]")
		return errSilent
	}
	var db dbFlags
	fs := newFlagSet("report transparency", stderr)
	db.register(fs)
	fromS := fs.String("from", "", "start of the period, inclusive (2026-01-01 or RFC 3339); default 30 days ago")
	toS := fs.String("to", "", "end of the period, exclusive; default now")
	format := fs.String("format", "text", "text or json")
	dsa := fs.Bool("dsa", false, "print the DSA Transparency Database statements of reasons of --platform instead")
	platform := fs.String("platform", "", "with --dsa: the platform's name or id")
	if err := fs.Parse(args[1:]); err != nil {
		return errSilent
	}
	to, from := time.Now(), time.Time{}
	var err error
	if *toS != "" {
		if to, err = parseTime("to", *toS); err != nil {
			return err
		}
	}
	from = to.AddDate(0, 0, -30)
	if *fromS != "" {
		if from, err = parseTime("from", *fromS); err != nil {
			return err
		}
	}
	if !to.After(from) {
		return fmt.Errorf("--to must be after --from")
	}
	store, err := sqlstore.Open(ctx, db.dsn(), time.Now, newID)
	if err != nil {
		return err
	}
	defer store.Close()
	if *dsa {
		return printStatements(ctx, store, *platform, from, to, stdout)
	}
	rs, err := store.ListReferrals(ctx, referral.Filter{IssuedTo: to})
	if err != nil {
		return err
	}
	rep := referral.Compute(rs, from, to)
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(stdout, "Referrals and removal orders received %s to %s\n\n", from.Format(time.RFC3339), to.Format(time.RFC3339))
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "PLATFORM\tKIND\tRECEIVED\tACTIONED\tREJECTED\tOPEN\tMEDIAN ACK\tMEDIAN\tP95\tWITHIN DEADLINE\t")
	for _, s := range rep.Stats {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%.1f %%\t\n", s.Platform, s.Kind, s.Received, s.Actioned, s.Rejected, s.Open,
			minutes(s.MedianAckSeconds), minutes(s.MedianSeconds), minutes(s.P95Seconds), 100*s.WithinDeadline)
	}
	return tw.Flush()
}

func minutes(sec float64) string { return fmt.Sprintf("%.1f min", sec/60) }

// printStatements prints the platform's statements of reasons, computed by
// the service exactly as the API serves them.
func printStatements(ctx context.Context, store *sqlstore.DB, platform string, from, to time.Time, w io.Writer) error {
	if platform == "" {
		return fmt.Errorf("--dsa needs --platform")
	}
	orgs := org.NewService(store, time.Now, newID)
	o, err := orgs.OrgByName(ctx, platform)
	if vigie.ErrorCode(err) == vigie.ENotFound {
		o, err = orgs.Org(ctx, platform)
	}
	if err != nil {
		return fmt.Errorf("--platform %q: %w", platform, err)
	}
	svc := referral.NewService(store, orgs, referral.DefaultPolicy(), time.Now, newID)
	sts, err := svc.Statements(ctx, org.Principal{OrgID: o.ID, OrgName: o.Name, Kind: o.Kind}, from, to)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"statements": sts})
}
