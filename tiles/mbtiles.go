package tiles

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver: no cgo
)

// MBTiles is a Source reading raster tiles from an MBTiles 1.x file (an
// SQLite database with tables metadata(name, value) and tiles(zoom_level,
// tile_column, tile_row, tile_data), rows in the TMS scheme: row 0 at the
// south). It opens the file read-only; Vigie never writes to it.
type MBTiles struct {
	db     *sql.DB
	stmt   *sql.Stmt
	meta   map[string]string
	format string // png, jpg or webp, from metadata; tiles are sniffed anyway
}

// OpenMBTiles opens the MBTiles file at path read-only and checks that it
// holds raster tiles (PNG, JPEG or WebP). Vector tiles (format pbf) are
// refused: they need a style and a client-side renderer that Vigie's map
// does not have.
func OpenMBTiles(path string) (*MBTiles, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	// SQLite would create a missing file; say clearly that it is missing.
	if st, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("tiles: MBTiles file: %w", err)
	} else if st.IsDir() {
		return nil, fmt.Errorf("tiles: MBTiles file %s is a directory", abs)
	}
	db, err := sql.Open("sqlite", sqliteURI(abs))
	if err != nil {
		return nil, fmt.Errorf("tiles: open %s: %w", abs, err)
	}
	m, err := initMBTiles(db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("tiles: %s: %w", abs, err)
	}
	return m, nil
}

// sqliteURI builds a read-only SQLite URI filename. query_only also stops
// any write through this connection should the file mode allow one.
func sqliteURI(abs string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return "file:" + r.Replace(filepath.ToSlash(abs)) + "?mode=ro&_pragma=query_only(1)"
}

func initMBTiles(db *sql.DB) (*MBTiles, error) {
	m := &MBTiles{db: db, meta: map[string]string{}}
	rows, err := db.Query("SELECT name, value FROM metadata")
	if err != nil {
		return nil, fmt.Errorf("not an MBTiles file (reading metadata): %w", err)
	}
	for rows.Next() {
		var k, v sql.NullString
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return nil, err
		}
		m.meta[k.String] = v.String
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	switch f := strings.ToLower(m.meta["format"]); f {
	case "png", "webp", "":
		m.format = f
	case "jpg", "jpeg":
		m.format = "jpg"
	case "pbf", "mvt":
		return nil, errors.New("holds vector tiles (format pbf): use a raster MBTiles file (png, jpg or webp)")
	default:
		return nil, fmt.Errorf("unsupported tile format %q", f)
	}
	m.stmt, err = db.Prepare("SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?")
	if err != nil {
		return nil, fmt.Errorf("not an MBTiles file (tiles table): %w", err)
	}
	return m, nil
}

// Tile returns the tile at c (XYZ), read from row 2^z − 1 − y (TMS).
func (m *MBTiles) Tile(ctx context.Context, c Coord) (Tile, error) {
	if !c.Valid() {
		return Tile{}, fmt.Errorf("tiles: invalid coordinate %s", c)
	}
	row := (1 << c.Z) - 1 - c.Y
	var data []byte
	err := m.stmt.QueryRowContext(ctx, c.Z, c.X, row).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && len(data) == 0) {
		return Tile{}, fmt.Errorf("%w: %s", ErrNotFound, c)
	}
	if err != nil {
		return Tile{}, fmt.Errorf("tiles: MBTiles read %s: %w", c, err)
	}
	ct := sniff(data)
	if ct == "" {
		ct = map[string]string{"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}[m.format]
	}
	if ct == "" {
		return Tile{}, fmt.Errorf("tiles: MBTiles tile %s is not a PNG, JPEG or WebP image", c)
	}
	return Tile{Data: data, ContentType: ct}, nil
}

// sniff recognises the three raster formats MBTiles allows by their magic
// numbers; files in the wild sometimes say jpg in metadata and hold PNGs.
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	}
	return ""
}

// Attribution returns the file's metadata attribution (HTML in the MBTiles
// specification; for OpenStreetMap extracts it must credit the contributors).
func (m *MBTiles) Attribution() string { return m.meta["attribution"] }

// Metadata returns the file's metadata table (name, format, bounds, minzoom,
// maxzoom, attribution…).
func (m *MBTiles) Metadata() map[string]string {
	out := make(map[string]string, len(m.meta))
	for k, v := range m.meta {
		out[k] = v
	}
	return out
}

// Close closes the database.
func (m *MBTiles) Close() error {
	m.stmt.Close()
	return m.db.Close()
}
