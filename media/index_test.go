package media

import (
	"testing"

	"github.com/vigie-project/vigie/pdq"
)

func TestIndexAddRemove(t *testing.T) {
	x := NewIndex(0)
	defer x.Close()
	x.SetBank(Bank{Name: "B", Slot: 1, Enabled: true, Kind: Positive, PDQThreshold: 31, QualityFloor: 50, VideoPercent: 80})
	h := pdq.Hash{1, 2, 3, 4, 5, 6, 7, 8, 9}
	s := &Signal{ID: 7, Type: PDQ, Value: h.String(), State: Active}
	if err := x.Add(s, 1); err != nil {
		t.Fatal(err)
	}
	if r := x.Lookup(Query{PDQ: []pdq.Hash{h}, Quality: -1}); len(r.Hits) != 1 {
		t.Fatalf("after add: %+v", r)
	}
	s.State = Removed
	if err := x.Add(s, 1); err != nil {
		t.Fatal(err)
	}
	if r := x.Lookup(Query{PDQ: []pdq.Hash{h}, Quality: -1}); len(r.Hits) != 0 {
		t.Fatalf("after remove: %+v", r)
	}
}
