package media

import (
	"encoding/hex"
	"fmt"
	"iter"
	"slices"
	"sync"

	"github.com/vigie-project/vigie/pdq"
	"github.com/vigie-project/vigie/pdqindex"
	"github.com/vigie-project/vigie/vpdq"
)

// Index is the in-memory matching index of every active signal of every
// bank. Adding or removing a signal takes effect for the next lookup (about
// a microsecond for a PDQ hash): there is no periodic rebuild.
//
// PDQ hashes live in a pdqindex (multi-index hashing, measured at 10 million
// hashes in BENCHMARKS.md) under the key signalID<<16 | bank slot, so that a
// match names its bank without a per-signal map. vPDQ frames live in a second
// pdqindex under signalID<<16 | frame number; a query video looks up its
// frames there to find candidate videos, which are then compared frame set
// against frame set with the vPDQ rule. MD5 and SHA-256 are maps.
type Index struct {
	mu     sync.RWMutex
	banks  map[int]bankSettings // by slot
	photos *pdqindex.Index
	frames *pdqindex.Index
	videos map[int64]video
	exact  map[string][]uint64 // "md5:HEX" or "sha256:HEX" → keys
}

type bankSettings struct {
	Bank
}

type video struct {
	slot   int
	frames vpdq.Hash
}

// NewIndex returns an empty index sized for about expected PDQ hashes.
func NewIndex(expected int) *Index {
	return &Index{
		banks:  map[int]bankSettings{},
		photos: pdqindex.New(pdqindex.Options{ExpectedSize: max(expected, 1000)}),
		frames: pdqindex.New(pdqindex.Options{ExpectedSize: 100_000}),
		videos: map[int64]video{},
		exact:  map[string][]uint64{},
	}
}

// Close stops the index's background work.
func (x *Index) Close() {
	x.photos.Close()
	x.frames.Close()
}

func key(id int64, slot int) uint64 { return uint64(id)<<16 | uint64(slot) }

func unkey(k uint64) (id int64, low int) { return int64(k >> 16), int(k & 0xffff) }

// SetBank records a bank's current settings; they apply to the next lookup.
func (x *Index) SetBank(b Bank) {
	x.mu.Lock()
	x.banks[b.Slot] = bankSettings{b}
	x.mu.Unlock()
}

// Bank returns the settings of the bank in slot.
func (x *Index) Bank(slot int) (Bank, bool) {
	x.mu.RLock()
	b, ok := x.banks[slot]
	x.mu.RUnlock()
	return b.Bank, ok
}

// LoadPDQ bulk-loads PDQ hashes keyed as the index keys them, for the
// start-up; sizeHint is the expected number.
func (x *Index) LoadPDQ(seq iter.Seq2[uint64, pdq.Hash], sizeHint int) error {
	return x.photos.Load(seq, sizeHint)
}

// Add puts an active signal in the index; a signal in another state is
// taken out of it.
func (x *Index) Add(s *Signal, slot int) error {
	if s.State != Active {
		x.Remove(s, slot)
		return nil
	}
	if s.ID <= 0 || s.ID >= 1<<47 {
		return fmt.Errorf("media: signal id %d out of the index's range", s.ID)
	}
	switch s.Type {
	case PDQ:
		h, err := pdq.ParseHash(s.Value)
		if err != nil {
			return err
		}
		if x.photos.Contains(key(s.ID, slot)) {
			return nil
		}
		return x.photos.Add(key(s.ID, slot), h)
	case VPDQ:
		fr, err := vpdq.ParseSignal(s.Value)
		if err != nil {
			return err
		}
		if len(fr) > MaxFramesPerVideo {
			return fmt.Errorf("media: video of %d frames, at most %d", len(fr), MaxFramesPerVideo)
		}
		x.mu.Lock()
		_, had := x.videos[s.ID]
		x.videos[s.ID] = video{slot: slot, frames: fr}
		x.mu.Unlock()
		if had {
			return nil
		}
		for i, f := range fr {
			if err := x.frames.Add(key(s.ID, i), f.Hash); err != nil {
				return err
			}
		}
		return nil
	case MD5, SHA256:
		k := string(s.Type) + ":" + s.Value
		x.mu.Lock()
		if !slices.Contains(x.exact[k], key(s.ID, slot)) {
			x.exact[k] = append(x.exact[k], key(s.ID, slot))
		}
		x.mu.Unlock()
		return nil
	}
	return fmt.Errorf("media: unknown signal type %q", s.Type)
}

// Remove takes a signal out of the index. It reports whether it was there.
func (x *Index) Remove(s *Signal, slot int) bool {
	switch s.Type {
	case PDQ:
		return x.photos.Remove(key(s.ID, slot))
	case VPDQ:
		x.mu.Lock()
		v, ok := x.videos[s.ID]
		delete(x.videos, s.ID)
		x.mu.Unlock()
		for i := range v.frames {
			x.frames.Remove(key(s.ID, i))
		}
		return ok
	case MD5, SHA256:
		k := string(s.Type) + ":" + s.Value
		x.mu.Lock()
		defer x.mu.Unlock()
		keys := x.exact[k]
		i := slices.Index(keys, key(s.ID, slot))
		if i < 0 {
			return false
		}
		keys = slices.Delete(keys, i, i+1)
		if len(keys) == 0 {
			delete(x.exact, k)
		} else {
			x.exact[k] = keys
		}
		return true
	}
	return false
}

// Status summarises the index for /m/index/status.
type Status struct {
	Signals map[SignalType]int `json:"signals"`
	Banks   int                `json:"banks"`
}

// Status counts the signals by type.
func (x *Index) Status() Status {
	x.mu.RLock()
	defer x.mu.RUnlock()
	st := Status{Signals: map[SignalType]int{PDQ: x.photos.Len(), VPDQ: len(x.videos)}, Banks: len(x.banks)}
	for k, keys := range x.exact {
		if k[:3] == "md5" {
			st.Signals[MD5] += len(keys)
		} else {
			st.Signals[SHA256] += len(keys)
		}
	}
	return st
}

// Query is what is looked up: one or more PDQ hashes (the 8 variants of an
// uploaded photo, or a hash as given), a video's frames, or exact digests.
type Query struct {
	PDQ      []pdq.Hash      // the hashes to look up
	Variants []pdq.Transform // Variants[i] is what PDQ[i] is; nil: all Original
	Quality  int             // PDQ quality of the query; -1 when unknown
	Video    vpdq.Hash
	MD5      string // lower-case hex
	SHA256   string
	// Banks restricts the lookup to the banks in these slots; nil: every
	// enabled bank.
	Banks []int
}

// Hit is one signal that matched.
type Hit struct {
	SignalID int64
	Slot     int
	Type     SignalType
	Distance int           // PDQ: Hamming distance; exact: 0
	Variant  pdq.Transform // which rotation or flip of the query matched
	// QueryPercent and IndexPercent are vPDQ's shares of matched frames of
	// the query video and of the bank's video.
	QueryPercent, IndexPercent float64
}

// Result is a lookup's outcome. Hits in negative banks are never in Hits:
// when there is one, it is in Negatives and Hits holds no positive hit
// either (they are in Suppressed).
type Result struct {
	Hits       []Hit
	Negatives  []Hit
	Suppressed []Hit
}

// Lookup finds every active signal within its bank's threshold of the query.
func (x *Index) Lookup(q Query) Result {
	x.mu.RLock()
	banks := make(map[int]bankSettings, len(x.banks))
	for s, b := range x.banks {
		if b.Enabled && (q.Banks == nil || slices.Contains(q.Banks, s)) {
			banks[s] = b
		}
	}
	x.mu.RUnlock()
	if len(banks) == 0 {
		return Result{}
	}
	radius := 0
	for _, b := range banks {
		radius = max(radius, b.PDQThreshold)
	}
	var all []Hit
	if len(q.PDQ) > 0 {
		for _, m := range x.photos.Lookup(q.PDQ, radius, nil) {
			id, slot := unkey(m.ID)
			b, ok := banks[slot]
			if !ok || m.Distance > b.PDQThreshold || (q.Quality >= 0 && q.Quality < b.QualityFloor) {
				continue
			}
			v := pdq.Original
			if q.Variants != nil {
				v = q.Variants[m.Query]
			}
			all = append(all, Hit{SignalID: id, Slot: slot, Type: PDQ, Distance: m.Distance, Variant: v})
		}
	}
	if len(q.Video) > 0 {
		all = append(all, x.lookupVideo(q.Video, banks, radius)...)
	}
	x.mu.RLock()
	for _, e := range []struct {
		t SignalType
		v string
	}{{MD5, q.MD5}, {SHA256, q.SHA256}} {
		if e.v == "" {
			continue
		}
		for _, k := range x.exact[string(e.t)+":"+e.v] {
			id, slot := unkey(k)
			if _, ok := banks[slot]; ok {
				all = append(all, Hit{SignalID: id, Slot: slot, Type: e.t})
			}
		}
	}
	x.mu.RUnlock()
	var r Result
	for _, h := range all {
		if banks[h.Slot].Kind == Negative {
			r.Negatives = append(r.Negatives, h)
		} else {
			r.Hits = append(r.Hits, h)
		}
	}
	if len(r.Negatives) > 0 {
		r.Suppressed, r.Hits = r.Hits, nil
	}
	sortHits(r.Hits)
	sortHits(r.Negatives)
	sortHits(r.Suppressed)
	return r
}

func sortHits(h []Hit) {
	slices.SortFunc(h, func(a, b Hit) int {
		if a.Distance != b.Distance {
			return a.Distance - b.Distance
		}
		return int(a.SignalID - b.SignalID)
	})
}

// lookupVideo finds candidate videos through their frames, then applies the
// vPDQ rule to each with its bank's settings.
func (x *Index) lookupVideo(q vpdq.Hash, banks map[int]bankSettings, radius int) []Hit {
	floor := 100
	for _, b := range banks {
		floor = min(floor, b.QualityFloor)
	}
	var hashes []pdq.Hash
	seen := map[pdq.Hash]bool{}
	for _, f := range q {
		if f.Quality >= floor && !seen[f.Hash] {
			seen[f.Hash] = true
			hashes = append(hashes, f.Hash)
		}
	}
	if len(hashes) == 0 {
		return nil
	}
	candidates := map[int64]bool{}
	// Frames are looked up in batches: the index answers many queries in
	// one pass over its tables.
	for i := 0; i < len(hashes); i += 64 {
		for _, m := range x.frames.Lookup(hashes[i:min(i+64, len(hashes))], radius, nil) {
			id, _ := unkey(m.ID)
			candidates[id] = true
		}
	}
	var hits []Hit
	x.mu.RLock()
	defer x.mu.RUnlock()
	for id := range candidates {
		v, ok := x.videos[id]
		if !ok {
			continue
		}
		b, ok := banks[v.slot]
		if !ok {
			continue
		}
		m := vpdq.Matcher{MinQuality: b.QualityFloor, MaxDistance: b.PDQThreshold, MinQueryPercent: float64(b.VideoPercent)}
		if res := m.Compare(q, v.frames); res.Match {
			hits = append(hits, Hit{SignalID: id, Slot: v.slot, Type: VPDQ, QueryPercent: res.QueryMatchPercent, IndexPercent: res.CompareMatchPercent})
		}
	}
	return hits
}

// ExactKey returns the digest of data in the form an exact signal's value
// has, for uploads.
func ExactKey(sum []byte) string { return hex.EncodeToString(sum) }
