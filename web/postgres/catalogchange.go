package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/roomplanner/planner/web"
)

// Catalog change pages: a limit of zero or less means DefaultCatalogChangeLimit;
// larger limits are capped at MaxCatalogChangeLimit.
const (
	DefaultCatalogChangeLimit = 500
	MaxCatalogChangeLimit     = 5000
)

// CatalogChanges returns up to limit entries of the catalog change log with a
// seq greater than after, in seq order. Every process's imports are in it
// once committed, and in commit order: ImportCatalog holds an advisory lock
// from handing out its seqs until its commit, so a reader that has seen seq N
// never later finds a smaller one.
func (s *Store) CatalogChanges(ctx context.Context, after int64, limit int) ([]web.CatalogChange, error) {
	if limit <= 0 {
		limit = DefaultCatalogChangeLimit
	}
	limit = min(limit, MaxCatalogChangeLimit)
	rows, err := s.pool.Query(ctx, `
		SELECT seq, retailer_id, product_id, change, at FROM catalog_changes
		WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read catalog changes after %d: %w", after, err)
	}
	defer rows.Close()
	var out []web.CatalogChange
	for rows.Next() {
		var (
			c      web.CatalogChange
			change string
			at     int64
		)
		if err := rows.Scan(&c.Seq, &c.RetailerID, &c.ProductID, &change, &at); err != nil {
			return nil, fmt.Errorf("read catalog changes after %d: %w", after, err)
		}
		c.Removed, c.At = change == "removed", fromMillis(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read catalog changes after %d: %w", after, err)
	}
	return out, nil
}

// LastCatalogChange returns the seq of the newest entry of the catalog change
// log, or 0 when it is empty. A reader that starts there sees only the changes
// committed afterwards.
func (s *Store) LastCatalogChange(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM catalog_changes`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("read the last catalog change: %w", err)
	}
	return seq, nil
}

// PurgeCatalogChanges deletes the change log entries recorded before before.
// Seqs are not reused afterwards (an identity column), so a reader's position
// stays valid.
func (s *Store) PurgeCatalogChanges(ctx context.Context, before time.Time) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM catalog_changes WHERE at < $1`, toMillis(before)); err != nil {
		return fmt.Errorf("purge catalog changes before %s: %w", before.UTC().Format(time.RFC3339), err)
	}
	return nil
}
