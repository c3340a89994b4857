package geo

import (
	"encoding/json"
	"fmt"
)

// GeoJSON returns the area as an RFC 7946 FeatureCollection, coordinates
// in [lon, lat] order (the reverse of CAP). Each polygon becomes a
// Polygon feature with its normalised ring (closed, counterclockwise, as
// RFC 7946 asks). GeoJSON has no circle, so each circle becomes a Polygon
// feature approximating it with circleVertices vertices
// (DefaultCircleVertices when < 3), or a Point feature for a zero radius,
// with the exact circle kept in the properties "center" ([lon, lat]) and
// "radius_km". Properties "part" ("polygon" or "circle") and "index"
// (0-based within the Area) say where a feature came from.
func (a Area) GeoJSON(circleVertices int) ([]byte, error) {
	if circleVertices < 3 {
		circleVertices = DefaultCircleVertices
	}
	type geometry struct {
		Type        string `json:"type"`
		Coordinates any    `json:"coordinates"`
	}
	type feature struct {
		Type       string         `json:"type"`
		Geometry   geometry       `json:"geometry"`
		Properties map[string]any `json:"properties"`
	}
	fc := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{Type: "FeatureCollection", Features: []feature{}}
	ringCoords := func(p Polygon) [][][2]float64 {
		r := make([][2]float64, len(p))
		for i, q := range p {
			r[i] = [2]float64{q.Lon, q.Lat}
		}
		return [][][2]float64{r}
	}
	for i, p := range a.Polygons {
		n, err := Normalize(p)
		if err != nil {
			return nil, fmt.Errorf("polygon %d: %w", i+1, err)
		}
		fc.Features = append(fc.Features, feature{"Feature", geometry{"Polygon", ringCoords(n)},
			map[string]any{"part": "polygon", "index": i}})
	}
	for i, c := range a.Circles {
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("circle %d: %w", i+1, err)
		}
		props := map[string]any{"part": "circle", "index": i,
			"center": [2]float64{c.Center.Lon, c.Center.Lat}, "radius_km": c.RadiusKm}
		g := geometry{"Point", [2]float64{c.Center.Lon, c.Center.Lat}}
		if c.RadiusKm > 0 {
			g = geometry{"Polygon", ringCoords(c.Polygon(circleVertices))}
		}
		fc.Features = append(fc.Features, feature{"Feature", g, props})
	}
	return json.Marshal(fc)
}
