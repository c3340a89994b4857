package vpdq

import (
	"bytes"
	"errors"
	"testing"

	"github.com/vigie-project/vigie/pdq"
)

// checkParsed asserts what every successful parse must give: a valid hash
// whose serialisation reads back to the same serialisation.
func checkParsed(t *testing.T, h Hash) {
	t.Helper()
	if err := h.Validate(); err != nil {
		t.Fatalf("parsed hash is invalid: %v", err)
	}
	text, err := h.Text()
	if err != nil {
		t.Fatalf("Text: %v", err)
	}
	back, err := ParseText(text)
	if err != nil {
		t.Fatalf("ParseText(Text()) = %v for %q", err, text)
	}
	again, _ := back.Text()
	if !bytes.Equal(text, again) {
		t.Fatalf("text not stable:\n%s\n%s", text, again)
	}
	sig, err := h.Signal()
	if err != nil {
		t.Fatalf("Signal: %v", err)
	}
	sback, err := ParseSignal(sig)
	if err != nil {
		t.Fatalf("ParseSignal(Signal()) = %v for %q", err, sig)
	}
	if sig2, _ := sback.Signal(); sig2 != sig {
		t.Fatalf("signal not stable:\n%s\n%s", sig, sig2)
	}
	for i := range h {
		if back[i].Hash != h[i].Hash || back[i].Quality != h[i].Quality || back[i].Number != h[i].Number ||
			sback[i].Hash != h[i].Hash || sback[i].Quality != h[i].Quality {
			t.Fatalf("frame %d changed: %+v → text %+v, signal %+v", i, h[i], back[i], sback[i])
		}
	}
}

// knownRule reports whether err is one of the documented parse failures.
func knownRule(err error) bool {
	for _, rule := range []error{ErrFieldCount, ErrFrameNumber, ErrQuality, ErrTimestamp, ErrLineTooLong,
		ErrSignal, ErrNoFrames, ErrTooManyFrames, ErrTooLarge, pdq.ErrHashLength, pdq.ErrHashHex} {
		if errors.Is(err, rule) {
			return true
		}
	}
	return false
}

func FuzzParseText(f *testing.F) {
	f.Add("0,100," + exampleA + ",0\n1,100," + exampleB + ",0.0326\n")
	f.Add("0,100," + exampleA + ",0.000\r\n\r\n30,49," + exampleC + ",1.000\r\n")
	f.Add("5,7," + exampleA + ",1e+03")
	f.Add("0,101," + exampleA + ",-1")
	f.Add("0,100,xyz,0")
	f.Fuzz(func(t *testing.T, in string) {
		h, err := ParseText([]byte(in))
		if err != nil {
			if !knownRule(err) {
				t.Fatalf("undocumented error: %v", err)
			}
			return
		}
		checkParsed(t, h)
	})
}

func FuzzParseSignal(f *testing.F) {
	f.Add(`["` + exampleA + `,100,0.0", "` + exampleB + `,100,1.0"]`)
	f.Add(`[ "` + exampleC + `,50,1.23e+03" ]`)
	f.Add(`["` + exampleA + `,100,nan"]`)
	f.Add(`{"0": {"quality": 100}}`)
	f.Add(`[1, 2]`)
	f.Add(``)
	f.Fuzz(func(t *testing.T, in string) {
		h, err := ParseSignal(in)
		if err != nil {
			if !knownRule(err) {
				t.Fatalf("undocumented error: %v", err)
			}
			return
		}
		checkParsed(t, h)
	})
}
