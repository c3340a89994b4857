package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/sqlstore"
)

const adminUsage = `Usage:
  vigie admin org create --name NAME --kind authority|platform|ngo [--country FR]
  vigie admin org list
  vigie admin user create --org ORG --email EMAIL [--name NAME] [--password PASSWORD]
  vigie admin key create --org ORG [--name NAME] [--expires DATE]
  vigie admin key list --org ORG
  vigie admin key revoke --org ORG --id KEY_ID
ORG is an organisation's name or id. Every command takes --data or --db.
`

func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, adminUsage)
		return errSilent
	}
	var db dbFlags
	fs := newFlagSet("admin "+args[0]+" "+args[1], stderr)
	db.register(fs)
	name := fs.String("name", "", "name")
	kind := fs.String("kind", "", "authority, platform or ngo")
	country := fs.String("country", "", "ISO 3166-1 alpha-2 country")
	orgRef := fs.String("org", "", "organisation name or id")
	email := fs.String("email", "", "e-mail address")
	password := fs.String("password", "", "password (default: a generated one, printed once)")
	keyID := fs.String("id", "", "API key id")
	expiresS := fs.String("expires", "", "when the key stops working (2027-01-31 or RFC 3339); default never")
	if err := fs.Parse(args[2:]); err != nil {
		return errSilent
	}
	store, err := sqlstore.Open(ctx, db.dsn(), time.Now, newID)
	if err != nil {
		return err
	}
	defer store.Close()
	svc := org.NewService(store, time.Now, newID)
	findOrg := func() (*org.Org, error) {
		if *orgRef == "" {
			return nil, fmt.Errorf("--org is required")
		}
		o, err := svc.OrgByName(ctx, *orgRef)
		if vigie.ErrorCode(err) == vigie.ENotFound {
			o, err = svc.Org(ctx, *orgRef)
		}
		if vigie.ErrorCode(err) == vigie.ENotFound {
			return nil, fmt.Errorf("no organisation named or numbered %q", *orgRef)
		}
		return o, err
	}
	switch args[0] + " " + args[1] {
	case "org create":
		o, err := svc.CreateOrg(ctx, *name, org.Kind(*kind), *country)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created %s %q: %s\n", o.Kind, o.Name, o.ID)
	case "org list":
		os, err := svc.Orgs(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKIND\tCOUNTRY\tNAME")
		for _, o := range os {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.ID, o.Kind, o.Country, o.Name)
		}
		return tw.Flush()
	case "user create":
		o, err := findOrg()
		if err != nil {
			return err
		}
		pw, generated := *password, false
		if pw == "" {
			b := make([]byte, 15)
			_, _ = rand.Read(b)
			pw, generated = base64.RawURLEncoding.EncodeToString(b), true
		}
		u, err := svc.CreateUser(ctx, o.ID, *email, *name, pw)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created user %s in %q\n", u.Email, o.Name)
		if generated {
			fmt.Fprintf(stdout, "password (shown once): %s\n", pw)
		}
	case "key create":
		o, err := findOrg()
		if err != nil {
			return err
		}
		var expires *time.Time
		if *expiresS != "" {
			t, err := parseTime("expires", *expiresS)
			if err != nil {
				return err
			}
			expires = &t
		}
		k, secret, err := svc.CreateKey(ctx, o.ID, *name, expires)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "API key %s for %q (shown once; send it as Authorization: Bearer KEY):\n%s\n", k.ID, o.Name, secret)
	case "key list":
		o, err := findOrg()
		if err != nil {
			return err
		}
		ks, err := svc.Keys(ctx, o.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tCREATED\tEXPIRES\tREVOKED")
		when := func(t *time.Time) string {
			if t == nil {
				return "-"
			}
			return t.Format(time.RFC3339)
		}
		for _, k := range ks {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.CreatedAt.Format(time.RFC3339), when(k.ExpiresAt), when(k.RevokedAt))
		}
		return tw.Flush()
	case "key revoke":
		o, err := findOrg()
		if err != nil {
			return err
		}
		if err := svc.RevokeKey(ctx, o.ID, *keyID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked key %s\n", *keyID)
	default:
		fmt.Fprint(stderr, adminUsage)
		return errSilent
	}
	return nil
}
