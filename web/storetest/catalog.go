package storetest

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/roomplanner/planner/web"
)

// product returns a valid product of retailerID.
func product(retailerID, id, category, name string) web.Product {
	return web.Product{
		ID: id, RetailerID: retailerID, Name: name, Category: category, Description: "A fine " + name,
		Width: 200, Depth: 90, Height: 80, Price: 49900, Currency: "EUR", Color: "#445566",
	}
}

// catalog is a snapshot of a retailer's whole catalog.
type catalog struct {
	Categories []web.Category
	Products   []web.Product
}

// readCatalog reads a retailer's whole catalog through the store's methods.
func readCatalog(t *testing.T, s Store, retailerID string) catalog {
	t.Helper()
	cats, err := s.Categories(t.Context(), retailerID)
	mustNot(t, err, "Categories")
	ps, next, err := s.Products(t.Context(), retailerID, web.ProductQuery{Limit: 200})
	mustNot(t, err, "Products")
	if next != "" {
		t.Fatalf("readCatalog: catalog larger than one page")
	}
	if cats == nil {
		cats = []web.Category{}
	}
	if ps == nil {
		ps = []web.Product{}
	}
	return catalog{cats, ps}
}

// seedCatalog imports the suite's base catalog for r: three categories (one
// empty) and five products, and returns it as it reads back.
func seedCatalog(t *testing.T, s Store, retailerID string) catalog {
	t.Helper()
	cats := []web.Category{
		{ID: "sofas", Name: "Sofas", Position: 1},
		{ID: "tables", Name: "Tables", Position: 0},
		{ID: "beds", Name: "Beds", Position: 1}, // same position as sofas: id breaks the tie
	}
	ps := []web.Product{
		product(retailerID, "sofa-oslo-3", "sofas", "Oslo sofa, 3 seats"),
		product(retailerID, "sofa-bergen-2", "sofas", "Bergen sofa, 2 seats"),
		product(retailerID, "table-lund", "tables", "Lund dining table"),
		product(retailerID, "table-moss", "tables", "Moss coffee table"),
		product(retailerID, "table-alta", "tables", "Alta side table"),
	}
	// One hangs on a wall, so its mount is stored and read back too.
	ps[4].Mount, ps[4].MountHeight = web.MountWall, 120
	// One has an image, so its URL is stored and read back too.
	ps[1].Image = "https://img.shop.example/p/" + ps[1].ID + ".jpg?v=2"
	mustNot(t, s.ImportCatalog(t.Context(), retailerID, cats, ps, false), "ImportCatalog")
	return catalog{
		Categories: []web.Category{
			{ID: "tables", Name: "Tables", Position: 0, Count: 3},
			{ID: "beds", Name: "Beds", Position: 1, Count: 0},
			{ID: "sofas", Name: "Sofas", Position: 1, Count: 2},
		},
		Products: []web.Product{ps[1], ps[0], ps[4], ps[2], ps[3]}, // by id
	}
}

func testCatalogImport(t *testing.T, s Store) {
	ctx := t.Context()
	r, _ := addRetailer(t, s, "Shop")
	want := seedCatalog(t, s, r.ID)
	if diff := cmp.Diff(want, readCatalog(t, s, r.ID)); diff != "" {
		t.Fatalf("catalog after the first import (-want +got):\n%s", diff)
	}
	got, err := s.Product(ctx, r.ID, "table-moss")
	mustNot(t, err, "Product")
	if diff := cmp.Diff(want.Products[4], got); diff != "" {
		t.Errorf("Product mismatch (-want +got):\n%s", diff)
	}
	_, err = s.Product(ctx, r.ID, "table-nope")
	wantCode(t, err, web.ENotFound)

	// A merge updates what it names and keeps the rest.
	moss := got
	moss.Price, moss.Name, moss.Category = 12900, "Moss coffee table, oak", "sofas"
	bed := product(r.ID, "bed-kiruna", "beds", "Kiruna bed")
	mustNot(t, s.ImportCatalog(ctx, r.ID, []web.Category{{ID: "beds", Name: "Beds & more", Position: 5}}, []web.Product{moss, bed}, false), "merge import")
	want = catalog{
		Categories: []web.Category{
			{ID: "tables", Name: "Tables", Position: 0, Count: 2},
			{ID: "sofas", Name: "Sofas", Position: 1, Count: 3},
			{ID: "beds", Name: "Beds & more", Position: 5, Count: 1},
		},
		Products: []web.Product{bed, want.Products[0], want.Products[1], want.Products[2], want.Products[3], moss},
	}
	if diff := cmp.Diff(want, readCatalog(t, s, r.ID)); diff != "" {
		t.Fatalf("catalog after a merge (-want +got):\n%s", diff)
	}
	// A merge may put products in categories stored earlier.
	lamp := product(r.ID, "table-lamp", "tables", "Lamp")
	mustNot(t, s.ImportCatalog(ctx, r.ID, nil, []web.Product{lamp}, false), "merge import into a stored category")

	// A replace makes the import the whole catalog.
	sofa := product(r.ID, "sofa-oslo-3", "sofas", "Oslo sofa, 3 seats, linen")
	mustNot(t, s.ImportCatalog(ctx, r.ID, []web.Category{{ID: "sofas", Name: "Sofas"}}, []web.Product{sofa}, true), "replace import")
	want = catalog{
		Categories: []web.Category{{ID: "sofas", Name: "Sofas", Count: 1}},
		Products:   []web.Product{sofa},
	}
	if diff := cmp.Diff(want, readCatalog(t, s, r.ID)); diff != "" {
		t.Fatalf("catalog after a replace (-want +got):\n%s", diff)
	}
	_, err = s.Product(ctx, r.ID, "table-moss")
	wantCode(t, err, web.ENotFound)

	// Replacing with nothing empties the catalog.
	mustNot(t, s.ImportCatalog(ctx, r.ID, nil, nil, true), "replace with nothing")
	if diff := cmp.Diff(catalog{[]web.Category{}, []web.Product{}}, readCatalog(t, s, r.ID)); diff != "" {
		t.Fatalf("catalog after an empty replace (-want +got):\n%s", diff)
	}
}

func testCatalogImportIsAtomic(t *testing.T, s Store) {
	ctx := t.Context()
	r, _ := addRetailer(t, s, "Shop")
	seedCatalog(t, s, r.ID)
	before := readCatalog(t, s, r.ID)

	changed := product(r.ID, "sofa-oslo-3", "sofas", "Oslo sofa, renamed")
	added := product(r.ID, "sofa-new", "sofas", "New sofa")
	tests := []struct {
		name     string
		retailer string
		cats     []web.Category
		products []web.Product
		replace  bool
		wantCode string // "" for any error
	}{
		{"duplicate product id", r.ID, nil, []web.Product{changed, added, added}, false, web.EValidation},
		{"duplicate product id, replace", r.ID, nil, []web.Product{changed, added, added}, true, web.EValidation},
		{"duplicate category id", r.ID, []web.Category{{ID: "new", Name: "New"}, {ID: "new", Name: "New"}}, []web.Product{changed}, false, web.EValidation},
		{"last product in an unknown category", r.ID, []web.Category{{ID: "new", Name: "New"}}, []web.Product{changed, added, product(r.ID, "x", "nope", "X")}, false, ""},
		{"replace dropping a category still used by an imported product", r.ID, []web.Category{{ID: "new", Name: "New"}}, []web.Product{changed}, true, ""},
		{"last product with a negative price", r.ID, nil, []web.Product{changed, added, func() web.Product {
			p := product(r.ID, "neg", "sofas", "Negative")
			p.Price = -1
			return p
		}()}, true, ""},
		{"product without id", r.ID, nil, []web.Product{changed, product(r.ID, "", "sofas", "No id")}, false, ""},
		{"unknown retailer", "le_missing", nil, []web.Product{product("le_missing", "a", "sofas", "A")}, false, web.ENotFound},
	}
	for _, tc := range tests {
		err := s.ImportCatalog(ctx, tc.retailer, tc.cats, tc.products, tc.replace)
		if err == nil {
			t.Errorf("%s: ImportCatalog = nil error", tc.name)
		} else if tc.wantCode != "" && web.ErrorCode(err) != tc.wantCode {
			t.Errorf("%s: error code = %q (%v), want %q", tc.name, web.ErrorCode(err), err, tc.wantCode)
		}
		if diff := cmp.Diff(before, readCatalog(t, s, r.ID)); diff != "" {
			t.Fatalf("%s: a failed import changed the catalog (-before +after):\n%s", tc.name, diff)
		}
	}
}

func testProductPaging(t *testing.T, s Store) {
	ctx := t.Context()
	r, _ := addRetailer(t, s, "Shop")
	all := seedCatalog(t, s, r.ID).Products
	tests := []struct {
		name     string
		category string
		limit    int
		want     [][]string // ids per page
	}{
		{"pages of 2", "", 2, [][]string{{"sofa-bergen-2", "sofa-oslo-3"}, {"table-alta", "table-lund"}, {"table-moss"}}},
		{"exact multiple: no empty last page", "", 5, [][]string{{"sofa-bergen-2", "sofa-oslo-3", "table-alta", "table-lund", "table-moss"}}},
		{"limit 1", "sofas", 1, [][]string{{"sofa-bergen-2"}, {"sofa-oslo-3"}}},
		{"category filter", "tables", 2, [][]string{{"table-alta", "table-lund"}, {"table-moss"}}},
		{"empty category", "beds", 10, [][]string{nil}},
		{"unknown category", "nope", 10, [][]string{nil}},
		{"default limit", "", 0, [][]string{{"sofa-bergen-2", "sofa-oslo-3", "table-alta", "table-lund", "table-moss"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cursor := ""
			for i, wantIDs := range tc.want {
				ps, next, err := s.Products(ctx, r.ID, web.ProductQuery{Category: tc.category, Limit: tc.limit, Cursor: cursor})
				mustNot(t, err, "Products page %d", i+1)
				if diff := cmp.Diff(wantIDs, ids(ps)); diff != "" {
					t.Fatalf("page %d ids (-want +got):\n%s", i+1, diff)
				}
				last := i == len(tc.want)-1
				switch {
				case last && next != "":
					t.Fatalf("page %d (the last) nextCursor = %q, want \"\"", i+1, next)
				case !last && next != wantIDs[len(wantIDs)-1]:
					t.Fatalf("page %d nextCursor = %q, want the page's last id %q", i+1, next, wantIDs[len(wantIDs)-1])
				}
				cursor = next
			}
		})
	}
	// Whole products come back, not just ids.
	ps, _, err := s.Products(ctx, r.ID, web.ProductQuery{Limit: 2, Cursor: "sofa-oslo-3"})
	mustNot(t, err, "Products")
	if diff := cmp.Diff(all[2:4], ps); diff != "" {
		t.Errorf("products after a cursor (-want +got):\n%s", diff)
	}
	// A cursor need not be an existing id.
	ps, _, err = s.Products(ctx, r.ID, web.ProductQuery{Limit: 10, Cursor: "table-b"})
	mustNot(t, err, "Products")
	if diff := cmp.Diff([]string{"table-lund", "table-moss"}, ids(ps)); diff != "" {
		t.Errorf("products after cursor table-b (-want +got):\n%s", diff)
	}
}

func testProductSearch(t *testing.T, s Store) {
	ctx := t.Context()
	r, _ := addRetailer(t, s, "Shop")
	seedCatalog(t, s, r.ID)
	extra := []web.Product{
		product(r.ID, "rug-wool", "tables", "100% wool rug"),
		product(r.ID, "rug-mix", "tables", "1000 wool threads rug"),
		product(r.ID, "chair-elise", "sofas", "Fauteuil ÉLISE"),
		product(r.ID, "shelf-a_b", "tables", "Shelf a_b"),
		product(r.ID, "shelf-axb", "tables", "Shelf axb"),
	}
	extra[1].Description = "Soft"
	extra[4].Description = `Back\slash`
	mustNot(t, s.ImportCatalog(ctx, r.ID, nil, extra, false), "ImportCatalog")
	tests := []struct {
		name     string
		q        web.ProductQuery
		wantIDs  []string
		wantNext string
	}{
		{"name, other case", web.ProductQuery{Q: "OSLO"}, []string{"sofa-oslo-3"}, ""},
		{"description", web.ProductQuery{Q: "a fine lund"}, []string{"table-lund"}, ""},
		{"percent is literal", web.ProductQuery{Q: "0% w"}, []string{"rug-wool"}, ""},
		{"lone percent", web.ProductQuery{Q: "%"}, []string{"rug-wool"}, ""},
		{"underscore is literal", web.ProductQuery{Q: "a_b"}, []string{"shelf-a_b"}, ""},
		{"backslash is literal", web.ProductQuery{Q: `k\s`}, []string{"shelf-axb"}, ""},
		{"non-ASCII letters fold", web.ProductQuery{Q: "élise"}, []string{"chair-elise"}, ""},
		{"with category", web.ProductQuery{Q: "sofa", Category: "tables"}, nil, ""},
		{"paged", web.ProductQuery{Q: "table", Limit: 2}, []string{"table-alta", "table-lund"}, "table-lund"},
		{"paged, second page", web.ProductQuery{Q: "table", Limit: 2, Cursor: "table-lund"}, []string{"table-moss"}, ""},
		{"no match", web.ProductQuery{Q: "zebra"}, nil, ""},
	}
	for _, tc := range tests {
		ps, next, err := s.Products(ctx, r.ID, tc.q)
		mustNot(t, err, "%s: Products", tc.name)
		if diff := cmp.Diff(tc.wantIDs, ids(ps)); diff != "" {
			t.Errorf("%s: ids (-want +got):\n%s", tc.name, diff)
		}
		if next != tc.wantNext {
			t.Errorf("%s: nextCursor = %q, want %q", tc.name, next, tc.wantNext)
		}
	}
}

func testMissingProducts(t *testing.T, s Store) {
	ctx := t.Context()
	r, _ := addRetailer(t, s, "Shop")
	o, _ := addRetailer(t, s, "Other")
	seedCatalog(t, s, r.ID)
	mustNot(t, s.ImportCatalog(ctx, o.ID, []web.Category{{ID: "x", Name: "X"}}, []web.Product{product(o.ID, "only-other", "x", "Other's")}, false), "ImportCatalog other")
	got, err := s.MissingProducts(ctx, r.ID, []string{"table-lund", "zz", "sofa-oslo-3", "only-other", "zz", "aa"})
	mustNot(t, err, "MissingProducts")
	if diff := cmp.Diff([]string{"zz", "only-other", "aa"}, got); diff != "" {
		t.Errorf("MissingProducts (-want +got):\n%s", diff)
	}
	got, err = s.MissingProducts(ctx, r.ID, []string{"table-lund"})
	mustNot(t, err, "MissingProducts")
	if len(got) != 0 {
		t.Errorf("MissingProducts of existing ids = %q, want none", got)
	}
	got, err = s.MissingProducts(ctx, r.ID, nil)
	mustNot(t, err, "MissingProducts(nil)")
	if len(got) != 0 {
		t.Errorf("MissingProducts(nil) = %q, want none", got)
	}
}

func ids(ps []web.Product) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func testRetailerIsolation(t *testing.T, s Store) {
	ctx := t.Context()
	x, _ := addRetailer(t, s, "X")
	y, _ := addRetailer(t, s, "Y")
	// Both use the product id "sofa" and the category id "sofas".
	mustNot(t, s.ImportCatalog(ctx, x.ID, []web.Category{{ID: "sofas", Name: "X sofas"}},
		[]web.Product{product(x.ID, "sofa", "sofas", "X sofa"), product(x.ID, "x-only", "sofas", "X only")}, false), "import X")
	mustNot(t, s.ImportCatalog(ctx, y.ID, []web.Category{{ID: "sofas", Name: "Y sofas"}, {ID: "y-cat", Name: "Y cat"}},
		[]web.Product{product(y.ID, "sofa", "sofas", "Y sofa")}, false), "import Y")

	got, err := s.Product(ctx, x.ID, "sofa")
	mustNot(t, err, "Product X")
	if got.Name != "X sofa" {
		t.Errorf("X's sofa = %q, want X's", got.Name)
	}
	_, err = s.Product(ctx, y.ID, "x-only")
	wantCode(t, err, web.ENotFound)
	ps, _, err := s.Products(ctx, y.ID, web.ProductQuery{Limit: 100})
	mustNot(t, err, "Products Y")
	if diff := cmp.Diff([]string{"sofa"}, ids(ps)); diff != "" || ps[0].Name != "Y sofa" {
		t.Errorf("Y's products = %+v, want only Y's sofa", ps)
	}
	ps, _, err = s.Products(ctx, y.ID, web.ProductQuery{Q: "X"})
	mustNot(t, err, "Products Y q=X")
	if len(ps) != 0 {
		t.Errorf("Y's search for X = %v, want nothing", ids(ps))
	}
	cats, err := s.Categories(ctx, x.ID)
	mustNot(t, err, "Categories X")
	if diff := cmp.Diff([]web.Category{{ID: "sofas", Name: "X sofas", Count: 2}}, cats); diff != "" {
		t.Errorf("X's categories (-want +got):\n%s", diff)
	}
	// A replace of Y's catalog leaves X's alone.
	mustNot(t, s.ImportCatalog(ctx, y.ID, nil, nil, true), "replace Y with nothing")
	if ps, _, err := s.Products(ctx, x.ID, web.ProductQuery{}); err != nil || !slices.Equal(ids(ps), []string{"sofa", "x-only"}) {
		t.Errorf("X's products after Y's replace = %v, %v", ids(ps), err)
	}

	// Projects: the same user id at two retailers is two different users.
	px := newProject(x.ID, "alice", "X room")
	_, _, err = s.CreateProject(ctx, px, "k", "h")
	mustNot(t, err, "CreateProject X")
	_, err = s.Project(ctx, y.ID, "alice", px.ID)
	wantCode(t, err, web.ENotFound)
	if list, err := s.Projects(ctx, y.ID, "alice"); err != nil || len(list) != 0 {
		t.Errorf("Projects(Y, alice) = %v, %v; want none", list, err)
	}
	_, err = s.UpdateProject(ctx, y.ID, "alice", px.ID, 1, px.ProjectDoc, t0)
	wantCode(t, err, web.ENotFound)
	wantCode(t, s.DeleteProject(ctx, y.ID, "alice", px.ID, 1), web.ENotFound)
	// The same Idempotency-Key at Y is another key.
	py := newProject(y.ID, "alice", "Y room")
	got2, created, err := s.CreateProject(ctx, py, "k", "h")
	mustNot(t, err, "CreateProject Y with X's key")
	if !created || got2.ID != py.ID {
		t.Errorf("CreateProject at Y with a key used at X = %q, created %v; want a new project", got2.ID, created)
	}
	if _, err := s.Project(ctx, x.ID, "alice", px.ID); err != nil {
		t.Errorf("X's project after Y's calls: %v", err)
	}
}
