// Package cap reads, checks and writes OASIS Common Alerting Protocol
// (CAP) messages.
//
// It reads CAP 1.2, 1.1 and 1.0 alerts ([Parse]), always writes CAP 1.2
// ([Marshal]), and checks an alert against the 1.2 conformance rules
// ([Validate]): the XML schema (element order, cardinality, enumerations,
// data types) and the stricter rules of section 3 of the specification
// (date-time form, identifier characters, polygon and circle syntax,
// references triplets, conditional elements). Element order cannot be
// recovered from a decoded struct, so the parser checks it on the raw token
// stream and keeps what it found for Validate.
//
// Parsing is defensive because alerts arrive from the network: input is
// size-limited, any DOCTYPE (and so any entity declaration, the XXE vector)
// is refused outright, nesting depth is bounded and namespaces are resolved
// and checked by this package rather than trusted.
//
// The package also reads and writes Atom and RSS alert index feeds
// ([ParseFeed], [WriteAtom], [WriteRSS]), unwraps EDXL-DE envelopes
// ([ParseEDXLDE]) and exports alert areas as GeoJSON ([Alert.GeoJSON]).
// It uses the standard library only.
package cap
