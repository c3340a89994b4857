package httpapi

import (
	"strings"
	"testing"
)

func TestWithHubs(t *testing.T) {
	atom := "<feed>\n  <link rel=\"self\" href=\"https://a.example/f\"></link>\n  <link rel=\"hub\" href=\"https://a.example/hub?x=1&amp;y=2\"></link>\n  <entry></entry>\n</feed>\n"
	rss := "<rss>\n    <link xmlns=\"http://www.w3.org/2005/Atom\" rel=\"hub\" href=\"https://a.example/hub\"></link>\n</rss>\n"
	tests := []struct {
		name, doc string
		hubs      []string
		want      string
	}{
		{"one hub: as written", atom, []string{"https://a.example/hub?x=1&y=2"}, atom},
		{"none", atom, nil, atom},
		{"atom", atom, []string{"https://a.example/hub?x=1&y=2", "https://pubsubhubbub.example/"},
			"<feed>\n  <link rel=\"self\" href=\"https://a.example/f\"></link>\n  <link rel=\"hub\" href=\"https://a.example/hub?x=1&amp;y=2\"></link>\n" +
				"  <link rel=\"hub\" href=\"https://pubsubhubbub.example/\"></link>\n  <entry></entry>\n</feed>\n"},
		{"rss keeps the namespace", rss, []string{"https://a.example/hub", "https://h2.example/", "https://h3.example/?a&b"},
			"<rss>\n    <link xmlns=\"http://www.w3.org/2005/Atom\" rel=\"hub\" href=\"https://a.example/hub\"></link>\n" +
				"    <link xmlns=\"http://www.w3.org/2005/Atom\" rel=\"hub\" href=\"https://h2.example/\"></link>\n" +
				"    <link xmlns=\"http://www.w3.org/2005/Atom\" rel=\"hub\" href=\"https://h3.example/?a&amp;b\"></link>\n</rss>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(withHubs([]byte(tt.doc), tt.hubs)); got != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestMatchesETag(t *testing.T) {
	tests := []struct {
		header, etag string
		want         bool
	}{
		{"", `"a"`, false},
		{`"a"`, `"a"`, true},
		{`W/"a"`, `"a"`, true},
		{`"a"`, `W/"a"`, true},
		{`"b", W/"a"`, `W/"a"`, true},
		{`"b"`, `"a"`, false},
		{"*", `"a"`, true},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.header, `"`, ""), func(t *testing.T) {
			if got := matchesETag(tt.header, tt.etag); got != tt.want {
				t.Fatalf("matchesETag(%q, %q) = %v", tt.header, tt.etag, got)
			}
		})
	}
}
