package vpdq

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkCompare matches two one-hour videos hashed at one frame per
// second (3,600 frames each).
func BenchmarkCompare(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	a, c := randomVideo(rng, 3600), randomVideo(rng, 3600)
	near := flipBits(a, 12)
	half := concat(a[:1800], c[:1800])
	var m Matcher
	for _, bc := range []struct {
		name string
		q, c Hash
	}{
		{"unrelated", a, c},     // worst case: every pair is compared twice
		{"same-video", near, a}, // each frame matches its counterpart
		{"half-shared", half, a},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				m.Compare(bc.q, bc.c)
			}
		})
		pq, pc := m.Prepare(bc.q), m.Prepare(bc.c)
		b.Run(bc.name+"/prepared", func(b *testing.B) {
			for b.Loop() {
				m.ComparePrepared(&pq, &pc)
			}
		})
	}
}
