// Package catalog reads catalog import files and ships the seed catalog.
//
// An import file is one JSON object:
//
//	{"currency": "EUR",
//	 "categories": [{"id": "sofas", "name": "Sofas"}],
//	 "products": [{"id": "sofa-oslo-3", "name": "Oslo 3-seat sofa", "category": "sofas",
//	               "description": "...", "width": 214, "depth": 92, "height": 80,
//	               "price": 89900, "currency": "EUR", "color": "#6b7b8c"}]}
//
// Rules (limits are the Max* constants): ids are 1-64 of [A-Za-z0-9._-], not
// dots only, and unique among products and among categories, ignoring case;
// every product's category is declared; names are 1-120 characters without
// control characters; descriptions are optional, at most 1000 characters
// (newlines and tabs allowed); width and depth are 1-2000 cm, height 1-400 cm,
// all whole numbers; price is 0-100000000 minor units; currency is 3 upper-case
// letters, given per product or once for the file; color is #rrggbb; mount is
// optional, "floor" (the default) or "wall", and a wall product names its
// mountHeight, 0-400 cm from the floor to its underside, with height plus
// mountHeight at most 400 cm (a floor product has none); image is optional,
// the URL of the product's picture: absolute https (http only on a loopback
// host), no user name or password, at most 2048 bytes (web.ParseImageURL has
// every rule), and its origin one of the retailer's registered image origins,
// which CheckImageOrigins checks at import as Parse does not know the
// retailer. Unknown
// fields, a second JSON value and files without products are rejected; a UTF-8
// byte order mark is ignored. Parse validates a whole file before anything is
// imported and names the first bad record and field in its error.
package catalog

import (
	"fmt"
	"unicode/utf8"

	"github.com/roomplanner/planner/web"
)

// Limits of an import file, enforced by Parse.
const (
	MaxFileSize       = 16 << 20    // bytes
	MaxProducts       = 20000       // products per file
	MaxCategories     = 1000        // categories per file
	MaxIDLen          = 64          // bytes of a product or category id
	MaxNameLen        = 120         // characters of a product or category name
	MaxDescriptionLen = 1000        // characters of a product description
	MaxFootprintCm    = 2000        // width and depth, cm
	MaxHeightCm       = 400         // height, cm
	MaxPrice          = 100_000_000 // minor units
)

// File is a parsed and validated catalog import file. Categories keep the
// file's order (Position is the index) and carry their product Count. Every
// product has a Currency (the file's one unless it sets its own) and a
// lower-case Color; RetailerID is left for the importer to set.
type File struct {
	Currency   string // the file's default currency; may be empty if every product sets one
	Categories []web.Category
	Products   []web.Product
}

// rawCategory and rawProduct are the records as written in the file. Numbers
// are pointers so that a missing value is told apart from a zero.
type rawCategory struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type rawProduct struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Category    string  `json:"category"`
	Description string  `json:"description"`
	Width       *int    `json:"width"`
	Depth       *int    `json:"depth"`
	Height      *int    `json:"height"`
	Price       *int64  `json:"price"`
	Currency    string  `json:"currency"`
	Color       string  `json:"color"`
	Mount       string  `json:"mount"`
	MountHeight *int    `json:"mountHeight"`
	Image       *string `json:"image"`
}

// The messages below are shared by parsing and validation.

// recordError is a validation error for one field of one record.
func recordError(rec, id, field, format string, args ...any) error {
	return &web.Error{
		Code:    web.EValidation,
		Field:   rec + "." + field,
		Message: label(rec, id) + ": " + field + " " + fmt.Sprintf(format, args...),
	}
}

// label names a record for a message: its path plus its id when that is a
// valid one (an invalid id could be anything, of any length).
func label(rec, id string) string {
	if validID(id) {
		return fmt.Sprintf("%s (%q)", rec, id)
	}
	return rec
}

// truncate shortens s to at most n runes for quoting in a message.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
