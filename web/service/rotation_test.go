package service_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/live"
)

// After `planner key rotate` (here: the store's RotateSecret, as the CLI
// calls it on the same database), the next Refresh stops the old secret at
// once: a partner token verified before (and cached) is refused by the API,
// and a socket authenticated with it is sent tokenExpired, gets none of the
// user's project events, and cannot authenticate with it again.
func TestSecretRotationRevokesPartnerTokensAndSockets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	r := web.Retailer{ID: web.NewID("le_"), Name: "Shop", Plan: web.PlanFree, Origins: []string{"https://shop.example"}, DistributionID: web.NewID("d_"), CreatedAt: now}
	cred := web.Credential{APIKey: web.NewID("pk_"), RetailerID: r.ID, Secret: []byte(web.NewSecret()), CreatedAt: now}
	if err := e.svc.Store.CreateRetailer(ctx, r, cred); err != nil {
		t.Fatal(err)
	}
	partner := func(secret []byte) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"clientId": cred.APIKey, "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
			"kind": "user", "uid": "alice", "scope": "read write",
		}).SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	me := func(tok string) int {
		req, _ := http.NewRequest(http.MethodGet, e.url+"/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	old := partner(cred.Secret)
	if got := me(old); got != http.StatusOK {
		t.Fatalf("/v1/me with the partner token = %d, want 200", got)
	}
	c := e.dial(r)
	if m := c.Authenticate(old); m.Type != "authenticated" {
		t.Fatalf("authenticate: %+v", m)
	}
	c.Subscribe("projects")
	p, _, err := e.svc.Data.CreateProject(ctx, web.Project{ID: web.NewID("p_"), RetailerID: r.ID, OwnerUID: "alice",
		ProjectDoc: web.ProjectDoc{Name: "Room", Room: web.Room{Width: 500, Depth: 300}}, CreatedAt: now, UpdatedAt: now}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	c.ExpectEvent(live.EventProjectCreated, p.ID, p.Version)

	newSecret := []byte(web.NewSecret())
	if _, err := e.svc.Store.RotateSecret(ctx, r.ID, newSecret); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Refresh(ctx); err != nil {
		t.Fatalf("Refresh: %v", err)
	}

	c.Expect("tokenExpired")
	p = e.updateProject(r, "alice", p.ID, p.Version)
	if m := c.Authenticate(old); m.Type != "error" {
		t.Errorf("re-authenticate with the old-secret token: %+v, want error", m)
	}
	if got := me(old); got != http.StatusUnauthorized {
		t.Errorf("/v1/me with the old-secret token after the rotation = %d, want 401", got)
	}
	// The same user with a token of the new secret gets what was held.
	if m := c.Authenticate(partner(newSecret)); m.Type != "authenticated" {
		t.Fatalf("authenticate with the new secret: %+v", m)
	}
	c.ExpectEvent(live.EventProjectUpdated, p.ID, p.Version)
	// A second Refresh with nothing new expires nothing.
	if err := e.svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	e.updateProject(r, "alice", p.ID, p.Version)
	c.ExpectEvent(live.EventProjectUpdated, p.ID, p.Version+1)
}

// After a rotation made by another process and this instance's Refresh, the
// old secret mints nothing here at once, though the credential was cached.
func TestSecretRotationReachesCredentialCache(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	r := web.Retailer{ID: web.NewID("le_"), Name: "Shop", Plan: web.PlanFree, Origins: []string{"https://shop.example"}, DistributionID: web.NewID("d_"), CreatedAt: now}
	cred := web.Credential{APIKey: web.NewID("pk_"), RetailerID: r.ID, Secret: []byte(web.NewSecret()), CreatedAt: now}
	if err := e.svc.Store.CreateRetailer(ctx, r, cred); err != nil {
		t.Fatal(err)
	}
	mint := func(secret string) int {
		res, err := http.PostForm(e.url+"/v1/tokens", url.Values{"api_key": {cred.APIKey}, "api_secret": {secret}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := mint(string(cred.Secret)); got != http.StatusOK {
		t.Fatalf("mint = %d, want 200", got)
	}
	if _, err := e.svc.Store.RotateSecret(ctx, r.ID, []byte(web.NewSecret())); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Refresh(ctx); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if got := mint(string(cred.Secret)); got != http.StatusUnauthorized {
		t.Errorf("mint with the old secret after Refresh = %d, want 401", got)
	}
}
