package cap

import (
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"
)

// NSAtom is the Atom 1.0 (RFC 4287) namespace.
const NSAtom = "http://www.w3.org/2005/Atom"

// MIME types that mark a link to a CAP document (OASIS "CAP Feeds"
// practice; the long form is the registered one).
const (
	MIMECAP     = "application/cap+xml"
	MIMECAPLong = "application/common-alerting-protocol+xml"
)

// Feed is an Atom or RSS 2.0 alert index feed.
type Feed struct {
	// Format is "atom" or "rss".
	Format string
	// ID is atom:id; for RSS the channel link, RSS having no feed id.
	ID    string
	Title string
	// Updated is atom:updated, or the RSS lastBuildDate (else pubDate),
	// as written in the feed.
	Updated string
	// Link is the feed's alternate (web page) link.
	Link    string
	Entries []Entry

	problems []Problem
}

// Entry is one feed entry (Atom entry or RSS item), normally one alert.
// It is also what WriteAtom and WriteRSS write.
type Entry struct {
	// ID is atom:id, or the RSS guid (else its link).
	ID    string
	Title string
	// Updated is atom:updated or the RSS pubDate, as written. When
	// writing, it must be a CAP or RFC 3339 date-time.
	Updated string
	Summary string
	// Link is the URL of the CAP document: the link typed
	// application/cap+xml, else the alternate link (RSS: enclosure of CAP
	// type, else link).
	Link string
	// Links are all the entry's links.
	Links []Link
	// Alert is the CAP alert embedded in the entry ("fat" feeds: inside
	// atom:content or directly in the entry or item), nil if none.
	Alert *Alert
	// CAP holds the entry's text-only cap: summary elements (event,
	// severity, expires...) by local name, as some index feeds carry.
	CAP map[string]string
}

// Link is an Atom link or RSS enclosure.
type Link struct {
	Href, Rel, Type string
}

// Feed problem rule identifiers.
const (
	RuleFeedRequired = "feed.required"        // id, title, updated (Atom); title, link, description (RSS)
	RuleFeedElement  = "feed.unknown-element" // element in the Atom namespace that Atom does not define
	RuleFeedRepeat   = "feed.cardinality"     // single element repeated
	RuleFeedDate     = "feed.date"            // atom date not RFC 3339
	RuleFeedLink     = "feed.link"            // entry with neither alternate link nor content
)

// ParseFeed reads an Atom 1.0 or RSS 2.0 alert feed with the same
// defences as Parse (size limit, no DOCTYPE). Structural problems (a
// missing id or title, an unknown Atom element, an invalid embedded
// alert) do not stop parsing: ValidateFeed reports them.
func ParseFeed(r io.Reader, lim Limits) (*Feed, error) {
	doc, err := parseDocument(r, lim)
	if err != nil {
		return nil, err
	}
	root := doc.root
	switch {
	case root.space == NSAtom && root.local == "feed":
		return parseAtom(doc, root), nil
	case root.space == "" && root.local == "rss":
		return parseRSS(doc, root), nil
	}
	return nil, fmt.Errorf("%w: root element is %s", ErrNotFeed, root.describe())
}

// ValidateFeed returns the feed's problems, including every problem of
// the alerts it embeds (paths prefixed with the entry's path).
func ValidateFeed(f *Feed) []Problem {
	out := append([]Problem(nil), f.problems...)
	for i, e := range f.Entries {
		if e.Alert == nil {
			continue
		}
		prefix := fmt.Sprintf("feed/entry[%d]/", i)
		if f.Format == "rss" {
			prefix = fmt.Sprintf("rss/channel/item[%d]/", i)
		}
		for _, p := range Validate(e.Alert) {
			p.Path = prefix + p.Path
			out = append(out, p)
		}
	}
	return out
}

type feedParser struct {
	doc   *document
	f     *Feed
	probs []Problem
}

func (fp *feedParser) problem(path string, n *node, rule, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.line
	}
	fp.f.problems = append(fp.f.problems, Problem{Path: path, Line: line, Rule: rule, Msg: fmt.Sprintf(format, args...)})
}

// Elements RFC 4287 defines in feeds and entries.
var (
	atomFeedElems  = []string{"author", "category", "contributor", "generator", "icon", "id", "link", "logo", "rights", "subtitle", "title", "updated", "entry"}
	atomEntryElems = []string{"author", "category", "content", "contributor", "id", "link", "published", "rights", "source", "summary", "title", "updated"}
	atomSingle     = []string{"id", "title", "updated", "generator", "icon", "logo", "rights", "subtitle", "content", "published", "source", "summary"}
)

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// atomChildren checks n's Atom children (known, not repeated, required
// present) and returns the first text of each single element.
func (fp *feedParser) atomChildren(n *node, path string, known, required []string) map[string]string {
	texts := map[string]string{}
	counts := map[string]int{}
	for _, c := range n.children {
		if c.space != NSAtom {
			continue // extension elements are allowed
		}
		if !contains(known, c.local) {
			fp.problem(path+"/"+c.local, c, RuleFeedElement, "<%s> is not an Atom element of <%s>", c.local, n.local)
			continue
		}
		counts[c.local]++
		if counts[c.local] == 2 && contains(atomSingle, c.local) {
			fp.problem(path+"/"+c.local, c, RuleFeedRepeat, "<%s> may appear only once in <%s>", c.local, n.local)
		}
		if counts[c.local] == 1 {
			texts[c.local] = strings.TrimSpace(c.text)
		}
	}
	for _, r := range required {
		if texts[r] == "" {
			fp.problem(path+"/"+r, n, RuleFeedRequired, "<%s> has no <%s>", n.local, r)
		}
	}
	if u := texts["updated"]; u != "" {
		if _, err := time.Parse(time.RFC3339, u); err != nil {
			fp.problem(path+"/updated", n, RuleFeedDate, "<updated> %q is not an RFC 3339 date-time", u)
		}
	}
	return texts
}

func parseAtom(doc *document, root *node) *Feed {
	f := &Feed{Format: "atom"}
	fp := &feedParser{doc: doc, f: f}
	t := fp.atomChildren(root, "feed", atomFeedElems, []string{"id", "title", "updated"})
	f.ID, f.Title, f.Updated = t["id"], t["title"], t["updated"]
	for _, l := range atomLinks(root) {
		if l.Rel == "alternate" && f.Link == "" {
			f.Link = l.Href
		}
	}
	for _, c := range root.children {
		if c.space != NSAtom || c.local != "entry" {
			continue
		}
		path := fmt.Sprintf("feed/entry[%d]", len(f.Entries))
		et := fp.atomChildren(c, path, atomEntryElems, []string{"id", "title", "updated"})
		e := Entry{ID: et["id"], Title: et["title"], Updated: et["updated"], Summary: et["summary"], Links: atomLinks(c)}
		e.Link = capLink(e.Links)
		hasContent := false
		for _, cc := range c.children {
			if cc.space == NSAtom && cc.local == "content" {
				hasContent = true
				if src := cc.attr("src"); src != "" && e.Link == "" && isCAPType(cc.attr("type")) {
					e.Link = src
				}
				fp.embedded(&e, cc, path+"/content")
			}
		}
		fp.embedded(&e, c, path)
		if e.Link == "" {
			for _, l := range e.Links {
				if l.Rel == "alternate" {
					e.Link = l.Href
					break
				}
			}
		}
		if !hasContent && !hasAlternate(e.Links) {
			fp.problem(path, c, RuleFeedLink, "entry has neither <content> nor an alternate <link>")
		}
		f.Entries = append(f.Entries, e)
	}
	return f
}

func atomLinks(n *node) []Link {
	var ls []Link
	for _, c := range n.children {
		if c.space == NSAtom && c.local == "link" {
			rel := c.attr("rel")
			if rel == "" {
				rel = "alternate" // RFC 4287 section 4.2.7.2
			}
			ls = append(ls, Link{Href: strings.TrimSpace(c.attr("href")), Rel: rel, Type: c.attr("type")})
		}
	}
	return ls
}

func hasAlternate(ls []Link) bool {
	for _, l := range ls {
		if l.Rel == "alternate" {
			return true
		}
	}
	return false
}

func isCAPType(t string) bool {
	mt, _, err := mime.ParseMediaType(t)
	return err == nil && (mt == MIMECAP || mt == MIMECAPLong)
}

// capLink picks the link whose type says CAP.
func capLink(ls []Link) string {
	for _, l := range ls {
		if isCAPType(l.Type) {
			return l.Href
		}
	}
	return ""
}

// embedded looks at n's direct children for a CAP alert (kept in
// e.Alert, its problems in the alert) and cap: summary elements.
func (fp *feedParser) embedded(e *Entry, n *node, path string) {
	for _, c := range n.children {
		if versionOf(c.space) == "" {
			continue
		}
		if c.local == "alert" {
			if e.Alert != nil {
				fp.problem(path+"/alert", c, RuleFeedRepeat, "more than one embedded CAP alert")
				continue
			}
			a, err := alertFromNode(fp.doc, c)
			if err != nil {
				fp.problem(path+"/alert", c, RuleUnknownElement, "%v", err)
				continue
			}
			e.Alert = a
			continue
		}
		if len(c.children) == 0 {
			if e.CAP == nil {
				e.CAP = map[string]string{}
			}
			if _, dup := e.CAP[c.local]; !dup {
				e.CAP[c.local] = strings.TrimSpace(c.text)
			}
		}
	}
}

func parseRSS(doc *document, root *node) *Feed {
	f := &Feed{Format: "rss"}
	fp := &feedParser{doc: doc, f: f}
	var ch *node
	for _, c := range root.children {
		if c.space == "" && c.local == "channel" {
			if ch != nil {
				fp.problem("rss/channel", c, RuleFeedRepeat, "more than one <channel>")
				continue
			}
			ch = c
		}
	}
	if ch == nil {
		fp.problem("rss/channel", root, RuleFeedRequired, "<rss> has no <channel>")
		return f
	}
	t := rssTexts(ch)
	for _, r := range []string{"title", "link", "description"} {
		if _, ok := t[r]; !ok {
			fp.problem("rss/channel/"+r, ch, RuleFeedRequired, "<channel> has no <%s>", r)
		}
	}
	f.Title, f.Link, f.ID = t["title"], t["link"], t["link"]
	f.Updated = t["lastBuildDate"]
	if f.Updated == "" {
		f.Updated = t["pubDate"]
	}
	for _, c := range ch.children {
		if c.space != "" || c.local != "item" {
			continue
		}
		path := fmt.Sprintf("rss/channel/item[%d]", len(f.Entries))
		it := rssTexts(c)
		if it["title"] == "" && it["description"] == "" {
			fp.problem(path, c, RuleFeedRequired, "<item> has neither <title> nor <description>")
		}
		e := Entry{ID: it["guid"], Title: it["title"], Updated: it["pubDate"], Summary: it["description"]}
		if l := it["link"]; l != "" {
			e.Links = append(e.Links, Link{Href: l, Rel: "alternate"})
		}
		for _, cc := range c.children {
			if cc.space == "" && cc.local == "enclosure" {
				e.Links = append(e.Links, Link{Href: strings.TrimSpace(cc.attr("url")), Rel: "enclosure", Type: cc.attr("type")})
			}
		}
		e.Link = capLink(e.Links)
		if e.Link == "" {
			e.Link = it["link"]
		}
		if e.ID == "" {
			e.ID = it["link"]
		}
		fp.embedded(&e, c, path)
		f.Entries = append(f.Entries, e)
	}
	return f
}

// rssTexts returns the trimmed text of n's first no-namespace children.
func rssTexts(n *node) map[string]string {
	t := map[string]string{}
	for _, c := range n.children {
		if c.space != "" {
			continue
		}
		if _, ok := t[c.local]; !ok {
			t[c.local] = strings.TrimSpace(c.text)
		}
	}
	return t
}

// FeedMeta describes the feed itself for WriteAtom and WriteRSS.
type FeedMeta struct {
	// ID is the permanent feed IRI (atom:id).
	ID    string
	Title string
	// Subtitle is atom:subtitle and the RSS channel description.
	Subtitle string
	// Link is the human-readable page the feed belongs to.
	Link string
	// Self is the feed's own URL (rel="self"), which WebSub needs.
	Self string
	// Hub is the WebSub hub URL (rel="hub"), if the publisher pings one.
	Hub string
	// Author names the alerting authority.
	Author  string
	Updated time.Time
}

// NewEntry builds the index entry of alert a published at capURL: title
// from the first info's headline (else event), updated from sent, link
// typed application/cap+xml, and the usual cap: summary fields. Set
// Entry.Alert to embed the alert as well.
func NewEntry(a *Alert, capURL string) Entry {
	e := Entry{ID: capURL, Updated: a.Sent, Link: capURL, CAP: map[string]string{
		"identifier": a.Identifier, "sender": a.Sender, "sent": a.Sent,
		"status": string(a.Status), "msgType": string(a.MsgType),
	}}
	if e.ID == "" {
		e.ID = a.Identifier
	}
	if len(a.Info) > 0 {
		in := a.Info[0]
		e.Title = strings.TrimSpace(in.Headline)
		if e.Title == "" {
			e.Title = strings.TrimSpace(in.Event)
		}
		e.Summary = strings.TrimSpace(in.Description)
		e.CAP["event"] = in.Event
		e.CAP["urgency"] = string(in.Urgency)
		e.CAP["severity"] = string(in.Severity)
		e.CAP["certainty"] = string(in.Certainty)
		if in.Expires != "" {
			e.CAP["expires"] = in.Expires
		}
	}
	if e.Title == "" {
		e.Title = string(a.MsgType) + " " + a.Identifier
	}
	return e
}

// capSummaryOrder fixes the order of cap: summary elements written.
var capSummaryOrder = []string{"identifier", "sender", "sent", "status", "msgType", "event", "urgency", "severity", "certainty", "expires"}

// entryTime reads an entry date written as CAP or RFC 3339.
func entryTime(s string) (time.Time, error) {
	if t, err := ParseTime(s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, strings.TrimSpace(s))
}

type xmlWriter struct {
	enc *xml.Encoder
	err error
}

func (w *xmlWriter) start(name xml.Name, attrs ...xml.Attr) {
	if w.err == nil {
		w.err = w.enc.EncodeToken(xml.StartElement{Name: name, Attr: attrs})
	}
}

func (w *xmlWriter) end(name xml.Name) {
	if w.err == nil {
		w.err = w.enc.EncodeToken(xml.EndElement{Name: name})
	}
}

// leaf writes <name attrs>text</name>; empty text with no attributes is
// skipped.
func (w *xmlWriter) leaf(name xml.Name, text string, attrs ...xml.Attr) {
	if text == "" && len(attrs) == 0 {
		return
	}
	w.start(name, attrs...)
	if w.err == nil && text != "" {
		w.err = w.enc.EncodeToken(xml.CharData(text))
	}
	w.end(name)
}

func (w *xmlWriter) encode(v any) {
	if w.err == nil {
		w.err = w.enc.Encode(v)
	}
}

func local(s string) xml.Name { return xml.Name{Local: s} }

func attr(name, value string) xml.Attr { return xml.Attr{Name: xml.Name{Local: name}, Value: value} }

// WriteAtom writes an Atom 1.0 alert index feed: one entry per alert,
// each linking to its CAP document with type application/cap+xml and
// embedding the alert when Entry.Alert is set.
func WriteAtom(w io.Writer, meta FeedMeta, entries []Entry) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	x := &xmlWriter{enc: xml.NewEncoder(w)}
	x.enc.Indent("", "  ")
	feed := xml.Name{Space: NSAtom, Local: "feed"}
	x.start(feed)
	x.leaf(local("id"), meta.ID)
	x.leaf(local("title"), meta.Title)
	x.leaf(local("subtitle"), meta.Subtitle)
	x.leaf(local("updated"), meta.Updated.UTC().Format(time.RFC3339))
	if meta.Author != "" {
		x.start(local("author"))
		x.leaf(local("name"), meta.Author)
		x.end(local("author"))
	}
	if meta.Link != "" {
		x.leaf(local("link"), "", attr("rel", "alternate"), attr("href", meta.Link))
	}
	if meta.Self != "" {
		x.leaf(local("link"), "", attr("rel", "self"), attr("type", "application/atom+xml"), attr("href", meta.Self))
	}
	if meta.Hub != "" {
		x.leaf(local("link"), "", attr("rel", "hub"), attr("href", meta.Hub))
	}
	for _, e := range entries {
		updated := e.Updated
		if t, err := entryTime(e.Updated); err == nil {
			updated = t.UTC().Format(time.RFC3339)
		}
		x.start(local("entry"))
		x.leaf(local("id"), e.ID)
		x.leaf(local("title"), e.Title)
		x.leaf(local("updated"), updated)
		if e.Link != "" {
			x.leaf(local("link"), "", attr("rel", "alternate"), attr("type", MIMECAP), attr("href", e.Link))
		}
		for _, l := range e.Links {
			if l.Href == e.Link {
				continue
			}
			as := []xml.Attr{attr("href", l.Href)}
			if l.Rel != "" {
				as = append(as, attr("rel", l.Rel))
			}
			if l.Type != "" {
				as = append(as, attr("type", l.Type))
			}
			x.leaf(local("link"), "", as...)
		}
		x.leaf(local("summary"), e.Summary)
		writeCAPSummary(x, e.CAP)
		if e.Alert != nil {
			x.start(local("content"), attr("type", MIMECAP))
			x.encode(upgrade(e.Alert))
			x.end(local("content"))
		}
		x.end(local("entry"))
	}
	x.end(feed)
	if x.err == nil {
		x.err = x.enc.Close()
	}
	if x.err != nil {
		return x.err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func writeCAPSummary(x *xmlWriter, m map[string]string) {
	for _, k := range capSummaryOrder {
		if v := m[k]; v != "" {
			x.leaf(xml.Name{Space: NS12, Local: k}, v)
		}
	}
}

// WriteRSS writes an RSS 2.0 alert index feed: one item per alert whose
// link is the CAP document, guid the entry ID, and the alert embedded
// when Entry.Alert is set.
func WriteRSS(w io.Writer, meta FeedMeta, entries []Entry) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	x := &xmlWriter{enc: xml.NewEncoder(w)}
	x.enc.Indent("", "  ")
	x.start(local("rss"), attr("version", "2.0"))
	x.start(local("channel"))
	x.leaf(local("title"), meta.Title)
	link := meta.Link
	if link == "" {
		link = meta.ID
	}
	x.leaf(local("link"), link)
	desc := meta.Subtitle
	if desc == "" {
		desc = meta.Title
	}
	x.leaf(local("description"), desc)
	x.leaf(local("lastBuildDate"), meta.Updated.Format(time.RFC1123Z))
	atomLink := xml.Name{Space: NSAtom, Local: "link"}
	if meta.Self != "" {
		x.leaf(atomLink, "", attr("rel", "self"), attr("type", "application/rss+xml"), attr("href", meta.Self))
	}
	if meta.Hub != "" {
		x.leaf(atomLink, "", attr("rel", "hub"), attr("href", meta.Hub))
	}
	for _, e := range entries {
		x.start(local("item"))
		x.leaf(local("title"), e.Title)
		x.leaf(local("link"), e.Link)
		x.leaf(local("description"), e.Summary)
		if e.ID != "" {
			perma := "false"
			if e.ID == e.Link {
				perma = "true"
			}
			x.leaf(local("guid"), e.ID, attr("isPermaLink", perma))
		}
		if t, err := entryTime(e.Updated); err == nil {
			x.leaf(local("pubDate"), t.Format(time.RFC1123Z))
		}
		writeCAPSummary(x, e.CAP)
		if e.Alert != nil {
			x.encode(upgrade(e.Alert))
		}
		x.end(local("item"))
	}
	x.end(local("channel"))
	x.end(local("rss"))
	if x.err == nil {
		x.err = x.enc.Close()
	}
	if x.err != nil {
		return x.err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
