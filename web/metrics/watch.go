package metrics

import (
	"context"
	"database/sql"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/roomplanner/planner/web/live"
)

// scrapeTimeout bounds a database read made during a scrape.
const scrapeTimeout = 2 * time.Second

// gauges is a collector that reads its values from a function at each scrape.
type gauges struct {
	descs   []*prometheus.Desc
	collect func(ch chan<- prometheus.Metric)
}

func (g gauges) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range g.descs {
		ch <- d
	}
}

func (g gauges) Collect(ch chan<- prometheus.Metric) { g.collect(ch) }

// WatchLive exports the live channel's sockets (live.Handler.Stats) as
// planner_live_sockets{plan}, planner_live_sockets_holding and
// planner_live_held_events.
func (m *Metrics) WatchLive(stats func() live.Stats) {
	sockets := prometheus.NewDesc("planner_live_sockets", "Open live-channel sockets, by the retailer's plan.", []string{"plan"}, nil)
	holding := prometheus.NewDesc("planner_live_sockets_holding", "Open sockets whose token expired and that hold their private events until they authenticate again.", nil, nil)
	held := prometheus.NewDesc("planner_live_held_events", "Event messages held by sockets whose token expired.", nil, nil)
	m.reg.MustRegister(gauges{descs: []*prometheus.Desc{sockets, holding, held}, collect: func(ch chan<- prometheus.Metric) {
		s := stats()
		for plan, n := range s.Sockets {
			ch <- prometheus.MustNewConstMetric(sockets, prometheus.GaugeValue, float64(n), plan)
		}
		ch <- prometheus.MustNewConstMetric(holding, prometheus.GaugeValue, float64(s.Holding))
		ch <- prometheus.MustNewConstMetric(held, prometheus.GaugeValue, float64(s.Held))
	}})
}

// WatchCatalog exports the catalog watcher's lag: progress is
// live.CatalogWatcher.Progress, newest the store's LastCatalogChange.
// planner_catalog_watcher_behind_entries is how many change log entries the
// watcher has yet to publish (it should fall back to 0 within a poll
// interval), planner_catalog_watcher_last_poll_timestamp_seconds when its
// last successful poll ended (time() minus it grows when polls fail).
func (m *Metrics) WatchCatalog(progress func() (int64, time.Time), newest func(context.Context) (int64, error)) {
	behind := prometheus.NewDesc("planner_catalog_watcher_behind_entries", "Catalog change log entries committed but not yet published as live events.", nil, nil)
	polled := prometheus.NewDesc("planner_catalog_watcher_last_poll_timestamp_seconds", "Unix time the catalog watcher's last successful poll ended (0 before the first).", nil, nil)
	m.reg.MustRegister(gauges{descs: []*prometheus.Desc{behind, polled}, collect: func(ch chan<- prometheus.Metric) {
		after, at := progress()
		ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
		defer cancel()
		if last, err := newest(ctx); err == nil {
			ch <- prometheus.MustNewConstMetric(behind, prometheus.GaugeValue, float64(max(last-after, 0)))
		} else {
			ch <- prometheus.NewInvalidMetric(behind, err)
		}
		ts := 0.0
		if !at.IsZero() {
			ts = float64(at.UnixNano()) / 1e9
		}
		ch <- prometheus.MustNewConstMetric(polled, prometheus.GaugeValue, ts)
	}})
}

// The database pool metrics: the same names for both engines, labelled by
// pool ("writer" and "readers" on SQLite, "postgres" on PostgreSQL).
var (
	dbConns = prometheus.NewDesc("planner_db_connections", "Database connections, by pool and state (in_use, idle).", []string{"pool", "state"}, nil)
	dbMax   = prometheus.NewDesc("planner_db_max_connections", "Most connections the pool opens (0: unbounded).", []string{"pool"}, nil)
	dbWaits = prometheus.NewDesc("planner_db_waits_total", "Connection requests that had to wait for a free connection.", []string{"pool"}, nil)
	dbWait  = prometheus.NewDesc("planner_db_wait_seconds_total", "Time spent waiting for a free connection.", []string{"pool"}, nil)
)

var dbDescs = []*prometheus.Desc{dbConns, dbMax, dbWaits, dbWait}

// WatchSQL exports database/sql pool statistics (SQLite): stats returns them
// by pool name.
func (m *Metrics) WatchSQL(stats func() map[string]sql.DBStats) {
	m.reg.MustRegister(gauges{descs: dbDescs, collect: func(ch chan<- prometheus.Metric) {
		for pool, s := range stats() {
			ch <- prometheus.MustNewConstMetric(dbConns, prometheus.GaugeValue, float64(s.InUse), pool, "in_use")
			ch <- prometheus.MustNewConstMetric(dbConns, prometheus.GaugeValue, float64(s.Idle), pool, "idle")
			ch <- prometheus.MustNewConstMetric(dbMax, prometheus.GaugeValue, float64(s.MaxOpenConnections), pool)
			ch <- prometheus.MustNewConstMetric(dbWaits, prometheus.CounterValue, float64(s.WaitCount), pool)
			ch <- prometheus.MustNewConstMetric(dbWait, prometheus.CounterValue, s.WaitDuration.Seconds(), pool)
		}
	}})
}

// WatchPgxPool exports a pgx pool's statistics (PostgreSQL) as pool
// "postgres".
func (m *Metrics) WatchPgxPool(stat func() *pgxpool.Stat) {
	const pool = "postgres"
	m.reg.MustRegister(gauges{descs: dbDescs, collect: func(ch chan<- prometheus.Metric) {
		s := stat()
		ch <- prometheus.MustNewConstMetric(dbConns, prometheus.GaugeValue, float64(s.AcquiredConns()), pool, "in_use")
		ch <- prometheus.MustNewConstMetric(dbConns, prometheus.GaugeValue, float64(s.IdleConns()), pool, "idle")
		ch <- prometheus.MustNewConstMetric(dbMax, prometheus.GaugeValue, float64(s.MaxConns()), pool)
		ch <- prometheus.MustNewConstMetric(dbWaits, prometheus.CounterValue, float64(s.EmptyAcquireCount()), pool)
		ch <- prometheus.MustNewConstMetric(dbWait, prometheus.CounterValue, s.EmptyAcquireWaitTime().Seconds(), pool)
	}})
}
