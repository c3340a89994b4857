package areaindex

import (
	"math"
	"math/bits"
	"math/rand/v2"

	"github.com/vigie-project/vigie/geo"
)

// city is a cluster of synthetic subscribers: a Gaussian of sigmaKm around
// the centre. Shares are relative; synth scales them to citiesShare.
type city struct {
	name     string
	lat, lon float64
	share    float64
	sigmaKm  float64
}

// cities are the 20 largest French urban areas. Paris's sigma puts 18 % of
// its subscribers within 8 km and 99 % within 40 km.
var cities = []city{
	{"Paris", 48.8566, 2.3522, 18, 12.7},
	{"Lyon", 45.7640, 4.8357, 3.5, 10.5},
	{"Marseille", 43.2965, 5.3698, 3.0, 9},
	{"Toulouse", 43.6047, 1.4442, 2.3, 9},
	{"Lille", 50.6292, 3.0573, 2.2, 10},
	{"Bordeaux", 44.8378, -0.5792, 2.0, 9},
	{"Nice", 43.7102, 7.2620, 1.8, 7},
	{"Nantes", 47.2184, -1.5536, 1.6, 8},
	{"Strasbourg", 48.5734, 7.7521, 1.4, 8},
	{"Montpellier", 43.6108, 3.8767, 1.3, 7},
	{"Rennes", 48.1173, -1.6778, 1.2, 7},
	{"Grenoble", 45.1885, 5.7245, 1.1, 7},
	{"Rouen", 49.4432, 1.0999, 1.0, 7},
	{"Toulon", 43.1242, 5.9280, 1.0, 6},
	{"Saint-Étienne", 45.4397, 4.3872, 0.8, 6},
	{"Dijon", 47.3220, 5.0415, 0.7, 6},
	{"Angers", 47.4784, -0.5632, 0.7, 6},
	{"Nîmes", 43.8367, 4.3601, 0.6, 6},
	{"Clermont-Ferrand", 45.7772, 3.0870, 0.7, 6},
	{"Tours", 47.3941, 0.6848, 0.7, 6},
}

const (
	parisShare  = 0.18 // of all subscribers
	citiesShare = 0.75 // Paris included; the rest is rural, uniform
	secondCell  = 0.08 // subscribers with a second cell (work, family)
	thirdCell   = 0.02 // ... and a third
	coarseCell  = 0.01 // cells chosen at precision 4 instead of 5
)

// france is a rough outline of metropolitan France (without Corsica) for
// the rural share.
var france = func() geo.Polygon {
	var p geo.Polygon
	for _, q := range [][2]float64{
		{51.05, 2.37}, {50.1, 4.2}, {49.5, 5.8}, {48.97, 8.2}, {47.6, 7.6}, {46.2, 6.1},
		{45.1, 7.1}, {43.75, 7.5}, {43.1, 6.2}, {43.3, 3.9}, {42.45, 3.15}, {42.7, 1.0},
		{43.35, -1.78}, {44.6, -1.25}, {46.2, -1.2}, {47.3, -2.5}, {47.8, -4.3}, {48.4, -4.8},
		{48.8, -3.0}, {48.65, -1.5}, {49.7, -1.9}, {49.4, 0.1}, {50.1, 1.5}, {50.95, 1.85},
	} {
		p = append(p, geo.Point{Lat: q[0], Lon: q[1]})
	}
	return p
}()

// synth generates n subscribers with a fixed seed and calls emit for each
// (id, cell) pair: ids 0..n-1 in random places, so id order says nothing
// of location, as with ids assigned over time.
func synth(seed uint64, n int, emit func(id uint32, c geo.Cell)) {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	outline, err := geo.Prepare(geo.Area{Polygons: []geo.Polygon{france}})
	if err != nil {
		panic(err)
	}
	b := outline.Bounds()
	// cumulative weights: Paris fixed at parisShare, the other cities
	// share citiesShare-parisShare in proportion to their shares
	var others float64
	for _, c := range cities[1:] {
		others += c.share
	}
	cum := make([]float64, len(cities))
	acc := 0.0
	for i, c := range cities {
		if i == 0 {
			acc = parisShare
		} else {
			acc += c.share / others * (citiesShare - parisShare)
		}
		cum[i] = acc
	}
	gauss := func(c city) geo.Point {
		dlat := r.NormFloat64() * c.sigmaKm / 111.2
		dlon := r.NormFloat64() * c.sigmaKm / (111.2 * math.Cos(c.lat*math.Pi/180))
		return geo.Point{Lat: c.lat + dlat, Lon: c.lon + dlon}
	}
	place := func() geo.Point {
		u := r.Float64()
		for i, c := range cum {
			if u < c {
				return gauss(cities[i])
			}
		}
		for {
			p := geo.Point{Lat: b.MinLat + r.Float64()*(b.MaxLat-b.MinLat), Lon: b.MinLon + r.Float64()*(b.MaxLon-b.MinLon)}
			if outline.ContainsPoint(p) {
				return p
			}
		}
	}
	cellOf := func(p geo.Point) geo.Cell {
		prec := 5
		if r.Float64() < coarseCell {
			prec = 4
		}
		c, err := geo.CellOf(p, prec)
		if err != nil {
			panic(err)
		}
		return c
	}
	for id := range n {
		home := place()
		emit(uint32(id), cellOf(home))
		u := r.Float64()
		extra := 0
		if u < thirdCell {
			extra = 2
		} else if u < thirdCell+secondCell {
			extra = 1
		}
		for range extra {
			// another place nearby (work, family): 15 km around home
			emit(uint32(id), cellOf(gauss(city{lat: home.Lat, lon: home.Lon, sigmaKm: 15})))
		}
	}
}

// table is the subscriptions as the store would hold them: one row per
// (id, cell) pair. It feeds Load and the plain-scan baseline.
type table struct {
	ids  []uint32
	keys []geo.Cell
}

func makeTable(seed uint64, n int) *table {
	t := &table{ids: make([]uint32, 0, n+n/8), keys: make([]geo.Cell, 0, n+n/8)}
	synth(seed, n, func(id uint32, c geo.Cell) {
		t.ids = append(t.ids, id)
		t.keys = append(t.keys, c)
	})
	return t
}

// pairs yields the rows as Load takes them, cells as geohash text.
func (t *table) pairs(yield func(uint32, string) bool) {
	for i, id := range t.ids {
		if !yield(id, t.keys[i].String()) {
			return
		}
	}
}

// scan is the baseline: test every row's cell with the same predicate as
// the index (geo.Region.IntersectsRect) and return the distinct ids,
// ascending. maxID bounds the ids.
func (t *table) scan(r *geo.Region, maxID int) []uint32 {
	seen := make(bitset, maxID/64+1)
	n := 0
	for i, c := range t.keys {
		if r.IntersectsRect(c.Rect()) && !seen.testAndSet(t.ids[i]) {
			n++
		}
	}
	return seen.ids(n)
}

// ids lists the set bits, ascending; n is the expected count.
func (b bitset) ids(n int) []uint32 {
	out := make([]uint32, 0, n)
	for w, word := range b {
		for word != 0 {
			out = append(out, uint32(w)*64+uint32(bits.TrailingZeros64(word)))
			word &= word - 1
		}
	}
	return out
}

// scanCover is a second baseline: the cover computed once (as the index
// does), then every row looked up in it, so no geometry per row; it is
// what a database without an index on the cell column would do for
// "cell IN (cover)". Cells up to precision 5 only (a 2^26-bit set).
func (t *table) scanCover(r *geo.Region, maxID int) []uint32 {
	in := make(bitset, 1<<26/64)
	for _, p := range []int{4, 5} {
		cells, err := r.AppendCover(nil, p)
		if err != nil {
			panic(err)
		}
		for _, c := range cells {
			in.testAndSet(uint32(c))
		}
	}
	seen := make(bitset, maxID/64+1)
	n := 0
	for i, c := range t.keys {
		if c < 1<<26 && in[c>>6]&(1<<(c&63)) != 0 && !seen.testAndSet(t.ids[i]) {
			n++
		}
	}
	return seen.ids(n)
}

// queries are the alert areas of the benchmark.
func queries() []struct {
	name string
	area geo.Area
} {
	paris := geo.Point{Lat: 48.8566, Lon: 2.3522}
	// the south: an irregular 128-gon about 250 km across, centred near
	// Arles, holding Marseille, Montpellier, Nîmes, Avignon and Toulon
	south := make(geo.Polygon, 0, 129)
	for i := range 128 {
		th := 2 * math.Pi * float64(i) / 128
		rk := 125 * (1 + 0.12*math.Sin(3*th))
		south = append(south, geo.Point{
			Lat: 43.6 + rk*math.Sin(th)/111.2,
			Lon: 4.8 + rk*math.Cos(th)/(111.2*math.Cos(43.6*math.Pi/180)),
		})
	}
	south = append(south, south[0])
	return []struct {
		name string
		area geo.Area
	}{
		{"Lyon 2 km circle", geo.Area{Circles: []geo.Circle{{Center: geo.Point{Lat: 45.7640, Lon: 4.8357}, RadiusKm: 2}}}},
		{"Paris 8 km 64-gon", geo.Area{Polygons: []geo.Polygon{geo.Circle{Center: paris, RadiusKm: 8}.Polygon(64)}}},
		{"Paris+suburbs 40 km 512-gon", geo.Area{Polygons: []geo.Polygon{geo.Circle{Center: paris, RadiusKm: 40}.Polygon(512)}}},
		{"South 250 km 128-gon", geo.Area{Polygons: []geo.Polygon{south}}},
	}
}
