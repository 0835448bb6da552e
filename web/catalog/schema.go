package catalog

import (
	_ "embed"
	"slices"
)

//go:embed catalog.schema.json
var schemaJSON []byte

// Schema returns the JSON Schema (draft 2020-12) of import files,
// catalog.schema.json, which the planner service serves at
// /schemas/catalog.json. It describes the format's shape and ranges; Parse
// is authoritative and also checks what a schema cannot express: ids unique
// ignoring case, and every product's category declared in the file. Each
// call returns a fresh copy.
func Schema() []byte { return slices.Clone(schemaJSON) }
