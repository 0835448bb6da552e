package web

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

const lPolygon = `[{"x":0,"y":0},{"x":500,"y":0},{"x":500,"y":250},{"x":250,"y":250},{"x":250,"y":400},{"x":0,"y":400}]`

func v2Doc(room string) string {
	return `{"name":"L","room":` + room + `,"items":[{"id":"a","productId":"p","x":100,"y":100,"rotation":0}]}`
}

func v2Room(polygon, openings string) string {
	return `{"polygon":` + polygon + `,"wallThickness":10,"openings":` + openings + `}`
}

func TestParseProjectDocV2(t *testing.T) {
	t.Parallel()
	door := `{"id":"d","kind":"door","wall":0,"offset":40,"width":90,"hinge":"start","swing":"in"}`
	window := `{"id":"w","kind":"window","wall":1,"offset":20,"width":120,"sill":90,"height":110}`
	tests := []struct {
		name      string
		body      string
		wantField string // "" means accepted
	}{
		{"L with door and window", v2Doc(v2Room(lPolygon, `[`+door+`,`+window+`]`)), ""},
		{"no openings field", v2Doc(`{"polygon":` + lPolygon + `,"wallThickness":10}`), ""},
		{"width and depth are replaced by the bounding box", v2Doc(`{"width":1,"depth":2,"polygon":` + lPolygon + `,"wallThickness":10}`), ""},
		{"collinear corner on a wall", v2Doc(v2Room(`[{"x":0,"y":0},{"x":200,"y":0},{"x":400,"y":0},{"x":400,"y":300},{"x":0,"y":300}]`, `[]`)), ""},
		{"counter-clockwise", v2Doc(v2Room(`[{"x":0,"y":0},{"x":0,"y":300},{"x":400,"y":300},{"x":400,"y":0}]`, `[]`)), "room.polygon"},
		{"bow tie", v2Doc(v2Room(`[{"x":0,"y":0},{"x":400,"y":300},{"x":400,"y":0},{"x":0,"y":300}]`, `[]`)), "room.polygon"},
		{"folds back", v2Doc(v2Room(`[{"x":0,"y":0},{"x":400,"y":0},{"x":200,"y":0},{"x":200,"y":300}]`, `[]`)), "room.polygon"},
		{"touches itself at a corner", v2Doc(v2Room(`[{"x":0,"y":0},{"x":400,"y":0},{"x":400,"y":300},{"x":200,"y":0},{"x":0,"y":300}]`, `[]`)), "room.polygon"},
		{"two corners", v2Doc(v2Room(`[{"x":0,"y":0},{"x":400,"y":0}]`, `[]`)), "room.polygon"},
		{"short wall", v2Doc(v2Room(`[{"x":0,"y":0},{"x":400,"y":0},{"x":400,"y":300},{"x":5,"y":300},{"x":0,"y":300}]`, `[]`)), "room.polygon[3]"},
		{"too big", v2Doc(v2Room(`[{"x":0,"y":0},{"x":5001,"y":0},{"x":5001,"y":300},{"x":0,"y":300}]`, `[]`)), "room.polygon[1]"},
		{"too narrow", v2Doc(v2Room(`[{"x":0,"y":0},{"x":400,"y":0},{"x":400,"y":40},{"x":0,"y":40}]`, `[]`)), "room.polygon"},
		{"thin sliver area", v2Doc(v2Room(`[{"x":0,"y":0},{"x":400,"y":0},{"x":0,"y":60}]`, `[]`)), ""},
		{"wall too thin", v2Doc(`{"polygon":` + lPolygon + `,"wallThickness":2}`), "room.wallThickness"},
		{"wall thickness missing", v2Doc(`{"polygon":` + lPolygon + `}`), "room.wallThickness"},
		{"openings without polygon", v2Doc(`{"width":400,"depth":300,"openings":[]}`), "room.polygon"},
		{"opening past its wall", v2Doc(v2Room(lPolygon, `[{"id":"d","kind":"opening","wall":2,"offset":200,"width":90}]`)), "room.openings[0].offset"},
		{"opening on no wall", v2Doc(v2Room(lPolygon, `[{"id":"d","kind":"opening","wall":6,"offset":0,"width":90}]`)), "room.openings[0].wall"},
		{"openings overlap", v2Doc(v2Room(lPolygon, `[`+door+`,{"id":"o","kind":"opening","wall":0,"offset":129,"width":50}]`)), "room.openings[1]"},
		{"openings side by side", v2Doc(v2Room(lPolygon, `[`+door+`,{"id":"o","kind":"opening","wall":0,"offset":130,"width":50}]`)), ""},
		{"duplicate opening id", v2Doc(v2Room(lPolygon, `[`+door+`,`+strings.Replace(window, `"w"`, `"d"`, 1)+`]`)), "room.openings[1].id"},
		{"door without hinge", v2Doc(v2Room(lPolygon, `[{"id":"d","kind":"door","wall":0,"offset":0,"width":90,"swing":"in"}]`)), "room.openings[0].hinge"},
		{"double door with hinge", v2Doc(v2Room(lPolygon, `[{"id":"d","kind":"double-door","wall":0,"offset":0,"width":160,"hinge":"end","swing":"in"}]`)), "room.openings[0].hinge"},
		{"window that swings", v2Doc(v2Room(lPolygon, `[{"id":"w","kind":"window","wall":0,"offset":0,"width":90,"swing":"in"}]`)), "room.openings[0].swing"},
		{"door with a sill", v2Doc(v2Room(lPolygon, `[{"id":"d","kind":"door","wall":0,"offset":0,"width":90,"hinge":"end","swing":"out","sill":10}]`)), "room.openings[0].sill"},
		{"window above the ceiling", v2Doc(v2Room(lPolygon, `[{"id":"w","kind":"window","wall":0,"offset":0,"width":90,"sill":200,"height":150}]`)), "room.openings[0].height"},
		{"unknown kind", v2Doc(v2Room(lPolygon, `[{"id":"w","kind":"hatch","wall":0,"offset":0,"width":90}]`)), "room.openings[0].kind"},
		{"unknown opening field", v2Doc(v2Room(lPolygon, `[{"id":"w","kind":"opening","wall":0,"offset":0,"width":90,"colour":"red"}]`)), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc, err := ParseProjectDoc([]byte(tc.body))
			if tc.name == "unknown opening field" {
				if ErrorCode(err) != EValidation {
					t.Fatalf("err = %v, want a validation error", err)
				}
				return
			}
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				if !doc.Room.IsV2() {
					t.Fatal("accepted doc is not v2")
				}
				return
			}
			var e *Error
			if !asError(err, &e) || e.Code != EValidation || e.Field != tc.wantField {
				t.Fatalf("err = %v (field %q), want a validation error on %q", err, fieldOf(e), tc.wantField)
			}
		})
	}
}

func fieldOf(e *Error) string {
	if e == nil {
		return ""
	}
	return e.Field
}

func TestRoomV2BoundingBox(t *testing.T) {
	t.Parallel()
	doc, err := ParseProjectDoc([]byte(v2Doc(`{"width":1,"depth":2,"polygon":[{"x":-10,"y":5},{"x":300.4,"y":5},{"x":300.4,"y":205.6},{"x":-10,"y":205.6}],"wallThickness":10}`)))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Room.Width != 310 || doc.Room.Depth != 201 {
		t.Errorf("width × depth = %d × %d, want 310 × 201", doc.Room.Width, doc.Room.Depth)
	}
	if doc.Room.Openings == nil {
		t.Error("openings = nil, want []")
	}
}

func TestRoomRect(t *testing.T) {
	t.Parallel()
	r := Room{Width: 400, Depth: 300}.Rect()
	d := ProjectDoc{Name: "x", Room: r, Items: []Item{}}
	if err := d.Validate(); err != nil {
		t.Fatalf("upgraded v1 room does not validate: %v", err)
	}
	if d.Room.Width != 400 || d.Room.Depth != 300 || len(d.Room.Polygon) != 4 {
		t.Errorf("upgraded room = %+v", d.Room)
	}
}

// checkRoomInvariants fails t unless an accepted room keeps every documented
// limit, checked here independently of the validator's own helpers where it
// is cheap to do so.
func checkRoomInvariants(t *testing.T, r Room) {
	t.Helper()
	if !r.IsV2() {
		if r.Width < MinRoomCm || r.Width > MaxRoomCm || r.Depth < MinRoomCm || r.Depth > MaxRoomCm {
			t.Fatalf("accepted room %+v", r)
		}
		return
	}
	n := len(r.Polygon)
	if n < 3 || n > MaxRoomCorners || r.WallThickness < MinWallThickness || r.WallThickness > MaxWallThickness {
		t.Fatalf("accepted room with %d corners, wall %.1f", n, r.WallThickness)
	}
	var area float64
	for i, a := range r.Polygon {
		b := r.Polygon[(i+1)%n]
		area += a.X*b.Y - b.X*a.Y
		if math.Hypot(b.X-a.X, b.Y-a.Y) < MinWallCm {
			t.Fatalf("accepted wall %d shorter than %d cm", i, MinWallCm)
		}
	}
	if area/2 < MinRoomCm*MinRoomCm {
		t.Fatalf("accepted area %.1f (counter-clockwise or too small)", area/2)
	}
	if r.Width < MinRoomCm || r.Width > MaxRoomCm || r.Depth < MinRoomCm || r.Depth > MaxRoomCm {
		t.Fatalf("accepted bounding box %d × %d", r.Width, r.Depth)
	}
	// Brute force: no wall crosses a non-neighbour, sampled at its midpoint
	// and ends against every other wall.
	for i := 0; i < n; i++ {
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue
			}
			if segmentsTouch(r.Polygon[i], r.Polygon[(i+1)%n], r.Polygon[j], r.Polygon[(j+1)%n]) {
				t.Fatalf("accepted crossing walls %d and %d", i, j)
			}
		}
	}
	for i, o := range r.Openings {
		if o.Wall < 0 || o.Wall >= n || o.Offset < 0 || o.Offset+o.Width > r.WallLength(o.Wall)+1e-6 || o.Width < MinOpeningCm {
			t.Fatalf("accepted opening %d %+v outside its wall", i, o)
		}
		for _, p := range r.Openings[i+1:] {
			if p.Wall == o.Wall && p.Offset < o.Offset+o.Width && o.Offset < p.Offset+p.Width {
				t.Fatalf("accepted overlapping openings %q and %q", o.ID, p.ID)
			}
		}
	}
}

// FuzzRoomPolygon builds polygons from fuzzed corner lists, so the fuzzer
// reaches the geometry checks far more often than through raw JSON.
func FuzzRoomPolygon(f *testing.F) {
	f.Add([]byte{0, 0, 100, 0, 100, 100, 0, 100}, uint16(10), uint16(40))
	f.Add([]byte{0, 0, 200, 0, 200, 100, 100, 100, 100, 200, 0, 200}, uint16(100), uint16(60))
	f.Add([]byte{0, 0, 100, 100, 100, 0, 0, 100}, uint16(0), uint16(0))
	f.Fuzz(func(t *testing.T, corners []byte, offset, width uint16) {
		var p []Point
		for i := 0; i+1 < len(corners) && len(p) <= MaxRoomCorners; i += 2 {
			p = append(p, Point{float64(corners[i]) * 4, float64(corners[i+1]) * 4})
		}
		room := Room{Polygon: p, WallThickness: 10, Openings: []Opening{
			{ID: "a", Kind: OpeningPlain, Wall: 0, Offset: float64(offset % 1024), Width: float64(width % 1024)},
			{ID: "b", Kind: OpeningWindow, Wall: 0, Offset: float64(offset%1024) + 50, Width: 60, Sill: 80},
		}}
		doc := ProjectDoc{Name: "f", Room: room}
		if err := doc.Validate(); err != nil {
			if ErrorCode(err) != EValidation {
				t.Fatalf("rejection without a validation code: %v", err)
			}
			return
		}
		checkRoomInvariants(t, doc.Room)
		b, _ := json.Marshal(doc)
		if _, err := ParseProjectDoc(b); err != nil {
			t.Fatalf("accepted room fails after a round trip: %v\n%s", err, b)
		}
	})
}
