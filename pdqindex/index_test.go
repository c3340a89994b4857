package pdqindex

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/vigie-project/vigie/pdq"
)

func TestWordsDistance(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		a, b := randomHash(r), randomHash(r)
		var words []uint64
		words = AppendWords(words, a)
		got := -1
		FlatScan(words, []pdq.Hash{b}, 256, func(i, q, d int) { got = d })
		if want := pdq.Distance(a, b); got != want {
			t.Fatalf("FlatScan distance %d, pdq.Distance %d", got, want)
		}
	}
}

func TestIDMap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var m idMap
	m.init(0)
	ref := map[uint64]uint32{}
	for i := range 200000 {
		k := uint64(r.IntN(5000)) * 0x10001 // collisions on purpose
		switch r.IntN(3) {
		case 0, 1:
			m.set(k, uint32(i))
			ref[k] = uint32(i)
		case 2:
			_, ok := ref[k]
			if m.del(k) != ok {
				t.Fatalf("del(%d) != %v", k, ok)
			}
			delete(ref, k)
		}
		if i%1000 == 0 {
			for k, v := range ref {
				if got, ok := m.get(k); !ok || got != v {
					t.Fatalf("get(%d) = %d, %v; want %d", k, got, ok, v)
				}
			}
			if m.n != len(ref) {
				t.Fatalf("n = %d, want %d", m.n, len(ref))
			}
		}
	}
}

// model is the reference: a plain map of live hashes searched with
// pdq.Distance.
type model map[uint64]pdq.Hash

func (m model) lookup(queries []pdq.Hash, radius int) []Match {
	var out []Match
	for id, h := range m {
		best := Match{ID: id, Distance: 1 << 30}
		for qi, q := range queries {
			if d := pdq.Distance(h, q); d <= radius && d < best.Distance {
				best.Distance, best.Query = d, qi
			}
		}
		if best.Distance <= radius {
			out = append(out, best)
		}
	}
	slices.SortFunc(out, func(a, b Match) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.ID, b.ID))
	})
	return out
}

func sameMatches(a, b []Match) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return slices.Equal(a, b)
}

// checkAll compares Lookup, FlatScan and the model for queries at several
// radii around 31.
func checkAll(t *testing.T, x *Index, m model, queries []pdq.Hash) {
	t.Helper()
	for _, radius := range []int{0, 1, 7, 15, 30, 31, 32, 40, 60} {
		want := m.lookup(queries, radius)
		got := x.Lookup(queries, radius, nil)
		flat := x.FlatScan(queries, radius, nil)
		if !sameMatches(got, want) {
			t.Fatalf("radius %d, %d queries: Lookup\n%v\nwant\n%v", radius, len(queries), got, want)
		}
		if !sameMatches(flat, want) {
			t.Fatalf("radius %d: FlatScan\n%v\nwant\n%v", radius, flat, want)
		}
	}
}

func TestLookupMatchesFlatScan(t *testing.T) {
	// force: always probe the tables; otherwise small indexes are scanned.
	for _, c := range []struct {
		m     int
		force bool
	}{{11, true}, {13, true}, {16, true}, {16, false}, {21, true}, {32, true}, {32, false}} {
		t.Run(fmt.Sprintf("m=%d,force=%v", c.m, c.force), func(t *testing.T) {
			if raceEnabled && c.m < 16 {
				t.Skip("tables of 2^20 buckets or more are too slow to build under the race detector")
			}
			testLookup(t, c.m, c.force)
		})
	}
}

func testLookup(t *testing.T, subs int, force bool) {
	r := rand.New(rand.NewPCG(uint64(subs), 7))
	// Small deltas exercise background compactions; tables of 2^23 buckets
	// (m = 11) are too costly to rebuild that often in a unit test.
	maxDelta := 300
	if subs < 16 {
		maxDelta = 5000
	}
	x := New(Options{Substrings: subs, MaxDelta: maxDelta})
	x.forceMIH = force
	ref := model{}
	nextID := uint64(1)
	add := func(h pdq.Hash) {
		id := nextID
		nextID++
		ref[id] = h
		if err := x.Add(id, h); err != nil {
			t.Fatal(err)
		}
	}
	// Queries with planted neighbours at every distance 0..40.
	queries := make([]pdq.Hash, 8)
	for i := range queries {
		queries[i] = randomHash(r)
	}
	plant := func() {
		q := queries[r.IntN(len(queries))]
		add(flipBits(r, q, r.IntN(41)))
	}
	for range 3000 {
		add(randomHash(r))
	}
	for range 300 {
		plant()
	}
	if err := x.Load(func(yield func(uint64, pdq.Hash) bool) {}, 0); err != nil {
		t.Fatal(err)
	}
	checkAll(t, x, ref, queries)
	checkAll(t, x, ref, queries[:1])

	// Random interleavings of adds, replacements, removals and lookups,
	// with background compactions (MaxDelta is small).
	for step := range 1500 {
		switch op := r.IntN(10); {
		case op < 4:
			plant()
		case op < 6:
			add(randomHash(r))
		case op < 8:
			for id := range ref { // remove a random-ish id
				x.Remove(id)
				delete(ref, id)
				break
			}
		case op < 9:
			id := uint64(1 + r.IntN(int(nextID-1)))
			h := flipBits(r, queries[r.IntN(8)], r.IntN(41))
			ref[id] = h
			if err := x.Add(id, h); err != nil {
				t.Fatal(err)
			}
		default:
			if x.Remove(nextID + 100) {
				t.Fatal("removed an id never added")
			}
		}
		if step%150 == 0 {
			checkAll(t, x, ref, queries)
			if len(ref) != x.Len() {
				t.Fatalf("Len %d, want %d", x.Len(), len(ref))
			}
		}
		if step == 700 {
			x.Compact()
		}
	}
	x.bg.Wait()
	checkAll(t, x, ref, queries)
	x.Compact()
	checkAll(t, x, ref, queries)
	// Near-duplicate queries of indexed hashes, one per dihedral slot.
	for range 20 {
		var id uint64
		for id = range ref {
			break
		}
		qs := make([]pdq.Hash, 8)
		for i := range qs {
			qs[i] = randomHash(r)
		}
		qs[r.IntN(8)] = flipBits(r, ref[id], r.IntN(35))
		checkAll(t, x, ref, qs)
	}
}

func TestSyntheticLoad(t *testing.T) {
	x := New(Options{Substrings: 16})
	if err := x.Load(synthSeq(9, 20000), 20000); err != nil {
		t.Fatal(err)
	}
	if x.Len() != 20000 {
		t.Fatalf("Len %d", x.Len())
	}
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 50 {
		qs := make([]pdq.Hash, 8)
		for j := range qs {
			qs[j] = randomHash(r)
		}
		if i%2 == 0 {
			qs[r.IntN(8)] = flipBits(r, synthHash(9, r.IntN(20000)), r.IntN(32))
		}
		got := x.Lookup(qs, 31, nil)
		want := x.FlatScan(qs, 31, nil)
		if !sameMatches(got, want) {
			t.Fatalf("Lookup %v, FlatScan %v", got, want)
		}
		if i%2 == 0 && len(got) == 0 {
			t.Fatal("near-duplicate query found nothing")
		}
	}
}

func TestConcurrent(t *testing.T) {
	x := New(Options{Substrings: 16, MaxDelta: 200})
	r := rand.New(rand.NewPCG(11, 12))
	base := make([]pdq.Hash, 2000)
	for i := range base {
		base[i] = randomHash(r)
	}
	if err := x.Load(func(yield func(uint64, pdq.Hash) bool) {
		for i, h := range base {
			if !yield(uint64(i), h) {
				return
			}
		}
	}, len(base)); err != nil {
		t.Fatal(err)
	}
	// Ids below 1000 are never touched: readers must always find them.
	var wg, writers sync.WaitGroup
	stop := make(chan struct{})
	for w := range 2 {
		writers.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 99))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := uint64(2000 + r.IntN(3000))
				if r.IntN(3) == 0 {
					x.Remove(id)
				} else if err := x.Add(id, randomHash(r)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for g := range 3 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 77))
			for range 300 {
				id := r.IntN(1000)
				qs := []pdq.Hash{randomHash(r), flipBits(r, base[id], r.IntN(32))}
				found := false
				for _, m := range x.Lookup(qs, 31, nil) {
					if m.ID == uint64(id) {
						found = true
					}
				}
				if !found {
					t.Errorf("id %d not found", id)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	writers.Wait()
	x.bg.Wait()
}

// TestCrowdedBuckets fills buckets beyond what two-byte relative offsets
// can address, so that tables fall back to uint32 offsets.
func TestCrowdedBuckets(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	centre := randomHash(r)
	ref := model{}
	x := New(Options{Substrings: 32})
	x.forceMIH = true
	if err := x.Load(func(yield func(uint64, pdq.Hash) bool) {
		for i := range 80000 {
			h := flipBitsFast(r, centre, r.IntN(3))
			if i%10 == 0 {
				h = randomHash(r)
			}
			ref[uint64(i)] = h
			if !yield(uint64(i), h) {
				return
			}
		}
	}, 80000); err != nil {
		t.Fatal(err)
	}
	fallback := 0
	for _, tb := range x.tables {
		if tb.full != nil {
			fallback++
		}
	}
	if fallback == 0 {
		t.Fatal("no table fell back to uint32 offsets")
	}
	for range 2 {
		qs := []pdq.Hash{flipBits(r, centre, r.IntN(8)), randomHash(r)}
		for _, radius := range []int{3, 31} {
			got := x.Lookup(qs, radius, nil)
			if want := ref.lookup(qs, radius); !sameMatches(got, want) {
				t.Fatalf("radius %d: %d matches, want %d", radius, len(got), len(want))
			}
		}
	}
}

func TestClose(t *testing.T) {
	x := New(Options{ExpectedSize: 5000})
	if err := x.Load(synthSeq(3, 5000), 5000); err != nil {
		t.Fatal(err)
	}
	h := synthHash(3, 7)
	if len(x.Lookup([]pdq.Hash{h}, 0, nil)) != 1 {
		t.Fatal("hash not found before Close")
	}
	x.Close()
	if x.Len() != 0 || len(x.Lookup([]pdq.Hash{h}, 31, nil)) != 0 {
		t.Fatal("closed index not empty")
	}
	if err := x.Add(1, h); err != nil {
		t.Fatal(err)
	}
	x.Compact()
	if got := x.Lookup([]pdq.Hash{h}, 0, nil); len(got) != 1 || got[0].ID != 1 {
		t.Fatalf("after reuse: %v", got)
	}
	x.Close()
}
