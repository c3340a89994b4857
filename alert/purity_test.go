package alert_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestNoTransportOrStorage keeps the domain free of HTTP and SQL: they
// belong to the adapters (httpapi, sqlstore).
func TestNoTransportOrStorage(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/vigie-project/vigie/alert").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, f := range []string{"net/http", "database/sql"} {
		if slices.Contains(deps, f) {
			t.Errorf("package alert depends on %s", f)
		}
	}
}
