package gazetteer

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Search returns the areas whose name or code matches query, best first, at
// most limit of them (all when limit ≤ 0). Matching ignores case, accents,
// hyphens and apostrophes, and a query matches from the start of any word:
// "seine" finds Seine-Maritime and Hauts-de-Seine, "saint denis" finds
// Seine-Saint-Denis, "reunion" finds La Réunion. A code matches exactly
// ("2a", "971") or by prefix ("97" lists the overseas departments).
//
// Order: exact code, exact name, name prefix, word prefix, code prefix; then
// departments before regions, then by name (by code for code prefixes).
func Search(query string, limit int) []*Area {
	q := fold(query)
	if q == "" {
		return nil
	}
	code := normCode(query)
	type hit struct {
		a    *Area
		rank int
	}
	var hits []hit
	for _, level := range [][]*Area{data().depts, data().regions} {
		for _, a := range level {
			if r := matchRank(a, q, code); r >= 0 {
				hits = append(hits, hit{a, r})
			}
		}
	}
	slices.SortStableFunc(hits, func(x, y hit) int {
		if x.rank != y.rank {
			return x.rank - y.rank
		}
		if x.a.Level != y.a.Level {
			return int(x.a.Level) - int(y.a.Level)
		}
		if x.rank == rankCodePrefix {
			return strings.Compare(x.a.Code, y.a.Code)
		}
		return strings.Compare(x.a.folded, y.a.folded)
	})
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	out := make([]*Area, len(hits))
	for i, h := range hits {
		out[i] = h.a
	}
	return out
}

const rankCodePrefix = 4

func matchRank(a *Area, q, code string) int {
	switch {
	case a.Code == code:
		return 0
	case a.folded == q:
		return 1
	case strings.HasPrefix(a.folded, q):
		return 2
	}
	for _, s := range a.starts[1:] {
		if strings.HasPrefix(s, q) {
			return 3
		}
	}
	if strings.HasPrefix(a.Code, code) && isCodeLike(code) {
		return rankCodePrefix
	}
	return -1
}

// isCodeLike accepts the shapes of INSEE codes ("7", "97", "2A") so that a
// name query such as "a" is not taken for a code prefix.
func isCodeLike(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if (r < '0' || r > '9') && !(i == 1 && (r == 'A' || r == 'B') && s[0] == '2') {
			return false
		}
	}
	return true
}

// fold reduces a name or query to lower-case letters and digits without
// accents, words separated by single spaces, so that "Côte-d'Or",
// "cote d or" and "CÔTE D’OR" compare equal.
func fold(s string) string {
	var b strings.Builder
	space := true // drops leading separators
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // the accent, separated from its letter by NFD
		case r == 'œ' || r == 'Œ':
			b.WriteString("oe")
		case r == 'æ' || r == 'Æ':
			b.WriteString("ae")
		case r == 'ß':
			b.WriteString("ss")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
	}
	return strings.TrimSuffix(b.String(), " ")
}
