package media

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	vigie "github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/audit"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/pdq"
	"github.com/vigie-project/vigie/vpdq"
)

// Change is what one event commits atomically besides the signals: the
// audit entry and the webhooks to send.
type Change struct {
	Audit   audit.Record
	Notices []Notice
}

// Notice is a webhook to one organisation.
type Notice struct {
	OrgID   string
	Type    string // "hash.quarantined", "hash.reinstated"
	Subject string // "signal/ID"
	Data    any
}

// SignalFilter selects signals of one bank.
type SignalFilter struct {
	BankID   string
	State    SignalState // empty: any
	Disputed bool        // only signals with at least one disagreement
	Limit    int
}

// MatchCount is the number of lookups and of hits of one bank in one hour.
type MatchCount struct {
	BankID string    // empty for all lookups
	Hour   time.Time // truncated to the hour, UTC
	Count  int
}

// DayCount is a number of signals added on a day.
type DayCount struct {
	Day   time.Time `json:"day"`
	Count int       `json:"count"`
}

// IndexEntry is what the index needs of a signal.
type IndexEntry struct {
	ID     int64
	BankID string
	Type   SignalType
	Value  string
	State  SignalState
	Seq    int64
}

// Store is the persistence the service needs.
type Store interface {
	// CreateBank stores a new bank and gives it its ID and Slot; a bank of
	// the same name is an EConflict.
	CreateBank(ctx context.Context, b *Bank, a audit.Record) error
	UpdateBank(ctx context.Context, b *Bank, a audit.Record) error
	BankByName(ctx context.Context, name string) (*Bank, error)
	Banks(ctx context.Context) ([]*Bank, error)
	// AddSignals stores the signals that are new in their bank (by type and
	// value), giving them ID and Seq, and returns those; the others are
	// duplicates and are left as they were.
	AddSignals(ctx context.Context, sigs []*Signal, c Change) (added []*Signal, err error)
	Signal(ctx context.Context, id int64) (*Signal, error)
	// IndexEntries returns what the index needs of the signals changed
	// after a sequence number, in sequence order.
	IndexEntries(ctx context.Context, after int64, limit int) ([]IndexEntry, error)
	// SignalByValue finds a bank's signal by type and value.
	SignalByValue(ctx context.Context, bankID string, t SignalType, value string) (*Signal, error)
	// UpdateSignal saves a signal's state and counts, giving it a new Seq.
	UpdateSignal(ctx context.Context, s *Signal, c Change) error
	// SetOpinion records orgID's opinion of a signal (replacing an earlier
	// one) and returns the signal with its counts updated.
	SetOpinion(ctx context.Context, id int64, orgID string, op Opinion, at time.Time, a audit.Record) (*Signal, error)
	// SignalsAfter returns the signals of a bank (every bank when bankID is
	// empty) whose Seq is greater than after, in Seq order.
	SignalsAfter(ctx context.Context, bankID string, after int64, limit int) ([]*Signal, error)
	ListSignals(ctx context.Context, f SignalFilter) ([]*Signal, error)
	AddMatchCounts(ctx context.Context, counts []MatchCount) error
	MatchCounts(ctx context.Context, bankID string, from time.Time) ([]MatchCount, error)
	Growth(ctx context.Context, bankID string, from time.Time) ([]DayCount, error)
}

// Policy holds the automatic quarantine rules.
type Policy struct {
	// DisputeQuorum is the number of members disagreeing (and more of them
	// than agreeing) that quarantines a signal.
	DisputeQuorum int
	// FloodWindow lookups are remembered; a signal that matched at least
	// FloodShare of them, once at least FloodMinLookups were seen, is
	// quarantined: a hash that suddenly matches a large share of all uploads
	// is far more likely generic (a black frame, a logo) than a wave of
	// propaganda, and it must not block every upload while people look.
	FloodWindow     int
	FloodShare      float64
	FloodMinLookups int
}

// DefaultPolicy is the policy of a new instance.
func DefaultPolicy() Policy {
	return Policy{DisputeQuorum: DefaultQuarantineMin, FloodWindow: 2000, FloodShare: 0.2, FloodMinLookups: 200}
}

// Service runs banks, contributions, feedback and matching.
type Service struct {
	store  Store
	index  *Index
	policy Policy
	now    func() time.Time
	log    *slog.Logger

	// applyMu orders the index updates: Refresh holds it from reading the
	// store to applying what it read, and a local change takes it to apply
	// itself after its commit, so a stale read is never applied last.
	applyMu sync.Mutex
	mu      sync.Mutex
	lastSeq int64          // the store's change feed is applied up to here
	slots   map[string]int // bank ID → slot
	flood   *floodWatch
	counts  map[MatchCount]int // pending match counts, Count unused in the key
}

// NewService returns a service over store and index. A nil index makes a
// service for writing only (imports from the command line): it keeps no
// hashes in memory and cannot match.
func NewService(store Store, index *Index, policy Policy, now func() time.Time, log *slog.Logger) *Service {
	return &Service{store: store, index: index, policy: policy, now: now, log: log,
		slots: map[string]int{}, flood: newFloodWatch(policy.FloodWindow), counts: map[MatchCount]int{}}
}

// Index returns the service's index.
func (s *Service) Index() *Index { return s.index }

func member(p org.Principal) bool { return p.Kind == org.KindPlatform || p.Kind == org.KindNGO }

func forbidden(what string) error {
	return vigie.Errorf(vigie.EForbidden, "%s is for member platforms and organisations; authorities may match media but not read or change the hash lists", what)
}

// Load fills the index from the store: every bank and every active signal.
// PDQ hashes stream from the store into the index's bulk build (all CPUs,
// no compactions on the way); the other types are added one by one.
// progress, if not nil, is called now and then with the number of signals
// read so far.
func (s *Service) Load(ctx context.Context, progress func(n int)) error {
	banks, err := s.store.Banks(ctx)
	if err != nil {
		return fmt.Errorf("media: load banks: %w", err)
	}
	total := 0
	for _, b := range banks {
		s.setBank(b)
		total += b.Signals
	}
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	var loadErr error
	n := 0
	photos := func(yield func(uint64, pdq.Hash) bool) {
		for {
			page, err := s.store.IndexEntries(ctx, s.seq(), 100_000)
			if err != nil || len(page) == 0 {
				loadErr = err
				return
			}
			for _, e := range page {
				s.mu.Lock()
				s.lastSeq = max(s.lastSeq, e.Seq)
				slot, ok := s.slots[e.BankID]
				s.mu.Unlock()
				if !ok || e.State != Active {
					continue
				}
				if e.Type != PDQ {
					sg := &Signal{ID: e.ID, BankID: e.BankID, Type: e.Type, Value: e.Value, State: e.State}
					if err := s.index.Add(sg, slot); err != nil {
						s.log.Error("media: index signal", "signal", e.ID, "err", err)
					}
					continue
				}
				h, err := pdq.ParseHash(e.Value)
				if err != nil {
					s.log.Error("media: index signal", "signal", e.ID, "err", err)
					continue
				}
				if !yield(key(e.ID, slot), h) {
					return
				}
			}
			n += len(page)
			if progress != nil {
				progress(n)
			}
		}
	}
	if err := s.index.LoadPDQ(photos, total); err != nil {
		return fmt.Errorf("media: load the index: %w", err)
	}
	if loadErr != nil {
		return fmt.Errorf("media: load signals: %w", loadErr)
	}
	return nil
}

// Follow applies the changes other instances made to the store, every
// interval, until ctx ends. One instance alone needs none of it: its own
// changes reach the index at once.
func (s *Service) Follow(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("media: follow the store", "err", err)
		}
	}
}

// Refresh applies the store's changes since the last one seen.
func (s *Service) Refresh(ctx context.Context) error {
	banks, err := s.store.Banks(ctx)
	if err != nil {
		return err
	}
	for _, b := range banks {
		s.setBank(b)
	}
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	for {
		sigs, err := s.store.SignalsAfter(ctx, "", s.seq(), 10_000)
		if err != nil || len(sigs) == 0 {
			return err
		}
		s.applyLocked(sigs, true)
	}
}

func (s *Service) seq() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastSeq
}

func (s *Service) setBank(b *Bank) {
	s.mu.Lock()
	s.slots[b.ID] = b.Slot
	s.mu.Unlock()
	if s.index != nil {
		s.index.SetBank(*b)
	}
}

// apply puts signals just written to the store in the index. It does not
// move the feed's position: another instance's changes of lower sequence
// numbers may not be visible yet, and Refresh will read them (and these
// again, harmlessly: applying is idempotent).
func (s *Service) apply(sigs []*Signal) {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	s.applyLocked(sigs, false)
}

// applyLocked applies signals with applyMu held; advance moves the feed's
// position past them.
func (s *Service) applyLocked(sigs []*Signal, advance bool) {
	if s.index == nil {
		return
	}
	for _, sg := range sigs {
		s.mu.Lock()
		slot, ok := s.slots[sg.BankID]
		if advance && sg.Seq > s.lastSeq {
			s.lastSeq = sg.Seq
		}
		s.mu.Unlock()
		if !ok {
			continue
		}
		if err := s.index.Add(sg, slot); err != nil {
			s.log.Error("media: index signal", "signal", sg.ID, "err", err)
		}
	}
}

// CreateBank creates a bank owned by the caller's organisation.
func (s *Service) CreateBank(ctx context.Context, p org.Principal, d BankDraft) (*Bank, error) {
	if !member(p) {
		return nil, forbidden("creating a bank")
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	b := &Bank{Name: d.Name, Description: d.Description, Kind: d.Kind, OwnerID: p.OrgID, Enabled: *d.Enabled,
		PDQThreshold: d.PDQThreshold, QualityFloor: d.QualityFloor, VideoPercent: d.VideoPercent, Labels: d.Labels,
		CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateBank(ctx, b, audit.Record{OrgID: p.OrgID, Actor: p.Actor(), Action: "bank.created", Subject: "bank/" + b.Name, Data: d}); err != nil {
		return nil, err
	}
	s.setBank(b)
	return b, nil
}

// UpdateBank changes a bank's settings; only its owner may.
func (s *Service) UpdateBank(ctx context.Context, p org.Principal, name string, d BankDraft) (*Bank, error) {
	b, err := s.store.BankByName(ctx, name)
	if err != nil {
		return nil, err
	}
	if b.OwnerID != p.OrgID {
		return nil, vigie.Errorf(vigie.EForbidden, "only the bank's owner may change its settings")
	}
	d.Name = b.Name
	if err := d.Validate(); err != nil {
		return nil, err
	}
	b.Description, b.Kind, b.Enabled = d.Description, d.Kind, *d.Enabled
	b.PDQThreshold, b.QualityFloor, b.VideoPercent, b.Labels = d.PDQThreshold, d.QualityFloor, d.VideoPercent, d.Labels
	b.UpdatedAt = s.now().UTC()
	if err := s.store.UpdateBank(ctx, b, audit.Record{OrgID: p.OrgID, Actor: p.Actor(), Action: "bank.updated", Subject: "bank/" + b.Name, Data: d}); err != nil {
		return nil, err
	}
	s.setBank(b)
	return b, nil
}

// Banks lists the banks with their numbers of active signals.
func (s *Service) Banks(ctx context.Context, _ org.Principal) ([]*Bank, error) {
	return s.store.Banks(ctx)
}

// Bank returns one bank.
func (s *Service) Bank(ctx context.Context, _ org.Principal, name string) (*Bank, error) {
	return s.store.BankByName(ctx, name)
}

// ContributeResult says what a contribution did.
type ContributeResult struct {
	Added      []*Signal `json:"added"`
	Duplicates int       `json:"duplicates" doc:"Signals already in the bank, left as they were."`
}

// MaxContribution is the most signals one API call may contribute; larger
// lists go through the import.
const MaxContribution = 10_000

// Contribute adds signals to a bank for the caller's organisation. Every
// draft is checked first: one bad draft and nothing is stored.
func (s *Service) Contribute(ctx context.Context, p org.Principal, bankName string, drafts []SignalDraft, source string) (*ContributeResult, error) {
	if !member(p) {
		return nil, forbidden("contributing hashes")
	}
	if len(drafts) == 0 || len(drafts) > MaxContribution {
		return nil, vigie.Invalid("body.signals", "must hold 1 to %d signals", MaxContribution)
	}
	b, err := s.store.BankByName(ctx, bankName)
	if err != nil {
		return nil, err
	}
	sigs := make([]*Signal, len(drafts))
	for i := range drafts {
		if err := drafts[i].Validate(fmt.Sprintf("body.signals[%d]", i)); err != nil {
			return nil, err
		}
		sigs[i] = s.newSignal(b, p.OrgID, drafts[i], source)
	}
	added, err := s.store.AddSignals(ctx, sigs, Change{Audit: audit.Record{OrgID: p.OrgID, Actor: p.Actor(), Action: "hash.contributed",
		Subject: "bank/" + b.Name, Data: map[string]any{"signals": len(sigs), "source": source}}})
	if err != nil {
		return nil, err
	}
	s.apply(added)
	return &ContributeResult{Added: added, Duplicates: len(sigs) - len(added)}, nil
}

func (s *Service) newSignal(b *Bank, orgID string, d SignalDraft, source string) *Signal {
	now := s.now().UTC()
	q := -1
	if d.Quality != nil {
		q = *d.Quality
	}
	return &Signal{BankID: b.ID, Bank: b.Name, Type: d.Type, Value: d.Value, Quality: q, Labels: d.Labels.Merge(b.Labels),
		ContributorID: orgID, Source: source, State: Active, CreatedAt: now, UpdatedAt: now}
}

// Feedback records the caller's agreement or disagreement with a signal
// contributed by another organisation, and quarantines it when disputed by
// enough members.
func (s *Service) Feedback(ctx context.Context, p org.Principal, id int64, op Opinion) (*Signal, error) {
	if !member(p) {
		return nil, forbidden("giving feedback on hashes")
	}
	if op != Agree && op != Disagree {
		return nil, vigie.Invalid("body.opinion", "must be agree or disagree")
	}
	sg, err := s.store.Signal(ctx, id)
	if err != nil {
		return nil, err
	}
	if sg.ContributorID == p.OrgID {
		return nil, vigie.Errorf(vigie.EConflict, "feedback is for other members' hashes; remove or reinstate your own instead")
	}
	sg, err = s.store.SetOpinion(ctx, id, p.OrgID, op, s.now().UTC(), audit.Record{OrgID: p.OrgID, Actor: p.Actor(),
		Action: "hash.feedback", Subject: fmt.Sprintf("signal/%d", id), Data: map[string]string{"opinion": string(op)}})
	if err != nil {
		return nil, err
	}
	if sg.State == Active && !sg.Confirmed && sg.Disagree >= s.policy.DisputeQuorum && sg.Disagree > sg.Agree {
		reason := fmt.Sprintf("disputed by %d members (%d agree)", sg.Disagree, sg.Agree)
		if err := s.setState(ctx, p, sg, Quarantined, reason, "hash.quarantined"); err != nil {
			return nil, err
		}
	}
	return sg, nil
}

// Reinstate makes a quarantined signal match again; its contributor or the
// bank's owner confirms it, and disputes no longer quarantine it.
func (s *Service) Reinstate(ctx context.Context, p org.Principal, id int64) (*Signal, error) {
	sg, err := s.ownSignal(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if sg.State == Active {
		return sg, nil
	}
	sg.Confirmed = true
	return sg, s.setState(ctx, p, sg, Active, "reinstated by "+p.OrgName, "hash.reinstated")
}

// Remove withdraws a signal; it stays in the delta feed as a deletion.
func (s *Service) Remove(ctx context.Context, p org.Principal, id int64) (*Signal, error) {
	sg, err := s.ownSignal(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if sg.State == Removed {
		return sg, nil
	}
	return sg, s.setState(ctx, p, sg, Removed, "removed by "+p.OrgName, "hash.removed")
}

func (s *Service) ownSignal(ctx context.Context, p org.Principal, id int64) (*Signal, error) {
	if !member(p) {
		return nil, forbidden("changing hashes")
	}
	sg, err := s.store.Signal(ctx, id)
	if err != nil {
		return nil, err
	}
	if sg.ContributorID == p.OrgID {
		return sg, nil
	}
	b, err := s.store.BankByName(ctx, sg.Bank)
	if err != nil {
		return nil, err
	}
	if b.OwnerID != p.OrgID {
		return nil, vigie.Errorf(vigie.EForbidden, "only the hash's contributor or the bank's owner may do this")
	}
	return sg, nil
}

// setState saves a state change, tells the contributor and the bank owner,
// and updates the index.
func (s *Service) setState(ctx context.Context, p org.Principal, sg *Signal, st SignalState, reason, event string) error {
	sg.State, sg.StateReason, sg.UpdatedAt = st, reason, s.now().UTC()
	c := Change{Audit: audit.Record{OrgID: p.OrgID, Actor: p.Actor(), Action: event, Subject: fmt.Sprintf("signal/%d", sg.ID),
		Data: map[string]any{"state": st, "reason": reason, "bank": sg.Bank}}}
	if p.OrgID == "" {
		c.Audit.Actor = "system"
	}
	tell := []string{sg.ContributorID}
	if b, err := s.store.BankByName(ctx, sg.Bank); err == nil && b.OwnerID != sg.ContributorID {
		tell = append(tell, b.OwnerID)
	}
	for _, o := range tell {
		if o != p.OrgID {
			c.Notices = append(c.Notices, Notice{OrgID: o, Type: event, Subject: fmt.Sprintf("signal/%d", sg.ID), Data: sg})
		}
	}
	if err := s.store.UpdateSignal(ctx, sg, c); err != nil {
		return err
	}
	s.apply([]*Signal{sg})
	return nil
}

// Signal returns one signal to a member.
func (s *Service) Signal(ctx context.Context, p org.Principal, id int64) (*Signal, error) {
	if !member(p) {
		return nil, forbidden("reading hashes")
	}
	return s.store.Signal(ctx, id)
}

// Signals lists a bank's signals to a member.
func (s *Service) Signals(ctx context.Context, p org.Principal, bankName string, f SignalFilter) ([]*Signal, error) {
	if !member(p) {
		return nil, forbidden("reading hashes")
	}
	b, err := s.store.BankByName(ctx, bankName)
	if err != nil {
		return nil, err
	}
	f.BankID = b.ID
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	return s.store.ListSignals(ctx, f)
}

// Delta is a page of a bank's change feed.
type Delta struct {
	Bank       string    `json:"bank"`
	Checkpoint int64     `json:"checkpoint" doc:"Pass it back as ?checkpoint= for the next page."`
	More       bool      `json:"more" doc:"Another page is ready now."`
	Signals    []*Signal `json:"signals" doc:"Signals added or changed since the checkpoint; state 'removed' or 'quarantined' means delete it."`
}

// Delta returns the bank's signals changed after checkpoint.
func (s *Service) Delta(ctx context.Context, p org.Principal, bankName string, checkpoint int64, limit int) (*Delta, error) {
	if !member(p) {
		return nil, forbidden("reading hashes")
	}
	if checkpoint < 0 {
		return nil, vigie.Invalid("query.checkpoint", "must not be negative")
	}
	if limit <= 0 || limit > 10_000 {
		limit = 10_000
	}
	b, err := s.store.BankByName(ctx, bankName)
	if err != nil {
		return nil, err
	}
	sigs, err := s.store.SignalsAfter(ctx, b.ID, checkpoint, limit)
	if err != nil {
		return nil, err
	}
	d := &Delta{Bank: b.Name, Checkpoint: checkpoint, More: len(sigs) == limit, Signals: sigs}
	if len(sigs) > 0 {
		d.Checkpoint = sigs[len(sigs)-1].Seq
	}
	if d.Signals == nil {
		d.Signals = []*Signal{}
	}
	return d, nil
}

// Match is one hit as callers see it.
type Match struct {
	Bank       string     `json:"bank"`
	BankKind   BankKind   `json:"bank_kind"`
	SignalID   int64      `json:"signal_id"`
	SignalType SignalType `json:"signal_type"`
	Distance   int        `json:"distance"`
	Variant    string     `json:"variant" doc:"Which rotation or flip of the query matched: original, rot90, rot180, rot270, flipx, flipy, flipplus1, flipminus1."`
	// vPDQ only.
	QueryPercent float64 `json:"query_match_percent,omitempty"`
	IndexPercent float64 `json:"index_match_percent,omitempty"`
	Labels       Labels  `json:"labels"`
	Contributor  string  `json:"contributor_id,omitempty"`
}

// MatchResult is the answer to a lookup.
type MatchResult struct {
	Matches    []Match `json:"matches"`
	Suppressed []Match `json:"suppressed,omitempty" doc:"Matches withheld because the query also matched a negative bank (a known false positive)."`
	Negative   []Match `json:"negative,omitempty" doc:"The negative-bank matches that withheld them."`
}

// MatchQuery is a lookup as the service takes it.
type MatchQuery struct {
	Query
	BankNames []string
}

// Match looks media up in the banks.
func (s *Service) Match(ctx context.Context, p org.Principal, q MatchQuery) (*MatchResult, error) {
	if p.OrgID == "" {
		return nil, vigie.Errorf(vigie.EForbidden, "matching needs an organisation")
	}
	if len(q.BankNames) > 0 {
		q.Banks = []int{}
		for _, n := range q.BankNames {
			b, err := s.store.BankByName(ctx, n)
			if err != nil {
				return nil, err
			}
			q.Banks = append(q.Banks, b.Slot)
		}
	}
	if s.index == nil {
		return nil, vigie.Errorf(vigie.EInternal, "media: this service has no index")
	}
	r := s.index.Lookup(q.Query)
	out := &MatchResult{Matches: []Match{}}
	var err error
	if out.Matches, err = s.describe(ctx, p, r.Hits); err != nil {
		return nil, err
	}
	if out.Suppressed, err = s.describe(ctx, p, r.Suppressed); err != nil {
		return nil, err
	}
	if out.Negative, err = s.describe(ctx, p, r.Negatives); err != nil {
		return nil, err
	}
	s.observe(ctx, r.Hits)
	return out, nil
}

func (s *Service) describe(ctx context.Context, p org.Principal, hits []Hit) ([]Match, error) {
	out := make([]Match, 0, len(hits))
	for _, h := range hits {
		b, _ := s.index.Bank(h.Slot)
		m := Match{Bank: b.Name, BankKind: b.Kind, SignalID: h.SignalID, SignalType: h.Type, Distance: h.Distance,
			Variant: variantName(h.Variant), QueryPercent: h.QueryPercent, IndexPercent: h.IndexPercent}
		if h.Type != PDQ {
			m.Variant = ""
		}
		sg, err := s.store.Signal(ctx, h.SignalID)
		if err != nil {
			if vigie.ErrorCode(err) == vigie.ENotFound {
				continue
			}
			return nil, err
		}
		m.Labels = sg.Labels
		if member(p) {
			m.Contributor = sg.ContributorID
		}
		out = append(out, m)
	}
	return out, nil
}

// variantName gives a transform the name the API uses.
func variantName(t pdq.Transform) string {
	return [...]string{"original", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1"}[t]
}

// observe counts a lookup for the statistics and the flood watch, and
// quarantines the signals that flood.
func (s *Service) observe(ctx context.Context, hits []Hit) {
	hour := s.now().UTC().Truncate(time.Hour)
	ids := make([]int64, 0, len(hits))
	s.mu.Lock()
	s.counts[MatchCount{Hour: hour}]++
	seen := map[int]bool{}
	for _, h := range hits {
		ids = append(ids, h.SignalID)
		if !seen[h.Slot] {
			seen[h.Slot] = true
			b, _ := s.index.Bank(h.Slot)
			s.counts[MatchCount{BankID: b.ID, Hour: hour}]++
		}
	}
	flooding := s.flood.observe(ids, s.policy)
	s.mu.Unlock()
	for _, id := range flooding {
		sg, err := s.store.Signal(ctx, id)
		if err != nil || sg.State != Active {
			continue
		}
		reason := fmt.Sprintf("matched %.0f%% or more of the last %d lookups", 100*s.policy.FloodShare, s.policy.FloodWindow)
		if err := s.setState(ctx, org.Principal{}, sg, Quarantined, reason, "hash.quarantined"); err != nil {
			s.log.Error("media: quarantine a flooding signal", "signal", id, "err", err)
			continue
		}
		s.log.Warn("media: signal quarantined", "signal", id, "bank", sg.Bank, "reason", reason)
	}
}

// FlushStats writes the match counts gathered since the last flush. The
// counts are statistics: up to one flush interval of them may be lost in a
// crash, the matches themselves are not affected.
func (s *Service) FlushStats(ctx context.Context) error {
	s.mu.Lock()
	counts := make([]MatchCount, 0, len(s.counts))
	for k, n := range s.counts {
		k.Count = n
		counts = append(counts, k)
	}
	s.counts = map[MatchCount]int{}
	s.mu.Unlock()
	if len(counts) == 0 {
		return nil
	}
	return s.store.AddMatchCounts(ctx, counts)
}

// BankStats is what the UI charts for a bank.
type BankStats struct {
	Bank        *Bank        `json:"bank"`
	Growth      []DayCount   `json:"growth" doc:"Signals added per day."`
	Matches     []MatchCount `json:"matches" doc:"Lookups that hit the bank, per hour."`
	Quarantined []*Signal    `json:"quarantined,omitempty"`
	Disputed    []*Signal    `json:"disputed,omitempty"`
}

// Stats returns a bank's growth, matches over time, quarantines and
// disputes (the last two to members only).
func (s *Service) Stats(ctx context.Context, p org.Principal, bankName string, days int) (*BankStats, error) {
	b, err := s.store.BankByName(ctx, bankName)
	if err != nil {
		return nil, err
	}
	from := s.now().UTC().AddDate(0, 0, -days).Truncate(24 * time.Hour)
	st := &BankStats{Bank: b}
	if st.Growth, err = s.store.Growth(ctx, b.ID, from); err != nil {
		return nil, err
	}
	if st.Matches, err = s.store.MatchCounts(ctx, b.ID, from); err != nil {
		return nil, err
	}
	if member(p) {
		if st.Quarantined, err = s.store.ListSignals(ctx, SignalFilter{BankID: b.ID, State: Quarantined, Limit: 100}); err != nil {
			return nil, err
		}
		if st.Disputed, err = s.store.ListSignals(ctx, SignalFilter{BankID: b.ID, State: Active, Disputed: true, Limit: 100}); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// floodWatch remembers which signals the last lookups hit.
type floodWatch struct {
	ring  [][]int64
	next  int
	full  bool
	count map[int64]int
	fired map[int64]bool
}

func newFloodWatch(window int) *floodWatch {
	return &floodWatch{ring: make([][]int64, max(window, 1)), count: map[int64]int{}, fired: map[int64]bool{}}
}

// observe records one lookup's hits and returns the signals that just
// crossed the flood share.
func (f *floodWatch) observe(ids []int64, pol Policy) []int64 {
	for _, id := range f.ring[f.next] {
		if f.count[id]--; f.count[id] <= 0 {
			delete(f.count, id)
			delete(f.fired, id)
		}
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	f.ring[f.next] = ids
	f.next++
	if f.next == len(f.ring) {
		f.next, f.full = 0, true
	}
	seen := f.next
	if f.full {
		seen = len(f.ring)
	}
	var out []int64
	for _, id := range ids {
		f.count[id]++
		if seen >= pol.FloodMinLookups && float64(f.count[id]) >= pol.FloodShare*float64(seen) && !f.fired[id] {
			f.fired[id] = true
			out = append(out, id)
		}
	}
	return out
}

// VideoQuery turns frames into a query, for callers holding a vPDQ hash.
func VideoQuery(h vpdq.Hash) Query { return Query{Video: h, Quality: -1} }
