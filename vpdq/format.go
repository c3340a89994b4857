package vpdq

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/vigie-project/vigie/pdq"
)

// MaxLineLength bounds one line of the text format and one element of the
// signal, in bytes. A well-formed line is at most about 100 bytes.
const MaxLineLength = 256

// MaxTextBytes bounds the text that ReadText reads and the signal string
// that ParseSignal accepts: 32 MiB, room for MaxFrames lines of 128 bytes.
const MaxTextBytes = MaxFrames * 128

// Field names used in ParseError.
const (
	fieldNumber    = "frame number"
	fieldQuality   = "quality"
	fieldHash      = "hash"
	fieldTimestamp = "timestamp"
)

// ParseText parses the reference's hash file (see ReadText).
func ParseText(data []byte) (Hash, error) {
	return ReadText(bytes.NewReader(data))
}

// ReadText reads a hash in the text format of the reference
// implementation (vpdq/cpp, the files of vpdq/sample-hashes): one frame a
// line, "frame_number,quality,pdq_hex,timestamp", for instance
//
//	0,100,e42926b9cb58d261383b699f0ff2e1076fe6183dff4986d82ca36da48034fc54,0.000
//
// Line endings may be LF or CRLF; blank lines are skipped and spaces or
// tabs around a field are ignored. The frame number is a decimal integer in
// 0..2³¹−1 that increases from line to line, the quality a decimal integer
// in 0..100, the hash 64 hexadecimal digits (either case), the timestamp a
// decimal number in 0..MaxTimestamp (the reference has written it both with three
// significant digits, "0.0326", "19.5", and with three decimals, "0.033").
// At most MaxTextBytes are read, lines are at most MaxLineLength bytes and
// a hash has at most MaxFrames frames; an input without frames is refused
// with ErrNoFrames, as the reference refuses an empty hash file.
//
// Errors from malformed lines are *ParseError values naming the line, the
// field and the rule.
func ReadText(r io.Reader) (Hash, error) {
	lr := &io.LimitedReader{R: r, N: MaxTextBytes + 1}
	br := bufio.NewReaderSize(lr, 64<<10)
	var h Hash
	for lineNo := 1; ; lineNo++ {
		raw, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, &ParseError{Format: "text", Line: lineNo, Value: cut(string(raw)), Err: ErrLineTooLong}
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		if line := strings.TrimSpace(string(raw)); line != "" {
			if len(line) > MaxLineLength {
				return nil, &ParseError{Format: "text", Line: lineNo, Value: cut(line), Err: ErrLineTooLong}
			}
			if len(h) == MaxFrames {
				return nil, fmt.Errorf("%w: more than %d lines", ErrTooManyFrames, MaxFrames)
			}
			f, perr := parseFields(line, textLayout, "text", lineNo)
			if perr != nil {
				return nil, perr
			}
			if len(h) > 0 && f.Number <= h[len(h)-1].Number {
				return nil, &ParseError{Format: "text", Line: lineNo, Field: fieldNumber, Value: strconv.Itoa(f.Number), Err: ErrFrameNumber}
			}
			h = append(h, f)
		}
		if err == io.EOF {
			break
		}
	}
	if lr.N <= 0 {
		return nil, fmt.Errorf("%w: hash text longer than %d bytes", ErrTooLarge, MaxTextBytes)
	}
	if len(h) == 0 {
		return nil, ErrNoFrames
	}
	return h, nil
}

// Field layouts of a text line and of a signal element.
var (
	textLayout   = []string{fieldNumber, fieldQuality, fieldHash, fieldTimestamp}
	signalLayout = []string{fieldHash, fieldQuality, fieldTimestamp}
)

// parseFields parses one text line or signal element, whose comma-separated
// fields follow layout; format and line say where, for errors.
func parseFields(s string, layout []string, format string, line int) (Frame, error) {
	var f Frame
	fields := strings.Split(s, ",")
	if len(fields) != len(layout) {
		return f, &ParseError{Format: format, Line: line, Value: cut(s),
			Err: fmt.Errorf("%w: %d, want %d (%s)", ErrFieldCount, len(fields), len(layout), strings.Join(layout, ", "))}
	}
	for i, name := range layout {
		v := strings.TrimSpace(fields[i])
		var err error
		switch name {
		case fieldNumber:
			if f.Number, err = parseUint(v, math.MaxInt32); err != nil {
				err = fmt.Errorf("%w (%v)", ErrFrameNumber, err)
			}
		case fieldQuality:
			if f.Quality, err = parseUint(v, 100); err != nil {
				err = fmt.Errorf("%w (%v)", ErrQuality, err)
			}
		case fieldHash:
			f.Hash, err = pdq.ParseHash(v)
		case fieldTimestamp:
			if f.Timestamp, err = parseTimestamp(v); err != nil {
				err = fmt.Errorf("%w (%v)", ErrTimestamp, err)
			}
		}
		if err != nil {
			return Frame{}, &ParseError{Format: format, Line: line, Field: name, Value: cut(v), Err: err}
		}
	}
	return f, nil
}

// Text returns the hash in the reference's text format, as vpdq/cpp's
// outputVPDQFeatureToFile writes it: "frame_number,quality,pdq_hex,timestamp"
// lines ending in LF, the timestamp with three decimals. The hash must be
// valid (see Validate).
func (h Hash) Text() ([]byte, error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(h)*(pdq.HexLen+24))
	for _, f := range h {
		b = strconv.AppendInt(b, int64(f.Number), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(f.Quality), 10)
		b = append(b, ',')
		b = hex.AppendEncode(b, f.Hash[:])
		b = append(b, ',')
		b = strconv.AppendFloat(b, positiveZero(f.Timestamp), 'f', 3, 64)
		b = append(b, '\n')
	}
	return b, nil
}

// WriteText writes the hash in the reference's text format; see Text.
func (h Hash) WriteText(w io.Writer) error {
	b, err := h.Text()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// ParseSignal parses the signal string of python-threatexchange's vPDQ
// signal type (VPDQSignal, signal type name "vpdq"), the string that
// python-threatexchange exchanges and HMA, with the vpdq extension enabled,
// keeps in its banks and takes as the signal of its lookup API: a JSON array
// of strings, one a frame, each "pdq_hex,quality,timestamp", for instance
//
//	["f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,100,0.0", …]
//
// (vpdq_util.py: vpdq_to_json, json_to_vpdq, VpdqCompactFeature). The
// elements carry no frame number: Frame.Number is set to the element's
// position, from 0.
//
// The rules are those of VpdqCompactFeature.assert_valid (64 hexadecimal
// digits, quality in 0..100, timestamp not negative), with these
// differences: fields are decimal numbers without underscores and the
// timestamp must be at most MaxTimestamp (Python's int and float accept
// "1_0", "inf" and "nan"); the hash may not carry a "0x" prefix or a sign (int(x, 16)
// accepts them when the length still comes to 64); an empty string or
// array is refused with ErrNoFrames (pytx reads it as an empty hash, which
// matches nothing); there are at most MaxFrames elements and the string is
// at most MaxTextBytes long.
func ParseSignal(s string) (Hash, error) {
	if len(s) > MaxTextBytes {
		return nil, fmt.Errorf("%w: signal longer than %d bytes", ErrTooLarge, MaxTextBytes)
	}
	if strings.TrimSpace(s) == "" {
		return nil, ErrNoFrames
	}
	dec := json.NewDecoder(strings.NewReader(s))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, fmt.Errorf("vpdq: %w (it does not start with '[')", ErrSignal)
	}
	var h Hash
	for dec.More() {
		n := len(h) + 1
		if n > MaxFrames {
			return nil, fmt.Errorf("%w: more than %d elements", ErrTooManyFrames, MaxFrames)
		}
		var elem string
		if err := dec.Decode(&elem); err != nil {
			return nil, &ParseError{Format: "signal", Line: n, Err: fmt.Errorf("%w: %v", ErrSignal, err)}
		}
		if len(elem) > MaxLineLength {
			return nil, &ParseError{Format: "signal", Line: n, Value: cut(elem), Err: ErrLineTooLong}
		}
		f, err := parseFields(elem, signalLayout, "signal", n)
		if err != nil {
			return nil, err
		}
		f.Number = len(h)
		h = append(h, f)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim(']') {
		return nil, fmt.Errorf("vpdq: %w (the array is not closed)", ErrSignal)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("vpdq: %w (data after the array)", ErrSignal)
	}
	if len(h) == 0 {
		return nil, ErrNoFrames
	}
	return h, nil
}

// Signal returns the hash as python-threatexchange's vPDQ signal string,
// byte for byte what vpdq_to_json writes for the same frames: Python's
// json.dumps of a list of "pdq_hex,quality,timestamp" strings, elements
// separated by ", ", the timestamp formatted as Python's f"{t:.3}" (three
// significant digits: "0.0", "1.0", "12.3", "1.23e+02"). Frame numbers are
// not part of the format, and timestamps of 100 s and more lose precision
// ("1.23e+03"), as they do in python-threatexchange; matching uses
// neither. The hash must be valid (see Validate).
func (h Hash) Signal() (string, error) {
	if err := h.Validate(); err != nil {
		return "", err
	}
	b := make([]byte, 0, 2+len(h)*(pdq.HexLen+16))
	b = append(b, '[')
	for i, f := range h {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		b = append(b, '"')
		b = hex.AppendEncode(b, f.Hash[:])
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(f.Quality), 10)
		b = append(b, ',')
		b = appendPythonFloat3(b, positiveZero(f.Timestamp))
		b = append(b, '"')
	}
	b = append(b, ']')
	return string(b), nil
}

// appendPythonFloat3 appends x ≥ 0 as Python's format(x, ".3") does: the
// "general" format of three significant digits, in fixed notation when the
// decimal exponent e of the rounded value is in −4 ≤ e < 2 with trailing
// zeros dropped but at least one digit after the point, and in scientific
// notation otherwise, with trailing zeros of the mantissa dropped and an
// exponent of at least two digits. (With no presentation type Python
// switches to scientific notation at e ≥ precision−1, one step earlier than
// "g" does: 123.0 gives "1.23e+02".)
func appendPythonFloat3(b []byte, x float64) []byte {
	if x == 0 {
		return append(b, "0.0"...)
	}
	var buf [32]byte
	sci := strconv.AppendFloat(buf[:0], x, 'e', 2, 64) // d.dde±XX, correctly rounded
	ePos := bytes.IndexByte(sci, 'e')
	exp, _ := strconv.Atoi(string(sci[ePos+1:]))
	if exp < -4 || exp >= 2 {
		mant := bytes.TrimRight(sci[:ePos], "0")
		mant = bytes.TrimSuffix(mant, []byte("."))
		b = append(b, mant...)
		return append(b, sci[ePos:]...)
	}
	// Rounding to 2−exp decimals rounds at the same digit as the 'e' form
	// above, so the exponent cannot change here.
	fixed := strconv.AppendFloat(buf[:0], x, 'f', 2-exp, 64)
	fixed = bytes.TrimRight(fixed, "0")
	if fixed[len(fixed)-1] == '.' {
		fixed = append(fixed, '0')
	}
	return append(b, fixed...)
}

// Reasons given in parse errors beside the rule.
var (
	errNotInteger = errors.New("not a decimal integer")
	errNotNumber  = errors.New("not a decimal number")
	errOutOfRange = errors.New("out of range")
	errNegative   = errors.New("negative")
	errInfinite   = errors.New("not finite")
)

// parseUint parses a decimal integer of digits only (no sign, no spaces)
// not above max.
func parseUint(s string, max int) (int, error) {
	if s == "" {
		return 0, errNotInteger
	}
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, errNotInteger
		}
		if v > max { // stop before overflow; leading zeros keep v small
			return 0, errOutOfRange
		}
		v = v*10 + int(c-'0')
	}
	if v > max {
		return 0, errOutOfRange
	}
	return v, nil
}

// parseTimestamp parses a decimal number as the reference's writers
// produce it: an optional sign, digits with at most one point, an optional
// exponent. Unlike strconv.ParseFloat it refuses "inf", "nan", hexadecimal
// and underscores; the value must be in 0..MaxTimestamp (−0 reads as 0).
func parseTimestamp(s string) (float64, error) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits, point := 0, false
	for ; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			digits++
		} else if c == '.' && !point {
			point = true
		} else {
			break
		}
	}
	if digits == 0 {
		return 0, errNotNumber
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		expDigits := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			expDigits++
		}
		if expDigits == 0 {
			return 0, errNotNumber
		}
	}
	if i != len(s) {
		return 0, errNotNumber
	}
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case math.IsInf(v, 0):
		return 0, errInfinite
	case err != nil:
		return 0, errNotNumber
	case v < 0:
		return 0, errNegative
	case v > MaxTimestamp:
		return 0, errOutOfRange
	}
	return positiveZero(v), nil
}

// positiveZero turns −0 into 0 so that it is written "0".
func positiveZero(x float64) float64 {
	if x == 0 {
		return 0
	}
	return x
}

// cut shortens s for an error message.
func cut(s string) string {
	const max = 80
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
