package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/org"
)

// demoOrgs are the organisations of `serve --demo`.
var demoOrgs = []struct {
	name, login string
	kind        org.Kind
}{
	{"Pharos (demo)", "pharos", org.KindAuthority},
	{"Agora Social (demo)", "agora", org.KindPlatform},
	{"Kiosque Video (demo)", "kiosque", org.KindPlatform},
	{"Parlons Forum (demo)", "parlons", org.KindPlatform},
	{"Nuage Hosting (demo)", "nuage", org.KindPlatform},
	{"Cherche Search (demo)", "cherche", org.KindPlatform},
	{"Voix Solidaires (demo)", "voix", org.KindNGO},
}

// demoPassword is the demo users' password. The demo listens on loopback
// by default and is for trying Vigie out, never for real work.
const demoPassword = "vigie-demo-password"

// seedDemo creates the demo organisations and users if missing, issues a
// fresh API key for each, and prints them.
func seedDemo(ctx context.Context, a *app, w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ORGANISATION\tKIND\tAPI KEY\tWEB LOGIN")
	for _, d := range demoOrgs {
		o, err := a.orgs.OrgByName(ctx, d.name)
		if vigie.ErrorCode(err) == vigie.ENotFound {
			if o, err = a.orgs.CreateOrg(ctx, d.name, d.kind, "FR"); err != nil {
				return err
			}
			email := d.login + "@demo.vigie.invalid"
			if _, err := a.orgs.CreateUser(ctx, o.ID, email, strings.TrimSuffix(d.name, " (demo)")+" operator", demoPassword); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		_, secret, err := a.orgs.CreateKey(ctx, o.ID, "demo", nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s@demo.vigie.invalid\n", d.name, d.kind, secret, d.login)
	}
	fmt.Fprintf(tw, "\nEvery web login's password is %q.\n", demoPassword)
	return tw.Flush()
}
