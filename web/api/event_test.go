package api_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
)

// storedMetrics flushes the service's metrics and returns retailer r's
// totals over the test's first two hours.
func (h *harness) storedMetrics(r retailer) map[string]int64 {
	h.t.Helper()
	if err := h.svc.Metrics.Flush(h.t.Context(), true); err != nil {
		h.t.Fatal(err)
	}
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	rows, err := h.svc.Store.MetricSeries(h.t.Context(), r.ID, start, start.Add(2*time.Hour), time.Hour)
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]int64{}
	for _, c := range rows {
		out[c.Name] += c.Value
	}
	return out
}

func TestRetailerTokenRights(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	res := h.mint(h.a, url.Values{"kind": {web.KindRetailer}})
	if res.status != http.StatusOK || res.body["kind"] != web.KindRetailer {
		t.Fatalf("mint retailer token: %d %s", res.status, res.raw)
	}
	tok := res.body["token"].(string)
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	if !strings.Contains(string(hdr), `"typ":"retailer+jwt"`) {
		t.Errorf("header = %s, want typ retailer+jwt", hdr)
	}
	if me := h.api(http.MethodGet, "/v1/me", tok, nil); me.status != http.StatusOK || me.body["kind"] != web.KindRetailer {
		t.Errorf("GET /v1/me with a retailer token: %d %s", me.status, me.raw)
	}
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/v1/catalog/categories"},
		{http.MethodGet, "/v1/catalog/products"},
		{http.MethodGet, "/v1/projects"},
		{http.MethodPost, "/v1/projects"},
		{http.MethodPost, "/v1/events"},
	} {
		if r := h.api(c.method, c.path, tok, map[string]any{}); r.status != http.StatusForbidden || r.errCode() != web.EForbidden {
			t.Errorf("%s %s with a retailer token: %d %s, want 403 forbidden", c.method, c.path, r.status, r.raw)
		}
	}
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"write", url.Values{"kind": {web.KindRetailer}, "access": {"write"}}, "access"},
		{"a user id", url.Values{"kind": {web.KindRetailer}, "user_id": {"alice"}}, "user_id"},
	} {
		if r := h.mint(h.a, tc.form); r.status != http.StatusBadRequest || r.errField() != tc.field {
			t.Errorf("retailer token with %s: %d %s, want 400 on %s", tc.name, r.status, r.raw, tc.field)
		}
	}
	if got := h.storedMetrics(h.a); got["tokens.retailer"] != 1 || got["me"] != 1 {
		t.Errorf("metrics = %v, want tokens.retailer 1, me 1", got)
	}
}

func TestEvents(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	le := h.token(h.a, web.KindLegalEntity, "", "")
	batch := func(load string, events ...string) []byte {
		return []byte(`{"load":"` + load + `","events":[` + strings.Join(events, ",") + `]}`)
	}
	const load = "load-aaaaaaaaaaaa"
	res := h.api(http.MethodPost, "/v1/events", le, batch(load, `{"type":"planner.opened"}`, `{"type":"product.added","count":2}`,
		`{"type":"basket.sent","lines":2,"value":99800,"currency":"EUR"}`, `{"type":"token.expired","heldCalls":3,"holdMs":800}`))
	if res.status != http.StatusAccepted {
		t.Fatalf("POST /v1/events: %d %s", res.status, res.raw)
	}
	if r := h.api(http.MethodPost, "/v1/events", le, batch(load, `{"type":"product.added","count":0}`)); r.status != http.StatusBadRequest || r.errField() != "events[0].count" {
		t.Errorf("bad count: %d %s, want 400 on events[0].count", r.status, r.raw)
	}
	if r := h.api(http.MethodPost, "/v1/events", le, []byte(strings.Repeat(" ", 5000))); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("5000 bytes: %d, want 413", r.status)
	}
	if r := h.api(http.MethodPost, "/v1/events", "", batch(load, `{"type":"heartbeat"}`)); r.status != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", r.status)
	}
	// One load may send 6 batches a minute: the first was one, the refused
	// ones above were not counted against it.
	for i := range 5 {
		if r := h.api(http.MethodPost, "/v1/events", le, batch(load, `{"type":"heartbeat"}`)); r.status != http.StatusAccepted {
			t.Fatalf("batch %d: %d %s", i+2, r.status, r.raw)
		}
	}
	r := h.api(http.MethodPost, "/v1/events", le, batch(load, `{"type":"product.added","count":1}`))
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Errorf("7th batch in a minute: %d (Retry-After %q), want 429 with Retry-After", r.status, r.header.Get("Retry-After"))
	}
	// Another load of the same visitor token is not held up.
	if r := h.api(http.MethodPost, "/v1/events", le, batch("load-bbbbbbbbbbbb", `{"type":"planner.opened"}`)); r.status != http.StatusAccepted {
		t.Errorf("another load: %d %s", r.status, r.raw)
	}

	// What the service saw: a wrong secret for a's key, an expired token.
	bad := h.a
	bad.secret = "wrong"
	if r := h.mint(bad, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d", r.status)
	}
	short := h.mint(h.a, url.Values{"ttl": {"10"}})
	h.clock.Advance(11 * time.Second)
	if r := h.api(http.MethodGet, "/v1/me", short.body["token"].(string), nil); r.errCode() != web.ETokenExpired {
		t.Fatalf("expired token: %s", r.raw)
	}
	user := h.token(h.a, web.KindUser, "alice", "write")
	if r := h.api(http.MethodPost, "/v1/projects", user, doc("Room", "sofa-a")); r.status != http.StatusCreated {
		t.Fatalf("create project: %d %s", r.status, r.raw)
	}

	got := h.storedMetrics(h.a)
	want := map[string]int64{
		"planner.opened": 2, "product.added": 2, "basket.sent": 1, "basket.lines": 2, "basket.value.EUR": 99800,
		"expiry.episodes": 1, "expiry.held_calls": 3, "expiry.hold_ms": 800, "expiry.hold_le_1s": 1,
		"events.refused": 1, "tokens.legal-entity": 2, "tokens.user": 1, "auth.invalid_client": 1,
		"auth.token_expired": 1, "projects.created": 1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d", k, got[k], v)
		}
	}
	if other := h.storedMetrics(h.b); len(other) != 0 {
		j, _ := json.Marshal(other)
		t.Errorf("retailer b has metrics it never made: %s", j)
	}
}
