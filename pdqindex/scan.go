package pdqindex

import (
	"encoding/binary"
	"math/bits"

	"github.com/vigie-project/vigie/pdq"
)

// Words returns h as the four 64-bit words that the index and FlatScan
// store: word k is bytes 8k to 8k+7 read little-endian, the layout of
// pdq.Distance, so that the Hamming distance is the sum of the popcounts of
// the four XORed words.
func Words(h pdq.Hash) [4]uint64 {
	return [4]uint64{
		binary.LittleEndian.Uint64(h[0:]),
		binary.LittleEndian.Uint64(h[8:]),
		binary.LittleEndian.Uint64(h[16:]),
		binary.LittleEndian.Uint64(h[24:]),
	}
}

// AppendWords appends the four words of h (see Words) to dst.
func AppendWords(dst []uint64, h pdq.Hash) []uint64 {
	w := Words(h)
	return append(dst, w[0], w[1], w[2], w[3])
}

// FlatScan is the brute-force baseline and the correctness oracle of the
// index: it compares every hash of words (four words per hash, as
// AppendWords lays them out, contiguous) with every query and calls fn(i,
// q, d) for each hash i within radius of query q, at distance d, in
// increasing order of i, then q. It computes the distance with
// math/bits.OnesCount64 and stops comparing a hash with a query as soon as
// the first two words already exceed radius.
func FlatScan(words []uint64, queries []pdq.Hash, radius int, fn func(i, q, d int)) {
	if radius < 0 || len(queries) == 0 {
		return
	}
	qs := make([][4]uint64, len(queries))
	for i, q := range queries {
		qs[i] = Words(q)
	}
	flatScan(words, qs, radius, 0, fn)
}

// flatScan is FlatScan on prepared queries; base is added to the indices
// passed to fn.
func flatScan(words []uint64, qs [][4]uint64, radius, base int, fn func(i, q, d int)) {
	n := len(words) / 4
	words = words[:4*n]
	for i := 0; i < n; i++ {
		w := words[4*i : 4*i+4 : 4*i+4]
		w0, w1, w2, w3 := w[0], w[1], w[2], w[3]
		for q := range qs {
			qw := &qs[q]
			d := bits.OnesCount64(w0^qw[0]) + bits.OnesCount64(w1^qw[1])
			if d > radius {
				continue
			}
			d += bits.OnesCount64(w2^qw[2]) + bits.OnesCount64(w3^qw[3])
			if d <= radius {
				fn(base+i, q, d)
			}
		}
	}
}
