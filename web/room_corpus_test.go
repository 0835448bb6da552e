package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// polygonCase is one outline of web/testdata/rooms/polygons.json, the corpus
// geometry.test.js reads too.
type polygonCase struct {
	Name    string         `json:"name"`
	Valid   bool           `json:"valid"`
	Code    string         `json:"code"`
	Polygon []corpusCorner `json:"polygon"`
}

// corpusCorner is a corner whose coordinates may be the strings "NaN",
// "Infinity" and "-Infinity", which JSON has no numbers for.
type corpusCorner struct{ X, Y corpusNumber }

type corpusNumber float64

func (n *corpusNumber) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		switch s {
		case "NaN":
			*n = corpusNumber(math.NaN())
		case "Infinity":
			*n = corpusNumber(math.Inf(1))
		case "-Infinity":
			*n = corpusNumber(math.Inf(-1))
		default:
			return fmt.Errorf("corpus number %q", s)
		}
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	*n = corpusNumber(f)
	return err
}

func (c *corpusCorner) UnmarshalJSON(b []byte) error {
	var v struct{ X, Y *corpusNumber }
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v.X == nil || v.Y == nil {
		return fmt.Errorf("corner %s lacks x or y", b)
	}
	c.X, c.Y = *v.X, *v.Y
	return nil
}

func loadPolygonCorpus(t *testing.T) []polygonCase {
	t.Helper()
	b, err := os.ReadFile("testdata/rooms/polygons.json")
	if err != nil {
		t.Fatal(err)
	}
	var corpus struct{ Cases []polygonCase }
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&corpus); err != nil {
		t.Fatalf("polygons.json: %v", err)
	}
	if len(corpus.Cases) < 40 {
		t.Fatalf("polygons.json has %d cases", len(corpus.Cases))
	}
	return corpus.Cases
}

// TestPolygonCorpus checks every outline of the shared corpus twice: the
// problem checkPolygon finds, and what ParseProjectDoc answers to a project
// with that room (the API's path), for the outlines JSON can carry.
func TestPolygonCorpus(t *testing.T) {
	t.Parallel()
	known := map[string]bool{PolygonCorners: true, PolygonCoordinate: true, PolygonShortWall: true, PolygonWinding: true,
		PolygonSelfIntersection: true, PolygonSpan: true, PolygonArea: true}
	for _, tc := range loadPolygonCorpus(t) {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			if tc.Valid == (tc.Code != "") || !tc.Valid && !known[tc.Code] {
				t.Fatalf("corpus case: valid %v with code %q", tc.Valid, tc.Code)
			}
			p := make([]Point, len(tc.Polygon))
			finite := true
			for i, c := range tc.Polygon {
				p[i] = Point{float64(c.X), float64(c.Y)}
				finite = finite && !notFinite(p[i].X) && !notFinite(p[i].Y)
			}
			code, err := checkPolygon(p)
			if code != tc.Code {
				t.Fatalf("checkPolygon = %q (%v), want %q", code, err, tc.Code)
			}
			if (err == nil) != tc.Valid || err != nil && ErrorCode(err) != EValidation {
				t.Fatalf("checkPolygon error = %v, want valid %v", err, tc.Valid)
			}
			if !finite {
				return // JSON cannot send it: ParseProjectDoc never sees one
			}
			poly, _ := json.Marshal(p)
			doc, err := ParseProjectDoc([]byte(v2Doc(v2Room(string(poly), `[]`))))
			if tc.Valid {
				if err != nil {
					t.Fatalf("ParseProjectDoc: %v, want the room accepted", err)
				}
				checkRoomInvariants(t, doc.Room)
				return
			}
			var e *Error
			if !asError(err, &e) || e.Code != EValidation || !strings.HasPrefix(e.Field, "room.polygon") {
				t.Fatalf("ParseProjectDoc: %v, want a validation error on room.polygon", err)
			}
		})
	}
}
