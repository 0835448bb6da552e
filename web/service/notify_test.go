package service_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/clocktest"
	"github.com/roomplanner/planner/web/live"
	"github.com/roomplanner/planner/web/live/livetest"
	"github.com/roomplanner/planner/web/postgres"
	"github.com/roomplanner/planner/web/postgres/pgtest"
	"github.com/roomplanner/planner/web/service"
)

// newDatabase is a fresh PostgreSQL database for t (skipped without a server).
func newDatabase(t *testing.T) string { return pgtest.NewDatabase(t) }

// newInstance is newEnv on the PostgreSQL database at dbURL: one of several
// stateless instances sharing it.
func newInstance(t *testing.T, dbURL string) *env {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	u := "http://" + ts.Listener.Addr().String()
	clock := clocktest.New(time.Time{})
	svc, err := service.Open(context.Background(), service.Config{
		DB: dbURL, Migrate: true, PublicURL: u, Clock: clock.Now,
		Getenv: func(k string) string {
			if k == "PLANNER_MASTER_KEY" {
				return "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
			}
			return ""
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Notifier == nil {
		t.Fatal("a service on PostgreSQL has no Notifier")
	}
	ts.Config.Handler = svc.Handler()
	ts.Start()
	t.Cleanup(func() {
		if err := svc.Close(); err != nil {
			t.Errorf("close service: %v", err)
		}
	})
	t.Cleanup(ts.Close)
	t.Cleanup(func() { _ = svc.CloseLive() })
	return &env{t: t, svc: svc, url: u, clock: clock}
}

// follow dials e's live channel as uid of r, subscribed to projects.
func (e *env) follow(r web.Retailer, uid string) *livetest.Client {
	e.t.Helper()
	c := e.dial(r)
	if m := c.Authenticate(e.userToken(r, uid, time.Hour)); m.Type != "authenticated" {
		e.t.Fatalf("authenticate: %+v", m)
	}
	c.Subscribe("projects")
	return c
}

// expectWithin reads the next message of c, which must be event name of id
// at version and arrive within d.
func expectWithin(t *testing.T, c *livetest.Client, d time.Duration, name, id string, version int64) livetest.Msg {
	t.Helper()
	start := time.Now()
	m := c.ExpectEvent(name, id, version)
	if took := time.Since(start); took > d {
		t.Errorf("%s %s v%d took %v, want at most %v", name, id, version, took, d)
	}
	return m
}

// TestProjectEventsCrossInstances: two instances on one PostgreSQL
// database. A project saved through A's API reaches the user's sockets on A
// and B once each, within a second, as ids and versions only; B's listener,
// killed, comes back and tells B's sockets to resync, and later events still
// arrive. A's sockets see no resync.
func TestProjectEventsCrossInstances(t *testing.T) {
	t.Parallel()
	dbURL := newDatabase(t)
	a, b := newInstance(t, dbURL), newInstance(t, dbURL)
	shop := a.retailer(web.PlanFree)
	onA, onB := a.follow(shop, "alice"), b.follow(shop, "alice")

	raw, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close(context.Background())
	if _, err := raw.Exec(t.Context(), "LISTEN "+postgres.DefaultNotifyChannel); err != nil {
		t.Fatal(err)
	}

	req, err := http.NewRequest(http.MethodPost, a.url+"/v1/projects", strings.NewReader(`{"name":"Kitchen","room":{"width":400,"depth":300},"items":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.userToken(shop, "alice", time.Hour))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/projects on A = %d, want 201", resp.StatusCode)
	}
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/v1/projects/")
	expectWithin(t, onB, time.Second, live.EventProjectCreated, id, 1)
	expectWithin(t, onA, time.Second, live.EventProjectCreated, id, 1)

	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	n, err := raw.WaitForNotification(ctx)
	cancel()
	if err != nil {
		t.Fatalf("raw LISTEN: %v", err)
	}
	for _, doc := range []string{"Kitchen", "room", "items", "width", `"name"`} {
		if strings.Contains(n.Payload, doc) {
			t.Errorf("NOTIFY payload %s carries %s of the document", n.Payload, doc)
		}
	}

	pid := b.svc.Notifier.BackendPID()
	if _, err := raw.Exec(t.Context(), `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	onB.Expect("resync")
	// B listens again (resync is sent only then): a later save through A
	// reaches both, and A's socket's next message is that event, no resync.
	a.updateProject(shop, "alice", id, 1)
	expectWithin(t, onB, time.Second, live.EventProjectUpdated, id, 2)
	expectWithin(t, onA, time.Second, live.EventProjectUpdated, id, 2)
	// And the other way, from B to A.
	b.updateProject(shop, "alice", id, 2)
	expectWithin(t, onA, time.Second, live.EventProjectUpdated, id, 3)
	expectWithin(t, onB, time.Second, live.EventProjectUpdated, id, 3)
}

// TestCrossInstanceLatency measures how long an event takes from A to a
// socket on B, one at a time: from A's Publish (the NOTIFY) and from the
// start of a save through A's publishing store (the write included).
func TestCrossInstanceLatency(t *testing.T) {
	t.Parallel()
	dbURL := newDatabase(t)
	a, b := newInstance(t, dbURL), newInstance(t, dbURL)
	shop := a.retailer(web.PlanFree)
	onB := b.follow(shop, "alice")
	p, _, err := a.svc.Data.CreateProject(context.Background(), web.Project{
		ID: "p1", RetailerID: shop.ID, OwnerUID: "alice",
		ProjectDoc: web.ProjectDoc{Name: "Room", Room: web.Room{Width: 400, Depth: 300}},
	}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	onB.ExpectEvent(live.EventProjectCreated, p.ID, 1)

	const events = 200
	publish := make([]time.Duration, 0, events)
	for v := int64(1); v <= events; v++ {
		start := time.Now()
		if err := a.svc.Data.Publisher.Publish(context.Background(), live.ProjectEvent(live.EventProjectUpdated, shop.ID, "alice", web.Project{ID: "bench", Version: v})); err != nil {
			t.Fatal(err)
		}
		onB.ExpectEvent(live.EventProjectUpdated, "bench", v)
		publish = append(publish, time.Since(start))
	}
	save := make([]time.Duration, 0, events)
	for v := int64(1); v <= events; v++ {
		start := time.Now()
		a.updateProject(shop, "alice", p.ID, v)
		onB.ExpectEvent(live.EventProjectUpdated, p.ID, v+1)
		save = append(save, time.Since(start))
	}
	for _, m := range []struct {
		name string
		d    []time.Duration
	}{{"publish on A → socket on B", publish}, {"save through A → socket on B", save}} {
		slices.Sort(m.d)
		p50, p99 := m.d[len(m.d)*50/100], m.d[len(m.d)*99/100]
		t.Logf("%s over %d events: p50 %v, p99 %v, max %v", m.name, len(m.d), p50, p99, m.d[len(m.d)-1])
		if p99 > time.Second {
			t.Errorf("%s: p99 %v, want under a second", m.name, p99)
		}
	}
}
