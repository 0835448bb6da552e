package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/roomplanner/planner/web"
)

// AddMetrics adds per-minute retailer metrics in one transaction: a counter
// is added to the minute's row, a gauge (web.MetricIsMax) keeps the larger
// value. Instances add to the same rows; the rows are written in key order,
// so two instances' flushes never deadlock on each other.
func (s *Store) AddMetrics(ctx context.Context, counts []web.MetricCount) error {
	if len(counts) == 0 {
		return nil
	}
	for _, c := range counts {
		if c.RetailerID == "" || c.Name == "" || len(c.Name) > web.MaxMetricNameLen {
			return fmt.Errorf("add metrics: a count needs a retailer and a name of 1-%d bytes", web.MaxMetricNameLen)
		}
	}
	sorted := slices.Clone(counts)
	slices.SortFunc(sorted, func(a, b web.MetricCount) int {
		return cmp.Or(cmp.Compare(a.RetailerID, b.RetailerID), a.Minute.Compare(b.Minute), cmp.Compare(a.Name, b.Name))
	})
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var b pgx.Batch
		for _, c := range sorted {
			q := `INSERT INTO retailer_metrics (retailer_id, minute, name, value) VALUES ($1, $2, $3, $4)
				ON CONFLICT (retailer_id, minute, name) DO UPDATE SET value = retailer_metrics.value + excluded.value`
			if web.MetricIsMax(c.Name) {
				q = `INSERT INTO retailer_metrics (retailer_id, minute, name, value) VALUES ($1, $2, $3, $4)
				ON CONFLICT (retailer_id, minute, name) DO UPDATE SET value = greatest(retailer_metrics.value, excluded.value)`
			}
			b.Queue(q, c.RetailerID, web.MetricMinute(c.Minute), c.Name, c.Value)
		}
		if err := tx.SendBatch(ctx, &b).Close(); err != nil {
			return fmt.Errorf("add metrics: %w", err)
		}
		return nil
	})
}

// MetricSeries returns retailerID's metrics from from (inclusive) to to
// (exclusive) in buckets of step, a whole number of minutes: counters summed
// and gauges maximised within each bucket, whose Minute is its start
// (from + k·step). Rows are ordered by Minute, then Name.
func (s *Store) MetricSeries(ctx context.Context, retailerID string, from, to time.Time, step time.Duration) ([]web.MetricCount, error) {
	f, t, st, err := web.MetricRange(from, to, step)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `
		SELECT minute - ((minute - $1) % $3) AS bucket, name, sum(value)::bigint, max(value)
		FROM retailer_metrics
		WHERE retailer_id = $4 AND minute >= $1 AND minute < $2
		GROUP BY bucket, name ORDER BY bucket, name`, f, t, st, retailerID)
	if err != nil {
		return nil, fmt.Errorf("read metrics of %s: %w", retailerID, err)
	}
	defer rows.Close()
	var out []web.MetricCount
	for rows.Next() {
		var (
			bucket, sum, max int64
			name             string
		)
		if err := rows.Scan(&bucket, &name, &sum, &max); err != nil {
			return nil, fmt.Errorf("read metrics of %s: %w", retailerID, err)
		}
		v := sum
		if web.MetricIsMax(name) {
			v = max
		}
		out = append(out, web.MetricCount{RetailerID: retailerID, Minute: time.Unix(bucket*60, 0).UTC(), Name: name, Value: v})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read metrics of %s: %w", retailerID, err)
	}
	return out, nil
}

// PurgeMetrics deletes the metrics of the minutes that start before before.
func (s *Store) PurgeMetrics(ctx context.Context, before time.Time) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM retailer_metrics WHERE minute < $1`, web.MetricMinute(before)); err != nil {
		return fmt.Errorf("purge metrics before %s: %w", before.UTC().Format(time.RFC3339), err)
	}
	return nil
}
