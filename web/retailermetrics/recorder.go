// Package retailermetrics records each retailer's business metrics: what the
// planner service sees (tokens minted by kind, /v1/me checks, project writes,
// live sockets, authentication failures) and what the embedded planner
// reports at POST /v1/events (planners opened, products added, baskets sent
// with their value, TokenExpired episodes and their hold times, held calls
// that failed). It is not the operators' Prometheus metrics: these are per
// retailer, stored, and shown to the retailer's own staff.
//
// A Recorder counts in memory per retailer and minute (an atomic add on the
// request path) and Flush writes finished minutes to the store as per-minute
// aggregates; RunMaintenance purges them after web.MetricRetention. Gauges
// (planners open, signed in, sockets) are sampled by Tick each second and
// stored as each minute's maximum. Nothing names a visitor: the planner's
// per-iframe-load id lives in memory only, to count open planners. With a
// Cluster (several instances on PostgreSQL) the gauges are the sums over the
// instances: each writes its own in a heartbeat and reads the others' (see
// Cluster).
//
// The Feed half (feed.go) serves the live channel's metrics topic: a snapshot
// of the last hour and updates each second while anything changes.
package retailermetrics

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roomplanner/planner/web"
)

// Store is where the minutes go (web/sqlite, web/postgres).
type Store interface {
	AddMetrics(ctx context.Context, counts []web.MetricCount) error
	MetricSeries(ctx context.Context, retailerID string, from, to time.Time, step time.Duration) ([]web.MetricCount, error)
	PurgeMetrics(ctx context.Context, before time.Time) error
}

// maxPending bounds the finished minutes kept in memory while the store
// fails; past it the oldest are dropped (and logged).
const maxPending = 50000

// Config configures a Recorder. Zero values get the defaults noted.
type Config struct {
	// Clock is the time source (default time.Now); tests pass a fake.
	Clock func() time.Time
	// OpenWindow is how long an iframe load counts as open after its last
	// report (default 2 min; the planner reports at least once a minute
	// while open).
	OpenWindow time.Duration
	// Sockets returns this instance's open live sockets per retailer,
	// sampled by Tick. Default nil: the sockets gauge is not recorded.
	Sockets func() map[string]int
	// Cluster, if set, shares the gauges with the other instances on the
	// same database: the metrics topic's "now" and the stored per-minute
	// gauges are then the sums over every instance that wrote a heartbeat
	// within GaugeTTL. Default nil: this instance's own (one instance, as on
	// SQLite).
	Cluster Cluster
	// Instance names this instance in Cluster (default: a random id, new at
	// each start).
	Instance string
	// HeartbeatInterval is how often this instance writes its gauges to
	// Cluster and reads the others' (default 3 s): how long a change on
	// another instance takes to show here, at most.
	HeartbeatInterval time.Duration
	// GaugeTTL is how long an instance's heartbeat counts (default 10 s, and
	// at least twice HeartbeatInterval): an instance killed without a clean
	// shutdown drops out of the totals within this long. A clean shutdown
	// deletes its rows at once.
	GaugeTTL time.Duration
	// Limits bound what POST /v1/events accepts (see Limits).
	Limits Limits
	// Log receives store failures (default: discard).
	Log *slog.Logger
}

// Recorder counts retailers' metrics. It is safe for concurrent use; a nil
// *Recorder records nothing.
type Recorder struct {
	cfg   Config
	store Store
	log   *slog.Logger

	// mu guards cur and done. Recording takes it shared and adds atomically
	// to the current minute's bucket; only a bucket's creation, and Flush
	// taking buckets out, take it exclusively, so no add can land in a
	// bucket Flush has already read.
	mu   sync.RWMutex
	cur  map[string]*bucket // the retailer's newest minute
	done []*bucket          // finished minutes not yet stored

	presence presence
	limits   *limiter
	feed     feed
	cluster  cluster
}

// bucket is one retailer's counts of one minute.
type bucket struct {
	retailerID string
	minute     int64 // web.MetricMinute
	n          [numCounters]atomic.Int64

	mu     sync.Mutex       // guards the fields below
	values map[string]int64 // basket value by currency, minor units
	gauges map[string]int64 // maxima of the minute's samples
}

// New returns a Recorder that stores its minutes in store.
func New(store Store, cfg Config) *Recorder {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.OpenWindow <= 0 {
		cfg.OpenWindow = 2 * time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.HeartbeatInterval <= 0 {
		cfg.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if cfg.GaugeTTL <= 0 {
		cfg.GaugeTTL = DefaultGaugeTTL
	}
	// One lost heartbeat must not drop a live instance out of the totals.
	cfg.GaugeTTL = max(cfg.GaugeTTL, 2*cfg.HeartbeatInterval)
	if cfg.Instance == "" {
		cfg.Instance = newInstanceID()
	}
	r := &Recorder{cfg: cfg, store: store, log: cfg.Log, cur: map[string]*bucket{}}
	r.presence.loads = map[string]map[string]*load{}
	r.limits = newLimiter(cfg.Limits, cfg.Clock)
	r.feed.subs = map[string]map[*feedSub]struct{}{}
	return r
}

// Add counts n of c for retailerID in the current minute.
func (r *Recorder) Add(retailerID string, c Counter, n int64) {
	if r == nil || retailerID == "" || n == 0 || c >= numCounters {
		return
	}
	b := r.bucket(retailerID)
	b.n[c].Add(n)
	r.mu.RUnlock()
}

// AuthFailure counts a refused token or client of retailerID by its error
// code (web.EInvalidClient, web.ETokenExpired); other codes are not counted
// here, the planner reports them.
func (r *Recorder) AuthFailure(retailerID, code string) {
	switch code {
	case web.EInvalidClient:
		r.Add(retailerID, AuthInvalidClient, 1)
	case web.ETokenExpired:
		r.Add(retailerID, AuthTokenExpired, 1)
	}
}

// Minted counts a token of kind minted for retailerID.
func (r *Recorder) Minted(retailerID, kind string, n int) {
	switch kind {
	case web.KindLegalEntity:
		r.Add(retailerID, TokensLegalEntity, int64(n))
	case web.KindUser:
		r.Add(retailerID, TokensUser, int64(n))
	case web.KindRetailer:
		r.Add(retailerID, TokensRetailer, int64(n))
	}
}

// addValue adds a basket's value in currency to the current minute.
func (r *Recorder) addValue(retailerID, currency string, minor int64) {
	b := r.bucket(retailerID)
	defer r.mu.RUnlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.values[currency]; !ok && len(b.values) >= maxCurrencies {
		return
	}
	if b.values == nil {
		b.values = map[string]int64{}
	}
	b.values[currency] += minor
}

// gauge records a sample of a gauge in the current minute.
func (r *Recorder) gauge(retailerID, name string, v int64) {
	b := r.bucket(retailerID)
	defer r.mu.RUnlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gauges == nil {
		b.gauges = map[string]int64{}
	}
	if old, ok := b.gauges[name]; !ok || v > old {
		b.gauges[name] = v
	}
}

// bucket returns retailerID's bucket of the current minute with r.mu held
// shared; the caller releases it once it has added.
func (r *Recorder) bucket(retailerID string) *bucket {
	m := web.MetricMinute(r.cfg.Clock())
	r.mu.RLock()
	if b := r.cur[retailerID]; b != nil && b.minute >= m {
		// A clock stepping back counts in the newer minute rather than
		// reopening an older one.
		return b
	}
	r.mu.RUnlock()
	r.mu.Lock()
	b := r.cur[retailerID]
	if b == nil || b.minute < m {
		if b != nil {
			r.done = append(r.done, b)
		}
		b = &bucket{retailerID: retailerID, minute: m}
		r.cur[retailerID] = b
	}
	r.mu.Unlock()
	// Another Flush may take b between these two lines: it then holds a
	// bucket that is current, and an add to it after the flush would be
	// lost, so look again under the shared lock.
	r.mu.RLock()
	if r.cur[retailerID] != b {
		r.mu.RUnlock()
		return r.bucket(retailerID)
	}
	return b
}

// Flush writes every finished minute (and, with all, the current ones too,
// as at shutdown) to the store. Minutes the store refuses are kept and
// written by the next Flush (at most maxPending of them).
func (r *Recorder) Flush(ctx context.Context, all bool) error {
	if r == nil {
		return nil
	}
	now := web.MetricMinute(r.cfg.Clock())
	r.mu.Lock()
	out := r.done
	r.done = nil
	for id, b := range r.cur {
		if all || b.minute < now {
			out = append(out, b)
			delete(r.cur, id)
		}
	}
	r.mu.Unlock()
	if len(out) == 0 {
		return nil
	}
	var counts []web.MetricCount
	for _, b := range out {
		counts = b.appendCounts(counts)
	}
	if len(counts) == 0 {
		return nil
	}
	if err := r.store.AddMetrics(ctx, counts); err != nil {
		r.mu.Lock()
		r.done = append(out, r.done...)
		if n := len(r.done) - maxPending; n > 0 {
			r.log.Error("retailer metrics: the store keeps failing; dropping the oldest minutes", "minutes", n)
			r.done = r.done[n:]
		}
		r.mu.Unlock()
		return fmt.Errorf("flush retailer metrics: %w", err)
	}
	return nil
}

// appendCounts appends b's non-zero counts, in name order.
func (b *bucket) appendCounts(out []web.MetricCount) []web.MetricCount {
	at := time.Unix(b.minute*60, 0).UTC()
	start := len(out)
	for c := range numCounters {
		if v := b.n[c].Load(); v != 0 {
			out = append(out, web.MetricCount{RetailerID: b.retailerID, Minute: at, Name: counterNames[c], Value: v})
		}
	}
	b.mu.Lock()
	for cur, v := range b.values {
		out = append(out, web.MetricCount{RetailerID: b.retailerID, Minute: at, Name: basketValuePrefix + cur, Value: v})
	}
	for name, v := range b.gauges {
		out = append(out, web.MetricCount{RetailerID: b.retailerID, Minute: at, Name: name, Value: v})
	}
	b.mu.Unlock()
	sort.Slice(out[start:], func(i, j int) bool { return out[start+i].Name < out[start+j].Name })
	return out
}

// counts returns b's non-zero counts by name.
func (b *bucket) counts() map[string]int64 {
	m := map[string]int64{}
	for _, c := range b.appendCounts(nil) {
		m[c.Name] = c.Value
	}
	return m
}

// Purge deletes the stored minutes older than web.MetricRetention (90
// days), and the Cluster's heartbeats older than an hour (instances gone);
// the service's maintenance calls it hourly.
func (r *Recorder) Purge(ctx context.Context) error {
	if r == nil {
		return nil
	}
	now := r.cfg.Clock()
	if err := r.store.PurgeMetrics(ctx, now.Add(-web.MetricRetention)); err != nil {
		return err
	}
	if r.cfg.Cluster != nil {
		return r.cfg.Cluster.PurgeInstanceGauges(ctx, now.Add(-gaugePurgeAge))
	}
	return nil
}

// Run flushes finished minutes and samples the gauges until ctx ends, then
// flushes everything it holds. Each second it flushes the minute that has
// ended, if one has, then calls Tick. With a Cluster it also calls Heartbeat
// every HeartbeatInterval (on its own, so a slow database does not delay
// Tick) and, at the end, deletes this instance's heartbeat.
func (r *Recorder) Run(ctx context.Context) {
	if r.cfg.Cluster != nil {
		var wg sync.WaitGroup
		defer wg.Wait()
		wg.Go(func() { r.runHeartbeat(ctx) })
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	last := web.MetricMinute(r.cfg.Clock())
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := r.Flush(fctx, true); err != nil {
				r.log.Warn("retailer metrics: final flush", "err", err)
			}
			cancel()
			return
		case <-t.C:
			if m := web.MetricMinute(r.cfg.Clock()); m != last {
				last = m
				if err := r.Flush(ctx, false); err != nil && ctx.Err() == nil {
					r.log.Warn("retailer metrics: flush", "err", err)
				}
			}
			r.Tick()
		}
	}
}
