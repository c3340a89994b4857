package natsbus

import (
	"slices"
	"strings"
	"time"
)

// HopHeaderPrefix starts the name of every header that carries a hop
// timestamp: Vigie-Hop-<Name>: <RFC 3339 time with nanoseconds, UTC>.
const HopHeaderPrefix = "Vigie-Hop-"

// Names of well-known hops. The caller may add its own.
const (
	// HopIssued is when the authority's alert was issued (approved).
	HopIssued = "Issued"
	// HopPublished is when the fan-out task was handed to the bus; Publish
	// sets it when the caller did not.
	HopPublished = "Published"
	// HopStored is when JetStream stored the task (the server's clock). It
	// is never a header: [Msg.Hops] takes it from the message metadata.
	HopStored = "Stored"
	// HopReceived is when a worker received the task. It is never a header:
	// [Msg.Hops] takes it from [Msg.Received].
	HopReceived = "Received"
)

// Hop is one timestamped step of an alert's journey.
type Hop struct {
	Name string
	At   time.Time
}

// SetHop records in h that the hop name happened at t. UTC with nanoseconds
// keeps timestamps from different machines comparable and sortable.
func SetHop(h Header, name string, t time.Time) {
	h.Set(HopHeaderPrefix+name, t.UTC().Format(time.RFC3339Nano))
}

// HopTime returns the time of the hop name recorded in h, and false when h
// has none or it does not parse.
func HopTime(h Header, name string) (time.Time, bool) {
	v := h.Get(HopHeaderPrefix + name)
	if v == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// Hops returns the hops recorded in h, oldest first. Headers that do not
// parse are left out: a hop is diagnostic, never a reason to fail a task.
func Hops(h Header) []Hop {
	var hops []Hop
	for k := range h {
		name, ok := strings.CutPrefix(k, HopHeaderPrefix)
		if !ok || name == "" {
			continue
		}
		if t, ok := HopTime(h, name); ok {
			hops = append(hops, Hop{Name: name, At: t})
		}
	}
	sortHops(hops)
	return hops
}

func sortHops(hops []Hop) {
	slices.SortStableFunc(hops, func(a, b Hop) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
}
