package retailermetrics

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/roomplanner/planner/web"
)

// Defaults of Config.HeartbeatInterval and Config.GaugeTTL.
const (
	DefaultHeartbeatInterval = 3 * time.Second
	DefaultGaugeTTL          = 10 * time.Second
)

// gaugePurgeAge is how old a heartbeat row must be before Purge deletes it:
// rows past GaugeTTL are already ignored, this only keeps the table small
// (every start of an instance writes under a new instance id).
const gaugePurgeAge = time.Hour

// Cluster shares the instances' live gauges through their common database
// (web/postgres), so that every instance's metrics topic shows the planners
// open, signed in and sockets of all of them. Each instance writes its own
// rows (one per retailer with anything open) every HeartbeatInterval and
// sums the others' fresh ones; a row older than GaugeTTL no longer counts,
// so an instance that died without a word drops out within that bound.
//
// Only counts cross: no load id, user id or socket detail. Times are the
// instances' own clocks, which must agree to well within GaugeTTL (as they
// must for token expiry already).
type Cluster interface {
	// PutInstanceGauges replaces instance's rows with gauges (by retailer),
	// stamped at. Entries that are all zero need not be stored.
	PutInstanceGauges(ctx context.Context, instance string, at time.Time, gauges map[string]Now) error
	// InstanceGauges returns, by retailer, the sum of the rows of every
	// instance but except that are stamped after since.
	InstanceGauges(ctx context.Context, except string, since time.Time) (map[string]Now, error)
	// DeleteInstanceGauges deletes instance's rows: it is shutting down.
	DeleteInstanceGauges(ctx context.Context, instance string) error
	// PurgeInstanceGauges deletes the rows stamped before before.
	PurgeInstanceGauges(ctx context.Context, before time.Time) error
}

// cluster is the Recorder's view of the other instances.
type cluster struct {
	mu     sync.Mutex
	others map[string]Now // the other instances' fresh gauges, summed; never changed once set
	readAt time.Time      // when others was read
	wrote  bool           // the last written heartbeat had rows
}

// add returns n plus o.
func (n Now) add(o Now) Now {
	return Now{PlannersOpen: n.PlannersOpen + o.PlannersOpen, SignedIn: n.SignedIn + o.SignedIn, Sockets: n.Sockets + o.Sockets}
}

// others returns the other instances' gauges by retailer: nil without a
// Cluster, and nil once the last successful read is older than GaugeTTL (the
// database is out of reach: this instance shows its own gauges only rather
// than others' that may be gone). The map must not be changed.
func (r *Recorder) others(now time.Time) map[string]Now {
	if r.cfg.Cluster == nil {
		return nil
	}
	r.cluster.mu.Lock()
	defer r.cluster.mu.Unlock()
	if now.Sub(r.cluster.readAt) > r.cfg.GaugeTTL {
		return nil
	}
	return r.cluster.others
}

// localGauges returns this instance's gauges by retailer, leaving out those
// that are all zero.
func (r *Recorder) localGauges(now time.Time) map[string]Now {
	out := map[string]Now{}
	for id, v := range r.presence.sample(now, r.cfg.OpenWindow) {
		if v[0] != 0 || v[1] != 0 {
			out[id] = Now{PlannersOpen: v[0], SignedIn: v[1]}
		}
	}
	if r.cfg.Sockets != nil {
		for id, n := range r.cfg.Sockets() {
			if n != 0 {
				g := out[id]
				g.Sockets = n
				out[id] = g
			}
		}
	}
	return out
}

// Heartbeat writes this instance's gauges to the Cluster and reads the
// others'. An instance with nothing open writes nothing once it has said
// so. Run calls it every HeartbeatInterval; without a Cluster it does
// nothing.
func (r *Recorder) Heartbeat(ctx context.Context) error {
	if r == nil || r.cfg.Cluster == nil {
		return nil
	}
	now := r.cfg.Clock()
	mine := r.localGauges(now)
	r.cluster.mu.Lock()
	write := len(mine) > 0 || r.cluster.wrote
	r.cluster.mu.Unlock()
	var werr error
	if write {
		if werr = r.cfg.Cluster.PutInstanceGauges(ctx, r.cfg.Instance, now, mine); werr == nil {
			r.cluster.mu.Lock()
			r.cluster.wrote = len(mine) > 0
			r.cluster.mu.Unlock()
		} else {
			werr = fmt.Errorf("write the live gauges of instance %s: %w", r.cfg.Instance, werr)
		}
	}
	others, err := r.cfg.Cluster.InstanceGauges(ctx, r.cfg.Instance, now.Add(-r.cfg.GaugeTTL))
	if err != nil {
		if werr != nil {
			return werr
		}
		return fmt.Errorf("read the other instances' live gauges: %w", err)
	}
	r.cluster.mu.Lock()
	r.cluster.others, r.cluster.readAt = others, now
	r.cluster.mu.Unlock()
	return werr
}

// runHeartbeat calls Heartbeat every HeartbeatInterval, the first time at
// once, until ctx ends; then it deletes this instance's rows, so that a
// clean shutdown leaves the others' totals at once rather than after
// GaugeTTL.
func (r *Recorder) runHeartbeat(ctx context.Context) {
	t := time.NewTicker(r.cfg.HeartbeatInterval)
	defer t.Stop()
	for {
		// A heartbeat stuck on the database must not run into the next.
		hctx, cancel := context.WithTimeout(ctx, r.cfg.HeartbeatInterval)
		if err := r.Heartbeat(hctx); err != nil && ctx.Err() == nil {
			r.log.Warn("retailer metrics: heartbeat", "err", err)
		}
		cancel()
		select {
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := r.cfg.Cluster.DeleteInstanceGauges(dctx, r.cfg.Instance); err != nil {
				r.log.Warn("retailer metrics: delete this instance's live gauges", "err", err)
			}
			cancel()
			return
		case <-t.C:
		}
	}
}

// newInstanceID names an instance in the Cluster.
func newInstanceID() string { return web.NewID("in_") }
