package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/roomplanner/planner/web/retailermetrics"
)

var _ retailermetrics.Cluster = (*Store)(nil)

// PutInstanceGauges replaces instance's heartbeat rows (instance_gauges)
// with gauges, one row per retailer, stamped at; retailers whose gauges are
// all zero get no row. Only instance writes its rows, so the delete and the
// inserts in one transaction race with nothing but readers, who see the old
// rows or the new.
func (s *Store) PutInstanceGauges(ctx context.Context, instance string, at time.Time, gauges map[string]retailermetrics.Now) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var b pgx.Batch
		b.Queue(`DELETE FROM instance_gauges WHERE instance = $1`, instance)
		for id, n := range gauges {
			if n == (retailermetrics.Now{}) {
				continue
			}
			b.Queue(`INSERT INTO instance_gauges (instance, retailer_id, planners_open, signed_in, sockets, at)
				VALUES ($1, $2, $3, $4, $5, $6)`, instance, id, n.PlannersOpen, n.SignedIn, n.Sockets, at)
		}
		if err := tx.SendBatch(ctx, &b).Close(); err != nil {
			return fmt.Errorf("write live gauges of instance %s: %w", instance, err)
		}
		return nil
	})
}

// InstanceGauges sums, by retailer, the heartbeat rows of every instance but
// except stamped after since.
func (s *Store) InstanceGauges(ctx context.Context, except string, since time.Time) (map[string]retailermetrics.Now, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT retailer_id, sum(planners_open)::bigint, sum(signed_in)::bigint, sum(sockets)::bigint
		FROM instance_gauges WHERE instance <> $1 AND at > $2 GROUP BY retailer_id`, except, since)
	if err != nil {
		return nil, fmt.Errorf("read live gauges: %w", err)
	}
	defer rows.Close()
	out := map[string]retailermetrics.Now{}
	for rows.Next() {
		var (
			id                    string
			open, signedIn, socks int64
		)
		if err := rows.Scan(&id, &open, &signedIn, &socks); err != nil {
			return nil, fmt.Errorf("read live gauges: %w", err)
		}
		out[id] = retailermetrics.Now{PlannersOpen: int(open), SignedIn: int(signedIn), Sockets: int(socks)}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read live gauges: %w", err)
	}
	return out, nil
}

// DeleteInstanceGauges deletes instance's heartbeat rows.
func (s *Store) DeleteInstanceGauges(ctx context.Context, instance string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM instance_gauges WHERE instance = $1`, instance); err != nil {
		return fmt.Errorf("delete live gauges of instance %s: %w", instance, err)
	}
	return nil
}

// PurgeInstanceGauges deletes the heartbeat rows stamped before before.
func (s *Store) PurgeInstanceGauges(ctx context.Context, before time.Time) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM instance_gauges WHERE at < $1`, before); err != nil {
		return fmt.Errorf("purge live gauges before %s: %w", before.UTC().Format(time.RFC3339), err)
	}
	return nil
}
