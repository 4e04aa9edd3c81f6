package store

import "math"

// Point is a position on Earth in WGS 84 degrees.
type Point struct {
	// Lat is the latitude in degrees, -90..90.
	Lat float64 `json:"lat" validate:"gte=-90,lte=90" example:"12.9716"`
	// Lng is the longitude in degrees, -180..180.
	Lng float64 `json:"lng" validate:"gte=-180,lte=180" example:"77.5946"`
}

// Valid reports whether p lies within the coordinate ranges.
func (p Point) Valid() bool {
	return p.Lat >= -90 && p.Lat <= 90 && p.Lng >= -180 && p.Lng <= 180 &&
		!math.IsNaN(p.Lat) && !math.IsNaN(p.Lng)
}

// earthRadiusM is the mean Earth radius used by every distance in dabba,
// here and in SQL, so the two always agree.
const earthRadiusM = 6371008.8

// DistanceM returns the great-circle (haversine) distance from p to q in metres.
func (p Point) DistanceM(q Point) float64 {
	rad := math.Pi / 180
	dLat := (q.Lat - p.Lat) * rad
	dLng := (q.Lng - p.Lng) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(p.Lat*rad)*math.Cos(q.Lat*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadiusM * math.Asin(math.Min(1, math.Sqrt(a)))
}

// EarthRadiusM is the radius DistanceM uses, exported for SQL distance
// expressions that must match it.
func EarthRadiusM() float64 { return earthRadiusM }
