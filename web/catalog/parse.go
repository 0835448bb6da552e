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

	"github.com/roomplanner/planner/web"
)

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
	if web.IsToken(key) && len(key) <= MaxIDLen {
		field = strings.TrimPrefix(rec+"."+key, ".")
	}
	msg := fmt.Sprintf("unknown field %q", truncate(key, 40))
	if rec != "" {
		msg = label(rec, id) + ": " + msg
	}
	return &web.Error{Code: web.EValidation, Field: field, Message: msg}
}
