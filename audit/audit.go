// Package audit is Vigie's append-only, hash-chained log of state changes.
//
// Every entry commits to the one before it: Hash = SHA-256 over the previous
// hash, the sequence number, the time, the organisation, the actor, the
// action, the subject and the SHA-256 of the entry's data. Changing, removing
// or reordering any row breaks every hash after it, so Verify finds the first
// entry that was tampered with. Because the chain commits to the digest of
// the data rather than the data, a party can verify the whole chain from
// entries whose data it may not see (another organisation's), given their
// DataHash.
//
// Entries are appended by the storage adapter inside the same transaction as
// the state change they record, so the log and the state never disagree.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Record is what a service asks to be logged.
type Record struct {
	OrgID   string // the organisation on whose behalf the change was made
	Actor   string // "user:ID", "key:ID" or "system"
	Action  string // e.g. "referral.created"
	Subject string // e.g. "referral/ID"
	Data    any    // marshalled to JSON
}

// Entry is one link of the chain.
type Entry struct {
	Seq      int64           `json:"seq"`
	At       time.Time       `json:"at"`
	OrgID    string          `json:"org_id"`
	Actor    string          `json:"actor"`
	Action   string          `json:"action"`
	Subject  string          `json:"subject"`
	Data     json.RawMessage `json:"data,omitempty"`
	DataHash string          `json:"data_hash"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// Genesis is the PrevHash of the first entry.
var Genesis = hex.EncodeToString(make([]byte, sha256.Size))

// Seal fills in DataHash and Hash for an entry whose other fields are set.
func (e *Entry) Seal() {
	e.DataHash = DataHash(e.Data)
	e.Hash = e.computeHash()
}

// DataHash returns the hex SHA-256 of an entry's data.
func DataHash(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

func (e *Entry) computeHash() string {
	h := sha256.New()
	var n [8]byte
	field := func(s string) { // length-prefixed, so fields cannot run into each other
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(e.PrevHash)
	binary.BigEndian.PutUint64(n[:], uint64(e.Seq))
	h.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(e.At.UnixMicro()))
	h.Write(n[:])
	field(e.OrgID)
	field(e.Actor)
	field(e.Action)
	field(e.Subject)
	field(e.DataHash)
	return hex.EncodeToString(h.Sum(nil))
}

// Break describes the first entry where the chain does not hold.
type Break struct {
	Seq    int64
	Reason string
}

func (b *Break) Error() string {
	return fmt.Sprintf("audit chain broken at entry %d: %s", b.Seq, b.Reason)
}

// Verifier checks entries one at a time, in sequence order.
type Verifier struct {
	prev    string
	nextSeq int64
	count   int64
}

// NewVerifier starts a verification at the first entry of the chain.
func NewVerifier() *Verifier { return &Verifier{prev: Genesis, nextSeq: 1} }

// Next checks one entry. Data may be nil when the caller holds only DataHash.
func (v *Verifier) Next(e Entry) error {
	switch {
	case e.Seq != v.nextSeq:
		return &Break{Seq: v.nextSeq, Reason: fmt.Sprintf("entry missing: next entry found is %d", e.Seq)}
	case e.PrevHash != v.prev:
		return &Break{Seq: e.Seq, Reason: "prev_hash does not match the previous entry's hash"}
	case e.Data != nil && DataHash(e.Data) != e.DataHash:
		return &Break{Seq: e.Seq, Reason: "data does not match data_hash"}
	case e.computeHash() != e.Hash:
		return &Break{Seq: e.Seq, Reason: "hash does not match the entry's content"}
	}
	v.prev, v.nextSeq = e.Hash, e.Seq+1
	v.count++
	return nil
}

// Count is how many entries have been verified.
func (v *Verifier) Count() int64 { return v.count }

// Head is the hash of the last verified entry.
func (v *Verifier) Head() string { return v.prev }

// Reader reads the chain in sequence order, calling fn for each entry.
type Reader interface {
	EachAuditEntry(ctx context.Context, fromSeq int64, fn func(Entry) error) error
}

// Filter selects audit entries.
type Filter struct {
	Subject string // exact subject, e.g. "referral/ID"
	OrgID   string // entries made on behalf of this organisation
	Since   time.Time
	Limit   int
}

// VerifyAll verifies the whole chain from r. It returns the number of entries
// checked and a *Break for the first broken entry.
func VerifyAll(ctx context.Context, r Reader) (int64, error) {
	v := NewVerifier()
	err := r.EachAuditEntry(ctx, 1, v.Next)
	return v.Count(), err
}
