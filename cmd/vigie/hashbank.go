package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/hashlist"
	"github.com/vigie-project/vigie/media"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/sqlstore"
)

const hashBankUsage = `Usage:
  vigie hash import FILE --bank NAME --org ORG [--format F] [--type pdq|md5|sha256] [--create] [--progress]
  vigie hash export --bank NAME --org ORG [--format F] [--out FILE]
Imports a hash list into a bank as organisation ORG (a member: platform or NGO),
or exports the bank's active hashes. Formats: %s (default: recognised from the
first line on import, vigie on export). Bad lines are reported with their line
numbers and the good ones imported. A running server takes the new hashes into
its index within a second. Every command takes --data or --db.
`

func hashBankHelp(w io.Writer) {
	var names []string
	for _, f := range hashlist.Formats() {
		names = append(names, string(f))
	}
	fmt.Fprintf(w, hashBankUsage, strings.Join(names, ", "))
}

// openBanks opens the store and the hash service for a member organisation.
func openBanks(ctx context.Context, db dbFlags, orgRef string) (*sqlstore.DB, *media.Service, org.Principal, error) {
	if orgRef == "" {
		return nil, nil, org.Principal{}, fmt.Errorf("--org is required")
	}
	store, err := sqlstore.Open(ctx, db.dsn(), time.Now, newID)
	if err != nil {
		return nil, nil, org.Principal{}, err
	}
	orgs := org.NewService(store, time.Now, newID)
	o, err := orgs.OrgByName(ctx, orgRef)
	if vigie.ErrorCode(err) == vigie.ENotFound {
		o, err = orgs.Org(ctx, orgRef)
	}
	if err != nil {
		store.Close()
		return nil, nil, org.Principal{}, fmt.Errorf("organisation %q: %w", orgRef, err)
	}
	// The command writes to the store only; a running server follows the
	// store into its index.
	svc := media.NewService(store, nil, media.DefaultPolicy(), time.Now, slog.New(slog.DiscardHandler))
	p := org.Principal{OrgID: o.ID, OrgName: o.Name, Kind: o.Kind, KeyID: "cli"}
	return store, svc, p, nil
}

func runHashImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var db dbFlags
	fs := newFlagSet("hash import", stderr)
	db.register(fs)
	bank := fs.String("bank", "", "bank name")
	orgRef := fs.String("org", "", "contributing organisation, name or id")
	format := fs.String("format", "", "list format (default: recognised)")
	typ := fs.String("type", "", "signal type of lines that name none (a bare 64-digit hash could be PDQ or SHA-256)")
	create := fs.Bool("create", false, "create the bank if it does not exist")
	progress := fs.Bool("progress", isTerminal(stderr), "show a progress bar on stderr (default: when stderr is a terminal)")
	fs.Usage = func() { hashBankHelp(stderr) }
	file, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, rest = args[0], args[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return errSilent
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" || *bank == "" {
		hashBankHelp(stderr)
		return errSilent
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	store, svc, p, err := openBanks(ctx, db, *orgRef)
	if err != nil {
		return err
	}
	defer store.Close()
	if *create {
		if _, err := svc.Bank(ctx, p, *bank); vigie.ErrorCode(err) == vigie.ENotFound {
			if _, err := svc.CreateBank(ctx, p, media.BankDraft{Name: *bank}); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "created bank %s\n", *bank)
		}
	}
	var fmtName hashlist.Format
	if *format != "" {
		if fmtName, err = hashlist.ParseFormat(*format); err != nil {
			return err
		}
	}
	pr := hashlist.NewProgress(f, info.Size())
	r, err := hashlist.NewReader(pr, hashlist.Options{Format: fmtName, SignalType: *typ, MaxTotalBytes: -1})
	if err != nil {
		return err
	}
	var bar *progressBar
	if *progress {
		bar = startProgressBar(stderr, isTerminal(stderr), "import "+*bank, pr.Fraction)
	}
	start := time.Now()
	res, err := svc.Import(ctx, p, *bank, r, "import:"+fileBase(file), func(res *media.ImportResult) {
		bar.set(fmt.Sprintf("%d added, %d duplicates, %d bad", res.Added, res.Duplicates, res.BadLines))
	})
	bar.stop()
	if res != nil {
		for _, pb := range res.Problems {
			fmt.Fprintf(stderr, "%s: %s\n", file, pb.Message)
		}
		if res.BadLines > len(res.Problems) {
			fmt.Fprintf(stderr, "%s: … and %d more bad lines\n", file, res.BadLines-len(res.Problems))
		}
		took := time.Since(start)
		fmt.Fprintf(stdout, "%s (%s): %d records read, %d added, %d already in %s, %d removed, %d skipped (negative), %d bad lines, in %s (%.0f records/s)\n",
			file, res.Format, res.Read, res.Added, res.Duplicates, *bank, res.Removed, res.Skipped, res.BadLines,
			took.Round(time.Millisecond), float64(res.Read)/max(took.Seconds(), 1e-9))
	}
	if err != nil {
		return err
	}
	if res.BadLines > 0 {
		return errSilent // exit 1: some lines were not imported
	}
	return nil
}

func fileBase(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		return name[i+1:]
	}
	return name
}

func runHashExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var db dbFlags
	fs := newFlagSet("hash export", stderr)
	db.register(fs)
	bank := fs.String("bank", "", "bank name")
	orgRef := fs.String("org", "", "member organisation, name or id")
	format := fs.String("format", "vigie", "list format")
	out := fs.String("out", "-", "output file, - for standard output")
	fs.Usage = func() { hashBankHelp(stderr) }
	if err := fs.Parse(args); err != nil {
		return errSilent
	}
	if *bank == "" {
		hashBankHelp(stderr)
		return errSilent
	}
	f, err := hashlist.ParseFormat(*format)
	if err != nil {
		return err
	}
	store, svc, p, err := openBanks(ctx, db, *orgRef)
	if err != nil {
		return err
	}
	defer store.Close()
	w := stdout
	if *out != "-" {
		file, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	hw, err := hashlist.NewWriter(w, f)
	if err != nil {
		return err
	}
	n, err := svc.Export(ctx, p, *bank, hw)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "exported %d hashes of %s\n", n, *bank)
	return nil
}

// progressBar redraws "label [#####-----] 42% detail" on a terminal every
// quarter second, or prints a line every five seconds elsewhere.
type progressBar struct {
	mu     sync.Mutex
	detail string
	done   chan struct{}
	wg     sync.WaitGroup
}

func startProgressBar(w io.Writer, redraw bool, label string, fraction func() float64) *progressBar {
	b := &progressBar{done: make(chan struct{})}
	every := 5 * time.Second
	if redraw {
		every = 250 * time.Millisecond
	}
	start := time.Now()
	b.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-b.done:
				if redraw {
					fmt.Fprintf(w, "\r%s\r", strings.Repeat(" ", 79))
				}
				return
			case <-t.C:
			}
			b.mu.Lock()
			line := progressText(label, fraction(), time.Since(start), b.detail)
			b.mu.Unlock()
			if redraw {
				fmt.Fprintf(w, "\r%-79.79s", line)
			} else {
				fmt.Fprintln(w, line)
			}
		}
	})
	return b
}

// progressText is e.g. "import BANK [######------] 50% 12s left 1000 added".
func progressText(label string, frac float64, elapsed time.Duration, detail string) string {
	const width = 20
	frac = min(max(frac, 0), 1)
	n := int(frac * width)
	left := ""
	if frac > 0.01 {
		left = fmt.Sprintf(" %s left", (time.Duration(float64(elapsed)/frac) - elapsed).Round(time.Second))
	}
	return fmt.Sprintf("%s [%s%s] %3.0f%%%s %s", label, strings.Repeat("#", n), strings.Repeat("-", width-n), 100*frac, left, detail)
}

func (b *progressBar) set(detail string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.detail = detail
	b.mu.Unlock()
}

func (b *progressBar) stop() {
	if b == nil {
		return
	}
	close(b.done)
	b.wg.Wait()
}
