package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/roomplanner/planner/web"
)

func TestSeed(t *testing.T) {
	t.Parallel()
	f, err := Parse(bytes.NewReader(seedJSON))
	if err != nil {
		t.Fatalf("the shipped seed catalog is invalid: %v", err)
	}
	if !reflect.DeepEqual(f, Seed()) {
		t.Fatal("Seed() differs from parsing seed/catalog.json")
	}
	if len(f.Products) < 72 {
		t.Errorf("seed has %d products, want at least 72", len(f.Products))
	}
	if len(f.Categories) < 8 {
		t.Errorf("seed has %d categories, want at least 8", len(f.Categories))
	}
	if f.Currency != "EUR" {
		t.Errorf("seed currency = %q, want EUR", f.Currency)
	}
	for _, want := range []string{"sofas", "armchairs", "tables", "chairs", "beds", "storage", "kitchen", "desks", "rugs", "lighting"} {
		if !hasCategory(f, want) {
			t.Errorf("seed has no %q category", want)
		}
	}
	used := map[string]int{}
	colors, names := map[string]string{}, map[string]string{}
	for _, p := range f.Products {
		used[p.Category]++
		if prev, ok := colors[p.Color]; ok {
			t.Errorf("%s and %s share colour %s", prev, p.ID, p.Color)
		}
		colors[p.Color] = p.ID
		if prev, ok := names[p.Name]; ok {
			t.Errorf("%s and %s share name %q", prev, p.ID, p.Name)
		}
		names[p.Name] = p.ID
		if p.Description == "" || p.Price < 1000 || p.Currency != "EUR" {
			t.Errorf("%s: want a description, a price of at least 10 EUR and currency EUR, got %+v", p.ID, p)
		}
		if !strings.HasPrefix(p.ID, strings.TrimSuffix(p.Category, "s")) && !strings.HasPrefix(p.ID, "lamp-") {
			t.Errorf("%s: id should start with its category %q", p.ID, p.Category)
		}
	}
	for i, c := range f.Categories {
		if used[c.ID] == 0 || c.Count != used[c.ID] || c.Position != i {
			t.Errorf("category %q: %d products, Count %d, Position %d (index %d)", c.ID, used[c.ID], c.Count, c.Position, i)
		}
		t.Logf("%-10s %d products", c.ID, c.Count)
	}
	// Wall cabinets, a shelf and a TV hang on walls; the rest stands on the floor.
	for id, want := range map[string]int{"kitchen-fjell-wall-60": 145, "storage-hylla-wall-shelf-120": 150, "storage-skjul-wall-tv-55": 95, "kitchen-fjell-base-60": 0} {
		p, _ := product(f, id)
		if wall := want > 0; (p.Mount == web.MountWall) != wall || p.MountHeight != want {
			t.Errorf("%s: mount %q at %d cm, want wall %v at %d cm", id, p.Mount, p.MountHeight, wall, want)
		}
	}
	// A few real-world sizes the planner's users will recognise.
	for id, want := range map[string][3]int{
		"sofa-oslo-3":                {214, 92, 80},
		"bed-natt-160":               {170, 210, 95},
		"kitchen-fjell-base-60":      {60, 60, 87},
		"storage-fjord-wardrobe-100": {100, 58, 201},
	} {
		p, ok := product(f, id)
		if got := [3]int{p.Width, p.Depth, p.Height}; !ok || got != want {
			t.Errorf("%s: size %v, want %v", id, got, want)
		}
	}
}

func TestSeedReturnsCopies(t *testing.T) {
	t.Parallel()
	a := Seed()
	a.Products[0].RetailerID = "le_x"
	a.Categories[0].Name = "changed"
	if b := Seed(); b.Products[0].RetailerID != "" || b.Categories[0].Name == "changed" {
		t.Fatal("changes to one Seed() result show in the next")
	}
}

func TestParseValid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file  string
		check func(t *testing.T, f File)
	}{
		{"base.json", func(t *testing.T, f File) {
			want := File{
				Currency: "EUR",
				Categories: []web.Category{
					{ID: "sofas", Name: "Sofas", Position: 0, Count: 1},
					{ID: "chairs", Name: "Chairs", Position: 1, Count: 1},
					{ID: "rugs", Name: "Rugs", Position: 2, Count: 1},
				},
				Products: []web.Product{
					{ID: "sofa-oslo-3", Name: "Oslo 3-seat sofa", Category: "sofas", Description: "Deep-seated three-seater.", Width: 214, Depth: 92, Height: 80, Price: 89900, Currency: "EUR", Color: "#6b7b8c"},
					{ID: "chair-saga", Name: "Saga dining chair", Category: "chairs", Description: "Bentwood dining chair.", Width: 45, Depth: 52, Height: 80, Price: 12900, Currency: "EUR", Color: "#d2b48c"},
					{ID: "rug-vag", Name: "Våg flatweave rug", Category: "rugs", Width: 160, Depth: 230, Height: 1, Price: 0, Currency: "SEK", Color: "#5b7f95"},
				},
			}
			if !reflect.DeepEqual(f, want) {
				t.Errorf("got  %+v\nwant %+v", f, want)
			}
		}},
		{"valid-minimal.json", func(t *testing.T, f File) {
			p := f.Products[0]
			if f.Currency != "" || p.Currency != "USD" || p.Width != 1 || p.Depth != MaxFootprintCm || p.Height != MaxHeightCm || p.Price != MaxPrice {
				t.Errorf("boundary values not kept: %+v", f)
			}
		}},
		{"valid-bom-crlf.json", func(t *testing.T, f File) {
			if len(f.Categories) != 2 || f.Categories[1].Count != 0 || f.Products[0].Color != "#ffffff" ||
				f.Products[0].Description != "Pine frame.\nSlats included.\tAssembly required." {
				t.Errorf("got %+v", f)
			}
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			f, err := Parse(bytes.NewReader(readTestdata(t, tc.file)))
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, f)
			tc.check(t, f)
		})
	}
}

// ruleCase breaks one rule of the format in testdata/base.json.
type ruleCase struct {
	name   string
	mutate func(doc)
	field  string
	prefix string // the message starts with it
	code   string // web.EValidation unless set
}

// ruleCases are the format's rules, one broken per case; the schema test
// (schema_test.go) runs them too.
func ruleCases() []ruleCase {
	const chair = `products[1] ("chair-saga"): `
	long := func(n int) string { return strings.Repeat("ø", n) }
	setP := func(k string, v any) func(doc) { return func(d doc) { d.product(1)[k] = v } }
	delP := func(k string) func(doc) { return func(d doc) { delete(d.product(1), k) } }
	setC := func(k string, v any) func(doc) { return func(d doc) { d.category(1)[k] = v } }
	return []ruleCase{
		// Shape.
		{"unknown top-level field", func(d doc) { d["colour"] = "EUR" }, "colour", `unknown field "colour"`, ""},
		{"unknown product field", setP("colour", "#ffffff"), "products[1].colour", chair + `unknown field "colour"`, ""},
		{"unknown field with odd name", setP("a b", 1), "products[1]", chair + `unknown field "a b"`, ""},
		{"unknown category field", setC("slug", "x"), "categories[1].slug", `categories[1] ("chairs"): unknown field "slug"`, ""},
		{"currency not a string", func(d doc) { d["currency"] = 978 }, "currency", "currency: must be a string, got a JSON number", ""},
		{"categories not an array", func(d doc) { d["categories"] = map[string]any{} }, "categories", "categories: must be an array, got an object", ""},
		{"products not an array", func(d doc) { d["products"] = "all" }, "products", "products: must be an array, got a string", ""},
		{"product not an object", func(d doc) { d.products()[1] = 7 }, "products[1]", "products[1]: must be a product, got a JSON number", ""},
		{"category not an object", func(d doc) { d.categories()[1] = []any{} }, "categories[1]", "categories[1]: must be a category, got a JSON array", ""},
		{"product null", func(d doc) { d.products()[1] = nil }, "products[1].id", "products[1]: id is required", ""},
		// Counts.
		{"no products", func(d doc) { d["products"] = []any{} }, "products", "products: must list at least one product", ""},
		{"products missing", func(d doc) { delete(d, "products") }, "products", "products: must list at least one product", ""},
		{"products null", func(d doc) { d["products"] = nil }, "products", "products: must list at least one product", ""},
		{"too many products", func(d doc) { d["products"] = manyProducts(MaxProducts + 1) }, "products", "products: has more than 20000 products", ""},
		{"too many categories", func(d doc) { d["categories"] = manyCategories(MaxCategories + 1) }, "categories", "categories: has more than 1000 categories", ""},
		// Ids.
		{"id missing", delP("id"), "products[1].id", "products[1]: id is required", ""},
		{"id empty", setP("id", ""), "products[1].id", "products[1]: id is required", ""},
		{"id bad characters", setP("id", "chair saga"), "products[1].id", `products[1]: id must be 1-64 letters, digits, '-', '_' or '.', got "chair saga"`, ""},
		{"id non-ASCII", setP("id", "stol-ø"), "products[1].id", "products[1]: id must be 1-64", ""},
		{"id too long", setP("id", strings.Repeat("a", 65)), "products[1].id", "products[1]: id must be 1-64", ""},
		{"id only dots", setP("id", ".."), "products[1].id", `products[1]: id must not be made of dots only, got ".."`, ""},
		{"id not a string", setP("id", 12), "products[1].id", "products[1]: id must be a string, got a JSON number", ""},
		{"id duplicate", setP("id", "sofa-oslo-3"), "products[1].id", `products[1] ("sofa-oslo-3"): id "sofa-oslo-3" is already used by products[0]`, ""},
		{"id duplicate but for case", setP("id", "Sofa-Oslo-3"), "products[1].id", `products[1] ("Sofa-Oslo-3"): id "Sofa-Oslo-3" is already used by products[0]`, ""},
		{"category id missing", func(d doc) { delete(d.category(1), "id") }, "categories[1].id", "categories[1]: id is required", ""},
		{"category id bad", setC("id", "chairs/all"), "categories[1].id", "categories[1]: id must be 1-64", ""},
		{"category id duplicate", setC("id", "sofas"), "categories[1].id", `categories[1] ("sofas"): id "sofas" is already used by categories[0]`, ""},
		// Category references.
		{"category missing", delP("category"), "products[1].category", chair + "category is required", ""},
		{"category undeclared", setP("category", "stools"), "products[1].category", chair + `category "stools" is not one of the file's categories`, ""},
		{"categories missing", func(d doc) { delete(d, "categories") }, "products[0].category", `products[0] ("sofa-oslo-3"): category "sofas" is not one of the file's categories`, ""},
		{"categories null", func(d doc) { d["categories"] = nil }, "products[0].category", `products[0] ("sofa-oslo-3"): category "sofas" is not one of the file's categories`, ""},
		// Names and descriptions.
		{"name missing", delP("name"), "products[1].name", chair + "name is required", ""},
		{"name blank", setP("name", " \t "), "products[1].name", chair + "name is required", ""},
		{"name too long", setP("name", long(121)), "products[1].name", chair + "name must be at most 120 characters, got 121", ""},
		{"name control character", setP("name", "Saga\u0007chair"), "products[1].name", chair + "name must not contain control characters, found U+0007 at byte 4", ""},
		{"name newline", setP("name", "Saga\nchair"), "products[1].name", chair + "name must not contain control characters", ""},
		{"name C1 control", setP("name", "Saga\u0085"), "products[1].name", chair + "name must not contain control characters", ""},
		{"category name missing", func(d doc) { delete(d.category(1), "name") }, "categories[1].name", `categories[1] ("chairs"): name is required`, ""},
		{"category name too long", setC("name", long(121)), "categories[1].name", `categories[1] ("chairs"): name must be at most 120 characters`, ""},
		{"category name control", setC("name", "Chairs\x00"), "categories[1].name", `categories[1] ("chairs"): name must not contain control characters`, ""},
		{"description too long", setP("description", long(1001)), "products[1].description", chair + "description must be at most 1000 characters, got 1001", ""},
		{"description control", setP("description", "Bent\x1bwood"), "products[1].description", chair + "description must not contain control characters, found U+001B", ""},
		{"description blank", setP("description", "   "), "products[1].description", chair + "description is required", ""},
		// Dimensions.
		{"width zero", setP("width", 0), "products[1].width", chair + "width must be between 1 and 2000 cm, got 0", ""},
		{"width negative", setP("width", -45), "products[1].width", chair + "width must be between 1 and 2000 cm, got -45", ""},
		{"width too large", setP("width", 2001), "products[1].width", chair + "width must be between 1 and 2000 cm, got 2001", ""},
		{"width missing", delP("width"), "products[1].width", chair + "width is required", ""},
		{"width null", setP("width", nil), "products[1].width", chair + "width is required", ""},
		{"width fractional", setP("width", 45.5), "products[1].width", chair + "width must be a whole number, got a JSON number 45.5", ""},
		{"width string", setP("width", "45"), "products[1].width", chair + "width must be a whole number, got a JSON string", ""},
		{"width overflows", setP("width", json.Number("1e400")), "products[1].width", chair + "width must be a whole number, got a JSON number 1e400", ""},
		{"depth zero", setP("depth", 0), "products[1].depth", chair + "depth must be between 1 and 2000 cm, got 0", ""},
		{"depth too large", setP("depth", 2001), "products[1].depth", chair + "depth must be between 1 and 2000 cm, got 2001", ""},
		{"depth missing", delP("depth"), "products[1].depth", chair + "depth is required", ""},
		{"height zero", setP("height", 0), "products[1].height", chair + "height must be between 1 and 400 cm, got 0", ""},
		{"height too large", setP("height", 401), "products[1].height", chair + "height must be between 1 and 400 cm, got 401", ""},
		{"height missing", delP("height"), "products[1].height", chair + "height is required", ""},
		// Price.
		{"price negative", setP("price", -1), "products[1].price", chair + "price must be between 0 and 100000000 minor units, got -1", ""},
		{"price too large", setP("price", 100000001), "products[1].price", chair + "price must be between 0 and 100000000 minor units, got 100000001", ""},
		{"price missing", delP("price"), "products[1].price", chair + "price is required", ""},
		{"price in major units", setP("price", 129.0001), "products[1].price", chair + "price must be a whole number", ""},
		{"price overflows int64", setP("price", json.Number("9223372036854775808")), "products[1].price", chair + "price must be a whole number", ""},
		// Currency.
		{"currency lower case", setP("currency", "eur"), "products[1].currency", chair + `currency must be an ISO 4217 code of 3 upper-case letters such as EUR, got "eur"`, ""},
		{"currency too long", setP("currency", "EURO"), "products[1].currency", chair + "currency must be an ISO 4217 code", ""},
		{"currency symbol", setP("currency", "€"), "products[1].currency", chair + "currency must be an ISO 4217 code", ""},
		{"file currency bad", func(d doc) { d["currency"] = "Eur" }, "currency", `currency: must be an ISO 4217 code of 3 upper-case letters such as EUR, got "Eur"`, ""},
		{"no currency at all", func(d doc) { delete(d, "currency") }, "products[0].currency", `products[0] ("sofa-oslo-3"): currency is required: set it on the product or once for the whole file`, ""},
		// Colour.
		{"color missing", delP("color"), "products[1].color", chair + "color is required (#rrggbb)", ""},
		{"color name", setP("color", "red"), "products[1].color", chair + `color must be a hex colour #rrggbb, got "red"`, ""},
		{"color short form", setP("color", "#fff"), "products[1].color", chair + "color must be a hex colour", ""},
		{"color not hex", setP("color", "#12345g"), "products[1].color", chair + "color must be a hex colour", ""},
		{"color without hash", setP("color", "1234567"), "products[1].color", chair + "color must be a hex colour", ""},
		// Mount.
		{"mount unknown", setP("mount", "ceiling"), "products[1].mount", chair + `mount must be "floor" or "wall", got "ceiling"`, ""},
		{"mount not a string", setP("mount", true), "products[1].mount", chair + "mount must be a string", ""},
		{"wall without mountHeight", setP("mount", "wall"), "products[1].mountHeight", chair + "mountHeight is required for a wall-mounted product", ""},
		{"mountHeight on the floor", setP("mountHeight", 100), "products[1].mountHeight", chair + "mountHeight is only for wall-mounted products", ""},
		{"mountHeight on an explicit floor", func(d doc) { d.product(1)["mount"] = "floor"; d.product(1)["mountHeight"] = 0 }, "products[1].mountHeight", chair + "mountHeight is only for", ""},
		{"mountHeight negative", func(d doc) { d.product(1)["mount"] = "wall"; d.product(1)["mountHeight"] = -1 }, "products[1].mountHeight", chair + "mountHeight must be 0 or more, with height, at most 400 cm, got -1", ""},
		{"mountHeight above the ceiling", func(d doc) { d.product(1)["mount"] = "wall"; d.product(1)["mountHeight"] = 390 }, "products[1].mountHeight", chair + "mountHeight must be 0 or more, with height, at most 400 cm, got 390", ""},
		{"mountHeight fractional", func(d doc) { d.product(1)["mount"] = "wall"; d.product(1)["mountHeight"] = 90.5 }, "products[1].mountHeight", chair + "mountHeight must be a whole number", ""},
		// Image.
		{"image empty", setP("image", ""), "products[1].image", chair + "image must not be empty", ""},
		{"image not a string", setP("image", 7), "products[1].image", chair + "image must be a string", ""},
		{"image relative", setP("image", "/img/chair.jpg"), "products[1].image", chair + "image must be an absolute https:// URL", ""},
		{"image on plain http", setP("image", "http://img.shop.example/chair.jpg"), "products[1].image", chair + "image must use https://", ""},
		{"image data URL", setP("image", "data:image/png;base64,AAAA"), "products[1].image", chair + "image must be an absolute https:// URL", ""},
		{"image with credentials", setP("image", "https://u:p@img.shop.example/chair.jpg"), "products[1].image", chair + "image must not carry a user name or password", ""},
		{"image with a space", setP("image", "https://img.shop.example/saga chair.jpg"), "products[1].image", chair + "image must be a URL of printable ASCII", ""},
		{"image too long", setP("image", "https://img.shop.example/"+strings.Repeat("a", 2048)), "products[1].image", chair + "image must be at most 2048 bytes", ""},
		{"image on a numeric host", setP("image", "https://img.1/chair.jpg"), "products[1].image", chair + "image must have a host of letters", ""},
	}
}

// TestParseRules breaks one rule at a time in testdata/base.json. Every error
// must name the record and field: Field exactly, the message by its prefix.
func TestParseRules(t *testing.T) {
	t.Parallel()
	for _, tc := range ruleCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := baseDoc(t)
			tc.mutate(d)
			data, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(bytes.NewReader(data))
			wantErr(t, err, orDefault(tc.code, web.EValidation), tc.field, tc.prefix)
		})
	}
}

// TestParseAtLimits accepts values right at every limit.
func TestParseAtLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range limitCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := baseDoc(t)
			tc.mutate(d)
			data, _ := json.Marshal(d)
			f, err := Parse(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, f)
		})
	}
}

// limitCase sets values right at the format's limits.
type limitCase struct {
	name   string
	mutate func(doc)
}

// limitCases are accepted by Parse, and by the schema (schema_test.go).
func limitCases() []limitCase {
	return []limitCase{
		{"id of 64 characters", func(d doc) { d.product(1)["id"] = strings.Repeat("a", 64) }},
		{"id of 1 character", func(d doc) { d.product(1)["id"] = "a" }},
		{"id with all allowed characters", func(d doc) { d.product(1)["id"] = "AZaz09.-_" }},
		{"name of 120 characters", func(d doc) { d.product(1)["name"] = strings.Repeat("ø", 120) }},
		{"description of 1000 characters", func(d doc) { d.product(1)["description"] = strings.Repeat("ø", 1000) }},
		{"description missing", func(d doc) { delete(d.product(1), "description") }},
		{"price zero", func(d doc) { d.product(1)["price"] = 0 }},
		{"wall-mounted at the floor", func(d doc) { d.product(1)["mount"] = "wall"; d.product(1)["mountHeight"] = 0 }},
		{"wall-mounted up to the ceiling", func(d doc) {
			d.product(1)["mount"], d.product(1)["height"], d.product(1)["mountHeight"] = "wall", 100, 300
		}},
		{"mount floor said", func(d doc) { d.product(1)["mount"] = "floor" }},
		{"image of 2048 bytes", func(d doc) {
			d.product(1)["image"] = "https://img.shop.example/" + strings.Repeat("a", 2048-len("https://img.shop.example/"))
		}},
		{"image on loopback http", func(d doc) { d.product(1)["image"] = "http://127.0.0.1:9000/chair.png?v=1#top" }},
		{"image on localhost with a port", func(d doc) { d.product(1)["image"] = "http://localhost:9000/a/b%20c.jpg" }},
		{"image on https with a port", func(d doc) { d.product(1)["image"] = "https://IMG.shop.example:8443/Chair_1~x.jpg" }},
		{"price maximum", func(d doc) { d.product(1)["price"] = MaxPrice }},
		{"20000 products", func(d doc) { d["products"] = manyProducts(MaxProducts) }},
		{"1000 categories", func(d doc) { d["categories"] = manyCategories(MaxCategories) }},
		{"no file currency", func(d doc) {
			delete(d, "currency")
			for _, p := range d.products() {
				p.(map[string]any)["currency"] = "NOK"
			}
		}},
	}
}

// TestParseFiles covers what is about the file rather than a record.
func TestParseFiles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file, field, prefix string
	}{
		{"invalid-trailing-data.json", "", "unexpected data after the JSON document at line 2, column 1"},
		{"invalid-syntax.json", "", "invalid JSON at line 3, column 24: invalid character '\"' after object key:value pair"},
		{"invalid-truncated.json", "", "the catalog file is cut short"},
		{"invalid-empty.json", "", "the catalog file is empty"},
		{"invalid-not-object.json", "", "the catalog file must be a JSON object, got an array"},
		{"invalid-duplicate-key.json", "products", "products: appears twice in the file"},
		{"invalid-fractional-width.json", "products[0].width", `products[0] ("p"): width must be a whole number, got a JSON number 214.5`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(bytes.NewReader(readTestdata(t, tc.file)))
			wantErr(t, err, web.EValidation, tc.field, tc.prefix)
		})
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	base := readTestdata(t, "base.json")
	t.Run("exactly the limit", func(t *testing.T) {
		t.Parallel()
		pad := bytes.Repeat([]byte(" "), MaxFileSize-len(base))
		if _, err := Parse(io.MultiReader(bytes.NewReader(base), bytes.NewReader(pad))); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("one byte over", func(t *testing.T) {
		t.Parallel()
		pad := bytes.Repeat([]byte(" "), MaxFileSize-len(base)+1)
		_, err := Parse(io.MultiReader(bytes.NewReader(base), bytes.NewReader(pad)))
		wantErr(t, err, web.EPayloadTooLarge, "", "the catalog file is larger than 16 MiB")
	})
	t.Run("endless", func(t *testing.T) {
		t.Parallel()
		_, err := Parse(endless{})
		wantErr(t, err, web.EPayloadTooLarge, "", "the catalog file is larger than 16 MiB")
	})
	t.Run("http.MaxBytesReader", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		_, err := Parse(http.MaxBytesReader(rec, io.NopCloser(bytes.NewReader(base)), 10))
		wantErr(t, err, web.EPayloadTooLarge, "", "the catalog file is larger")
	})
	t.Run("read error", func(t *testing.T) {
		t.Parallel()
		cause := errors.New("connection reset")
		_, err := Parse(io.MultiReader(bytes.NewReader(base[:20]), failing{cause}))
		wantErr(t, err, web.EInternal, "", "the catalog file could not be read")
		if !errors.Is(err, cause) {
			t.Errorf("error %v does not wrap the cause", err)
		}
	})
}

// FuzzParse checks that Parse never panics, fails only with validation or
// size errors, and that anything it accepts keeps the catalog's invariants,
// survives a round trip through the import format, and (so written) passes
// the schema: the schema is never stricter than the importer.
func FuzzParse(f *testing.F) {
	f.Add(seedJSON)
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Parse(bytes.NewReader(data))
		if err != nil {
			var we *web.Error
			if !errors.As(err, &we) || (we.Code != web.EValidation && we.Code != web.EPayloadTooLarge) {
				t.Fatalf("error is not a validation error: %#v", err)
			}
			if !utf8.ValidString(we.Message) || !utf8.ValidString(we.Field) {
				t.Fatalf("error is not valid UTF-8: %q / %q", we.Field, we.Message)
			}
			return
		}
		checkInvariants(t, got)
		canonical := encode(t, got)
		again, err := Parse(bytes.NewReader(canonical))
		if err != nil {
			t.Fatalf("an accepted file no longer parses once re-encoded: %v", err)
		}
		if err := schemaCheck(t, canonical); err != nil {
			t.Fatalf("an accepted file, re-encoded, fails the schema: %v", err)
		}
		if !reflect.DeepEqual(got, again) {
			t.Fatalf("round trip changed the catalog:\n%+v\n%+v", got, again)
		}
	})
}

// checkInvariants checks what every accepted File promises, independently of
// the parser's code.
func checkInvariants(t *testing.T, f File) {
	t.Helper()
	cats := map[string]int{}
	for i, c := range f.Categories {
		if _, dup := cats[c.ID]; dup {
			t.Fatalf("category id %q twice", c.ID)
		}
		cats[c.ID] = i
		if c.Position != i || c.Name == "" {
			t.Fatalf("category %d: %+v", i, c)
		}
	}
	if len(f.Products) == 0 || len(f.Products) > MaxProducts {
		t.Fatalf("%d products", len(f.Products))
	}
	ids := map[string]bool{}
	count := make([]int, len(f.Categories))
	for _, p := range f.Products {
		if ids[strings.ToLower(p.ID)] {
			t.Fatalf("product id %q twice", p.ID)
		}
		ids[strings.ToLower(p.ID)] = true
		i, ok := cats[p.Category]
		if !ok {
			t.Fatalf("product %q in undeclared category %q", p.ID, p.Category)
		}
		count[i]++
		if p.ID == "" || len(p.ID) > MaxIDLen || p.Name == "" ||
			p.Width < 1 || p.Width > MaxFootprintCm || p.Depth < 1 || p.Depth > MaxFootprintCm ||
			p.Height < 1 || p.Height > MaxHeightCm || p.Price < 0 || p.Price > MaxPrice ||
			len(p.Currency) != 3 || len(p.Color) != 7 || p.Color != strings.ToLower(p.Color) || p.RetailerID != "" {
			t.Fatalf("product out of range: %+v", p)
		}
	}
	for i, c := range f.Categories {
		if c.Count != count[i] {
			t.Fatalf("category %q: Count %d, has %d products", c.ID, c.Count, count[i])
		}
	}
}

// encode writes f in the import format.
func encode(t *testing.T, f File) []byte {
	t.Helper()
	type category struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	out := struct {
		Currency   string        `json:"currency,omitempty"`
		Categories []category    `json:"categories"`
		Products   []web.Product `json:"products"`
	}{Currency: f.Currency, Products: f.Products}
	for _, c := range f.Categories {
		out.Categories = append(out.Categories, category{c.ID, c.Name})
	}
	data, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func wantErr(t *testing.T, err error, code, field, prefix string) {
	t.Helper()
	var we *web.Error
	if !errors.As(err, &we) {
		t.Fatalf("got error %v, want a *web.Error %s", err, code)
	}
	if we.Code != code || we.Field != field || !strings.HasPrefix(we.Message, prefix) {
		t.Fatalf("got  %s field %q: %s\nwant %s field %q: %s...", we.Code, we.Field, we.Message, code, field, prefix)
	}
}

// doc is a decoded import file to break on purpose.
type doc map[string]any

func baseDoc(t *testing.T) doc {
	t.Helper()
	var d doc
	if err := json.Unmarshal(readTestdata(t, "base.json"), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d doc) products() []any              { return d["products"].([]any) }
func (d doc) categories() []any            { return d["categories"].([]any) }
func (d doc) product(i int) map[string]any { return d.products()[i].(map[string]any) }
func (d doc) category(i int) map[string]any {
	return d.categories()[i].(map[string]any)
}

func manyProducts(n int) []any {
	ps := make([]any, n)
	for i := range ps {
		ps[i] = map[string]any{"id": fmt.Sprintf("p%d", i), "name": "P", "category": "sofas", "width": 1, "depth": 1, "height": 1, "price": 0, "color": "#000000"}
	}
	return ps
}

func manyCategories(n int) []any {
	cs := make([]any, n)
	for i := range cs {
		cs[i] = map[string]any{"id": fmt.Sprintf("c%d", i), "name": "C"}
	}
	cs[0].(map[string]any)["id"] = "sofas"
	cs[1].(map[string]any)["id"] = "chairs"
	cs[2].(map[string]any)["id"] = "rugs"
	return cs
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func hasCategory(f File, id string) bool {
	for _, c := range f.Categories {
		if c.ID == id {
			return true
		}
	}
	return false
}

func product(f File, id string) (web.Product, bool) {
	for _, p := range f.Products {
		if p.ID == id {
			return p, true
		}
	}
	return web.Product{}, false
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

type failing struct{ err error }

func (f failing) Read([]byte) (int, error) { return 0, f.err }

// TestCheckImageOrigins: an image is imported only from an origin the
// retailer registered, compared exactly after Parse's normalisation, and the
// refusal names the product and the origin to register.
func TestCheckImageOrigins(t *testing.T) {
	t.Parallel()
	d := baseDoc(t)
	d.product(0)["image"] = "https://IMG.shop.example:443/sofa.jpg"
	d.product(2)["image"] = "http://127.0.0.1:9000/rug.png"
	data, _ := json.Marshal(d)
	f, err := Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Products[0].Image; got != "https://IMG.shop.example:443/sofa.jpg" {
		t.Errorf("image = %q, want the URL as written", got)
	}
	if got := f.Products[1].Image; got != "" {
		t.Errorf("image of a product without one = %q", got)
	}
	if err := CheckImageOrigins(f, []string{"http://127.0.0.1:9000", "https://img.shop.example"}); err != nil {
		t.Errorf("both origins registered: %v", err)
	}
	for _, tc := range []struct {
		name    string
		origins []string
		field   string
		prefix  string
	}{
		{"none registered", nil, "products[0].image", `products[0] ("sofa-oslo-3"): image is on https://img.shop.example, which is not one of the retailer's image origins`},
		{"another port", []string{"https://img.shop.example", "http://127.0.0.1:9001"}, "products[2].image", `products[2] ("rug-vag"): image is on http://127.0.0.1:9000, which is not`},
		{"localhost is not 127.0.0.1", []string{"https://img.shop.example", "http://localhost:9000"}, "products[2].image", `products[2] ("rug-vag"): image is on http://127.0.0.1:9000`},
		{"http is not https", []string{"http://127.0.0.1:9000", "http://img.shop.example"}, "products[0].image", `products[0] ("sofa-oslo-3"): image is on https://img.shop.example`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wantErr(t, CheckImageOrigins(f, tc.origins), web.EValidation, tc.field, tc.prefix)
		})
	}
}
