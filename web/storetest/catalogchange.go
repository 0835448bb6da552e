package storetest

import (
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomplanner/planner/web"
)

// change is a CatalogChange without the fields a test cannot predict.
type change struct {
	Retailer, Product string
	Removed           bool
}

// changesAfter reads the whole change log after seq, checking that seqs
// increase and that every entry's time lies within [from, to] (whole
// milliseconds, as stored).
func changesAfter(t *testing.T, s Store, after int64, from, to time.Time) ([]change, int64) {
	t.Helper()
	cs, err := s.CatalogChanges(t.Context(), after, 1000)
	mustNot(t, err, "CatalogChanges(%d)", after)
	var out []change
	last := after
	for _, c := range cs {
		if c.Seq <= last {
			t.Fatalf("change seq %d after %d: seqs must increase", c.Seq, last)
		}
		last = c.Seq
		if c.At.Before(from.Truncate(time.Millisecond)) || c.At.After(to) || c.At.Location() != time.UTC {
			t.Errorf("change %d at %v, want UTC within [%v, %v]", c.Seq, c.At, from, to)
		}
		out = append(out, change{c.RetailerID, c.ProductID, c.Removed})
	}
	return out, last
}

func testCatalogChangeLog(t *testing.T, s Store) {
	ctx := t.Context()
	if seq, err := s.LastCatalogChange(ctx); err != nil || seq != 0 {
		t.Fatalf("LastCatalogChange on an empty store = %d, %v; want 0", seq, err)
	}
	if cs, err := s.CatalogChanges(ctx, 0, 10); err != nil || len(cs) != 0 {
		t.Fatalf("CatalogChanges on an empty store = %v, %v; want none", cs, err)
	}
	r, _ := addRetailer(t, s, "Shop")
	o, _ := addRetailer(t, s, "Other")

	// step runs an import and checks the entries it logged, in import order.
	var seq int64
	step := func(name string, f func() error, want []change) {
		t.Helper()
		from := time.Now()
		mustNot(t, f(), "%s", name)
		to := time.Now()
		got, last := changesAfter(t, s, seq, from, to)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%s: logged changes (-want +got):\n%s", name, diff)
		}
		if n, err := s.LastCatalogChange(ctx); err != nil || n != last {
			t.Fatalf("%s: LastCatalogChange = %d, %v; want %d", name, n, err, last)
		}
		seq = last
	}
	imp := func(retailerID string, cats []web.Category, ps []web.Product, replace bool) func() error {
		return func() error { return s.ImportCatalog(ctx, retailerID, cats, ps, replace) }
	}
	up := func(ids ...string) []change {
		var out []change
		for _, id := range ids {
			out = append(out, change{r.ID, id, false})
		}
		return out
	}

	step("first import", func() error { seedCatalog(t, s, r.ID); return nil },
		up("sofa-oslo-3", "sofa-bergen-2", "table-lund", "table-moss", "table-alta"))
	base := readCatalog(t, s, r.ID)
	byID := map[string]web.Product{}
	for _, p := range base.Products {
		byID[p.ID] = p
	}

	// The same products again, and a category rename: no product changed.
	step("identical import", imp(r.ID, []web.Category{{ID: "sofas", Name: "Sofas renamed"}}, base.Products, false), nil)
	step("identical replace", imp(r.ID, base.Categories, base.Products, true), nil)

	// Each field of a product counts; the untouched ones are not logged.
	moss, lund, alta := byID["table-moss"], byID["table-lund"], byID["table-alta"]
	moss.Price++
	lund.Color = "#000000"
	alta.Description = "Changed"
	step("merge changing three of five", imp(r.ID, nil, []web.Product{byID["sofa-oslo-3"], moss, lund, alta, byID["sofa-bergen-2"]}, false),
		up("table-moss", "table-lund", "table-alta"))
	step("new product", imp(r.ID, nil, []web.Product{product(r.ID, "sofa-new", "sofas", "New")}, false), up("sofa-new"))

	// Another retailer's import is logged under its id.
	step("other retailer", imp(o.ID, []web.Category{{ID: "x", Name: "X"}}, []web.Product{product(o.ID, "sofa-new", "x", "Other's")}, false),
		[]change{{o.ID, "sofa-new", false}})

	// A failed import logs nothing.
	bad := product(r.ID, "table-moss", "nope", "Moss in no category")
	if err := s.ImportCatalog(ctx, r.ID, nil, []web.Product{product(r.ID, "sofa-oslo-3", "sofas", "Renamed"), bad}, false); err == nil {
		t.Fatal("import into an unknown category succeeded")
	}
	step("after a failed import", func() error { return nil }, nil)

	// A replace logs the products it changed, then the ones it removed
	// (by id); the other retailer's products are not touched.
	oslo := byID["sofa-oslo-3"]
	oslo.Name = "Oslo sofa, linen"
	step("replace", imp(r.ID, []web.Category{{ID: "sofas", Name: "Sofas"}, {ID: "tables", Name: "Tables"}}, []web.Product{oslo, moss}, true),
		[]change{{r.ID, "sofa-oslo-3", false}, {r.ID, "sofa-bergen-2", true}, {r.ID, "sofa-new", true}, {r.ID, "table-alta", true}, {r.ID, "table-lund", true}})
	step("replace with nothing", imp(r.ID, nil, nil, true),
		[]change{{r.ID, "sofa-oslo-3", true}, {r.ID, "table-moss", true}})
	// A removed product imported again is a change.
	step("re-import", imp(r.ID, []web.Category{{ID: "tables", Name: "Tables"}}, []web.Product{moss}, false), up("table-moss"))
}

func testCatalogChangeLogPaging(t *testing.T, s Store) {
	ctx := t.Context()
	r, _ := addRetailer(t, s, "Shop")
	seedCatalog(t, s, r.ID) // five entries
	all, err := s.CatalogChanges(ctx, 0, 100)
	mustNot(t, err, "CatalogChanges")
	if len(all) != 5 {
		t.Fatalf("CatalogChanges = %d entries, want 5", len(all))
	}
	// Pages of two, each after the last seq read, give the same entries.
	var paged []web.CatalogChange
	after := int64(0)
	for range 4 {
		page, err := s.CatalogChanges(ctx, after, 2)
		mustNot(t, err, "CatalogChanges(%d, 2)", after)
		if len(page) > 2 {
			t.Fatalf("CatalogChanges(%d, 2) = %d entries, want at most 2", after, len(page))
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		after = page[len(page)-1].Seq
	}
	if diff := cmp.Diff(all, paged); diff != "" {
		t.Errorf("paged change log (-whole +paged):\n%s", diff)
	}
	// After the last entry: nothing; after one in the middle: the rest.
	if rest, err := s.CatalogChanges(ctx, all[4].Seq, 10); err != nil || len(rest) != 0 {
		t.Errorf("CatalogChanges after the last = %v, %v; want none", rest, err)
	}
	if rest, err := s.CatalogChanges(ctx, all[2].Seq, 10); err != nil || !cmp.Equal(rest, all[3:]) {
		t.Errorf("CatalogChanges after the third = %v, %v; want the last two", rest, err)
	}
	// A limit of zero still returns entries (the store's default page).
	if page, err := s.CatalogChanges(ctx, 0, 0); err != nil || len(page) != 5 {
		t.Errorf("CatalogChanges(0, 0) = %d entries, %v; want 5", len(page), err)
	}
}

func testCatalogChangePurge(t *testing.T, s Store) {
	ctx := t.Context()
	r, _ := addRetailer(t, s, "Shop")
	seedCatalog(t, s, r.ID)
	first, err := s.CatalogChanges(ctx, 0, 100)
	mustNot(t, err, "CatalogChanges")
	// Let the clock pass the first import's millisecond, so the second
	// import's entries are strictly later and a purge can tell them apart.
	for !time.Now().After(first[len(first)-1].At.Add(time.Millisecond)) {
		runtime.Gosched()
	}
	mustNot(t, s.ImportCatalog(ctx, r.ID, nil, []web.Product{product(r.ID, "sofa-later", "sofas", "Later")}, false), "second import")
	all, err := s.CatalogChanges(ctx, 0, 100)
	mustNot(t, err, "CatalogChanges")
	if len(all) != 6 || !all[5].At.After(all[4].At) {
		t.Fatalf("change log = %+v, want the second import's entry strictly after the first's five", all)
	}
	last := all[5].Seq

	mustNot(t, s.PurgeCatalogChanges(ctx, all[0].At), "purge before the first entry")
	if got, _ := s.CatalogChanges(ctx, 0, 100); len(got) != 6 {
		t.Errorf("after purging before the first entry: %d entries, want 6", len(got))
	}
	mustNot(t, s.PurgeCatalogChanges(ctx, all[5].At), "purge before the second import")
	got, err := s.CatalogChanges(ctx, 0, 100)
	mustNot(t, err, "CatalogChanges")
	if diff := cmp.Diff(all[5:], got); diff != "" {
		t.Errorf("after purging the first import's entries (-want +got):\n%s", diff)
	}
	mustNot(t, s.PurgeCatalogChanges(ctx, time.Now().Add(time.Hour)), "purge all")
	if got, _ := s.CatalogChanges(ctx, 0, 100); len(got) != 0 {
		t.Errorf("after purging all: %d entries, want none", len(got))
	}
	// Purging never makes a seq come back: a reader positioned at the last
	// one it read still sees the next import.
	mustNot(t, s.ImportCatalog(ctx, r.ID, nil, []web.Product{product(r.ID, "sofa-after", "sofas", "After")}, false), "import after the purge")
	got, err = s.CatalogChanges(ctx, last, 100)
	mustNot(t, err, "CatalogChanges")
	if len(got) != 1 || got[0].ProductID != "sofa-after" || got[0].Seq <= last {
		t.Errorf("after a purge, changes after seq %d = %+v; want sofa-after with a larger seq", last, got)
	}
	if n, err := s.LastCatalogChange(ctx); err != nil || n != got[0].Seq {
		t.Errorf("LastCatalogChange = %d, %v; want %d", n, err, got[0].Seq)
	}
}
