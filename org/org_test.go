package org_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/org"
)

// memStore keeps what the validation tests touch; anything else panics.
type memStore struct {
	org.Store
	orgs map[string]*org.Org
	keys map[string]*org.Key
}

func (m *memStore) CreateOrg(_ context.Context, o *org.Org) error { m.orgs[o.ID] = o; return nil }
func (m *memStore) GetOrg(_ context.Context, id string) (*org.Org, error) {
	if o, ok := m.orgs[id]; ok {
		return o, nil
	}
	return nil, vigie.Errorf(vigie.ENotFound, "no such organisation")
}
func (m *memStore) CreateUser(context.Context, *org.User) error   { return nil }
func (m *memStore) CreateKey(_ context.Context, k *org.Key) error { m.keys[k.ID] = k; return nil }
func (m *memStore) GetKey(_ context.Context, id string) (*org.Key, error) {
	if k, ok := m.keys[id]; ok {
		return k, nil
	}
	return nil, vigie.Errorf(vigie.ENotFound, "no such key")
}

func newService() *org.Service {
	n := 0
	return org.NewService(&memStore{orgs: map[string]*org.Org{}, keys: map[string]*org.Key{}}, time.Now,
		func() string { n++; return strings.Repeat("x", n) })
}

func TestValidation(t *testing.T) {
	ctx := context.Background()
	s := newService()
	o, err := s.CreateOrg(ctx, "Pharos", org.KindAuthority, "fr")
	if err != nil || o.Country != "FR" {
		t.Fatalf("create: %+v %v", o, err)
	}
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"empty name", func() error { _, err := s.CreateOrg(ctx, "  ", org.KindNGO, ""); return err }, "name"},
		{"unknown kind", func() error { _, err := s.CreateOrg(ctx, "X", "government", ""); return err }, "kind"},
		{"bad country", func() error { _, err := s.CreateOrg(ctx, "X", org.KindNGO, "FRA"); return err }, "country"},
		{"bad e-mail", func() error {
			_, err := s.CreateUser(ctx, o.ID, "Duty <duty@x.example>", "n", "long enough password")
			return err
		}, "email"},
		{"short password", func() error { _, err := s.CreateUser(ctx, o.ID, "duty@x.example", "n", "short"); return err }, "password"},
		{"password over bcrypt's limit", func() error {
			_, err := s.CreateUser(ctx, o.ID, "duty@x.example", "n", strings.Repeat("p", 73))
			return err
		}, "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if e := vigie.AsError(tt.call()); e == nil || e.Code != vigie.EInvalid || e.Field != tt.field {
				t.Fatalf("got %v, want invalid %s", e, tt.field)
			}
		})
	}
}

func TestAPIKeys(t *testing.T) {
	ctx := context.Background()
	s := newService()
	o, _ := s.CreateOrg(ctx, "Agora", org.KindPlatform, "")
	k, secret, err := s.CreateKey(ctx, o.ID, "ci", nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(k.Hash, strings.SplitN(secret, ".", 2)[1]) {
		t.Fatal("the secret is stored in clear")
	}
	if p, err := s.Authenticate(ctx, secret); err != nil || p.OrgID != o.ID || p.Kind != org.KindPlatform || p.Actor() != "key:"+k.ID {
		t.Fatalf("authenticate: %+v %v", p, err)
	}
	for _, bad := range []string{"", "nodot", k.ID + ".wrong", "vkUnknown." + strings.SplitN(secret, ".", 2)[1], strings.Repeat("a", 300)} {
		if _, err := s.Authenticate(ctx, bad); vigie.ErrorCode(err) != vigie.EUnauthorized {
			t.Errorf("key %.20q: %v, want unauthorized", bad, err)
		}
	}
}
