package retailerops_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/catalog"
	"github.com/roomplanner/planner/web/retailerops"
)

func TestCheckCatalog(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/bad-catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	_, probs := retailerops.CheckCatalog(data)
	want := []struct{ record, field string }{
		{"categories[1]", "categories[1].id"},
		{"products[1]", "products[1].width"},
		{"products[2]", "products[2].color"},
		{"products[3]", "products[3].id"},
		{"products[4]", "products[4].category"},
	}
	if len(probs) != len(want) {
		t.Fatalf("CheckCatalog = %d problems %+v, want %d", len(probs), probs, len(want))
	}
	for i, w := range want {
		if probs[i].Record != w.record || probs[i].Field != w.field {
			t.Errorf("problem %d = %+v, want record %s field %s", i, probs[i], w.record, w.field)
		}
		if !bytes.Contains([]byte(probs[i].Message), []byte(w.record)) {
			t.Errorf("problem %d message %q does not name %s", i, probs[i].Message, w.record)
		}
	}
	// The first problem is exactly catalog.Parse's error.
	_, perr := catalog.Parse(bytes.NewReader(data))
	if perr == nil || probs[0].Message != web.ErrorMessage(perr) {
		t.Errorf("first problem %q, Parse's error %v", probs[0].Message, perr)
	}
}

func TestCheckCatalogValidAndWhole(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"valid-minimal.json", "base.json", "invalid-syntax.json", "invalid-not-object.json", "invalid-duplicate-key.json"} {
		data, err := os.ReadFile(filepath.Join("..", "catalog", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		f, probs := retailerops.CheckCatalog(data)
		_, perr := catalog.Parse(bytes.NewReader(data))
		switch {
		case perr == nil && (len(probs) != 0 || len(f.Products) == 0):
			t.Errorf("%s: valid file gave %+v, %d products", name, probs, len(f.Products))
		case perr != nil && (len(probs) == 0 || probs[0].Message != web.ErrorMessage(perr)):
			t.Errorf("%s: problems %+v, want first %q", name, probs, perr)
		}
	}
}

// A category set aside does not list the products that only name it.
func TestCheckCatalogCascade(t *testing.T) {
	t.Parallel()
	data := []byte(`{"currency":"EUR","categories":[{"id":"c","name":""}],"products":[
		{"id":"p","name":"P","category":"c","width":1,"depth":1,"height":1,"price":1,"color":"#000000"}]}`)
	_, probs := retailerops.CheckCatalog(data)
	if len(probs) != 1 || probs[0].Record != "categories[0]" {
		t.Errorf("CheckCatalog = %+v, want only categories[0]", probs)
	}
}

// FuzzCheckCatalog: a file is clean for CheckCatalog exactly when Parse
// accepts it, its first problem is Parse's error, and it never lists more
// than MaxCatalogProblems.
func FuzzCheckCatalog(f *testing.F) {
	for _, p := range []string{"testdata/bad-catalog.json", "../catalog/testdata/base.json", "../catalog/testdata/valid-minimal.json"} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, probs := retailerops.CheckCatalog(data)
		_, perr := catalog.Parse(bytes.NewReader(data))
		if (perr == nil) != (len(probs) == 0) {
			t.Fatalf("Parse err %v but problems %+v", perr, probs)
		}
		if perr != nil && probs[0].Message != web.ErrorMessage(perr) {
			t.Fatalf("first problem %q, Parse %q", probs[0].Message, perr)
		}
		if len(probs) > retailerops.MaxCatalogProblems {
			t.Fatalf("%d problems", len(probs))
		}
	})
}
