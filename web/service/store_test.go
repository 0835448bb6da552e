package service_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/live"
)

// TestIdempotentCreatePublishesOnce: a retried POST /v1/projects with the
// same Idempotency-Key answers the stored project and publishes nothing.
func TestIdempotentCreatePublishesOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	shop := e.retailer(web.PlanFree)
	c := e.dial(shop)
	c.Authenticate(e.userToken(shop, "alice", time.Hour))
	c.Subscribe("projects")

	tok := e.userToken(shop, "alice", time.Hour)
	post := func() *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, e.url+"/v1/projects", strings.NewReader(`{"name":"Kitchen","room":{"width":400,"depth":300},"items":[]}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "save-1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST /v1/projects = %d, want 201", resp.StatusCode)
		}
		return resp
	}
	first := post()
	again := post()
	if again.Header.Get("Idempotent-Replayed") != "true" || again.Header.Get("Location") != first.Header.Get("Location") {
		t.Fatalf("repeat answered Location %q replayed %q, want %q replayed", again.Header.Get("Location"), again.Header.Get("Idempotent-Replayed"), first.Header.Get("Location"))
	}
	id := strings.TrimPrefix(first.Header.Get("Location"), "/v1/projects/")
	c.ExpectEvent(live.EventProjectCreated, id, 1)
	// The repeat's answer came after any event it published: the next one
	// is this update's.
	e.updateProject(shop, "alice", id, 1)
	c.ExpectEvent(live.EventProjectUpdated, id, 2)
}
