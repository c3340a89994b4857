// Package testenv gives tests the infrastructure they need, the same way on
// every machine: a fresh database on SQLite or, when VIGIE_TEST_POSTGRES
// names a server, on PostgreSQL (a schema of its own per test), and the
// Chromium binary for browser tests. With VIGIE_TEST_STRICT=1 (set by
// scripts/test) a missing piece fails the test instead of skipping it.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vigie-project/vigie/sqlstore"
)

// Strict reports whether missing infrastructure must fail tests.
func Strict() bool { return os.Getenv("VIGIE_TEST_STRICT") == "1" }

// Skip skips t with why, or fails it in strict mode.
func Skip(t testing.TB, why string) {
	t.Helper()
	if Strict() {
		t.Fatalf("VIGIE_TEST_STRICT=1 but %s", why)
	}
	t.Skip(why)
}

// NewID makes unique ids (UUIDv7, time-ordered).
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// DSN returns a data source for a fresh, empty database: a SQLite file in
// the test's temporary folder, or a new PostgreSQL schema dropped at the
// end of the test.
func DSN(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("VIGIE_TEST_POSTGRES")
	if admin == "" {
		return filepath.Join(t.TempDir(), "vigie.db")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("testenv: open PostgreSQL: %v", err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("testenv: create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err == nil {
			_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("testenv: VIGIE_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// DB opens a fresh, migrated store. now is the clock (time.Now if nil).
func DB(t testing.TB, now func() time.Time) *sqlstore.DB {
	t.Helper()
	if now == nil {
		now = time.Now
	}
	db, err := sqlstore.Open(context.Background(), DSN(t), now, NewID)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Engine names the database the tests run on, for test names and logs.
func Engine() string {
	if os.Getenv("VIGIE_TEST_POSTGRES") != "" {
		return "postgres"
	}
	return "sqlite"
}

// Chromium returns the path of a Chromium binary, or skips the test.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("VIGIE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Skip(t, "no Chromium found (set VIGIE_CHROMIUM or install Debian's chromium package)")
	return ""
}

// FixturesDir returns ../shared/fixtures/<sub> relative to the repository
// root, or skips the test with a message naming the missing folder.
func FixturesDir(t testing.TB, sub string) string {
	t.Helper()
	p := filepath.Join(RepoRoot(t), "..", "shared", "fixtures", sub)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("conformance fixtures absent: %s not found (clone the shared folder beside the repository)", p)
	}
	return p
}

// RepoRoot returns the folder of go.mod above the test's working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: repository root not found")
		}
		dir = parent
	}
	return dir
}
