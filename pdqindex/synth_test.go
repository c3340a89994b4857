package pdqindex

import (
	"encoding/binary"
	"iter"
	"math/rand/v2"

	"github.com/vigie-project/vigie/pdq"
)

// randomHash returns a uniformly random hash.
func randomHash(r *rand.Rand) pdq.Hash {
	var h pdq.Hash
	for i := 0; i < pdq.HashSize; i += 8 {
		binary.LittleEndian.PutUint64(h[i:], r.Uint64())
	}
	return h
}

// flipBits returns h with k distinct random bits flipped (distance k).
func flipBits(r *rand.Rand, h pdq.Hash, k int) pdq.Hash {
	for _, b := range r.Perm(256)[:k] {
		h[b>>3] ^= 1 << (b & 7)
	}
	return h
}

// Synthetic data: groups of 100 slots, in which slot 0 is a cluster centre,
// slots 1–10 near-duplicates of it at 1–40 bits, slots 11–99 random. So 1 %
// of the hashes are cluster centres with 10 variants each. The hash of slot
// i depends only on (seed, i), so it can be regenerated without being kept.
const (
	synthGroup    = 100
	synthVariants = 10
)

func synthHash(seed uint64, i int) pdq.Hash {
	g, k := i/synthGroup, i%synthGroup
	if k > synthVariants {
		return randomHash(rand.New(rand.NewPCG(seed, uint64(i)<<1|1)))
	}
	centre := randomHash(rand.New(rand.NewPCG(seed, uint64(g)<<1)))
	if k == 0 {
		return centre
	}
	r := rand.New(rand.NewPCG(seed^0x5bd1e995, uint64(i)))
	return flipBitsFast(r, centre, 1+r.IntN(40))
}

// flipBitsFast flips k distinct random bits without allocating.
func flipBitsFast(r *rand.Rand, h pdq.Hash, k int) pdq.Hash {
	var seen [4]uint64
	for n := 0; n < k; {
		b := r.IntN(256)
		if seen[b>>6]&(1<<(b&63)) != 0 {
			continue
		}
		seen[b>>6] |= 1 << (b & 63)
		h[b>>3] ^= 1 << (b & 7)
		n++
	}
	return h
}

// synthSeq yields ids 0..n-1 with their synthetic hashes.
func synthSeq(seed uint64, n int) iter.Seq2[uint64, pdq.Hash] {
	return func(yield func(uint64, pdq.Hash) bool) {
		for i := range n {
			if !yield(uint64(i), synthHash(seed, i)) {
				return
			}
		}
	}
}
