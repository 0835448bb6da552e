package service_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/clocktest"
	"github.com/roomplanner/planner/web/live/livetest"
	"github.com/roomplanner/planner/web/service"
	"github.com/roomplanner/planner/web/token"
)

// env is an assembled service on loopback with a real SQLite file and a fake
// clock.
type env struct {
	t     *testing.T
	svc   *service.Service
	url   string // http://127.0.0.1:PORT, also the public URL
	clock *clocktest.Clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	url := "http://" + ts.Listener.Addr().String()
	clock := clocktest.New(time.Time{})
	svc, err := service.Open(context.Background(), service.Config{
		DB: filepath.Join(t.TempDir(), "planner.db"), Migrate: true, PublicURL: url, Clock: clock.Now,
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
	ts.Config.Handler = svc.Handler()
	ts.Start()
	t.Cleanup(func() {
		if err := svc.Close(); err != nil {
			t.Errorf("close service: %v", err)
		}
	})
	t.Cleanup(ts.Close)
	t.Cleanup(func() { _ = svc.CloseLive() })
	return &env{t: t, svc: svc, url: url, clock: clock}
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

func (e *env) updateProject(r web.Retailer, uid, id string, version int64) web.Project {
	e.t.Helper()
	p, err := e.svc.Data.UpdateProject(context.Background(), r.ID, uid, id, version,
		web.ProjectDoc{Name: "Room " + id, Room: web.Room{Width: 500, Depth: 300}}, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// dial opens a live socket of r's distribution from the service's own
// origin.
func (e *env) dial(r web.Retailer) *livetest.Client {
	e.t.Helper()
	return livetest.Dial(e.t, e.url, r.DistributionID)
}
