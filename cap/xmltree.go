package cap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// DefaultMaxBytes is the input size limit used when Limits.MaxBytes is
// zero. Real alerts are a few kilobytes; the largest public IPAWS
// messages with county polygons stay under 0.5 MiB.
const DefaultMaxBytes = 1 << 20

// DefaultMaxDepth bounds element nesting when Limits.MaxDepth is zero.
// CAP needs 5 levels; feeds and EDXL-DE envelopes add a few more.
const DefaultMaxDepth = 64

// Limits bounds what the parsers accept. The zero value means the
// defaults.
type Limits struct {
	// MaxBytes is the largest accepted document, in bytes.
	MaxBytes int64
	// MaxDepth is the deepest accepted element nesting.
	MaxDepth int
}

func (l Limits) maxBytes() int64 {
	if l.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return l.MaxBytes
}

func (l Limits) maxDepth() int {
	if l.MaxDepth <= 0 {
		return DefaultMaxDepth
	}
	return l.MaxDepth
}

// Errors returned by the parsers; test with errors.Is.
var (
	// ErrTooLarge: the input exceeds Limits.MaxBytes.
	ErrTooLarge = errors.New("cap: document larger than the size limit")
	// ErrDOCTYPE: the input has a DOCTYPE (or other markup declaration).
	// CAP never needs one, and entity declarations are the XXE vector, so
	// they are refused before anything else is read.
	ErrDOCTYPE = errors.New("cap: DOCTYPE not allowed")
	// ErrNotCAP: well-formed XML whose root is not a CAP alert.
	ErrNotCAP = errors.New("cap: not a CAP alert")
	// ErrNamespace: an <alert> root in a missing or unknown namespace.
	ErrNamespace = errors.New("cap: wrong or missing CAP namespace")
	// ErrNotFeed: well-formed XML whose root is not an Atom or RSS feed.
	ErrNotFeed = errors.New("cap: not an Atom or RSS feed")
	// ErrMalformed: the input is not well-formed (namespace-aware) XML.
	ErrMalformed = errors.New("cap: malformed XML")
)

const (
	nsXML   = "http://www.w3.org/XML/1998/namespace"
	nsXMLNS = "http://www.w3.org/2000/xmlns/"
	nsXSI   = "http://www.w3.org/2001/XMLSchema-instance"
)

// node is one element of a parsed document, with namespaces resolved by
// this package (encoding/xml leaves undeclared prefixes unreported).
type node struct {
	space, local string
	attrs        []xml.Attr // namespace-resolved, xmlns declarations removed
	text         string     // concatenated character data of direct children
	prefix       string     // raw prefix, to match the end tag
	children     []*node
	line         int
	start, end   int64 // byte offsets of the element in the decoded input
}

// attr returns the value of the unqualified attribute name.
func (n *node) attr(name string) string {
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// document is a parsed XML document: the UTF-8 input and its root.
type document struct {
	data []byte
	root *node
}

// readLimited reads at most max bytes of r; more is ErrTooLarge.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("cap: read: %w", err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, max)
	}
	return data, nil
}

// parseDocument reads r under lim and builds the namespace-resolved tree.
func parseDocument(r io.Reader, lim Limits) (*document, error) {
	data, err := readLimited(r, lim.maxBytes())
	if err != nil {
		return nil, err
	}
	data, err = toUTF8(data)
	if err != nil {
		return nil, err
	}
	root, err := buildTree(data, lim.maxDepth())
	if err != nil {
		return nil, err
	}
	return &document{data: data, root: root}, nil
}

// toUTF8 converts the input to UTF-8 up front, so that byte offsets
// reported by the decoder index the same buffer that is kept (raw
// signatures are sliced out of it). UTF-16 is recognised by its byte order
// mark; single-byte encodings by the XML declaration.
func toUTF8(data []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return data[3:], nil
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		be := data[0] == 0xFE
		body := data[2:]
		if len(body)%2 != 0 {
			return nil, fmt.Errorf("%w: odd length UTF-16 input", ErrMalformed)
		}
		u := make([]uint16, len(body)/2)
		for i := range u {
			if be {
				u[i] = uint16(body[2*i])<<8 | uint16(body[2*i+1])
			} else {
				u[i] = uint16(body[2*i+1])<<8 | uint16(body[2*i])
			}
		}
		return []byte(string(utf16.Decode(u))), nil
	}
	enc := strings.ToLower(declaredEncoding(data))
	switch enc {
	case "", "utf-8", "utf8", "us-ascii", "ascii", "utf-16":
		// "utf-16" without a BOM that still decoded as ASCII-compatible
		// bytes is mislabelled; encoding/xml will judge the bytes.
		return data, nil
	case "iso-8859-1", "latin1", "latin-1", "l1", "iso_8859-1", "iso8859-1":
		return latin1ToUTF8(data, false), nil
	case "windows-1252", "cp1252":
		return latin1ToUTF8(data, true), nil
	}
	return nil, fmt.Errorf("%w: unsupported encoding %q", ErrMalformed, enc)
}

// declaredEncoding returns the encoding pseudo-attribute of the XML
// declaration, if any.
func declaredEncoding(data []byte) string {
	if !bytes.HasPrefix(data, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(data, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := string(data[5:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if !strings.HasPrefix(rest, "=") {
		return ""
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	j := strings.IndexByte(rest[1:], q)
	if j < 0 {
		return ""
	}
	return rest[1 : 1+j]
}

// cp1252 maps bytes 0x80-0x9F of windows-1252 (where it differs from
// ISO-8859-1, whose C1 controls no alert means to send).
var cp1252 = [32]rune{
	0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
	0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
}

func latin1ToUTF8(data []byte, win bool) []byte {
	out := make([]byte, 0, len(data)+len(data)/8)
	for _, b := range data {
		r := rune(b)
		if win && b >= 0x80 && b < 0xA0 {
			r = cp1252[b-0x80]
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}

// nsScope is one level of in-scope namespace declarations.
type nsScope map[string]string

// buildTree decodes data (UTF-8) into a tree, refusing DOCTYPE and any
// other markup declaration, checking that tags match, that every prefix
// is declared and that there is exactly one root element.
func buildTree(data []byte, maxDepth int) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	// Input was converted to UTF-8 already; the declaration may still name
	// the original encoding.
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) { return in, nil }

	var (
		stack  []*node
		scopes []nsScope
		root   *node
		texts  []*strings.Builder
	)
	lookup := func(prefix string) (string, bool) {
		switch prefix {
		case "xml":
			return nsXML, true
		case "xmlns":
			return nsXMLNS, true
		}
		for i := len(scopes) - 1; i >= 0; i-- {
			if v, ok := scopes[i][prefix]; ok {
				return v, true
			}
		}
		if prefix == "" {
			return "", true
		}
		return "", false
	}
	for {
		before := d.InputOffset()
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			// <!DOCTYPE ...> with its internal subset (where ENTITY
			// declarations live), or a stray <!ENTITY ...>.
			return nil, ErrDOCTYPE
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, fmt.Errorf("%w: more than one root element", ErrMalformed)
			}
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("%w: elements nested deeper than %d", ErrMalformed, maxDepth)
			}
			sc := nsScope{}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					sc[""] = a.Value
				case a.Name.Space == "xmlns":
					if a.Value == "" {
						return nil, fmt.Errorf("%w: empty namespace for prefix %q", ErrMalformed, a.Name.Local)
					}
					sc[a.Name.Local] = a.Value
				}
			}
			scopes = append(scopes, sc)
			line, _ := d.InputPos()
			n := &node{local: t.Name.Local, line: line, start: before}
			ns, ok := lookup(t.Name.Space)
			if !ok {
				return nil, fmt.Errorf("%w: line %d: undeclared namespace prefix %q on <%s:%s>", ErrMalformed, line, t.Name.Space, t.Name.Space, t.Name.Local)
			}
			n.space = ns
			seen := map[xml.Name]bool{}
			for _, a := range t.Attr {
				if (a.Name.Space == "" && a.Name.Local == "xmlns") || a.Name.Space == "xmlns" {
					continue
				}
				an := xml.Name{Local: a.Name.Local}
				if a.Name.Space != "" {
					v, ok := lookup(a.Name.Space)
					if !ok {
						return nil, fmt.Errorf("%w: line %d: undeclared namespace prefix %q on attribute %s", ErrMalformed, line, a.Name.Space, a.Name.Local)
					}
					an.Space = v
				}
				if seen[an] {
					return nil, fmt.Errorf("%w: line %d: duplicate attribute %s", ErrMalformed, line, a.Name.Local)
				}
				seen[an] = true
				n.attrs = append(n.attrs, xml.Attr{Name: an, Value: a.Value})
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
			texts = append(texts, &strings.Builder{})
			n.prefix = t.Name.Space
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, fmt.Errorf("%w: unexpected end tag </%s>", ErrMalformed, t.Name.Local)
			}
			n := stack[len(stack)-1]
			if t.Name.Local != n.local || t.Name.Space != n.prefix {
				return nil, fmt.Errorf("%w: end tag </%s> does not match <%s>", ErrMalformed, qname(t.Name), n.local)
			}
			n.text = texts[len(texts)-1].String()
			n.end = d.InputOffset()
			stack = stack[:len(stack)-1]
			scopes = scopes[:len(scopes)-1]
			texts = texts[:len(texts)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) != 0 {
					return nil, fmt.Errorf("%w: text outside the root element", ErrMalformed)
				}
				continue
			}
			texts[len(texts)-1].Write(t)
		}
	}
	if len(stack) != 0 {
		return nil, fmt.Errorf("%w: unexpected end of input inside <%s>", ErrMalformed, stack[len(stack)-1].local)
	}
	if root == nil {
		return nil, fmt.Errorf("%w: no root element", ErrMalformed)
	}
	return root, nil
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// describe names an element for messages: {namespace}local.
func (n *node) describe() string {
	if n.space == "" {
		return "<" + n.local + "> (no namespace)"
	}
	return "<" + n.local + "> in namespace " + n.space
}
