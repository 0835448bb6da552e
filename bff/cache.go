package bff

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// refreshRetryDelay spaces background refresh attempts after one failed; the
// breaker and Retry-After spare the API, this spares goroutines.
const refreshRetryDelay = 5 * time.Second

// minter obtains a token for a cache slot.
type minter interface {
	mint(ctx context.Context, k key) (token, error)
}

// entry is one cache slot's token and its refresh bookkeeping.
type entry struct {
	tok        token
	refreshing bool        // a background refresh is under way
	nextTry    time.Time   // no background refresh before this (after a failure)
	stopTimer  func() bool // stops the refresh timer; nil when none is armed
}

// afterFunc calls f in its own goroutine once d has passed and returns a
// function that stops the timer (time.AfterFunc's shape). Tests pass one
// driven by their fake clock.
type afterFunc func(d time.Duration, f func()) (stop func() bool)

func realAfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// cache holds the legal-entity token and one token per user, minting each
// slot at most once at a time (single-flight), refreshing ahead in the
// background, and never handing out a token with less than its minRemaining
// left. The legal-entity token is refreshed by a timer at its refresh point,
// so a quiet site still holds a fresh one when the next visitor comes; a user
// token is refreshed by the first request for it past that point (a timer
// per user would keep minting for users who left).
type cache struct {
	minter   minter
	clock    func() time.Time
	after    afterFunc
	maxUsers int
	metrics  *metrics
	log      *slog.Logger
	ctx      context.Context // the BFF's lifetime: cancelled by Close
	sf       singleflight.Group
	bg       sync.WaitGroup // background refreshes

	mu      sync.Mutex
	entries map[key]*entry
	// pending holds, for each slot being minted, the ticket of the mint whose
	// result may be stored. Forget removes it, so a mint that started before
	// Forget and ends after it does not bring the forgotten token back.
	pending map[key]uint64
	tickets uint64
	users   int  // user entries in entries
	closed  bool // no more background refreshes
}

func newCache(ctx context.Context, m minter, clock func() time.Time, after afterFunc, maxUsers int, met *metrics, log *slog.Logger) *cache {
	return &cache{
		minter: m, clock: clock, after: after, maxUsers: maxUsers, metrics: met, log: log, ctx: ctx,
		entries: map[key]*entry{}, pending: map[key]uint64{},
	}
}

// get returns a servable token for k: from the cache when it holds one
// (starting a background refresh past the refresh point), otherwise by
// joining or starting the slot's single mint. Only a caller that finds no
// servable token waits.
func (c *cache) get(ctx context.Context, k key) (token, error) {
	now := c.clock()
	c.mu.Lock()
	if e := c.entries[k]; e != nil && e.tok.servable(now) {
		t := e.tok
		if !now.Before(t.refreshAt) {
			c.startRefresh(k, e, now)
		}
		c.mu.Unlock()
		c.metrics.cacheHits[kindIndex(k.kind)].Add(1)
		return t, nil
	}
	c.mu.Unlock()

	ran := false
	ch := c.sf.DoChan(k.String(), func() (any, error) {
		ran = true
		return c.fill(k)
	})
	select {
	case r := <-ch:
		if !ran {
			c.metrics.coalesced.Add(1)
		}
		if r.Err != nil {
			return token{}, r.Err
		}
		t := r.Val.(token)
		if !t.servable(c.clock()) {
			// Only a mint slower than the token's servable life gets here.
			return token{}, &unavailableError{retryAfter: defaultRetryAfter, err: errors.New("minted token expired while minting")}
		}
		return t, nil
	case <-ctx.Done():
		return token{}, ctx.Err()
	}
}

// fill mints a token for k and stores it, unless a fresh one arrived since the
// caller looked (a mint that ended between its look and its joining the
// flight) or k was forgotten meanwhile. It runs once per slot at a time.
func (c *cache) fill(k key) (token, error) {
	now := c.clock()
	c.mu.Lock()
	if e := c.entries[k]; e != nil && e.tok.fresh(now) {
		c.mu.Unlock()
		c.metrics.cacheHits[kindIndex(k.kind)].Add(1)
		return e.tok, nil
	}
	c.tickets++
	ticket := c.tickets
	c.pending[k] = ticket
	c.mu.Unlock()

	// The mint serves every waiter, so it runs on the BFF's context, not on
	// the request that happened to start it.
	t, err := c.minter.mint(c.ctx, k)

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending[k] != ticket {
		// Forgotten while minting: hand the token to those who asked before
		// Forget, but do not cache it.
		return t, err
	}
	delete(c.pending, k)
	if err != nil {
		return token{}, err
	}
	c.store(k, t)
	return t, nil
}

// store puts t in k's slot, arming the legal-entity token's refresh timer;
// c.mu is held.
func (c *cache) store(k key, t token) {
	old, ok := c.entries[k]
	if !ok && k.kind == KindUser {
		if c.users >= c.maxUsers {
			c.evictUsers()
		}
		c.users++
	}
	if ok {
		old.stop()
	}
	e := &entry{tok: t}
	c.entries[k] = e
	if k.kind == KindLegalEntity {
		c.armLocked(k, e, t.refreshAt)
	}
}

// armLocked sets e's timer to start a refresh at when; c.mu is held.
func (c *cache) armLocked(k key, e *entry, when time.Time) {
	if c.closed {
		return
	}
	e.stop()
	e.stopTimer = c.after(max(when.Sub(c.clock()), 0), func() { c.refreshDue(k, e, when) })
}

// stop stops e's refresh timer, if armed.
func (e *entry) stop() {
	if e.stopTimer != nil {
		e.stopTimer()
		e.stopTimer = nil
	}
}

// refreshDue is the refresh timer of e, armed for when.
func (c *cache) refreshDue(k key, e *entry, when time.Time) {
	now := c.clock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.entries[k] != e {
		// Closed, or replaced or dropped since the timer was armed.
		return
	}
	e.stopTimer = nil
	if now.Before(when) {
		// Timers run on real time, the cache on c.clock: wait for the latter.
		c.armLocked(k, e, when)
		return
	}
	c.startRefresh(k, e, now)
}

// startRefresh starts a background refresh of e unless one is under way, a
// failed one asked to wait, or the cache is closed; c.mu is held.
func (c *cache) startRefresh(k key, e *entry, now time.Time) {
	if e.refreshing || now.Before(e.nextTry) || c.closed {
		return
	}
	e.refreshing = true
	c.bg.Add(1)
	go c.refresh(k, e)
}

// evictUsers drops user tokens that can no longer be handed out, then, if too
// few were, arbitrary ones down to 90 % of the bound; c.mu is held.
func (c *cache) evictUsers() {
	now := c.clock()
	for k, e := range c.entries {
		if k.kind == KindUser && !e.tok.servable(now) {
			c.dropLocked(k)
		}
	}
	for k := range c.entries {
		if c.users < c.maxUsers*9/10 {
			break
		}
		if k.kind == KindUser {
			c.dropLocked(k)
		}
	}
}

func (c *cache) dropLocked(k key) {
	if e, ok := c.entries[k]; ok {
		e.stop()
		delete(c.entries, k)
		if k.kind == KindUser {
			c.users--
		}
	}
}

// refresh mints a successor for e's token in the background. Callers keep
// getting e's token meanwhile; if the mint fails they keep getting it while
// it is servable.
func (c *cache) refresh(k key, e *entry) {
	defer c.bg.Done()
	c.metrics.refreshes.Add(1)
	r := <-c.sf.DoChan(k.String(), func() (any, error) { return c.fill(k) })
	c.mu.Lock()
	e.refreshing = false
	if r.Err != nil {
		e.nextTry = c.clock().Add(refreshRetryDelay)
		// A timed refresh tries again while the token can still be handed
		// out; after that the next request mints.
		if k.kind == KindLegalEntity && c.entries[k] == e && e.tok.servable(e.nextTry) {
			c.armLocked(k, e, e.nextTry)
		}
	}
	c.mu.Unlock()
	if r.Err != nil {
		c.metrics.refreshFailures.Add(1)
		c.log.Warn("planner token refresh failed; the cached token stays in use", "kind", k.kind, "jti", e.tok.jti, "err", r.Err)
	}
}

// close stops new background refreshes and waits for those under way (the
// caller has cancelled c.ctx, so their mints end soon). Refreshes start only
// under c.mu while !closed, so WaitGroup.Add never races Wait.
func (c *cache) close() {
	c.mu.Lock()
	c.closed = true
	for _, e := range c.entries {
		e.stop()
	}
	c.mu.Unlock()
	c.bg.Wait()
}

// forget drops k's token and disowns any mint of k under way.
func (c *cache) forget(k key) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropLocked(k)
	delete(c.pending, k)
	// Later callers start a new mint rather than join the disowned one.
	c.sf.Forget(k.String())
}
