package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/testenv"
)

func cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, err := cli(t, args...)
	if err != nil {
		t.Fatalf("vigie %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func TestCommandLine(t *testing.T) {
	dsn := testenv.DSN(t)
	mustCLI(t, "admin", "org", "create", "--db", dsn, "--name", "Unit", "--kind", "authority", "--country", "fr")
	mustCLI(t, "admin", "org", "create", "--db", dsn, "--name", "Host", "--kind", "platform")
	if out, err := cli(t, "admin", "org", "create", "--db", dsn, "--name", "Bad", "--kind", "government"); err == nil || !strings.Contains(out+err.Error(), "kind") {
		t.Fatalf("bad kind accepted: %s %v", out, err)
	}
	if out := mustCLI(t, "admin", "org", "list", "--db", dsn); !strings.Contains(out, "Unit") || !strings.Contains(out, "FR") {
		t.Fatalf("org list: %s", out)
	}
	out := mustCLI(t, "admin", "user", "create", "--db", dsn, "--org", "Unit", "--email", "duty@unit.example")
	if !strings.Contains(out, "password (shown once)") {
		t.Fatalf("user create: %s", out)
	}
	key := lastLine(mustCLI(t, "admin", "key", "create", "--db", dsn, "--org", "Host", "--name", "ci"))
	id, _, _ := strings.Cut(key, ".")
	if out := mustCLI(t, "admin", "key", "list", "--db", dsn, "--org", "Host"); !strings.Contains(out, id) {
		t.Fatalf("key list: %s", out)
	}
	if _, err := cli(t, "admin", "key", "create", "--db", dsn, "--org", "Host", "--expires", "2001-01-01"); err == nil {
		t.Fatal("a key expiring in the past was issued")
	}
	if out := mustCLI(t, "admin", "key", "create", "--db", dsn, "--org", "Host", "--expires", "2099-01-01"); !strings.Contains(out, "API key") {
		t.Fatalf("key with expiry: %s", out)
	}
	mustCLI(t, "admin", "key", "revoke", "--db", dsn, "--org", "Host", "--id", id)
	if _, err := cli(t, "admin", "key", "revoke", "--db", dsn, "--org", "Unit", "--id", id); err == nil {
		t.Fatal("an organisation revoked another's key")
	}

	if out := mustCLI(t, "report", "transparency", "--db", dsn, "--from", "2026-01-01", "--to", "2027-01-01"); !strings.Contains(out, "WITHIN DEADLINE") {
		t.Fatalf("report: %s", out)
	}
	var rep struct{ Stats []any }
	if err := json.Unmarshal([]byte(mustCLI(t, "report", "transparency", "--db", dsn, "--format", "json")), &rep); err != nil {
		t.Fatal(err)
	}
	var sts struct{ Statements []any }
	if err := json.Unmarshal([]byte(mustCLI(t, "report", "transparency", "--db", dsn, "--dsa", "--platform", "Host")), &sts); err != nil {
		t.Fatal(err)
	}
	if _, err := cli(t, "report", "transparency", "--db", dsn, "--from", "yesterday"); err == nil {
		t.Fatal("a bad date was accepted")
	}

	if out := mustCLI(t, "audit", "verify", "--db", dsn); !strings.HasPrefix(out, "ok:") {
		t.Fatalf("verify: %s", out)
	}
	db, err := sql.Open(map[bool]string{true: "pgx", false: "sqlite"}[strings.HasPrefix(dsn, "postgres")], dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO audit_log (seq, at, org_id, actor, action, subject, data, data_hash, prev_hash, hash)
		VALUES (1, 0, 'o', 'intruder', 'referral.created', 'referral/x', '{}', 'x', 'x', 'x')`); err != nil {
		t.Fatal(err)
	}
	out, err = cli(t, "audit", "verify", "--db", dsn)
	if err == nil || !strings.Contains(out, "BROKEN") || !strings.Contains(out, "entry 1") {
		t.Fatalf("verify after forging an entry: %q %v", out, err)
	}
}
