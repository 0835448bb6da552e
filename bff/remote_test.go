package bff

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomplanner/planner/web/clocktest"
)

func TestRetries(t *testing.T) {
	t.Parallel()
	fixedBackoff := func(attempt int, _ float64) time.Duration { return time.Duration(attempt) * 100 * time.Millisecond }
	tests := []struct {
		name      string
		fail      func(n int64) *failure
		wantCode  int
		wantCalls int64
		wantWaits []time.Duration
		wantRetry string // Retry-After of a 503
	}{
		{
			name:      "5xx then success",
			fail:      failFirst(2, &failure{status: 502, body: "bad gateway"}),
			wantCode:  200,
			wantCalls: 3,
			wantWaits: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond},
		},
		{
			name:      "network error then success",
			fail:      failFirst(1, &failure{hangup: true}),
			wantCode:  200,
			wantCalls: 2,
			wantWaits: []time.Duration{100 * time.Millisecond},
		},
		{
			name:      "5xx every time: bounded attempts",
			fail:      failFirst(100, &failure{status: 503}),
			wantCode:  503,
			wantCalls: 3,
			wantWaits: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond},
			wantRetry: "5",
		},
		{
			name:      "wrong credentials: not retried",
			fail:      failFirst(100, &failure{status: 401, body: `{"error":{"code":"invalid_client","message":"x"}}`}),
			wantCode:  503,
			wantCalls: 1,
			wantRetry: "5",
		},
		{
			name:      "validation error: not retried",
			fail:      failFirst(100, &failure{status: 400, body: `{"error":{"code":"validation_failed","message":"x"}}`}),
			wantCode:  503,
			wantCalls: 1,
			wantRetry: "5",
		},
		{
			name:      "429 with Retry-After is waited out",
			fail:      failFirst(1, &failure{status: 429, header: map[string]string{"Retry-After": "2"}}),
			wantCode:  200,
			wantCalls: 2,
			wantWaits: []time.Duration{2 * time.Second},
		},
		{
			name:      "429 with an HTTP-date Retry-After",
			fail:      failFirst(1, &failure{status: 429, header: map[string]string{"Retry-After": clocktest.Epoch.Add(3 * time.Second).Format(http.TimeFormat)}}),
			wantCode:  200,
			wantCalls: 2,
			wantWaits: []time.Duration{3 * time.Second},
		},
		{
			name:      "503 with Retry-After is waited out",
			fail:      failFirst(1, &failure{status: 503, header: map[string]string{"Retry-After": "1"}}),
			wantCode:  200,
			wantCalls: 2,
			wantWaits: []time.Duration{time.Second},
		},
		{
			name:      "429 with a long Retry-After is passed on",
			fail:      failFirst(100, &failure{status: 429, header: map[string]string{"Retry-After": "120"}}),
			wantCode:  503,
			wantCalls: 1,
			wantRetry: "120",
		},
		{
			name:      "answer that is not a token",
			fail:      failFirst(100, &failure{status: 200, body: `{"token":"","kind":"legal-entity"}`}),
			wantCode:  503,
			wantCalls: 1,
			wantRetry: "5",
		},
		{
			name:      "token of the wrong kind",
			fail:      failFirst(100, &failure{status: 200, body: `{"token":"a.b.c","kind":"user","expiresIn":900}`}),
			wantCode:  503,
			wantCalls: 1,
			wantRetry: "5",
		},
		{
			// A retailer token reads the retailer's metrics: never for a page.
			name:      "retailer token",
			fail:      failFirst(100, &failure{status: 200, body: `{"token":"a.b.c","kind":"retailer","expiresIn":900}`}),
			wantCode:  503,
			wantCalls: 1,
			wantRetry: "5",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil, WithBackoff(fixedBackoff))
			h.up.setFail(tt.fail)
			rec := h.post()
			if rec.Code != tt.wantCode {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.wantCode, rec.Body)
			}
			if got := h.up.calls.Load(); got != tt.wantCalls {
				t.Errorf("upstream calls = %d, want %d", got, tt.wantCalls)
			}
			if got := h.sleep.recorded(); !slices.Equal(got, tt.wantWaits) {
				t.Errorf("waits = %v, want %v", got, tt.wantWaits)
			}
			if rec.Code == 503 {
				if got := errorCode(t, rec); got != "upstream_unavailable" {
					t.Errorf("code = %q, want upstream_unavailable", got)
				}
				if got := rec.Header().Get("Retry-After"); got != tt.wantRetry {
					t.Errorf("Retry-After = %q, want %q", got, tt.wantRetry)
				}
			}
		})
	}
}

// failFirst fails the first n calls with f.
func failFirst(n int64, f *failure) func(int64) *failure {
	return func(call int64) *failure {
		if call <= n {
			return f
		}
		return nil
	}
}

func TestRetryAfterHonouredAcrossKeys(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.up.setFail(failFirst(1, &failure{status: 429, header: map[string]string{"Retry-After": "60"}}))
	if rec := h.post(); rec.Code != 503 || rec.Header().Get("Retry-After") != "60" {
		t.Fatalf("status = %d, Retry-After %q; want 503, 60", rec.Code, rec.Header().Get("Retry-After"))
	}
	// Another slot within the minute: no call goes out.
	h.clock.Advance(20 * time.Second)
	rec := h.post(asUser("alice"))
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "40" {
		t.Fatalf("status = %d, Retry-After %q; want 503, 40", rec.Code, rec.Header().Get("Retry-After"))
	}
	if got := h.up.calls.Load(); got != 1 {
		t.Fatalf("upstream calls during Retry-After = %d, want 1", got)
	}
	h.clock.Advance(41 * time.Second)
	h.mustToken(asUser("alice"))
	if got := h.up.calls.Load(); got != 2 {
		t.Errorf("upstream calls = %d, want 2", got)
	}
}

func TestBreaker(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		probeFails bool
	}{
		{"probe succeeds: closes", false},
		{"probe fails: opens again", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(c *Config) { c.BreakerThreshold = 5; c.BreakerCooldown = 30 * time.Second })
			h.up.down()
			// 3 attempts for the first request, 2 more open the breaker.
			for i := range 6 {
				if rec := h.post(asUser("u" + string(rune('a'+i)))); rec.Code != 503 {
					t.Fatalf("request %d: status = %d, want 503", i, rec.Code)
				}
			}
			if got := h.up.calls.Load(); got != 5 {
				t.Fatalf("upstream calls = %d, want 5 (the breaker threshold)", got)
			}
			if got := h.b.breakerState(); got != breakerOpen {
				t.Fatalf("breaker state = %d, want open", got)
			}
			rec := h.post()
			if got := rec.Header().Get("Retry-After"); got != "1" {
				t.Errorf("Retry-After while open = %q, want 1 (the first cooldown)", got)
			}
			if got := h.up.calls.Load(); got != 5 {
				t.Fatalf("upstream calls while open = %d, want 5", got)
			}

			h.clock.Advance(time.Second)
			if got := h.b.breakerState(); got != breakerHalfOpen {
				t.Fatalf("breaker state after the cooldown = %d, want half-open", got)
			}
			if !tt.probeFails {
				h.up.up()
			}
			rec = h.post()
			if got := h.up.calls.Load(); got != 6 {
				t.Fatalf("upstream calls after the cooldown = %d, want 6 (one probe)", got)
			}
			if tt.probeFails {
				if rec.Code != 503 || h.b.breakerState() != breakerOpen {
					t.Fatalf("status = %d, breaker %d; want 503 and open", rec.Code, h.b.breakerState())
				}
				if got := rec.Header().Get("Retry-After"); got != "2" {
					t.Errorf("Retry-After = %q, want 2 (the cooldown doubled)", got)
				}
				return
			}
			if rec.Code != 200 || h.b.breakerState() != breakerClosed {
				t.Fatalf("status = %d, breaker %d; want 200 and closed", rec.Code, h.b.breakerState())
			}
			h.mustToken(asUser("z"))
			if got := h.up.calls.Load(); got != 7 {
				t.Errorf("upstream calls after closing = %d, want 7", got)
			}
		})
	}
}

// TestOutage: a cached token keeps being served through an outage while it
// has enough life left, then 503 + Retry-After, then recovery.
func TestOutage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil) // 15 min tokens, refresh at 675 s, served until 899-60 s
	first := h.mustToken()
	h.up.down()

	h.clock.Set(clocktest.Epoch.Add(700 * time.Second))
	if got := h.mustToken(); got.Token != first.Token {
		t.Fatal("past the refresh point during an outage: want the cached token")
	}
	h.settle() // the background refresh: 3 failed calls
	if got := h.up.calls.Load(); got != 4 {
		t.Fatalf("upstream calls = %d, want 4", got)
	}
	h.clock.Set(clocktest.Epoch.Add(710 * time.Second))
	h.mustToken()
	h.settle() // retried after refreshRetryDelay: 2 calls open the breaker
	if got := h.up.calls.Load(); got != 6 {
		t.Fatalf("upstream calls = %d, want 6", got)
	}
	h.clock.Set(clocktest.Epoch.Add(830 * time.Second))
	if got := h.mustToken(); got.Token != first.Token || got.ExpiresIn < 60 {
		t.Fatalf("at 830 s: got expiresIn %d; want the cached token with >= 60 s left", got.ExpiresIn)
	}
	h.settle()

	h.clock.Set(clocktest.Epoch.Add(850 * time.Second)) // 49 s left: no longer handed out
	rec := h.post()
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503", rec.Code)
	}
	if got := errorCode(t, rec); got != "upstream_unavailable" {
		t.Errorf("code = %q, want upstream_unavailable", got)
	}
	if rec.Header().Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	if strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("503 body carries the upstream's body: %s", rec.Body)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}

	h.up.up()
	h.clock.Set(clocktest.Epoch.Add(900 * time.Second)) // past the cooldown
	got := h.mustToken()
	if got.Token == first.Token {
		t.Error("after recovery: got the expired token")
	}
	if h.b.breakerState() != breakerClosed {
		t.Error("breaker not closed after recovery")
	}
}

func TestCallTimeout(t *testing.T) {
	t.Parallel()
	var (
		mu        sync.Mutex
		deadlines []time.Duration
	)
	// A transport that never answers in time: it checks each call carries a
	// deadline and reports the timeout the way net/http does.
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		d, ok := r.Context().Deadline()
		mu.Lock()
		if ok {
			deadlines = append(deadlines, time.Until(d))
		}
		mu.Unlock()
		return nil, context.DeadlineExceeded
	})
	h := newHarness(t, func(c *Config) {
		c.Timeout = 3 * time.Second
		c.HTTPClient = &http.Client{Transport: rt}
	})
	rec := h.post()
	if rec.Code != 503 {
		t.Fatalf("status = %d, want 503", rec.Code)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(deadlines) != 3 {
		t.Fatalf("calls with a deadline = %d, want 3 (timeouts are retried)", len(deadlines))
	}
	for _, d := range deadlines {
		if d <= 0 || d > 3*time.Second {
			t.Errorf("call deadline in %s, want within the 3 s timeout", d)
		}
	}
	if got := h.b.metrics.upstreamErrors[upTimeout].Load(); got != 3 {
		t.Errorf("timeout errors = %d, want 3", got)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestUpstreamRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.TokenTTL = 10 * time.Minute })
	h.mustToken()
	h.mustToken(asUser("alice"))
	h.up.mu.Lock()
	defer h.up.mu.Unlock()
	if len(h.up.forms) != 2 {
		t.Fatalf("upstream calls = %d, want 2", len(h.up.forms))
	}
	tests := []struct {
		form                   int
		kind, uid, access, ttl string
	}{
		{0, KindLegalEntity, "", "read", "600"},
		{1, KindUser, "alice", "write", "600"},
	}
	for _, tt := range tests {
		f := h.up.forms[tt.form]
		if f.Get("kind") != tt.kind || f.Get("user_id") != tt.uid || f.Get("access") != tt.access || f.Get("ttl") != tt.ttl {
			t.Errorf("form %d = kind %q user_id %q access %q ttl %q; want %q %q %q %q", tt.form,
				f.Get("kind"), f.Get("user_id"), f.Get("access"), f.Get("ttl"), tt.kind, tt.uid, tt.access, tt.ttl)
		}
		if f.Get("api_key") != testKey || f.Get("api_secret") != testSecret {
			t.Errorf("form %d lacks the credentials", tt.form)
		}
	}
}

func TestCloseCancelsMints(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	entered, release := h.up.hold()
	defer release()
	done := make(chan int, 1)
	go func() { done <- h.post().Code }()
	await(t, "the mint", entered)
	within(t, "Close", func() { _ = h.b.Close() })
	select {
	case code := <-done:
		if code != 503 {
			t.Errorf("status = %d, want 503", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("request outlived Close")
	}
	if !errors.Is(h.b.cache.ctx.Err(), context.Canceled) {
		t.Error("cache context not cancelled")
	}
}
