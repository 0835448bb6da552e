package bff

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web/clocktest"
)

const (
	testKey    = "pk_test_retailer"
	testSecret = "sk_test_Zq8wPSECRETm3Yx"
	testUser   = "X-Test-User" // the fake host session: which user is signed in
)

// failure is what the fake upstream answers instead of a token.
type failure struct {
	status int
	header map[string]string
	body   string
	hangup bool // close the connection without answering
}

// upstream imitates the planner API's POST /v1/tokens per the contract.
type upstream struct {
	t     testing.TB
	srv   *httptest.Server
	clock *clocktest.Clock
	calls atomic.Int64
	seq   atomic.Int64

	mu      sync.Mutex
	fail    func(n int64) *failure // nil or returning nil: answer a token
	gate    chan struct{}          // when set, calls wait for it to close
	entered chan struct{}          // when set, each call sends on it on arrival
	forms   []url.Values
}

func newUpstream(t testing.TB, clock *clocktest.Clock) *upstream {
	u := &upstream{t: t, clock: clock}
	u.srv = httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(u.srv.Close)
	return u
}

// setFail makes the upstream answer f(call number) (nil: a token).
func (u *upstream) setFail(f func(n int64) *failure) {
	u.mu.Lock()
	u.fail = f
	u.mu.Unlock()
}

// down makes every call fail with a 500 whose body would leak the secret if
// it were passed on.
func (u *upstream) down() {
	u.setFail(func(int64) *failure {
		return &failure{status: 500, body: `{"error":{"code":"internal","message":"boom ` + testSecret + `"}}`}
	})
}

func (u *upstream) up() { u.setFail(nil) }

// hold makes calls wait until the returned release is called; entered
// receives one value per call that arrives.
func (u *upstream) hold() (entered <-chan struct{}, release func()) {
	gate, ent := make(chan struct{}), make(chan struct{}, 100)
	u.mu.Lock()
	u.gate, u.entered = gate, ent
	u.mu.Unlock()
	var once sync.Once
	return ent, func() {
		once.Do(func() {
			u.mu.Lock()
			u.gate, u.entered = nil, nil
			u.mu.Unlock()
			close(gate)
		})
	}
}

func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	n := u.calls.Add(1)
	u.mu.Lock()
	fail, gate, entered := u.fail, u.gate, u.entered
	u.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
	}
	if gate != nil {
		<-gate
	}
	writeErr := func(status int, code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"code":%q,"message":"fake"}}`, code)
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/tokens" {
		writeErr(404, "not_found")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		writeErr(400, "validation_failed")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeErr(400, "validation_failed")
		return
	}
	u.mu.Lock()
	u.forms = append(u.forms, r.PostForm)
	u.mu.Unlock()
	if f := (func() *failure {
		if fail == nil {
			return nil
		}
		return fail(n)
	})(); f != nil {
		if f.hangup {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		for k, v := range f.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(f.status)
		fmt.Fprint(w, f.body)
		return
	}
	if r.PostForm.Get("api_key") != testKey || r.PostForm.Get("api_secret") != testSecret {
		writeErr(401, "invalid_client")
		return
	}
	kind, uid, access := r.PostForm.Get("kind"), r.PostForm.Get("user_id"), r.PostForm.Get("access")
	if kind == "" {
		kind = KindLegalEntity
	}
	switch {
	case kind != KindLegalEntity && kind != KindUser,
		kind == KindUser && uid == "",
		kind == KindLegalEntity && (uid != "" || access == "write"),
		access != "" && access != "read" && access != "write":
		writeErr(400, "validation_failed")
		return
	}
	ttl := 900
	if v := r.PostForm.Get("ttl"); v != "" {
		var err error
		if ttl, err = strconv.Atoi(v); err != nil || ttl < 10 || ttl > 3600 {
			writeErr(400, "validation_failed")
			return
		}
	}
	scope := "read"
	if access == "write" {
		scope = "read write"
	}
	now := u.clock.Now()
	exp := now.Add(time.Duration(ttl) * time.Second)
	claims := jwt.MapClaims{
		"iss": "http://planner.test", "aud": "planner-api", "kind": kind, "le": "r_1",
		"scope": scope, "iat": now.Unix(), "exp": exp.Unix(), "jti": fmt.Sprintf("jti-%d", u.seq.Add(1)),
	}
	if kind == KindUser {
		claims["uid"], claims["sub"] = uid, uid
	} else {
		claims["sub"] = "r_1"
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["typ"] = map[string]string{KindLegalEntity: "le+jwt", KindUser: "user+jwt"}[kind]
	raw, err := tok.SignedString([]byte("upstream-signing-key"))
	if err != nil {
		writeErr(500, "internal")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"token": raw, "kind": kind, "expiresAt": exp.UTC(), "expiresIn": ttl, "serverTime": now.UTC(),
	})
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// sleeper records the waits asked of it and returns at once.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) recorded() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// harness is a BFF wired to a fake upstream, a fake clock and a log buffer.
type harness struct {
	t     *testing.T
	b     *BFF
	e     *echo.Echo
	clock *clocktest.Clock
	up    *upstream
	sleep *sleeper
	logs  *syncBuffer
}

// newHarness builds a BFF in remote mode against a fake upstream; edit
// adjusts the config (rate limits are off unless edit turns them on).
func newHarness(t *testing.T, edit func(*Config), opts ...Option) *harness {
	t.Helper()
	h := &harness{t: t, clock: clocktest.New(time.Time{}), sleep: &sleeper{}, logs: &syncBuffer{}}
	h.up = newUpstream(t, h.clock)
	cfg := Config{
		APIURL: h.up.srv.URL, APIKey: testKey, APISecret: testSecret,
		Clock:      h.clock.Now,
		HTTPClient: h.up.srv.Client(),
		Logger:     slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		UserFunc: func(r *http.Request) (string, bool) {
			uid := r.Header.Get(testUser)
			return uid, uid != ""
		},
		IPRate: -1, SessionRate: -1,
	}
	if edit != nil {
		edit(&cfg)
	}
	opts = append([]Option{WithSleep(h.sleep.sleep), WithRandom(func() float64 { return 0.5 }), WithAfterFunc(h.clock.AfterFunc)}, opts...)
	b, err := New(cfg, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	h.b = b
	h.e = echo.New()
	h.e.IPExtractor = echo.ExtractIPDirect()
	b.Mount(h.e)
	return h
}

// reqOpt adjusts a token request.
type reqOpt func(*http.Request)

func asUser(uid string) reqOpt { return func(r *http.Request) { r.Header.Set(testUser, uid) } }

func withHeader(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

func withoutHeader(k string) reqOpt { return func(r *http.Request) { r.Header.Del(k) } }

func fromIP(ip string) reqOpt { return func(r *http.Request) { r.RemoteAddr = ip + ":40000" } }

// post sends POST /bff/token as the host's own page would.
func (h *harness) post(opts ...reqOpt) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, TokenPath, nil)
	req.Header.Set(RequestHeader, "1")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", "http://example.com")
	for _, o := range opts {
		o(req)
	}
	rec := httptest.NewRecorder()
	h.e.ServeHTTP(rec, req)
	return rec
}

// mustToken posts and decodes a 200 answer.
func (h *harness) mustToken(opts ...reqOpt) TokenResponse {
	h.t.Helper()
	rec := h.post(opts...)
	if rec.Code != http.StatusOK {
		h.t.Fatalf("status = %d, want 200; body %s", rec.Code, rec.Body)
	}
	var tr TokenResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &tr); err != nil {
		h.t.Fatalf("decode answer: %v", err)
	}
	return tr
}

// settle waits for background refreshes to finish.
func (h *harness) settle() { h.b.cache.bg.Wait() }

// payload decodes a JWT's claims without verifying them (written here, not
// borrowed from the package, so the tests check the package independently).
func payload(t *testing.T, raw string) map[string]any {
	t.Helper()
	m, err := decodePayload(raw)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	return m
}

func decodePayload(raw string) (map[string]any, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%d parts, want 3", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	return m, nil
}

// errorCode decodes the code of an error answer.
func errorCode(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body %q: %v", rec.Body, err)
	}
	return body.Error.Code
}

// within fails the test if f does not return within a generous real-time
// bound: it guards tests whose failure mode is blocking.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s blocked", what)
	}
}

// await receives from ch or fails the test.
func await(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}
