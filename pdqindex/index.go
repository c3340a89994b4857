package pdqindex

import (
	"cmp"
	"errors"
	"iter"
	"math"
	"math/bits"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/vigie-project/vigie/pdq"
)

// DefaultExpectedSize is the index size that New plans for when
// Options.ExpectedSize is 0.
const DefaultExpectedSize = 10_000_000

// SubstringsFor returns the number of substrings New chooses for an index
// of about n hashes: 256/log2(n) rounded (Norouzi et al. recommend
// substrings of about log2(n) bits), between 11 and 32. 11 at 10 million
// (substrings of 23 and 24 bits), 12 at 2 million, 13 at 1 million.
func SubstringsFor(n int) int {
	if n < 2 {
		return 32
	}
	m := int(256/math.Log2(float64(n)) + 0.5)
	return min(max(m, 11), 32)
}

// DefaultMaxDelta is the default number of slots added since the last
// compaction above which a background compaction starts.
const DefaultMaxDelta = 1 << 14

// segBits sets the size of a storage segment: 1<<segBits slots.
const segBits = 18

const segSize = 1 << segBits

// MaxSlots is the largest number of hashes ever added to one Index
// (removed ones included): slots are numbered with uint32.
const MaxSlots = 1<<32 - 1

// ErrFull reports that an Index has used all its slots.
var ErrFull = errors.New("pdqindex: index full")

// Options configures New. The zero value gives the defaults.
type Options struct {
	// Substrings is the number of substrings m of multi-index hashing: the
	// 256 bits are cut into m consecutive chunks of ⌊256/m⌋ or ⌈256/m⌉
	// bits, each indexed by a table of 2^width buckets (2 bytes a bucket:
	// 16 MiB at 23 bits, whatever the number of hashes). 11 to 32; 0 means
	// SubstringsFor(ExpectedSize).
	Substrings int
	// ExpectedSize is the number of hashes the index is planned for; it
	// chooses Substrings. 0 means DefaultExpectedSize.
	ExpectedSize int
	// MaxDelta is the number of hashes added since the last compaction
	// above which Add starts a compaction in the background. Until then
	// new hashes are found by a flat scan of the delta. 0 means
	// DefaultMaxDelta.
	MaxDelta int
}

// Match is one indexed hash within the radius of a lookup.
type Match struct {
	ID       uint64 // the id given to Add or Load
	Distance int    // Hamming distance to the closest query
	Query    int    // index in the queries of the closest query (the lowest on ties)
}

// table is one substring's hash table in compressed sparse row form: the
// slots whose chunk equals c are posts[start(c):start(c+1)], in increasing
// order, where start(c) = base[c/64] + rel[c] (two bytes a bucket instead
// of four: at 23 and 24 bits the offsets would otherwise outweigh the
// postings). A table in which 64 consecutive buckets hold 65,536 slots or
// more (many identical chunks) keeps plain uint32 offsets in full instead.
// It covers slots [0, n) and is immutable once built.
type table struct {
	n     uint32
	base  []uint32
	rel   []uint16
	full  []uint32
	posts []uint32
	free  func() // releases the arrays
}

// Index is an in-memory index of PDQ hashes for range search in Hamming
// distance. It is safe for concurrent use: lookups share a read lock, Add
// and Remove take the write lock for a few hundred nanoseconds and are
// visible to the next lookup.
type Index struct {
	m        int
	start    []int // first bit of each chunk
	width    []int // width of each chunk in bits, ascending
	maxDelta int

	mu      sync.RWMutex
	tables  []*table   // one per substring, replaced by compactions
	covered uint32     // min over tables of n: slots ≥ covered are scanned flat
	hseg    [][]uint64 // hash words, 4·segSize a segment
	iseg    [][]uint64 // external ids, segSize a segment
	alive   []uint64   // bitmap of live slots
	n       uint32     // slots used
	live    int
	ids     idMap

	compacting bool
	compactMu  sync.Mutex // serialises compactions
	bg         sync.WaitGroup

	masks sync.Map // [2]int{width, radius} → []uint32

	forceMIH bool // tests: always probe the tables

	mem *mappings // memory mapped outside the Go heap
}

// mappings holds the release functions of the memory an Index maps outside
// the Go heap (see alloc). It is a separate object so that a cleanup
// attached to the Index can release it when the Index is unreachable.
type mappings struct {
	mu     sync.Mutex
	segs   []func()
	tables []func() // by table
}

func (m *mappings) release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, f := range m.segs {
		f()
	}
	for i, f := range m.tables {
		if f != nil {
			f()
		}
		m.tables[i] = nil
	}
	m.segs = nil
}

// New returns an empty index.
func New(opt Options) *Index {
	m := opt.Substrings
	if m == 0 {
		n := opt.ExpectedSize
		if n <= 0 {
			n = DefaultExpectedSize
		}
		m = SubstringsFor(n)
	}
	if m < 11 || m > 32 {
		panic("pdqindex: Substrings must be between 11 and 32")
	}
	x := &Index{m: m, maxDelta: opt.MaxDelta}
	if x.maxDelta <= 0 {
		x.maxDelta = DefaultMaxDelta
	}
	q, rem := 256/m, 256%m
	pos := 0
	for i := range m {
		w := q
		if i >= m-rem {
			w++
		}
		x.start = append(x.start, pos)
		x.width = append(x.width, w)
		pos += w
	}
	x.tables = make([]*table, m)
	for i := range x.tables {
		x.tables[i] = &table{}
	}
	x.ids.init(0)
	x.mem = &mappings{tables: make([]func(), m)}
	runtime.AddCleanup(x, func(m *mappings) { m.release() }, x.mem)
	return x
}

// Close waits for a background compaction to end and releases the memory
// of the index, which must not be used afterwards. An index that is not
// closed releases it when the garbage collector finds it unreachable.
func (x *Index) Close() {
	x.bg.Wait()
	x.compactMu.Lock()
	defer x.compactMu.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	x.mem.release()
	for i := range x.tables {
		x.tables[i] = &table{}
	}
	x.covered, x.n, x.live = 0, 0, 0
	x.hseg, x.iseg, x.alive = nil, nil, nil
	x.ids.init(0)
}

// chunk extracts the width bits of w starting at bit start (bit p is bit
// p&63 of word p>>6).
func chunk(w *[4]uint64, start, width int) uint32 {
	lo, off := start>>6, uint(start&63)
	v := w[lo] >> off
	if int(off)+width > 64 {
		v |= w[lo+1] << (64 - off)
	}
	return uint32(v & (1<<uint(width) - 1))
}

// Len returns the number of live (added and not removed) hashes.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.live
}

// Contains reports whether id is live in the index.
func (x *Index) Contains(id uint64) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	_, ok := x.ids.get(id)
	return ok
}

// add stores (id, h) in a new slot; x.mu is held for writing.
func (x *Index) add(id uint64, h pdq.Hash) error {
	old, exists := x.ids.get(id)
	if exists && *x.words(old) == Words(h) {
		return nil // unchanged
	}
	if x.n == MaxSlots {
		return ErrFull
	}
	if exists {
		x.alive[old>>6] &^= 1 << (old & 63)
		x.live--
	}
	s := x.n
	if s>>segBits == uint32(len(x.hseg)) {
		seg, free := alloc[uint64](4 * segSize)
		x.mem.mu.Lock()
		x.mem.segs = append(x.mem.segs, free)
		x.mem.mu.Unlock()
		x.hseg = append(x.hseg, seg)
		x.iseg = append(x.iseg, make([]uint64, segSize))
	}
	if int(s>>6) == len(x.alive) {
		x.alive = append(x.alive, 0)
	}
	*(*[4]uint64)(x.hseg[s>>segBits][4*(s&(segSize-1)):]) = Words(h)
	x.iseg[s>>segBits][s&(segSize-1)] = id
	x.alive[s>>6] |= 1 << (s & 63)
	x.ids.set(id, s)
	x.n++
	x.live++
	return nil
}

func (x *Index) words(s uint32) *[4]uint64 {
	return (*[4]uint64)(x.hseg[s>>segBits][4*(s&(segSize-1)):])
}

// Add indexes h under id, replacing the hash id had, if any. The hash is
// visible to lookups as soon as Add returns: it is found by a flat scan of
// the hashes added since the last compaction, and a compaction starts in
// the background once there are more than Options.MaxDelta of them.
func (x *Index) Add(id uint64, h pdq.Hash) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.add(id, h); err != nil {
		return err
	}
	x.maybeCompact()
	return nil
}

// Remove disables id: lookups no longer return it once Remove returns.
// It reports whether id was in the index. The slot is not reused (see the
// package documentation).
func (x *Index) Remove(id uint64) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	s, ok := x.ids.get(id)
	if !ok {
		return false
	}
	x.ids.del(id)
	x.alive[s>>6] &^= 1 << (s & 63)
	x.live--
	return true
}

// Load adds every (id, hash) of seq, as Add does, then builds the tables
// at once on all CPUs (the start-up path). sizeHint, if positive, is the
// expected number of items and saves reallocations of the id map.
func (x *Index) Load(seq iter.Seq2[uint64, pdq.Hash], sizeHint int) error {
	x.mu.Lock()
	if sizeHint > 0 && x.ids.n == 0 {
		x.ids.init(sizeHint)
	}
	var err error
	for id, h := range seq {
		if err = x.add(id, h); err != nil {
			break
		}
	}
	x.mu.Unlock()
	x.Compact()
	return err
}

// maybeCompact starts a background compaction when the delta is too
// large; x.mu is held for writing.
func (x *Index) maybeCompact() {
	if x.compacting || int(x.n-x.covered) <= x.maxDelta {
		return
	}
	x.compacting = true
	x.bg.Add(1)
	go func() {
		defer x.bg.Done()
		for {
			x.compactMu.Lock()
			x.compact(1)
			x.compactMu.Unlock()
			x.mu.Lock()
			again := int(x.n-x.covered) > x.maxDelta
			if !again {
				x.compacting = false
			}
			x.mu.Unlock()
			if !again {
				return
			}
		}
	}()
}

// Compact waits for a background compaction, if any, then rebuilds the
// tables so that they cover every hash added so far, using all CPUs.
// Lookups and updates go on meanwhile; each table is swapped in as soon as
// it is built.
func (x *Index) Compact() {
	x.compactMu.Lock()
	defer x.compactMu.Unlock()
	x.compact(runtime.GOMAXPROCS(0))
}

// compact rebuilds the tables that do not cover all slots with the given
// number of goroutines; x.compactMu is held.
func (x *Index) compact(workers int) {
	x.mu.RLock()
	n := x.n
	segs := slices.Clone(x.hseg)
	var todo []int
	for t, tb := range x.tables {
		if tb.n < n {
			todo = append(todo, t)
		}
	}
	x.mu.RUnlock()
	if len(todo) == 0 {
		return
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(todo)) {
		wg.Go(func() {
			for t := range work {
				tb := buildTable(segs, n, x.start[t], x.width[t])
				x.mu.Lock()
				x.tables[t] = tb
				x.mem.mu.Lock()
				old := x.mem.tables[t]
				x.mem.tables[t] = tb.free
				x.mem.mu.Unlock()
				c := tb.n
				for _, o := range x.tables {
					c = min(c, o.n)
				}
				x.covered = c
				x.mu.Unlock()
				// Lookups read the tables under the read lock, so none
				// can still be using the old one.
				if old != nil {
					old()
				}
			}
		})
	}
	for _, t := range todo {
		work <- t
	}
	close(work)
	wg.Wait()
	// The replaced tables are garbage now; they hold no pointers, so a
	// collection is cheap, and it keeps the resident size near the live
	// size instead of letting it grow to the GC goal.
	debug.FreeOSMemory()
}

// buildTable indexes the chunk (start, width) of slots [0, n) of segs.
// Removed slots are kept (lookups check liveness) so that the build never
// reads the liveness bitmap, which writers modify.
func buildTable(segs [][]uint64, n uint32, start, width int) *table {
	nb := 1 << width
	each := func(fn func(s uint32, c uint32)) {
		for s := uint32(0); s < n; {
			seg := segs[s>>segBits]
			end := min(n, (s>>segBits+1)<<segBits)
			for ; s < end; s++ {
				fn(s, chunk((*[4]uint64)(seg[4*(s&(segSize-1)):]), start, width))
			}
		}
	}
	tb := &table{n: n}
	var frees []func()
	tb.free = func() {
		for _, f := range frees {
			f()
		}
	}
	var freePosts func()
	tb.posts, freePosts = alloc[uint32](int(n))
	frees = append(frees, freePosts)
	posts := tb.posts

	// Count into rel (rel[c+1] = size of bucket c), then turn the counts
	// into start offsets relative to each block of 64 buckets, checking
	// that every block holds fewer than 65,536 slots.
	rel, freeRel := alloc[uint16](nb + 1)
	overflow := false
	each(func(_ uint32, c uint32) {
		if rel[c+1] == 0xffff {
			overflow = true
		}
		rel[c+1]++
	})
	var base []uint32
	var freeBase func()
	if !overflow {
		base, freeBase = alloc[uint32](nb/64 + 1)
		var at uint32
		for c := 0; c <= nb; c++ {
			at += uint32(rel[c])
			if c&63 == 0 {
				if c > 0 && at-base[c>>6-1] > 0xffff {
					overflow = true
					break
				}
				base[c>>6] = at
			}
			rel[c] = uint16(at - base[c>>6])
		}
	}
	if !overflow {
		tb.base, tb.rel = base, rel
		frees = append(frees, freeBase, freeRel)
		// Fill, using rel as the fill positions, then shift the positions
		// (now the ends of the buckets) back to the starts.
		each(func(s uint32, c uint32) {
			posts[base[c>>6]+uint32(rel[c])] = s
			rel[c]++
		})
		for c := nb; c > 0; c-- {
			rel[c] = uint16(base[(c-1)>>6] + uint32(rel[c-1]) - base[c>>6])
		}
		rel[0] = 0
		return tb
	}
	if freeBase != nil {
		freeBase()
	}
	freeRel()

	// Plain uint32 offsets.
	full, freeFull := alloc[uint32](nb + 1)
	frees = append(frees, freeFull)
	each(func(_ uint32, c uint32) { full[c+1]++ })
	for i := 1; i <= nb; i++ {
		full[i] += full[i-1]
	}
	pos, freePos := alloc[uint32](nb)
	copy(pos, full)
	each(func(s uint32, c uint32) {
		posts[pos[c]] = s
		pos[c]++
	})
	freePos()
	tb.full = full
	return tb
}

// maskList returns the XOR masks of width bits with at most r bits set,
// by increasing number of bits.
func (x *Index) maskList(width, r int) []uint32 {
	key := [2]int{width, r}
	if v, ok := x.masks.Load(key); ok {
		return v.([]uint32)
	}
	ms := []uint32{0}
	prev := []uint32{0}
	for k := 1; k <= r && k <= width; k++ {
		var next []uint32
		for _, p := range prev {
			// Extend p with a bit above its highest set bit.
			lo := 0
			if p != 0 {
				lo = 32 - bits.LeadingZeros32(p)
			}
			for b := lo; b < width; b++ {
				next = append(next, p|1<<uint(b))
			}
		}
		ms = append(ms, next...)
		prev = next
	}
	x.masks.Store(key, ms)
	return ms
}

type hit struct {
	slot uint32
	d    uint16
	q    uint16
}

// scratch holds the buffers of one lookup.
type scratch struct {
	lo, hi []uint32
	cand   []uint32
	cq     []uint16 // query of each candidate
	part   []uint8
	hits   []hit
	touch  uint32
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// Lookup appends to dst every live hash within radius (Hamming distance ≤
// radius) of at least one of queries, typically the eight dihedral hashes
// of pdq.Result.Dihedral, and returns the extended slice. Each id appears
// once, with its distance to the closest query and that query's index;
// the appended matches are sorted by distance, then id. At most 65,535
// queries.
func (x *Index) Lookup(queries []pdq.Hash, radius int, dst []Match) []Match {
	if radius < 0 || len(queries) == 0 {
		return dst
	}
	if len(queries) > 1<<16-1 {
		panic("pdqindex: too many queries")
	}
	radius = min(radius, 256)
	qs := make([][4]uint64, len(queries))
	for i, q := range queries {
		qs[i] = Words(q)
	}
	sc := scratchPool.Get().(*scratch)
	sc.hits = sc.hits[:0]

	x.mu.RLock()
	covered := x.covered
	flatFrom := uint32(0)
	if covered > 0 && (x.forceMIH || x.useMIH(radius, covered)) {
		x.probe(qs, radius, covered, sc)
		flatFrom = covered
	}
	sc.hits = x.scanSlots(qs, radius, flatFrom, x.n, sc.hits)
	dst = x.collect(sc.hits, dst)
	x.mu.RUnlock()

	scratchPool.Put(sc)
	return dst
}

// FlatScan is Lookup by brute force: a flat scan of every stored hash with
// FlatScan, without the tables. It is the baseline of the benchmark and
// the oracle of the tests, and returns exactly what Lookup returns.
func (x *Index) FlatScan(queries []pdq.Hash, radius int, dst []Match) []Match {
	if radius < 0 || len(queries) == 0 {
		return dst
	}
	qs := make([][4]uint64, len(queries))
	for i, q := range queries {
		qs[i] = Words(q)
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	hits := x.scanSlots(qs, min(radius, 256), 0, x.n, nil)
	return x.collect(hits, dst)
}

// useMIH reports whether probing the tables is expected to be cheaper than
// a flat scan of the covered slots at this radius.
func (x *Index) useMIH(radius int, covered uint32) bool {
	s, a := radius/x.m, radius%x.m
	var probes, cands float64
	for t := range x.m {
		r := s
		if t > a {
			r = s - 1
		}
		if r < 0 {
			continue
		}
		p := float64(len(x.maskList(x.width[t], r)))
		probes += p
		cands += p * float64(covered) / float64(uint64(1)<<x.width[t])
	}
	// Rough unit costs relative to comparing one hash in a flat scan: a
	// probe and a candidate are random memory accesses.
	return 8*probes+4*cands < float64(covered)
}

// probe runs multi-index hashing over the tables for slots [0, covered).
// With r = s·m + a, a hash within r of a query is within s of it on one of
// the first a+1 substrings or within s−1 on one of the others (Norouzi et
// al., Proposition 1), so those are the buckets probed.
//
// The work is done in batches with loops that do not branch on the data,
// so that the processor overlaps the cache misses: first the bucket bounds
// of every probe of a table, then the candidate slots, then, for the
// candidates of all queries at once, the distance on 128 bits and finally
// the full distance of the few left. A loop over one bucket at a time
// (about one slot each at 10 million hashes) mispredicts its exit at every
// bucket and waits for each miss in turn: at 10 million hashes and m = 12,
// batching took a lookup from 6.6 to 3.4 ms.
func (x *Index) probe(qs [][4]uint64, radius int, covered uint32, sc *scratch) {
	s, a := radius/x.m, radius%x.m
	cand, cq := sc.cand[:0], sc.cq[:0]
	for qi := range qs {
		qw := &qs[qi]
		n0 := len(cand)
		for t, tb := range x.tables {
			r := s
			if t > a {
				r = s - 1
			}
			if r < 0 {
				continue
			}
			v := chunk(qw, x.start[t], x.width[t])
			posts := tb.posts
			masks := x.maskList(x.width[t], r)
			lo, hi := sc.lo[:0], sc.hi[:0]
			if full := tb.full; full != nil {
				for _, mk := range masks {
					c := v ^ mk
					lo = append(lo, full[c])
					hi = append(hi, full[c+1])
				}
			} else {
				base, rel := tb.base, tb.rel
				for _, mk := range masks {
					c := v ^ mk
					lo = append(lo, base[c>>6]+uint32(rel[c]))
					hi = append(hi, base[(c+1)>>6]+uint32(rel[c+1]))
				}
			}
			for i, l := range lo {
				for j := l; j < hi[i]; j++ {
					cand = append(cand, posts[j])
				}
			}
			sc.lo, sc.hi = lo, hi
		}
		for range len(cand) - n0 {
			cq = append(cq, uint16(qi))
		}
	}
	// Pass 1: the distance on the first 128 bits of every candidate, in a
	// loop small enough for the processor to keep many cache misses in
	// flight. Pass 2: the candidates still within radius (their line is in
	// cache now) get the full distance.
	part := sc.part[:0]
	if cap(part) < len(cand) {
		part = make([]uint8, 0, 2*len(cand))
	}
	part = part[:len(cand)]
	cq = cq[:len(cand)]
	hseg := x.hseg
	for i, p := range cand {
		w := hseg[p>>segBits][4*(p&(segSize-1)):]
		w = w[:2:2]
		q := &qs[cq[i]]
		part[i] = uint8(bits.OnesCount64(w[0]^q[0]) + bits.OnesCount64(w[1]^q[1]))
	}
	for i, p := range cand {
		if int(part[i]) > radius {
			continue
		}
		w := hseg[p>>segBits][4*(p&(segSize-1)):]
		w = w[:4:4]
		q := &qs[cq[i]]
		d := int(part[i]) + bits.OnesCount64(w[2]^q[2]) + bits.OnesCount64(w[3]^q[3])
		if d <= radius && p < covered && x.alive[p>>6]&(1<<(p&63)) != 0 {
			sc.hits = append(sc.hits, hit{slot: p, d: uint16(d), q: cq[i]})
		}
	}
	sc.part, sc.cand, sc.cq = part, cand, cq
}

// scanSlots scans slots [from, to) flat.
func (x *Index) scanSlots(qs [][4]uint64, radius int, from, to uint32, hits []hit) []hit {
	for s := from; s < to; {
		seg := s >> segBits
		end := min(to, (seg+1)<<segBits)
		base := seg << segBits
		words := x.hseg[seg][4*(s-base) : 4*(end-base)]
		flatScan(words, qs, radius, int(s), func(i, q, d int) {
			p := uint32(i)
			if x.alive[p>>6]&(1<<(p&63)) != 0 {
				hits = append(hits, hit{slot: p, d: uint16(d), q: uint16(q)})
			}
		})
		s = end
	}
	return hits
}

// collect keeps the best hit of each slot and appends the matches to dst,
// sorted by distance then id; x.mu is held.
func (x *Index) collect(hits []hit, dst []Match) []Match {
	slices.SortFunc(hits, func(a, b hit) int {
		return cmp.Or(cmp.Compare(a.slot, b.slot), cmp.Compare(a.d, b.d), cmp.Compare(a.q, b.q))
	})
	n0 := len(dst)
	for i, h := range hits {
		if i > 0 && hits[i-1].slot == h.slot {
			continue
		}
		dst = append(dst, Match{ID: x.iseg[h.slot>>segBits][h.slot&(segSize-1)], Distance: int(h.d), Query: int(h.q)})
	}
	slices.SortFunc(dst[n0:], func(a, b Match) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.ID, b.ID))
	})
	return dst
}
