package live_test

import (
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/live"
	"github.com/roomplanner/planner/web/live/livetest"
)

// TestSwitchWhileExpiredDropsHeldEvents: events held for alice after her
// token expired never reach whoever authenticates next on the same socket,
// and neither does the resync owed to her when her hold overflowed.
func TestSwitchWhileExpiredDropsHeldEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{HoldLimit: 2})
	tests := []struct {
		name     string
		held     int64 // alice's events while expired: 3 overflows the hold
		newToken func(r web.Retailer) string
		// after checks the socket's first messages after "authenticated":
		// they must be answers to its own requests, not alice's events.
		after func(t *testing.T, c *livetest.Client, r web.Retailer)
	}{
		{"another user", 2, func(r web.Retailer) string { return e.userToken(r, "bob", time.Hour) }, bobStartsAfresh(e)},
		{"another user, hold overflowed", 3, func(r web.Retailer) string { return e.userToken(r, "bob", time.Hour) }, bobStartsAfresh(e)},
		{"legal-entity token", 2, func(r web.Retailer) string { return e.leToken(r, time.Hour) }, leHasNoProjects(e)},
		{"legal-entity token, hold overflowed", 3, func(r web.Retailer) string { return e.leToken(r, time.Hour) }, leHasNoProjects(e)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shop := e.retailer(web.PlanFree) // its own, so no other subtest's socket counts
			c := e.dialT(t, shop)
			c.Authenticate(e.userToken(shop, "alice", time.Minute))
			c.Subscribe("projects") // answered under the lock that armed the expiry timer
			c.Subscribe("catalog")
			e.clock.Advance(time.Minute)
			c.Expect("tokenExpired")
			for v := int64(1); v <= tt.held; v++ {
				e.publishProject(shop, "alice", live.EventProjectUpdated, "pa", v)
			}

			if m := c.Authenticate(tt.newToken(shop)); m.Type != "authenticated" {
				t.Fatalf("switch: %+v, want authenticated", m)
			}
			// Every subscription was dropped before the answer was sent.
			for _, k := range []live.Key{
				{Topic: live.TopicProjects, RetailerID: shop.ID, UID: "alice"},
				{Topic: live.TopicCatalog, RetailerID: shop.ID},
			} {
				if n := e.svc.Hub.Subscribers(k); n != 0 {
					t.Errorf("%s subscribers after the switch = %d, want 0", k.Topic, n)
				}
			}
			// Alice's next event goes nowhere either.
			e.publishProject(shop, "alice", live.EventProjectUpdated, "pa", tt.held+1)
			tt.after(t, c, shop)
		})
	}
}

// bobStartsAfresh checks that the socket, now bob's, answers his subscribe
// first and then gets his events only.
func bobStartsAfresh(e *env) func(t *testing.T, c *livetest.Client, r web.Retailer) {
	return func(t *testing.T, c *livetest.Client, r web.Retailer) {
		c.Subscribe("projects")
		e.publishProject(r, "alice", live.EventProjectUpdated, "pa", 99)
		e.publishProject(r, "bob", live.EventProjectUpdated, "pb", 5)
		c.ExpectEvent(live.EventProjectUpdated, "pb", 5)
	}
}

// leHasNoProjects checks that the socket, now a legal entity's, may not
// follow projects and was told nothing held for alice.
func leHasNoProjects(e *env) func(t *testing.T, c *livetest.Client, r web.Retailer) {
	return func(t *testing.T, c *livetest.Client, r web.Retailer) {
		c.Send(`{"type":"subscribe","payload":{"topic":"projects"}}`)
		if m := c.Expect("error"); m.Payload.Code != web.EForbidden {
			t.Errorf("projects with a legal-entity token: %+v, want forbidden", m.Payload)
		}
		c.Subscribe("catalog")
		e.publishCatalog(r, 0)
		if m := c.Expect("event"); m.Payload.Event != live.EventCatalogImported {
			t.Errorf("event %+v, want catalog.imported", m.Payload)
		}
	}
}

func TestPremiumExpiryHoldsCatalog(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop := e.retailer(web.PlanPremium)
	c := e.dial(shop)
	c.Authenticate(e.leToken(shop, time.Minute))
	c.Subscribe("catalog")
	e.clock.Advance(time.Minute)
	c.Expect("tokenExpired")

	e.publishCatalog(shop, 0)
	// The event was held: the next message answers the subscribe.
	c.Send(`{"type":"subscribe","payload":{"topic":"catalog"}}`)
	if m := c.Expect("error"); m.Payload.Code != web.ETokenExpired || m.Payload.Request != "subscribe" {
		t.Errorf("subscribe catalog while expired: %+v, want token_expired", m.Payload)
	}
	// The refused subscribe left the subscription in place: still held.
	e.publishCatalog(shop, 1)

	if m := c.Authenticate(e.leToken(shop, time.Minute)); m.Type != "authenticated" {
		t.Fatalf("re-authenticate: %+v, want authenticated first", m)
	}
	for _, want := range []int{0, 1} {
		m := c.Expect("event")
		if m.Payload.Event != live.EventCatalogImported || m.Payload.Products == nil || *m.Payload.Products != want {
			t.Errorf("held event %+v, want catalog.imported of %d products", m.Payload, want)
		}
	}
	// Live again.
	e.publishCatalog(shop, 0)
	if m := c.Expect("event"); m.Payload.Event != live.EventCatalogImported || *m.Payload.Products != 0 {
		t.Errorf("after re-authentication: %+v, want catalog.imported", m.Payload)
	}
}

// TestHoldWindow: events are held for DefaultHoldWindow after the expiry; one
// arriving later drops them and the client is told to resync.
func TestHoldWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		wait   time.Duration // from the expiry to the second event
		resync bool
	}{
		{"within the window", live.DefaultHoldWindow, false},
		{"after the window", live.DefaultHoldWindow + time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, live.Config{})
			shop := e.retailer(web.PlanFree)
			c := e.dial(shop)
			c.Authenticate(e.userToken(shop, "alice", time.Minute))
			c.Subscribe("projects")
			e.clock.Advance(time.Minute)
			c.Expect("tokenExpired")
			e.publishProject(shop, "alice", live.EventProjectUpdated, "p1", 2)
			e.clock.Advance(tt.wait)
			e.publishProject(shop, "alice", live.EventProjectUpdated, "p1", 3)

			if m := c.Authenticate(e.userToken(shop, "alice", time.Minute)); m.Type != "authenticated" {
				t.Fatalf("re-authenticate: %+v, want authenticated", m)
			}
			if tt.resync {
				c.Expect("resync")
			} else {
				c.ExpectEvent(live.EventProjectUpdated, "p1", 2)
				c.ExpectEvent(live.EventProjectUpdated, "p1", 3)
			}
			e.publishProject(shop, "alice", live.EventProjectUpdated, "p1", 4)
			c.ExpectEvent(live.EventProjectUpdated, "p1", 4)
		})
	}
}
