package bff

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomplanner/planner/web/clocktest"
)

func TestConcurrentAnonymousRequestsMintOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	entered, release := h.up.hold()
	const n = 200
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		codes = make([]int, n)
		toks  = make([]string, n)
	)
	for i := range n {
		wg.Go(func() {
			<-start
			rec := h.post()
			codes[i] = rec.Code
			var tr TokenResponse
			_ = json.Unmarshal(rec.Body.Bytes(), &tr)
			toks[i] = tr.Token
		})
	}
	close(start)
	// The first caller's mint is now held at the upstream; the others pile up
	// behind it or behind the cache.
	await(t, "the first upstream call", entered)
	release()
	wg.Wait()

	if got := h.up.calls.Load(); got != 1 {
		t.Errorf("upstream calls = %d, want 1", got)
	}
	for i := range n {
		if codes[i] != http.StatusOK {
			t.Fatalf("request %d: status = %d, want 200", i, codes[i])
		}
		if toks[i] != toks[0] {
			t.Fatalf("request %d got another token than request 0", i)
		}
	}
	m := h.b.metrics
	if got := m.served[0].Load(); got != n {
		t.Errorf("served = %d, want %d", got, n)
	}
	if got := m.cacheHits[0].Load() + m.coalesced.Load() + m.upstreamMints[0].Load(); got != n {
		t.Errorf("cache hits + coalesced + mints = %d, want %d", got, n)
	}
}

// TestIsolation interleaves anonymous visitors, two users (one with the id
// of a kind), refreshes and Forget calls, and checks every answer speaks for
// exactly its requester.
func TestIsolation(t *testing.T) {
	t.Parallel()
	// 60 s tokens (59 s counted) are handed out for 44.25 s and refreshed
	// from 39 s on; the clock moves 42 s in all, so refreshes happen and no
	// mint, however slow in fake time, outlives its token's servable life.
	h := newHarness(t, func(c *Config) { c.TokenTTL = 60 * time.Second })
	// The legal-entity token is minted at 0 s, so its refresh point (39 s)
	// falls within the walk whichever goroutine happens to ask first.
	h.mustToken()
	identities := []string{"", "alice", "bob", "legal-entity", "Alice"}
	const perIdentity, minRounds = 40, 8
	var (
		wg        sync.WaitGroup
		clockDone atomic.Bool
		mu        sync.Mutex
		problems  []string
		answers   atomic.Int64
	)
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	for _, id := range identities {
		for range perIdentity {
			wg.Go(func() {
				// Keep asking while the clock moves, and a few times after.
				for r := 0; r < minRounds || !clockDone.Load(); r++ {
					var opts []reqOpt
					if id != "" {
						opts = append(opts, asUser(id))
					}
					rec := h.post(opts...)
					answers.Add(1)
					if rec.Code != http.StatusOK {
						report("%q: status %d", id, rec.Code)
						continue
					}
					var tr TokenResponse
					if err := json.Unmarshal(rec.Body.Bytes(), &tr); err != nil {
						report("%q: %v", id, err)
						continue
					}
					c := claimsOf(tr.Token)
					wantKind, wantUID := KindUser, id
					if id == "" {
						wantKind = KindLegalEntity
					}
					if tr.Kind != wantKind || c.kind != wantKind || c.uid != wantUID {
						report("%q got answer kind %q, token kind %q uid %q", id, tr.Kind, c.kind, c.uid)
					}
					if wantKind == KindLegalEntity && c.scope != "read" || wantKind == KindUser && c.scope != "read write" {
						report("%q got scope %q", id, c.scope)
					}
				}
			})
		}
	}
	// Meanwhile: time passes (refreshes start) and users sign out.
	// The clock steps once per few answers, so requests spread over the
	// whole 42 s; a last anonymous request past the refresh point makes sure
	// a refresh interleaves with the final requests.
	wg.Go(func() {
		defer clockDone.Store(true)
		for i := range 168 {
			for answers.Load() < int64(i*5) {
				runtime.Gosched()
			}
			h.clock.Advance(250 * time.Millisecond)
			if i%8 == 0 {
				h.b.Forget(identities[1+i/8%(len(identities)-1)])
			}
		}
		h.post()
	})
	wg.Wait()
	h.settle()
	for _, p := range problems {
		t.Error(p)
	}
	if h.b.metrics.refreshes.Load() == 0 {
		t.Error("no background refresh happened: the test did not interleave refreshes")
	}
	t.Logf("%d answers, %d upstream calls, %d refreshes", answers.Load(), h.up.calls.Load(), h.b.metrics.refreshes.Load())
}

// tokenClaims are the claims the tests check.
type tokenClaims struct{ kind, uid, scope, jti string }

func claimsOf(raw string) tokenClaims {
	m, err := decodePayload(raw)
	if err != nil {
		return tokenClaims{kind: "undecodable: " + err.Error()}
	}
	s := func(k string) string { v, _ := m[k].(string); return v }
	return tokenClaims{kind: s("kind"), uid: s("uid"), scope: s("scope"), jti: s("jti")}
}

func TestRefreshTiming(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		life        time.Duration
		random      float64
		wantMin     time.Duration
		wantRefresh time.Duration
	}{
		{"15m middle", 900 * time.Second, 0.5, 60 * time.Second, 675 * time.Second},
		{"15m early edge", 900 * time.Second, 0, 60 * time.Second, 630 * time.Second},
		{"15m late edge", 900 * time.Second, 1, 60 * time.Second, 720 * time.Second},
		{"5m pulled in", 300 * time.Second, 0.5, 60 * time.Second, secs(300 * 0.75 * 0.8 / 0.85)},
		{"30s middle", 30 * time.Second, 0.5, 7500 * time.Millisecond, secs(30 * 0.75 * 0.75 / 0.85)},
		{"30s late edge", 30 * time.Second, 1, 7500 * time.Millisecond, secs(30 * 0.80 * 0.75 / 0.85)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := minRemaining(tt.life)
			if m != tt.wantMin {
				t.Errorf("minRemaining(%s) = %s, want %s", tt.life, m, tt.wantMin)
			}
			got := refreshAfter(tt.life, m, tt.random)
			if d := got - tt.wantRefresh; d < -time.Millisecond || d > time.Millisecond {
				t.Errorf("refreshAfter(%s, %s, %v) = %s, want %s", tt.life, m, tt.random, got, tt.wantRefresh)
			}
			if got >= tt.life-m {
				t.Errorf("refresh at %s, not before the token stops being handed out at %s", got, tt.life-m)
			}
		})
	}
}

// secs converts fractional seconds to a Duration.
func secs(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

func TestRefreshAhead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		ttl    time.Duration
		random float64
	}{
		{"15m", 15 * time.Minute, 0.5},
		{"15m early jitter", 15 * time.Minute, 0},
		{"15m late jitter", 15 * time.Minute, 0.999},
		{"30s", 30 * time.Second, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(c *Config) { c.TokenTTL = tt.ttl }, WithRandom(func() float64 { return tt.random }))
			first := h.mustToken()
			// The BFF counts the life as the stated one less a second of rounding.
			life := tt.ttl - time.Second
			at := refreshAfter(life, minRemaining(life), tt.random)
			frac := float64(at) / float64(life)
			if lo, hi := 0.70*math.Min(1, float64(life-minRemaining(life))/float64(life)/0.85), 0.80; frac < lo-1e-9 || frac > hi {
				t.Fatalf("refresh at %.3f of the life, want within [%.3f, %.3f]", frac, lo, hi)
			}

			h.clock.Set(clocktest.Epoch.Add(at - 100*time.Millisecond))
			if got := h.mustToken(); got.Token != first.Token {
				t.Fatal("token changed before the refresh point")
			}
			h.settle()
			if got := h.up.calls.Load(); got != 1 {
				t.Fatalf("upstream calls before the refresh point = %d, want 1", got)
			}

			// Past the refresh point the request is served the old token at
			// once while the refresh waits at the upstream.
			entered, release := h.up.hold()
			defer release()
			h.clock.Set(clocktest.Epoch.Add(at + 100*time.Millisecond))
			var during []TokenResponse
			within(t, "serving during a refresh", func() {
				for range 3 {
					rec := h.post()
					var tr TokenResponse
					_ = json.Unmarshal(rec.Body.Bytes(), &tr)
					during = append(during, tr)
				}
			})
			for i, tr := range during {
				if tr.Token != first.Token {
					t.Errorf("request %d during the refresh got a new token, want the cached one", i)
				}
			}
			await(t, "the background refresh call", entered)
			release()
			h.settle()
			if got := h.up.calls.Load(); got != 2 {
				t.Errorf("upstream calls = %d, want 2 (one refresh for several requests)", got)
			}
			if got := h.mustToken(); got.Token == first.Token {
				t.Error("token after the refresh is the old one")
			}
			if got := h.b.metrics.refreshes.Load(); got != 1 {
				t.Errorf("background refreshes = %d, want 1", got)
			}
		})
	}
}

// TestRefreshAheadWithoutRequests: the legal-entity token is refreshed at
// its refresh point by a timer, with no request arriving; a failed timed
// refresh is tried again, and Close stops the timer.
func TestRefreshAheadWithoutRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil) // 15 min tokens, 899 s counted, random 0.5
	life := 15*time.Minute - time.Second
	at := refreshAfter(life, minRemaining(life), 0.5)
	first := h.mustToken()
	h.mustToken(asUser("alice"))
	if got := h.clock.Pending(); got != 1 {
		t.Fatalf("armed timers = %d, want 1 (the legal-entity token's; user tokens refresh on request)", got)
	}

	h.clock.Set(clocktest.Epoch.Add(at - time.Millisecond))
	h.settle()
	if got := h.up.calls.Load(); got != 2 {
		t.Fatalf("upstream calls before the refresh point = %d, want 2", got)
	}
	h.clock.Set(clocktest.Epoch.Add(at)) // no request: only the timer can start the refresh
	h.settle()
	if got := h.up.calls.Load(); got != 3 {
		t.Fatalf("upstream calls at the refresh point = %d, want 3 (a timed refresh)", got)
	}
	if got := h.b.metrics.refreshes.Load(); got != 1 {
		t.Errorf("background refreshes = %d, want 1", got)
	}
	second := h.mustToken()
	if second.Token == first.Token {
		t.Fatal("after the timed refresh the old token is served")
	}
	if got := h.up.calls.Load(); got != 3 {
		t.Errorf("upstream calls after serving the refreshed token = %d, want 3 (from the cache)", got)
	}

	// The next refresh fails (3 attempts); the timer tries again 5 s later.
	h.up.down()
	h.clock.Set(clocktest.Epoch.Add(2 * at))
	h.settle()
	if got := h.up.calls.Load(); got != 6 {
		t.Fatalf("upstream calls after a failed timed refresh = %d, want 6", got)
	}
	h.up.up()
	h.clock.Advance(refreshRetryDelay)
	h.settle()
	if got := h.up.calls.Load(); got != 7 {
		t.Fatalf("upstream calls after the retry = %d, want 7", got)
	}
	third := h.mustToken()
	if third.Token == second.Token {
		t.Error("after the retried refresh the old token is served")
	}

	if err := h.b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := h.clock.Pending(); got != 0 {
		t.Errorf("armed timers after Close = %d, want 0", got)
	}
	h.clock.Advance(time.Hour)
	h.settle()
	if got := h.up.calls.Load(); got != 7 {
		t.Errorf("upstream calls after Close = %d, want 7", got)
	}
}

// TestNeverBelowMinRemaining walks the clock through several lifetimes and
// checks no answer carries a token with less than min(60 s, TTL/4) left by
// its own exp claim, with the upstream healthy and then down.
func TestNeverBelowMinRemaining(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ttl  time.Duration
		step time.Duration
		down bool
	}{
		{"30s", 30 * time.Second, 700 * time.Millisecond, false},
		{"15m", 15 * time.Minute, 7 * time.Second, false},
		{"30s outage", 30 * time.Second, 700 * time.Millisecond, true},
		{"15m outage", 15 * time.Minute, 7 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(c *Config) { c.TokenTTL = tt.ttl })
			floor := min(60*time.Second, tt.ttl/4)
			h.mustToken()
			if tt.down {
				h.up.down()
			}
			served, refused := 0, 0
			for i := 0; time.Duration(i)*tt.step < 4*tt.ttl; i++ {
				h.clock.Advance(tt.step)
				rec := h.post()
				h.settle()
				if rec.Code != http.StatusOK {
					refused++
					if !tt.down {
						t.Fatalf("at %s: status %d with the upstream up", h.clock.Now().Sub(clocktest.Epoch), rec.Code)
					}
					continue
				}
				served++
				var tr TokenResponse
				_ = json.Unmarshal(rec.Body.Bytes(), &tr)
				exp := time.Unix(int64(payload(t, tr.Token)["exp"].(float64)), 0)
				if left := exp.Sub(h.clock.Now()); left < floor {
					t.Fatalf("at %s: served a token with %s left, want at least %s", h.clock.Now().Sub(clocktest.Epoch), left, floor)
				}
				if tr.ExpiresAt.After(exp) {
					t.Errorf("answer expiresAt %s is after the token's exp %s", tr.ExpiresAt, exp)
				}
			}
			if tt.down && (served == 0 || refused == 0) {
				t.Errorf("outage: served %d, refused %d; want both (cached token first, then 503)", served, refused)
			}
		})
	}
}

func TestForget(t *testing.T) {
	t.Parallel()
	t.Run("drops the cached token", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, nil)
		a1 := h.mustToken(asUser("alice"))
		b1 := h.mustToken(asUser("bob"))
		le1 := h.mustToken()
		if got := h.mustToken(asUser("alice")); got.Token != a1.Token {
			t.Fatal("second request for alice was not served from the cache")
		}
		h.b.Forget("alice")
		a2 := h.mustToken(asUser("alice"))
		if a2.Token == a1.Token {
			t.Error("after Forget alice got her old token")
		}
		if got := h.mustToken(asUser("bob")); got.Token != b1.Token {
			t.Error("Forget(alice) dropped bob's token")
		}
		if got := h.mustToken(); got.Token != le1.Token {
			t.Error("Forget(alice) dropped the legal-entity token")
		}
		if got := h.up.calls.Load(); got != 4 {
			t.Errorf("upstream calls = %d, want 4", got)
		}
	})
	t.Run("a mint under way is not cached", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, nil)
		entered, release := h.up.hold()
		done := make(chan TokenResponse, 1)
		go func() {
			rec := h.post(asUser("alice"))
			var tr TokenResponse
			_ = json.Unmarshal(rec.Body.Bytes(), &tr)
			done <- tr
		}()
		await(t, "alice's mint", entered)
		h.b.Forget("alice") // signs out while her token is being minted
		release()
		var inflight TokenResponse
		select {
		case inflight = <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("request blocked")
		}
		if inflight.Token == "" {
			t.Fatal("the request made before Forget got no token")
		}
		next := h.mustToken(asUser("alice"))
		if next.Token == inflight.Token {
			t.Error("the token minted across Forget was cached and handed out again")
		}
		if got := h.up.calls.Load(); got != 2 {
			t.Errorf("upstream calls = %d, want 2", got)
		}
	})
}

func TestUserCacheBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.MaxUsers = 10 })
	le := h.mustToken()
	for i := range 50 {
		h.mustToken(asUser(fmt.Sprintf("user-%d", i)))
	}
	h.b.cache.mu.Lock()
	users, entries := h.b.cache.users, len(h.b.cache.entries)
	h.b.cache.mu.Unlock()
	if users > 10 || entries != users+1 {
		t.Errorf("users = %d, entries = %d; want at most 10 users plus the legal-entity token", users, entries)
	}
	if got := h.mustToken(); got.Token != le.Token {
		t.Error("user evictions dropped the legal-entity token")
	}
}
