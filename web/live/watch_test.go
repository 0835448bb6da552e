package live_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/live"
	"github.com/roomplanner/planner/web/live/livetest"
	"github.com/roomplanner/planner/web/service"
)

// fakeChangeLog is a live.ChangeLog over a slice; its function fields, when
// set, replace the reads.
type fakeChangeLog struct {
	mu         sync.Mutex
	entries    []web.CatalogChange
	reads      int // CatalogChanges calls
	failAfter  int // CatalogChanges fails from this read on (0: never)
	categories func(retailerID string) ([]web.Category, error)
}

func (f *fakeChangeLog) append(retailerID, productID string, removed bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entries = append(f.entries, web.CatalogChange{Seq: int64(len(f.entries) + 1), RetailerID: retailerID, ProductID: productID, Removed: removed})
}

func (f *fakeChangeLog) LastCatalogChange(context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return int64(len(f.entries)), nil
}

func (f *fakeChangeLog) CatalogChanges(_ context.Context, after int64, limit int) ([]web.CatalogChange, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if f.failAfter > 0 && f.reads >= f.failAfter {
		return nil, errors.New("disk on fire")
	}
	var out []web.CatalogChange
	for _, c := range f.entries {
		if c.Seq > after && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeChangeLog) Categories(_ context.Context, retailerID string) ([]web.Category, error) {
	if f.categories == nil {
		return nil, errors.New("no categories")
	}
	return f.categories(retailerID)
}

// recorder is a live.Publisher that keeps what it is given.
type recorder struct {
	mu     sync.Mutex
	events []live.Event
	got    chan struct{} // one value per event, if set
}

func (r *recorder) Publish(_ context.Context, e live.Event) error {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	if r.got != nil {
		r.got <- struct{}{}
	}
	return nil
}

func (r *recorder) take() []live.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

func updated(retailerID, id string) live.Event {
	return live.Event{Topic: live.TopicCatalog, Name: live.EventProductUpdated, RetailerID: retailerID, ID: id}
}

func removed(retailerID, id string) live.Event {
	e := updated(retailerID, id)
	e.Removed = true
	return e
}

func imported(retailerID string, products, categories int) live.Event {
	return live.Event{Topic: live.TopicCatalog, Name: live.EventCatalogImported, RetailerID: retailerID, Products: products, Categories: categories}
}

func TestCatalogWatcherPoll(t *testing.T) {
	t.Parallel()
	sized := func(string) ([]web.Category, error) {
		return []web.Category{{ID: "a", Count: 30}, {ID: "b", Count: 4}}, nil
	}
	type entry struct {
		retailer, product string
		removed           bool
	}
	many := func(retailer string, n int) []entry {
		var out []entry
		for i := range n {
			out = append(out, entry{retailer, fmt.Sprintf("p%02d", i), false})
		}
		return out
	}
	manyUpdated := func(retailer string, n int) []live.Event {
		var out []live.Event
		for i := range n {
			out = append(out, updated(retailer, fmt.Sprintf("p%02d", i)))
		}
		return out
	}
	tests := []struct {
		name    string
		cfg     live.WatcherConfig
		entries []entry
		cats    func(string) ([]web.Category, error)
		want    []live.Event
	}{
		{"nothing new", live.WatcherConfig{}, nil, nil, nil},
		{"one product each, by retailer", live.WatcherConfig{},
			[]entry{{"le_a", "sofa", false}, {"le_b", "sofa", false}, {"le_a", "bed", true}},
			nil, []live.Event{updated("le_a", "sofa"), removed("le_a", "bed"), updated("le_b", "sofa")}},
		{"a product changed twice is reported once, with its last change", live.WatcherConfig{},
			[]entry{{"le_a", "sofa", false}, {"le_a", "bed", false}, {"le_a", "sofa", true}, {"le_a", "bed", true}, {"le_a", "bed", false}},
			nil, []live.Event{removed("le_a", "sofa"), updated("le_a", "bed")}},
		{"20 products are reported one by one", live.WatcherConfig{}, many("le_a", 20), sized, manyUpdated("le_a", 20)},
		{"21 products are one catalog.imported with the catalog's size", live.WatcherConfig{}, many("le_a", 21), sized, []live.Event{imported("le_a", 34, 2)}},
		{"bulk is per retailer", live.WatcherConfig{},
			append(many("le_a", 21), entry{"le_b", "x", false}), sized, []live.Event{imported("le_a", 34, 2), updated("le_b", "x")}},
		{"bulk counts distinct products", live.WatcherConfig{BulkProducts: 2},
			[]entry{{"le_a", "x", false}, {"le_a", "x", true}, {"le_a", "y", false}, {"le_a", "x", false}}, nil,
			[]live.Event{updated("le_a", "x"), updated("le_a", "y")}},
		{"a poll reads every batch before it publishes", live.WatcherConfig{BulkProducts: 3, Batch: 2}, many("le_a", 5), sized, []live.Event{imported("le_a", 34, 2)}},
		{"bulk without the catalog's size still tells clients to refetch", live.WatcherConfig{BulkProducts: 1}, many("le_a", 2), nil, []live.Event{imported("le_a", 0, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cl := &fakeChangeLog{categories: tt.cats}
			cl.append("le_a", "history", false) // before the watcher: never published
			pub := &recorder{}
			w, err := live.NewCatalogWatcher(t.Context(), cl, pub, tt.cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range tt.entries {
				cl.append(e.retailer, e.product, e.removed)
			}
			if err := w.Poll(t.Context()); err != nil {
				t.Fatalf("Poll: %v", err)
			}
			if diff := cmp.Diff(tt.want, pub.take()); diff != "" {
				t.Errorf("published (-want +got):\n%s", diff)
			}
			// A second poll has nothing new.
			if err := w.Poll(t.Context()); err != nil {
				t.Fatalf("second Poll: %v", err)
			}
			if got := pub.take(); len(got) != 0 {
				t.Errorf("second poll published %+v, want nothing", got)
			}
		})
	}
}

// TestCatalogWatcherReadError: entries read before a failed read are
// published; the next poll resumes after them, publishing each entry once.
func TestCatalogWatcherReadError(t *testing.T) {
	t.Parallel()
	cl := &fakeChangeLog{failAfter: 2}
	pub := &recorder{}
	w, err := live.NewCatalogWatcher(t.Context(), cl, pub, live.WatcherConfig{Batch: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c"} {
		cl.append("le_a", id, false)
	}
	if err := w.Poll(t.Context()); err == nil {
		t.Fatal("Poll = nil error, want the read's")
	}
	if diff := cmp.Diff([]live.Event{updated("le_a", "a"), updated("le_a", "b")}, pub.take()); diff != "" {
		t.Errorf("published before the error (-want +got):\n%s", diff)
	}
	cl.mu.Lock()
	cl.failAfter = 0
	cl.mu.Unlock()
	if err := w.Poll(t.Context()); err != nil {
		t.Fatalf("Poll after recovery: %v", err)
	}
	if diff := cmp.Diff([]live.Event{updated("le_a", "c")}, pub.take()); diff != "" {
		t.Errorf("published after recovery (-want +got):\n%s", diff)
	}
}

// TestCatalogWatcherRun: Run polls on each tick and returns when its context
// ends.
func TestCatalogWatcherRun(t *testing.T) {
	t.Parallel()
	cl := &fakeChangeLog{}
	pub := &recorder{got: make(chan struct{}, 8)}
	tick := make(chan time.Time)
	w, err := live.NewCatalogWatcher(t.Context(), cl, pub, live.WatcherConfig{Tick: tick}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	for _, id := range []string{"a", "b"} {
		cl.append("le_a", id, false)
		tick <- time.Time{} // received: the poll that follows sees the entry
		select {
		case <-pub.got:
		case <-time.After(5 * time.Second):
			t.Fatalf("no event after the tick for %s", id)
		}
	}
	if diff := cmp.Diff([]live.Event{updated("le_a", "a"), updated("le_a", "b")}, pub.take()); diff != "" {
		t.Errorf("published (-want +got):\n%s", diff)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

// pollCatalog reads the change log now, as the service does every second:
// when it returns, every change committed before has been published.
func (e *env) pollCatalog() {
	e.t.Helper()
	if err := e.svc.Catalog.Poll(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// cli opens a second store on the service's file, as the admin CLI does in
// its own process.
func (e *env) cli() service.Store {
	e.t.Helper()
	st, err := service.OpenStore(context.Background(), e.dbPath, testGetenv)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	return st
}

func testProduct(id, name string) web.Product {
	return web.Product{ID: id, Name: name, Category: "sofas", Width: 200, Depth: 90, Height: 80, Price: 49900, Currency: "EUR"}
}

var testCategories = []web.Category{{ID: "sofas", Name: "Sofas"}}

// expectProduct reads c's next message, failing t unless it is
// product.updated of id.
func expectProduct(t *testing.T, c *livetest.Client, id string, wantRemoved bool) {
	t.Helper()
	m := c.Expect("event")
	if m.Payload.Topic != "catalog" || m.Payload.Event != live.EventProductUpdated || m.Payload.ID != id || m.Payload.Removed != wantRemoved {
		t.Fatalf("event %+v, want product.updated %s removed=%v", m.Payload, id, wantRemoved)
	}
}

// TestCLIImportReachesSockets: an import made through another store on the
// same SQLite file (the admin CLI's process) reaches the sockets following
// that retailer's catalog as one product.updated per product it really
// changed, and no other retailer's socket.
func TestCLIImportReachesSockets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop := e.retailer(web.PlanFree)
	other := e.retailer(web.PlanFree)
	c := e.dial(shop)
	c.Subscribe("catalog")
	o := e.dial(other)
	o.Subscribe("catalog")
	cli := e.cli()
	ctx := context.Background()

	catalog := []web.Product{testProduct("oslo", "Oslo sofa"), testProduct("bergen", "Bergen sofa"), testProduct("lund", "Lund sofa")}
	if err := cli.ImportCatalog(ctx, shop.ID, testCategories, catalog, false); err != nil {
		t.Fatal(err)
	}
	e.pollCatalog()
	for _, p := range catalog {
		expectProduct(t, c, p.ID, false)
	}

	// Two of three change; the third is imported as it was.
	catalog[0].Price = 39900
	catalog[2].Name = "Lund sofa, linen"
	if err := cli.ImportCatalog(ctx, shop.ID, testCategories, catalog, false); err != nil {
		t.Fatal(err)
	}
	e.pollCatalog()
	expectProduct(t, c, "oslo", false)
	expectProduct(t, c, "lund", false)

	// The other retailer's socket heard none of it: its first event is its
	// own import's; and shop's socket hears nothing of that import (its next
	// event is the marker).
	if err := cli.ImportCatalog(ctx, other.ID, testCategories, []web.Product{testProduct("troll", "Other's sofa")}, false); err != nil {
		t.Fatal(err)
	}
	e.pollCatalog()
	expectProduct(t, o, "troll", false)
	e.publishCatalog(shop, 99)
	if m := c.Expect("event"); m.Payload.Event != live.EventCatalogImported || *m.Payload.Products != 99 {
		t.Fatalf("event %+v, want the marker: nothing of the other retailer's import", m.Payload)
	}
}

// TestUnchangedImportPublishesNothing: re-importing the same products, by the
// CLI or in process, publishes nothing.
func TestUnchangedImportPublishesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop := e.retailer(web.PlanFree)
	c := e.dial(shop)
	c.Subscribe("catalog")
	cli := e.cli()
	ctx := context.Background()
	catalog := []web.Product{testProduct("oslo", "Oslo sofa"), testProduct("bergen", "Bergen sofa")}
	if err := cli.ImportCatalog(ctx, shop.ID, testCategories, catalog, false); err != nil {
		t.Fatal(err)
	}
	e.pollCatalog()
	expectProduct(t, c, "oslo", false)
	expectProduct(t, c, "bergen", false)

	if err := cli.ImportCatalog(ctx, shop.ID, testCategories, catalog, true); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Data.ImportCatalog(ctx, shop.ID, testCategories, catalog, false); err != nil {
		t.Fatal(err)
	}
	e.pollCatalog()
	// The next event is this change's: the unchanged imports published none.
	catalog[1].Color = "#112233"
	if err := e.svc.Data.ImportCatalog(ctx, shop.ID, nil, catalog[1:], false); err != nil {
		t.Fatal(err)
	}
	e.pollCatalog()
	expectProduct(t, c, "bergen", false)
}

// TestReplaceRemovalIsReported: products a --replace import removes are
// reported as product.updated with removed: true, after the changed ones.
func TestReplaceRemovalIsReported(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop := e.retailer(web.PlanFree)
	c := e.dial(shop)
	c.Subscribe("catalog")
	cli := e.cli()
	ctx := context.Background()
	catalog := []web.Product{testProduct("oslo", "Oslo sofa"), testProduct("bergen", "Bergen sofa"), testProduct("lund", "Lund sofa")}
	if err := cli.ImportCatalog(ctx, shop.ID, testCategories, catalog, false); err != nil {
		t.Fatal(err)
	}
	e.pollCatalog()
	for _, p := range catalog {
		expectProduct(t, c, p.ID, false)
	}
	kept := testProduct("lund", "Lund sofa, linen")
	if err := cli.ImportCatalog(ctx, shop.ID, testCategories, []web.Product{catalog[0], kept}, true); err != nil {
		t.Fatal(err)
	}
	e.pollCatalog()
	expectProduct(t, c, "lund", false)
	expectProduct(t, c, "bergen", true)
}

// TestBulkImportIsOneEvent: an import changing more than 20 products of a
// retailer reaches its sockets as one catalog.imported with the catalog's
// size, so clients refetch once.
func TestBulkImportIsOneEvent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop := e.retailer(web.PlanFree)
	c := e.dial(shop)
	c.Subscribe("catalog")
	var catalog []web.Product
	for i := range live.DefaultBulkProducts + 5 {
		catalog = append(catalog, testProduct(fmt.Sprintf("p%02d", i), "Sofa"))
	}
	if err := e.cli().ImportCatalog(context.Background(), shop.ID, testCategories, catalog, false); err != nil {
		t.Fatal(err)
	}
	e.pollCatalog()
	m := c.Expect("event")
	if m.Payload.Event != live.EventCatalogImported || m.Payload.Products == nil || *m.Payload.Products != len(catalog) ||
		m.Payload.Categories == nil || *m.Payload.Categories != 1 {
		t.Fatalf("event %+v, want catalog.imported of %d products in 1 category", m.Payload, len(catalog))
	}
	e.publishCatalog(shop, 99)
	if m := c.Expect("event"); m.Payload.Event != live.EventCatalogImported || *m.Payload.Products != 99 {
		t.Fatalf("event %+v, want the marker: one event for the bulk import", m.Payload)
	}
}

// TestWatcherDoesNotReplayHistory: changes committed before the service
// opened are not published when it starts; the first one after is.
func TestWatcherDoesNotReplayHistory(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/planner.db"
	ctx := context.Background()
	st, err := service.OpenStore(ctx, path, testGetenv)
	if err != nil {
		t.Fatal(err)
	}
	shop := web.Retailer{ID: web.NewID("le_"), Name: "Shop", Plan: web.PlanFree, Origins: []string{}, DistributionID: web.NewID("d_"), CreatedAt: time.Now()}
	if err := st.CreateRetailer(ctx, shop, web.Credential{APIKey: web.NewID("pk_"), RetailerID: shop.ID, Secret: []byte("s"), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := st.ImportCatalog(ctx, shop.ID, testCategories, []web.Product{testProduct("old", "Old sofa")}, false); err != nil {
		t.Fatal(err)
	}
	st.Close()

	e := newEnvWith(t, live.Config{}, path, 0)
	c := e.dial(shop)
	c.Subscribe("catalog")
	e.pollCatalog() // would publish "old" if the watcher replayed the log
	if err := e.cli().ImportCatalog(ctx, shop.ID, nil, []web.Product{testProduct("new", "New sofa")}, false); err != nil {
		t.Fatal(err)
	}
	e.pollCatalog()
	expectProduct(t, c, "new", false)
}

// TestServicePollsChangeLog: the service reads the change log on its own,
// with no explicit poll, every CatalogPoll.
func TestServicePollsChangeLog(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, live.Config{}, t.TempDir()+"/planner.db", 10*time.Millisecond)
	shop := e.retailer(web.PlanFree)
	c := e.dial(shop)
	c.Subscribe("catalog")
	if err := e.cli().ImportCatalog(context.Background(), shop.ID, testCategories, []web.Product{testProduct("oslo", "Oslo sofa")}, false); err != nil {
		t.Fatal(err)
	}
	expectProduct(t, c, "oslo", false) // next waits up to 5 s
}
