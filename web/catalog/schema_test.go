package catalog

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// compiledSchema is catalog.schema.json compiled once; compiling also checks
// it against the 2020-12 meta-schema.
var compiledSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("catalog.schema.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("catalog.schema.json")
})

// schemaCheck validates data against the schema as an integrator's tool
// would: as one JSON document, after the byte order mark the importer also
// ignores. errNotJSON is returned when data is no JSON document at all.
func schemaCheck(t testing.TB, data []byte) error {
	t.Helper()
	sch, err := compiledSchema()
	if err != nil {
		t.Fatalf("compile catalog.schema.json: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	if err != nil {
		return errNotJSON
	}
	return sch.Validate(inst)
}

type notJSONError struct{}

func (notJSONError) Error() string { return "not one JSON document" }

var errNotJSON error = notJSONError{}

func TestSchemaAcceptsValidFiles(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(filepath.Join("testdata", "valid-*.json"))
	files = append(files, filepath.Join("testdata", "base.json"))
	if len(files) < 3 {
		t.Fatalf("found %d valid test files, want at least 3", len(files))
	}
	t.Run("seed/catalog.json", func(t *testing.T) {
		t.Parallel()
		if err := schemaCheck(t, seedJSON); err != nil {
			t.Errorf("the seed catalog fails the schema: %v", err)
		}
	})
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			t.Parallel()
			if err := schemaCheck(t, readTestdata(t, filepath.Base(name))); err != nil {
				t.Errorf("fails the schema: %v", err)
			}
		})
	}
}

// TestSchemaRejectsInvalidFiles runs every invalid-*.json test file: each
// must be no JSON document at all (which no schema sees) or fail the schema.
func TestSchemaRejectsInvalidFiles(t *testing.T) {
	t.Parallel()
	// Syntax errors: a JSON Schema validator never gets to see these.
	notJSON := map[string]bool{
		"invalid-empty.json": true, "invalid-syntax.json": true,
		"invalid-trailing-data.json": true, "invalid-truncated.json": true,
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "invalid-*.json"))
	if len(files) < 7 {
		t.Fatalf("found %d invalid test files, want at least 7", len(files))
	}
	for _, name := range files {
		base := filepath.Base(name)
		t.Run(base, func(t *testing.T) {
			t.Parallel()
			err := schemaCheck(t, readTestdata(t, base))
			switch {
			case notJSON[base] && err != errNotJSON:
				t.Errorf("want no JSON document, got %v", err)
			case !notJSON[base] && (err == nil || err == errNotJSON):
				t.Errorf("want a schema error, got %v", err)
			}
		})
	}
}

// semanticOnly names the rule cases the schema cannot reject, and why. The
// importer rejects them (TestParseRules); the schema must accept them, so
// this list stays exact.
var semanticOnly = map[string]string{
	"id duplicate":                  "uniqueness of a property across array items",
	"id duplicate but for case":     "uniqueness ignoring case",
	"category id duplicate":         "uniqueness of a property across array items",
	"category undeclared":           "a reference from a product to a category of the same file",
	"categories missing":            "a reference from a product to a category of the same file",
	"categories null":               "a reference from a product to a category of the same file",
	"mountHeight above the ceiling": "a sum of two fields (height + mountHeight)",
	"image on a numeric host":       "the WHATWG rule that a host ending in a number is an IPv4 address",
}

// TestSchemaRules checks the schema against every rule of the format
// (ruleCases): it rejects each broken file the importer rejects, but for
// the cases of semanticOnly.
func TestSchemaRules(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, tc := range ruleCases() {
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := baseDoc(t)
			tc.mutate(d)
			data, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			err = schemaCheck(t, data)
			if why, ok := semanticOnly[tc.name]; ok {
				if err != nil {
					t.Errorf("listed as beyond a schema (%s), but the schema rejects it: %v; take it off semanticOnly", why, err)
				}
				return
			}
			if err == nil {
				t.Errorf("the importer rejects this (%s: %s), the schema accepts it", tc.field, tc.prefix)
			}
		})
	}
	for name := range semanticOnly {
		if !seen[name] {
			t.Errorf("semanticOnly names %q, which is no rule case", name)
		}
	}
}

// TestSchemaAtLimits accepts what the importer accepts at every limit.
func TestSchemaAtLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range limitCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := baseDoc(t)
			tc.mutate(d)
			data, _ := json.Marshal(d)
			if err := schemaCheck(t, data); err != nil {
				t.Errorf("the importer accepts this, the schema rejects it: %v", err)
			}
		})
	}
}

func TestSchemaDescribesTheFormat(t *testing.T) {
	t.Parallel()
	var s struct {
		Schema string `json:"$schema"`
		Defs   map[string]struct {
			Properties map[string]any `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Schema != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %q, want draft 2020-12", s.Schema)
	}
	// Every field the parser reads is in the schema, spelled as its json tag.
	for def, typ := range map[string]any{"product": rawProduct{}, "category": rawCategory{}} {
		b, _ := json.Marshal(typ)
		var fields map[string]any
		_ = json.Unmarshal(b, &fields)
		for f := range fields {
			if _, ok := s.Defs[def].Properties[f]; !ok {
				t.Errorf("$defs.%s has no property %q", def, f)
			}
		}
		if len(fields) != len(s.Defs[def].Properties) {
			t.Errorf("$defs.%s has %d properties, the parser reads %d", def, len(s.Defs[def].Properties), len(fields))
		}
	}
	if !strings.Contains(string(Schema()), "ignoring case") {
		t.Error("the schema's description no longer says which rules only the importer checks")
	}
}
