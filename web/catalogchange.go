package web

import "time"

// CatalogChange is one entry of the catalog change log: a product of one
// retailer that an import changed (created or modified) or removed. The store
// writes it in the import's transaction, so the log holds exactly the
// committed changes, whichever process made them. Seq orders the log and is
// never reused, even after old entries are purged.
type CatalogChange struct {
	Seq        int64
	RetailerID string
	ProductID  string
	Removed    bool      // removed by a replacing import; otherwise created or changed
	At         time.Time // when the import ran
}
