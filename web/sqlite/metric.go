package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/roomplanner/planner/web"
)

// AddMetrics adds per-minute retailer metrics in one transaction: a counter
// is added to the minute's row, a gauge (web.MetricIsMax) keeps the larger
// value.
func (s *Store) AddMetrics(ctx context.Context, counts []web.MetricCount) error {
	if len(counts) == 0 {
		return nil
	}
	for _, c := range counts {
		if err := checkMetric(c); err != nil {
			return err
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		sum, err := tx.PrepareContext(ctx, `
			INSERT INTO retailer_metrics (retailer_id, minute, name, value) VALUES (?, ?, ?, ?)
			ON CONFLICT (retailer_id, minute, name) DO UPDATE SET value = value + excluded.value`)
		if err != nil {
			return fmt.Errorf("add metrics: %w", err)
		}
		defer sum.Close()
		max, err := tx.PrepareContext(ctx, `
			INSERT INTO retailer_metrics (retailer_id, minute, name, value) VALUES (?, ?, ?, ?)
			ON CONFLICT (retailer_id, minute, name) DO UPDATE SET value = max(value, excluded.value)`)
		if err != nil {
			return fmt.Errorf("add metrics: %w", err)
		}
		defer max.Close()
		for _, c := range counts {
			st := sum
			if web.MetricIsMax(c.Name) {
				st = max
			}
			if _, err := st.ExecContext(ctx, c.RetailerID, c.Minute.Unix()/60, c.Name, c.Value); err != nil {
				return fmt.Errorf("add metrics of %s: %w", c.RetailerID, err)
			}
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
	rows, err := s.rdb.QueryContext(ctx, `
		SELECT minute - ((minute - ?1) % ?3) AS bucket, name, sum(value), max(value)
		FROM retailer_metrics
		WHERE retailer_id = ?4 AND minute >= ?1 AND minute < ?2
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
	if _, err := s.wdb.ExecContext(ctx, `DELETE FROM retailer_metrics WHERE minute < ?`, web.MetricMinute(before)); err != nil {
		return fmt.Errorf("purge metrics before %s: %w", before.UTC().Format(time.RFC3339), err)
	}
	return nil
}

func checkMetric(c web.MetricCount) error {
	if c.RetailerID == "" || c.Name == "" || len(c.Name) > web.MaxMetricNameLen {
		return fmt.Errorf("add metrics: a count needs a retailer and a name of 1-%d bytes", web.MaxMetricNameLen)
	}
	return nil
}
