package vpdq

import (
	"encoding/binary"
	"math/bits"
)

// Matcher compares vPDQ hashes as python-threatexchange does (see the
// package documentation for the reference's variants). The zero value uses
// the reference's thresholds. A Matcher is safe for concurrent use.
type Matcher struct {
	// MinQuality is the lowest quality of a frame that takes part in
	// matching. Zero means DefaultQualityThreshold (50); a negative value
	// keeps every frame.
	MinQuality int
	// MaxDistance is the largest Hamming distance at which two frames
	// match. Zero means DefaultDistanceThreshold (31); a negative value
	// matches identical frames only.
	MaxDistance int
	// MinQueryPercent is the share of the query's frames, in percent, that
	// must match a frame of the compared video. Zero means
	// DefaultQueryMatchPercent (80); a negative value sets no condition.
	MinQueryPercent float64
	// MinComparePercent is the share of the compared video's frames, in
	// percent, that must match a frame of the query. Zero or negative sets
	// no condition, the reference's default (DefaultCompareMatchPercent).
	MinComparePercent float64
}

// Result is the outcome of comparing a query with another vPDQ hash.
type Result struct {
	// QueryMatchPercent is the share of the query's usable frames (unique,
	// of sufficient quality) within the distance of some frame of the
	// compared hash, 0 to 100.
	QueryMatchPercent float64
	// CompareMatchPercent is the same share for the compared hash's frames.
	CompareMatchPercent float64
	// QueryFrames and CompareFrames are the numbers of usable frames of
	// each side; QueryMatched and CompareMatched how many of them matched.
	QueryFrames, CompareFrames   int
	QueryMatched, CompareMatched int
	// Match reports whether both shares reach the Matcher's thresholds.
	// It is false when either side has no usable frame.
	Match bool
}

// Prepared is a hash made ready for matching: its frames of sufficient
// quality, without duplicate frame hashes, in a compact form. Preparing a
// hash once saves that work when it is compared many times.
type Prepared struct {
	frames [][4]uint64
}

// Len returns the number of usable frames.
func (p *Prepared) Len() int { return len(p.frames) }

// Compare compares query with compared using the reference's thresholds.
func Compare(query, compared Hash) Result {
	var m Matcher
	return m.Compare(query, compared)
}

// Compare compares query with compared: see ComparePrepared.
func (m *Matcher) Compare(query, compared Hash) Result {
	q, c := m.Prepare(query), m.Prepare(compared)
	return m.ComparePrepared(&q, &c)
}

// Prepare keeps the frames of h whose quality is at least MinQuality and
// drops repeated frame hashes (keeping the first), as python-threatexchange
// does before matching (prepare_vpdq_feature: quality filter, then dedupe).
func (m *Matcher) Prepare(h Hash) Prepared {
	minQ := m.minQuality()
	seen := make(map[[4]uint64]struct{}, len(h))
	frames := make([][4]uint64, 0, len(h))
	for i := range h {
		if h[i].Quality < minQ {
			continue
		}
		w := words(&h[i])
		if _, dup := seen[w]; dup {
			continue
		}
		seen[w] = struct{}{}
		frames = append(frames, w)
	}
	return Prepared{frames: frames}
}

// ComparePrepared computes the share of q's frames that lie within
// MaxDistance of some frame of c, and the share of c's frames within
// MaxDistance of some frame of q, and decides the match: QueryMatchPercent
// ≥ MinQueryPercent and CompareMatchPercent ≥ MinComparePercent, as
// python-threatexchange's VPDQSignal.compare_hash and VPDQIndex.query do.
// Both hashes must have been prepared by Matchers with the same MinQuality.
//
// The comparison is a brute-force scan, as in the reference: at most two
// passes of len(q)·len(c) Hamming distances. Each pass stops at a frame's
// first match, frames of c found by the first pass are not scanned again,
// and most unrelated pairs are rejected on the first 128 bits, so two
// unrelated one-hour videos at one frame per second (3,600 frames each, 26
// million pairs, the worst case) take 25 to 50 ms of one core (AMD Zen,
// shared virtual machine) and similar videos less. That is fine for comparing a pair; to search a bank of
// videos, index their frames first.
func (m *Matcher) ComparePrepared(q, c *Prepared) Result {
	r := Result{QueryFrames: len(q.frames), CompareFrames: len(c.frames)}
	if r.QueryFrames == 0 || r.CompareFrames == 0 {
		// python-threatexchange divides by zero here; the C++ reference
		// reports 0 % on both sides, and so do we.
		return r
	}
	maxDist := m.maxDistance()
	cHit := make([]bool, len(c.frames))
	for i := range q.frames {
		if j := firstWithin(&q.frames[i], c.frames, maxDist); j >= 0 {
			r.QueryMatched++
			cHit[j] = true
		}
	}
	for j := range c.frames {
		if cHit[j] || firstWithin(&c.frames[j], q.frames, maxDist) >= 0 {
			r.CompareMatched++
		}
	}
	// The same expression as the reference's count·100/len, so that a
	// share equal to a threshold compares equal in both.
	r.QueryMatchPercent = float64(r.QueryMatched*100) / float64(r.QueryFrames)
	r.CompareMatchPercent = float64(r.CompareMatched*100) / float64(r.CompareFrames)
	r.Match = r.QueryMatchPercent >= m.minQueryPercent() && r.CompareMatchPercent >= m.minComparePercent()
	return r
}

func (m *Matcher) minQuality() int {
	switch {
	case m == nil || m.MinQuality == 0:
		return DefaultQualityThreshold
	case m.MinQuality < 0:
		return 0
	}
	return m.MinQuality
}

func (m *Matcher) maxDistance() int {
	switch {
	case m == nil || m.MaxDistance == 0:
		return DefaultDistanceThreshold
	case m.MaxDistance < 0:
		return 0
	}
	return m.MaxDistance
}

func (m *Matcher) minQueryPercent() float64 {
	switch {
	case m == nil || m.MinQueryPercent == 0:
		return DefaultQueryMatchPercent
	case m.MinQueryPercent < 0:
		return 0
	}
	return m.MinQueryPercent
}

func (m *Matcher) minComparePercent() float64 {
	if m == nil || m.MinComparePercent <= 0 {
		return DefaultCompareMatchPercent
	}
	return m.MinComparePercent
}

// words packs a frame's hash into four 64-bit words for popcounts.
func words(f *Frame) [4]uint64 {
	h := &f.Hash
	return [4]uint64{
		binary.BigEndian.Uint64(h[0:8]),
		binary.BigEndian.Uint64(h[8:16]),
		binary.BigEndian.Uint64(h[16:24]),
		binary.BigEndian.Uint64(h[24:32]),
	}
}

// firstWithin returns the index of the first frame of fs within maxDist
// of a, or −1.
func firstWithin(a *[4]uint64, fs [][4]uint64, maxDist int) int {
	a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
	for j := range fs {
		b := &fs[j]
		// Unrelated frames differ in about 64 of the first 128 bits: most
		// are rejected after two popcounts.
		d := bits.OnesCount64(a0^b[0]) + bits.OnesCount64(a1^b[1])
		if d > maxDist {
			continue
		}
		if d+bits.OnesCount64(a2^b[2])+bits.OnesCount64(a3^b[3]) <= maxDist {
			return j
		}
	}
	return -1
}
