// Package media is the shared database of hashes of known terrorist media:
// banks of signals (PDQ for photos, vPDQ for videos, MD5 and SHA-256 for
// exact copies) with labels and provenance, contributed by members, agreed
// or disputed by the others, quarantined when they misbehave, exchanged with
// other instances, and matched against uploads in memory.
//
// The model is the GIFCT hash-sharing database and Meta's HMA, with the
// differences that matter in a crisis: a contributed hash matches within a
// second (the in-memory Index is updated in place, never rebuilt), all eight
// rotations and flips of a photo are queried, thresholds and negative banks
// apply inside the search, and every decision is deterministic and audited.
//
// Who sees what: platforms and civil-society members read and write bank
// content; authorities may match media and see aggregate figures, but never
// read the hash lists themselves (GIFCT's rule that governments have no
// access to the database).
package media

import (
	"encoding/hex"
	"regexp"
	"strings"
	"time"

	vigie "github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/pdq"
)

// SignalType is the kind of hash.
type SignalType string

// The signal types. The names are python-threatexchange's, but for MD5
// which it calls video_md5 (accepted as an alias, and used on the HMA API).
const (
	PDQ    SignalType = "pdq"
	VPDQ   SignalType = "vpdq"
	MD5    SignalType = "md5"
	SHA256 SignalType = "sha256"
)

// SignalTypes lists the types in a stable order.
var SignalTypes = []SignalType{PDQ, VPDQ, MD5, SHA256}

// ParseSignalType accepts the canonical names and the common aliases.
func ParseSignalType(s string) (SignalType, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "pdq", "photo_pdq":
		return PDQ, true
	case "vpdq", "video_vpdq":
		return VPDQ, true
	case "md5", "video_md5", "photo_md5":
		return MD5, true
	case "sha256", "sha-256":
		return SHA256, true
	}
	return "", false
}

// Labels describe what a hash is of. The fields follow the GIFCT taxonomy:
// the producing entity, the behaviour shown, the incident, the content type.
type Labels struct {
	Entity      string   `json:"entity,omitempty" maxLength:"200" doc:"Producing or depicted entity (organisation or movement)."`
	Behaviour   string   `json:"behaviour,omitempty" maxLength:"200" doc:"Behaviour shown, e.g. 'graphic violence', 'recruitment', 'instruction'."`
	Incident    string   `json:"incident,omitempty" maxLength:"200" doc:"Incident identifier, e.g. a crisis or referral reference."`
	ContentType string   `json:"content_type,omitempty" maxLength:"100" doc:"e.g. 'attack footage', 'manifesto', 'branded publication'."`
	Tags        []string `json:"tags,omitempty" maxItems:"20" doc:"Free tags."`
}

// IsZero reports whether no label is set.
func (l Labels) IsZero() bool {
	return l.Entity == "" && l.Behaviour == "" && l.Incident == "" && l.ContentType == "" && len(l.Tags) == 0
}

// Merge returns l with the empty fields taken from d.
func (l Labels) Merge(d Labels) Labels {
	if l.Entity == "" {
		l.Entity = d.Entity
	}
	if l.Behaviour == "" {
		l.Behaviour = d.Behaviour
	}
	if l.Incident == "" {
		l.Incident = d.Incident
	}
	if l.ContentType == "" {
		l.ContentType = d.ContentType
	}
	if len(l.Tags) == 0 {
		l.Tags = d.Tags
	}
	return l
}

func (l Labels) validate(field string) error {
	for _, f := range []struct{ name, v string }{
		{"entity", l.Entity}, {"behaviour", l.Behaviour}, {"incident", l.Incident}, {"content_type", l.ContentType},
	} {
		if len(f.v) > 200 {
			return vigie.Invalid(field+"."+f.name, "must be at most 200 bytes")
		}
	}
	if len(l.Tags) > 20 {
		return vigie.Invalid(field+".tags", "at most 20 tags")
	}
	for i, t := range l.Tags {
		if t == "" || len(t) > 100 {
			return vigie.Invalid(field+".tags["+itoa(i)+"]", "must be 1 to 100 bytes")
		}
	}
	return nil
}

// Matching defaults, from the PDQ reference's documentation and vPDQ's.
const (
	DefaultPDQThreshold  = pdq.MatchThreshold   // 31
	DefaultQualityFloor  = pdq.MinUsefulQuality // 50
	DefaultVideoPercent  = 80
	MaxPDQThreshold      = 52 // beyond this PDQ matches noise (pytx's flat index stops at 52 too)
	MaxFramesPerVideo    = 1 << 16
	maxBanks             = 1 << 16 // bank slots are 16 bits of an index id
	maxDescription       = 2000
	DefaultQuarantineMin = 3
)

// BankKind says what a bank's matches mean.
type BankKind string

const (
	// Positive banks hold known terrorist media: a match is a hit.
	Positive BankKind = "positive"
	// Negative banks hold known false positives: a query that matches one
	// has its positive matches suppressed.
	Negative BankKind = "negative"
)

// Bank is a named collection of signals with its matching settings.
type Bank struct {
	ID           string    `json:"id"`
	Name         string    `json:"name" doc:"Upper-case letters, digits and underscores, as HMA requires."`
	Description  string    `json:"description,omitempty"`
	Kind         BankKind  `json:"kind" enum:"positive,negative"`
	OwnerID      string    `json:"owner_id" doc:"The organisation that created the bank and decides its settings."`
	Enabled      bool      `json:"enabled" doc:"Whether the bank takes part in matching."`
	PDQThreshold int       `json:"pdq_threshold" doc:"Largest PDQ distance that counts as a match."`
	QualityFloor int       `json:"quality_floor" doc:"Lowest PDQ quality of a query or a contributed hash that is used."`
	VideoPercent int       `json:"video_percent" doc:"Share of the query video's frames that must match frames of the bank's video (vPDQ; the reference's 80 %)."`
	Labels       Labels    `json:"labels" doc:"Labels given to contributions that carry none."`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Slot         int       `json:"-"` // small number used inside the index

	Signals int `json:"signals" doc:"Active signals in the bank."`
}

// BankDraft is what creating or changing a bank takes. Zero thresholds take
// the defaults.
type BankDraft struct {
	Name         string   `json:"name" minLength:"1" maxLength:"64"`
	Description  string   `json:"description,omitempty" maxLength:"2000"`
	Kind         BankKind `json:"kind,omitempty" enum:"positive,negative" doc:"Default positive."`
	Enabled      *bool    `json:"enabled,omitempty" doc:"Default true."`
	PDQThreshold int      `json:"pdq_threshold,omitempty" minimum:"0" maximum:"52" doc:"Default 31."`
	QualityFloor int      `json:"quality_floor,omitempty" minimum:"0" maximum:"100" doc:"Default 50."`
	VideoPercent int      `json:"video_percent,omitempty" minimum:"0" maximum:"100" doc:"Default 80."`
	Labels       Labels   `json:"labels,omitempty"`
}

var bankName = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,63}$`)

// Validate checks d and fills the defaults.
func (d *BankDraft) Validate() error {
	d.Name = strings.TrimSpace(d.Name)
	if !bankName.MatchString(d.Name) {
		return vigie.Invalid("body.name", "must start with an upper-case letter and contain only A-Z, 0-9 and _, at most 64 characters (HMA's rule)")
	}
	if len(d.Description) > maxDescription {
		return vigie.Invalid("body.description", "must be at most %d bytes", maxDescription)
	}
	switch d.Kind {
	case "":
		d.Kind = Positive
	case Positive, Negative:
	default:
		return vigie.Invalid("body.kind", "must be positive or negative")
	}
	if d.PDQThreshold == 0 {
		d.PDQThreshold = DefaultPDQThreshold
	}
	if d.PDQThreshold < 0 || d.PDQThreshold > MaxPDQThreshold {
		return vigie.Invalid("body.pdq_threshold", "must be between 0 and %d", MaxPDQThreshold)
	}
	if d.QualityFloor == 0 {
		d.QualityFloor = DefaultQualityFloor
	}
	if d.QualityFloor < 0 || d.QualityFloor > 100 {
		return vigie.Invalid("body.quality_floor", "must be between 0 and 100")
	}
	if d.VideoPercent == 0 {
		d.VideoPercent = DefaultVideoPercent
	}
	if d.VideoPercent < 0 || d.VideoPercent > 100 {
		return vigie.Invalid("body.video_percent", "must be between 0 and 100")
	}
	if d.Enabled == nil {
		t := true
		d.Enabled = &t
	}
	return d.Labels.validate("body.labels")
}

// SignalState is where a signal stands.
type SignalState string

const (
	// Active signals match.
	Active SignalState = "active"
	// Quarantined signals do not match until their contributor reinstates
	// them: disputed by members, or matching a suspicious share of lookups.
	Quarantined SignalState = "quarantined"
	// Removed signals were withdrawn by their contributor or the bank owner;
	// they stay in the delta feed as deletions.
	Removed SignalState = "removed"
)

// Signal is one hash in a bank.
type Signal struct {
	ID            int64       `json:"id"`
	BankID        string      `json:"bank_id"`
	Bank          string      `json:"bank"`
	Type          SignalType  `json:"signal_type" enum:"pdq,vpdq,md5,sha256"`
	Value         string      `json:"signal"`
	Quality       int         `json:"quality,omitempty" doc:"PDQ quality when known (0 to 100); -1 unknown."`
	Labels        Labels      `json:"labels"`
	ContributorID string      `json:"contributor_id" doc:"Organisation that contributed the hash."`
	Source        string      `json:"source,omitempty" doc:"Where it came from: 'api', 'import:FILE', 'referral/ID', 'exchange:NAME'."`
	State         SignalState `json:"state" enum:"active,quarantined,removed"`
	StateReason   string      `json:"state_reason,omitempty"`
	Confirmed     bool        `json:"confirmed" doc:"Reinstated by its contributor after a quarantine: disputes no longer quarantine it."`
	Agree         int         `json:"agree"`
	Disagree      int         `json:"disagree"`
	CreatedAt     time.Time   `json:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at"`
	Seq           int64       `json:"seq" doc:"Position in the bank's change feed."`
}

// SignalDraft is a contributed hash.
type SignalDraft struct {
	Type    SignalType `json:"signal_type" enum:"pdq,vpdq,md5,sha256"`
	Value   string     `json:"signal" minLength:"1" maxLength:"2000000"`
	Quality *int       `json:"quality,omitempty" minimum:"0" maximum:"100"`
	Labels  Labels     `json:"labels,omitempty"`
}

// NormaliseSignal checks a signal value against its type's syntax and
// returns its canonical form (lower-case hex; vPDQ re-serialised).
func NormaliseSignal(t SignalType, v string) (string, error) {
	v = strings.TrimSpace(v)
	switch t {
	case PDQ:
		h, err := pdq.ParseHash(v)
		if err != nil {
			return "", errRule("PDQ hash must be 64 hexadecimal digits")
		}
		if h == (pdq.Hash{}) {
			return "", errRule("an all-zero PDQ hash is what a failed hasher prints, not a hash")
		}
		return h.String(), nil
	case MD5:
		return hexOf(v, 16, "MD5 must be 32 hexadecimal digits")
	case SHA256:
		return hexOf(v, 32, "SHA-256 must be 64 hexadecimal digits")
	case VPDQ:
		fr, err := ParseVideo(v)
		if err != nil {
			return "", err
		}
		return formatVideo(fr), nil
	}
	return "", errRule("unknown signal type")
}

type ruleError string

func (e ruleError) Error() string { return string(e) }

func errRule(s string) error { return ruleError(s) }

func hexOf(v string, n int, rule string) (string, error) {
	if len(v) != 2*n {
		return "", errRule(rule)
	}
	b, err := hex.DecodeString(v)
	if err != nil || len(b) != n {
		return "", errRule(rule)
	}
	return hex.EncodeToString(b), nil
}

// Validate checks a contributed signal; field prefixes the error's field.
func (d *SignalDraft) Validate(field string) error {
	t, ok := ParseSignalType(string(d.Type))
	if !ok {
		return vigie.Invalid(field+".signal_type", "must be one of pdq, vpdq, md5, sha256")
	}
	d.Type = t
	v, err := NormaliseSignal(t, d.Value)
	if err != nil {
		return vigie.Invalid(field+".signal", "%v", err)
	}
	d.Value = v
	if d.Quality != nil && (*d.Quality < 0 || *d.Quality > 100) {
		return vigie.Invalid(field+".quality", "must be between 0 and 100")
	}
	return d.Labels.validate(field + ".labels")
}

// Opinion is a member's feedback on someone else's signal.
type Opinion string

// The opinions. HMA's NEGATIVE_CLASS and POSITIVE_CLASS.
const (
	Agree    Opinion = "agree"
	Disagree Opinion = "disagree"
)

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
