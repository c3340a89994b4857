package cap

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Advice rule identifiers reported by Lint.
const (
	AdviceUTCOffset      = "advice.utc-offset"          // "+00:00" where UTC should be "-00:00"
	AdviceNoInfo         = "advice.no-info"             // Alert/Update without any info
	AdviceHeadlineLength = "advice.headline-length"     // headline over 160 characters
	AdviceEmptyGeometry  = "advice.empty-geometry"      // empty polygon or circle, ignored
	AdviceZeroRadius     = "advice.zero-radius"         // circle of radius 0 alerts nobody around
	AdviceNoGeometry     = "advice.area-no-location"    // area without polygon, circle or geocode
	AdviceSelfReference  = "advice.self-reference"      // references names this very alert
	AdvicePostdatedRef   = "advice.postdated-reference" // a referenced alert sent after this one
	AdviceExpiry         = "advice.expires-order"       // expires before effective/onset/sent
	AdviceInfoMismatch   = "advice.info-mismatch"       // infos disagree on category/eventCode
	AdviceDigest         = "advice.digest"              // digest is not a SHA-1 hex string
)

var sha1Hex = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)

// Lint returns advice about a: practices the specification recommends
// and that common validators (Google's, IPAWS) enforce, which do not
// make the alert non-conformant. Validate is the conformance check.
func Lint(a *Alert) []Problem {
	var out []Problem
	add := func(path, rule, format string, args ...any) {
		out = append(out, Problem{Path: path, Rule: rule, Msg: fmt.Sprintf(format, args...)})
	}
	utc := func(path, s string) {
		// "+00:00" is right for a place whose local time is UTC (Burkina
		// Faso, Iceland...), so it is advice, not an error: section 3.3.2
		// asks for "-00:00" when the time is given in UTC.
		if a.version() == V12 && strings.HasSuffix(strings.TrimSpace(s), "+00:00") {
			add(path, AdviceUTCOffset, "%q: CAP 1.2 writes UTC as -00:00; +00:00 claims a local zone at UTC+0", s)
		}
	}
	utc("alert/sent", a.Sent)
	sent, sentErr := ParseTime(a.Sent)
	if len(a.Info) == 0 && (a.MsgType == MsgAlert || a.MsgType == MsgUpdate) {
		add("alert", AdviceNoInfo, "msgType %s without <info> tells recipients nothing", a.MsgType)
	}
	for _, ref := range strings.Fields(a.References) {
		parts := strings.Split(ref, ",")
		if len(parts) != 3 {
			continue
		}
		if parts[0] == a.Sender && parts[1] == a.Identifier {
			add("alert/references", AdviceSelfReference, "reference %q names this alert itself", ref)
		}
		if rt, err := ParseTime(parts[2]); err == nil && sentErr == nil && rt.After(sent) {
			add("alert/references", AdvicePostdatedRef, "reference %q was sent after this alert", ref)
		}
	}
	for i := range a.Info {
		in := &a.Info[i]
		p := fmt.Sprintf("alert/info[%d]", i)
		utc(p+"/effective", in.Effective)
		utc(p+"/onset", in.Onset)
		utc(p+"/expires", in.Expires)
		if n := utf8.RuneCountInString(strings.TrimSpace(in.Headline)); n > 160 {
			add(p+"/headline", AdviceHeadlineLength, "headline has %d characters; the specification suggests 160 at most", n)
		}
		if exp, err := ParseTime(in.Expires); err == nil {
			for _, f := range []struct{ name, v string }{{"sent", a.Sent}, {"effective", in.Effective}, {"onset", in.Onset}} {
				if t, err := ParseTime(f.v); err == nil && exp.Before(t) {
					add(p+"/expires", AdviceExpiry, "expires %s is before %s %s", in.Expires, f.name, f.v)
				}
			}
		}
		if i > 0 {
			first := &a.Info[0]
			if !sameSet(first.Category, in.Category) {
				add(p+"/category", AdviceInfoMismatch, "categories differ from info[0]; translations should describe the same event")
			}
			if !sameSet(first.EventCode, in.EventCode) {
				add(p+"/eventCode", AdviceInfoMismatch, "event codes differ from info[0]; translations should describe the same event")
			}
		}
		for j, r := range in.Resource {
			if d := strings.TrimSpace(r.Digest); d != "" && !sha1Hex.MatchString(d) {
				add(fmt.Sprintf("%s/resource[%d]/digest", p, j), AdviceDigest, "digest %q is not a SHA-1 hex string", r.Digest)
			}
		}
		for j := range in.Area {
			ar := &in.Area[j]
			ap := fmt.Sprintf("%s/area[%d]", p, j)
			located := len(ar.Geocode) > 0
			for k, s := range ar.Polygon {
				if strings.TrimSpace(s) == "" {
					add(fmt.Sprintf("%s/polygon[%d]", ap, k), AdviceEmptyGeometry, "empty <polygon> is ignored")
				} else {
					located = true
				}
			}
			for k, s := range ar.Circle {
				cp := fmt.Sprintf("%s/circle[%d]", ap, k)
				if strings.TrimSpace(s) == "" {
					add(cp, AdviceEmptyGeometry, "empty <circle> is ignored")
					continue
				}
				located = true
				if c, err := ParseCircle(s); err == nil && c.RadiusKm == 0 {
					add(cp, AdviceZeroRadius, "circle radius is 0: the area is a point")
				}
			}
			if !located {
				add(ap, AdviceNoGeometry, "area has no polygon, circle or geocode; only <areaDesc> locates it")
			}
		}
	}
	return out
}

func sameSet[T comparable](a, b []T) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}
