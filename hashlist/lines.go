package hashlist

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// limitReader ends the input with ErrTooLarge past max bytes, so a hostile
// or mistaken upload cannot keep an import running for ever.
type limitReader struct {
	r   io.Reader
	n   int64 // bytes read so far
	max int64 // < 0: no limit
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.max >= 0 {
		if l.n > l.max {
			return 0, ErrTooLarge
		}
		// Read one byte past the limit so that input of exactly max
		// bytes still ends with io.EOF.
		if left := l.max - l.n + 1; int64(len(p)) > left {
			p = p[:left]
		}
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.max >= 0 && l.n > l.max {
		return n, ErrTooLarge
	}
	return n, err
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// lineReader returns physical lines, without their LF or CRLF, never
// holding more than max bytes of one line: a longer line is reported and
// skipped without being kept, which keeps memory flat whatever the input.
type lineReader struct {
	br   *bufio.Reader
	max  int
	line int    // number of the line last returned
	acc  []byte // a line longer than the bufio buffer, assembled here
	eof  bool
}

// errLong is returned by next for a line over the bound; the line has been
// consumed and lr.line is its number.
var errLong = errors.New("line over the bound")

// next returns the next line; the slice is valid until the next call.
// At the end of input it returns io.EOF; other errors end the read.
func (lr *lineReader) next() ([]byte, error) {
	if lr.eof {
		return nil, io.EOF
	}
	lr.acc = lr.acc[:0]
	long := false
	assembled := false
	for {
		frag, err := lr.br.ReadSlice('\n')
		switch err {
		case nil:
		case bufio.ErrBufferFull:
			assembled = true
			if !long && len(lr.acc)+len(frag) <= lr.max+2 {
				lr.acc = append(lr.acc, frag...)
			} else {
				long = true
				lr.acc = lr.acc[:0]
			}
			continue
		case io.EOF:
			lr.eof = true
			if len(frag) == 0 && !assembled {
				return nil, io.EOF
			}
		default:
			return nil, err
		}
		lr.line++
		line := frag
		if assembled {
			if !long && len(lr.acc)+len(frag) <= lr.max+2 {
				lr.acc = append(lr.acc, frag...)
			} else {
				long = true
			}
			line = lr.acc
		}
		line = trimEOL(line)
		if lr.line == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		if long || len(line) > lr.max {
			return nil, errLong
		}
		return line, nil
	}
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// maxFields bounds the fields of a line: the widest format (the
// ThreatExchange UI download) has 23 columns, and a line of a million
// commas would otherwise cost 24 bytes a comma.
const maxFields = 1024

func tooManyFields() *fieldError {
	return badField("", ErrSyntax, "more than %d fields", maxFields)
}

// csvSplitter splits RFC 4180 records. A quoted field may span lines; a
// stray quote inside an unquoted field is kept as a character, as the
// Python csv module (which wrote most of these files) does on reading.
type csvSplitter struct {
	fields  [][]byte
	scratch []byte
	ends    []int
}

// split splits the record that starts with line, reading continuation lines
// from lr while a quoted field is open. The fields are valid until the next
// call. A *fieldError reports a malformed record.
func (s *csvSplitter) split(line []byte, lr *lineReader) ([][]byte, *fieldError, error) {
	s.fields = s.fields[:0]
	if bytes.IndexByte(line, '"') < 0 {
		// Fast path, the common case for hash lists: no quoting at all.
		if bytes.Count(line, []byte{','}) >= maxFields {
			return nil, tooManyFields(), nil
		}
		for {
			i := bytes.IndexByte(line, ',')
			if i < 0 {
				s.fields = append(s.fields, bytes.TrimSpace(line))
				return s.fields, nil, nil
			}
			s.fields = append(s.fields, bytes.TrimSpace(line[:i]))
			line = line[i+1:]
		}
	}
	s.scratch = s.scratch[:0]
	s.ends = s.ends[:0]
	const (
		fieldStart = iota
		unquoted
		quoted
		quoteInQuoted // a quote seen inside a quoted field: end or escape
	)
	state := fieldStart
	for {
		for i := 0; i < len(line); i++ {
			c := line[i]
			switch state {
			case fieldStart, unquoted:
				switch {
				case c == ',':
					s.ends = append(s.ends, len(s.scratch))
					state = fieldStart
				case c == '"' && state == fieldStart:
					state = quoted
				case state == fieldStart && (c == ' ' || c == '\t'):
					// Leading blanks before a quote are not data.
				default:
					s.scratch = append(s.scratch, c)
					state = unquoted
				}
			case quoted:
				if c == '"' {
					state = quoteInQuoted
				} else {
					s.scratch = append(s.scratch, c)
				}
			case quoteInQuoted:
				switch c {
				case '"':
					s.scratch = append(s.scratch, '"')
					state = quoted
				case ',':
					s.ends = append(s.ends, len(s.scratch))
					state = fieldStart
				default:
					s.scratch = append(s.scratch, c)
					state = unquoted
				}
			}
		}
		if state != quoted {
			break
		}
		// The quoted field goes on after the line break.
		if len(s.scratch) > lr.max {
			return nil, badField("", ErrLineTooLong, "quoted field longer than %d bytes", lr.max), nil
		}
		next, err := lr.next()
		if err == io.EOF {
			return nil, badField("", ErrSyntax, "quoted field not closed before the end of the file"), nil
		}
		if err == errLong {
			return nil, badField("", ErrLineTooLong, "quoted field longer than %d bytes", lr.max), nil
		}
		if err != nil {
			return nil, nil, err
		}
		s.scratch = append(s.scratch, '\n')
		line = next
	}
	s.ends = append(s.ends, len(s.scratch))
	if len(s.ends) > maxFields {
		return nil, tooManyFields(), nil
	}
	start := 0
	for _, end := range s.ends {
		s.fields = append(s.fields, bytes.TrimSpace(s.scratch[start:end]))
		start = end
	}
	return s.fields, nil, nil
}
