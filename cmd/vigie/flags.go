package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// newFlagSet returns a flag set whose errors go to stderr.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("vigie "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// env returns VIGIE_<NAME> or def: flags override the environment, which
// overrides the defaults.
func env(name, def string) string {
	if v, ok := os.LookupEnv("VIGIE_" + name); ok {
		return v
	}
	return def
}

func envBool(name string, def bool) bool {
	if v, err := strconv.ParseBool(env(name, strconv.FormatBool(def))); err == nil {
		return v
	}
	return def
}

func envFloat(name string, def float64) float64 {
	if v, err := strconv.ParseFloat(env(name, ""), 64); err == nil {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(env(name, "")); err == nil {
		return v
	}
	return def
}

// dbFlags are the storage flags every command shares.
type dbFlags struct {
	data string
	db   string
}

func (d *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.data, "data", env("DATA", "vigie-data"), "folder for the SQLite database and other state (env VIGIE_DATA)")
	fs.StringVar(&d.db, "db", env("DB", ""), "database: a postgres:// URL, or a SQLite file path; default DATA/vigie.db (env VIGIE_DB)")
}

// dsn is the database to open.
func (d *dbFlags) dsn() string {
	if d.db != "" {
		return d.db
	}
	return filepath.Join(d.data, "vigie.db")
}

// describe names the database without its password.
func (d *dbFlags) describe() string {
	s := d.dsn()
	if i := strings.Index(s, "@"); i > 0 && strings.Contains(s, "://") {
		return s[:strings.Index(s, "://")+3] + "…" + s[i:]
	}
	return s
}

// parseTime reads a date or an RFC 3339 time.
func parseTime(field, v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--%s: %q is neither a date (2026-01-31) nor an RFC 3339 time", field, v)
}
