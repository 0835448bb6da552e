// Package credcache keeps a planner instance's API credentials (API key and
// opened secret) in memory, so that neither a mint (POST /v1/tokens) nor the
// verification of a partner-signed token reads the database on a hit.
//
// Design choice: the cache sits above the store (SQLite or PostgreSQL alike)
// and is told of rotations rather than asking: web/service's Refresh tails
// the credential rotation log every refresh interval and calls Forget for
// each rotated retailer, which is the bound the README documents for a
// rotation to reach every instance. Two more bounds keep it honest without
// that tail: an unknown key is remembered for NegativeTTL only (a retailer
// created by the admin CLI is usable within it, and unknown keys cannot make
// every request read the database), and a known one for MaxAge. Reload lets
// a caller whose secret did not match re-read one key at most once per
// MinReload, so the new secret of a rotation works at once where it is
// presented, while a stream of wrong secrets cannot turn into a stream of
// database reads.
//
//	creds := credcache.New(store, credcache.Config{})
//	cred, err := creds.Credential(ctx, apiKey) // the store's answer, cached
//	creds.Forget(retailerID)                   // after a rotation
package credcache

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/roomplanner/planner/web"
	"golang.org/x/sync/singleflight"
)

// readTimeout bounds one store read shared by the callers of a key.
const readTimeout = 10 * time.Second

// Store finds a retailer's API credential by API key (the SQLite and
// PostgreSQL stores).
type Store interface {
	// Credential returns the credential of apiKey, or an error with code
	// web.ENotFound if there is none.
	Credential(ctx context.Context, apiKey string) (web.Credential, error)
}

// Config configures a Cache. Zero values get the defaults noted.
type Config struct {
	// Size bounds the number of keys remembered, known and unknown together
	// (default 10,000). A full cache drops a tenth of its entries, expired
	// ones first: memory stays bounded whatever keys are presented.
	Size int
	// NegativeTTL is how long an unknown API key is answered "not found"
	// without reading the store (default 5 s): the longest a retailer created
	// by another process waits to be usable here.
	NegativeTTL time.Duration
	// MaxAge is how long a known key's credential is used before it is read
	// again (default 10 min). Rotations end it sooner through Forget; MaxAge
	// only bounds staleness should a rotation go unseen.
	MaxAge time.Duration
	// MinReload is the least time between two store reads of one key by
	// Reload (default 1 s), bounding what wrong secrets cost the database.
	MinReload time.Duration
	// Clock is the time source (default time.Now).
	Clock func() time.Time
}

// Cache is a bounded, per-instance cache of API credentials in front of a
// Store. It is safe for concurrent use. Store errors other than not found are
// not cached.
//
// Locking: mu guards m and gen. Store reads run outside it, one per key at a
// time (singleflight); a read that started before a Forget (gen moved) does
// not store its possibly stale answer.
type Cache struct {
	store Store
	cfg   Config
	group singleflight.Group

	mu  sync.RWMutex
	m   map[string]entry
	gen uint64 // moved by Forget
}

type entry struct {
	cred   web.Credential
	found  bool
	read   time.Time // when the store was read
	expire time.Time
}

// New returns a cache in front of store.
func New(store Store, cfg Config) *Cache {
	if cfg.Size <= 0 {
		cfg.Size = 10000
	}
	if cfg.NegativeTTL <= 0 {
		cfg.NegativeTTL = 5 * time.Second
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 10 * time.Minute
	}
	if cfg.MinReload <= 0 {
		cfg.MinReload = time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &Cache{store: store, cfg: cfg, m: make(map[string]entry)}
}

// Credential returns the credential of apiKey as the store last answered
// (within the bounds of Config), reading the store on a miss.
func (c *Cache) Credential(ctx context.Context, apiKey string) (web.Credential, error) {
	now := c.cfg.Clock()
	c.mu.RLock()
	e, ok := c.m[apiKey]
	c.mu.RUnlock()
	if ok && now.Before(e.expire) {
		return e.answer(apiKey)
	}
	return c.load(ctx, apiKey)
}

// Reload is Credential for a caller that found the cached secret wrong: it
// reads the store again unless this key was read less than MinReload ago, so
// a secret rotated by another process works here at once.
func (c *Cache) Reload(ctx context.Context, apiKey string) (web.Credential, error) {
	now := c.cfg.Clock()
	c.mu.RLock()
	e, ok := c.m[apiKey]
	c.mu.RUnlock()
	if ok && now.Before(e.expire) && now.Sub(e.read) < c.cfg.MinReload {
		return e.answer(apiKey)
	}
	return c.load(ctx, apiKey)
}

// Forget drops the credentials of retailerID, and every unknown key (a
// rotation may have created the retailer's key), so the next use reads the
// store.
func (c *Cache) Forget(retailerID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.m {
		if !e.found || e.cred.RetailerID == retailerID {
			delete(c.m, k)
		}
	}
}

// Len returns the number of keys remembered, expired or not.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

func (e entry) answer(apiKey string) (web.Credential, error) {
	if !e.found {
		return web.Credential{}, web.Errorf(web.ENotFound, "API key %q not found", apiKey)
	}
	return e.cred, nil
}

// load reads apiKey from the store (once for all concurrent callers) and
// caches the answer unless it is an error other than not found.
func (c *Cache) load(ctx context.Context, apiKey string) (web.Credential, error) {
	c.mu.RLock()
	gen := c.gen
	c.mu.RUnlock()
	// The generation is part of the key: a caller that arrives after a
	// Forget never joins a read that began before it (and would hand back
	// the pre-rotation secret). The read runs on a context of its own:
	// every caller for the key shares it, so the first caller's
	// cancellation must not fail the others.
	v, err, _ := c.group.Do(strconv.FormatUint(gen, 10)+"\x00"+apiKey, func() (any, error) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readTimeout)
		defer cancel()
		cred, err := c.store.Credential(rctx, apiKey)
		found := err == nil
		if err != nil && web.ErrorCode(err) != web.ENotFound {
			return nil, err
		}
		now := c.cfg.Clock()
		e := entry{cred: cred, found: found, read: now, expire: now.Add(c.cfg.MaxAge)}
		if !found {
			e.expire = now.Add(c.cfg.NegativeTTL)
		}
		c.mu.Lock()
		if c.gen == gen {
			if _, ok := c.m[apiKey]; !ok && len(c.m) >= c.cfg.Size {
				c.evict(now)
			}
			c.m[apiKey] = e
		}
		c.mu.Unlock()
		return e, nil
	})
	if err != nil {
		return web.Credential{}, err
	}
	return v.(entry).answer(apiKey)
}

// evict makes room: it drops every expired entry and, if that frees less than
// a tenth of the cache, arbitrary ones (Go's map order is randomised) until it
// has, so the cost of a full cache is amortised. c.mu must be held.
func (c *Cache) evict(now time.Time) {
	for k, e := range c.m {
		if !now.Before(e.expire) {
			delete(c.m, k)
		}
	}
	target := c.cfg.Size - max(1, c.cfg.Size/10)
	for k := range c.m {
		if len(c.m) <= target {
			break
		}
		delete(c.m, k)
	}
}
