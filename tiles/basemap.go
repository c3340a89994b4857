package tiles

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"sort"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/inconsolata"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"

	"github.com/vigie-project/vigie/gazetteer"
	"github.com/vigie-project/vigie/gazetteer/geodata"
)

// TileSize is the width and height of a tile in pixels.
const TileSize = 256

// The palette is deliberately quiet: pale land, grey-blue sea, thin grey
// lines. Alert areas drawn on top (red, orange) must be what the eye sees
// first, and the map must stay readable on a projector in a crisis room.
var (
	colSea      = color.RGBA{0xd6, 0xe2, 0xea, 0xff}
	colLand     = color.RGBA{0xf4, 0xf2, 0xec, 0xff}
	colCoast    = color.RGBA{0x9d, 0xb3, 0xc4, 0xff}
	colCountry  = color.RGBA{0x8a, 0x86, 0x90, 0xff}
	colRegion   = color.RGBA{0xa8, 0xa4, 0xb0, 0xff}
	colDept     = color.RGBA{0xc8, 0xc5, 0xcc, 0xff}
	colLabel    = color.RGBA{0x55, 0x5a, 0x62, 0xff}
	colLabelDim = color.RGBA{0x80, 0x84, 0x8c, 0xff}
)

// Zoom thresholds of the built-in basemap.
const (
	zoomMedium      = 3 // 1:50m data from here (1:110m below)
	zoomDetailed    = 6 // 1:10m data inside the high-resolution boxes
	zoomRegionLines = 4
	zoomDeptLines   = 5
	zoomRegionNames = 5 // to zoomDeptCodes-1
	zoomDeptCodes   = 7
	zoomDeptNames   = 8
)

//go:embed data/world.vgd
var worldVGD []byte

// Basemap is a Source that renders the built-in basemap on the fly. It keeps
// no tiles itself: put it behind a Handler, whose LRU cache holds them. It is
// safe for concurrent use.
type Basemap struct {
	load sync.Once
	w    *world
	err  error

	labelsMu sync.Mutex
	labels   map[int][]label // placed labels by zoom

	seaOnce sync.Once
	seaPNG  []byte
}

// NewBasemap returns the built-in basemap. Its data is decoded on first use.
func NewBasemap() *Basemap { return &Basemap{labels: map[int][]label{}} }

// Attribution implements Source.
func (b *Basemap) Attribution() string { return Attribution }

// Tile implements Source: it renders c as a PNG.
func (b *Basemap) Tile(ctx context.Context, c Coord) (Tile, error) {
	if err := ctx.Err(); err != nil {
		return Tile{}, err
	}
	img, empty, err := b.render(c)
	if err != nil {
		return Tile{}, err
	}
	if empty {
		// Open sea: the same bytes for thousands of tiles, encoded once.
		b.seaOnce.Do(func() { b.seaPNG, _ = encodePNG(img) })
		return Tile{Data: b.seaPNG, ContentType: "image/png"}, nil
	}
	data, err := encodePNG(img)
	if err != nil {
		return Tile{}, err
	}
	return Tile{Data: data, ContentType: "image/png"}, nil
}

// Render draws the tile at c.
func (b *Basemap) Render(c Coord) (*image.RGBA, error) {
	img, _, err := b.render(c)
	return img, err
}

var pngEncoder = png.Encoder{CompressionLevel: png.DefaultCompression, BufferPool: &pngPool{}}

type pngPool struct{ p sync.Pool }

func (p *pngPool) Get() *png.EncoderBuffer {
	if b, ok := p.p.Get().(*png.EncoderBuffer); ok {
		return b
	}
	return nil
}
func (p *pngPool) Put(b *png.EncoderBuffer) { p.p.Put(b) }

func encodePNG(img *image.RGBA) ([]byte, error) {
	var buf bytes.Buffer
	var src image.Image = img
	if p := toPaletted(img); p != nil {
		src = p
	}
	if err := pngEncoder.Encode(&buf, src); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// toPaletted returns img as a paletted image when it has at most 256
// colours, as a basemap tile nearly always does (a few flat colours and their
// antialiased blends), or nil. An 8-bit paletted PNG is a quarter of the data
// to compress and skips PNG's per-row filters: it halves encoding time and
// tile size.
func toPaletted(img *image.RGBA) *image.Paletted {
	b := img.Bounds()
	p := image.NewPaletted(b, nil)
	index := make(map[uint32]uint8, 64)
	var last uint32
	var lastIdx uint8
	haveLast := false
	for y := 0; y < b.Dy(); y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*b.Dx()]
		out := p.Pix[y*p.Stride : y*p.Stride+b.Dx()]
		for x := range out {
			px := row[4*x : 4*x+4 : 4*x+4]
			k := uint32(px[0])<<24 | uint32(px[1])<<16 | uint32(px[2])<<8 | uint32(px[3])
			if haveLast && k == last { // long runs of one colour are the rule
				out[x] = lastIdx
				continue
			}
			i, ok := index[k]
			if !ok {
				if len(p.Palette) == 256 {
					return nil
				}
				i = uint8(len(p.Palette))
				index[k] = i
				p.Palette = append(p.Palette, color.RGBA{px[0], px[1], px[2], px[3]})
			}
			out[x], last, lastIdx, haveLast = i, k, i, true
		}
	}
	return p
}

// CoordAt returns the tile holding a WGS-84 position at zoom z.
func CoordAt(lat, lon float64, z int) Coord {
	p := project(lon, lat)
	n := float64(int(1) << z)
	x := int(math.Floor(p[0] * n))
	y := int(math.Floor(p[1] * n))
	last := int(1)<<z - 1
	return Coord{Z: z, X: min(max(x, 0), last), Y: min(max(y, 0), last)}
}

// maxLat is where Web Mercator is cut to make the world square.
const maxLat = 85.05112878

// project maps lon/lat to Web Mercator in "world units": x and y in [0, 1],
// y growing southwards; multiplied by 256·2^z they are pixels at zoom z.
func project(lon, lat float64) geodata.Point {
	lat = math.Max(-maxLat, math.Min(maxLat, lat))
	s := math.Sin(lat * math.Pi / 180)
	return geodata.Point{
		(lon + 180) / 360,
		0.5 - math.Log((1+s)/(1-s))/(4*math.Pi),
	}
}

// --- data --------------------------------------------------------------------

// shape is a feature in world units with its bounding box.
type shape struct {
	box   geodata.Rect
	rings []geodata.Ring
	lines [][]geodata.Point
}

type world struct {
	land, coast, borders [3][]shape
	hires                []geodata.Rect
	deptLines, regLines  []shape
	depts, regions       []labelSource
}

type labelSource struct {
	text, code string
	at         geodata.Point // world units
	size       float64       // bounding-box area, for priority
}

func (b *Basemap) data() (*world, error) {
	b.load.Do(func() { b.w, b.err = loadWorld() })
	return b.w, b.err
}

func loadWorld() (*world, error) {
	f, err := geodata.DecodeBytes(worldVGD)
	if err != nil {
		return nil, fmt.Errorf("tiles: embedded basemap: %w", err)
	}
	w := &world{}
	for lv := 0; lv < 3; lv++ {
		for _, l := range []struct {
			name string
			dst  *[]shape
		}{{"land", &w.land[lv]}, {"coast", &w.coast[lv]}, {"borders", &w.borders[lv]}} {
			layer := f.Layer(fmt.Sprintf("%s%d", l.name, lv))
			if layer == nil {
				return nil, fmt.Errorf("tiles: embedded basemap lacks layer %s%d", l.name, lv)
			}
			for _, ft := range layer.Features {
				*l.dst = append(*l.dst, projectFeature(ft))
			}
		}
	}
	if l := f.Layer("hires"); l != nil {
		for _, ft := range l.Features {
			w.hires = append(w.hires, projectFeature(ft).box)
		}
	}
	w.deptLines = internalBorders(gazetteer.Departments())
	w.regLines = internalBorders(gazetteer.Regions())
	for _, a := range gazetteer.Departments() {
		w.depts = append(w.depts, newLabelSource(a, a.Name))
	}
	for _, a := range gazetteer.Regions() {
		w.regions = append(w.regions, newLabelSource(a, strings.ToUpper(a.Name)))
	}
	return w, nil
}

func newLabelSource(a *gazetteer.Area, text string) labelSource {
	sw, ne := project(a.BBox.West, a.BBox.South), project(a.BBox.East, a.BBox.North)
	return labelSource{text: text, code: a.Code, at: project(a.Label.Lon, a.Label.Lat),
		size: (ne[0] - sw[0]) * (sw[1] - ne[1])}
}

func projectFeature(ft geodata.Feature) shape {
	var s shape
	first := true
	grow := func(p geodata.Point) {
		if first {
			s.box, first = geodata.Rect{Min: p, Max: p}, false
		} else {
			s.box = s.box.Extend(p)
		}
	}
	for _, poly := range ft.Polygons {
		for _, r := range poly {
			pr := make(geodata.Ring, len(r))
			for i, p := range r {
				pr[i] = project(p[0], p[1])
				grow(pr[i])
			}
			s.rings = append(s.rings, pr)
		}
	}
	for _, l := range ft.Lines {
		pl := make([]geodata.Point, len(l))
		for i, p := range l {
			pl[i] = project(p[0], p[1])
			grow(pl[i])
		}
		s.lines = append(s.lines, pl)
	}
	return s
}

// internalBorders returns the edges shared by two of the areas, chained into
// lines. Coasts are left out on purpose: the coastline comes from the world
// data, and drawing the areas' own (differently simplified) coasts would
// double it with a visible offset when zoomed in.
func internalBorders(areas []*gazetteer.Area) []shape {
	type edge struct{ a, b gazetteer.Point }
	canon := func(a, b gazetteer.Point) edge {
		if a.Lon < b.Lon || (a.Lon == b.Lon && a.Lat < b.Lat) {
			return edge{a, b}
		}
		return edge{b, a}
	}
	count := map[edge]int{}
	for _, a := range areas {
		for _, poly := range a.Polygons {
			for _, r := range poly {
				for i := 1; i < len(r); i++ {
					count[canon(r[i-1], r[i])]++
				}
			}
		}
	}
	done := map[edge]bool{}
	var out []shape
	for _, a := range areas {
		for _, poly := range a.Polygons {
			for _, r := range poly {
				var cur []geodata.Point
				flush := func() {
					if len(cur) >= 2 {
						out = append(out, lineShape(cur))
					}
					cur = nil
				}
				for i := 1; i < len(r); i++ {
					e := canon(r[i-1], r[i])
					if count[e] < 2 || done[e] {
						flush()
						continue
					}
					done[e] = true
					if len(cur) == 0 {
						cur = append(cur, project(r[i-1].Lon, r[i-1].Lat))
					}
					cur = append(cur, project(r[i].Lon, r[i].Lat))
				}
				flush()
			}
		}
	}
	return out
}

func lineShape(l []geodata.Point) shape {
	return shape{box: geodata.Bounds(l), lines: [][]geodata.Point{l}}
}

// --- rendering ------------------------------------------------------------------

// view maps world units to the pixels of one tile.
type view struct {
	scale, ox, oy float64
	box           geodata.Rect // the tile in world units, with a margin
}

func newView(c Coord, marginPx float64) view {
	scale := float64(TileSize) * float64(int(1)<<c.Z)
	ox, oy := float64(c.X*TileSize), float64(c.Y*TileSize)
	m := marginPx
	return view{scale: scale, ox: ox, oy: oy, box: geodata.Rect{
		Min: geodata.Point{(ox - m) / scale, (oy - m) / scale},
		Max: geodata.Point{(ox + TileSize + m) / scale, (oy + TileSize + m) / scale},
	}}
}

func (v view) px(p geodata.Point) geodata.Point {
	return geodata.Point{p[0]*v.scale - v.ox, p[1]*v.scale - v.oy}
}

// pixelClip is the rectangle polygons and lines are clipped to before
// rasterising: a little larger than the tile so that strokes and antialiased
// edges at the border come out the same in neighbouring tiles. Clipping
// matters: the rasteriser walks every scanline a segment spans, even off the
// tile, and its fixed-point arithmetic overflows far away.
var pixelClip = geodata.Rect{Min: geodata.Point{-4, -4}, Max: geodata.Point{TileSize + 4, TileSize + 4}}

var rasterizers = sync.Pool{New: func() any { return vector.NewRasterizer(TileSize, TileSize) }}

func (b *Basemap) render(c Coord) (img *image.RGBA, empty bool, err error) {
	if !c.Valid() {
		return nil, false, fmt.Errorf("tiles: invalid coordinate %s", c)
	}
	w, err := b.data()
	if err != nil {
		return nil, false, err
	}
	img = image.NewRGBA(image.Rect(0, 0, TileSize, TileSize))
	draw.Draw(img, img.Bounds(), image.NewUniform(colSea), image.Point{}, draw.Src)
	z := rasterizers.Get().(*vector.Rasterizer)
	defer rasterizers.Put(z)

	v := newView(c, 4)
	full := img.Bounds()
	drawn := false
	switch {
	case c.Z < zoomMedium:
		drawn = drawBase(img, z, v, full, w, 0, 0.5)
	case c.Z < zoomDetailed:
		drawn = drawBase(img, z, v, full, w, 1, 0.8)
	default:
		// Inside the high-resolution boxes, 1:10m data replaces the
		// 1:50m data. The boxes' edges are meridians and parallels,
		// hence straight pixel rows and columns in Web Mercator.
		var rects []image.Rectangle
		covered := false
		for _, hb := range w.hires {
			if !hb.Intersects(v.box) {
				continue
			}
			a, bb := v.px(hb.Min), v.px(hb.Max)
			r := image.Rect(int(math.Round(a[0])), int(math.Round(a[1])), int(math.Round(bb[0])), int(math.Round(bb[1]))).Intersect(full)
			if r.Empty() {
				continue
			}
			rects = append(rects, r)
			covered = covered || r == full
		}
		if !covered {
			drawn = drawBase(img, z, v, full, w, 1, 1)
		}
		for _, r := range rects {
			if !covered {
				draw.Draw(img, r, image.NewUniform(colSea), image.Point{}, draw.Src)
			}
			drawn = drawBase(img, z, v, r, w, 2, 1) || drawn
		}
	}
	if c.Z >= zoomDeptLines {
		drawn = strokeShapes(img, z, v, full, w.deptLines, 0.8, colDept) || drawn
	}
	if c.Z >= zoomRegionLines {
		width := 1.1
		if c.Z >= zoomDeptLines {
			width = 1.6
		}
		drawn = strokeShapes(img, z, v, full, w.regLines, width, colRegion) || drawn
	}
	if b.drawLabels(img, c, w) {
		drawn = true
	}
	return img, !drawn, nil
}

// drawBase draws land, coast and country borders of one level of detail,
// limited to clip, with lines thinned by the factor thin (small scales would
// otherwise drown in borders). It reports whether anything was drawn.
func drawBase(img *image.RGBA, z *vector.Rasterizer, v view, clip image.Rectangle, w *world, lv int, thin float64) bool {
	drawn := fillShapes(img, z, v, clip, w.land[lv], colLand)
	if strokeShapes(img, z, v, clip, w.coast[lv], 0.9*max(thin, 0.8), colCoast) {
		drawn = true
	}
	if strokeShapes(img, z, v, clip, w.borders[lv], 1.3*thin, colCountry) {
		drawn = true
	}
	return drawn
}

// path collects closed rings in tile pixels, then rasterises them in one pass.
type path struct {
	pts  []geodata.Point
	ends []int // end offset in pts of each ring
	box  geodata.Rect
}

func (p *path) add(ring ...geodata.Point) {
	for _, q := range ring {
		if len(p.pts) == 0 {
			p.box = geodata.Rect{Min: q, Max: q}
		} else {
			p.box = p.box.Extend(q)
		}
		p.pts = append(p.pts, q)
	}
	p.ends = append(p.ends, len(p.pts))
}

// draw fills the collected rings with col, within clip. The rasteriser's
// mask starts at the top-left corner of the rectangle given to Draw, so the
// path is rasterised relative to the part of clip it covers: that both
// honours clip and skips the untouched rows and columns.
func (p *path) draw(img *image.RGBA, z *vector.Rasterizer, clip image.Rectangle, col color.RGBA) bool {
	if len(p.ends) == 0 {
		return false
	}
	r := image.Rect(
		int(math.Floor(p.box.Min[0]))-1, int(math.Floor(p.box.Min[1]))-1,
		int(math.Ceil(p.box.Max[0]))+1, int(math.Ceil(p.box.Max[1]))+1,
	).Intersect(clip)
	if r.Empty() {
		return false
	}
	z.Reset(r.Dx(), r.Dy())
	ox, oy := float64(r.Min.X), float64(r.Min.Y)
	start := 0
	for _, end := range p.ends {
		ring := p.pts[start:end]
		z.MoveTo(float32(ring[0][0]-ox), float32(ring[0][1]-oy))
		for _, q := range ring[1:] {
			z.LineTo(float32(q[0]-ox), float32(q[1]-oy))
		}
		z.ClosePath()
		start = end
	}
	z.Draw(img, r, image.NewUniform(col), image.Point{})
	return true
}

// fillShapes fills all rings of shapes in one rasteriser pass. One pass
// matters: the rasteriser accumulates signed coverage, so the edges that grid
// cells share cancel exactly and leave no hairline seams, which filling cell
// by cell with antialiasing would.
func fillShapes(img *image.RGBA, z *vector.Rasterizer, v view, clip image.Rectangle, shapes []shape, col color.RGBA) bool {
	var p path
	var pr geodata.Ring
	for i := range shapes {
		s := &shapes[i]
		if !s.box.Intersects(v.box) {
			continue
		}
		for _, r := range s.rings {
			pr = pr[:0]
			for _, q := range r {
				pr = append(pr, v.px(q))
			}
			if cr := geodata.ClipRing(pr, pixelClip); cr != nil {
				p.add(cr...)
			}
		}
	}
	return p.draw(img, z, clip, col)
}

// strokeShapes draws the lines of shapes width pixels wide. The rasteriser
// only fills, so each segment becomes a rectangle extended by half the width
// at both ends (covering the joins); all rectangles turn the same way, so
// overlaps add up and clamp instead of cancelling.
func strokeShapes(img *image.RGBA, z *vector.Rasterizer, v view, clip image.Rectangle, shapes []shape, width float64, col color.RGBA) bool {
	var p path
	var pl []geodata.Point
	h := width / 2
	for i := range shapes {
		s := &shapes[i]
		if !s.box.Intersects(v.box) {
			continue
		}
		for _, l := range s.lines {
			pl = pl[:0]
			for _, q := range l {
				pl = append(pl, v.px(q))
			}
			for _, piece := range geodata.ClipLine(pl, pixelClip) {
				for k := 1; k < len(piece); k++ {
					a, b := piece[k-1], piece[k]
					dx, dy := b[0]-a[0], b[1]-a[1]
					n := math.Hypot(dx, dy)
					if n == 0 {
						continue
					}
					ux, uy := dx/n*h, dy/n*h // along the segment
					nx, ny := -uy, ux        // across it
					p.add(
						geodata.Point{a[0] - ux + nx, a[1] - uy + ny},
						geodata.Point{b[0] + ux + nx, b[1] + uy + ny},
						geodata.Point{b[0] + ux - nx, b[1] + uy - ny},
						geodata.Point{a[0] - ux - nx, a[1] - uy - ny},
					)
				}
			}
		}
	}
	return p.draw(img, z, clip, col)
}

// --- labels ----------------------------------------------------------------------

var labelFace font.Face = inconsolata.Regular8x16

// label is a placed label, in world pixels at its zoom.
type label struct {
	text       string
	x, y, w, h float64 // top-left corner and size
	dim        bool
}

// placed returns the labels shown at zoom z. Placement is global and done
// once per zoom, not per tile: a label that straddles two tiles must be kept
// or dropped in both, at the same position, or it would be cut in half.
// Larger areas win when two labels collide.
func (b *Basemap) placed(z int, w *world) []label {
	b.labelsMu.Lock()
	defer b.labelsMu.Unlock()
	if l, ok := b.labels[z]; ok {
		return l
	}
	var srcs []labelSource
	dim := false
	switch {
	case z >= zoomDeptCodes:
		srcs = w.depts
	case z >= zoomRegionNames:
		srcs = w.regions
		dim = true
	}
	srcs = append([]labelSource(nil), srcs...)
	sort.SliceStable(srcs, func(i, j int) bool { return srcs[i].size > srcs[j].size })
	scale := float64(TileSize) * float64(int(1)<<z)
	var out []label
	const pad = 6
	for _, s := range srcs {
		text := s.text
		if z < zoomDeptNames && !dim {
			text = s.code
		}
		tw := float64(font.MeasureString(labelFace, text).Ceil())
		th := float64(labelFace.Metrics().Height.Ceil())
		l := label{text: text, x: s.at[0]*scale - tw/2, y: s.at[1]*scale - th/2, w: tw, h: th, dim: dim}
		clash := false
		for _, o := range out {
			if l.x-pad < o.x+o.w && o.x-pad < l.x+l.w && l.y-pad < o.y+o.h && o.y-pad < l.y+l.h {
				clash = true
				break
			}
		}
		if !clash {
			out = append(out, l)
		}
	}
	b.labels[z] = out
	return out
}

func (b *Basemap) drawLabels(img *image.RGBA, c Coord, w *world) bool {
	ox, oy := float64(c.X*TileSize), float64(c.Y*TileSize)
	drew := false
	for _, l := range b.placed(c.Z, w) {
		x, y := l.x-ox, l.y-oy
		if x+l.w < -2 || y+l.h < -2 || x > TileSize+2 || y > TileSize+2 {
			continue
		}
		col := colLabel
		if l.dim {
			col = colLabelDim
		}
		base := fixed.P(int(math.Round(x)), int(math.Round(y))+labelFace.Metrics().Ascent.Ceil())
		d := font.Drawer{Dst: img, Face: labelFace, Src: image.NewUniform(colLand)}
		// A one-pixel halo in the land colour keeps text legible over lines.
		for _, off := range [...]fixed.Point26_6{{X: -64}, {X: 64}, {Y: -64}, {Y: 64}} {
			d.Dot = base.Add(off)
			d.DrawString(l.text)
		}
		d.Src = image.NewUniform(col)
		d.Dot = base
		d.DrawString(l.text)
		drew = true
	}
	return drew
}
