package audit_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/vigie-project/vigie/audit"
)

func chain(n int) []audit.Entry {
	prev := audit.Genesis
	var out []audit.Entry
	for i := 1; i <= n; i++ {
		e := audit.Entry{Seq: int64(i), At: time.Unix(1700000000+int64(i), 0), OrgID: "o", Actor: "system",
			Action: "test.step", Subject: fmt.Sprintf("thing/%d", i), Data: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)), PrevHash: prev}
		e.Seal()
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func verify(entries []audit.Entry) error {
	v := audit.NewVerifier()
	for _, e := range entries {
		if err := v.Next(e); err != nil {
			return err
		}
	}
	return nil
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func([]audit.Entry) []audit.Entry
		wantSeq int64 // 0: valid
	}{
		{"untouched chain verifies", func(e []audit.Entry) []audit.Entry { return e }, 0},
		{"changed data is found", func(e []audit.Entry) []audit.Entry { e[3].Data = json.RawMessage(`{"i":99}`); return e }, 4},
		{"changed action is found", func(e []audit.Entry) []audit.Entry { e[5].Action = "x"; return e }, 6},
		{"changed time is found", func(e []audit.Entry) []audit.Entry { e[2].At = e[2].At.Add(time.Second); return e }, 3},
		{"removed entry is found", func(e []audit.Entry) []audit.Entry { return append(e[:4:4], e[5:]...) }, 5},
		{"resealed entry breaks the next link", func(e []audit.Entry) []audit.Entry { e[1].Actor = "evil"; e[1].Seal(); return e }, 3},
		{"data withheld still verifies", func(e []audit.Entry) []audit.Entry { e[2].Data = nil; return e }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verify(tt.tamper(chain(8)))
			var b *audit.Break
			switch {
			case tt.wantSeq == 0 && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantSeq != 0 && !errors.As(err, &b):
				t.Fatalf("got %v, want a break at %d", err, tt.wantSeq)
			case tt.wantSeq != 0 && b.Seq != tt.wantSeq:
				t.Fatalf("break at %d (%s), want %d", b.Seq, b.Reason, tt.wantSeq)
			}
		})
	}
}
