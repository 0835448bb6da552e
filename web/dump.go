package web

import (
	"errors"
	"time"
)

// DumpRecord is one row of a whole-deployment dump, the unit `planner
// export` reads from one store and `planner import` writes into another
// (web/dump is its JSONL form). Exactly one field is set. Secrets travel
// sealed, as stored: a dump is loaded under the same master key it was made
// under, and no step in between opens them.
//
// A dump holds what a deployment cannot rebuild: retailers with their
// origins, API credentials, the console users of retailers' staff (with
// their bcrypt password hashes, so that staff sign in after a move as
// before), signing keys, catalogs, projects, idempotency records and the
// retailers' per-minute metric aggregates (the console's 24 h and 30 d
// charts). It leaves out the two change logs (catalog changes, credential
// rotations): they tell running servers what changed since they last
// looked, and a moved deployment's servers start from the new database's
// (empty) logs. Console sessions live in a server's memory, not in a store.
type DumpRecord struct {
	Retailer    *Retailer
	Credential  *SealedCredential
	ConsoleUser *ConsoleUser
	SigningKey  *SealedSigningKey
	Category    *DumpCategory
	Product     *DumpProduct
	Project     *Project
	Idempotency *IdempotencyRecord
	Metric      *MetricCount
}

// SealedCredential is an API credential as stored: its secret sealed under
// the master key with the API key as additional data.
type SealedCredential struct {
	APIKey       string
	RetailerID   string
	SecretSealed []byte
	CreatedAt    time.Time
}

// SealedSigningKey is a signing key as stored: its Ed25519 private key sealed
// under the master key with the kid as additional data.
type SealedSigningKey struct {
	KID           string
	PrivateSealed []byte
	CreatedAt     time.Time
	RetiredAt     time.Time // zero while current
}

// DumpCategory is a catalog category with the retailer it belongs to.
type DumpCategory struct {
	RetailerID string
	ID         string
	Name       string
	Position   int
}

// DumpProduct is a catalog product with the time it last changed. (The
// search text a store keeps beside it is derived, so it does not travel.)
type DumpProduct struct {
	Product
	UpdatedAt time.Time
}

// IdempotencyRecord remembers one POST /v1/projects call by its
// Idempotency-Key. ProjectID may name a project deleted since.
type IdempotencyRecord struct {
	RetailerID  string
	OwnerUID    string
	Key         string
	RequestHash string
	ProjectID   string
	CreatedAt   time.Time
}

// ErrNotEmpty is what a store's Load returns (wrapped, naming the tables that
// have rows) when asked to load a dump into a database that already holds
// data without being told it may.
var ErrNotEmpty = errors.New("the database is not empty")
