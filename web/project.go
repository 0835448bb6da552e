package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Project limits, enforced by ParseProjectDoc.
const (
	MinRoomCm         = 50
	MaxRoomCm         = 5000
	MaxProjectItems   = 500
	MaxProjectName    = 120 // characters
	MaxProjectBody    = 256 << 10
	MaxItemIDLen      = 64
	maxItemCoordinate = 2 * MaxRoomCm // items may sit outside the room (the editor warns), not anywhere
)

// Room is the floor of a project in centimetres. A version 1 room is a
// rectangle of Width × Depth; a version 2 room has a Polygon (see room.go),
// and its Width and Depth are the polygon's bounding box.
type Room struct {
	Width int `json:"width"`
	Depth int `json:"depth"`
	// Version 2 only: corners clockwise, wall thickness, doors and windows.
	Polygon       []Point   `json:"polygon,omitempty"`
	WallThickness float64   `json:"wallThickness,omitempty"`
	Openings      []Opening `json:"openings,omitempty"`
}

// Item is one product placed on the plan. X and Y are the centre of its
// footprint in cm from the room's top-left corner; Rotation is 0, 90, 180 or 270
// degrees clockwise.
type Item struct {
	ID        string  `json:"id"`
	ProductID string  `json:"productId"`
	X         float64 `json:"x"`
	Y         float64 `json:"y"`
	Rotation  int     `json:"rotation"`
}

// ProjectDoc is the part of a project a client sends: the validated shape of
// POST and PUT /v1/projects bodies.
type ProjectDoc struct {
	Name  string `json:"name"`
	Room  Room   `json:"room"`
	Items []Item `json:"items"`
}

// Project is a stored project: its document plus owner and bookkeeping.
type Project struct {
	ProjectDoc
	ID         string    `json:"id"`
	RetailerID string    `json:"-"`
	OwnerUID   string    `json:"-"`
	Version    int64     `json:"version"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// ProjectSummary is a project in a list.
type ProjectSummary struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Room      Room      `json:"room"`
	ItemCount int       `json:"itemCount"`
	Version   int64     `json:"version"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// ParseProjectDoc decodes and validates a project document. It rejects unknown
// fields, trailing data, and anything out of range, with an error naming the
// field. It does not check that products exist; see ProductIDs.
func ParseProjectDoc(body []byte) (ProjectDoc, error) {
	var doc ProjectDoc
	if len(body) > MaxProjectBody {
		return doc, Errorf(EPayloadTooLarge, "project document is larger than %d KiB", MaxProjectBody>>10)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return ProjectDoc{}, jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return ProjectDoc{}, Errorf(EValidation, "body: unexpected data after the JSON document")
	}
	if err := doc.Validate(); err != nil {
		return ProjectDoc{}, err
	}
	return doc, nil
}

// Validate checks ranges and shapes. It normalises nothing, except that a
// version 2 room's Width and Depth become its polygon's bounding box.
func (d *ProjectDoc) Validate() error {
	name := strings.TrimSpace(d.Name)
	switch {
	case name == "":
		return FieldErrorf("name", "is required")
	case !utf8.ValidString(d.Name):
		return FieldErrorf("name", "is not valid UTF-8")
	case utf8.RuneCountInString(d.Name) > MaxProjectName:
		return FieldErrorf("name", "is longer than %d characters", MaxProjectName)
	case strings.IndexFunc(d.Name, unicode.IsControl) >= 0:
		return FieldErrorf("name", "contains control characters")
	}
	if err := d.Room.validate(); err != nil {
		return err
	}
	if len(d.Items) > MaxProjectItems {
		return FieldErrorf("items", "has %d items, at most %d are allowed", len(d.Items), MaxProjectItems)
	}
	seen := make(map[string]bool, len(d.Items))
	for i, it := range d.Items {
		f := fmt.Sprintf("items[%d]", i)
		if it.ID == "" {
			return FieldErrorf(f+".id", "is required")
		}
		if len(it.ID) > MaxItemIDLen || !IsToken(it.ID) {
			return FieldErrorf(f+".id", "must be 1-%d letters, digits, '-', '_' or '.'", MaxItemIDLen)
		}
		if seen[it.ID] {
			return FieldErrorf(f+".id", "%q is used twice", it.ID)
		}
		seen[it.ID] = true
		if it.ProductID == "" || len(it.ProductID) > 64 || !IsToken(it.ProductID) {
			return FieldErrorf(f+".productId", "must be a product id")
		}
		for _, c := range []struct {
			name string
			v    float64
		}{{".x", it.X}, {".y", it.Y}} {
			if math.IsNaN(c.v) || math.Abs(c.v) > maxItemCoordinate {
				return FieldErrorf(f+c.name, "must be between -%d and %d cm", maxItemCoordinate, maxItemCoordinate)
			}
		}
		switch it.Rotation {
		case 0, 90, 180, 270:
		default:
			return FieldErrorf(f+".rotation", "must be 0, 90, 180 or 270, got %d", it.Rotation)
		}
	}
	if d.Items == nil {
		d.Items = []Item{}
	}
	return nil
}

// ProductIDs returns the distinct product ids the document refers to.
func (d ProjectDoc) ProductIDs() []string {
	seen := map[string]bool{}
	var ids []string
	for _, it := range d.Items {
		if !seen[it.ProductID] {
			seen[it.ProductID] = true
			ids = append(ids, it.ProductID)
		}
	}
	return ids
}

// IsToken reports whether s is a non-empty run of ASCII letters, digits,
// '-', '_' and '.': the alphabet of product, category and item ids, shared
// by project documents and catalog imports.
func IsToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return s != ""
}

// jsonError turns a decoding error into a validation error naming the field.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return FieldErrorf(field, "must be a %s, got a JSON %s", te.Type.Kind(), te.Value)
	case errors.As(err, &se):
		return Errorf(EValidation, "body: invalid JSON at byte %d: %v", se.Offset, se)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(EValidation, "body: JSON document is empty or cut short")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return Errorf(EValidation, "body: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return Errorf(EValidation, "body: %v", err)
}
