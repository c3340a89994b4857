// Package tiles serves the map tiles behind Vigie's Leaflet map at
// /tiles/{z}/{x}/{y}.png (XYZ scheme, Web Mercator, 256-pixel tiles) without
// ever reaching the internet: a crisis cell may be offline, and must not tell
// a third-party tile server where it is looking.
//
// Tiles come from one of two sources:
//
//   - an operator's MBTiles file (OpenMBTiles), e.g. a raster OpenStreetMap
//     extract of the country, for street-level detail in production;
//   - otherwise the built-in basemap (NewBasemap), rendered on the fly from
//     small embedded Natural Earth data: land and sea, coastlines, country
//     borders, French regions and departments and, when zoomed in, their
//     names. It is meant for drawing and checking alert areas, not for
//     navigation.
//
// Handler serves either source with a bounded LRU cache, strong ETags and
// Cache-Control, and answers 400 with a problem document for malformed or
// out-of-range coordinates. AreasHandler serves the gazetteer's departments
// and regions as GeoJSON for the same map.
//
// The map must show the attribution of what it displays: Attribution for the
// built-in basemap, MBTiles.Attribution for an operator's file.
package tiles

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/vigie-project/vigie/gazetteer"
)

// Attribution credits the data of the built-in basemap; Leaflet's
// attribution control must show it (Natural Earth asks for none, but saying
// where a map comes from is what lets a reader judge it).
const Attribution = "Fond de carte Vigie · Natural Earth (domaine public) · " +
	"Départements et régions : INSEE/Etalab (Licence Ouverte 2.0)"

// AbsoluteMaxZoom is the deepest zoom any source may be asked for; deeper
// would overflow the tile arithmetic of the renderer and means nothing on
// Earth (zoom 22 is a few centimetres per pixel).
const AbsoluteMaxZoom = 22

// Coord identifies a tile in the XYZ scheme: y grows southwards.
type Coord struct{ Z, X, Y int }

// String returns "z/x/y".
func (c Coord) String() string { return fmt.Sprintf("%d/%d/%d", c.Z, c.X, c.Y) }

// Valid reports whether c exists on the map: 0 ≤ z ≤ AbsoluteMaxZoom and
// 0 ≤ x, y < 2^z.
func (c Coord) Valid() bool {
	if c.Z < 0 || c.Z > AbsoluteMaxZoom {
		return false
	}
	n := 1 << c.Z
	return c.X >= 0 && c.X < n && c.Y >= 0 && c.Y < n
}

// Tile is an encoded tile image.
type Tile struct {
	Data        []byte
	ContentType string // image/png, image/jpeg or image/webp
}

// Source yields tiles. It returns an error wrapping ErrNotFound when it has
// no tile at a valid coordinate.
type Source interface {
	Tile(ctx context.Context, c Coord) (Tile, error)
	// Attribution is the credit line the map must display.
	Attribution() string
}

// ErrNotFound means the source has no tile there.
var ErrNotFound = errors.New("tiles: no such tile")

// ParseError describes a malformed tile path.
type ParseError struct {
	Path   string
	Reason string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("bad tile path %q: %s; want /{z}/{x}/{y}.png", e.Path, e.Reason)
}

// ParsePath parses "/{z}/{x}/{y}.{ext}" (the leading slash is optional) and
// returns the coordinate and the extension without its dot. Numbers are plain
// decimal: no sign, at most 7 digits. It checks the shape only; use
// Coord.Valid and the handler's zoom bounds for ranges.
func ParsePath(path string) (Coord, string, error) {
	p := strings.TrimPrefix(path, "/")
	parts := strings.Split(p, "/")
	if len(parts) != 3 {
		return Coord{}, "", &ParseError{path, "need three path segments"}
	}
	last, ext, ok := strings.Cut(parts[2], ".")
	if !ok || ext == "" {
		return Coord{}, "", &ParseError{path, "missing file extension"}
	}
	var nums [3]int
	for i, s := range []string{parts[0], parts[1], last} {
		if s == "" || len(s) > 7 {
			return Coord{}, "", &ParseError{path, "each of z, x, y must be 1 to 7 digits"}
		}
		for _, r := range s {
			if r < '0' || r > '9' {
				return Coord{}, "", &ParseError{path, "z, x and y must be non-negative decimal integers"}
			}
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return Coord{}, "", &ParseError{path, err.Error()}
		}
		nums[i] = n
	}
	return Coord{nums[0], nums[1], nums[2]}, ext, nil
}

// Attributions joins the credit lines a map built on src must show,
// including the administrative outlines of the gazetteer drawn over it.
func Attributions(src Source) string {
	a := src.Attribution()
	if a == Attribution || strings.Contains(a, gazetteer.Attribution) {
		return a
	}
	if a == "" {
		return gazetteer.Attribution
	}
	return a + " · " + gazetteer.Attribution
}
