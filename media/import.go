package media

import (
	"context"
	"errors"
	"fmt"
	"io"

	vigie "github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/audit"
	"github.com/vigie-project/vigie/hashlist"
	"github.com/vigie-project/vigie/org"
)

// LineProblem is a line of an imported list that was not imported.
type LineProblem struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// ImportResult says what an import did.
type ImportResult struct {
	Format     string        `json:"format"`
	Read       int           `json:"read" doc:"Records read, good and bad."`
	Added      int           `json:"added"`
	Duplicates int           `json:"duplicates" doc:"Hashes already in the bank."`
	Removed    int           `json:"removed" doc:"Deletions in the list applied to the bank."`
	Skipped    int           `json:"skipped" doc:"Records the list marks as not terrorist content (a negative opinion): never banked as matches."`
	BadLines   int           `json:"bad_lines"`
	Problems   []LineProblem `json:"problems" doc:"The first bad lines, with the rule each broke."`
}

// importBatch is the number of hashes committed per transaction: large
// enough to import a million lines in minutes, small enough that a crash
// loses little and that other writers are not held up.
const importBatch = 2000

// maxProblems bounds the bad lines reported one by one.
const maxProblems = 1000

// Import adds the hashes of a list to a bank for the caller's organisation.
// Bad lines are reported with their line numbers and the good ones imported;
// each batch is committed whole, so an interrupted import leaves whole
// batches and can simply be run again (duplicates are skipped). progress,
// if not nil, is called after every batch.
func (s *Service) Import(ctx context.Context, p org.Principal, bankName string, r *hashlist.Reader, source string, progress func(*ImportResult)) (*ImportResult, error) {
	if !member(p) {
		return nil, forbidden("importing hashes")
	}
	b, err := s.store.BankByName(ctx, bankName)
	if err != nil {
		return nil, err
	}
	res := &ImportResult{Format: string(r.Format()), Problems: []LineProblem{}}
	bad := func(line int, msg string) {
		res.BadLines++
		if len(res.Problems) < maxProblems {
			res.Problems = append(res.Problems, LineProblem{Line: line, Message: msg})
		}
	}
	var batch []*Signal
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		added, err := s.store.AddSignals(ctx, batch, Change{Audit: audit.Record{OrgID: p.OrgID, Actor: p.Actor(), Action: "hash.imported",
			Subject: "bank/" + b.Name, Data: map[string]any{"signals": len(batch), "source": source}}})
		if err != nil {
			return err
		}
		s.apply(added)
		res.Added += len(added)
		res.Duplicates += len(batch) - len(added)
		batch = batch[:0]
		if progress != nil {
			progress(res)
		}
		return nil
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *hashlist.LineError
		if errors.As(err, &le) {
			res.Read++
			bad(le.Line, le.Error())
			continue
		}
		if err != nil {
			if ferr := flush(); ferr != nil {
				return res, ferr
			}
			return res, vigie.Invalid("body", "line %d: %v", r.Line(), err)
		}
		res.Read++
		if rec.Opinion == hashlist.OpinionNegative {
			res.Skipped++
			continue
		}
		t, ok := ParseSignalType(rec.SignalType)
		if !ok {
			bad(rec.Line, fmt.Sprintf("line %d: signal type %s is not one Vigie banks", rec.Line, rec.SignalType))
			continue
		}
		d := SignalDraft{Type: t, Value: rec.Value, Labels: importLabels(rec.Labels)}
		if rec.Quality >= 0 {
			q := rec.Quality
			d.Quality = &q
		}
		if err := d.Validate("line"); err != nil {
			bad(rec.Line, fmt.Sprintf("line %d: %s", rec.Line, vigie.AsError(err).Message))
			continue
		}
		if rec.Deleted {
			removed, msg := s.importDeletion(ctx, p, b, d)
			if msg != "" {
				bad(rec.Line, fmt.Sprintf("line %d: %s", rec.Line, msg))
			} else if removed {
				res.Removed++
			}
			continue
		}
		src := source
		if rec.Source != "" {
			src = source + ":" + rec.Source
		}
		batch = append(batch, s.newSignal(b, p.OrgID, d, src))
		if len(batch) == importBatch {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	if progress != nil {
		progress(res)
	}
	return res, nil
}

// importDeletion applies a deletion line: the caller's own hash is removed.
func (s *Service) importDeletion(ctx context.Context, p org.Principal, b *Bank, d SignalDraft) (bool, string) {
	sg, err := s.store.SignalByValue(ctx, b.ID, d.Type, d.Value)
	if vigie.ErrorCode(err) == vigie.ENotFound {
		return false, ""
	}
	if err != nil {
		return false, err.Error()
	}
	if sg.ContributorID != p.OrgID && b.OwnerID != p.OrgID {
		return false, "a deletion of another member's hash, ignored"
	}
	if sg.State == Removed {
		return false, ""
	}
	if err := s.setState(ctx, p, sg, Removed, "deleted by an imported list", "hash.removed"); err != nil {
		return false, err.Error()
	}
	return true, ""
}

func importLabels(l hashlist.Labels) Labels {
	out := Labels{Entity: l.Entity, Behaviour: l.Behaviour, Incident: l.Incident, ContentType: l.ContentType, Tags: l.Tags}
	if l.Ideology != "" {
		out.Tags = append(out.Tags, "ideology:"+l.Ideology)
	}
	if len(out.Tags) > 20 {
		out.Tags = out.Tags[:20]
	}
	return out
}

// Export writes a bank's active signals to w in a hash-list format, for
// another instance, HMA or python-threatexchange to import.
func (s *Service) Export(ctx context.Context, p org.Principal, bankName string, w *hashlist.Writer) (int, error) {
	if !member(p) {
		return 0, forbidden("exporting hashes")
	}
	b, err := s.store.BankByName(ctx, bankName)
	if err != nil {
		return 0, err
	}
	n := 0
	var after int64
	for {
		sigs, err := s.store.SignalsAfter(ctx, b.ID, after, 10_000)
		if err != nil {
			return n, err
		}
		if len(sigs) == 0 {
			return n, w.Close()
		}
		for _, sg := range sigs {
			after = sg.Seq
			if sg.State != Active {
				continue
			}
			rec := hashlist.Record{SignalType: string(sg.Type), Value: sg.Value, Quality: sg.Quality, Updated: sg.UpdatedAt,
				Source: sg.ContributorID, Ref: fmt.Sprint(sg.ID), Opinion: hashlist.OpinionPositive,
				Labels: hashlist.Labels{Entity: sg.Labels.Entity, Behaviour: sg.Labels.Behaviour, Incident: sg.Labels.Incident,
					ContentType: sg.Labels.ContentType, Tags: sg.Labels.Tags}}
			if err := w.Write(rec); err != nil {
				return n, err
			}
			n++
		}
	}
}
