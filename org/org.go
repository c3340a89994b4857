// Package org holds the parties to Vigie (authorities, platforms, NGOs), the
// people who log in for them and the API keys their machines use, and turns a
// credential into a Principal: who is calling, for which organisation, with
// which role. Every other service takes a Principal and scopes its work to
// Principal.OrgID.
//
// API keys are 256-bit random secrets, so they are stored as SHA-256 digests
// (a slow password hash would add nothing and cost every request);
// passwords, chosen by people, are stored with bcrypt.
package org

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/vigie-project/vigie"
)

// Kind is what an organisation is; it decides what its members may do.
type Kind string

// The kinds of organisation.
const (
	KindAuthority Kind = "authority" // issues alerts, referrals and removal orders
	KindPlatform  Kind = "platform"  // receives and acts on them
	KindNGO       Kind = "ngo"       // civil society: reports, counter-speech
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	return k == KindAuthority || k == KindPlatform || k == KindNGO
}

// Org is an organisation.
type Org struct {
	ID        string
	Name      string
	Kind      Kind
	Country   string // ISO 3166-1 alpha-2 Member State, e.g. "FR"
	CreatedAt time.Time
}

// Endpoint is where an organisation receives signed webhooks.
type Endpoint struct {
	OrgID       string
	URL         string
	Disabled    bool   // set after repeated 410 Gone, or by the organisation
	GoneCount   int    // consecutive 410 answers
	DisabledWhy string // shown to the organisation
}

// User is a person who logs in to the web UI for one organisation.
type User struct {
	ID           string
	OrgID        string
	Email        string
	Name         string
	PasswordHash string
	CreatedAt    time.Time
}

// Key is a machine credential, scoped to one organisation.
type Key struct {
	ID        string // public part, also the prefix of the secret
	OrgID     string
	Name      string
	Hash      string // hex SHA-256 of the secret part
	CreatedAt time.Time
	ExpiresAt *time.Time // nil: never
	RevokedAt *time.Time
}

// Principal is an authenticated caller.
type Principal struct {
	OrgID   string
	OrgName string
	Kind    Kind
	UserID  string // set for people
	KeyID   string // set for machines
}

// Actor names the caller in the audit log: "user:ID" or "key:ID".
func (p Principal) Actor() string {
	if p.UserID != "" {
		return "user:" + p.UserID
	}
	return "key:" + p.KeyID
}

// Store is the persistence the service needs.
type Store interface {
	CreateOrg(ctx context.Context, o *Org) error
	GetOrg(ctx context.Context, id string) (*Org, error)
	FindOrgByName(ctx context.Context, name string) (*Org, error)
	ListOrgs(ctx context.Context) ([]*Org, error)
	CreateUser(ctx context.Context, u *User) error
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	FindUserByID(ctx context.Context, id string) (*User, error)
	CreateKey(ctx context.Context, k *Key) error
	GetKey(ctx context.Context, id string) (*Key, error)
	ListKeys(ctx context.Context, orgID string) ([]*Key, error)
	RevokeKey(ctx context.Context, id string, at time.Time) error
	SetEndpoint(ctx context.Context, e *Endpoint) error
	GetEndpoint(ctx context.Context, orgID string) (*Endpoint, error)
	CreateSession(ctx context.Context, s *Session) error
	GetSession(ctx context.Context, tokenHash string) (*Session, error)
	DeleteSession(ctx context.Context, tokenHash string) error
}

// Session is a logged-in person's browser session.
type Session struct {
	TokenHash string // hex SHA-256 of the cookie value
	UserID    string
	CSRF      string // random token the forms must echo
	ExpiresAt time.Time
}

// SessionLifetime is how long a web session lasts.
const SessionLifetime = 12 * time.Hour

// Service manages organisations and credentials.
type Service struct {
	store Store
	now   func() time.Time
	newID func() string
}

// NewService returns a Service. now is the clock; newID makes unique ids.
func NewService(store Store, now func() time.Time, newID func() string) *Service {
	return &Service{store: store, now: now, newID: newID}
}

// CreateOrg registers an organisation. Names are unique.
func (s *Service) CreateOrg(ctx context.Context, name string, kind Kind, country string) (*Org, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return nil, vigie.Invalid("name", "must be 1 to 200 characters")
	}
	if !kind.Valid() {
		return nil, vigie.Invalid("kind", "must be authority, platform or ngo")
	}
	country = strings.ToUpper(strings.TrimSpace(country))
	if country != "" && (len(country) != 2 || strings.Trim(country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		return nil, vigie.Invalid("country", "must be a two-letter ISO 3166-1 code")
	}
	o := &Org{ID: s.newID(), Name: name, Kind: kind, Country: country, CreatedAt: s.now()}
	if err := s.store.CreateOrg(ctx, o); err != nil {
		return nil, err
	}
	return o, nil
}

// CreateUser adds a person to an organisation with the given password.
func (s *Service) CreateUser(ctx context.Context, orgID, email, name, password string) (*User, error) {
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email {
		return nil, vigie.Invalid("email", "must be a plain e-mail address")
	}
	if len(password) < 12 {
		return nil, vigie.Invalid("password", "must be at least 12 characters")
	}
	if len(password) > 72 { // bcrypt's limit; refuse rather than silently truncate
		return nil, vigie.Invalid("password", "must be at most 72 bytes")
	}
	if _, err := s.store.GetOrg(ctx, orgID); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	u := &User{ID: s.newID(), OrgID: orgID, Email: strings.ToLower(email), Name: name, PasswordHash: string(hash), CreatedAt: s.now()}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// CreateKey issues an API key for an organisation and returns it with its
// secret, which is shown once and never stored. expires may be nil (the key
// lasts until revoked).
func (s *Service) CreateKey(ctx context.Context, orgID, name string, expires *time.Time) (*Key, string, error) {
	if expires != nil && !expires.After(s.now()) {
		return nil, "", vigie.Invalid("expires", "must be in the future")
	}
	if _, err := s.store.GetOrg(ctx, orgID); err != nil {
		return nil, "", err
	}
	id := "vk" + randomToken(6)
	secret := randomToken(32)
	k := &Key{ID: id, OrgID: orgID, Name: name, Hash: digest(secret), CreatedAt: s.now(), ExpiresAt: expires}
	if err := s.store.CreateKey(ctx, k); err != nil {
		return nil, "", err
	}
	return k, id + "." + secret, nil
}

// RevokeKey revokes a key of the caller's organisation.
func (s *Service) RevokeKey(ctx context.Context, orgID, keyID string) error {
	k, err := s.store.GetKey(ctx, keyID)
	if err != nil {
		return err
	}
	if k.OrgID != orgID {
		return vigie.Errorf(vigie.ENotFound, "no such key")
	}
	return s.store.RevokeKey(ctx, keyID, s.now())
}

var errBadKey = vigie.Errorf(vigie.EUnauthorized, "the API key is unknown, malformed, revoked or expired")

// Authenticate turns an API key ("ID.SECRET") into a Principal.
func (s *Service) Authenticate(ctx context.Context, apiKey string) (Principal, error) {
	id, secret, ok := strings.Cut(apiKey, ".")
	if !ok || id == "" || secret == "" || len(apiKey) > 200 {
		return Principal{}, errBadKey
	}
	k, err := s.store.GetKey(ctx, id)
	if vigie.ErrorCode(err) == vigie.ENotFound {
		return Principal{}, errBadKey
	} else if err != nil {
		return Principal{}, err
	}
	expired := k.ExpiresAt != nil && !s.now().Before(*k.ExpiresAt)
	if subtle.ConstantTimeCompare([]byte(k.Hash), []byte(digest(secret))) != 1 || k.RevokedAt != nil || expired {
		return Principal{}, errBadKey
	}
	o, err := s.store.GetOrg(ctx, k.OrgID)
	if err != nil {
		return Principal{}, err
	}
	return Principal{OrgID: o.ID, OrgName: o.Name, Kind: o.Kind, KeyID: k.ID}, nil
}

var errBadLogin = vigie.Errorf(vigie.EUnauthorized, "wrong e-mail or password")

// Login checks a person's password and opens a session. It returns the
// session and the cookie value to give the browser.
func (s *Service) Login(ctx context.Context, email, password string) (*Session, string, error) {
	u, err := s.store.FindUserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if vigie.ErrorCode(err) == vigie.ENotFound {
		// Spend the same time as a real check so timing does not reveal accounts.
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, "", errBadLogin
	} else if err != nil {
		return nil, "", err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return nil, "", errBadLogin
	}
	token := randomToken(32)
	sess := &Session{TokenHash: digest(token), UserID: u.ID, CSRF: randomToken(24), ExpiresAt: s.now().Add(SessionLifetime)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, "", err
	}
	return sess, token, nil
}

var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a real password"), bcrypt.DefaultCost)

// SessionPrincipal resolves a session cookie value.
func (s *Service) SessionPrincipal(ctx context.Context, token string) (Principal, *Session, error) {
	sess, err := s.store.GetSession(ctx, digest(token))
	if err != nil || !s.now().Before(sess.ExpiresAt) {
		return Principal{}, nil, vigie.Errorf(vigie.EUnauthorized, "session expired; log in again")
	}
	u, err := s.store.FindUserByID(ctx, sess.UserID)
	if err != nil {
		return Principal{}, nil, err
	}
	o, err := s.store.GetOrg(ctx, u.OrgID)
	if err != nil {
		return Principal{}, nil, err
	}
	return Principal{OrgID: o.ID, OrgName: o.Name, Kind: o.Kind, UserID: u.ID}, sess, nil
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.store.DeleteSession(ctx, digest(token))
}

// Org returns an organisation.
func (s *Service) Org(ctx context.Context, id string) (*Org, error) { return s.store.GetOrg(ctx, id) }

// Orgs lists all organisations.
func (s *Service) Orgs(ctx context.Context) ([]*Org, error) { return s.store.ListOrgs(ctx) }

// OrgByName finds an organisation by its exact name.
func (s *Service) OrgByName(ctx context.Context, name string) (*Org, error) {
	return s.store.FindOrgByName(ctx, name)
}

// Keys lists an organisation's keys (without secrets).
func (s *Service) Keys(ctx context.Context, orgID string) ([]*Key, error) {
	return s.store.ListKeys(ctx, orgID)
}

// URLChecker validates a webhook endpoint URL (no private addresses unless
// the operator allowed them).
type URLChecker func(raw string) error

// SetEndpoint sets where the organisation receives webhooks; an empty URL
// removes it (the organisation then polls).
func (s *Service) SetEndpoint(ctx context.Context, orgID, url string, check URLChecker) (*Endpoint, error) {
	if url != "" {
		if err := check(url); err != nil {
			return nil, vigie.Invalid("url", "%v", err)
		}
	}
	e := &Endpoint{OrgID: orgID, URL: url}
	if err := s.store.SetEndpoint(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// Endpoint returns the organisation's webhook endpoint, or ENotFound.
func (s *Service) Endpoint(ctx context.Context, orgID string) (*Endpoint, error) {
	return s.store.GetEndpoint(ctx, orgID)
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

func digest(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
