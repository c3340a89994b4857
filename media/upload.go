package media

import (
	"bytes"
	"context"
	"crypto/md5" //nolint:gosec // MD5 is a signal type here, not a security measure
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	vigie "github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/pdq"
	"github.com/vigie-project/vigie/vpdq"
)

// Hashes are the signals computed from one uploaded file.
type Hashes struct {
	Kind     string   `json:"kind" enum:"photo,video" doc:"What the file was taken for."`
	PDQ      string   `json:"pdq,omitempty"`
	Quality  int      `json:"quality,omitempty" doc:"PDQ quality of the photo, 0 to 100."`
	Dihedral []string `json:"dihedral,omitempty" doc:"The 8 PDQ hashes of the photo's rotations and flips, in the reference's order."`
	VPDQ     string   `json:"vpdq,omitempty" doc:"vPDQ hash of the video, in python-threatexchange's form."`
	Frames   int      `json:"frames,omitempty"`
	MD5      string   `json:"md5"`
	SHA256   string   `json:"sha256"`
	query    Query
}

// Query returns the lookup for these hashes: the 8 variants of a photo, the
// frames of a video, and the exact digests.
func (h *Hashes) Query() Query { return h.query }

// Uploads hashes uploaded media for matching and contributing.
type Uploads struct {
	Photos pdq.Hasher
	// Videos hashes videos; nil when ffmpeg is not installed, and videos
	// are then matched by their exact digests only.
	Videos func(ctx context.Context, data []byte) (vpdq.Hash, error)
}

// Hash computes the signals of data. A photo that cannot be decoded, is
// too large, or has a PDQ quality too low to be useful is refused with a
// clear error; a video needs ffmpeg.
func (u *Uploads) Hash(ctx context.Context, data []byte, contentType string) (*Hashes, error) {
	if len(data) == 0 {
		return nil, vigie.Invalid("body", "the file is empty")
	}
	m := md5.Sum(data) //nolint:gosec
	s := sha256.Sum256(data)
	h := &Hashes{MD5: hex.EncodeToString(m[:]), SHA256: hex.EncodeToString(s[:])}
	h.query = Query{Quality: -1, MD5: h.MD5, SHA256: h.SHA256}
	if isVideo(data, contentType) {
		h.Kind = "video"
		if u.Videos == nil {
			return h, nil
		}
		v, err := u.Videos(ctx, data)
		if err != nil {
			return nil, vigie.Invalid("body", "cannot hash the video: %v", err)
		}
		h.VPDQ, h.Frames = formatVideo(v), len(v)
		h.query.Video = v
		return h, nil
	}
	h.Kind = "photo"
	res, err := u.Photos.HashBytes(data)
	if err != nil {
		switch {
		case errors.Is(err, pdq.ErrLowQuality):
			return nil, vigie.Invalid("body", "the image has too little detail to hash usefully (PDQ quality %d, under %d)", res.Quality, DefaultQualityFloor)
		default:
			return nil, vigie.Invalid("body", "%v", err)
		}
	}
	h.PDQ, h.Quality = res.Hash.String(), res.Quality
	dih := res.Dihedral()
	h.query.PDQ = dih[:]
	h.query.Quality = res.Quality
	h.query.Variants = make([]pdq.Transform, pdq.NumTransforms)
	for i := range dih {
		h.Dihedral = append(h.Dihedral, dih[i].String())
		h.query.Variants[i] = pdq.Transform(i)
	}
	return h, nil
}

// Drafts returns the hashes as contributions with labels.
func (h *Hashes) Drafts(l Labels) []SignalDraft {
	var out []SignalDraft
	if h.PDQ != "" {
		q := h.Quality
		out = append(out, SignalDraft{Type: PDQ, Value: h.PDQ, Quality: &q, Labels: l})
	}
	if h.VPDQ != "" {
		out = append(out, SignalDraft{Type: VPDQ, Value: h.VPDQ, Labels: l})
	}
	return append(out, SignalDraft{Type: MD5, Value: h.MD5, Labels: l}, SignalDraft{Type: SHA256, Value: h.SHA256, Labels: l})
}

// isVideo tells videos from images by the declared type, then by the
// container's magic numbers.
func isVideo(data []byte, contentType string) bool {
	if strings.HasPrefix(contentType, "video/") {
		return true
	}
	if strings.HasPrefix(contentType, "image/") {
		return false
	}
	switch {
	case len(data) >= 12 && string(data[4:8]) == "ftyp": // MP4, MOV
		return true
	case bytes.HasPrefix(data, []byte{0x1a, 0x45, 0xdf, 0xa3}): // Matroska, WebM
		return true
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "AVI ":
		return true
	}
	return false
}
