package hashlist

import (
	"errors"
	"fmt"
)

// Kinds of bad line. A *LineError wraps exactly one of them, so an importer
// can count, say, unsupported signal types apart from malformed hashes.
var (
	ErrInvalidValue      = errors.New("invalid hash value")
	ErrAllZeroPDQ        = errors.New("all-zero PDQ hash")
	ErrLowQuality        = errors.New("quality under the minimum")
	ErrUnknownSignalType = errors.New("unknown signal type")
	ErrNoSignalType      = errors.New("no signal type")
	ErrInvalidField      = errors.New("invalid field")
	ErrLineTooLong       = errors.New("line too long")
	ErrSyntax            = errors.New("malformed line")
)

// Errors that end a read. Anything Read returns that is not a *LineError
// (and not io.EOF) is one of these or an I/O error from the source.
var (
	// ErrTooLarge: the input passed Options.MaxTotalBytes.
	ErrTooLarge = errors.New("hashlist: input larger than the size limit")
	// ErrMalformed: the input cannot be read further (broken JSON, for
	// example, where no next record can be found after the fault).
	ErrMalformed = errors.New("hashlist: malformed input")
	// ErrUnknownFormat: the format could not be recognised, or was named
	// but does not exist.
	ErrUnknownFormat = errors.New("hashlist: unknown format")
	// ErrNotRepresentable: Writer.Write got a record the output format
	// cannot hold (a deletion in a format without deletions, a signal type
	// it has no name for, a tag containing the tag separator...).
	ErrNotRepresentable = errors.New("hashlist: record cannot be written in this format")
)

// LineError reports one bad line (or, for JSON input, one bad element).
// It never ends a read: the caller records it and calls Read again.
type LineError struct {
	Line   int    // 1-based line where the bad record starts
	Column string // column or field at fault as the file names it; "" for the whole line
	Rule   string // what the value should have been, for a person
	Err    error  // one of the Err* kinds above
}

func (e *LineError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("line %d: column %s: %s", e.Line, e.Column, e.Rule)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Rule)
}

func (e *LineError) Unwrap() error { return e.Err }

// IsLineError reports whether err is a bad-line report that the caller may
// skip (true) rather than an error that ended the read (false).
func IsLineError(err error) bool {
	var le *LineError
	return errors.As(err, &le)
}

// fieldError is the line-less form used while a record is being built; the
// reader adds the line number.
type fieldError struct {
	column string
	rule   string
	kind   error
}

func badField(column string, kind error, format string, args ...any) *fieldError {
	return &fieldError{column: column, rule: fmt.Sprintf(format, args...), kind: kind}
}

func (f *fieldError) at(line int) *LineError {
	return &LineError{Line: line, Column: f.column, Rule: f.rule, Err: f.kind}
}
