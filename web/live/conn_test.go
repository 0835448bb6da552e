package live_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/live"
)

func TestFailedAuthenticateKeepsIdentity(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop := e.retailer(web.PlanFree)
	other := e.retailer(web.PlanFree)
	expired := e.userToken(shop, "bob", time.Second)
	e.clock.Advance(2 * time.Second)

	c := e.dial(shop)
	c.Authenticate(e.userToken(shop, "alice", time.Minute))
	c.Subscribe("projects")
	tests := []struct {
		name, message, code string
	}{
		{"invalid token", `{"type":"authenticate","payload":{"token":"not.a.jwt"}}`, web.EInvalidToken},
		{"another user's expired token", `{"type":"authenticate","payload":{"token":"` + expired + `"}}`, web.ETokenExpired},
		{"another retailer's token", `{"type":"authenticate","payload":{"token":"` + e.userToken(other, "bob", time.Hour) + `"}}`, web.EForbidden},
		{"no token", `{"type":"authenticate","payload":{}}`, web.EValidation},
	}
	for _, tt := range tests {
		c.Send(tt.message)
		if m := c.Expect("error"); m.Payload.Code != tt.code {
			t.Errorf("%s: %+v, want %s", tt.name, m.Payload, tt.code)
		}
	}

	// Still alice, still subscribed.
	if n := e.svc.Hub.Subscribers(live.Key{Topic: live.TopicProjects, RetailerID: shop.ID, UID: "alice"}); n != 1 {
		t.Errorf("alice's subscribers = %d, want 1", n)
	}
	e.publishProject(shop, "bob", live.EventProjectUpdated, "pb", 2)
	e.publishProject(shop, "alice", live.EventProjectUpdated, "pa", 3)
	c.ExpectEvent(live.EventProjectUpdated, "pa", 3)
	// And alice's token still expires when it did.
	e.clock.Advance(time.Minute)
	c.Expect("tokenExpired")
}

// TestPremiumAnswersFailedAuthenticate: before a successful authenticate a
// premium socket ignores every message but an authenticate whose token is
// refused, which is answered.
func TestPremiumAnswersFailedAuthenticate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop := e.retailer(web.PlanPremium)
	c := e.dial(shop)
	c.Send(`{"type":"authenticate","payload":{}}`) // malformed: ignored like any other
	c.Send(`{"type":"authenticate","payload":{"token":"not.a.jwt"}}`)
	if m := c.Expect("error"); m.Payload.Code != web.EInvalidToken || m.Payload.Request != "authenticate" {
		t.Errorf("first message %+v, want invalid_token answering authenticate", m.Payload)
	}
	// Still unauthenticated: ignored again.
	c.Send(`{"type":"subscribe","payload":{"topic":"catalog"}}`)
	if m := c.Authenticate(e.leToken(shop, time.Minute)); m.Type != "authenticated" {
		t.Errorf("next message %+v, want authenticated", m)
	}
}

func TestMessageFloodCloses1008(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	// Unauthenticated premium sockets answer nothing, so the burst needs no reading.
	shop := e.retailer(web.PlanPremium)
	c := e.dial(shop)
	// The limiter starts full: a burst of DefaultMessageBurst passes however
	// slowly it arrives.
	for range live.DefaultMessageBurst - 1 {
		c.Send(`{"type":"subscribe","payload":{"topic":"catalog"}}`)
	}
	if m := c.Authenticate(e.leToken(shop, time.Minute)); m.Type != "authenticated" {
		t.Fatalf("message %d: %+v, want authenticated", live.DefaultMessageBurst, m)
	}
	// The bucket is empty now and refills at DefaultMessageRate a second:
	// 200 more would need about 20 s to arrive to pass.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 200 {
		if err := c.Conn().Write(ctx, websocket.MessageText, []byte(`{"type":"subscribe","payload":{"topic":"catalog"}}`)); err != nil {
			break // closed under us
		}
	}
	if ce := c.Closed(); ce.Code != websocket.StatusPolicyViolation || ce.Reason != live.ReasonTooManyFrames {
		t.Errorf("closed with %d %q, want 1008 %q", ce.Code, ce.Reason, live.ReasonTooManyFrames)
	}
}

// TestBurstOfRequestsIsAnswered: a client may send a burst of requests within
// the rate limit and get every answer, even when they are read faster than
// the writer drains the queue (a one-batch queue makes that certain). The
// reader waits for room instead of closing the socket 1008 too slow, as it
// did before.
func TestBurstOfRequestsIsAnswered(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{SendBuffer: 1})
	shop := e.retailer(web.PlanFree)
	c := e.dial(shop)
	c.Authenticate(e.leToken(shop, time.Hour))
	for range live.DefaultMessageBurst - 1 {
		c.Send(`{"type":"subscribe","payload":{"topic":"catalog"}}`)
	}
	for range live.DefaultMessageBurst - 1 {
		c.Expect("subscribed")
	}
	// Events still flow.
	e.publishCatalog(shop, 0)
	c.Expect("event")
}

// TestStuckWriteDropsSocket: a client that reads nothing is dropped by the
// write timeout, without a close frame (the browser reports 1006), whether
// or not its send queue filled first.
//
// A client that never reads leaves its receive window at its initial size,
// so the kernels on both ends buffer a few MiB (about 4.5 MiB on Linux with
// the default 4 MiB tcp_wmem maximum); 32 MiB of events is far past that.
func TestStuckWriteDropsSocket(t *testing.T) {
	t.Parallel()
	const (
		eventSize = 512 << 10
		maxEvents = 64
	)
	tests := []struct {
		name       string
		sendBuffer int
	}{
		// The queue never fills: only the write timeout can drop it.
		{"write timeout", maxEvents * 2},
		// The queue fills: kicked with 1008 too slow, whose close frame
		// waits behind the stuck write and never goes out.
		{"send buffer full", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, live.Config{SendBuffer: tt.sendBuffer, WriteTimeout: 250 * time.Millisecond})
			shop := e.retailer(web.PlanFree)
			c := e.dial(shop)
			c.Authenticate(e.userToken(shop, "alice", time.Hour))
			c.Subscribe("projects")
			key := live.Key{Topic: live.TopicProjects, RetailerID: shop.ID, UID: "alice"}

			title := strings.Repeat("x", eventSize)
			n := 0
			for n < maxEvents && e.svc.Hub.Subscribers(key) == 1 {
				n++
				if err := e.svc.Hub.Publish(context.Background(), live.Event{Topic: live.TopicProjects, Name: live.EventProjectUpdated, RetailerID: shop.ID, UID: "alice", ID: "p1", Version: int64(n), Title: title}); err != nil {
					t.Fatal(err)
				}
			}
			// The server says nothing of a dropped socket but its count.
			deadline := time.Now().Add(10 * time.Second)
			for e.svc.Live.Conns() != 0 {
				if time.Now().After(deadline) {
					t.Fatalf("open sockets = %d 10 s after %d events, want the stuck one dropped", e.svc.Live.Conns(), n)
				}
				time.Sleep(10 * time.Millisecond)
			}

			// What the kernels had buffered arrives, then the end of the
			// connection without a close frame.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			got := 0
			for {
				_, data, err := c.Conn().Read(ctx)
				if err != nil {
					if code := websocket.CloseStatus(err); code != -1 || errors.Is(err, context.DeadlineExceeded) {
						t.Errorf("after %d events read: %v (close status %d), want the connection gone without a close frame", got, err, code)
					}
					break
				}
				if len(data) > eventSize {
					got++
				}
			}
			if got >= n {
				t.Errorf("client read all %d events: the write never got stuck", n)
			}
			t.Logf("dropped after %d events published, %d delivered", n, got)
		})
	}
}
