package areaindex

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"sync"

	"github.com/vigie-project/vigie/geo"
)

// MaxPrecision is the finest cell the index accepts: 6 characters (1.2 km
// × 0.6 km), so that a cell with its precision marker fits in 31 bits.
// The public page offers 5 (and 4 for wider areas); finer cells would
// only say more about where people live.
const MaxPrecision = 6

// ErrPrecision is returned for a cell finer than MaxPrecision.
var ErrPrecision = errors.New("areaindex: cell precision above 6")

// multiFlag marks a rev entry that points into the arena instead of
// holding the subscription's only cell. Keys are below 2^31, so the top
// bit is free.
const multiFlag = 1 << 31

// pageBits sizes the pages of the reverse map: 65,536 ids, 256 KiB.
const pageBits = 16

// Index maps geohash cells to the subscriptions that chose them. The zero
// value is not usable; call New.
type Index struct {
	mu    sync.RWMutex
	cells map[uint32]*posting
	// precCells counts the cells present per precision, so that a
	// selection covers the area only at the precisions in use.
	precCells [MaxPrecision + 1]int
	// rev maps an id to its cell (a key < 2^31), or to multiFlag|offset
	// of its record in arena; 0 when absent. Paged, so that growing it
	// never copies the whole map under the write lock.
	rev [][]uint32
	// arena holds the records of subscriptions with several cells: the
	// count n, then n keys. A changed record is written anew at the end;
	// dead words are counted in garbage and squeezed out by compactArena.
	arena   []uint32
	garbage int

	subs, multiSubs, postings int

	seen sync.Pool // *bitset, for de-duplicating multi-cell subscriptions
}

// posting lists the subscriptions of one cell, each list in ascending id
// order. Subscriptions with only this cell are kept apart from those with
// several: a selection copies the first list wholesale and needs to
// de-duplicate only the second.
type posting struct {
	single []uint32
	multi  []uint32
}

// New returns an empty index.
func New() *Index {
	return &Index{cells: make(map[uint32]*posting)}
}

// key checks a cell and returns it as a map key.
func key(cell string) (uint32, error) {
	c, err := geo.ParseCell(cell)
	if err != nil {
		return 0, err
	}
	if c.Precision() > MaxPrecision {
		return 0, fmt.Errorf("%w: %q has %d characters", ErrPrecision, cell, c.Precision())
	}
	return uint32(c), nil
}

func precisionOf(k uint32) int { return geo.Cell(k).Precision() }

func (x *Index) getRev(id uint32) uint32 {
	p := int(id >> pageBits)
	if p >= len(x.rev) || x.rev[p] == nil {
		return 0
	}
	return x.rev[p][id&(1<<pageBits-1)]
}

func (x *Index) setRev(id, v uint32) {
	p := int(id >> pageBits)
	if p >= len(x.rev) {
		x.rev = append(x.rev, make([][]uint32, p+1-len(x.rev))...)
	}
	if x.rev[p] == nil {
		x.rev[p] = make([]uint32, 1<<pageBits)
	}
	x.rev[p][id&(1<<pageBits-1)] = v
}

// record returns the keys of a multi-cell subscription (aliasing arena).
func (x *Index) record(e uint32) []uint32 {
	off := e &^ multiFlag
	n := x.arena[off]
	return x.arena[off+1 : off+1+n]
}

// newRecord appends a record and returns its rev entry.
func (x *Index) newRecord(keys ...uint32) uint32 {
	off := len(x.arena)
	if off+1+len(keys) >= multiFlag {
		x.compactArena()
		off = len(x.arena)
	}
	x.arena = append(x.arena, uint32(len(keys)))
	x.arena = append(x.arena, keys...)
	return multiFlag | uint32(off)
}

// compactArena rewrites the arena without its dead records, in id order.
func (x *Index) compactArena() {
	fresh := make([]uint32, 0, len(x.arena)-x.garbage)
	for _, page := range x.rev {
		for i, e := range page {
			if e&multiFlag != 0 {
				r := x.record(e)
				page[i] = multiFlag | uint32(len(fresh))
				fresh = append(fresh, uint32(len(r)))
				fresh = append(fresh, r...)
			}
		}
	}
	x.arena, x.garbage = fresh, 0
}

// compactMin is the dead arena words (4 MiB) below which the arena is left
// alone; a variable so that tests can reach a compaction quickly.
var compactMin = 1 << 20

func (x *Index) free(e uint32) {
	x.garbage += 1 + len(x.record(e))
	if x.garbage > compactMin && x.garbage > len(x.arena)/2 {
		x.compactArena()
	}
}

func insertSorted(s []uint32, id uint32) []uint32 {
	i, found := slices.BinarySearch(s, id)
	if found {
		return s
	}
	return slices.Insert(s, i, id)
}

func deleteSorted(s []uint32, id uint32) []uint32 {
	if i, found := slices.BinarySearch(s, id); found {
		return slices.Delete(s, i, i+1)
	}
	return s
}

func (x *Index) posting(k uint32) *posting {
	p := x.cells[k]
	if p == nil {
		p = &posting{}
		x.cells[k] = p
		x.precCells[precisionOf(k)]++
	}
	return p
}

func (x *Index) dropIfEmpty(k uint32, p *posting) {
	if len(p.single) == 0 && len(p.multi) == 0 {
		delete(x.cells, k)
		x.precCells[precisionOf(k)]--
	}
}

// Add subscribes id to a cell (a geohash of 1 to 6 characters). A
// subscription may hold several cells; adding a cell it already holds
// does nothing. It takes the write lock for a few microseconds (a binary
// search and an insertion in the cell's list).
func (x *Index) Add(id uint32, cell string) error {
	k, err := key(cell)
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.add(id, k)
	return nil
}

func (x *Index) add(id, k uint32) {
	e := x.getRev(id)
	switch {
	case e == 0:
		p := x.posting(k)
		p.single = insertSorted(p.single, id)
		x.setRev(id, k)
		x.subs++
	case e == k:
		return
	case e&multiFlag == 0: // a second cell: both lists move to multi
		old := x.cells[e]
		old.single = deleteSorted(old.single, id)
		old.multi = insertSorted(old.multi, id)
		p := x.posting(k)
		p.multi = insertSorted(p.multi, id)
		x.setRev(id, x.newRecord(e, k))
		x.multiSubs++
	default:
		r := x.record(e)
		if slices.Contains(r, k) {
			return
		}
		keys := append(slices.Clone(r), k)
		x.setRev(id, 0) // before free: a compaction must not copy the old record
		x.free(e)
		p := x.posting(k)
		p.multi = insertSorted(p.multi, id)
		x.setRev(id, x.newRecord(keys...))
	}
	x.postings++
}

// Remove deletes subscription id with all its cells and reports whether
// it was present.
func (x *Index) Remove(id uint32) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.remove(id)
}

func (x *Index) remove(id uint32) bool {
	e := x.getRev(id)
	switch {
	case e == 0:
		return false
	case e&multiFlag == 0:
		p := x.cells[e]
		p.single = deleteSorted(p.single, id)
		x.dropIfEmpty(e, p)
		x.postings--
	default:
		for _, k := range x.record(e) {
			p := x.cells[k]
			p.multi = deleteSorted(p.multi, id)
			x.dropIfEmpty(k, p)
			x.postings--
		}
		x.setRev(id, 0) // before free: a compaction must not copy the old record
		x.free(e)
		x.multiSubs--
	}
	x.setRev(id, 0)
	x.subs--
	return true
}

// Set replaces the cells of subscription id in one step, so that no
// selection sees it with none; with no cells it removes the subscription.
func (x *Index) Set(id uint32, cells ...string) error {
	keys := make([]uint32, len(cells))
	for i, c := range cells {
		k, err := key(c)
		if err != nil {
			return err
		}
		keys[i] = k
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(id)
	for _, k := range keys {
		x.add(id, k)
	}
	return nil
}

// Cells returns the cells of subscription id, nil if absent.
func (x *Index) Cells(id uint32) []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	e := x.getRev(id)
	if e == 0 {
		return nil
	}
	keys := []uint32{e}
	if e&multiFlag != 0 {
		keys = x.record(e)
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = geo.Cell(k).String()
	}
	slices.Sort(out)
	return out
}

// Len returns the number of subscriptions.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.subs
}

// Stats describes the index's content and memory.
type Stats struct {
	Subscriptions int // distinct ids
	MultiCell     int // subscriptions with more than one cell
	Postings      int // (id, cell) pairs
	Cells         int // cells with at least one subscription
	// Bytes estimates the memory held: lists at their capacity, reverse
	// map pages, arena, and about 80 bytes a cell for the map entry and
	// list headers.
	Bytes int
}

// Stats returns the current figures.
func (x *Index) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := Stats{Subscriptions: x.subs, MultiCell: x.multiSubs, Postings: x.postings, Cells: len(x.cells)}
	s.Bytes = 4*cap(x.arena) + 24*len(x.rev) + 80*len(x.cells)
	for _, p := range x.rev {
		s.Bytes += 4 * len(p)
	}
	for _, p := range x.cells {
		s.Bytes += 4 * (cap(p.single) + cap(p.multi))
	}
	return s
}

// bitset marks ids already emitted by a selection.
type bitset []uint64

// testAndSet sets bit i and reports whether it was already set.
func (b bitset) testAndSet(i uint32) bool {
	w, m := i>>6, uint64(1)<<(i&63)
	was := b[w]&m != 0
	b[w] |= m
	return was
}

func (b bitset) unset(i uint32) { b[i>>6] &^= 1 << (i & 63) }

// getSeen returns a cleared bitset for ids below the reverse map's size.
func (x *Index) getSeen() *bitset {
	n := (len(x.rev)<<pageBits + 63) / 64
	if v, ok := x.seen.Get().(*bitset); ok && len(*v) >= n {
		return v
	}
	b := make(bitset, n)
	return &b
}

// putSeen clears the bits set for the multi-cell ids of the postings, a
// second pass over them that is cheaper than zeroing the whole bitset
// (1.5 MiB at 12 million ids) or keeping a list, and pools the bitset.
func (x *Index) putSeen(b *bitset, hit []*posting) {
	for _, p := range hit {
		for _, id := range p.multi {
			b.unset(id)
		}
	}
	x.seen.Put(b)
}

// precisions returns the precisions in use as a bit mask.
func (x *Index) precisions() uint32 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var m uint32
	for p, n := range x.precCells {
		if n > 0 {
			m |= 1 << p
		}
	}
	return m
}

// cover lists the cells of the region at every precision in use. It runs
// outside the lock: it depends on the area only.
func (x *Index) cover(r *geo.Region) ([]geo.Cell, error) {
	var cells []geo.Cell
	for m := x.precisions(); m != 0; m &= m - 1 {
		var err error
		if cells, err = r.AppendCover(cells, bits.TrailingZeros32(m)); err != nil {
			return nil, err
		}
	}
	return cells, nil
}

// Select appends to dst the id of every subscription holding a cell that
// meets the area (geo.Region.IntersectsRect), each id once, and returns
// the extended slice. Ids come grouped by cell, in no useful order. The
// read lock is held while the ids are copied (a few milliseconds for two
// million), not while the caller uses them; a subscription added or
// removed meanwhile may or may not be included.
func (x *Index) Select(a geo.Area, dst []uint32) ([]uint32, error) {
	r, err := geo.Prepare(a)
	if err != nil {
		return dst, err
	}
	return x.SelectRegion(r, dst)
}

// SelectRegion is Select for an area already prepared.
func (x *Index) SelectRegion(r *geo.Region, dst []uint32) ([]uint32, error) {
	cells, err := x.cover(r)
	if err != nil {
		return dst, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	hit, seen := x.lookup(cells)
	for _, p := range hit {
		dst = append(dst, p.single...)
	}
	if seen == nil {
		return dst, nil
	}
	for _, p := range hit {
		for _, id := range p.multi {
			if !seen.testAndSet(id) {
				dst = append(dst, id)
			}
		}
	}
	x.putSeen(seen, hit)
	return dst, nil
}

// lookup returns the postings of the cells that have one and, when some
// of them list multi-cell subscriptions, a cleared bitset to de-duplicate
// those (to be returned with putSeen). The caller holds the read lock.
func (x *Index) lookup(cells []geo.Cell) (hit []*posting, seen *bitset) {
	hit = make([]*posting, 0, len(cells))
	for _, c := range cells {
		if p := x.cells[uint32(c)]; p != nil {
			hit = append(hit, p)
			if len(p.multi) > 0 && seen == nil {
				seen = x.getSeen()
			}
		}
	}
	return hit, seen
}

// SelectFunc calls fn for every id Select would return, after the lock is
// released, so that fn may be slow or use the index.
func (x *Index) SelectFunc(a geo.Area, fn func(id uint32)) error {
	ids, err := x.Select(a, nil)
	for _, id := range ids {
		fn(id)
	}
	return err
}

// Count returns, for the reach preview, the number of subscriptions
// Select would return and the number of cells holding them, without
// listing the ids: it adds up the single-cell lists' lengths and
// de-duplicates only the multi-cell entries.
func (x *Index) Count(a geo.Area) (subscriptions, cells int, err error) {
	r, err := geo.Prepare(a)
	if err != nil {
		return 0, 0, err
	}
	cover, err := x.cover(r)
	if err != nil {
		return 0, 0, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	hit, seen := x.lookup(cover)
	for _, p := range hit {
		subscriptions += len(p.single)
	}
	if seen != nil {
		for _, p := range hit {
			for _, id := range p.multi {
				if !seen.testAndSet(id) {
					subscriptions++
				}
			}
		}
		x.putSeen(seen, hit)
	}
	return subscriptions, len(hit), nil
}
