package live_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/live"
	"github.com/roomplanner/planner/web/live/livetest"
)

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop := e.retailer(web.PlanFree)
	other := e.retailer(web.PlanFree)
	expiring := e.userToken(shop, "alice", 10*time.Second)
	e.clock.Advance(11 * time.Second)

	t.Run("success", func(t *testing.T) {
		c := e.dialT(t, shop)
		m := c.Authenticate(e.userToken(shop, "alice", time.Minute))
		want := e.clock.Now().Add(time.Minute).UTC().Format(time.RFC3339)
		if m.Type != "authenticated" || m.Payload.Kind != web.KindUser || m.Payload.ExpiresAt != want {
			t.Errorf("answer %+v, want authenticated user expiring %s", m, want)
		}
	})

	tests := []struct {
		name, message, code, field string
	}{
		{"expired token", `{"type":"authenticate","payload":{"token":"` + expiring + `"}}`, web.ETokenExpired, ""},
		{"invalid token", `{"type":"authenticate","payload":{"token":"not.a.jwt"}}`, web.EInvalidToken, ""},
		{"another retailer's token", `{"type":"authenticate","payload":{"token":"` + e.leToken(other, time.Minute) + `"}}`, web.EForbidden, ""},
		{"no token", `{"type":"authenticate","payload":{}}`, web.EValidation, "payload.token"},
		{"not JSON", `{"type":"authenticate",`, web.EValidation, "message"},
		{"unknown type", `{"type":"hello","payload":{}}`, web.EValidation, "type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.dialT(t, shop)
			c.Send(tt.message)
			m := c.Expect("error")
			if m.Payload.Code != tt.code || m.Payload.Field != tt.field || m.Payload.Message == "" {
				t.Errorf("error %+v, want code %q field %q and a message", m.Payload, tt.code, tt.field)
			}
			// A failed attempt leaves the socket usable.
			if m := c.Authenticate(e.leToken(shop, time.Minute)); m.Type != "authenticated" {
				t.Errorf("after the failure: %+v, want authenticated", m)
			}
		})
	}
}

func TestPremiumIgnoresUnauthenticatedFrames(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop := e.retailer(web.PlanPremium)
	c := e.dial(shop)
	waitTimer(t, e.clock) // the authentication deadline
	c.Send(`{"type":"subscribe","payload":{"topic":"catalog"}}`)
	c.Send(`{"type":"subscribe","payload":{"topic":"projects"}}`)
	c.Send(`garbage`)
	c.Send(`{"type":"unsubscribe","payload":{"topic":"catalog"}}`)
	// The ignored frames got no answer: the first message is the answer to
	// authenticate, and no subscription was made.
	if m := c.Authenticate(e.leToken(shop, time.Minute)); m.Type != "authenticated" {
		t.Fatalf("first message %+v, want authenticated", m)
	}
	if n := e.svc.Hub.Subscribers(live.Key{Topic: live.TopicCatalog, RetailerID: shop.ID}); n != 0 {
		t.Errorf("catalog subscribers = %d, want 0", n)
	}
	// Authenticated, the socket is answered, and the deadline no longer applies.
	c.Subscribe("catalog")
	e.clock.Advance(live.DefaultAuthTimeout + time.Second)
	e.publishCatalog(shop, 0)
	if m := c.Expect("event"); m.Payload.Event != live.EventCatalogImported {
		t.Errorf("after the deadline: %+v, want the catalog event on the still-open socket", m.Payload)
	}
}

func TestPremiumDeadlineClosesUnauthenticatedSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{AuthTimeout: 3 * time.Second})
	shop := e.retailer(web.PlanPremium)
	c := e.dial(shop)
	waitTimer(t, e.clock)
	c.Send(`{"type":"subscribe","payload":{"topic":"catalog"}}`)
	e.clock.Advance(2 * time.Second)
	e.clock.Advance(time.Second)
	ce := c.Closed()
	if ce.Code != websocket.StatusPolicyViolation || ce.Reason != live.ReasonAuthRequired {
		t.Errorf("closed with %d %q, want %d %q", ce.Code, ce.Reason, websocket.StatusPolicyViolation, live.ReasonAuthRequired)
	}
}

func TestFreePlanCatalogIsPublic(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop := e.retailer(web.PlanFree)
	other := e.retailer(web.PlanFree)
	c := e.dial(shop)
	c.Subscribe("catalog")
	// Projects always need a user token: none, then a legal-entity token.
	c.Send(`{"type":"subscribe","payload":{"topic":"projects"}}`)
	if m := c.Expect("error"); m.Payload.Code != web.EForbidden || m.Payload.Request != "subscribe" {
		t.Errorf("projects without a token: %+v, want forbidden", m.Payload)
	}
	c.Authenticate(e.leToken(shop, time.Minute))
	c.Send(`{"type":"subscribe","payload":{"topic":"projects"}}`)
	if m := c.Expect("error"); m.Payload.Code != web.EForbidden {
		t.Errorf("projects with a legal-entity token: %+v, want forbidden", m.Payload)
	}

	// Another retailer's catalog change does not arrive; this one's does.
	ctx := context.Background()
	cat := []web.Category{{ID: "sofas", Name: "Sofas"}}
	prods := []web.Product{{ID: "p1", RetailerID: other.ID, Name: "Sofa", Category: "sofas", Width: 200, Depth: 90, Height: 80, Price: 49900, Currency: "EUR"}}
	if err := e.svc.Data.ImportCatalog(ctx, other.ID, cat, prods, true); err != nil {
		t.Fatal(err)
	}
	prods[0].RetailerID = shop.ID
	prods = append(prods, web.Product{ID: "p2", RetailerID: shop.ID, Name: "Chair", Category: "sofas", Width: 50, Depth: 50, Height: 90, Price: 4900, Currency: "EUR"})
	if err := e.svc.Data.ImportCatalog(ctx, shop.ID, cat, prods, true); err != nil {
		t.Fatal(err)
	}
	e.pollCatalog()
	for _, id := range []string{"p1", "p2"} {
		m := c.Expect("event")
		if m.Payload.Topic != "catalog" || m.Payload.Event != live.EventProductUpdated || m.Payload.ID != id || m.Payload.Removed {
			t.Errorf("event %+v, want product.updated of this retailer's %s", m.Payload, id)
		}
	}
}

func TestProjectEventsReachOnlyTheirUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop := e.retailer(web.PlanFree)
	other := e.retailer(web.PlanFree)
	alice := e.dial(shop)
	alice.Authenticate(e.userToken(shop, "alice", time.Hour))
	alice.Subscribe("projects")
	bob := e.dial(shop)
	bob.Authenticate(e.userToken(shop, "bob", time.Hour))
	bob.Subscribe("projects")
	// "alice" at another retailer is another person.
	otherAlice := e.dial(other)
	otherAlice.Authenticate(e.userToken(other, "alice", time.Hour))
	otherAlice.Subscribe("projects")

	// Alice saves through the API, as the planner does.
	tok := e.userToken(shop, "alice", time.Hour)
	req, _ := http.NewRequest(http.MethodPost, e.url+"/v1/projects", strings.NewReader(`{"name":"Living room","room":{"width":400,"depth":300},"items":[]}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/projects = %d, want 201", resp.StatusCode)
	}
	m := alice.Expect("event")
	if m.Payload.Topic != "projects" || m.Payload.Event != live.EventProjectCreated || m.Payload.ID == "" || m.Payload.Version != 1 || m.Payload.Name != "Living room" {
		t.Errorf("alice got %+v, want project.created v1 \"Living room\"", m.Payload)
	}
	id := m.Payload.ID
	e.updateProject(shop, "alice", id, 1)
	alice.ExpectEvent(live.EventProjectUpdated, id, 2)
	if err := e.svc.Data.DeleteProject(context.Background(), shop.ID, "alice", id, 2); err != nil {
		t.Fatal(err)
	}
	alice.ExpectEvent(live.EventProjectDeleted, id, 2)

	// Bob and the other retailer's alice got none of it: their next message
	// is their own.
	e.createProject(shop, "bob", "pb")
	bob.ExpectEvent(live.EventProjectCreated, "pb", 1)
	e.createProject(other, "alice", "po")
	otherAlice.ExpectEvent(live.EventProjectCreated, "po", 1)
}

func TestExpiryHoldsEventsUntilReauthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop := e.retailer(web.PlanFree)
	c := e.dial(shop)
	c.Authenticate(e.userToken(shop, "alice", time.Minute))
	c.Subscribe("projects") // subscribe waits for authenticate: the expiry timer is armed
	c.Subscribe("catalog")
	e.createProject(shop, "alice", "p1")
	c.ExpectEvent(live.EventProjectCreated, "p1", 1)

	e.clock.Advance(time.Minute)
	c.Expect("tokenExpired")
	// While expired: private events are held; the free catalog still flows.
	e.updateProject(shop, "alice", "p1", 1)
	e.updateProject(shop, "alice", "p1", 2)
	e.publishCatalog(shop, 0)
	if m := c.Expect("event"); m.Payload.Event != live.EventCatalogImported {
		t.Fatalf("while expired got %+v, want only the public catalog event", m.Payload)
	}
	c.Send(`{"type":"subscribe","payload":{"topic":"projects"}}`)
	if m := c.Expect("error"); m.Payload.Code != web.ETokenExpired {
		t.Errorf("subscribe while expired: %+v, want token_expired", m.Payload)
	}

	if m := c.Authenticate(e.userToken(shop, "alice", time.Minute)); m.Type != "authenticated" {
		t.Fatalf("re-authenticate: %+v", m)
	}
	// None lost, in order, then live again.
	c.ExpectEvent(live.EventProjectUpdated, "p1", 2)
	c.ExpectEvent(live.EventProjectUpdated, "p1", 3)
	e.updateProject(shop, "alice", "p1", 3)
	c.ExpectEvent(live.EventProjectUpdated, "p1", 4)

	// The second token expires too: its own timer fires.
	e.clock.Advance(time.Minute)
	c.Expect("tokenExpired")
}

func TestExpiryOverflowAsksForResync(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{HoldLimit: 2})
	shop := e.retailer(web.PlanFree)
	c := e.dial(shop)
	c.Authenticate(e.userToken(shop, "alice", time.Minute))
	c.Subscribe("projects")
	e.clock.Advance(time.Minute)
	c.Expect("tokenExpired")
	for v := int64(1); v <= 3; v++ {
		e.publishProject(shop, "alice", live.EventProjectUpdated, "p1", v)
	}
	c.Authenticate(e.userToken(shop, "alice", time.Minute))
	c.Expect("resync")
	e.publishProject(shop, "alice", live.EventProjectUpdated, "p1", 4)
	c.ExpectEvent(live.EventProjectUpdated, "p1", 4)
}

func TestUserSwitchDropsSubscriptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop := e.retailer(web.PlanFree)
	c := e.dial(shop)
	c.Authenticate(e.userToken(shop, "alice", time.Hour))
	c.Subscribe("projects")
	aliceKey := live.Key{Topic: live.TopicProjects, RetailerID: shop.ID, UID: "alice"}
	if n := e.svc.Hub.Subscribers(aliceKey); n != 1 {
		t.Fatalf("alice's subscribers = %d, want 1", n)
	}
	if m := c.Authenticate(e.userToken(shop, "bob", time.Hour)); m.Type != "authenticated" {
		t.Fatalf("switch: %+v", m)
	}
	// Dropped before the answer was sent.
	if n := e.svc.Hub.Subscribers(aliceKey); n != 0 {
		t.Errorf("alice's subscribers after the switch = %d, want 0", n)
	}
	e.publishProject(shop, "alice", live.EventProjectUpdated, "pa", 7)
	c.Subscribe("projects")
	e.publishProject(shop, "bob", live.EventProjectUpdated, "pb", 3)
	c.ExpectEvent(live.EventProjectUpdated, "pb", 3)
}

func TestOversizedFrameCloses1009(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop := e.retailer(web.PlanFree)
	c := e.dial(shop)
	c.Send(`{"type":"authenticate","payload":{"token":"` + strings.Repeat("a", live.DefaultReadLimit) + `"}}`)
	if ce := c.Closed(); ce.Code != websocket.StatusMessageTooBig {
		t.Errorf("closed with %d %q, want 1009", ce.Code, ce.Reason)
	}
}

func TestOriginPolicy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop := e.retailer(web.PlanFree)
	tests := []struct {
		name, origin string
		ok           bool
	}{
		{"planner page", e.url, true},
		{"no Origin (not a browser)", "", true},
		{"the retailer's site", "https://shop.example", false},
		{"other host", "http://evil.example", false},
		{"same host, other scheme", strings.Replace(e.url, "http:", "https:", 1), false},
		{"localhost is another origin than 127.0.0.1", strings.Replace(e.url, "127.0.0.1", "localhost", 1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, resp, err := e.tryDialT(t, shop, dialOpts{origin: tt.origin})
			if tt.ok {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				c.Conn().Close(websocket.StatusNormalClosure, "")
				return
			}
			if err == nil {
				t.Fatalf("dial with Origin %s succeeded", tt.origin)
			}
			if resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Errorf("dial: %v %v, want 403", err, resp)
			}
		})
	}
}

func TestUnknownDistributionIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	_, resp, err := e.tryDial(web.Retailer{DistributionID: "d_nope"}, dialOpts{origin: e.url})
	if err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("dial: %v %v, want 404", err, resp)
	}
}

func TestPlainHTTPFromNonLoopbackIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop := e.retailer(web.PlanFree)
	req := httptest.NewRequest(http.MethodGet, "/ws?d="+shop.DistributionID, nil)
	req.RemoteAddr = "203.0.113.7:40000"
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	rec := httptest.NewRecorder()
	e.svc.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), web.ETLSRequired) {
		t.Errorf("plain upgrade from a public peer = %d %s, want 403 tls_required", rec.Code, rec.Body)
	}
}

func TestSlowConsumerIsClosedWithoutStallingOthers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{SendBuffer: 4})
	shop := e.retailer(web.PlanFree)
	tok := e.userToken(shop, "alice", time.Hour)
	slow := e.dial(shop)
	slow.Authenticate(tok)
	slow.Subscribe("projects")
	fast := e.dial(shop)
	fast.Authenticate(tok)
	fast.Subscribe("projects")
	key := live.Key{Topic: live.TopicProjects, RetailerID: shop.ID, UID: "alice"}

	// Big events fill the slow reader's socket buffers, then its queue. Each
	// publish returns at once and the fast reader gets every event.
	title := strings.Repeat("x", 256<<10)
	const max = 1000
	n := 0
	for n < max && e.svc.Hub.Subscribers(key) == 2 {
		n++
		if err := e.svc.Hub.Publish(context.Background(), live.Event{Topic: live.TopicProjects, Name: live.EventProjectUpdated, RetailerID: shop.ID, UID: "alice", ID: "p1", Version: int64(n), Title: title}); err != nil {
			t.Fatal(err)
		}
		fast.ExpectEvent(live.EventProjectUpdated, "p1", int64(n))
	}
	if n == max {
		t.Fatalf("the slow consumer was still subscribed after %d events", max)
	}
	// The fast one is still live.
	e.publishProject(shop, "alice", live.EventProjectUpdated, "p1", int64(n+1))
	fast.ExpectEvent(live.EventProjectUpdated, "p1", int64(n+1))
	// The slow one, once it reads, finds the policy-violation close after
	// what was already queued.
	if ce := slow.Closed(); ce.Code != websocket.StatusPolicyViolation || ce.Reason != live.ReasonTooSlow {
		t.Errorf("slow consumer closed with %d %q, want 1008 %q", ce.Code, ce.Reason, live.ReasonTooSlow)
	}
	t.Logf("slow consumer dropped after %d events of 256 KiB", n)
}

func TestShutdownClosesSockets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop := e.retailer(web.PlanFree)
	c := e.dial(shop)
	c.Authenticate(e.leToken(shop, time.Minute))
	done := make(chan error, 1)
	go func() { done <- e.svc.CloseLive() }()
	if ce := c.Closed(); ce.Code != websocket.StatusGoingAway || ce.Reason != live.ReasonShutdown {
		t.Errorf("closed with %d %q, want 1001 %q", ce.Code, ce.Reason, live.ReasonShutdown)
	}
	if err := <-done; err != nil {
		t.Errorf("CloseLive: %v", err)
	}
	// A socket opened after shutdown is closed at once.
	late, _, err := e.tryDial(shop, dialOpts{origin: e.url})
	if err != nil {
		return // refused outright is fine too
	}
	if ce := late.Closed(); ce.Code != websocket.StatusGoingAway {
		t.Errorf("socket opened after shutdown closed with %d %q, want 1001", ce.Code, ce.Reason)
	}
}

func TestKeepaliveDropsSilentPeer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{PingInterval: 20 * time.Millisecond, PongTimeout: 50 * time.Millisecond})
	shop := e.retailer(web.PlanFree)
	reader := e.dial(shop) // answers pings: it keeps reading
	reader.Authenticate(e.leToken(shop, time.Hour))
	got := make(chan livetest.Msg, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, data, err := reader.Conn().Read(ctx)
		if err == nil {
			var m livetest.Msg
			_ = json.Unmarshal(data, &m)
			got <- m
		}
		close(got)
	}()
	silent := e.dial(shop) // never reads again, so never answers a ping
	silent.Authenticate(e.leToken(shop, time.Hour))
	if n := e.svc.Live.Conns(); n != 2 {
		t.Fatalf("open sockets = %d, want 2", n)
	}
	// The silent socket is dropped once a ping goes unanswered; polling is
	// the only view of it the server offers.
	deadline := time.Now().Add(5 * time.Second)
	for e.svc.Live.Conns() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("open sockets = %d after 5 s, want the silent one dropped", e.svc.Live.Conns())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The reading one survived the same pings and still works.
	reader.Send(`{"type":"subscribe","payload":{"topic":"catalog"}}`)
	if m, ok := <-got; !ok || m.Type != "subscribed" {
		t.Errorf("reader after the pings: %+v, want subscribed", m)
	}
}

func TestPlanChangeReachesNewSocketsWithinRetailerTTL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{RetailerTTL: 10 * time.Second})
	shop := e.retailer(web.PlanFree)
	e.dial(shop).Subscribe("catalog") // free: answered unauthenticated
	if err := e.svc.Store.SetPlan(context.Background(), shop.ID, web.PlanPremium); err != nil {
		t.Fatal(err)
	}
	e.dial(shop).Subscribe("catalog") // still the remembered plan
	e.clock.Advance(10 * time.Second)
	c := e.dial(shop)
	c.Send(`{"type":"subscribe","payload":{"topic":"catalog"}}`)
	if m := c.Authenticate(e.leToken(shop, time.Minute)); m.Type != "authenticated" {
		t.Errorf("after the TTL the socket answered %+v first, want the premium silence", m)
	}
}

func TestMissingDistributionIsValidationFailed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	for _, path := range []string{"/ws", "/ws?d="} {
		t.Run(path, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.url, "http")+path,
				&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {e.url}}})
			if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
				t.Errorf("dial %s: %v %v, want 400", path, err, resp)
			}
		})
	}
	// The body is the API's error.
	resp, err := http.Get(e.url + "/ws")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error struct{ Code, Field string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadRequest || body.Error.Code != web.EValidation || body.Error.Field != "d" {
		t.Errorf("GET /ws = %d %+v, want 400 validation_failed field d", resp.StatusCode, body.Error)
	}
}

// TestResyncAll: every socket that may be sent anything is told to resync; a
// socket whose token expired is told again when it re-authenticates, instead
// of a replay of held events that may have a gap; an unauthenticated premium
// socket is sent nothing.
func TestResyncAll(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{AuthTimeout: time.Hour})
	free := e.retailer(web.PlanFree)
	premium := e.retailer(web.PlanPremium)
	waiting := e.dial(premium)
	waitTimer(t, e.clock) // its authentication deadline: the socket is registered
	following := e.dial(free)
	following.Authenticate(e.userToken(free, "alice", time.Hour))
	following.Subscribe("projects")
	expired := e.dial(free)
	expired.Authenticate(e.userToken(free, "bob", time.Minute))
	expired.Subscribe("projects")
	e.clock.Advance(time.Minute)
	expired.Expect("tokenExpired")
	e.publishProject(free, "bob", live.EventProjectUpdated, "p1", 2) // held

	if n, want := e.svc.Live.ResyncAll(), 2; n != want {
		t.Errorf("ResyncAll() = %d, want %d", n, want)
	}
	following.Expect("resync")
	expired.Expect("resync")
	if m := expired.Authenticate(e.userToken(free, "bob", time.Hour)); m.Type != "authenticated" {
		t.Fatalf("re-authenticate: %+v, want authenticated", m)
	}
	expired.Expect("resync") // not the held event
	if m := waiting.Authenticate(e.leToken(premium, time.Hour)); m.Type != "authenticated" {
		t.Errorf("premium socket's first message %+v, want authenticated (no resync before it)", m)
	}
	e.publishProject(free, "alice", live.EventProjectUpdated, "p2", 3)
	following.ExpectEvent(live.EventProjectUpdated, "p2", 3)
}
