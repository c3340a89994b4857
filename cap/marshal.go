package cap

import (
	"bytes"
	"encoding/xml"
	"io"
	"slices"
)

// Marshal writes a as an indented CAP 1.2 document (with an XML
// declaration), elements in schema order, whatever version it was read
// as. It does not check a: call Validate first to publish only conformant
// alerts. Signatures are not written (see Alert.Signatures).
func Marshal(a *Alert) ([]byte, error) {
	var b bytes.Buffer
	if err := a.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Write writes a as Marshal does.
func (a *Alert) Write(w io.Writer) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(upgrade(a)); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// upgrade maps values that CAP 1.0 had and 1.2 has not: certainty "Very
// Likely" became "Likely" in 1.1. a itself is not changed.
func upgrade(a *Alert) *Alert {
	if a.version() != V10 {
		return a
	}
	b := *a
	b.Info = slices.Clone(a.Info)
	for i := range b.Info {
		if b.Info[i].Certainty == CertVeryLikely {
			b.Info[i].Certainty = CertLikely
		}
	}
	return &b
}
