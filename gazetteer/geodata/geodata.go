// Package geodata reads and writes VGD, the compact container that holds the
// simplified vector data embedded in Vigie (the gazetteer's administrative
// areas, the basemap's land and borders), and provides the few planar geometry
// routines used to prepare and use that data: Douglas–Peucker simplification,
// clipping to a rectangle, area, containment and simplicity checks.
//
// It stands alone (no network, no database, standard library only) so that the
// runtime packages and their offline generators share one definition of the
// format.
//
// # Format
//
// A VGD file is a gzip stream whose content is:
//
//	magic   "VGD1"
//	scale   uvarint   integer units per degree (e.g. 100000 for 1e-5°)
//	layers  uvarint   count, then for each layer:
//	  name      string
//	  features  uvarint count, then for each feature:
//	    props     uvarint count of (key string, value string) pairs
//	    polygons  uvarint count; each polygon: uvarint ring count; each ring:
//	              uvarint point count n ≥ 3 then n points (the closing point
//	              is implied, not stored)
//	    lines     uvarint count; each line: uvarint point count n ≥ 2 then
//	              n points
//
// where a string is a uvarint length followed by UTF-8 bytes, and a point is a
// pair of zigzag varints (x = longitude, y = latitude), each the difference
// from the previous point of the same feature in integer units (the first
// point of a feature is relative to 0,0). Quantising before taking
// differences keeps decoding exact: no error accumulates along a ring.
package geodata

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"unicode/utf8"
)

// Point is a planar position: X then Y. For geographic data X is the
// longitude and Y the latitude in degrees (GeoJSON order, the reverse of CAP).
type Point [2]float64

// Ring is a closed sequence of points: the first point equals the last.
type Ring []Point

// Polygon is an outer ring followed by zero or more holes.
type Polygon []Ring

// Line is an open sequence of at least two points.
type Line []Point

// Prop is one key/value property of a feature. Properties are a slice rather
// than a map so that encoding is deterministic and order is preserved.
type Prop struct{ Key, Value string }

// Feature is one named thing: an area, a coastline, a border.
type Feature struct {
	Props    []Prop
	Polygons []Polygon
	Lines    []Line
}

// Get returns the value of property key, or "" when absent.
func (f *Feature) Get(key string) string {
	for _, p := range f.Props {
		if p.Key == key {
			return p.Value
		}
	}
	return ""
}

// Layer is a named list of features.
type Layer struct {
	Name     string
	Features []Feature
}

// File is the content of a VGD file.
type File struct {
	// Scale is the number of integer units per degree coordinates are
	// rounded to; 100000 keeps 1e-5° (about a metre).
	Scale  uint64
	Layers []Layer
}

// Layer returns the layer named name, or nil.
func (f *File) Layer(name string) *Layer {
	for i := range f.Layers {
		if f.Layers[i].Name == name {
			return &f.Layers[i]
		}
	}
	return nil
}

const magic = "VGD1"

// maxScale bounds the scale so that any valid coordinate times the scale fits
// comfortably in an int64 and float64 arithmetic stays exact.
const maxScale = 1e9

// Limits on decoded sizes. The embedded files are far below them; they only
// stop a corrupt or hostile input from asking for absurd allocations.
const maxStringLen = 1 << 16

var maxDecodedBytes = 64 << 20 // a variable so that a test can lower it

// ErrFormat is wrapped by every decoding error about the content.
var ErrFormat = errors.New("geodata: malformed VGD data")

// Encode writes f as a gzip-compressed VGD stream. Rings must be closed and
// hold at least three distinct positions; lines need two points; every
// coordinate must be a finite longitude/latitude.
func Encode(w io.Writer, f *File) error {
	raw, err := MarshalRaw(f)
	if err != nil {
		return err
	}
	// A fixed header (no name, zero time) keeps the output byte-for-byte
	// reproducible, so regenerating the embedded data is verifiable.
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(raw); err != nil {
		return err
	}
	return zw.Close()
}

// MarshalRaw returns the uncompressed VGD encoding of f.
func MarshalRaw(f *File) ([]byte, error) {
	if f.Scale == 0 || f.Scale > maxScale {
		return nil, fmt.Errorf("geodata: scale %d out of range 1..%d", f.Scale, int64(maxScale))
	}
	e := encoder{scale: float64(f.Scale)}
	e.buf = append(e.buf, magic...)
	e.uvarint(f.Scale)
	e.uvarint(uint64(len(f.Layers)))
	for _, l := range f.Layers {
		if err := e.string(l.Name); err != nil {
			return nil, err
		}
		e.uvarint(uint64(len(l.Features)))
		for i := range l.Features {
			if err := e.feature(&l.Features[i]); err != nil {
				return nil, fmt.Errorf("geodata: layer %q feature %d: %w", l.Name, i, err)
			}
		}
	}
	return e.buf, nil
}

type encoder struct {
	buf    []byte
	scale  float64
	px, py int64
}

func (e *encoder) uvarint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }

func (e *encoder) string(s string) error {
	if len(s) > maxStringLen || !utf8.ValidString(s) {
		return fmt.Errorf("geodata: string too long or not UTF-8")
	}
	e.uvarint(uint64(len(s)))
	e.buf = append(e.buf, s...)
	return nil
}

func (e *encoder) feature(f *Feature) error {
	e.px, e.py = 0, 0
	e.uvarint(uint64(len(f.Props)))
	for _, p := range f.Props {
		if err := e.string(p.Key); err != nil {
			return err
		}
		if err := e.string(p.Value); err != nil {
			return err
		}
	}
	e.uvarint(uint64(len(f.Polygons)))
	for _, poly := range f.Polygons {
		if len(poly) == 0 {
			return errors.New("polygon without rings")
		}
		e.uvarint(uint64(len(poly)))
		for _, r := range poly {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				return errors.New("ring not closed or shorter than 4 points")
			}
			if err := e.points(r[:len(r)-1]); err != nil {
				return err
			}
		}
	}
	e.uvarint(uint64(len(f.Lines)))
	for _, l := range f.Lines {
		if len(l) < 2 {
			return errors.New("line shorter than 2 points")
		}
		if err := e.points(l); err != nil {
			return err
		}
	}
	return nil
}

func (e *encoder) points(ps []Point) error {
	e.uvarint(uint64(len(ps)))
	for _, p := range ps {
		if !validLonLat(p) {
			return fmt.Errorf("coordinate %v out of range", p)
		}
		x := int64(math.Round(p[0] * e.scale))
		y := int64(math.Round(p[1] * e.scale))
		e.buf = binary.AppendVarint(e.buf, x-e.px)
		e.buf = binary.AppendVarint(e.buf, y-e.py)
		e.px, e.py = x, y
	}
	return nil
}

func validLonLat(p Point) bool {
	return p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90
}

// Decode reads a gzip-compressed VGD stream.
func Decode(r io.Reader) (*File, error) {
	zr, err := gzip.NewReader(bufio.NewReader(r))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, int64(maxDecodedBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if len(raw) > maxDecodedBytes {
		return nil, fmt.Errorf("%w: more than %d bytes uncompressed", ErrFormat, maxDecodedBytes)
	}
	return UnmarshalRaw(raw)
}

// DecodeBytes is Decode for data already in memory (an embedded file).
func DecodeBytes(b []byte) (*File, error) { return Decode(bytes.NewReader(b)) }

// UnmarshalRaw parses uncompressed VGD data. Rings come back closed (the
// first point repeated at the end).
func UnmarshalRaw(b []byte) (*File, error) {
	d := decoder{buf: b}
	f, err := d.file()
	if err != nil {
		return nil, fmt.Errorf("%w at byte %d: %v", ErrFormat, d.off, err)
	}
	return f, nil
}

type decoder struct {
	buf    []byte
	off    int
	scale  float64
	px, py int64
}

func (d *decoder) remaining() int { return len(d.buf) - d.off }

func (d *decoder) uvarint() (uint64, error) {
	v, n := binary.Uvarint(d.buf[d.off:])
	if n <= 0 {
		return 0, errors.New("bad uvarint")
	}
	d.off += n
	return v, nil
}

func (d *decoder) varint() (int64, error) {
	v, n := binary.Varint(d.buf[d.off:])
	if n <= 0 {
		return 0, errors.New("bad varint")
	}
	d.off += n
	return v, nil
}

// count reads a count of items each taking at least minBytes, refusing counts
// that the remaining input cannot possibly hold.
func (d *decoder) count(minBytes int) (int, error) {
	v, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	if v > uint64(d.remaining()/minBytes) {
		return 0, fmt.Errorf("count %d exceeds remaining input", v)
	}
	return int(v), nil
}

func (d *decoder) string() (string, error) {
	n, err := d.count(1)
	if err != nil {
		return "", err
	}
	if n > maxStringLen {
		return "", errors.New("string too long")
	}
	s := string(d.buf[d.off : d.off+n])
	d.off += n
	if !utf8.ValidString(s) {
		return "", errors.New("string not UTF-8")
	}
	return s, nil
}

func (d *decoder) file() (*File, error) {
	if !bytes.HasPrefix(d.buf, []byte(magic)) {
		return nil, errors.New("missing VGD1 magic")
	}
	d.off = len(magic)
	scale, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if scale == 0 || scale > maxScale {
		return nil, fmt.Errorf("scale %d out of range", scale)
	}
	d.scale = float64(scale)
	f := &File{Scale: scale}
	nl, err := d.count(2)
	if err != nil {
		return nil, err
	}
	f.Layers = make([]Layer, nl)
	for i := range f.Layers {
		l := &f.Layers[i]
		if l.Name, err = d.string(); err != nil {
			return nil, err
		}
		nf, err := d.count(3)
		if err != nil {
			return nil, err
		}
		l.Features = make([]Feature, nf)
		for j := range l.Features {
			if err := d.feature(&l.Features[j]); err != nil {
				return nil, fmt.Errorf("layer %q feature %d: %v", l.Name, j, err)
			}
		}
	}
	if d.remaining() != 0 {
		return nil, errors.New("trailing bytes")
	}
	return f, nil
}

func (d *decoder) feature(f *Feature) error {
	d.px, d.py = 0, 0
	np, err := d.count(2)
	if err != nil {
		return err
	}
	if np > 0 {
		f.Props = make([]Prop, np)
	}
	for i := range f.Props {
		if f.Props[i].Key, err = d.string(); err != nil {
			return err
		}
		if f.Props[i].Value, err = d.string(); err != nil {
			return err
		}
	}
	npoly, err := d.count(1)
	if err != nil {
		return err
	}
	if npoly > 0 {
		f.Polygons = make([]Polygon, npoly)
	}
	for i := range f.Polygons {
		nr, err := d.count(1)
		if err != nil {
			return err
		}
		if nr == 0 {
			return errors.New("polygon without rings")
		}
		poly := make(Polygon, nr)
		for j := range poly {
			pts, err := d.points(3, 1)
			if err != nil {
				return err
			}
			poly[j] = append(Ring(pts), pts[0])
		}
		f.Polygons[i] = poly
	}
	nl, err := d.count(1)
	if err != nil {
		return err
	}
	if nl > 0 {
		f.Lines = make([]Line, nl)
	}
	for i := range f.Lines {
		pts, err := d.points(2, 0)
		if err != nil {
			return err
		}
		f.Lines[i] = Line(pts)
	}
	return nil
}

// points reads a point list of at least min points, with room for extra more
// (the closing point of a ring) so that appending it does not reallocate.
func (d *decoder) points(min, extra int) ([]Point, error) {
	n, err := d.count(2)
	if err != nil {
		return nil, err
	}
	if n < min {
		return nil, fmt.Errorf("%d points, need at least %d", n, min)
	}
	ps := make([]Point, n, n+extra)
	for i := range ps {
		dx, err := d.varint()
		if err != nil {
			return nil, err
		}
		dy, err := d.varint()
		if err != nil {
			return nil, err
		}
		// Bounds keep the sums from overflowing; anything this large is
		// out of range anyway and rejected just below.
		if dx > 1<<50 || dx < -(1<<50) || dy > 1<<50 || dy < -(1<<50) {
			return nil, errors.New("coordinate delta out of range")
		}
		d.px += dx
		d.py += dy
		p := Point{float64(d.px) / d.scale, float64(d.py) / d.scale}
		if !validLonLat(p) {
			return nil, fmt.Errorf("coordinate %v out of range", p)
		}
		ps[i] = p
	}
	return ps, nil
}
