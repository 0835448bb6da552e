package sqlite

import "database/sql"

// DBStats returns the statistics of the store's two connection pools: the
// single writer connection and the read-only readers. The service's metrics
// read them at each scrape.
func (s *Store) DBStats() (writer, readers sql.DBStats) { return s.wdb.Stats(), s.rdb.Stats() }
