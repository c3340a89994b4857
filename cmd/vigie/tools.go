package main

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"

	"github.com/vigie-project/vigie/cap"
	"github.com/vigie-project/vigie/pdq"
)

const capUsage = `Usage:
  vigie cap validate FILE...   check CAP alerts; one line per problem: file:line: element: rule: message
  vigie cap geojson FILE       print the alert's areas as GeoJSON
`

// runCap validates CAP alerts or converts their areas to GeoJSON. It exits
// non-zero when any file is invalid, after checking all of them.
func runCap(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 || (args[0] != "validate" && args[0] != "geojson") {
		fmt.Fprint(stderr, capUsage)
		return errSilent
	}
	read := func(name string) (*cap.Alert, error) {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return cap.Parse(f, cap.Limits{})
	}
	if args[0] == "geojson" {
		if len(args) != 2 {
			fmt.Fprint(stderr, capUsage)
			return errSilent
		}
		a, err := read(args[1])
		if err != nil {
			return fmt.Errorf("%s: %w", args[1], err)
		}
		b, err := a.GeoJSON()
		if err != nil {
			return fmt.Errorf("%s: %w", args[1], err)
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	failed := false
	for _, name := range args[1:] {
		a, err := read(name)
		if err != nil {
			fmt.Fprintf(stdout, "%s: %v\n", name, err)
			failed = true
			continue
		}
		problems := cap.Validate(a)
		for _, p := range problems {
			fmt.Fprintf(stdout, "%s:%d: %s: %s: %s\n", name, p.Line, p.Path, p.Rule, p.Msg)
		}
		if len(problems) > 0 {
			failed = true
		} else {
			fmt.Fprintf(stdout, "%s: valid CAP %s\n", name, a.Version)
		}
	}
	if failed {
		return errSilent
	}
	return nil
}

const hashUsage = `Usage:
  vigie hash pdq [--dihedral] FILE...   print hash,quality,file (with --dihedral: 8 hashes, quality, file)
  vigie hash md5 FILE...                print hash,file
  vigie hash sha256 FILE...
  vigie hash import FILE --bank NAME --org ORG   import a hash list (see vigie hash import -h)
  vigie hash export --bank NAME --org ORG        export a bank
  vigie hash sync --from URL --key KEY --bank NAME --org ORG   follow another instance's bank
`

// runHash hashes files as the reference tools print them. A file that fails
// is reported on stderr; the others are still hashed, and the exit status
// is 1.
func runHash(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, hashUsage)
		return errSilent
	}
	switch args[0] {
	case "import":
		return runHashImport(ctx, args[1:], stdout, stderr)
	case "export":
		return runHashExport(ctx, args[1:], stdout, stderr)
	case "sync":
		return runHashSync(ctx, args[1:], stdout, stderr)
	}
	kind, files := args[0], args[1:]
	dihedral := false
	if kind == "pdq" && files[0] == "--dihedral" {
		dihedral, files = true, files[1:]
	}
	var one func(name string) (string, error)
	switch kind {
	case "pdq":
		h := pdq.Hasher{MinQuality: -1} // print every quality, as the reference does
		one = func(name string) (string, error) {
			res, err := h.HashFile(name)
			if err != nil {
				return "", err
			}
			if !dihedral {
				return fmt.Sprintf("%s,%d,%s", res.Hash, res.Quality, name), nil
			}
			var hs []string
			for _, d := range res.Dihedral() {
				hs = append(hs, d.String())
			}
			return fmt.Sprintf("%s,%d,%s", strings.Join(hs, ","), res.Quality, name), nil
		}
	case "md5", "sha256":
		newHash := map[string]func() hash.Hash{"md5": md5.New, "sha256": sha256.New}[kind]
		one = func(name string) (string, error) {
			f, err := os.Open(name)
			if err != nil {
				return "", err
			}
			defer f.Close()
			h := newHash()
			if _, err := io.Copy(h, f); err != nil {
				return "", err
			}
			return hex.EncodeToString(h.Sum(nil)) + "," + name, nil
		}
	default:
		fmt.Fprint(stderr, hashUsage)
		return errSilent
	}
	failed := false
	for _, name := range files {
		line, err := one(name)
		if err != nil {
			fmt.Fprintf(stderr, "vigie hash %s: %s: %v\n", kind, name, err)
			failed = true
			continue
		}
		fmt.Fprintln(stdout, line)
	}
	if failed {
		return errSilent
	}
	return nil
}
