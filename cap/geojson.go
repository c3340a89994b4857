package cap

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// GeoJSONOptions tunes Alert.GeoJSONWith.
type GeoJSONOptions struct {
	// CircleSegments, when at least 3, adds for every circle of non-zero
	// radius a Polygon feature approximating it with that many vertices,
	// for consumers that cannot draw a radius.
	CircleSegments int
}

type geoFeature struct {
	Type       string         `json:"type"`
	Geometry   geoGeometry    `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

type geoGeometry struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

type geoCollection struct {
	Type     string       `json:"type"`
	Features []geoFeature `json:"features"`
}

// GeoJSON returns the alert's areas as an RFC 7946 FeatureCollection: a
// Polygon feature per polygon ([lon, lat] order, counterclockwise exterior
// ring), a Point feature with a radius_km property per circle, and a
// 64-gon Polygon approximating each circle. Properties carry areaDesc and
// the info's language, event, urgency, severity and certainty. Areas
// described only by geocodes have no geometry and are left out. An
// unreadable polygon or circle is an error: Validate first.
func (a *Alert) GeoJSON() ([]byte, error) {
	return a.GeoJSONWith(GeoJSONOptions{CircleSegments: 64})
}

// GeoJSONWith is GeoJSON with options.
func (a *Alert) GeoJSONWith(o GeoJSONOptions) ([]byte, error) {
	fc := geoCollection{Type: "FeatureCollection", Features: []geoFeature{}}
	for i, in := range a.Info {
		lang := strings.TrimSpace(in.Language)
		if lang == "" {
			lang = "en-US" // the schema default
		}
		for j, ar := range in.Area {
			props := func(kind string) map[string]any {
				return map[string]any{
					"areaDesc":   strings.TrimSpace(ar.AreaDesc),
					"language":   lang,
					"event":      strings.TrimSpace(in.Event),
					"urgency":    string(in.Urgency),
					"severity":   string(in.Severity),
					"certainty":  string(in.Certainty),
					"identifier": a.Identifier,
					"info":       i,
					"area":       j,
					"source":     kind,
				}
			}
			for k, s := range ar.Polygon {
				if strings.TrimSpace(s) == "" {
					continue
				}
				p, err := ParsePolygon(s)
				if err != nil {
					return nil, fmt.Errorf("cap: alert/info[%d]/area[%d]/polygon[%d]: %w", i, j, k, err)
				}
				fc.Features = append(fc.Features, geoFeature{Type: "Feature",
					Geometry:   geoGeometry{Type: "Polygon", Coordinates: [][][2]float64{ring(p)}},
					Properties: props("polygon")})
			}
			for k, s := range ar.Circle {
				if strings.TrimSpace(s) == "" {
					continue
				}
				c, err := ParseCircle(s)
				if err != nil {
					return nil, fmt.Errorf("cap: alert/info[%d]/area[%d]/circle[%d]: %w", i, j, k, err)
				}
				pp := props("circle")
				pp["radius_km"] = c.RadiusKm
				fc.Features = append(fc.Features, geoFeature{Type: "Feature",
					Geometry:   geoGeometry{Type: "Point", Coordinates: [2]float64{c.Center.Lon, c.Center.Lat}},
					Properties: pp})
				if poly := c.Polygon(o.CircleSegments); poly != nil {
					pp := props("circle-approximation")
					pp["radius_km"] = c.RadiusKm
					fc.Features = append(fc.Features, geoFeature{Type: "Feature",
						Geometry:   geoGeometry{Type: "Polygon", Coordinates: [][][2]float64{ring(poly)}},
						Properties: pp})
				}
			}
		}
	}
	return json.Marshal(fc)
}

// ring converts a CAP polygon to a GeoJSON linear ring: [lon, lat]
// positions, counterclockwise (RFC 7946 section 3.1.6; CAP leaves the
// orientation open).
func ring(p Polygon) [][2]float64 {
	if p.signedArea() < 0 {
		p = slices.Clone(p)
		slices.Reverse(p)
	}
	out := make([][2]float64, len(p))
	for i, pt := range p {
		out[i] = [2]float64{pt.Lon, pt.Lat}
	}
	return out
}
