package vpdq

import (
	"errors"
	"fmt"
	"math"

	"github.com/vigie-project/vigie/pdq"
)

// Frame is one hashed frame of a video: a vpdqFeature of the reference.
type Frame struct {
	// Number is the frame's index among the decoded frames of the video,
	// from 0 (the reference's frameNumber). It is not used for matching.
	Number int
	// Quality is the PDQ quality of the frame, 0 to 100.
	Quality int
	// Hash is the PDQ hash of the frame.
	Hash pdq.Hash
	// Timestamp is the frame's time in the video, in seconds (Number
	// divided by the frame rate). It is not used for matching.
	Timestamp float64
}

// Hash is the vPDQ hash of a video: its hashed frames, in increasing frame
// number. Matching treats it as an unordered bag of frame hashes.
type Hash []Frame

// MaxFrames bounds the number of frames of a hash that the parsers accept
// and that Validate allows: 262,144 frames, 72 hours at one frame per
// second, or 2.4 hours of every frame of a 30 fps video. It keeps a hostile
// input from costing more than about 15 MB of frames.
const MaxFrames = 1 << 18

// MaxTimestamp bounds frame timestamps, in seconds (about 31 years), so
// that every valid timestamp has a short decimal form. Real timestamps are
// far below it; the reference sets no bound.
const MaxTimestamp = 1e9

// Reference thresholds (vpdq/README.md, python-threatexchange's vpdq_util.py).
const (
	// DefaultQualityThreshold is the lowest frame quality that takes part in
	// matching (VPDQ_QUALITY_THRESHOLD).
	DefaultQualityThreshold = pdq.MinUsefulQuality
	// DefaultDistanceThreshold is the largest Hamming distance at which two
	// frames match (VPDQ_DISTANCE_THRESHOLD).
	DefaultDistanceThreshold = pdq.MatchThreshold
	// DefaultQueryMatchPercent is the share of the query's frames that must
	// be found in the other video (VPDQ_QUERY_MATCH_THRESHOLD_PERCENT).
	DefaultQueryMatchPercent = 80.0
	// DefaultCompareMatchPercent is the share of the compared video's
	// frames that must be found in the query (VPDQ_INDEX_MATCH_THRESHOLD_PERCENT).
	DefaultCompareMatchPercent = 0.0
)

// Errors about the content of a hash. Parsers wrap them in a *ParseError
// that says where; Validate wraps them with the frame's index.
var (
	// ErrFieldCount reports a text line or a signal element with the wrong
	// number of comma-separated fields.
	ErrFieldCount = errors.New("wrong number of fields")
	// ErrFrameNumber reports a frame number that is not a decimal integer
	// in 0..2³¹−1, or that does not increase from one frame to the next.
	ErrFrameNumber = errors.New("frame number must be an integer in 0..2147483647, increasing from frame to frame")
	// ErrQuality reports a quality that is not a decimal integer in 0..100.
	ErrQuality = errors.New("quality must be an integer in 0..100")
	// ErrTimestamp reports a timestamp that is not a decimal number in
	// 0..MaxTimestamp.
	ErrTimestamp = errors.New("timestamp must be a decimal number of seconds in 0..1e9")
	// ErrLineTooLong reports a text line or signal element longer than
	// MaxLineLength bytes.
	ErrLineTooLong = errors.New("line too long")
	// ErrSignal reports a signal string that is not a JSON array of strings.
	ErrSignal = errors.New("signal must be a JSON array of strings")

	// ErrNoFrames reports a hash without frames: the reference's reader
	// refuses an empty hash file, and such a hash can match nothing.
	ErrNoFrames = errors.New("vpdq: hash has no frames")
	// ErrTooManyFrames reports a hash of more than MaxFrames frames, or a
	// video that gives more frames than Extractor.MaxFrames.
	ErrTooManyFrames = errors.New("vpdq: too many frames")
	// ErrTooLarge reports an input above a size bound: a hash text or
	// signal longer than the parser accepts, a video of more pixels per
	// frame than Extractor.MaxPixels, or a stream longer than
	// Extractor.MaxBytes.
	ErrTooLarge = errors.New("vpdq: input too large")
)

// ParseError reports where and why a hash text or signal was refused.
// Err is the rule that was broken (ErrQuality, pdq.ErrHashHex, …), so
// errors.Is(err, ErrQuality) works through it.
type ParseError struct {
	// Format is "text" (the reference's hash file) or "signal"
	// (python-threatexchange's signal string).
	Format string
	// Line is the 1-based line of the text, or the 1-based position of the
	// element in the signal's JSON array.
	Line int
	// Field names the offending field ("frame number", "quality", "hash",
	// "timestamp"), empty when the fault is the whole line.
	Field string
	// Value is the offending text, cut to 80 bytes.
	Value string
	// Err is the rule.
	Err error
}

func (e *ParseError) Error() string {
	where := "line"
	if e.Format == "signal" {
		where = "signal element"
	}
	msg := fmt.Sprintf("vpdq: %s %d", where, e.Line)
	if e.Field != "" {
		msg += ": " + e.Field
	}
	if e.Value != "" || e.Field != "" {
		msg += fmt.Sprintf(" %q", e.Value)
	}
	return msg + ": " + e.Err.Error()
}

func (e *ParseError) Unwrap() error { return e.Err }

// Validate checks the rules that the parsers enforce, so that a valid
// hash can be written and read back: at least one frame and at most
// MaxFrames, frame numbers in 0..2³¹−1 and strictly increasing, qualities in
// 0..100, timestamps in 0..MaxTimestamp.
func (h Hash) Validate() error {
	if len(h) == 0 {
		return ErrNoFrames
	}
	if len(h) > MaxFrames {
		return fmt.Errorf("%w: %d frames, the bound is %d", ErrTooManyFrames, len(h), MaxFrames)
	}
	last := -1
	for i, f := range h {
		if err := f.validate(last); err != nil {
			return fmt.Errorf("vpdq: frame %d (number %d): %w", i, f.Number, err)
		}
		last = f.Number
	}
	return nil
}

func (f *Frame) validate(lastNumber int) error {
	switch {
	case f.Number < 0 || f.Number > math.MaxInt32 || f.Number <= lastNumber:
		return ErrFrameNumber
	case f.Quality < 0 || f.Quality > 100:
		return ErrQuality
	case !(f.Timestamp >= 0 && f.Timestamp <= MaxTimestamp): // also NaN
		return ErrTimestamp
	}
	return nil
}
