package areaindex

import (
	"fmt"
	"iter"
	"slices"
)

// Load replaces the content of the index with the (id, cell) pairs of seq,
// one pair per cell of a subscription, in any order; repeated pairs count
// once. It builds the new content without the lock, so selections go on
// against the old content meanwhile, then swaps it in; an Add or Remove
// made during the build is lost, so Load belongs at start-up. sizeHint,
// the number of pairs if known, saves reallocations. On an invalid cell it
// returns an error naming the id and leaves the index as it was.
//
// The pairs are packed as key<<32|id into one array and radix-sorted, so
// that each cell's ids come out contiguous and ascending; all lists then
// share one allocation, cut at exact capacity.
func (x *Index) Load(seq iter.Seq2[uint32, string], sizeHint int) error {
	pairs := make([]uint64, 0, max(sizeHint, 0))
	var err error
	maxID := -1
	for id, cell := range seq {
		k, e := key(cell)
		if e != nil {
			err = fmt.Errorf("subscription %d: %w", id, e)
			break
		}
		pairs = append(pairs, uint64(k)<<32|uint64(id))
		maxID = max(maxID, int(id))
	}
	if err != nil {
		return err
	}
	radixSort(pairs)
	pairs = slices.Compact(pairs)

	fresh := New()
	// Pass 1: the number of cells of each id, counted in rev.
	nPages := (maxID >> pageBits) + 1
	if maxID < 0 {
		nPages = 0
	}
	fresh.rev = make([][]uint32, nPages)
	for _, pr := range pairs {
		id := uint32(pr)
		p := id >> pageBits
		if fresh.rev[p] == nil {
			fresh.rev[p] = make([]uint32, 1<<pageBits)
		}
		fresh.rev[p][id&(1<<pageBits-1)]++
	}
	// Pass 2: reserve a record for every id with several cells, and turn
	// counts into rev entries (0 still pending for single-cell ids).
	arenaLen := 0
	for _, page := range fresh.rev {
		for _, n := range page {
			if n > 1 {
				arenaLen += 1 + int(n)
			}
		}
	}
	fresh.arena = make([]uint32, 0, arenaLen)
	for _, page := range fresh.rev {
		for i, n := range page {
			switch {
			case n == 1:
				page[i] = 0
				fresh.subs++
			case n > 1:
				page[i] = multiFlag | uint32(len(fresh.arena))
				fresh.arena = append(fresh.arena, 0) // filled below
				fresh.arena = fresh.arena[:len(fresh.arena)+int(n)]
				fresh.subs++
				fresh.multiSubs++
			}
		}
	}
	// Pass 3: fill postings and rev, one cell (a run of equal keys) at a
	// time; singles then multis of each cell sit side by side in store.
	store := make([]uint32, len(pairs))
	pos := 0
	for i := 0; i < len(pairs); {
		k := uint32(pairs[i] >> 32)
		j := i
		for j < len(pairs) && uint32(pairs[j]>>32) == k {
			j++
		}
		nSingle := 0
		for _, pr := range pairs[i:j] {
			id := uint32(pr)
			e := fresh.getRev(id)
			if e&multiFlag == 0 {
				fresh.setRev(id, k)
				store[pos+nSingle] = id
				nSingle++
			} else {
				off := e &^ multiFlag
				fresh.arena[off]++
				fresh.arena[off+fresh.arena[off]] = k
			}
		}
		nMulti := 0
		for _, pr := range pairs[i:j] {
			id := uint32(pr)
			if e := fresh.getRev(id); e&multiFlag != 0 {
				store[pos+nSingle+nMulti] = id
				nMulti++
			}
		}
		p := &posting{}
		if nSingle > 0 {
			p.single = store[pos : pos+nSingle : pos+nSingle]
		}
		if nMulti > 0 {
			p.multi = store[pos+nSingle : pos+nSingle+nMulti : pos+nSingle+nMulti]
		}
		pos += nSingle + nMulti
		fresh.cells[k] = p
		fresh.precCells[precisionOf(k)]++
		fresh.postings += j - i
		i = j
	}
	pairs = nil

	x.mu.Lock()
	x.cells, x.precCells, x.rev, x.arena, x.garbage = fresh.cells, fresh.precCells, fresh.rev, fresh.arena, 0
	x.subs, x.multiSubs, x.postings = fresh.subs, fresh.multiSubs, fresh.postings
	x.mu.Unlock()
	return nil
}

// radixSort sorts in place, least significant 16 bits first, skipping the
// digits where every value agrees (the high bits of ids, the unused bits
// of keys): typically 3 or 4 passes, against about 24 comparisons a value
// for a comparison sort of ten million.
func radixSort(a []uint64) {
	if len(a) < 1<<12 {
		slices.Sort(a)
		return
	}
	buf := make([]uint64, len(a))
	src, dst := a, buf
	var count [1 << 16]int
	for shift := uint(0); shift < 64; shift += 16 {
		clear(count[:])
		for _, v := range src {
			count[(v>>shift)&0xffff]++
		}
		if count[(src[0]>>shift)&0xffff] == len(src) {
			continue // all equal in this digit
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, v := range src {
			d := (v >> shift) & 0xffff
			dst[count[d]] = v
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &a[0] {
		copy(a, src)
	}
}
