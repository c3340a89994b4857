package media

import (
	"github.com/vigie-project/vigie/vpdq"
)

// ParseVideo reads a vPDQ signal in python-threatexchange's one-string form.
func ParseVideo(v string) (vpdq.Hash, error) {
	h, err := vpdq.ParseSignal(v)
	if err != nil {
		return nil, errRule("vPDQ: " + err.Error())
	}
	if len(h) == 0 {
		return nil, errRule("vPDQ hash has no frames")
	}
	if len(h) > MaxFramesPerVideo {
		return nil, errRule("vPDQ hash has too many frames")
	}
	return h, nil
}

// formatVideo writes frames in the canonical one-string form.
func formatVideo(h vpdq.Hash) string {
	s, err := h.Signal()
	if err != nil {
		// parseVideo validated h: a failure here is a bug in vpdq.
		panic("media: vPDQ signal: " + err.Error())
	}
	return s
}
