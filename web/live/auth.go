package live

import (
	"context"
	"time"

	"github.com/coder/websocket"

	"github.com/roomplanner/planner/web"
)

// authState is who the socket speaks for and when that ends, guarded by
// conn.mu.
type authState struct {
	accepted     bool          // a token was accepted on this socket (it may have expired since)
	principal    web.Principal // the last accepted token's
	expired      bool          // the accepted token has expired
	expiredAt    time.Time
	gen          uint64      // bumped on every authentication; stale expiry timers compare it
	stopExpiry   func() bool // cancels the expiry timer
	stopDeadline func() bool // cancels the premium authentication deadline
}

// authenticate verifies a token and makes it the socket's identity. A failed
// attempt changes nothing. The same user (or the same anonymous visitor)
// keeps its subscriptions and gets the events held since its token expired;
// anyone else starts afresh: the previous user's subscriptions and held
// events are dropped before the answer is queued, so none of them can reach
// the new identity.
func (c *conn) authenticate(raw string) {
	for attempt := 1; ; attempt++ {
		if c.authenticateOnce(raw, attempt == 2) {
			return
		}
	}
}

// authenticateOnce verifies raw and, unless a partner-token revocation
// (ExpirePartnerTokens) happened while it verified, makes it the socket's
// identity; it reports whether it is done. Such a verification may have
// used the revoked secret, so the caller verifies again (the verifier's
// cache was revoked too); on the last attempt the socket is told to
// authenticate again instead.
func (c *conn) authenticateOnce(raw string, last bool) bool {
	revoked := c.h.partnerRevocations.Load()
	ctx, cancel := context.WithTimeout(context.Background(), verifyTimeout)
	p, err := c.h.verifier.Verify(ctx, raw)
	cancel()
	now := c.h.cfg.Clock.Now()
	switch {
	case err != nil:
	case p.RetailerID != c.retailerID:
		err = web.Errorf(web.EForbidden, "this token belongs to another retailer than the socket's distribution")
	case !p.ExpiresAt.After(now):
		err = web.Errorf(web.ETokenExpired, "token expired at %s", p.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if err != nil {
		if web.ErrorCode(err) == web.EInternal {
			c.h.log.Error("live: verify token", "err", err)
		}
		c.reply(encodeError(err, typeAuthenticate))
		return true
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.kicked() {
		return true
	}
	// Checked under c.mu: ExpirePartnerTokens counts first and sweeps the
	// sockets (each under its mu) after, so a revocation this check misses
	// finds this socket authenticated and expires it.
	if p.Partner && c.h.partnerRevocations.Load() != revoked {
		if !last {
			return false
		}
		c.enqueueLocked([][]byte{encodeError(web.Errorf(web.ETokenExpired, "the retailer's API secret was rotated while this token was checked; authenticate again"), typeAuthenticate)})
		return true
	}
	a := &c.auth
	prev := a.principal
	switched := a.accepted && prev.Kind == web.KindUser && (p.Kind != web.KindUser || p.UID != prev.UID)
	if switched {
		for i := range c.subs {
			c.dropLocked(&c.subs[i])
		}
		c.hold = holdState{}
	}
	wasExpired := a.expired
	stop(a.stopDeadline)
	stop(a.stopExpiry)
	a.gen++
	gen := a.gen
	a.accepted, a.principal, a.expired = true, p, false
	c.enqueueLocked([][]byte{encodeAuthenticated(p)})
	if wasExpired {
		switch {
		case c.hold.lost:
			c.enqueueLocked(batchResync)
		case len(c.hold.events) > 0:
			batch := make([][]byte, len(c.hold.events))
			for i, e := range c.hold.events {
				batch[i] = e.msg
			}
			c.enqueueLocked(batch)
		}
		c.hold = holdState{}
	}
	a.stopExpiry = c.h.cfg.Clock.AfterFunc(p.ExpiresAt.Sub(now), func() { c.expire(gen) })
	return true
}

// expire runs when the token of authentication gen expires: private events
// are held from now on and the client is told to re-authenticate.
func (c *conn) expire(gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || gen != c.auth.gen || c.auth.expired {
		return
	}
	c.auth.expired, c.auth.expiredAt = true, c.h.cfg.Clock.Now()
	c.hold = holdState{}
	c.enqueueLocked(batchTokenExpired)
}

// expirePartner expires the socket's token now if it is an unexpired
// partner-signed one; it reports whether it did.
func (c *conn) expirePartner() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || !c.auth.accepted || c.auth.expired || !c.auth.principal.Partner {
		return false
	}
	stop(c.auth.stopExpiry)
	c.auth.expired, c.auth.expiredAt = true, c.h.cfg.Clock.Now()
	c.hold = holdState{}
	c.enqueueLocked(batchTokenExpired)
	return true
}

// authDeadline closes a premium socket that has not authenticated in time.
func (c *conn) authDeadline() {
	c.mu.Lock()
	accepted := c.auth.accepted
	c.mu.Unlock()
	if !accepted {
		c.kick(websocket.StatusPolicyViolation, ReasonAuthRequired)
	}
}
