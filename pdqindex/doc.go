// Package pdqindex is an in-memory index of PDQ hashes (package pdq) for
// range search in Hamming space: given the eight dihedral hashes of a photo
// (pdq.Result.Dihedral) and a radius (31 by default in pdq, per bank in
// Vigie), it returns every indexed hash within the radius of any of them,
// with its distance and the variant that matched.
//
// # Design: multi-index hashing
//
// The index implements multi-index hashing (MIH): M. Norouzi, A. Punjani,
// D. J. Fleet, "Fast Search in Hamming Space with Multi-Index Hashing",
// CVPR 2012. The 256 bits are cut into m consecutive substrings of
// ⌊256/m⌋ or ⌈256/m⌉ bits, and each substring has a hash table from its
// value to the slots of the hashes that have it. Write the radius as
// r = s·m + a (0 ≤ a < m): a hash within r of the query is within s of it
// on one of a+1 chosen substrings, or within s−1 on one of the others
// (their Proposition 1, a refined pigeonhole). A lookup therefore probes,
// in each table, the buckets of every value within s (or s−1) bits of the
// query's substring, and verifies each slot found with the full distance
// (math/bits.OnesCount64 on four words). The narrower substrings get the
// larger search radius.
//
// m is 256/log₂(n) rounded, as the paper recommends (substrings of about
// log₂ n bits), between 11 and 32 (SubstringsFor, Options.ExpectedSize):
// 11 for 10 million hashes, that is 8 substrings of 23 bits and 3 of 24.
// At r = 31, s = 2 and a = 9: 10 tables are probed at 2 bits and 1 at
// 1 bit, 2,843 buckets and about 3,000 candidate slots per query at 10
// million random hashes, 8 times that for the 8 variants.
//
// Each table is in compressed sparse row form: one array of uint32 slots
// (the postings, 4 bytes a hash a table) ordered by substring value, and
// the start of each bucket as a uint32 for each block of 64 buckets plus
// a uint16 offset in the block (2 bytes a bucket: 16 MiB for 23 bits). A
// table whose blocks hold 65,536 slots or more (massive duplication) keeps
// plain uint32 offsets instead. Hashes are stored once, in segments of
// 2^18 hashes, as four uint64 words (Words).
//
// What costs time is memory latency: nearly every probe and every
// candidate is a cache miss in a gigabyte of tables. Two measures halved
// it. First, the lookup works in batches whose loops do not branch on the
// data (all bucket bounds of a table, then all candidates of a query, then
// a first pass computing the distance on 128 bits of every candidate, then
// the full distance for the few left), so the processor keeps many misses
// in flight; looping over one bucket at a time (about one slot each)
// mispredicts at every bucket and waits for each miss in turn. Second, on
// Linux the tables and hash segments are mapped outside the Go heap with
// MADV_HUGEPAGE (the Go runtime does not ask for transparent huge pages),
// so that random accesses do not also miss the TLB.
//
// # Why not a flat scan
//
// FlatScan is the brute-force baseline: a scan of contiguous words with an
// early exit after 128 bits. In pure Go, without cgo or SIMD, it costs 9 ms
// per 8-variant lookup at 1 million hashes and 90 to 125 ms at 10 million
// on this machine, 50 times the index and far from the 2 ms target; even
// hand-written AVX-512 C++ needs 13.8 ms per 8-needle batch at 10 million
// (shared/reference/hash-matching.md). A flat scan stays the right method
// for small sets: Lookup scans flat when its cost model expects that to be
// cheaper (a few ten thousand hashes or fewer, or a radius large enough to
// need too many probes), and hashes added since the last compaction are
// always scanned flat.
//
// # Updates
//
// Add appends the hash to a new slot and Remove clears the slot's bit in a
// liveness bitmap; both take the write lock for about a microsecond and are
// visible to the next lookup. Slots added after the tables were built (the
// delta) are scanned flat by every lookup; once there are more than
// Options.MaxDelta of them (16,384 by default, 0.15 ms of scanning per
// lookup), a compaction rebuilds the tables in the background, one at a
// time, swapping each in under the write lock as it is done, so lookups
// and updates go on and the extra memory is one table (about 70 MiB at 10
// million). A rebuild of all 11 tables at 10 million takes about 4 s on
// two CPUs. Removed slots keep their memory (36 bytes a hash plus 4 a
// table) until the process restarts and loads the index anew; an Add of
// an id already present replaces its hash (a new slot, the old one dead).
//
// Lookups share a read lock (sync.RWMutex); Load takes the write lock while
// it consumes its sequence, then builds all tables on all CPUs.
//
// # Measurements
//
// Shared 2-vCPU AMD EPYC VM, 23 GB, Go 1.26, 10 million synthetic hashes
// (random, and 1 % cluster centres with 10 near-duplicates each at 1–40
// bits), 2,000 lookups of 8 hashes at radius 31, half with a near-duplicate
// of an indexed hash. VIGIE_BENCH_PDQINDEX=10000000 go test -run
// TestBench10M -v ./pdqindex; the machine is shared with other jobs, so
// figures vary by about 20 % between runs.
//
//	                          m=11 (default)  m=12     m=16     flat scan
//	lookup p50, 1 goroutine   1.57–1.88 ms    3.1 ms   11.4 ms  92 ms
//	lookup p99, 1 goroutine   2.6–2.9 ms      6.3 ms   25 ms    107–110 ms
//	lookup p50, 2 goroutines  1.53–1.78 ms    3.1 ms   10.9 ms
//	lookup p99, 2 goroutines  2.6–3.4 ms      7.7 ms   18 ms
//	lookups/s, 2 goroutines   1,080–1,250     450      172      ~20
//	CPU time per lookup       1.6–2.0 ms      3.4 ms   13 ms
//	RSS after load            1,238 MiB       1,111    1,200
//	peak RSS (load, compact)  1,372–1,391 MiB 1,277    1,338
//	Load (start-up)           7.7–8.4 s       5.7 s    5.7 s
//
// (Three runs of the final build. Load excludes generating the hashes. The m = 12 and m = 16 columns come
// from a build before the last tuning of the lookup loop, about 10 %
// slower.) Targets: p50 ≤ 2 ms, p99 ≤ 10 ms, ≥ 500 lookups/s on 2 cores,
// RSS ≤ 1.5 GB, start-up ≤ 30 s. The index and the flat scan returned
// identical matches on every compared lookup (50 per run, half of them
// with matches). The RSS is that of the whole test process; the index's
// share at 10 million and m = 11 is about 305 MiB of hashes, 76 of ids,
// 192 of id map, 420 of postings and 230 of bucket offsets. At 1 million
// hashes (m = 13): p50 0.72 ms, p99 1.1 ms, 2,690 lookups/s on 2
// goroutines, 142 MiB, Load 0.5 s; the flat scan takes 9.3 ms.
package pdqindex
