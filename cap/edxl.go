package cap

import (
	"fmt"
	"io"
)

// NSEDXLDE is the EDXL Distribution Element 1.0 namespace, an envelope
// some authorities (e.g. Australian fire services) wrap CAP alerts in.
const NSEDXLDE = "urn:oasis:names:tc:emergency:EDXL:DE:1.0"

// ParseEDXLDE reads an EDXL-DE 1.0 envelope and returns the CAP alerts
// embedded in its contentObject/xmlContent/embeddedXMLContent elements, in
// document order. Each alert carries its own parse problems for Validate.
// An envelope without any CAP alert is an error.
func ParseEDXLDE(r io.Reader, lim Limits) ([]*Alert, error) {
	doc, err := parseDocument(r, lim)
	if err != nil {
		return nil, err
	}
	root := doc.root
	if root.space != NSEDXLDE || root.local != "EDXLDistribution" {
		return nil, fmt.Errorf("%w: root element is %s, not an EDXL-DE 1.0 EDXLDistribution", ErrNotCAP, root.describe())
	}
	var alerts []*Alert
	for _, co := range root.children {
		if co.space != NSEDXLDE || co.local != "contentObject" {
			continue
		}
		for _, xc := range co.children {
			if xc.space != NSEDXLDE || xc.local != "xmlContent" {
				continue
			}
			for _, emb := range xc.children {
				if emb.space != NSEDXLDE || emb.local != "embeddedXMLContent" {
					continue
				}
				for _, c := range emb.children {
					if c.local != "alert" || versionOf(c.space) == "" {
						continue
					}
					a, err := alertFromNode(doc, c)
					if err != nil {
						return nil, err
					}
					alerts = append(alerts, a)
				}
			}
		}
	}
	if len(alerts) == 0 {
		return nil, fmt.Errorf("%w: EDXL-DE envelope holds no CAP alert", ErrNotCAP)
	}
	return alerts, nil
}
