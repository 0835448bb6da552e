package web

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// Room shape limits of a version 2 document, enforced by ParseProjectDoc. The
// editor (static/planner/editor/geometry.js) applies the same rules so that it
// never offers a change the API would refuse.
const (
	MaxRoomCorners   = 64
	MinWallCm        = 10 // shortest wall
	MinWallThickness = 5
	MaxWallThickness = 100
	MaxOpenings      = 100
	MinOpeningCm     = 20 // narrowest door, window or opening
	MaxOpeningCm     = 1000
	MaxOpeningTopCm  = 300 // sill + height of any opening
	MaxRoomCoord     = MaxRoomCm
)

// Opening kinds.
const (
	OpeningDoor       = "door"
	OpeningDoubleDoor = "double-door"
	OpeningWindow     = "window"
	OpeningPlain      = "opening"
)

// Point is a corner of a room polygon in cm; y grows downwards, as on the plan.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Opening is a door, window or plain opening in one wall. Wall i runs from
// Polygon[i] to Polygon[(i+1) % len(Polygon)]; Offset is the distance in cm
// from that wall's first corner to the opening's nearer edge.
type Opening struct {
	ID     string  `json:"id"`
	Kind   string  `json:"kind"` // door, double-door, window or opening
	Wall   int     `json:"wall"`
	Offset float64 `json:"offset"`
	Width  float64 `json:"width"`
	// Hinge is where a single door's leaf turns: "start" (the edge nearer the
	// wall's first corner) or "end". Only doors have one.
	Hinge string `json:"hinge,omitempty"`
	// Swing is "in" (into the room) or "out"; doors and double doors only.
	Swing string `json:"swing,omitempty"`
	// Sill is a window's height above the floor in cm; 0 for the others.
	Sill float64 `json:"sill,omitempty"`
	// Height in cm; 0 means the kind's default (210 for doors and openings,
	// 120 for windows).
	Height float64 `json:"height,omitempty"`
}

// IsV2 reports whether the room is a version 2 room, a polygon, rather than a
// version 1 rectangle of Width × Depth.
func (r Room) IsV2() bool { return r.Polygon != nil }

// Rect returns the version 2 form of a version 1 room: a clockwise rectangle
// from (0, 0), 10 cm walls, no openings. A version 2 room is returned as it is.
func (r Room) Rect() Room {
	if r.IsV2() {
		return r
	}
	w, d := float64(r.Width), float64(r.Depth)
	return Room{Width: r.Width, Depth: r.Depth, Polygon: []Point{{0, 0}, {w, 0}, {w, d}, {0, d}},
		WallThickness: 10, Openings: []Opening{}}
}

// WallLength returns the length of wall i in cm.
func (r Room) WallLength(i int) float64 {
	a, b := r.Polygon[i], r.Polygon[(i+1)%len(r.Polygon)]
	return math.Hypot(b.X-a.X, b.Y-a.Y)
}

// validate checks a room of either version; for version 2 it sets Width and
// Depth to the polygon's bounding box, rounded to whole cm.
func (r *Room) validate() error {
	if !r.IsV2() {
		if r.WallThickness != 0 || r.Openings != nil {
			return FieldErrorf("room.polygon", "is required with wallThickness or openings")
		}
		if r.Width < MinRoomCm || r.Width > MaxRoomCm {
			return FieldErrorf("room.width", "must be between %d and %d cm, got %d", MinRoomCm, MaxRoomCm, r.Width)
		}
		if r.Depth < MinRoomCm || r.Depth > MaxRoomCm {
			return FieldErrorf("room.depth", "must be between %d and %d cm, got %d", MinRoomCm, MaxRoomCm, r.Depth)
		}
		return nil
	}
	if _, err := checkPolygon(r.Polygon); err != nil {
		return err
	}
	minX, minY, maxX, maxY := bounds(r.Polygon)
	r.Width, r.Depth = int(math.Round(maxX-minX)), int(math.Round(maxY-minY))
	if notFinite(r.WallThickness) || r.WallThickness < MinWallThickness || r.WallThickness > MaxWallThickness {
		return FieldErrorf("room.wallThickness", "must be between %d and %d cm", MinWallThickness, MaxWallThickness)
	}
	if r.Openings == nil {
		r.Openings = []Opening{}
	}
	return r.validateOpenings()
}

func notFinite(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }

// Problems of a room outline, as checkPolygon names them, in the order it
// checks them. The editor's polygonProblem (static/planner/editor/geometry.js)
// uses the same names, and web/testdata/rooms/polygons.json holds outlines
// with the problem both must find.
const (
	PolygonCorners          = "corners"           // fewer than 3 or more than MaxRoomCorners
	PolygonCoordinate       = "coordinate"        // not finite, or beyond ±MaxRoomCoord
	PolygonShortWall        = "short_wall"        // a wall shorter than MinWallCm (a corner repeated)
	PolygonWinding          = "winding"           // not clockwise on the plan
	PolygonSelfIntersection = "self_intersection" // two walls meet other than neighbours at their corner
	PolygonSpan             = "span"              // narrower or wider than MinRoomCm..MaxRoomCm
	PolygonArea             = "area"              // less than MinRoomCm² of floor
)

// checkPolygon checks corner count and range, wall lengths, winding,
// simplicity (no two walls meet except neighbours at their shared corner),
// span and area; it returns the first problem found and its validation
// error, or "" and nil.
func checkPolygon(p []Point) (string, error) {
	n := len(p)
	if n < 3 || n > MaxRoomCorners {
		return PolygonCorners, FieldErrorf("room.polygon", "must have 3 to %d corners, has %d", MaxRoomCorners, n)
	}
	for i, c := range p {
		if notFinite(c.X) || notFinite(c.Y) || math.Abs(c.X) > MaxRoomCoord || math.Abs(c.Y) > MaxRoomCoord {
			return PolygonCoordinate, FieldErrorf(fmt.Sprintf("room.polygon[%d]", i), "must be between -%d and %d cm", MaxRoomCoord, MaxRoomCoord)
		}
	}
	for i := range p {
		a, b := p[i], p[(i+1)%n]
		if l := math.Hypot(b.X-a.X, b.Y-a.Y); l < MinWallCm {
			return PolygonShortWall, FieldErrorf(fmt.Sprintf("room.polygon[%d]", i), "wall %d is %.1f cm long, at least %d cm is needed", i, l, MinWallCm)
		}
	}
	if signedArea(p) <= 0 {
		return PolygonWinding, FieldErrorf("room.polygon", "must run clockwise (on the plan, y pointing down)")
	}
	if i, j, ok := SelfIntersection(p); ok {
		return PolygonSelfIntersection, FieldErrorf("room.polygon", "walls %d and %d cross; the room must be a simple polygon", i, j)
	}
	minX, minY, maxX, maxY := bounds(p)
	w, d := maxX-minX, maxY-minY
	if w < MinRoomCm || w > MaxRoomCm || d < MinRoomCm || d > MaxRoomCm {
		return PolygonSpan, FieldErrorf("room.polygon", "must span %d to %d cm each way, spans %.1f × %.1f cm", MinRoomCm, MaxRoomCm, w, d)
	}
	if a := polygonArea(p); a < MinRoomCm*MinRoomCm {
		return PolygonArea, FieldErrorf("room.polygon", "must enclose at least %d cm², encloses %.0f cm²", MinRoomCm*MinRoomCm, a)
	}
	return "", nil
}

// SelfIntersection returns two walls of polygon p that meet other than at a
// shared corner of neighbours, and false when p is simple. Walls that are
// neighbours overlap when they fold back onto each other.
func SelfIntersection(p []Point) (int, int, bool) {
	n := len(p)
	for i := 0; i < n; i++ {
		a, b := p[i], p[(i+1)%n]
		for j := i + 1; j < n; j++ {
			c, d := p[j], p[(j+1)%n]
			switch {
			case j == i+1: // b == c
				if foldsBack(a, b, d) {
					return i, j, true
				}
			case i == 0 && j == n-1: // d == a
				if foldsBack(c, a, b) {
					return i, j, true
				}
			default:
				if segmentsTouch(a, b, c, d) {
					return i, j, true
				}
			}
		}
	}
	return 0, 0, false
}

// foldsBack reports whether walls a→b and b→c are collinear with c back on a→b.
func foldsBack(a, b, c Point) bool {
	return cross(a, b, c) == 0 && float64((b.X-a.X)*(c.X-b.X))+float64((b.Y-a.Y)*(c.Y-b.Y)) < 0
}

// cross is the z of (a-o) × (b-o). The conversions round each product
// before the subtraction: Go may otherwise fuse them into one multiply-add
// (it does on arm64), which leaves a rounding error where JavaScript, and
// amd64, get exactly 0, so the collinear checks would differ from the
// editor's (polygons.json's "diagonal collinear spike").
func cross(o, a, b Point) float64 {
	return float64((a.X-o.X)*(b.Y-o.Y)) - float64((a.Y-o.Y)*(b.X-o.X))
}

func sign(v float64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func onSegment(a, b, p Point) bool {
	return math.Min(a.X, b.X) <= p.X && p.X <= math.Max(a.X, b.X) && math.Min(a.Y, b.Y) <= p.Y && p.Y <= math.Max(a.Y, b.Y)
}

// segmentsTouch reports whether closed segments ab and cd share a point.
func segmentsTouch(a, b, c, d Point) bool {
	d1, d2 := sign(cross(c, d, a)), sign(cross(c, d, b))
	d3, d4 := sign(cross(a, b, c)), sign(cross(a, b, d))
	if d1*d2 < 0 && d3*d4 < 0 {
		return true
	}
	return d1 == 0 && onSegment(c, d, a) || d2 == 0 && onSegment(c, d, b) ||
		d3 == 0 && onSegment(a, b, c) || d4 == 0 && onSegment(a, b, d)
}

// signedArea is the shoelace area; positive for a clockwise polygon with y down.
func signedArea(p []Point) float64 {
	var s float64
	for i := range p {
		a, b := p[i], p[(i+1)%len(p)]
		s += float64(a.X*b.Y) - float64(b.X*a.Y) // unfused, as in cross
	}
	return s / 2
}

func polygonArea(p []Point) float64 { return math.Abs(signedArea(p)) }

func bounds(p []Point) (minX, minY, maxX, maxY float64) {
	minX, minY, maxX, maxY = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range p {
		minX, maxX = math.Min(minX, c.X), math.Max(maxX, c.X)
		minY, maxY = math.Min(minY, c.Y), math.Max(maxY, c.Y)
	}
	return minX, minY, maxX, maxY
}

func (r *Room) validateOpenings() error {
	if len(r.Openings) > MaxOpenings {
		return FieldErrorf("room.openings", "has %d openings, at most %d are allowed", len(r.Openings), MaxOpenings)
	}
	seen := make(map[string]bool, len(r.Openings))
	byWall := map[int][]int{}
	for i, o := range r.Openings {
		f := fmt.Sprintf("room.openings[%d]", i)
		if len(o.ID) > MaxItemIDLen || !IsToken(o.ID) {
			return FieldErrorf(f+".id", "must be 1-%d letters, digits, '-', '_' or '.'", MaxItemIDLen)
		}
		if seen[o.ID] {
			return FieldErrorf(f+".id", "%q is used twice", o.ID)
		}
		seen[o.ID] = true
		if o.Wall < 0 || o.Wall >= len(r.Polygon) {
			return FieldErrorf(f+".wall", "must be a wall index from 0 to %d, got %d", len(r.Polygon)-1, o.Wall)
		}
		if notFinite(o.Width) || o.Width < MinOpeningCm || o.Width > MaxOpeningCm {
			return FieldErrorf(f+".width", "must be between %d and %d cm", MinOpeningCm, MaxOpeningCm)
		}
		l := r.WallLength(o.Wall)
		if notFinite(o.Offset) || o.Offset < 0 || o.Offset+o.Width > l+1e-6 {
			return FieldErrorf(f+".offset", "must keep the opening within wall %d (%.1f cm long)", o.Wall, l)
		}
		door := o.Kind == OpeningDoor || o.Kind == OpeningDoubleDoor
		switch o.Kind {
		case OpeningDoor, OpeningDoubleDoor, OpeningWindow, OpeningPlain:
		default:
			return FieldErrorf(f+".kind", "must be door, double-door, window or opening, got %q", o.Kind)
		}
		switch {
		case o.Kind == OpeningDoor && o.Hinge != "start" && o.Hinge != "end":
			return FieldErrorf(f+".hinge", "must be start or end for a door, got %q", o.Hinge)
		case o.Kind != OpeningDoor && o.Hinge != "":
			return FieldErrorf(f+".hinge", "is only for doors")
		case door && o.Swing != "in" && o.Swing != "out":
			return FieldErrorf(f+".swing", "must be in or out for a %s, got %q", o.Kind, o.Swing)
		case !door && o.Swing != "":
			return FieldErrorf(f+".swing", "is only for doors")
		case notFinite(o.Sill) || o.Sill < 0 || o.Kind != OpeningWindow && o.Sill != 0:
			return FieldErrorf(f+".sill", "must be 0 or more cm, and only windows have one")
		case notFinite(o.Height) || o.Height != 0 && o.Height < MinOpeningCm || o.Sill+o.Height > MaxOpeningTopCm:
			return FieldErrorf(f+".height", "must be 0 (the default) or at least %d cm, with sill + height at most %d cm", MinOpeningCm, MaxOpeningTopCm)
		}
		byWall[o.Wall] = append(byWall[o.Wall], i)
	}
	for w := range r.Polygon {
		idx := byWall[w]
		sort.Slice(idx, func(a, b int) bool { return r.Openings[idx[a]].Offset < r.Openings[idx[b]].Offset })
		for k := 1; k < len(idx); k++ {
			prev, cur := r.Openings[idx[k-1]], r.Openings[idx[k]]
			if cur.Offset < prev.Offset+prev.Width {
				return FieldErrorf(fmt.Sprintf("room.openings[%d]", idx[k]), "overlaps %q on wall %d", prev.ID, cur.Wall)
			}
		}
	}
	return nil
}

// roomShape is what a store keeps of a version 2 room beside its width and
// depth columns.
type roomShape struct {
	Polygon       []Point   `json:"polygon"`
	WallThickness float64   `json:"wallThickness"`
	Openings      []Opening `json:"openings"`
}

// ShapeJSON returns the version 2 part of the room as JSON for a store's
// room_shape column, or nil (SQL NULL) for a version 1 room.
func (r Room) ShapeJSON() ([]byte, error) {
	if !r.IsV2() {
		return nil, nil
	}
	o := r.Openings
	if o == nil {
		o = []Opening{}
	}
	return json.Marshal(roomShape{r.Polygon, r.WallThickness, o})
}

// SetShapeJSON restores what ShapeJSON returned; nil or empty leaves a
// version 1 room.
func (r *Room) SetShapeJSON(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	var s roomShape
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("room shape: %w", err)
	}
	if s.Openings == nil {
		s.Openings = []Opening{}
	}
	r.Polygon, r.WallThickness, r.Openings = s.Polygon, s.WallThickness, s.Openings
	return nil
}
