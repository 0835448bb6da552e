package live

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roomplanner/planner/web"
)

// Defaults of WatcherConfig.
const (
	DefaultCatalogPoll  = time.Second
	DefaultBulkProducts = 20
	DefaultChangeBatch  = 500
)

// maxBatchesPerPoll bounds one poll's reading, so a poll always ends; what
// is left is read by the next one.
const maxBatchesPerPoll = 100

// ChangeLog is what a CatalogWatcher reads: the store's catalog change log,
// and the catalog's size for a bulk change's catalog.imported.
type ChangeLog interface {
	// LastCatalogChange returns the newest entry's seq, 0 if none.
	LastCatalogChange(ctx context.Context) (int64, error)
	// CatalogChanges returns up to limit entries after seq after, in seq order.
	CatalogChanges(ctx context.Context, after int64, limit int) ([]web.CatalogChange, error)
	Categories(ctx context.Context, retailerID string) ([]web.Category, error)
}

// WatcherConfig configures a CatalogWatcher. Zero values get the defaults noted.
type WatcherConfig struct {
	// Interval is how often Run reads the change log: the most a catalog
	// change waits before it is published. Default 1 s.
	Interval time.Duration
	// Tick, if set, replaces Run's ticker: Run polls once per value received.
	// Tests use it to poll on demand.
	Tick <-chan time.Time
	// BulkProducts is how many products of one retailer one poll may report
	// one by one (product.updated each); more are reported as a single
	// catalog.imported, so clients refetch once. Default 20.
	BulkProducts int
	// Batch is how many log entries one read asks for. Default 500.
	Batch int
}

// CatalogWatcher publishes the catalog change log as live events. It is the
// only source of catalog events: an import commits its change log entries in
// its own transaction, whichever process ran it (the API's store, the admin
// CLI on the same SQLite file), and the watcher tails the log, so every
// committed change is published once and nothing is published for an import
// that failed or changed nothing.
//
// Each poll reports, per retailer, every product changed since the previous
// poll as product.updated {id} (with "removed": true when a replacing import
// removed it), in the order of their first change; more than
// WatcherConfig.BulkProducts of one retailer become one catalog.imported
// {products, categories} with the catalog's size after the change. Events
// carry the retailer of the log entry, so they reach only that retailer's
// sockets.
//
// A watcher starts after the newest entry at its creation and never replays
// older ones: a client that was not connected then reloads the catalog when
// it connects.
type CatalogWatcher struct {
	log  ChangeLog
	pub  Publisher
	cfg  WatcherConfig
	logr *slog.Logger

	mu    sync.Mutex // one poll at a time; guards after
	after int64

	// progress is after and the time of the last complete poll, readable
	// without waiting for a poll under way (Progress).
	progress struct{ after, polledAt atomic.Int64 }
}

// NewCatalogWatcher returns a watcher that will publish the entries of cl
// committed from now on to pub.
func NewCatalogWatcher(ctx context.Context, cl ChangeLog, pub Publisher, cfg WatcherConfig, log *slog.Logger) (*CatalogWatcher, error) {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultCatalogPoll
	}
	if cfg.BulkProducts <= 0 {
		cfg.BulkProducts = DefaultBulkProducts
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultChangeBatch
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	after, err := cl.LastCatalogChange(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog watcher: %w", err)
	}
	w := &CatalogWatcher{log: cl, pub: pub, cfg: cfg, logr: log, after: after}
	w.progress.after.Store(after)
	return w, nil
}

// Run polls until ctx ends: every Interval, or on each value of
// WatcherConfig.Tick. A failed poll is logged and retried on the next tick.
func (w *CatalogWatcher) Run(ctx context.Context) {
	tick := w.cfg.Tick
	if tick == nil {
		t := time.NewTicker(w.cfg.Interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			if err := w.Poll(ctx); err != nil && ctx.Err() == nil {
				w.logr.Warn("poll catalog changes", "err", err)
			}
		}
	}
}

// Poll publishes the change log entries committed since the previous poll.
// When it returns, every entry committed before it was called has been
// published. An error reading the log leaves the entries not yet read for
// the next poll; those already read are published first.
func (w *CatalogWatcher) Poll(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var agg changeSet
	defer func() { w.flush(ctx, &agg); w.progress.after.Store(w.after) }()
	for range maxBatchesPerPoll {
		batch, err := w.log.CatalogChanges(ctx, w.after, w.cfg.Batch)
		if err != nil {
			return err
		}
		for _, c := range batch {
			agg.add(c, w.cfg.BulkProducts)
			w.after = max(w.after, c.Seq)
		}
		if len(batch) < w.cfg.Batch {
			break
		}
	}
	w.progress.polledAt.Store(time.Now().UnixNano())
	return nil
}

// Progress returns the seq of the last change log entry published (0 before
// any) and when the last successful poll finished (zero
// before any). The service's metrics compare them with the log's newest
// entry and the time.
func (w *CatalogWatcher) Progress() (after int64, polledAt time.Time) {
	after = w.progress.after.Load()
	if ns := w.progress.polledAt.Load(); ns != 0 {
		polledAt = time.Unix(0, ns)
	}
	return after, polledAt
}

// flush publishes what one poll read.
func (w *CatalogWatcher) flush(ctx context.Context, agg *changeSet) {
	for _, r := range agg.retailers {
		if r.bulk {
			e := Event{Topic: TopicCatalog, Name: EventCatalogImported, RetailerID: r.id}
			if cats, err := w.log.Categories(ctx, r.id); err != nil {
				// The event still tells clients to refetch; only its counts are
				// missing.
				w.logr.Warn("count catalog for catalog.imported", "le", r.id, "err", err)
			} else {
				e.Categories = len(cats)
				for _, c := range cats {
					e.Products += c.Count
				}
			}
			w.publish(ctx, e)
			continue
		}
		for _, id := range r.order {
			w.publish(ctx, Event{Topic: TopicCatalog, Name: EventProductUpdated, RetailerID: r.id, ID: id, Removed: r.removed[id]})
		}
	}
}

func (w *CatalogWatcher) publish(ctx context.Context, e Event) {
	if err := w.pub.Publish(ctx, e); err != nil {
		w.logr.Warn("publish live event", "event", e.Name, "le", e.RetailerID, "id", e.ID, "err", err)
	}
}

// changeSet is one poll's changes, by retailer in the order first seen.
type changeSet struct {
	retailers []*retailerChanges
	index     map[string]*retailerChanges
}

// retailerChanges is one retailer's changed products in the order of their
// first change, with the last change of each; once more than the bulk limit
// changed, only that fact is kept.
type retailerChanges struct {
	id      string
	order   []string
	removed map[string]bool // product id → its last change was a removal
	bulk    bool
}

func (s *changeSet) add(c web.CatalogChange, bulkLimit int) {
	if s.index == nil {
		s.index = make(map[string]*retailerChanges)
	}
	r := s.index[c.RetailerID]
	if r == nil {
		r = &retailerChanges{id: c.RetailerID, removed: make(map[string]bool)}
		s.index[c.RetailerID] = r
		s.retailers = append(s.retailers, r)
	}
	if r.bulk {
		return
	}
	if _, seen := r.removed[c.ProductID]; !seen {
		if len(r.order) == bulkLimit {
			r.bulk, r.order, r.removed = true, nil, nil
			return
		}
		r.order = append(r.order, c.ProductID)
	}
	r.removed[c.ProductID] = c.Removed
}
