package web

import "time"

// Token kinds.
const (
	KindLegalEntity = "legal-entity" // anonymous visitor of one retailer, read-only
	KindUser        = "user"         // one of the retailer's users, by the host's user id
	// KindRetailer is the retailer's own staff or backend, read-only: it
	// reads the retailer's live metrics and is never handed to a visitor.
	KindRetailer = "retailer"
)

// Scopes.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

// Principal is who a verified token speaks for.
type Principal struct {
	Kind       string    // KindLegalEntity, KindUser or KindRetailer
	RetailerID string    // the legal entity
	UID        string    // the host's user id; empty for legal-entity tokens
	Scopes     []string  // always includes ScopeRead
	ExpiresAt  time.Time // token exp
	JTI        string    // token id, safe to log
	Partner    bool      // signed by the retailer (HS256) rather than by the API
}

// CanWrite reports whether the principal may change the user's own projects.
func (p Principal) CanWrite() bool {
	if p.Kind != KindUser {
		return false
	}
	for _, s := range p.Scopes {
		if s == ScopeWrite {
			return true
		}
	}
	return false
}
