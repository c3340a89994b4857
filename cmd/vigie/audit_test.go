package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/vigie-project/vigie/audit"
	"github.com/vigie-project/vigie/referral"
)

// verifyRemotely is what a platform does: fetch the chain page by page over
// the API and check every link itself.
func verifyRemotely(t *testing.T, s *testServer, as string, page int) (n int64, ownData int, err error) {
	t.Helper()
	v := audit.NewVerifier()
	after := int64(0)
	for {
		var out struct {
			Entries []audit.Entry `json:"entries"`
			Next    int64         `json:"next"`
		}
		if code := s.call(as, "GET", fmt.Sprintf("/api/v1/audit/chain?after=%d&limit=%d", after, page), nil, &out); code != 200 {
			t.Fatalf("chain: %d", code)
		}
		for _, e := range out.Entries {
			if e.Data != nil {
				if e.OrgID != s.ids[as] {
					t.Fatalf("entry %d of another organisation shows its data", e.Seq)
				}
				ownData++
			}
			if err := v.Next(e); err != nil {
				return v.Count(), ownData, err
			}
		}
		if out.Next == 0 {
			return v.Count(), ownData, nil
		}
		after = out.Next
	}
}

func TestBothPartiesCanVerifyTheAuditChain(t *testing.T) {
	s := startServer(t, 1)
	for i := range 3 {
		var r referral.Referral
		s.call("auth", "POST", "/api/v1/referrals", s.order(fmt.Sprintf("AU-%d", i)), &r)
		s.call("plat-a", "POST", "/api/v1/referrals/"+r.ID+"/acknowledge", nil, nil)
		s.call("plat-a", "POST", "/api/v1/referrals/"+r.ID+"/action", map[string]any{"action": "removed"}, nil)
	}
	for _, who := range []string{"auth", "plat-a", "plat-b"} {
		n, own, err := verifyRemotely(t, s, who, 4)
		if err != nil || n != 9 {
			t.Fatalf("%s verified %d entries: %v; want all 9", who, n, err)
		}
		if want := map[string]int{"auth": 3, "plat-a": 6, "plat-b": 0}[who]; own != want {
			t.Fatalf("%s saw the data of %d entries, want its own %d", who, own, want)
		}
	}
	// The operator rewrites the platform's second action in the database.
	if _, err := s.app.store.SQL().Exec(`UPDATE audit_log SET action = 'referral.rejected' WHERE seq = 6`); err != nil {
		t.Fatal(err)
	}
	_, _, err := verifyRemotely(t, s, "plat-a", 4)
	var b *audit.Break
	if !errors.As(err, &b) || b.Seq != 6 {
		t.Fatalf("after tampering: %v, want a break at entry 6", err)
	}
}
