package bff

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web/clocktest"
)

func TestTokenResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		user      string
		wantKind  string
		wantScope string
	}{
		{"anonymous visitor", "", KindLegalEntity, "read"},
		{"signed-in user", "alice", KindUser, "read write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			h.clock.Set(clocktest.Epoch.Add(1500 * time.Millisecond)) // a clock between seconds
			var opts []reqOpt
			if tt.user != "" {
				opts = append(opts, asUser(tt.user))
			}
			rec := h.post(opts...)
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", rec.Code, rec.Body)
			}
			for k, want := range map[string]string{"Cache-Control": "no-store", "Content-Type": "application/json"} {
				if got := rec.Header().Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"token", "kind", "expiresAt", "expiresIn", "serverTime"} {
				if _, ok := body[f]; !ok {
					t.Errorf("answer lacks %q: %s", f, rec.Body)
				}
			}
			if len(body) != 5 {
				t.Errorf("answer has %d fields, want 5: %s", len(body), rec.Body)
			}
			var tr TokenResponse
			_ = json.Unmarshal(rec.Body.Bytes(), &tr)
			c := claimsOf(tr.Token)
			if tr.Kind != tt.wantKind || c.kind != tt.wantKind || c.uid != tt.user || c.scope != tt.wantScope {
				t.Errorf("got kind %q, token kind %q uid %q scope %q; want %q, %q %q %q", tr.Kind, c.kind, c.uid, c.scope, tt.wantKind, tt.wantKind, tt.user, tt.wantScope)
			}
			// 900 s stated, less a second of rounding, minted at 1.5 s: it
			// expires at 900.5 s on the BFF's clock.
			if tr.ExpiresIn != 899 || !tr.ServerTime.Equal(clocktest.Epoch.Add(time.Second)) || !tr.ExpiresAt.Equal(clocktest.Epoch.Add(900*time.Second)) {
				t.Errorf("expiresIn = %d, serverTime %s, expiresAt %s; want 899, +1 s, +900 s", tr.ExpiresIn, tr.ServerTime, tr.ExpiresAt)
			}
			h.clock.Set(clocktest.Epoch.Add(10*time.Second + 700*time.Millisecond))
			tr = h.mustToken(opts...)
			if tr.ExpiresIn != 889 || !tr.ServerTime.Equal(clocktest.Epoch.Add(10*time.Second)) || !tr.ExpiresAt.Equal(clocktest.Epoch.Add(899*time.Second)) {
				t.Errorf("at 10.7 s: expiresIn = %d, serverTime %s, expiresAt %s; want 889, +10 s, +899 s", tr.ExpiresIn, tr.ServerTime, tr.ExpiresAt)
			}
		})
	}
}

func TestRequestGuards(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		method   string
		opts     []reqOpt
		wantCode int
		wantErr  string
	}{
		{"same-origin fetch", "POST", nil, 200, ""},
		{"non-browser client (no Sec-Fetch-Site, no Origin)", "POST", []reqOpt{withoutHeader("Sec-Fetch-Site"), withoutHeader("Origin")}, 200, ""},
		{"cross-site fetch", "POST", []reqOpt{withHeader("Sec-Fetch-Site", "cross-site"), withHeader("Origin", "https://evil.example")}, 403, "forbidden"},
		{"same-site but another origin", "POST", []reqOpt{withHeader("Sec-Fetch-Site", "same-site"), withHeader("Origin", "https://shop.example.com")}, 403, "forbidden"},
		{"other Origin, no Sec-Fetch-Site", "POST", []reqOpt{withoutHeader("Sec-Fetch-Site"), withHeader("Origin", "https://evil.example")}, 403, "forbidden"},
		{"trusted origin", "POST", []reqOpt{withHeader("Sec-Fetch-Site", "cross-site"), withHeader("Origin", "https://www.shop.example")}, 200, ""},
		{"missing custom header", "POST", []reqOpt{withoutHeader(RequestHeader)}, 403, "forbidden"},
		{"wrong custom header value", "POST", []reqOpt{withHeader(RequestHeader, "0")}, 403, "forbidden"},
		{"cross-site without the custom header", "POST", []reqOpt{withoutHeader(RequestHeader), withHeader("Sec-Fetch-Site", "cross-site")}, 403, "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(c *Config) { c.TrustedOrigins = []string{"https://www.shop.example"} })
			rec := h.post(tt.opts...)
			if rec.Code != tt.wantCode {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.wantCode, rec.Body)
			}
			if tt.wantErr != "" {
				if got := errorCode(t, rec); got != tt.wantErr {
					t.Errorf("code = %q, want %q", got, tt.wantErr)
				}
				if got := h.up.calls.Load(); got != 0 {
					t.Errorf("upstream calls = %d, want 0", got)
				}
			}
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.e.GET(TokenPath, h.b.Handler()) // a host routing the handler too widely
	req := httptest.NewRequest(http.MethodGet, TokenPath, nil)
	req.Header.Set(RequestHeader, "1")
	rec := httptest.NewRecorder()
	h.e.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("status = %d, want 405", rec.Code)
	}
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  func(*Config)
		// first and second are the requests of two clients; first exhausts
		// its limit, second must be unaffected.
		first, second []reqOpt
		wantMsg       string
	}{
		{
			name:    "per IP",
			cfg:     func(c *Config) { c.IPRate, c.IPBurst = 1, 3 },
			first:   []reqOpt{fromIP("192.0.2.1")},
			second:  []reqOpt{fromIP("192.0.2.2")},
			wantMsg: "address",
		},
		{
			name:    "per signed-in user across IPs",
			cfg:     func(c *Config) { c.SessionRate, c.SessionBurst = 1, 3 },
			first:   []reqOpt{asUser("alice"), rotatingIP()},
			second:  []reqOpt{asUser("bob"), rotatingIP()},
			wantMsg: "session",
		},
		{
			name:    "per session cookie",
			cfg:     func(c *Config) { c.SessionRate, c.SessionBurst, c.SessionCookie = 1, 3, "hs_session" },
			first:   []reqOpt{withHeader("Cookie", "hs_session=abc"), rotatingIP()},
			second:  []reqOpt{withHeader("Cookie", "hs_session=def"), rotatingIP()},
			wantMsg: "session",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(c *Config) { c.IPRate, c.IPBurst = 1, 3; tt.cfg(c) })
			for i := range 3 {
				if rec := h.post(tt.first...); rec.Code != 200 {
					t.Fatalf("request %d within the burst: status = %d", i, rec.Code)
				}
			}
			rec := h.post(tt.first...)
			if rec.Code != http.StatusTooManyRequests {
				t.Fatalf("status = %d, want 429", rec.Code)
			}
			if got := errorCode(t, rec); got != "rate_limited" {
				t.Errorf("code = %q, want rate_limited", got)
			}
			if !strings.Contains(rec.Body.String(), tt.wantMsg) {
				t.Errorf("body %s does not name the %s limit", rec.Body, tt.wantMsg)
			}
			if got := rec.Header().Get("Retry-After"); got != "1" {
				t.Errorf("Retry-After = %q, want 1", got)
			}
			if rec := h.post(tt.second...); rec.Code != 200 {
				t.Errorf("another client: status = %d, want 200", rec.Code)
			}
			h.clock.Advance(time.Second)
			if rec := h.post(tt.first...); rec.Code != 200 {
				t.Errorf("a second later: status = %d, want 200", rec.Code)
			}
		})
	}
}

// TestIPLimitKey: the per-IP bucket is the direct peer's when the host set
// no IPExtractor (so X-Forwarded-For cannot pick a fresh bucket), and the
// extractor's answer when it set one.
func TestIPLimitKey(t *testing.T) {
	t.Parallel()
	_, proxies, _ := net.ParseCIDR("192.0.2.0/24")
	tests := []struct {
		name      string
		extractor echo.IPExtractor
		// wantShared: requests from one peer with varying X-Forwarded-For
		// share one bucket.
		wantShared bool
	}{
		{"no extractor: the direct peer", nil, true},
		{"ExtractIPDirect", echo.ExtractIPDirect(), true},
		{"trusted proxy: the forwarded client", echo.ExtractIPFromXFFHeader(echo.TrustIPRange(proxies)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(c *Config) { c.IPRate, c.IPBurst = 1, 3 })
			h.e.IPExtractor = tt.extractor
			codes := make([]int, 6)
			for i := range codes {
				codes[i] = h.post(fromIP("192.0.2.7"), withHeader("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i+1))).Code
			}
			want := []int{200, 200, 200, 429, 429, 429}
			if !tt.wantShared {
				want = []int{200, 200, 200, 200, 200, 200}
			}
			if !slices.Equal(codes, want) {
				t.Errorf("statuses = %v, want %v", codes, want)
			}
			// Another peer always has its own bucket.
			if rec := h.post(fromIP("198.51.100.1"), withHeader("X-Forwarded-For", "203.0.113.1")); tt.wantShared && rec.Code != 200 {
				t.Errorf("another peer: status = %d, want 200", rec.Code)
			}
		})
	}
}

var ipSeq atomic.Uint32

// rotatingIP gives each request its own address.
func rotatingIP() reqOpt {
	return func(r *http.Request) {
		n := ipSeq.Add(1)
		r.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:1234", n>>16&255, n>>8&255, n&255)
	}
}

func TestDefaultLimitsAreGenerous(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.IPRate, c.SessionRate = 0, 0 }) // defaults
	// A page load or two per second with a few tabs stays well inside.
	for i := range 20 {
		if rec := h.post(asUser("alice"), fromIP("192.0.2.9")); rec.Code != 200 {
			t.Fatalf("request %d: status = %d", i, rec.Code)
		}
	}
}

func TestInvalidUserID(t *testing.T) {
	t.Parallel()
	for _, uid := range []string{strings.Repeat("x", 129), " padded", "tab\there"} {
		h := newHarness(t, nil)
		rec := h.post(asUser(uid))
		if rec.Code != http.StatusInternalServerError {
			t.Errorf("uid %q: status = %d, want 500", uid, rec.Code)
		}
		if got := h.up.calls.Load(); got != 0 {
			t.Errorf("uid %q: upstream calls = %d, want 0", uid, got)
		}
	}
}

// TestSecretNeverLeaks drives every path (success, retries, outage, breaker,
// 429, bad credentials, refusals) with an upstream that echoes the secret in
// its error bodies, and checks no answer and no log line carries the secret,
// and no log line carries a token.
func TestSecretNeverLeaks(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.IPRate, c.IPBurst = 100, 100 })
	var answers []*httptest.ResponseRecorder
	post := func(opts ...reqOpt) {
		answers = append(answers, h.post(opts...))
	}
	post()
	post(asUser("alice"))
	h.up.setFail(failFirst(h.up.calls.Load()+1, &failure{status: 502, body: testSecret}))
	post(asUser("bob"))
	h.up.setFail(func(int64) *failure {
		return &failure{status: 401, body: `{"error":{"code":"invalid_client","message":"secret ` + testSecret + ` is wrong"}}`}
	})
	post(asUser("carol"))
	h.up.setFail(func(int64) *failure {
		return &failure{status: 429, header: map[string]string{"Retry-After": "100", "X-Echo": testSecret}, body: testSecret}
	})
	post(asUser("dave"))
	h.clock.Advance(101 * time.Second)
	h.up.down()
	for i := range 8 {
		post(asUser(fmt.Sprintf("eve%d", i)))
	}
	h.clock.Advance(700 * time.Second)
	post() // past the refresh point: background refresh fails
	h.settle()
	h.clock.Advance(150 * time.Second)
	post() // too little left: 503
	post(withHeader("Sec-Fetch-Site", "cross-site"))
	post(withoutHeader(RequestHeader))
	h.up.setFail(func(int64) *failure { return &failure{hangup: true} })
	h.clock.Advance(time.Hour)
	post(asUser("frank"))
	h.up.up()
	post(asUser("grace"))

	var tokens []string
	for i, rec := range answers {
		for k, vs := range rec.Header() {
			for _, v := range vs {
				if strings.Contains(v, testSecret) {
					t.Errorf("answer %d: header %s carries the secret", i, k)
				}
			}
		}
		if strings.Contains(rec.Body.String(), testSecret) {
			t.Errorf("answer %d (status %d): body carries the secret: %s", i, rec.Code, rec.Body)
		}
		var tr TokenResponse
		if rec.Code == 200 && json.Unmarshal(rec.Body.Bytes(), &tr) == nil {
			tokens = append(tokens, tr.Token)
		}
	}
	logs := h.logs.String()
	if strings.Contains(logs, testSecret) {
		t.Errorf("logs carry the secret:\n%s", logs)
	}
	if len(tokens) < 3 {
		t.Fatalf("only %d tokens served; the scenario is broken", len(tokens))
	}
	for _, tok := range tokens {
		sig := tok[strings.LastIndex(tok, ".")+1:]
		if strings.Contains(logs, sig) {
			t.Errorf("logs carry a token")
		}
	}
	if !strings.Contains(logs, "jti=jti-1") {
		t.Errorf("logs do not name minted tokens by jti:\n%s", logs)
	}
	// The scenario did reach the failure paths.
	for _, want := range []string{"status=502", "status=401", "status=429", "status=500", "circuit breaker open"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q: the scenario missed a path", want)
		}
	}
}
