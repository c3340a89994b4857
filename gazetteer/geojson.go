package gazetteer

import "encoding/json"

// GeoJSON (RFC 7946) shapes. Outer rings are counter-clockwise and holes
// clockwise, as the RFC recommends, because the data is stored that way.
type geoFeature struct {
	Type       string      `json:"type"`
	ID         string      `json:"id"`
	BBox       [4]float64  `json:"bbox"`
	Properties geoProps    `json:"properties"`
	Geometry   geoGeometry `json:"geometry"`
}

type geoProps struct {
	Code      string     `json:"code"`
	Name      string     `json:"name"`
	Level     string     `json:"level"`
	ValueName string     `json:"valueName"`
	Region    string     `json:"region,omitempty"`
	Label     [2]float64 `json:"label"`
}

type geoGeometry struct {
	Type        string           `json:"type"`
	Coordinates [][][][2]float64 `json:"coordinates"`
}

func (a *Area) feature() geoFeature {
	coords := make([][][][2]float64, len(a.geo))
	for i, poly := range a.geo {
		coords[i] = make([][][2]float64, len(poly))
		for j, ring := range poly {
			rr := make([][2]float64, len(ring))
			for k, p := range ring {
				rr[k] = p
			}
			coords[i][j] = rr
		}
	}
	return geoFeature{
		Type: "Feature",
		// The valueName keeps ids unique across levels ("11" is both Aude
		// and Île-de-France).
		ID:   a.Level.ValueName() + ":" + a.Code,
		BBox: [4]float64{a.BBox.West, a.BBox.South, a.BBox.East, a.BBox.North},
		Properties: geoProps{
			Code: a.Code, Name: a.Name, Level: a.Level.String(), ValueName: a.Level.ValueName(),
			Region: a.Region, Label: [2]float64{a.Label.Lon, a.Label.Lat},
		},
		Geometry: geoGeometry{Type: "MultiPolygon", Coordinates: coords},
	}
}

// GeoJSON returns the area as a GeoJSON Feature with a MultiPolygon geometry
// (longitude first, as GeoJSON wants) and the properties code, name, level
// ("department" or "region"), valueName (the CAP geocode valueName), region
// (for departments) and label ([lon, lat] where to write the name). Its id is
// "valueName:code", e.g. "INSEE-DEP:75".
func (a *Area) GeoJSON() ([]byte, error) { return json.Marshal(a.feature()) }

// FeatureCollection returns areas as one GeoJSON FeatureCollection, each
// feature as described at Area.GeoJSON.
func FeatureCollection(areas []*Area) ([]byte, error) {
	fc := struct {
		Type     string       `json:"type"`
		Features []geoFeature `json:"features"`
	}{Type: "FeatureCollection", Features: make([]geoFeature, len(areas))}
	for i, a := range areas {
		fc.Features[i] = a.feature()
	}
	return json.Marshal(fc)
}
