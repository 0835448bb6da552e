package live_test

import (
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/live"
)

// TestStats: the sockets by plan, and the events a socket whose token
// expired holds until it authenticates again.
func TestStats(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop, free := e.retailer(web.PlanPremium), e.retailer(web.PlanFree)
	c := e.dial(shop)
	e.dial(free)
	c.Authenticate(e.leToken(shop, time.Minute))
	c.Subscribe("catalog")
	if s := e.svc.Live.Stats(); s.Sockets["premium"] != 1 || s.Sockets["free"] != 1 || s.Holding != 0 || s.Held != 0 {
		t.Fatalf("stats = %+v, want one socket per plan, nothing held", s)
	}
	e.clock.Advance(time.Minute)
	c.Expect("tokenExpired")
	e.publishCatalog(shop, 0)
	e.publishCatalog(shop, 1)
	if s := e.svc.Live.Stats(); s.Holding != 1 || s.Held != 2 {
		t.Errorf("stats after expiry = %+v, want 1 socket holding 2 events", s)
	}
	if m := c.Authenticate(e.leToken(shop, time.Minute)); m.Type != "authenticated" {
		t.Fatalf("re-authenticate: %+v", m)
	}
	c.Expect("event")
	c.Expect("event")
	if s := e.svc.Live.Stats(); s.Holding != 0 || s.Held != 0 {
		t.Errorf("stats after re-authentication = %+v, want nothing held", s)
	}
}
