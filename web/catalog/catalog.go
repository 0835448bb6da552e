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
// letters, given per product or once for the file; color is #rrggbb. Unknown
// fields, a second JSON value and files without products are rejected; a UTF-8
// byte order mark is ignored. Parse validates a whole file before anything is
// imported and names the first bad record and field in its error.
package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode"
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
	ID          string `json:"id"`
	Name        string `json:"name"`
	Category    string `json:"category"`
	Description string `json:"description"`
	Width       *int   `json:"width"`
	Depth       *int   `json:"depth"`
	Height      *int   `json:"height"`
	Price       *int64 `json:"price"`
	Currency    string `json:"currency"`
	Color       string `json:"color"`
}

// Parse reads a catalog import file from r (at most MaxFileSize bytes) and
// validates it. Errors are *web.Error: web.EPayloadTooLarge for an oversized
// file, web.EInternal if r fails, and web.EValidation otherwise, with Field
// naming the bad value (e.g. "products[12].width") and a message naming the
// record (e.g. `products[12] ("sofa-x"): width must be between 1 and 2000 cm,
// got 0`).
func Parse(r io.Reader) (File, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return File{}, tooLarge()
		}
		return File{}, &web.Error{Code: web.EInternal, Message: "the catalog file could not be read", Err: err}
	}
	if len(data) > MaxFileSize {
		return File{}, tooLarge()
	}
	return parse(data)
}

func tooLarge() error {
	return web.Errorf(web.EPayloadTooLarge, "the catalog file is larger than %d MiB", MaxFileSize>>20)
}

func parse(data []byte) (File, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // editors on Windows like to add a BOM
	if !json.Valid(data) {
		return File{}, syntaxError(data)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	tok, err := dec.Token()
	if err != nil {
		return File{}, syntaxError(data)
	}
	if tok != json.Delim('{') {
		return File{}, web.Errorf(web.EValidation, "the catalog file must be a JSON object, got %s", describe(tok))
	}
	var (
		currency string
		cats     []rawCategory
		prods    []rawProduct
		seen     = map[string]bool{}
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return File{}, syntaxError(data)
		}
		key, _ := tok.(string)
		name := strings.ToLower(key) // encoding/json matches record fields case-insensitively too
		if seen[name] {
			return File{}, web.FieldErrorf(name, "appears twice in the file")
		}
		seen[name] = true
		switch name {
		case "currency":
			if err := dec.Decode(&currency); err != nil {
				return File{}, decodeError(err, "currency", "", "")
			}
		case "categories":
			err = decodeArray(dec, "categories", func(i int) error {
				if i >= MaxCategories {
					return web.FieldErrorf("categories", "has more than %d categories", MaxCategories)
				}
				var c rawCategory
				if err := dec.Decode(&c); err != nil {
					return decodeError(err, fmt.Sprintf("categories[%d]", i), c.ID, "a category")
				}
				cats = append(cats, c)
				return nil
			})
		case "products":
			err = decodeArray(dec, "products", func(i int) error {
				if i >= MaxProducts {
					return web.FieldErrorf("products", "has more than %d products", MaxProducts)
				}
				var p rawProduct
				if err := dec.Decode(&p); err != nil {
					return decodeError(err, fmt.Sprintf("products[%d]", i), p.ID, "a product")
				}
				prods = append(prods, p)
				return nil
			})
		default:
			return File{}, unknownField("", "", key)
		}
		if err != nil {
			return File{}, err
		}
	}
	// The closing brace; json.Valid has vouched for the rest, trailing data included.
	if _, err := dec.Token(); err != nil {
		return File{}, syntaxError(data)
	}
	return validate(currency, cats, prods)
}

// decodeArray reads a JSON array (or null) value, calling elem once per element
// with the decoder positioned at it.
func decodeArray(dec *json.Decoder, field string, elem func(i int) error) error {
	tok, err := dec.Token()
	if err != nil {
		return web.Errorf(web.EValidation, "%s: invalid JSON", field)
	}
	switch tok {
	case nil:
		return nil
	case json.Delim('['):
	default:
		return web.FieldErrorf(field, "must be an array, got %s", describe(tok))
	}
	for i := 0; dec.More(); i++ {
		if err := elem(i); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return web.Errorf(web.EValidation, "%s: invalid JSON", field)
	}
	return nil
}

// describe names the JSON kind of a token for error messages.
func describe(tok json.Token) string {
	switch tok.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64, json.Number:
		return "a number"
	case string:
		return "a string"
	}
	if tok == json.Delim('[') {
		return "an array"
	}
	return "an object"
}

// syntaxError locates the first syntax error in data.
func syntaxError(data []byte) error {
	var se *json.SyntaxError
	if err := json.Unmarshal(data, &struct{}{}); !errors.As(err, &se) {
		return web.Errorf(web.EValidation, "the catalog file is not valid JSON")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return web.Errorf(web.EValidation, "the catalog file is empty")
	}
	off := min(max(se.Offset, 1), int64(len(data)))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(data[:off], '\n')) - 1
	switch {
	case strings.Contains(se.Error(), "after top-level value"):
		return web.Errorf(web.EValidation, "unexpected data after the JSON document at line %d, column %d", line, col)
	case strings.Contains(se.Error(), "unexpected end of JSON input"):
		return web.Errorf(web.EValidation, "the catalog file is cut short: the JSON document ends early")
	}
	return web.Errorf(web.EValidation, "invalid JSON at line %d, column %d: %s", line, col, strings.TrimPrefix(se.Error(), "json: "))
}

// decodeError turns an error decoding one value (a record when what is set)
// into a validation error. rec is the record's path ("products[3]"), id what
// was decoded of its id.
func decodeError(err error, rec, id, what string) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		got := te.Value
		if got == "" {
			got = "value"
		}
		if te.Field == "" || what == "" {
			return web.FieldErrorf(rec, "must be %s, got a JSON %s", orDefault(what, kind(te)), got)
		}
		return recordError(rec, id, te.Field, "must be %s, got a JSON %s", kind(te), got)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if n, uerr := strconv.Unquote(name); uerr == nil {
			name = n
		}
		return unknownField(rec, id, name)
	}
	return web.Errorf(web.EValidation, "%s: %v", rec, err)
}

func orDefault(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// kind names the Go type a JSON value failed to decode into.
func kind(te *json.UnmarshalTypeError) string {
	if te.Type == nil {
		return "a different type"
	}
	switch te.Type.Kind().String() {
	case "int", "int64":
		return "a whole number"
	case "string":
		return "a string"
	case "struct", "map":
		return "an object"
	}
	return "a " + te.Type.Kind().String()
}

// unknownField rejects a key the format does not define, at the top level
// (rec "") or in a record. The key goes into Field only if it looks like a
// field name, as it is arbitrary client input.
func unknownField(rec, id, key string) error {
	field := rec
	if isToken(key) && len(key) <= MaxIDLen {
		field = strings.TrimPrefix(rec+"."+key, ".")
	}
	msg := fmt.Sprintf("unknown field %q", truncate(key, 40))
	if rec != "" {
		msg = label(rec, id) + ": " + msg
	}
	return &web.Error{Code: web.EValidation, Field: field, Message: msg}
}

func validate(currency string, raws []rawCategory, prods []rawProduct) (File, error) {
	if currency != "" && !isCurrency(currency) {
		return File{}, web.FieldErrorf("currency", "must be an ISO 4217 code of 3 upper-case letters such as EUR, got %q", truncate(currency, 20))
	}
	f := File{Currency: currency, Categories: make([]web.Category, 0, len(raws))}
	catIndex := make(map[string]int, len(raws))
	folded := make(map[string]string, len(raws))
	for i, c := range raws {
		rec := fmt.Sprintf("categories[%d]", i)
		if err := checkID(rec, c.ID, folded); err != nil {
			return File{}, err
		}
		if problem := checkText(c.Name, MaxNameLen, false); problem != "" {
			return File{}, recordError(rec, c.ID, "name", "%s", problem)
		}
		catIndex[c.ID] = i
		f.Categories = append(f.Categories, web.Category{ID: c.ID, Name: c.Name, Position: i})
	}
	if len(prods) == 0 {
		return File{}, web.FieldErrorf("products", "must list at least one product")
	}
	f.Products = make([]web.Product, 0, len(prods))
	clear(folded)
	for i, p := range prods {
		rec := fmt.Sprintf("products[%d]", i)
		if err := checkID(rec, p.ID, folded); err != nil {
			return File{}, err
		}
		if problem := checkText(p.Name, MaxNameLen, false); problem != "" {
			return File{}, recordError(rec, p.ID, "name", "%s", problem)
		}
		ci, ok := catIndex[p.Category]
		switch {
		case p.Category == "":
			return File{}, recordError(rec, p.ID, "category", "is required")
		case !ok:
			return File{}, recordError(rec, p.ID, "category", "%q is not one of the file's categories", truncate(p.Category, MaxIDLen))
		}
		if p.Description != "" {
			if problem := checkText(p.Description, MaxDescriptionLen, true); problem != "" {
				return File{}, recordError(rec, p.ID, "description", "%s", problem)
			}
		}
		for _, d := range []struct {
			name string
			v    *int
			max  int
		}{{"width", p.Width, MaxFootprintCm}, {"depth", p.Depth, MaxFootprintCm}, {"height", p.Height, MaxHeightCm}} {
			switch {
			case d.v == nil:
				return File{}, recordError(rec, p.ID, d.name, "is required (whole centimetres)")
			case *d.v < 1 || *d.v > d.max:
				return File{}, recordError(rec, p.ID, d.name, "must be between 1 and %d cm, got %d", d.max, *d.v)
			}
		}
		switch {
		case p.Price == nil:
			return File{}, recordError(rec, p.ID, "price", "is required (in minor units, e.g. cents)")
		case *p.Price < 0 || *p.Price > MaxPrice:
			return File{}, recordError(rec, p.ID, "price", "must be between 0 and %d minor units, got %d", MaxPrice, *p.Price)
		}
		cur := p.Currency
		switch {
		case cur == "" && currency == "":
			return File{}, recordError(rec, p.ID, "currency", "is required: set it on the product or once for the whole file")
		case cur == "":
			cur = currency
		case !isCurrency(cur):
			return File{}, recordError(rec, p.ID, "currency", "must be an ISO 4217 code of 3 upper-case letters such as EUR, got %q", truncate(cur, 20))
		}
		switch {
		case p.Color == "":
			return File{}, recordError(rec, p.ID, "color", "is required (#rrggbb)")
		case !isColor(p.Color):
			return File{}, recordError(rec, p.ID, "color", "must be a hex colour #rrggbb, got %q", truncate(p.Color, 20))
		}
		f.Categories[ci].Count++
		f.Products = append(f.Products, web.Product{
			ID: p.ID, Name: p.Name, Category: p.Category, Description: p.Description,
			Width: *p.Width, Depth: *p.Depth, Height: *p.Height,
			Price: *p.Price, Currency: cur, Color: strings.ToLower(p.Color),
		})
	}
	return f, nil
}

// checkID validates a record's id and that no earlier record has it.
// folded maps the ASCII-lower-cased ids seen so far to their records: ids
// differing only in case are duplicates, as stores and URLs may fold case.
func checkID(rec, id string, folded map[string]string) error {
	switch {
	case id == "":
		return recordError(rec, id, "id", "is required")
	case len(id) > MaxIDLen || !isToken(id):
		return recordError(rec, id, "id", "must be 1-%d letters, digits, '-', '_' or '.', got %q", MaxIDLen, truncate(id, MaxIDLen+1))
	case strings.Trim(id, ".") == "":
		return recordError(rec, id, "id", "must not be made of dots only, got %q", id)
	}
	key := strings.ToLower(id)
	if prev, ok := folded[key]; ok {
		return &web.Error{Code: web.EValidation, Field: rec + ".id",
			Message: fmt.Sprintf("%s: id %q is already used by %s", label(rec, id), id, prev)}
	}
	folded[key] = rec
	return nil
}

// checkText validates a name or description, returning what is wrong or "".
func checkText(s string, maxLen int, multiline bool) string {
	switch {
	case strings.TrimSpace(s) == "":
		return "is required"
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case utf8.RuneCountInString(s) > maxLen:
		return fmt.Sprintf("must be at most %d characters, got %d", maxLen, utf8.RuneCountInString(s))
	}
	if i := strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t'))
	}); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Sprintf("must not contain control characters, found %U at byte %d", r, i)
	}
	return ""
}

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

// validID reports whether id is a well-formed product or category id.
func validID(id string) bool {
	return len(id) <= MaxIDLen && isToken(id) && strings.Trim(id, ".") != ""
}

// isToken reports whether s is made of ASCII letters, digits, '-', '_' and '.'.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return s != ""
}

func isCurrency(s string) bool {
	return len(s) == 3 && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

func isColor(s string) bool {
	return len(s) == 7 && s[0] == '#' && strings.Trim(s[1:], "0123456789abcdefABCDEF") == ""
}

// truncate shortens s to at most n runes for quoting in a message.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
