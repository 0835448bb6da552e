package live_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/live"
	"github.com/roomplanner/planner/web/live/livetest"
	"github.com/roomplanner/planner/web/retailermetrics"
	"github.com/roomplanner/planner/web/token"
)

func (e *env) retailerToken(r web.Retailer, ttl time.Duration) string {
	e.t.Helper()
	is, err := e.svc.Issuer.Issue(token.IssueRequest{Kind: web.KindRetailer, RetailerID: r.ID, TTL: ttl})
	if err != nil {
		e.t.Fatal(err)
	}
	return is.Token
}

// metricsMsg is a metrics message as the client reads it.
type metricsMsg struct {
	Type    string                  `json:"type"`
	Payload retailermetrics.Payload `json:"payload"`
}

// nextRaw reads one message as a metrics message.
func nextRaw(t *testing.T, c *livetest.Client) metricsMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), livetest.Timeout)
	defer cancel()
	typ, data, err := c.Conn().Read(ctx)
	if err != nil || typ != websocket.MessageText {
		t.Fatalf("read: %v", err)
	}
	var m metricsMsg
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	return m
}

// awaitUpdate reads metrics updates (the recorder ticks each second on its
// own) until one satisfies ok.
func awaitUpdate(t *testing.T, c *livetest.Client, ok func(p retailermetrics.Payload) bool) {
	t.Helper()
	for {
		m := nextRaw(t, c)
		if m.Type != "metrics" || m.Payload.Kind != "update" {
			t.Fatalf("message %+v, want a metrics update", m)
		}
		if ok(m.Payload) {
			return
		}
	}
}

func TestMetricsTopic(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	e.clock.Set(time.Date(2026, 11, 22, 10, 0, 30, 0, time.UTC))
	shop, other := e.retailer(web.PlanFree), e.retailer(web.PlanFree)
	c := e.dial(shop)
	if m := c.Authenticate(e.retailerToken(shop, time.Minute)); m.Type != "authenticated" || m.Payload.Kind != web.KindRetailer {
		t.Fatalf("authenticate with a retailer token: %+v", m)
	}
	c.Subscribe("metrics")
	snap := nextRaw(t, c)
	if snap.Type != "metrics" || snap.Payload.Kind != "snapshot" || len(snap.Payload.Minutes) != retailermetrics.SnapshotMinutes {
		t.Fatalf("after subscribe: %+v, want a snapshot of %d minutes", snap, retailermetrics.SnapshotMinutes)
	}
	if snap.Payload.Now.Sockets != 1 {
		t.Errorf("snapshot now = %+v, want this one socket", snap.Payload.Now)
	}

	e.svc.Metrics.Add(other.ID, retailermetrics.BasketSent, 5)
	e.svc.Metrics.Add(shop.ID, retailermetrics.BasketSent, 1)
	awaitUpdate(t, c, func(p retailermetrics.Payload) bool {
		cur := p.Minutes[len(p.Minutes)-1]
		if n := cur.Counts["basket.sent"]; n > 1 {
			t.Fatalf("update counts another retailer's baskets: %d", n)
		}
		return cur.Counts["basket.sent"] == 1
	})

	// Visitors' tokens may not follow metrics; nor may a retailer token of
	// another retailer authenticate here.
	v := e.dial(shop)
	v.Authenticate(e.leToken(shop, time.Minute))
	v.Send(`{"type":"subscribe","payload":{"topic":"metrics"}}`)
	if m := v.Expect("error"); m.Payload.Code != web.EForbidden {
		t.Errorf("legal-entity token subscribing to metrics: %+v, want forbidden", m.Payload)
	}
	u := e.dial(shop)
	u.Authenticate(e.userToken(shop, "alice", time.Minute))
	u.Send(`{"type":"subscribe","payload":{"topic":"metrics"}}`)
	if m := u.Expect("error"); m.Payload.Code != web.EForbidden {
		t.Errorf("user token subscribing to metrics: %+v, want forbidden", m.Payload)
	}
	if m := u.Authenticate(e.retailerToken(other, time.Minute)); m.Payload.Code != web.EForbidden {
		t.Errorf("another retailer's token: %+v, want forbidden", m.Payload)
	}
	// A retailer token does not follow a user's projects.
	r := e.dial(shop)
	r.Authenticate(e.retailerToken(shop, time.Minute))
	r.Send(`{"type":"subscribe","payload":{"topic":"projects"}}`)
	if m := r.Expect("error"); m.Payload.Code != web.EForbidden {
		t.Errorf("retailer token subscribing to projects: %+v, want forbidden", m.Payload)
	}
}

func TestMetricsExpiryAndReauthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	e.clock.Set(time.Date(2026, 11, 22, 10, 0, 30, 0, time.UTC))
	shop := e.retailer(web.PlanFree)
	c := e.dial(shop)
	c.Authenticate(e.retailerToken(shop, time.Minute))
	c.Subscribe("metrics")
	nextRaw(t, c) // the snapshot

	e.clock.Advance(time.Minute)
	// Updates may have been sent before the expiry; the tokenExpired comes.
	for {
		m := nextRaw(t, c)
		if m.Type == "tokenExpired" {
			break
		}
		if m.Type != "metrics" {
			t.Fatalf("waiting for tokenExpired: %+v", m)
		}
	}
	c.Send(`{"type":"subscribe","payload":{"topic":"metrics"}}`)
	if m := c.Expect("error"); m.Payload.Code != web.ETokenExpired {
		t.Errorf("subscribe while expired: %+v, want token_expired", m.Payload)
	}
	e.svc.Metrics.Add(shop.ID, retailermetrics.ProductAdded, 3)
	if m := c.Authenticate(e.retailerToken(shop, time.Minute)); m.Type != "authenticated" {
		t.Fatalf("re-authenticate: %+v", m)
	}
	snap := nextRaw(t, c)
	for snap.Type == "metrics" && snap.Payload.Kind == "update" {
		snap = nextRaw(t, c) // an update may overtake the snapshot
	}
	if snap.Payload.Kind != "snapshot" || snap.Payload.Minutes[len(snap.Payload.Minutes)-1].Counts["product.added"] != 3 {
		t.Fatalf("after re-authentication: %+v, want a fresh snapshot with product.added 3", snap)
	}
	// A switch to a visitor's token ends the subscription.
	c.Authenticate(e.leToken(shop, time.Minute))
	c.Send(`{"type":"unsubscribe","payload":{"topic":"metrics"}}`)
	for {
		m := nextRaw(t, c)
		if m.Type == "unsubscribed" {
			break
		}
		if m.Type != "metrics" {
			t.Fatalf("waiting for unsubscribed: %+v", m)
		}
	}
}
