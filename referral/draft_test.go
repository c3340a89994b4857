package referral_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/referral"
)

func validDraft(kind referral.Kind) referral.Draft {
	d := referral.Draft{
		Kind: kind, PlatformID: "plat-1", Reference: "TCO-2025-0042",
		URLs:         []string{"https://video.example/v/abc", "http://mirror.example:8080/x?y=1"},
		ContentTypes: []referral.ContentType{"a", "d"},
		Reasons:      "Video glorifying the attack of 3 March.",
	}
	if kind == referral.KindRemovalOrder {
		d.LegalBasis, d.Redress, d.IssuerName = "Art. 421-2-5 Code pénal", "Tribunal administratif, 48 h", "Cdt. A. Martin"
	}
	return d
}

func TestDraftValidate(t *testing.T) {
	now := t0
	tests := []struct {
		name  string
		kind  referral.Kind
		edit  func(*referral.Draft)
		field string // "" when valid
	}{
		{"valid referral", referral.KindReferral, func(*referral.Draft) {}, ""},
		{"valid order", referral.KindRemovalOrder, func(*referral.Draft) {}, ""},
		{"unknown kind", "order", func(*referral.Draft) {}, "kind"},
		{"no platform", referral.KindReferral, func(d *referral.Draft) { d.PlatformID = "" }, "platform_id"},
		{"blank reference", referral.KindReferral, func(d *referral.Draft) { d.Reference = "  " }, "reference"},
		{"long reference", referral.KindReferral, func(d *referral.Draft) { d.Reference = strings.Repeat("é", 101) }, "reference"},
		{"no URL", referral.KindReferral, func(d *referral.Draft) { d.URLs = nil }, "urls"},
		{"101 URLs", referral.KindReferral, func(d *referral.Draft) {
			d.URLs = nil
			for i := range 101 {
				d.URLs = append(d.URLs, "https://a.example/"+strings.Repeat("x", i))
			}
		}, "urls"},
		{"relative URL", referral.KindReferral, func(d *referral.Draft) { d.URLs[1] = "/v/abc" }, "urls[1]"},
		{"ftp URL", referral.KindReferral, func(d *referral.Draft) { d.URLs[0] = "ftp://a.example/x" }, "urls[0]"},
		{"no host", referral.KindReferral, func(d *referral.Draft) { d.URLs[0] = "https:///x" }, "urls[0]"},
		{"repeated URL", referral.KindReferral, func(d *referral.Draft) { d.URLs[1] = d.URLs[0] }, "urls[1]"},
		{"white space", referral.KindReferral, func(d *referral.Draft) { d.URLs[1] = "https://a.example/a b" }, "urls[1]"},
		{"URL too long", referral.KindReferral, func(d *referral.Draft) { d.URLs[0] = "https://a.example/" + strings.Repeat("x", 2048) }, "urls[0]"},
		{"no content type", referral.KindReferral, func(d *referral.Draft) { d.ContentTypes = nil }, "content_types"},
		{"content type f", referral.KindReferral, func(d *referral.Draft) { d.ContentTypes[1] = "f" }, "content_types[1]"},
		{"content type ab", referral.KindReferral, func(d *referral.Draft) { d.ContentTypes[0] = "ab" }, "content_types[0]"},
		{"no reasons", referral.KindReferral, func(d *referral.Draft) { d.Reasons = "" }, "reasons"},
		{"reasons not UTF-8", referral.KindReferral, func(d *referral.Draft) { d.Reasons = "a\xffb" }, "reasons"},
		{"details too long", referral.KindReferral, func(d *referral.Draft) { d.Details = strings.Repeat("d", 2001) }, "details"},
		{"referral target 4", referral.KindReferral, func(d *referral.Draft) { d.TargetMinutes = 4 }, "target_minutes"},
		{"referral target 5", referral.KindReferral, func(d *referral.Draft) { d.TargetMinutes = 5 }, ""},
		{"referral target one week", referral.KindReferral, func(d *referral.Draft) { d.TargetMinutes = 10080 }, ""},
		{"referral target over a week", referral.KindReferral, func(d *referral.Draft) { d.TargetMinutes = 10081 }, "target_minutes"},
		{"order target 90", referral.KindRemovalOrder, func(d *referral.Draft) { d.TargetMinutes = 90 }, "target_minutes"},
		{"order target 60", referral.KindRemovalOrder, func(d *referral.Draft) { d.TargetMinutes = 60 }, ""},
		{"order without legal basis", referral.KindRemovalOrder, func(d *referral.Draft) { d.LegalBasis = "" }, "legal_basis"},
		{"order without redress", referral.KindRemovalOrder, func(d *referral.Draft) { d.Redress = " " }, "redress"},
		{"order without issuer", referral.KindRemovalOrder, func(d *referral.Draft) { d.IssuerName = "" }, "issuer_name"},
		{"referral without legal basis", referral.KindReferral, func(d *referral.Draft) { d.LegalBasis = "" }, ""},
		{"non-disclosure in the past", referral.KindRemovalOrder, func(d *referral.Draft) { d.NonDisclosureUntil = ptr(now) }, "non_disclosure_until"},
		{"non-disclosure six weeks", referral.KindRemovalOrder, func(d *referral.Draft) { d.NonDisclosureUntil = ptr(now.Add(6 * 7 * 24 * time.Hour)) }, ""},
		{"non-disclosure too long", referral.KindRemovalOrder, func(d *referral.Draft) {
			d.NonDisclosureUntil = ptr(now.Add(6*7*24*time.Hour + time.Second))
		}, "non_disclosure_until"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := validDraft(tt.kind)
			d.Kind = tt.kind
			tt.edit(&d)
			err := d.Validate(now, referral.DefaultPolicy())
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if code, field := errField(err); code != vigie.EInvalid || field != tt.field {
				t.Fatalf("got %v (code %q field %q), want invalid %q", err, code, field, tt.field)
			}
		})
	}
}

var draftFieldRE = regexp.MustCompile(`^(kind|platform_id|reference|urls|urls\[\d+\]|content_types|content_types\[\d+\]|reasons|details|issuer_contact|target_minutes|legal_basis|redress|issuer_name|non_disclosure_until)$`)

// FuzzDraftValidate: no draft makes Validate panic; every refusal is an
// EInvalid *vigie.Error naming a field; every accepted draft keeps the rules.
func FuzzDraftValidate(f *testing.F) {
	f.Add("referral", "plat-1", "TCO-1", "https://a.example/x", "https://b.example/y", "", uint8(2), "a,d", "Reasons.", "", "", "", "", "", 0, int64(0), false)
	f.Add("removal_order", "plat-1", "TCO-2", "http://a.example:80/x?q=1#f", "", "", uint8(1), "e", "Reasons.", "details", "Art. 421-2-5", "Court, 48 h", "A. Martin", "a@b.example", 60, int64(3600), true)
	f.Add("referral", "p", "R", "https://a.example/x", "https://a.example/x", "", uint8(2), "a", "r", "", "", "", "", "", 5, int64(0), false)
	f.Add("referral", "p", "R", "https://[::1]:8080/x", "http://%zz", "javascript:alert(1)", uint8(3), "a,,b", "r", "", "", "", "", "", 10081, int64(-5), true)
	f.Add("removal_order", "p", " \u00a0", "https://münchen.example/ü", "http://a.example/\t", "https://a.example/a\x00b", uint8(3), "f,a", "\xff", "", "", "", "", "", 90, int64(3628801), true)
	f.Add("", "", "", "", "", "", uint8(0), "", "", "", "", "", "", "", -1, int64(0), false)
	f.Add("referral", "p", "R", "https://user:pass@a.example", "HTTPS://A.EXAMPLE", "https://a.example:99999/", uint8(3), "c", "r", "", "", "", "", "", 7*24*60, int64(1), true)
	f.Fuzz(func(t *testing.T, kind, platformID, reference, u1, u2, u3 string, nURLs uint8, types, reasons, details,
		legal, redress, issuer, contact string, target int, ndSeconds int64, hasND bool) {
		now := t0
		d := referral.Draft{Kind: referral.Kind(kind), PlatformID: platformID, Reference: reference,
			URLs: []string{u1, u2, u3}[:int(nURLs)%4], Reasons: reasons, Details: details, LegalBasis: legal,
			Redress: redress, IssuerName: issuer, IssuerEmail: contact, TargetMinutes: target}
		if types != "" {
			for _, c := range strings.Split(types, ",") {
				d.ContentTypes = append(d.ContentTypes, referral.ContentType(c))
			}
		}
		if hasND {
			d.NonDisclosureUntil = ptr(now.Add(time.Duration(ndSeconds) * time.Second))
		}
		err := d.Validate(now, referral.DefaultPolicy())
		if err != nil {
			e, ok := err.(*vigie.Error)
			if !ok {
				t.Fatalf("error %T %v is not a *vigie.Error", err, err)
			}
			if e.Code != vigie.EInvalid || e.Field == "" || !draftFieldRE.MatchString(e.Field) || e.Message == "" {
				t.Fatalf("error %+v: want EInvalid with a known field and a message", e)
			}
			if err2 := d.Validate(now, referral.DefaultPolicy()); err2 == nil || err2.Error() != err.Error() {
				t.Fatalf("Validate not deterministic: %v then %v", err, err2)
			}
			return
		}
		// Accepted: the rules hold.
		if d.Kind != referral.KindReferral && d.Kind != referral.KindRemovalOrder {
			t.Fatalf("accepted kind %q", d.Kind)
		}
		blank := func(s string) bool { return strings.TrimSpace(s) == "" }
		if d.PlatformID == "" || blank(d.Reference) || utf8.RuneCountInString(d.Reference) > 100 || blank(d.Reasons) ||
			utf8.RuneCountInString(d.Reasons) > 5000 || !utf8.ValidString(d.Reasons) || !utf8.ValidString(d.Reference) {
			t.Fatalf("accepted draft with bad text: %+v", d)
		}
		seen := map[string]bool{}
		if len(d.URLs) == 0 {
			t.Fatalf("accepted draft without URLs")
		}
		for _, raw := range d.URLs {
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || strings.ContainsAny(raw, " \t\r\n") || seen[raw] {
				t.Fatalf("accepted URL %q (%v)", raw, err)
			}
			seen[raw] = true
		}
		for _, c := range d.ContentTypes {
			if len(c) != 1 || c < "a" || c > "e" {
				t.Fatalf("accepted content type %q", c)
			}
		}
		if len(d.ContentTypes) == 0 {
			t.Fatalf("accepted draft without content type")
		}
		if d.Kind == referral.KindRemovalOrder {
			if blank(d.LegalBasis) || blank(d.Redress) || blank(d.IssuerName) || (d.TargetMinutes != 0 && d.TargetMinutes != 60) {
				t.Fatalf("accepted removal order without Annex I fields or with target %d", d.TargetMinutes)
			}
		} else if d.TargetMinutes != 0 && (d.TargetMinutes < 5 || d.TargetMinutes > 10080) {
			t.Fatalf("accepted referral with target %d", d.TargetMinutes)
		}
		if d.NonDisclosureUntil != nil && (!d.NonDisclosureUntil.After(now) || d.NonDisclosureUntil.Sub(now) > 6*7*24*time.Hour) {
			t.Fatalf("accepted non-disclosure until %v", d.NonDisclosureUntil)
		}
	})
}
