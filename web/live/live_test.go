package live_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/clocktest"
	"github.com/roomplanner/planner/web/live"
	"github.com/roomplanner/planner/web/live/livetest"
	"github.com/roomplanner/planner/web/service"
	"github.com/roomplanner/planner/web/token"
)

// waitTimer waits until the server has armed one more timer on clock.
func waitTimer(t *testing.T, clock *clocktest.Clock) {
	t.Helper()
	select {
	case <-clock.Armed():
	case <-time.After(5 * time.Second):
		t.Fatal("the server armed no timer")
	}
}

// env is a planner service on loopback with a real SQLite file.
type env struct {
	t      *testing.T
	svc    *service.Service
	url    string // http://127.0.0.1:PORT, also the public URL
	clock  *clocktest.Clock
	dbPath string // the service's SQLite file
}

// testGetenv gives every store of a test the same master key.
func testGetenv(k string) string {
	if k == "PLANNER_MASTER_KEY" {
		return "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	}
	return ""
}

func newEnv(t *testing.T, cfg live.Config) *env {
	t.Helper()
	return newEnvWith(t, cfg, filepath.Join(t.TempDir(), "planner.db"), 0)
}

// newEnvWith opens the service on the SQLite file at dbPath (which may hold
// data already) with the catalog change log read every poll (0: the default).
func newEnvWith(t *testing.T, cfg live.Config, dbPath string, poll time.Duration) *env {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	url := "http://" + ts.Listener.Addr().String()
	clock := clocktest.New(time.Time{})
	cfg.Clock = clock
	svc, err := service.Open(context.Background(), service.Config{
		DB: dbPath, Migrate: true, PublicURL: url, Clock: clock.Now,
		Getenv: testGetenv, Live: cfg, CatalogPoll: poll,
	})
	if err != nil {
		t.Fatal(err)
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
	return &env{t: t, svc: svc, url: url, clock: clock, dbPath: dbPath}
}

func (e *env) retailer(plan web.Plan) web.Retailer {
	e.t.Helper()
	now := e.clock.Now()
	r := web.Retailer{ID: web.NewID("le_"), Name: "Shop", Plan: plan, Origins: []string{"https://shop.example"}, DistributionID: web.NewID("d_"), CreatedAt: now}
	cred := web.Credential{APIKey: web.NewID("pk_"), RetailerID: r.ID, Secret: []byte(web.NewSecret()), CreatedAt: now}
	if err := e.svc.Store.CreateRetailer(context.Background(), r, cred); err != nil {
		e.t.Fatal(err)
	}
	return r
}

// userToken is a write token for uid at r, valid for ttl from the fake now.
func (e *env) userToken(r web.Retailer, uid string, ttl time.Duration) string {
	e.t.Helper()
	is, err := e.svc.Issuer.Issue(token.IssueRequest{Kind: web.KindUser, RetailerID: r.ID, UID: uid, Scopes: []string{web.ScopeRead, web.ScopeWrite}, TTL: ttl})
	if err != nil {
		e.t.Fatal(err)
	}
	return is.Token
}

func (e *env) leToken(r web.Retailer, ttl time.Duration) string {
	e.t.Helper()
	is, err := e.svc.Issuer.Issue(token.IssueRequest{Kind: web.KindLegalEntity, RetailerID: r.ID, TTL: ttl})
	if err != nil {
		e.t.Fatal(err)
	}
	return is.Token
}

type dialOpts struct {
	origin string
}

// dial opens a socket of r's distribution from the service's own origin.
func (e *env) dial(r web.Retailer) *livetest.Client {
	e.t.Helper()
	return livetest.Dial(e.t, e.url, r.DistributionID)
}

// dialT dials for test t (a subtest of e's).
func (e *env) dialT(t *testing.T, r web.Retailer) *livetest.Client {
	t.Helper()
	return livetest.Dial(t, e.url, r.DistributionID)
}

func (e *env) tryDial(r web.Retailer, o dialOpts) (*livetest.Client, *http.Response, error) {
	return e.tryDialT(e.t, r, o)
}

func (e *env) tryDialT(t *testing.T, r web.Retailer, o dialOpts) (*livetest.Client, *http.Response, error) {
	return livetest.TryDial(t, e.url, r.DistributionID, o.origin)
}

// publishProject publishes a project event as the storage layer would.
func (e *env) publishProject(r web.Retailer, uid, name, id string, version int64) {
	e.t.Helper()
	err := e.svc.Hub.Publish(context.Background(), live.Event{Topic: live.TopicProjects, Name: name, RetailerID: r.ID, UID: uid, ID: id, Version: version, Title: "p"})
	if err != nil {
		e.t.Fatal(err)
	}
}

// publishCatalog publishes a catalog.imported event of r as the catalog
// watcher would.
func (e *env) publishCatalog(r web.Retailer, products int) {
	e.t.Helper()
	err := e.svc.Hub.Publish(context.Background(), live.Event{Topic: live.TopicCatalog, Name: live.EventCatalogImported, RetailerID: r.ID, Products: products, Categories: 1})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) createProject(r web.Retailer, uid, id string) web.Project {
	e.t.Helper()
	p, _, err := e.svc.Data.CreateProject(context.Background(), web.Project{
		ID: id, RetailerID: r.ID, OwnerUID: uid,
		ProjectDoc: web.ProjectDoc{Name: "Room " + id, Room: web.Room{Width: 400, Depth: 300}},
	}, "", "")
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) updateProject(r web.Retailer, uid, id string, version int64) web.Project {
	e.t.Helper()
	p, err := e.svc.Data.UpdateProject(context.Background(), r.ID, uid, id, version,
		web.ProjectDoc{Name: "Room " + id, Room: web.Room{Width: 500, Depth: 300}}, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}
