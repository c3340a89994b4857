package natsbus_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-project/vigie/natsbus"
)

func TestHopHeadersRoundTrip(t *testing.T) {
	h := natsbus.Header{}
	issued := time.Date(2026, 11, 13, 21, 17, 3, 123456789, time.FixedZone("CET", 3600))
	published := issued.Add(850 * time.Millisecond)
	natsbus.SetHop(h, natsbus.HopPublished, published)
	natsbus.SetHop(h, natsbus.HopIssued, issued)
	h.Set(natsbus.HopHeaderPrefix+"Garbled", "yesterday")
	h.Set("Other", "x")

	if got := h.Get("Vigie-Hop-Issued"); got != "2026-11-13T20:17:03.123456789Z" {
		t.Errorf("Vigie-Hop-Issued = %q, want UTC with nanoseconds", got)
	}
	if got, ok := natsbus.HopTime(h, natsbus.HopIssued); !ok || !got.Equal(issued) {
		t.Errorf("HopTime(Issued) = %v, %v; want %v", got, ok, issued)
	}
	if _, ok := natsbus.HopTime(h, "Garbled"); ok {
		t.Error("HopTime accepted an unparsable value")
	}
	if _, ok := natsbus.HopTime(h, "Missing"); ok {
		t.Error("HopTime found a hop that is not there")
	}
	want := []natsbus.Hop{{Name: natsbus.HopIssued, At: issued}, {Name: natsbus.HopPublished, At: published}}
	if diff := cmp.Diff(want, natsbus.Hops(h), cmp.Comparer(time.Time.Equal)); diff != "" {
		t.Errorf("Hops (-want +got):\n%s", diff)
	}
}

func TestConsumedTaskCarriesEveryHop(t *testing.T) {
	e := mustStart(t, "", 0)
	subj, _ := natsbus.FanoutSubject("sse", "all")
	issued := time.Now().Add(-time.Second)
	callerHeader := natsbus.Header{}
	natsbus.SetHop(callerHeader, natsbus.HopIssued, issued)
	if _, err := e.Publish(t.Context(), subj, "alert7/sse", []byte("{}"), callerHeader); err != nil {
		t.Fatal(err)
	}
	if len(callerHeader) != 1 {
		t.Errorf("Publish changed the caller's header: %v", callerHeader)
	}

	got := make(chan natsbus.Msg, 1)
	startConsumer(t, e.Bus, natsbus.ConsumerOptions{Durable: "sse"}, func(ctx context.Context, m natsbus.Msg) error {
		got <- m
		return nil
	})
	var m natsbus.Msg
	select {
	case m = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("task not delivered within 10 s")
	}
	if m.Subject != subj || m.ID != "alert7/sse" || m.Delivered != 1 || m.Sequence == 0 {
		t.Errorf("delivered %+v", m)
	}
	hops := m.Hops()
	var names []string
	for _, h := range hops {
		names = append(names, h.Name)
	}
	slices.Sort(names)
	if diff := cmp.Diff([]string{"Issued", "Published", "Received", "Stored"}, names); diff != "" {
		t.Errorf("hop names (-want +got):\n%s", diff)
	}
	if !slices.IsSortedFunc(hops, func(a, b natsbus.Hop) int { return a.At.Compare(b.At) }) {
		t.Errorf("hops not oldest first: %v", hops)
	}
	if at, _ := natsbus.HopTime(m.Header, natsbus.HopIssued); !at.Equal(issued) {
		t.Errorf("Issued hop %v, want the caller's %v", at, issued)
	}
}
