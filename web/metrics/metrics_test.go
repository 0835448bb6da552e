package metrics_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	dto "github.com/prometheus/client_model/go"

	"github.com/roomplanner/planner/web/metrics"
	"github.com/roomplanner/planner/web/postgres/pgtest"
)

// sample returns the value of the sample of family name with exactly the
// given labels, and whether there is one.
func sample(t *testing.T, m *metrics.Metrics, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, s := range f.GetMetric() {
			if len(s.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range s.GetLabel() {
				if v, ok := labels[l.GetName()]; !ok || v != l.GetValue() {
					continue next
				}
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				return s.GetCounter().GetValue(), true
			case dto.MetricType_GAUGE:
				return s.GetGauge().GetValue(), true
			case dto.MetricType_HISTOGRAM:
				return float64(s.GetHistogram().GetSampleCount()), true
			}
		}
	}
	return 0, false
}

// TestObserveRequestBoundsLabels: whatever a client sends, the labels stay
// a bounded set: no route is "unmatched", an unknown method is "other", and
// upgrades are counted but not timed.
func TestObserveRequestBoundsLabels(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.ObserveRequest("", "BREW", 404, "not_found", time.Millisecond)
	m.ObserveRequest("/ws", "GET", 101, "", time.Hour)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
		found  bool
	}{
		{"planner_http_requests_total", map[string]string{"route": "unmatched", "method": "other", "status": "404", "code": "not_found"}, 1, true},
		{"planner_http_request_duration_seconds", map[string]string{"route": "unmatched", "method": "other", "status": "404"}, 1, true},
		{"planner_http_requests_total", map[string]string{"route": "/ws", "method": "GET", "status": "101", "code": ""}, 1, true},
		{"planner_http_request_duration_seconds", map[string]string{"route": "/ws", "method": "GET", "status": "101"}, 0, false},
	} {
		got, ok := sample(t, m, c.name, c.labels)
		if ok != c.found || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v (present %v)", c.name, c.labels, got, ok, c.want, c.found)
		}
	}
}

// TestWatchSQL: database/sql statistics by pool, read at each scrape.
func TestWatchSQL(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	stats := map[string]sql.DBStats{"writer": {MaxOpenConnections: 1, InUse: 1, WaitCount: 3, WaitDuration: 2 * time.Second}}
	m.WatchSQL(func() map[string]sql.DBStats { return stats })
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"planner_db_connections", map[string]string{"pool": "writer", "state": "in_use"}, 1},
		{"planner_db_connections", map[string]string{"pool": "writer", "state": "idle"}, 0},
		{"planner_db_max_connections", map[string]string{"pool": "writer"}, 1},
		{"planner_db_waits_total", map[string]string{"pool": "writer"}, 3},
		{"planner_db_wait_seconds_total", map[string]string{"pool": "writer"}, 2},
	} {
		if got, ok := sample(t, m, c.name, c.labels); !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	stats["writer"] = sql.DBStats{WaitCount: 4}
	if got, _ := sample(t, m, "planner_db_waits_total", map[string]string{"pool": "writer"}); got != 4 {
		t.Errorf("after more waits: %v, want 4 (read at each scrape)", got)
	}
}

// TestWatchPgxPool: a real pool's statistics, with a connection held.
func TestWatchPgxPool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	m.WatchPgxPool(pool.Stat)
	if got, ok := sample(t, m, "planner_db_connections", map[string]string{"pool": "postgres", "state": "in_use"}); !ok || got != 1 {
		t.Errorf("in use with one acquired = %v (present %v), want 1", got, ok)
	}
	conn.Release()
	if got, _ := sample(t, m, "planner_db_connections", map[string]string{"pool": "postgres", "state": "in_use"}); got != 0 {
		t.Errorf("in use after release = %v, want 0", got)
	}
	if got, _ := sample(t, m, "planner_db_max_connections", map[string]string{"pool": "postgres"}); got != float64(pool.Config().MaxConns) {
		t.Errorf("max = %v, want %d", got, pool.Config().MaxConns)
	}
}
