package catalog

import (
	_ "embed"
	"slices"
	"sync"
)

//go:embed seed/catalog.json
var seedJSON []byte

var parsedSeed = sync.OnceValue(func() File {
	f, err := parse(seedJSON)
	if err != nil {
		panic("catalog: the embedded seed catalog is invalid: " + err.Error())
	}
	return f
})

// Seed returns the catalog shipped with the planner (seed/catalog.json): a
// realistic EUR furniture range for demos and new retailers. Each call returns
// fresh slices, so callers may modify them (e.g. set RetailerID). It panics
// only if the embedded file is invalid, which the package tests rule out.
func Seed() File {
	f := parsedSeed()
	f.Categories = slices.Clone(f.Categories)
	f.Products = slices.Clone(f.Products)
	return f
}
