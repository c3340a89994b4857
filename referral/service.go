package referral

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/audit"
	"github.com/vigie-project/vigie/org"
)

// Policy holds the durations the law and the operator set.
type Policy struct {
	OrderDeadline   time.Duration // Art. 3(3): one hour from receipt
	ReferralDefault time.Duration // the 90 minutes of the 2015 commitment
	Preservation    time.Duration // Art. 6(2): six months
	// Speedup divides every duration, for exercises and tests that cannot
	// wait an hour; 1 (or less) in production.
	Speedup float64
}

// DefaultPolicy is the policy of the regulation.
func DefaultPolicy() Policy {
	return Policy{OrderDeadline: time.Hour, ReferralDefault: 90 * time.Minute, Preservation: 183 * 24 * time.Hour, Speedup: 1}
}

// Real is how long a legal duration lasts under the policy's speed-up.
func (p Policy) Real(d time.Duration) time.Duration {
	if p.Speedup <= 1 {
		return d
	}
	return time.Duration(float64(d) / p.Speedup)
}

// Notice is a webhook event for one organisation about a referral.
type Notice struct {
	OrgID    string
	Type     string // "referral.created", "referral.escalated", …
	Referral *Referral
}

// Preservation is the record kept of removed content (Art. 6).
type Preservation struct {
	ReferralID  string            `json:"referral_id"`
	AuthorityID string            `json:"authority_id"`
	PlatformID  string            `json:"platform_id"`
	URLs        []string          `json:"urls"`
	Hashes      []string          `json:"hashes,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	PreservedAt time.Time         `json:"preserved_at"`
	ExpiresAt   time.Time         `json:"expires_at"`
	HoldUntil   *time.Time        `json:"hold_until,omitempty"`
	HoldReason  string            `json:"hold_reason,omitempty"`
}

// Change is everything one event commits, atomically.
type Change struct {
	Audit        audit.Record
	Notices      []Notice
	Timers       []Timer
	Preservation *Preservation
}

// Filter selects referrals. AuthorityID or PlatformID scopes the list to
// one party; the service always sets one of them from the caller.
type Filter struct {
	AuthorityID string
	PlatformID  string
	States      []State
	Kind        Kind
	IssuedFrom  time.Time // inclusive; zero: no bound
	IssuedTo    time.Time // exclusive; zero: no bound
	Limit       int
}

// Store is the persistence the service needs. Implementations commit the
// referral, its audit entry, its webhook deliveries and its timers in one
// transaction.
type Store interface {
	// CreateReferral stores a new referral. When the authority already used
	// idemKey, it stores nothing and returns the earlier referral and the
	// request digest it was created with.
	CreateReferral(ctx context.Context, r *Referral, idemKey, reqDigest string, c Change) (prior *Referral, priorDigest string, err error)
	GetReferral(ctx context.Context, id string) (*Referral, error)
	ListReferrals(ctx context.Context, f Filter) ([]*Referral, error)
	// UpdateReferral saves r if the stored version is still prevVersion,
	// else returns an EConflict error.
	UpdateReferral(ctx context.Context, r *Referral, prevVersion int, c Change) error
	GetPreservation(ctx context.Context, referralID string) (*Preservation, error)
	HoldPreservation(ctx context.Context, referralID string, until time.Time, reason string, a audit.Record) error
	// PurgePreservations deletes the records expired at now and not held,
	// with an audit entry for each.
	PurgePreservations(ctx context.Context, now time.Time) (int, error)
}

// Orgs looks up organisations.
type Orgs interface {
	Org(ctx context.Context, id string) (*org.Org, error)
}

// Service runs the workflow.
type Service struct {
	store  Store
	orgs   Orgs
	policy Policy
	now    func() time.Time
	newID  func() string
}

// NewService returns a Service.
func NewService(store Store, orgs Orgs, policy Policy, now func() time.Time, newID func() string) *Service {
	return &Service{store: store, orgs: orgs, policy: policy, now: now, newID: newID}
}

// Policy returns the durations in force.
func (s *Service) Policy() Policy { return s.policy }

// Create issues a referral or removal order. Only authorities may. The
// idempotency key, when given, makes a retried request return the first
// result instead of issuing twice; reusing it for a different request is an
// EInvalid error. created is false when an earlier request is replayed.
func (s *Service) Create(ctx context.Context, p org.Principal, d Draft, idemKey string) (r *Referral, created bool, err error) {
	if p.Kind != org.KindAuthority {
		return nil, false, vigie.Errorf(vigie.EForbidden, "only authorities issue referrals and removal orders")
	}
	if len(idemKey) > 200 {
		return nil, false, vigie.Invalid("Idempotency-Key", "must be at most 200 characters")
	}
	now := s.now()
	if err := d.Validate(now, s.policy); err != nil {
		return nil, false, err
	}
	plat, err := s.orgs.Org(ctx, d.PlatformID)
	if vigie.ErrorCode(err) == vigie.ENotFound || (err == nil && plat.Kind != org.KindPlatform) {
		return nil, false, vigie.Invalid("platform_id", "is not a platform known to Vigie")
	} else if err != nil {
		return nil, false, err
	}
	auth, err := s.orgs.Org(ctx, p.OrgID)
	if err != nil {
		return nil, false, err
	}
	target := s.policy.ReferralDefault
	if d.Kind == KindRemovalOrder {
		target = s.policy.OrderDeadline
	} else if d.TargetMinutes != 0 {
		target = time.Duration(d.TargetMinutes) * time.Minute
	}
	target = s.policy.Real(target)
	r = &Referral{
		ID: s.newID(), Kind: d.Kind, State: StatePending, Version: 1,
		AuthorityID: auth.ID, Authority: auth.Name, PlatformID: plat.ID, Platform: plat.Name,
		Reference: d.Reference, MemberState: auth.Country, IssuerName: d.IssuerName, IssuerEmail: d.IssuerEmail,
		URLs: d.URLs, Details: d.Details, ContentTypes: d.ContentTypes, Reasons: d.Reasons,
		LegalBasis: d.LegalBasis, Redress: d.Redress, NonDisclosureUntil: d.NonDisclosureUntil,
		CrossBorder: d.CrossBorder, TargetSeconds: int(target / time.Second), IssuedAt: now,
	}
	if r.TargetSeconds < 1 {
		r.TargetSeconds = 1
	}
	body, _ := json.Marshal(d)
	sum := sha256.Sum256(body)
	digest := hex.EncodeToString(sum[:])
	c := Change{
		Audit:   audit.Record{OrgID: p.OrgID, Actor: p.Actor(), Action: "referral.created", Subject: "referral/" + r.ID, Data: r},
		Notices: []Notice{{OrgID: r.PlatformID, Type: "referral.created", Referral: r}},
	}
	prior, priorDigest, err := s.store.CreateReferral(ctx, r, idemKey, digest, c)
	if err != nil {
		return nil, false, err
	}
	if prior != nil {
		if priorDigest != digest {
			return nil, false, vigie.Invalid("Idempotency-Key", "was already used for a different request")
		}
		return prior, false, nil
	}
	return r, true, nil
}

// Get returns a referral the caller is party to.
func (s *Service) Get(ctx context.Context, p org.Principal, id string) (*Referral, error) {
	r, err := s.store.GetReferral(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := partyOf(p, r); err != nil {
		return nil, err
	}
	return r, nil
}

// List returns the referrals the caller issued (authority) or received
// (platform), newest first. NGOs see none.
func (s *Service) List(ctx context.Context, p org.Principal, f Filter) ([]*Referral, error) {
	f.AuthorityID, f.PlatformID = "", ""
	switch p.Kind {
	case org.KindAuthority:
		f.AuthorityID = p.OrgID
	case org.KindPlatform:
		f.PlatformID = p.OrgID
	default:
		return nil, vigie.Errorf(vigie.EForbidden, "only authorities and platforms have referrals")
	}
	if f.Limit == 0 || f.Limit > 1000 { // negative: no limit, for reports
		f.Limit = 1000
	}
	return s.store.ListReferrals(ctx, f)
}

func partyOf(p org.Principal, r *Referral) (Party, error) {
	switch p.OrgID {
	case r.AuthorityID:
		return PartyAuthority, nil
	case r.PlatformID:
		return PartyPlatform, nil
	}
	return "", vigie.Errorf(vigie.ENotFound, "no such referral")
}

// Act applies an event sent by the caller (a platform's answer or the
// authority's clarification or withdrawal).
func (s *Service) Act(ctx context.Context, p org.Principal, id string, e Event) (*Referral, error) {
	return s.apply(ctx, id, e, func(r *Referral) (Party, string, error) {
		party, err := partyOf(p, r)
		return party, p.Actor(), err
	}, p.OrgID)
}

// Delivered records that a webhook about the referral reached the platform:
// receipt, if it had not happened yet.
func (s *Service) Delivered(ctx context.Context, id string, at time.Time) error {
	_, err := s.apply(ctx, id, Event{Type: EventDelivered, At: at}, system, "")
	return err
}

// Escalate fires an escalation timer. Stale timers do nothing.
func (s *Service) Escalate(ctx context.Context, t Timer) error {
	_, err := s.apply(ctx, t.ReferralID, Event{Type: EventEscalated, Level: t.Level, Epoch: t.Epoch}, system, "")
	return err
}

func system(*Referral) (Party, string, error) { return PartySystem, "system", nil }

// apply loads, transitions and saves, retrying when another writer got there first.
func (s *Service) apply(ctx context.Context, id string, e Event, authorise func(*Referral) (Party, string, error), orgID string) (*Referral, error) {
	for attempt := 0; ; attempt++ {
		r, err := s.store.GetReferral(ctx, id)
		if err != nil {
			return nil, err
		}
		party, actor, err := authorise(r)
		if err != nil {
			return nil, err
		}
		e.Party = party
		if e.At.IsZero() || attempt > 0 {
			e.At = s.now()
		}
		prev := r.Version
		fx, err := Apply(r, e)
		if err != nil || fx.Noop {
			return r, err
		}
		if orgID == "" {
			orgID = r.AuthorityID
		}
		c := Change{
			Audit:  audit.Record{OrgID: orgID, Actor: actor, Action: "referral." + string(e.Type), Subject: "referral/" + r.ID, Data: auditData(r, e)},
			Timers: fx.Timers,
		}
		for _, t := range fx.ToAuth {
			c.Notices = append(c.Notices, Notice{OrgID: r.AuthorityID, Type: "referral." + t, Referral: r})
		}
		for _, t := range fx.ToPlat {
			c.Notices = append(c.Notices, Notice{OrgID: r.PlatformID, Type: "referral." + t, Referral: r})
		}
		if fx.Preserve {
			c.Preservation = &Preservation{ReferralID: r.ID, AuthorityID: r.AuthorityID, PlatformID: r.PlatformID,
				URLs: r.URLs, Hashes: r.ContentHashes, Metadata: r.Metadata, PreservedAt: e.At, ExpiresAt: e.At.Add(s.policy.Real(s.policy.Preservation))}
		}
		err = s.store.UpdateReferral(ctx, r, prev, c)
		if vigie.ErrorCode(err) == vigie.EConflict && attempt < 5 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return r, nil
	}
}

// auditData is what the audit log keeps of an event: the event's own
// fields and the resulting state, not the whole referral again.
func auditData(r *Referral, e Event) map[string]any {
	d := map[string]any{"state": r.State, "version": r.Version}
	put := func(k string, v any, ok bool) {
		if ok {
			d[k] = v
		}
	}
	put("deadline", r.Deadline, r.Deadline != nil)
	put("received_at", r.ReceivedAt, e.Type == EventDelivered || r.ReceivedAt != nil && r.ReceivedAt.Equal(e.At))
	put("action", e.Action, e.Action != "")
	put("acted_at", r.ActedAt, e.Type == EventActioned)
	put("content_hashes", e.ContentHashes, len(e.ContentHashes) > 0)
	put("reason", e.Reason, e.Reason != "")
	put("text", e.Text, e.Text != "")
	put("level", e.Level, e.Type == EventEscalated)
	put("reinstate", e.Reinstate, e.Type == EventComplaintDecided)
	return d
}

// Preservation returns the preservation record of a referral the caller is
// party to.
func (s *Service) Preservation(ctx context.Context, p org.Principal, id string) (*Preservation, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	return s.store.GetPreservation(ctx, id)
}

// Hold extends the preservation of removed content (Art. 6(2)), for
// example for an investigation. Only the issuing authority may.
func (s *Service) Hold(ctx context.Context, p org.Principal, id string, until time.Time, reason string) (*Preservation, error) {
	r, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if r.AuthorityID != p.OrgID {
		return nil, vigie.Errorf(vigie.EForbidden, "only the issuing authority may extend preservation")
	}
	if !until.After(s.now()) {
		return nil, vigie.Invalid("until", "must be in the future")
	}
	if err := checkText("reason", reason, 1, maxShort); err != nil {
		return nil, err
	}
	a := audit.Record{OrgID: p.OrgID, Actor: p.Actor(), Action: "preservation.held", Subject: "referral/" + id,
		Data: map[string]any{"until": until, "reason": reason}}
	if err := s.store.HoldPreservation(ctx, id, until, reason, a); err != nil {
		return nil, err
	}
	return s.store.GetPreservation(ctx, id)
}

// Purge deletes expired preservation records. It runs as a periodic job.
func (s *Service) Purge(ctx context.Context) (int, error) {
	return s.store.PurgePreservations(ctx, s.now())
}
