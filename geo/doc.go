// Package geo is the geometry of alert areas and of the cells people
// subscribe to, small enough to be mirrored in the browser.
//
// # Areas
//
// An alert's area is the union of CAP polygons ("lat,lon" pairs, latitude
// first) and circles ("lat,lon radius_km"), parsed by ParsePolygon and
// ParseCircle and held in an Area. Normalize closes a ring, drops repeated
// points, rejects degenerate and self-crossing rings (naming the two
// segments) and orients it counterclockwise; Prepare does that for a whole
// Area and returns a Region for fast repeated tests: ContainsPoint (even-
// odd rule), IntersectsRect and AppendCover. Polygon edges are straight
// lines in the (lon, lat) plane, the reading of GeoJSON and of the planar
// point-in-polygon test that devices run; circles are exact on a sphere of
// radius EarthRadiusKm. Circle.Polygon draws a circle with n vertices
// (DefaultCircleVertices = 64: within 0.12 % of the radius), AreaKm2
// measures, GeoJSON exports in [lon, lat] order.
//
// # Cells
//
// Subscriptions name geohash cells (G. Niemeyer's public-domain geohash,
// base32 "0123456789bcdefghjkmnpqrstuvwxyz"): precision 5, 25 bits, is a
// cell of 0.0439° × 0.0439°, 4.9 km north–south and 3.2 km east–west in
// Paris; precision 4 is 32 times larger (39 km × 19.5 km at the equator).
// The public page lets a person pick cells on a map, or the browser turns
// the device's position into a cell itself, so the server never learns a
// position. CellOf bisects exactly as the reference JavaScript does, and
// the cell edges are binary fractions, so the browser and the server agree
// on every float64 (testdata/geohash_vectors.json holds vectors for the
// browser's tests). A Cell is an integer with a marker bit above the hash
// bits, so cells of different precisions never collide.
//
// Cover lists the cells of a precision that meet an area. A cell is
// selected when its closed rectangle meets the area (Region.IntersectsRect):
// touching counts, so the server's selection is a superset of the people
// inside, and the device, which receives the exact CAP area, makes the
// final point-in-area test with its own position. For polygons Cover
// sweeps the grid row by row so that its cost grows with rows × edges +
// cells rather than cells × edges; its result is the same as testing
// every cell of the bounding box, which the tests check.
//
// The antimeridian is not handled (France does not need it): a ring that
// crosses it is read the long way round, which over-selects, and a cover
// larger than MaxCoverCells fails with ErrTooManyCells instead of
// exhausting memory.
package geo
