// Package areaindex is the in-memory index of alert subscriptions by
// geohash cell (package geo): given an alert's area, it lists or counts
// the subscriptions whose cells meet it, for tens of millions of
// subscriptions.
//
// People subscribe to cells, never to positions: the public page lets
// them pick cells (precision 5, 4.9 km, or 4 for wider areas; up to
// MaxPrecision = 6), or the browser turns the device's position into a
// cell itself. A subscription (a uint32 id, dense, such as a database row
// id) may hold several cells. Selection returns every subscription with a
// cell that meets the area (geo.Region.IntersectsRect: touching counts),
// a superset of the people inside; each device gets the exact CAP area
// and tests its own position.
//
// # Layout
//
// A map from cell to two ascending lists of uint32 ids: the subscriptions
// whose only cell it is, and those with several cells. A reverse map
// from id to cell, for Remove, is a paged array of uint32 (pages of
// 65,536 ids allocated when first used): the entry is the cell itself
// for a one-cell subscription, or an offset into an arena of records
// (count, cells...) with the top bit set. So a one-cell subscription
// costs 8 bytes (4 in its cell's list, 4 in the reverse map), and each
// further cell 8 more (4 in a list, 4 in the arena, plus 4 per record).
// Measured with the benchmark's mix (10 % with two or three cells, 1 % of
// cells at precision 4): 10.0 bytes a subscription, 115 MiB of heap for
// 12 million subscriptions and 40,168 cells, about half the 240 MB of the
// sorted S2 leaf-cell index measured in shared/reference/alerting.md.
//
// Why not cell-sorted arrays with a delta for updates? The map holds only
// the cells with subscribers (about 40,000 for all of France at precision
// 5) and its overhead is a few MiB; lists are short enough that an
// insertion in place (binary search and copy) costs microseconds even in
// the densest Paris cell, so there is no delta to merge, no compaction to
// schedule and no tombstone to filter on every selection. Load builds
// every list in one allocation, cut at exact capacity, so the steady
// state has no slack; lists grown later by Add carry append's slack.
//
// Keeping one-cell and multi-cell subscriptions apart makes selection a
// copy: the one-cell lists of the covered cells are appended wholesale,
// and only the multi-cell entries go through a bitset (one bit per id,
// pooled) so that a subscription whose two cells are both in the area is
// returned once. Count adds up list lengths and de-duplicates only the
// multi-cell entries the same way.
//
// # Selection
//
// Select prepares the area (geo.Prepare: normalised polygons, exact
// circles), lists its cells at each precision in use (geo.Region
// .AppendCover, a row sweep costing rows × edges + cells: 60 µs for the
// 512-gon of Paris and its suburbs), then looks each cell up in the map.
// The cover is computed outside the lock. The reach preview, Count, does
// the same without copying ids.
//
// # Concurrency
//
// One sync.RWMutex. Select and Count hold the read lock only while they
// copy or count the ids of the covered cells, milliseconds for millions
// of ids; SelectFunc calls its function after the lock is released. Add,
// Remove and Set take the write lock for microseconds. A subscription
// added or removed during a selection may or may not be in it. Load
// builds the new content without the lock and swaps it in.
//
// # Measurements
//
// See the figures in the package's benchmark, TestBench12M:
//
//	VIGIE_BENCH_AREAINDEX=12000000 go test -run TestBench12M -v -timeout 30m ./areaindex
//
// It generates 12 million synthetic subscribers over metropolitan France
// (20 city clusters, Paris 18 %, 25 % rural, fixed seed; 10 % with a
// second or third cell nearby, 1 % of cells at precision 4), loads them,
// and times Select and Count for four alert areas against two baselines
// in the same process: a plain scan of all 13.4 million (subscription,
// cell) rows testing each row's cell with the index's own predicate, and
// a scan looking each row up in the area's precomputed cover (what a
// database without an index on the cell would do). All three return
// identical sets. Shared 2-vCPU AMD VM, Go 1.26.8, load average 5 to 9
// from other work during the final run, so wall times are pessimistic;
// the process's CPU time is given too. 31 runs of Select and Count, 3 of
// the plain scan:
//
//	query                  cells p5/p4  selected   Select p50   Count p50   plain scan   scan ÷ Select
//	                                               wall / CPU   wall / CPU  wall / CPU   wall / CPU
//	Lyon 2 km circle          4/1         84,843   0.04/0.07 ms 0.03/0.09   1.40/0.37 s  33,000×/5,100×
//	Paris 8 km 64-gon        21/3        623,448   0.55/0.67 ms 0.43/0.52   1.96/0.56 s   3,600×/840×
//	Paris 40 km 512-gon     359/18     2,182,268   4.0/4.1 ms   3.5/3.6     8.7/5.3 s     2,200×/1,300×
//	South 250 km 128-gon  2,979/111    1,638,556   4.5/4.3 ms   4.7/3.8     1.34/1.31 s     300×/300×
//
// Paris 40 km, the 100 ms target: Select p99 12 ms wall (9.7 ms CPU);
// over three runs at load averages from 5 to 20, Select p50 4.0–14.7 ms
// wall, 4.1–5.2 ms CPU, and Count p50 3.5–9.1 ms wall. The cover scan
// (second baseline) takes 46 ms wall there, 11 times Select. Load of 13.4
// million pairs: 3.1 s CPU (7.8 s wall), peak RSS of the whole test
// process 508 MiB with the 160 MiB table it loads from. Add p50 below
// 1 µs, Remove p50 1 µs (p99 48 µs: copying within a dense Paris list).
// Select of Paris 40 km beside a goroutine doing 2,000 writes/s: p50 6 ms.
//
// Selection over-selects by the cells' granularity: the 2 km Lyon circle
// (13 km²) touches four precision-5 cells (67 km²) and one of precision
// 4; Paris 8 km 1.64 times its area, Paris 40 km 1.12 times, the south
// 1.04 times. The devices discard the rest with the exact area.
package areaindex
