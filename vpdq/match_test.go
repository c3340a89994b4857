package vpdq

import (
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/vigie-project/vigie/pdq"
)

// randomVideo returns a hash of n distinct random frames of quality 100 at
// one frame per second. Random 256-bit hashes lie about 128 bits apart, far
// beyond the match distance.
func randomVideo(rng *rand.Rand, n int) Hash {
	h := make(Hash, n)
	for i := range h {
		for j := range h[i].Hash {
			h[i].Hash[j] = byte(rng.Uint32())
		}
		h[i].Number, h[i].Quality, h[i].Timestamp = i, 100, float64(i)
	}
	return h
}

// flipBits returns a copy of h with the first k bits of every frame's
// hash inverted.
func flipBits(h Hash, k int) Hash {
	out := append(Hash(nil), h...)
	for i := range out {
		for b := range k {
			out[i].Hash[b/8] ^= 1 << (b % 8)
		}
	}
	return out
}

func withQuality(h Hash, q int) Hash {
	out := append(Hash(nil), h...)
	for i := range out {
		out[i].Quality = q
	}
	return out
}

func concat(hs ...Hash) Hash {
	var out Hash
	for _, h := range hs {
		out = append(out, h...)
	}
	for i := range out {
		out[i].Number, out[i].Timestamp = i, float64(i)
	}
	return out
}

func TestCompare(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	full := randomVideo(rng, 100)
	other := randomVideo(rng, 60)
	clip := full[20:70] // a 50-second cut of the full video
	tests := []struct {
		name           string
		m              Matcher
		query, compare Hash
		wantQ, wantC   float64
		wantMatch      bool
	}{
		{"identical", Matcher{}, full, full, 100, 100, true},
		{"re-encoded: 31 bits away", Matcher{}, flipBits(full, 31), full, 100, 100, true},
		{"32 bits away", Matcher{}, flipBits(full, 32), full, 0, 0, false},
		{"clip of a banked video", Matcher{}, clip, full, 100, 50, true},
		{"video containing a banked clip", Matcher{}, full, clip, 50, 100, false},
		{"README rule: banked clip in a video", Matcher{MinQueryPercent: -1, MinComparePercent: 80}, full, clip, 50, 100, true},
		{"README rule: clip of a banked video", Matcher{MinQueryPercent: -1, MinComparePercent: 80}, clip, full, 100, 50, false},
		{"unrelated", Matcher{}, other, full, 0, 0, false},
		{"80 % of the query found", Matcher{}, concat(full[:80], other[:20]), full, 80, 80, true},
		{"79 % of the query found", Matcher{}, concat(full[:79], other[:21]), full, 79, 79, false},
		{"compare threshold", Matcher{MinComparePercent: 90}, clip, full, 100, 50, false},
		{"low-quality frames ignored", Matcher{}, concat(clip, withQuality(other, 49)), full, 100, 50, true},
		{"low-quality frames counted when asked", Matcher{MinQuality: -1}, concat(clip, withQuality(other, 49)), full, 100 * 50 / 110.0, 50, false},
		{"quality 50 kept", Matcher{}, concat(clip, withQuality(other, 50)), full, 100 * 50 / 110.0, 50, false},
		{"higher quality floor", Matcher{MinQuality: 90}, withQuality(full, 80), full, 0, 0, false},
		{"repeated frames counted once", Matcher{}, concat(clip, clip, clip, other[:25]), full, 100 * 50 / 75.0, 50, false},
		{"no usable frame", Matcher{}, withQuality(full, 10), full, 0, 0, false},
		{"empty query", Matcher{}, nil, full, 0, 0, false},
		{"exact frames only", Matcher{MaxDistance: -1}, flipBits(full, 1), full, 0, 0, false},
		{"wider distance", Matcher{MaxDistance: 40}, flipBits(full, 40), full, 100, 100, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.m.Compare(tt.query, tt.compare)
			if r.QueryMatchPercent != tt.wantQ || r.CompareMatchPercent != tt.wantC || r.Match != tt.wantMatch {
				t.Errorf("Compare = query %.4g %% compare %.4g %% match %v, want %.4g %% %.4g %% %v (%+v)",
					r.QueryMatchPercent, r.CompareMatchPercent, r.Match, tt.wantQ, tt.wantC, tt.wantMatch, r)
			}
			// The shares swap with the arguments.
			s := tt.m.Compare(tt.compare, tt.query)
			if s.QueryMatchPercent != r.CompareMatchPercent || s.CompareMatchPercent != r.QueryMatchPercent {
				t.Errorf("swapped: %+v, direct: %+v", s, r)
			}
		})
	}
}

func TestCompareDefaults(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	full := randomVideo(rng, 10)
	var zero Matcher
	if got, want := Compare(full[:5], full), zero.Compare(full[:5], full); got != want {
		t.Errorf("Compare = %+v, Matcher{}.Compare = %+v", got, want)
	}
	var nilMatcher *Matcher
	if got := nilMatcher.Compare(full[:5], full); !got.Match || got.QueryFrames != 5 || got.CompareFrames != 10 {
		t.Errorf("nil Matcher: %+v", got)
	}
}

// TestCompareAgainstBruteForce checks the two-pass shortcut against the
// plain definition on videos with many near and exact repeats.
func TestCompareAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	base := randomVideo(rng, 8)
	pick := func(n int) Hash {
		h := make(Hash, n)
		for i := range h {
			h[i] = base[rng.IntN(len(base))]
			for range rng.IntN(40) { // 0..39 flipped bits: some within 31, some not
				b := rng.IntN(256)
				h[i].Hash[b/8] ^= 1 << (b % 8)
			}
			h[i].Quality = rng.IntN(101)
			h[i].Number = i
		}
		return h
	}
	var m Matcher
	for range 200 {
		q, c := pick(1+rng.IntN(30)), pick(1+rng.IntN(30))
		got := m.Compare(q, c)
		pq, pc := m.Prepare(q), m.Prepare(c)
		found := func(a, b [][4]uint64) int {
			n := 0
			for i := range a {
				for j := range b {
					if distance(&a[i], &b[j]) <= DefaultDistanceThreshold {
						n++
						break
					}
				}
			}
			return n
		}
		if got.QueryMatched != found(pq.frames, pc.frames) || got.CompareMatched != found(pc.frames, pq.frames) {
			t.Fatalf("matched %d/%d, brute force %d/%d", got.QueryMatched, got.CompareMatched, found(pq.frames, pc.frames), found(pc.frames, pq.frames))
		}
	}
}

func distance(a, b *[4]uint64) int {
	return bits.OnesCount64(a[0]^b[0]) + bits.OnesCount64(a[1]^b[1]) +
		bits.OnesCount64(a[2]^b[2]) + bits.OnesCount64(a[3]^b[3])
}

func TestPrepare(t *testing.T) {
	a, b := pdq.Hash{1}, pdq.Hash{2}
	h := Hash{
		{Number: 0, Quality: 40, Hash: a}, // dropped: low quality, even though a later copy is good
		{Number: 1, Quality: 90, Hash: a},
		{Number: 2, Quality: 90, Hash: b},
		{Number: 3, Quality: 90, Hash: a}, // repeat
	}
	var m Matcher
	p := m.Prepare(h)
	if p.Len() != 2 {
		t.Errorf("Prepare kept %d frames, want 2", p.Len())
	}
}
