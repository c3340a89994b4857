package vigie_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

type goPackage struct {
	ImportPath string
	Doc        string
	Deps       []string
}

func listPackages(t *testing.T) []goPackage {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps=false", "-json=ImportPath,Doc,Deps", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []goPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestDomainPackagesStayPure keeps the domain free of transport and storage:
// rules live in the domain, HTTP and SQL in adapters named after them.
func TestDomainPackagesStayPure(t *testing.T) {
	const module = "github.com/vigie-project/vigie"
	domain := []string{module, module + "/org", module + "/audit", module + "/referral", module + "/jobs", module + "/media", module + "/alert"}
	forbidden := []string{"net/http", "database/sql"}
	for _, p := range listPackages(t) {
		if !slices.Contains(domain, p.ImportPath) {
			continue
		}
		for _, f := range forbidden {
			if slices.Contains(p.Deps, f) {
				t.Errorf("%s depends on %s (directly or through an import): move that code to an adapter", p.ImportPath, f)
			}
		}
	}
}

// TestEveryPackageIsDocumented asks for a package comment everywhere.
func TestEveryPackageIsDocumented(t *testing.T) {
	for _, p := range listPackages(t) {
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("%s has no package doc comment", p.ImportPath)
		}
	}
}
