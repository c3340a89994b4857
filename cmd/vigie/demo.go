package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/media"
	"github.com/vigie-project/vigie/org"
)

// demoOrgs are the organisations of `serve --demo`.
var demoOrgs = []struct {
	name, login string
	kind        org.Kind
}{
	{"Pharos (demo)", "pharos", org.KindAuthority},
	{"Cellule de crise (demo)", "crise", org.KindAuthority},
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
			if d.kind == org.KindAuthority {
				// A second person, for the two-person approval of alerts.
				if _, err := a.orgs.CreateUser(ctx, o.ID, d.login+"2@demo.vigie.invalid", strings.TrimSuffix(d.name, " (demo)")+" approver", demoPassword); err != nil {
					return err
				}
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
	fmt.Fprintf(tw, "\nEvery web login's password is %q. Authorities have a second login, NAME2@…, to approve alerts.\n", demoPassword)
	if err := seedDemoBank(ctx, a); err != nil {
		return err
	}
	fmt.Fprintf(tw, "Hash bank DEMO_ATTACK_MEDIA (owned by Agora Social) holds a few PDQ hashes; the subscription page is /subscribe.\n")
	return tw.Flush()
}

// seedDemoBank creates a hash bank with a few hashes, owned by the first
// demo platform, so that matching has something to find.
func seedDemoBank(ctx context.Context, a *app) error {
	o, err := a.orgs.OrgByName(ctx, "Agora Social (demo)")
	if err != nil {
		return err
	}
	p := org.Principal{OrgID: o.ID, OrgName: o.Name, Kind: o.Kind, KeyID: "demo"}
	if _, err := a.media.Bank(ctx, p, "DEMO_ATTACK_MEDIA"); err == nil {
		return nil
	}
	if _, err := a.media.CreateBank(ctx, p, media.BankDraft{Name: "DEMO_ATTACK_MEDIA", Description: "Demo: hashes of imaginary attack footage",
		Labels: media.Labels{Entity: "Demo group", ContentType: "attack footage"}}); err != nil {
		return err
	}
	q := 90
	var drafts []media.SignalDraft
	for _, h := range []string{
		"d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22",
		"30a10efdf1c83f429013d48d0ffffc52e34e0e35ada952a9d29605215aa9e5af",
	} {
		drafts = append(drafts, media.SignalDraft{Type: media.PDQ, Value: h, Quality: &q})
	}
	_, err = a.media.Contribute(ctx, p, "DEMO_ATTACK_MEDIA", drafts, "demo")
	return err
}
