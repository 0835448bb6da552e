package token

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/roomplanner/planner/web"
)

// cache remembers verified tokens so that a token presented again costs a
// hash and a map lookup instead of a signature check. It is keyed by the
// SHA-256 of the raw token, so it never holds a usable token.
type cache struct {
	mu  sync.RWMutex
	m   map[[sha256.Size]byte]cacheEntry
	max int
}

type cacheEntry struct {
	p     web.Principal
	until time.Time  // never after the token's exp
	epoch cacheEpoch // when verified
}

// cacheEpoch is what a cache entry must match to be used: the keyring's epoch
// (moved when a reload drops a key) and the verifier's count of API secret
// rotations (which end every cached partner-token verification).
type cacheEpoch struct{ keys, secrets uint64 }

// newCache returns a cache of at most max entries, or nil (no caching) if max <= 0.
func newCache(max int) *cache {
	if max <= 0 {
		return nil
	}
	return &cache{m: make(map[[sha256.Size]byte]cacheEntry), max: max}
}

// get returns the principal cached under k if it is still valid at now.
func (c *cache) get(k [sha256.Size]byte, now time.Time, epoch cacheEpoch) (web.Principal, bool) {
	if c == nil {
		return web.Principal{}, false
	}
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	if !ok || !now.Before(e.until) || e.epoch.keys != epoch.keys || e.p.Partner && e.epoch.secrets != epoch.secrets {
		return web.Principal{}, false
	}
	return e.p, true
}

// put caches p under k until until.
func (c *cache) put(k [sha256.Size]byte, p web.Principal, until time.Time, epoch cacheEpoch, now time.Time) {
	if c == nil || !now.Before(until) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		c.evict(now)
	}
	c.m[k] = cacheEntry{p: p, until: until, epoch: epoch}
}

// evict makes room: it drops every expired entry and, if that frees less than
// a tenth of the cache, arbitrary entries (Go's map order is randomised) until
// it has. Freeing a tenth at a time keeps the cost of a full cache amortised.
// c.mu must be held.
func (c *cache) evict(now time.Time) {
	for k, e := range c.m {
		if !now.Before(e.until) {
			delete(c.m, k)
		}
	}
	target := c.max - max(1, c.max/10)
	for k := range c.m {
		if len(c.m) <= target {
			break
		}
		delete(c.m, k)
	}
}

// len returns the number of entries, expired or not.
func (c *cache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
