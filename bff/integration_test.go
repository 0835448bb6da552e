package bff_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/bff"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/clocktest"
	"github.com/roomplanner/planner/web/service"
)

// realPlanner is the planner service in-process on loopback with a real
// SQLite file, counting POST /v1/tokens and able to fail on demand.
type realPlanner struct {
	srv    *httptest.Server
	key    string
	secret string
	mints  atomic.Int64
	down   atomic.Bool
}

func startPlanner(t *testing.T, clock func() time.Time) *realPlanner {
	t.Helper()
	ctx := context.Background()
	svc, err := service.Open(ctx, service.Config{DB: filepath.Join(t.TempDir(), "planner.db"), Migrate: true, PublicURL: "http://localhost", Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	p := &realPlanner{secret: web.NewSecret()}
	r := web.Retailer{ID: web.NewID("le_"), Name: "Shop", Plan: web.PlanFree, DistributionID: web.NewID("d_"), CreatedAt: clock()}
	cred := web.Credential{APIKey: web.NewID("pk_"), RetailerID: r.ID, Secret: []byte(p.secret), CreatedAt: clock()}
	if err := svc.Store.CreateRetailer(ctx, r, cred); err != nil {
		t.Fatal(err)
	}
	p.key = cred.APIKey
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/tokens" {
			if p.down.Load() {
				http.Error(w, `{"error":{"code":"internal","message":"planner is down `+p.secret[:6]+`"}}`, http.StatusServiceUnavailable)
				return
			}
			p.mints.Add(1)
		}
		svc.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// me asks the real planner API who a token speaks for.
func (p *realPlanner) me(t *testing.T, token string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", p.srv.URL+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != 200 {
		t.Fatalf("/v1/me: %d %v", res.StatusCode, out)
	}
	return out
}

// host mounts the BFF on echo as a host site would; X-User plays the host's session.
func host(t *testing.T, cfg bff.Config) (*echo.Echo, *bff.BFF) {
	t.Helper()
	cfg.UserFunc = func(r *http.Request) (string, bool) { u := r.Header.Get("X-User"); return u, u != "" }
	cfg.IPRate, cfg.SessionRate = -1, -1
	b, err := bff.New(cfg, bff.WithSleep(func(ctx context.Context, d time.Duration) error { return ctx.Err() }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	e := echo.New()
	b.Mount(e)
	return e, b
}

func ask(e *echo.Echo, user string) (int, http.Header, bff.TokenResponse, string) {
	req := httptest.NewRequest(http.MethodPost, bff.TokenPath, nil)
	req.Header.Set(bff.RequestHeader, "1")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if user != "" {
		req.Header.Set("X-User", user)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	var tr bff.TokenResponse
	_ = json.Unmarshal(rec.Body.Bytes(), &tr)
	return rec.Code, rec.Header(), tr, rec.Body.String()
}

func TestRealPlannerConcurrentAnonymousMintOnce(t *testing.T) {
	t.Parallel()
	p := startPlanner(t, time.Now)
	e, _ := host(t, bff.Config{APIURL: p.srv.URL, APIKey: p.key, APISecret: p.secret})
	var wg sync.WaitGroup
	tokens := make([]string, 200)
	for i := range tokens {
		wg.Go(func() {
			code, _, tr, body := ask(e, "")
			if code != 200 {
				t.Errorf("request %d: %d %s", i, code, body)
			}
			tokens[i] = tr.Token
		})
	}
	wg.Wait()
	if got := p.mints.Load(); got != 1 {
		t.Errorf("upstream mints = %d, want 1", got)
	}
	if me := p.me(t, tokens[0]); me["kind"] != web.KindLegalEntity {
		t.Errorf("the shared token is %v, want legal-entity", me["kind"])
	}
}

func TestRealPlannerUserIsolation(t *testing.T) {
	t.Parallel()
	p := startPlanner(t, time.Now)
	e, b := host(t, bff.Config{APIURL: p.srv.URL, APIKey: p.key, APISecret: p.secret})
	users := []string{"", "alice", "bob", "", "alice", "carol"}
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Go(func() {
			user := users[i%len(users)]
			if i%17 == 0 {
				b.Forget("alice")
			}
			code, _, tr, body := ask(e, user)
			if code != 200 {
				t.Errorf("%q: %d %s", user, code, body)
				return
			}
			me := p.me(t, tr.Token)
			uid, _ := me["uid"].(string)
			wantKind := web.KindUser
			if user == "" {
				wantKind = web.KindLegalEntity
			}
			if me["kind"] != wantKind || uid != user {
				t.Errorf("request as %q got a %v token for %q", user, me["kind"], uid)
			}
		})
	}
	wg.Wait()
}

func TestRealPlannerOutage(t *testing.T) {
	t.Parallel()
	c := clocktest.New(time.Now().Truncate(time.Second))
	p := startPlanner(t, c.Now)
	e, _ := host(t, bff.Config{APIURL: p.srv.URL, APIKey: p.key, APISecret: p.secret, TokenTTL: 10 * time.Minute, Clock: c.Now, BreakerCooldown: time.Minute})
	code, _, first, _ := ask(e, "")
	if code != 200 {
		t.Fatalf("first: %d", code)
	}
	p.down.Store(true)
	c.Advance(8 * time.Minute) // past refresh-ahead, still ≥ 60 s left
	if code, _, tr, _ := ask(e, ""); code != 200 || tr.Token != first.Token {
		t.Errorf("during the outage with a valid cached token: %d (same token %v), want 200 with it", code, tr.Token == first.Token)
	}
	c.Advance(90 * time.Second) // less than 60 s left: no longer served
	code, hdr, _, body := ask(e, "")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, web.EUpstreamUnavailable) || hdr.Get("Retry-After") == "" {
		t.Errorf("outage without a usable token: %d %s Retry-After %q, want 503 upstream_unavailable with Retry-After", code, body, hdr.Get("Retry-After"))
	}
	if strings.Contains(body, "planner is down") {
		t.Errorf("the upstream's body leaked through: %s", body)
	}
	p.down.Store(false)
	c.Advance(2 * time.Minute) // past the breaker's cool-down
	code, _, tr, _ := ask(e, "")
	if code != 200 || tr.Token == first.Token {
		t.Fatalf("after recovery: %d, new token %v", code, tr.Token != first.Token)
	}
	p.me(t, tr.Token)
}

func TestRealPlannerAcceptsPartnerSignedTokens(t *testing.T) {
	t.Parallel()
	p := startPlanner(t, time.Now)
	e, _ := host(t, bff.Config{APIKey: p.key, APISecret: p.secret, Mode: bff.ModePartnerSigned, TokenTTL: 5 * time.Minute})
	_, _, le, _ := ask(e, "")
	if me := p.me(t, le.Token); me["kind"] != web.KindLegalEntity {
		t.Errorf("partner legal-entity token: %v", me)
	}
	_, _, ut, _ := ask(e, "dana")
	req, _ := http.NewRequest("POST", p.srv.URL+"/v1/projects", strings.NewReader(`{"name":"Dana's room","room":{"width":400,"depth":300},"items":[]}`))
	req.Header.Set("Authorization", "Bearer "+ut.Token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Errorf("partner user token creating a project: %d, want 201", res.StatusCode)
	}
	if p.mints.Load() != 0 {
		t.Errorf("partner-signed mode called POST /v1/tokens %d times", p.mints.Load())
	}
}

func TestRealPlannerSecretNeverLeaks(t *testing.T) {
	t.Parallel()
	p := startPlanner(t, time.Now)
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(b []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return logs.Write(b) }), &slog.HandlerOptions{Level: slog.LevelDebug}))
	e, _ := host(t, bff.Config{APIURL: p.srv.URL, APIKey: p.key, APISecret: p.secret, Logger: logger})
	var seen []string
	for _, u := range []string{"", "alice", ""} {
		_, hdr, _, body := ask(e, u)
		seen = append(seen, body, headerString(hdr))
	}
	p.down.Store(true)
	_, hdr, _, body := ask(e, "bob")
	seen = append(seen, body, headerString(hdr))
	mu.Lock()
	seen = append(seen, logs.String())
	mu.Unlock()
	for _, s := range seen {
		if strings.Contains(s, p.secret) || strings.Contains(s, p.secret[3:]) {
			t.Fatalf("the API secret appears in %q", s)
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

func headerString(h http.Header) string {
	var b strings.Builder
	_ = h.Write(&b)
	return b.String()
}
