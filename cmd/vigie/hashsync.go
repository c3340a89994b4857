package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/hashlist"
	"github.com/vigie-project/vigie/media"
)

const hashSyncUsage = `Usage:
  vigie hash sync --from URL --key KEY --bank NAME --into NAME --org ORG [--create]
Copies another Vigie instance's bank into a local one, incrementally: it reads
the remote delta feed (GET URL/api/v1/banks/NAME/delta) from the checkpoint of
the last sync, applies the additions and the removals, and keeps the new
checkpoint. Run it from cron or a timer. Every command takes --data or --db.
`

// runHashSync follows a remote bank's delta feed into a local bank.
func runHashSync(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var db dbFlags
	fs := newFlagSet("hash sync", stderr)
	db.register(fs)
	from := fs.String("from", "", "base URL of the other Vigie instance")
	key := fs.String("key", "", "API key at the other instance (a member's)")
	remote := fs.String("bank", "", "bank name at the other instance")
	into := fs.String("into", "", "local bank name (default: the same name)")
	orgRef := fs.String("org", "", "local member organisation the hashes are contributed as, name or id")
	create := fs.Bool("create", false, "create the local bank if it does not exist")
	fs.Usage = func() { fmt.Fprint(stderr, hashSyncUsage) }
	if err := fs.Parse(args); err != nil {
		return errSilent
	}
	if *from == "" || *key == "" || *remote == "" {
		fmt.Fprint(stderr, hashSyncUsage)
		return errSilent
	}
	if *into == "" {
		*into = *remote
	}
	base, err := url.Parse(strings.TrimSuffix(*from, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") {
		return fmt.Errorf("--from: an http(s) URL is needed")
	}
	store, svc, p, err := openBanks(ctx, db, *orgRef)
	if err != nil {
		return err
	}
	defer store.Close()
	if *create {
		if _, err := svc.Bank(ctx, p, *into); err != nil {
			if _, err := svc.CreateBank(ctx, p, media.BankDraft{Name: *into}); err != nil {
				return err
			}
		}
	}
	setting := "sync_checkpoint:" + base.Host + "/" + *remote + ">" + *into
	cp, err := store.InitSetting(ctx, setting, "0")
	if err != nil {
		return err
	}
	checkpoint, _ := strconv.ParseInt(cp, 10, 64)
	client := &http.Client{Timeout: time.Minute}
	added, removed := 0, 0
	for {
		u := fmt.Sprintf("%s/api/v1/banks/%s/delta?checkpoint=%d", base, url.PathEscape(*remote), checkpoint)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer "+*key)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s: %s", u, resp.Status, body)
		}
		var d media.Delta
		if err := json.Unmarshal(body, &d); err != nil {
			return fmt.Errorf("%s: %w", u, err)
		}
		// The page goes through the import, as a list in Vigie's own
		// format: additions and deletions, validated like any import.
		var sb strings.Builder
		w, _ := hashlist.NewWriter(&sb, hashlist.FormatVigie)
		for _, s := range d.Signals {
			rec := hashlist.Record{SignalType: string(s.Type), Value: s.Value, Quality: s.Quality, Deleted: s.State != media.Active,
				Source: base.Host, Ref: strconv.FormatInt(s.ID, 10), Labels: hashlist.Labels{Entity: s.Labels.Entity,
					Behaviour: s.Labels.Behaviour, Incident: s.Labels.Incident, ContentType: s.Labels.ContentType, Tags: s.Labels.Tags}}
			if err := w.Write(rec); err != nil {
				return err
			}
		}
		w.Close()
		r, err := hashlist.NewReader(strings.NewReader(sb.String()), hashlist.Options{Format: hashlist.FormatVigie})
		if err != nil {
			return err
		}
		res, err := svc.Import(ctx, p, *into, r, "sync:"+base.Host, nil)
		if err != nil {
			return err
		}
		added, removed = added+res.Added, removed+res.Removed
		for _, pb := range res.Problems {
			fmt.Fprintf(stderr, "sync: %s\n", pb.Message)
		}
		checkpoint = d.Checkpoint
		if err := store.SetSetting(ctx, setting, strconv.FormatInt(checkpoint, 10)); err != nil {
			return err
		}
		if !d.More {
			break
		}
	}
	fmt.Fprintf(stdout, "synced %s/%s into %s: %d added, %d removed, checkpoint %d\n", base.Host, *remote, *into, added, removed, checkpoint)
	return nil
}
