package areaindex

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/vigie-project/vigie/geo"
	"pgregory.net/rapid"
)

func cellsOf(t *testing.T, x *Index, id uint32) []string {
	t.Helper()
	return x.Cells(id)
}

func sorted(ids []uint32) []uint32 {
	slices.Sort(ids)
	return ids
}

var (
	paris   = geo.Point{Lat: 48.8566, Lon: 2.3522}
	parisA  = geo.Area{Circles: []geo.Circle{{Center: paris, RadiusKm: 1}}}
	lyonA   = geo.Area{Circles: []geo.Circle{{Center: geo.Point{Lat: 45.764, Lon: 4.8357}, RadiusKm: 1}}}
	parisC5 = geo.Encode(paris, 5)
	parisC4 = geo.Encode(paris, 4)
	lyonC5  = geo.Encode(geo.Point{Lat: 45.764, Lon: 4.8357}, 5)
)

func TestAddErrors(t *testing.T) {
	x := New()
	tests := []struct {
		cell string
		err  error
	}{
		{"", geo.ErrCell},
		{"u09ta", geo.ErrCell},
		{"u09tvw0", ErrPrecision},
		{"u09tvw", nil},
		{"U09TV", nil},
	}
	for _, tt := range tests {
		if err := x.Add(1, tt.cell); !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("Add(%q) = %v, want %v", tt.cell, err, tt.err)
		}
	}
	if got := x.Cells(1); !slices.Equal(got, []string{"u09tv", "u09tvw"}) {
		t.Errorf("Cells = %v", got)
	}
	if err := x.Set(1, parisC5, "u09ta"); !errors.Is(err, geo.ErrCell) || x.Len() != 1 {
		t.Errorf("Set with a bad cell: %v (and must change nothing)", err)
	}
}

func TestAddRemoveSelect(t *testing.T) {
	x := New()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(x.Add(1, parisC5))
	must(x.Add(2, parisC5))
	must(x.Add(2, parisC5)) // again: nothing changes
	must(x.Add(3, lyonC5))
	must(x.Add(4, parisC5))
	must(x.Add(4, lyonC5)) // two cells
	must(x.Add(5, parisC4))
	must(x.Add(6, lyonC5))
	must(x.Add(6, parisC4)) // coarse and fine
	must(x.Add(6, parisC5)) // three cells
	if x.Len() != 6 {
		t.Fatalf("Len = %d", x.Len())
	}
	tests := []struct {
		name  string
		area  geo.Area
		want  []uint32
		cells int
	}{
		{"Paris", parisA, []uint32{1, 2, 4, 5, 6}, 2},
		{"Lyon", lyonA, []uint32{3, 4, 6}, 1},
		{"both", geo.Merge(parisA, lyonA), []uint32{1, 2, 3, 4, 5, 6}, 3},
		{"nowhere", geo.Area{Circles: []geo.Circle{{Center: geo.Point{Lat: 10, Lon: 10}}}}, nil, 0},
	}
	for _, tt := range tests {
		got, err := x.Select(tt.area, nil)
		if err != nil || !slices.Equal(sorted(got), tt.want) {
			t.Errorf("%s: Select = %v, %v; want %v", tt.name, got, err, tt.want)
		}
		n, cells, err := x.Count(tt.area)
		if err != nil || n != len(tt.want) || cells != tt.cells {
			t.Errorf("%s: Count = %d, %d, %v; want %d, %d", tt.name, n, cells, err, len(tt.want), tt.cells)
		}
	}
	if got := cellsOf(t, x, 6); !slices.Equal(got, []string{lyonC5, parisC4, parisC5}) {
		t.Errorf("Cells(6) = %v", got)
	}
	if !x.Remove(4) || x.Remove(4) || x.Remove(99) {
		t.Error("Remove results")
	}
	must(x.Set(6, lyonC5))
	got, _ := x.Select(parisA, nil)
	if !slices.Equal(sorted(got), []uint32{1, 2, 5}) {
		t.Errorf("after Remove(4), Set(6): %v", got)
	}
	s := x.Stats()
	if s.Subscriptions != 5 || s.MultiCell != 0 || s.Postings != 5 || s.Cells != 3 || x.Len() != 5 {
		t.Errorf("Stats = %+v", s)
	}
	must(x.Set(6))
	if x.Len() != 4 || x.Cells(6) != nil {
		t.Errorf("Set(6) with no cells should remove it")
	}
	var via []uint32
	if err := x.SelectFunc(parisA, func(id uint32) { via = append(via, id) }); err != nil || len(via) != 3 {
		t.Errorf("SelectFunc: %v, %v", via, err)
	}
	if _, err := x.Select(geo.Area{}, nil); !errors.Is(err, geo.ErrEmptyArea) {
		t.Errorf("empty area: %v", err)
	}
	if _, _, err := x.Count(geo.Area{Circles: []geo.Circle{{Center: paris, RadiusKm: -1}}}); !errors.Is(err, geo.ErrRange) {
		t.Errorf("bad circle: %v", err)
	}
}

// model is the reference: a map from id to its set of cells, selected by
// testing every cell with the predicate of the index.
type model map[uint32]map[geo.Cell]bool

func (m model) selectIDs(r *geo.Region) []uint32 {
	var out []uint32
	for id, cells := range m {
		for c := range cells {
			if r.IntersectsRect(c.Rect()) {
				out = append(out, id)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// drawCell picks a cell near Paris or Lyon at precision 4, 5 or 6, from a
// small pool so that subscriptions share cells.
func drawCell(t *rapid.T) geo.Cell {
	base := rapid.SampledFrom([]geo.Point{paris, {Lat: 45.764, Lon: 4.8357}}).Draw(t, "city")
	p := geo.Point{Lat: base.Lat + float64(rapid.IntRange(-3, 3).Draw(t, "dy"))*0.04, Lon: base.Lon + float64(rapid.IntRange(-3, 3).Draw(t, "dx"))*0.04}
	c, _ := geo.CellOf(p, rapid.SampledFrom([]int{4, 5, 5, 5, 6}).Draw(t, "prec"))
	return c
}

func checkAgainst(t *rapid.T, x *Index, m model) {
	postings, multi := 0, 0
	for id, cells := range m {
		postings += len(cells)
		if len(cells) > 1 {
			multi++
		}
		want := make([]string, 0, len(cells))
		for c := range cells {
			want = append(want, c.String())
		}
		slices.Sort(want)
		if got := x.Cells(id); !slices.Equal(got, want) {
			t.Fatalf("Cells(%d) = %v, want %v", id, got, want)
		}
	}
	s := x.Stats()
	if s.Subscriptions != len(m) || s.Postings != postings || s.MultiCell != multi || x.Len() != len(m) {
		t.Fatalf("Stats %+v, model %d subs %d postings %d multi", s, len(m), postings, multi)
	}
	area := geo.Area{Circles: []geo.Circle{{Center: geo.Point{Lat: paris.Lat + rapid.Float64Range(-0.1, 0.1).Draw(t, "qlat"), Lon: paris.Lon + rapid.Float64Range(-0.1, 0.1).Draw(t, "qlon")}, RadiusKm: rapid.Float64Range(0, 12).Draw(t, "qr")}}}
	if rapid.Bool().Draw(t, "polygon") {
		c := area.Circles[0]
		c.RadiusKm = max(c.RadiusKm, 0.05) // tinier polygons collapse to a point in float64
		area = geo.Area{Polygons: []geo.Polygon{c.Polygon(rapid.IntRange(3, 40).Draw(t, "n"))}}
	}
	r, err := geo.Prepare(area)
	if err != nil {
		t.Fatal(err)
	}
	got, err := x.SelectRegion(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := m.selectIDs(r)
	if !slices.Equal(sorted(got), want) {
		t.Fatalf("Select %d ids, model %d", len(got), len(want))
	}
	n, _, err := x.Count(area)
	if err != nil || n != len(want) {
		t.Fatalf("Count %d, model %d", n, len(want))
	}
}

func TestIndexMatchesModel(t *testing.T) {
	old := compactMin
	compactMin = 8 // compact the arena often
	defer func() { compactMin = old }()
	rapid.Check(t, func(t *rapid.T) {
		x := New()
		m := model{}
		for range rapid.IntRange(1, 300).Draw(t, "ops") {
			id := uint32(rapid.IntRange(0, 70_000).Draw(t, "id")) // spans two rev pages
			if rapid.Bool().Draw(t, "small id") {
				id %= 40
			}
			switch rapid.IntRange(0, 9).Draw(t, "op") {
			case 0, 1, 2, 3, 4:
				c := drawCell(t)
				if err := x.Add(id, c.String()); err != nil {
					t.Fatal(err)
				}
				if m[id] == nil {
					m[id] = map[geo.Cell]bool{}
				}
				m[id][c] = true
			case 5, 6:
				if x.Remove(id) != (m[id] != nil) {
					t.Fatalf("Remove(%d)", id)
				}
				delete(m, id)
			case 7:
				cells := []string{}
				set := map[geo.Cell]bool{}
				for range rapid.IntRange(0, 3).Draw(t, "cells") {
					c := drawCell(t)
					cells = append(cells, c.String())
					set[c] = true
				}
				if err := x.Set(id, cells...); err != nil {
					t.Fatal(err)
				}
				delete(m, id)
				if len(set) > 0 {
					m[id] = set
				}
			case 8:
				checkAgainst(t, x, m)
			case 9: // reload from the model, in random order
				var pairs [][2]any
				for id, cells := range m {
					for c := range cells {
						pairs = append(pairs, [2]any{id, c.String()})
						if rapid.Bool().Draw(t, "dup") {
							pairs = append(pairs, [2]any{id, c.String()})
						}
					}
				}
				err := x.Load(func(yield func(uint32, string) bool) {
					for _, p := range pairs {
						if !yield(p[0].(uint32), p[1].(string)) {
							return
						}
					}
				}, len(pairs))
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		checkAgainst(t, x, m)
	})
}

func TestLoadError(t *testing.T) {
	x := New()
	_ = x.Add(7, parisC5)
	err := x.Load(func(yield func(uint32, string) bool) {
		_ = yield(1, parisC5) && yield(2, "u09ta")
	}, 0)
	if !errors.Is(err, geo.ErrCell) || err.Error()[:15] != "subscription 2:" {
		t.Fatalf("Load: %v", err)
	}
	if x.Len() != 1 || x.Cells(7) == nil {
		t.Fatal("a failed Load changed the index")
	}
	if err := x.Load(func(func(uint32, string) bool) {}, 0); err != nil || x.Len() != 0 {
		t.Fatalf("empty Load: %v, Len %d", err, x.Len())
	}
}

func TestRadixSort(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 20_000).Draw(t, "n")
		seed := rapid.Uint64().Draw(t, "seed")
		mask := rapid.SampledFrom([]uint64{0xffff, 0xffffffff, 0x7fffffff_00ffffff, ^uint64(0)}).Draw(t, "mask")
		a := make([]uint64, n)
		for i := range a {
			seed = seed*6364136223846793005 + 1442695040888963407
			a[i] = (seed ^ seed>>29) & mask
		}
		want := slices.Sorted(slices.Values(a))
		radixSort(a)
		if !slices.Equal(a, want) {
			t.Fatal("radixSort differs from slices.Sort")
		}
	})
}

// Selections and counts run while other goroutines add and remove; under
// -race this checks the locking, and the stable subscriptions must be
// found by every selection.
func TestConcurrent(t *testing.T) {
	x := New()
	tab := makeTable(7, 20_000)
	if err := x.Load(tab.pairs, len(tab.ids)); err != nil {
		t.Fatal(err)
	}
	q := queries()[1].area // Paris 8 km
	r, _ := geo.Prepare(q)
	stable, _ := x.SelectRegion(r, nil)
	var writers, readers sync.WaitGroup
	stop := make(chan struct{})
	for w := range 2 {
		writers.Go(func() {
			for i := uint32(0); ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := 1_000_000 + uint32(w)*100_000 + i%5000
				if i%3 == 2 {
					x.Remove(id)
				} else if err := x.Add(id, geo.Encode(geo.Point{Lat: paris.Lat + float64(i%50)*0.002, Lon: paris.Lon}, 5)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for range 2 {
		readers.Go(func() {
			var buf []uint32
			for range 100 {
				var err error
				buf, err = x.SelectRegion(r, buf[:0])
				if err != nil {
					t.Error(err)
					return
				}
				have := make(map[uint32]bool, len(buf))
				for _, id := range buf {
					if have[id] {
						t.Errorf("id %d twice", id)
						return
					}
					have[id] = true
				}
				for _, id := range stable {
					if !have[id] {
						t.Errorf("stable id %d missing", id)
						return
					}
				}
				if n, _, err := x.Count(q); err != nil || n < len(stable) {
					t.Errorf("Count %d < %d, %v", n, len(stable), err)
					return
				}
				_ = x.Stats()
				_ = x.Cells(5)
			}
		})
	}
	readers.Wait()
	close(stop)
	writers.Wait()
}
