package alert

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/audit"
	"github.com/vigie-project/vigie/cap"
	"github.com/vigie-project/vigie/org"
)

// JobFanout is the job kind that delivers a published message to the
// channels beyond webhooks (feeds, Web Push, streams); its payload is a
// Fanout. It is enqueued in the same transaction as the publication, so a
// crash cannot publish an alert that nobody is told about.
const JobFanout = "alert.fanout"

// Fanout is the payload of a JobFanout job.
type Fanout struct {
	AlertID string    `json:"alert_id"`
	At      time.Time `json:"at" doc:"Publication time: the job runs from then, and delivery latency is measured from it."`
}

// The webhook event types.
const (
	NoticePublished        = "alert.published"          // a new alert (msgType Alert) went out
	NoticeUpdated          = "alert.updated"            // an Update went out
	NoticeCancelled        = "alert.cancelled"          // a Cancel went out
	NoticeApprovalRequired = "alert.approval_requested" // to the authority: an Actual message waits for a second person
)

// Notice is a webhook event for one organisation. Data is a Payload for
// platforms and the *Alert for the authority.
type Notice struct {
	OrgID   string
	Type    string
	AlertID string
	Data    any
}

// Save is an existing alert to store, only if its stored version is still
// PrevVersion.
type Save struct {
	Alert       *Alert
	PrevVersion int
}

// Change is everything one action commits, atomically: the alerts whose
// state changed (the message itself and the earlier ones it supersedes or
// cancels), the audit entry, the webhook notices and the fan-out job.
type Change struct {
	Saves   []Save
	Audit   audit.Record
	Notices []Notice
	Fanout  *Fanout
}

// Filter selects alerts. The service always sets AuthorityID from the
// caller for List.
type Filter struct {
	AuthorityID string
	ChainID     string
	States      []State
	Statuses    []cap.Status
	// Active keeps the messages live now (published, not expired); the
	// service turns it into States and ExpiresAfter for the store.
	Active       bool
	ExpiresAfter time.Time // non-zero: expires strictly after
	ExpiresBy    time.Time // non-zero: expires at or before
	Limit        int       // 0: no limit
}

// Store is the persistence the service needs. Implementations commit a
// Change in one transaction, or nothing of it.
type Store interface {
	// CreateAlert stores a new message with c. When the authority already
	// used idemKey, it stores nothing and returns the earlier message and
	// the request digest it was created with. At most one message per
	// chain may be pending approval: another one is an EConflict error.
	CreateAlert(ctx context.Context, a *Alert, idemKey, reqDigest string, c Change) (prior *Alert, priorDigest string, err error)
	GetAlert(ctx context.Context, id string) (*Alert, error)
	// ListAlerts returns the matching alerts, newest first.
	ListAlerts(ctx context.Context, f Filter) ([]*Alert, error)
	// SaveAlerts commits c; if any saved alert changed since its
	// PrevVersion it commits nothing and returns an EConflict error.
	SaveAlerts(ctx context.Context, c Change) error
}

// Platforms tells which platform organisations receive an alert over
// their area (by geohash cells, subscriptions: decided elsewhere).
type Platforms interface {
	PlatformsFor(ctx context.Context, a Area) ([]string, error)
}

// Audience estimates how many people subscribed to alerts in an area, for
// the reach shown before approval.
type Audience interface {
	CountIn(ctx context.Context, a Area) (int, error)
}

// Reach is who an alert would reach, shown to the approver.
type Reach struct {
	Platforms []string `json:"platforms" doc:"Platform organisations whose webhook receives it."`
	People    int      `json:"people" doc:"Subscribers in the area; -1 when unknown."`
}

// Service writes, approves and publishes alerts.
type Service struct {
	store     Store
	platforms Platforms
	audience  Audience
	policy    Policy
	now       func() time.Time
	newID     func() string
}

// NewService returns a Service. now is the clock; newID makes unique ids
// without spaces or commas (they become part of CAP identifiers).
func NewService(store Store, platforms Platforms, policy Policy, now func() time.Time, newID func() string) *Service {
	return &Service{store: store, platforms: platforms, policy: policy, now: now, newID: newID}
}

// WithAudience sets the subscriber count used by Reach.
func (s *Service) WithAudience(a Audience) *Service { s.audience = a; return s }

// Policy returns the rules in force.
func (s *Service) Policy() Policy { return s.policy }

func authority(p org.Principal) error {
	if p.Kind != org.KindAuthority {
		return vigie.Errorf(vigie.EForbidden, "only authorities write alerts")
	}
	return nil
}

var errNotFound = vigie.Errorf(vigie.ENotFound, "no such alert")

// own returns an alert of the caller's authority.
func (s *Service) own(ctx context.Context, p org.Principal, id string) (*Alert, error) {
	if err := authority(p); err != nil {
		return nil, err
	}
	a, err := s.store.GetAlert(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.AuthorityID != p.OrgID {
		return nil, errNotFound
	}
	return a, nil
}

// Get returns an alert of the caller's authority.
func (s *Service) Get(ctx context.Context, p org.Principal, id string) (*Alert, error) {
	return s.own(ctx, p, id)
}

// List returns the caller's authority's alerts, newest first.
func (s *Service) List(ctx context.Context, p org.Principal, f Filter) ([]*Alert, error) {
	if err := authority(p); err != nil {
		return nil, err
	}
	f.AuthorityID = p.OrgID
	if f.Active {
		f.States, f.ExpiresAfter = []State{StatePublished}, s.now()
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	return s.store.ListAlerts(ctx, f)
}

// Active returns the live Actual messages of every authority, for the
// public feeds: published, not expired, not superseded or cancelled. A
// published Cancel is live too until the expiry of what it cancels, so
// that feed readers learn of the cancellation.
func (s *Service) Active(ctx context.Context) ([]*Alert, error) {
	return s.store.ListAlerts(ctx, Filter{States: []State{StatePublished}, Statuses: []cap.Status{cap.StatusActual}, ExpiresAfter: s.now()})
}

// ActiveExercises is Active for Exercise and Test messages, which feeds
// list apart and label (Message.Label).
func (s *Service) ActiveExercises(ctx context.Context) ([]*Alert, error) {
	return s.store.ListAlerts(ctx, Filter{States: []State{StatePublished}, Statuses: []cap.Status{cap.StatusExercise, cap.StatusTest}, ExpiresAfter: s.now()})
}

// Reach returns who an alert of the caller's would reach.
func (s *Service) Reach(ctx context.Context, p org.Principal, id string) (Reach, error) {
	a, err := s.own(ctx, p, id)
	if err != nil {
		return Reach{}, err
	}
	return s.reach(ctx, a.Area)
}

func (s *Service) reach(ctx context.Context, area Area) (Reach, error) {
	plats, err := s.platformsFor(ctx, area)
	if err != nil {
		return Reach{}, err
	}
	r := Reach{Platforms: plats, People: -1}
	if s.audience != nil {
		if r.People, err = s.audience.CountIn(ctx, area); err != nil {
			return Reach{}, err
		}
	}
	return r, nil
}

func (s *Service) platformsFor(ctx context.Context, area Area) ([]string, error) {
	ids, err := s.platforms.PlatformsFor(ctx, area)
	if err != nil {
		return nil, fmt.Errorf("alert: platforms for area: %w", err)
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// Preview validates a draft and returns the message it would make (not
// stored, state new) with its warnings, and its reach: what the form shows
// before the author submits.
func (s *Service) Preview(ctx context.Context, p org.Principal, d Draft) (*Alert, Reach, error) {
	if err := authority(p); err != nil {
		return nil, Reach{}, err
	}
	a, err := s.build(p, d, s.now(), cap.MsgAlert, nil)
	if err != nil {
		return nil, Reach{}, err
	}
	r, err := s.reach(ctx, a.Area)
	return a, r, err
}

// Create writes a new alert. An Actual alert waits for approval by a
// second person; Exercise and Test alerts are published at once. The
// idempotency key, when given, makes a retried request return the first
// result instead of writing twice; reusing it for a different draft is an
// EInvalid error. created is false when an earlier request is replayed.
func (s *Service) Create(ctx context.Context, p org.Principal, d Draft, idemKey string) (a *Alert, created bool, err error) {
	if err := authority(p); err != nil {
		return nil, false, err
	}
	if len(idemKey) > 200 {
		return nil, false, vigie.Invalid("Idempotency-Key", "must be at most 200 characters")
	}
	now := s.now()
	a, err = s.build(p, d, now, cap.MsgAlert, nil)
	if err != nil {
		return nil, false, err
	}
	c, err := s.submit(ctx, p, a, nil, now)
	if err != nil {
		return nil, false, err
	}
	body, _ := json.Marshal(d)
	sum := sha256.Sum256(body)
	digest := hex.EncodeToString(sum[:])
	prior, priorDigest, err := s.store.CreateAlert(ctx, a, idemKey, digest, c)
	if err != nil {
		return nil, false, err
	}
	if prior != nil {
		if priorDigest != digest {
			return nil, false, vigie.Invalid("Idempotency-Key", "was already used for a different request")
		}
		return prior, false, nil
	}
	return a, true, nil
}

// build validates d and makes the message the caller writes with it; base
// is the message an Update acts on (nil for a new alert).
func (s *Service) build(p org.Principal, d Draft, now time.Time, msgType cap.MsgType, base *Alert) (*Alert, error) {
	if base != nil {
		if d.Status == "" {
			d.Status = base.Status
		} else if d.Status != base.Status {
			return nil, vigie.Invalid("status", "must be %s, like the alert it updates", base.Status)
		}
	}
	warnings, err := d.Validate(now, s.policy)
	if err != nil {
		return nil, err
	}
	n := d.normalized()
	a, err := s.header(p, n.Status, msgType, now, base)
	if err != nil {
		return nil, err
	}
	n.fill(a)
	a.Warnings = warnings
	return a, nil
}

// fill copies the content of a normalised draft into a.
func (d *Draft) fill(a *Alert) {
	a.Categories, a.Event, a.ResponseTypes = d.Categories, d.Event, d.ResponseTypes
	a.Urgency, a.Severity, a.Certainty = d.Urgency, d.Severity, d.Certainty
	a.Effective, a.Onset, a.Expires = d.Effective, d.Onset, d.Expires
	a.Web, a.Contact, a.Infos, a.Area = d.Web, d.Contact, d.Infos, d.Area
	if d.Note != "" {
		a.Note = d.Note
	}
}

// preview is the message a normalised draft would make, for the CAP check.
func (d *Draft) preview(now time.Time, p Policy) *Alert {
	a := &Alert{Identifier: "vigie-preview", Sender: "preview@" + p.SenderDomain, Status: d.Status, MsgType: cap.MsgAlert,
		Scope: cap.ScopePublic, CreatedAt: now}
	d.fill(a)
	return a
}

// header makes the part of a message Vigie writes: ids, sender, type,
// authorship, and the chain it belongs to.
func (s *Service) header(p org.Principal, status cap.Status, msgType cap.MsgType, now time.Time, base *Alert) (*Alert, error) {
	id := s.newID()
	if !validID(id) || !validID(p.OrgID) || !validID(s.policy.SenderDomain) {
		return nil, fmt.Errorf("alert: id %q, authority %q or sender domain %q cannot go into a CAP identifier", id, p.OrgID, s.policy.SenderDomain)
	}
	a := &Alert{
		ID: id, AuthorityID: p.OrgID, Authority: p.OrgName, Identifier: NewIdentifier(p.OrgID, id),
		Sender: p.OrgID + "@" + s.policy.SenderDomain, Status: status, MsgType: msgType, Scope: cap.ScopePublic,
		ChainID: id, CreatedBy: p.Actor(), CreatedAt: now,
	}
	switch status {
	case cap.StatusExercise:
		a.Note = "Exercise: this is not a real alert."
	case cap.StatusTest:
		a.Note = "Test: this is not a real alert."
	}
	if base != nil {
		a.ChainID, a.Replaces, a.Authority = base.ChainID, base.ID, cmp.Or(p.OrgName, base.Authority)
	}
	return a, nil
}

// submit applies the author's submission to a new message: it waits for
// approval (Actual) or goes out at once. chain is the rest of its chain.
func (s *Service) submit(ctx context.Context, p org.Principal, a *Alert, chain []*Alert, now time.Time) (Change, error) {
	refs := references(chain, a.ID)
	if a.MsgType != cap.MsgAlert {
		a.References = refs // what it will reference, shown while it waits
	}
	// The last word on the format, with the real identifiers and references.
	if err := checkCAP(a, nil); err != nil {
		return Change{}, err
	}
	fx, err := Apply(a, Event{Type: EventSubmitted, At: now, Actor: p.Actor(), Person: p.UserID != "", OrgID: p.OrgID, References: refs})
	if err != nil {
		return Change{}, err
	}
	c := Change{Audit: audit.Record{OrgID: a.AuthorityID, Actor: p.Actor(), Action: "alert.created", Subject: "alert/" + a.ID}}
	if fx.Pending {
		c.Notices = []Notice{{OrgID: a.AuthorityID, Type: NoticeApprovalRequired, AlertID: a.ID, Data: a}}
		c.Audit.Data = map[string]any{"alert": a}
		return c, nil
	}
	ended, err := s.publication(ctx, a, chain, now, &c)
	c.Audit.Data = map[string]any{"alert": a, "ended": ended}
	return c, err
}

// publication adds to c what a message going out causes: the earlier
// messages of its chain are superseded (Update) or cancelled (Cancel), the
// platforms over its area are notified, and the fan-out job is queued. It
// returns the ids of the messages it ended.
func (s *Service) publication(ctx context.Context, a *Alert, chain []*Alert, at time.Time, c *Change) ([]string, error) {
	var ended []string
	if a.MsgType != cap.MsgAlert {
		typ := EventSuperseded
		if a.MsgType == cap.MsgCancel {
			typ = EventCancelled
		}
		for _, m := range chain {
			if m.ID == a.ID {
				continue
			}
			m2 := *m
			fx, err := Apply(&m2, Event{Type: typ, At: at, Actor: a.CreatedBy, By: a.ID})
			if err != nil {
				continue // never published (rejected): nothing to end
			}
			if !fx.Noop {
				c.Saves = append(c.Saves, Save{Alert: &m2, PrevVersion: m.Version})
				ended = append(ended, m.ID)
			}
		}
	}
	plats, err := s.platformsFor(ctx, a.Area)
	if err != nil {
		return nil, err
	}
	xml, err := CAP(a)
	if err != nil {
		return nil, fmt.Errorf("alert: marshal CAP: %w", err)
	}
	payload := Payload{Alert: Render(a), CAP: string(xml)}
	typ := map[cap.MsgType]string{cap.MsgAlert: NoticePublished, cap.MsgUpdate: NoticeUpdated, cap.MsgCancel: NoticeCancelled}[a.MsgType]
	for _, id := range plats {
		c.Notices = append(c.Notices, Notice{OrgID: id, Type: typ, AlertID: a.ID, Data: payload})
	}
	c.Fanout = &Fanout{AlertID: a.ID, At: at}
	return ended, nil
}

// references are the CAP references of a new message of the chain: every
// message of it that was published, oldest first.
func references(chain []*Alert, except string) []Reference {
	var pub []*Alert
	for _, m := range chain {
		if m.PublishedAt != nil && m.ID != except {
			pub = append(pub, m)
		}
	}
	slices.SortFunc(pub, func(x, y *Alert) int {
		return cmp.Or(x.PublishedAt.Compare(*y.PublishedAt), cmp.Compare(x.ID, y.ID))
	})
	refs := make([]Reference, len(pub))
	for i, m := range pub {
		refs[i] = m.Ref()
	}
	return refs
}

// Approve publishes an Actual message waiting for approval. The approver
// must be a person of the same authority other than the author.
func (s *Service) Approve(ctx context.Context, p org.Principal, id string) (*Alert, error) {
	return s.act(ctx, p, id, func(a *Alert, chain []*Alert, now time.Time) (Change, error) {
		prev := a.Version
		if _, err := Apply(a, Event{Type: EventApproved, At: now, Actor: p.Actor(), Person: p.UserID != "", OrgID: p.OrgID,
			References: references(chain, a.ID)}); err != nil {
			return Change{}, err
		}
		c := Change{Saves: []Save{{Alert: a, PrevVersion: prev}},
			Audit: audit.Record{OrgID: a.AuthorityID, Actor: p.Actor(), Action: "alert.approved", Subject: "alert/" + a.ID}}
		ended, err := s.publication(ctx, a, chain, now, &c)
		c.Audit.Data = map[string]any{"state": a.State, "version": a.Version, "author": a.CreatedBy,
			"published_at": a.PublishedAt, "references": a.References, "ended": ended}
		return c, err
	})
}

// Reject refuses an Actual message waiting for approval. Anyone of the
// authority may, the author included (who withdraws it).
func (s *Service) Reject(ctx context.Context, p org.Principal, id, reason string) (*Alert, error) {
	return s.act(ctx, p, id, func(a *Alert, _ []*Alert, now time.Time) (Change, error) {
		prev := a.Version
		if _, err := Apply(a, Event{Type: EventRejected, At: now, Actor: p.Actor(), Person: p.UserID != "", OrgID: p.OrgID, Reason: reason}); err != nil {
			return Change{}, err
		}
		return Change{Saves: []Save{{Alert: a, PrevVersion: prev}},
			Audit: audit.Record{OrgID: a.AuthorityID, Actor: p.Actor(), Action: "alert.rejected", Subject: "alert/" + a.ID,
				Data: map[string]any{"state": a.State, "version": a.Version, "reason": reason}}}, nil
	})
}

// act loads a message of the caller's and its chain, applies fn and saves,
// trying again when another writer changed them first.
func (s *Service) act(ctx context.Context, p org.Principal, id string, fn func(a *Alert, chain []*Alert, now time.Time) (Change, error)) (*Alert, error) {
	for attempt := 0; ; attempt++ {
		a, err := s.own(ctx, p, id)
		if err != nil {
			return nil, err
		}
		chain, err := s.chain(ctx, a.ChainID)
		if err != nil {
			return nil, err
		}
		c, err := fn(a, chain, s.now())
		if err != nil {
			return nil, err
		}
		err = s.store.SaveAlerts(ctx, c)
		if vigie.ErrorCode(err) == vigie.EConflict && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return a, nil
	}
}

func (s *Service) chain(ctx context.Context, chainID string) ([]*Alert, error) {
	return s.store.ListAlerts(ctx, Filter{ChainID: chainID})
}

// head loads the chain of the caller's message id and checks that a new
// Update or Cancel may follow it: id must be the chain's latest published
// message (an action on an older one was decided on stale information), it
// must be live and not a Cancel, and nothing else of the chain may be
// waiting for approval.
func (s *Service) head(ctx context.Context, p org.Principal, id string, now time.Time) (*Alert, []*Alert, error) {
	a, err := s.own(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	chain, err := s.chain(ctx, a.ChainID)
	if err != nil {
		return nil, nil, err
	}
	var latest *Alert
	for _, m := range chain {
		if m.State == StatePending {
			return nil, nil, vigie.Errorf(vigie.EConflict, "message %s of this alert awaits approval: approve or reject it first", m.ID)
		}
		if m.PublishedAt != nil && (latest == nil || m.PublishedAt.After(*latest.PublishedAt)) {
			latest = m
		}
	}
	switch {
	case latest == nil:
		return nil, nil, vigie.Errorf(vigie.EConflict, "the alert was never published: there is nothing to update or cancel")
	case latest.ID != a.ID:
		return nil, nil, vigie.Errorf(vigie.EConflict, "message %s replaced this one: act on the latest message", latest.ID)
	case a.MsgType == cap.MsgCancel:
		return nil, nil, vigie.Errorf(vigie.EConflict, "the alert was cancelled")
	case !a.Live(now):
		what := string(a.State)
		if a.State == StatePublished {
			what = "expired" // the sweep has not marked it yet
		}
		return nil, nil, vigie.Errorf(vigie.EConflict, "the alert is %s: write a new alert", what)
	}
	return a, chain, nil
}

// Update writes an Update of the live alert id: a new message of the same
// chain, whose CAP references name every earlier published message. Its
// draft replaces the whole content; its status must stay the chain's
// (empty: the same). Like any Actual message it waits for a second person;
// when it goes out, the earlier messages become superseded.
func (s *Service) Update(ctx context.Context, p org.Principal, id string, d Draft) (*Alert, error) {
	now := s.now()
	base, chain, err := s.head(ctx, p, id, now)
	if err != nil {
		return nil, err
	}
	return s.follow(ctx, p, base, chain, d, now)
}

func (s *Service) follow(ctx context.Context, p org.Principal, base *Alert, chain []*Alert, d Draft, now time.Time) (*Alert, error) {
	a, err := s.build(p, d, now, cap.MsgUpdate, base)
	if err != nil {
		return nil, err
	}
	return s.createInChain(ctx, p, a, chain, now)
}

func (s *Service) createInChain(ctx context.Context, p org.Principal, a *Alert, chain []*Alert, now time.Time) (*Alert, error) {
	c, err := s.submit(ctx, p, a, chain, now)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.store.CreateAlert(ctx, a, "", "", c); err != nil {
		return nil, err
	}
	return a, nil
}

// Cancel writes a Cancel of the live alert id: a message without <info>
// (so no receiver can show the cancelled instructions again) whose note
// says why and whose references name every earlier published message.
// Like any Actual message it waits for a second person; when it goes out,
// the earlier messages become cancelled. It stays in the feeds until the
// expiry of what it cancels.
func (s *Service) Cancel(ctx context.Context, p org.Principal, id, note string) (*Alert, error) {
	now := s.now()
	base, chain, err := s.head(ctx, p, id, now)
	if err != nil {
		return nil, err
	}
	c := &checker{}
	c.text("note", note, 1, maxShort)
	if c.err != nil {
		return nil, c.err
	}
	a, err := s.header(p, base.Status, cap.MsgCancel, now, base)
	if err != nil {
		return nil, err
	}
	a.Note = note
	a.Categories, a.Event, a.ResponseTypes = base.Categories, base.Event, base.ResponseTypes
	a.Urgency, a.Severity, a.Certainty = base.Urgency, base.Severity, base.Certainty
	a.Expires, a.Area, a.Infos = base.Expires, base.Area, []Info{}
	return s.createInChain(ctx, p, a, chain, now)
}

// Text is a text in one language, from a template or the author.
type Text struct {
	Language    string `json:"language"`
	Event       string `json:"event,omitempty"`
	Headline    string `json:"headline"`
	Description string `json:"description,omitempty"`
	Instruction string `json:"instruction"`
}

// AllClear writes, in one call, the Update that ends the live alert id: the
// same event, area and languages, response type AllClear, urgency Past,
// severity Minor, certainty Observed, in force for Policy.AllClearFor, with
// the texts given (nil: the AllClear template) for each of the alert's
// languages. An Actual all-clear needs a second person like any message.
func (s *Service) AllClear(ctx context.Context, p org.Principal, id string, texts []Text) (*Alert, error) {
	now := s.now()
	base, chain, err := s.head(ctx, p, id, now)
	if err != nil {
		return nil, err
	}
	if texts == nil {
		texts = AllClear.Texts
	}
	d := Draft{
		Status: base.Status, Categories: base.Categories, Event: base.Event, ResponseTypes: []cap.ResponseType{cap.RespAllClear},
		Urgency: cap.UrgPast, Severity: cap.SevMinor, Certainty: cap.CertObserved,
		Expires: now.Add(min(s.policy.AllClearFor, s.policy.MaxDuration)), Web: base.Web, Contact: base.Contact, Area: base.Area,
	}
	for i, in := range base.Infos {
		t, ok := textFor(texts, in.Language)
		if !ok {
			return nil, vigie.Invalid("texts", "give an all-clear text in %s, the language of infos[%d]", in.Language, i)
		}
		d.Infos = append(d.Infos, Info{Language: in.Language, Event: in.Event, Headline: t.Headline, Description: t.Description,
			Instruction: t.Instruction, AreaDesc: in.AreaDesc, SenderName: in.SenderName})
	}
	return s.follow(ctx, p, base, chain, d, now)
}

// ExpireDue marks the messages whose expiry passed as expired, published
// or still awaiting approval. It runs as a periodic job; feeds do not
// depend on it (they filter on the expiry time).
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	now := s.now()
	due, err := s.store.ListAlerts(ctx, Filter{States: []State{StatePublished, StatePending}, ExpiresBy: now, Limit: 500})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range due {
		prev := a.Version
		fx, err := Apply(a, Event{Type: EventExpired, At: now, Actor: "system"})
		if err != nil || fx.Noop {
			continue
		}
		err = s.store.SaveAlerts(ctx, Change{Saves: []Save{{Alert: a, PrevVersion: prev}},
			Audit: audit.Record{OrgID: a.AuthorityID, Actor: "system", Action: "alert.expired", Subject: "alert/" + a.ID,
				Data: map[string]any{"state": a.State, "version": a.Version, "expires": a.Expires}}})
		if vigie.ErrorCode(err) == vigie.EConflict {
			continue // changed meanwhile; the next sweep looks again
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
