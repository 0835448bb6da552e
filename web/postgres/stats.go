package postgres

import "github.com/jackc/pgx/v5/pgxpool"

// PoolStat returns a snapshot of the store's connection pool. The service's
// metrics read it at each scrape.
func (s *Store) PoolStat() *pgxpool.Stat { return s.pool.Stat() }
