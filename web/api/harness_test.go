package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/api"
	"github.com/roomplanner/planner/web/clocktest"
	"github.com/roomplanner/planner/web/service"
)

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// retailer is a test retailer with its plaintext credentials.
type retailer struct {
	web.Retailer
	key, secret string
}

// harness is a real planner service on 127.0.0.1 with a real SQLite file.
type harness struct {
	t       *testing.T
	svc     *service.Service
	handler http.Handler // svc's, checked against openapi.json (api.CheckContract)
	srv     *httptest.Server
	clock   *clocktest.Clock
	logs    *syncBuffer
	a, b    retailer
	mu      sync.Mutex
	bodies  []string // every response header and body seen, for the secret scan
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, clock: clocktest.New(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)), logs: &syncBuffer{}}
	svc, err := service.Open(context.Background(), service.Config{
		DB: filepath.Join(t.TempDir(), "planner.db"), Migrate: true,
		PublicURL: "http://localhost:8090",
		Clock:     h.clock.Now,
		Logger:    slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatalf("open service: %v", err)
	}
	t.Cleanup(func() { svc.Close() })
	h.svc = svc
	h.handler = api.CheckContract(t, svc.Handler())
	h.srv = httptest.NewServer(h.handler)
	t.Cleanup(h.srv.Close)
	h.a = h.addRetailer("Alpha Home", "http://127.0.0.1:8080", "sofa-a", "table-a")
	h.b = h.addRetailer("Beta Living", "https://beta.example", "sofa-b")
	return h
}

func (h *harness) addRetailer(name, origin string, products ...string) retailer {
	h.t.Helper()
	ctx := context.Background()
	r := web.Retailer{ID: web.NewID("le_"), Name: name, Plan: web.PlanFree, Origins: []string{origin}, DistributionID: web.NewID("d_"), CreatedAt: h.clock.Now()}
	secret := web.NewSecret()
	cred := web.Credential{APIKey: web.NewID("pk_"), RetailerID: r.ID, Secret: []byte(secret), CreatedAt: h.clock.Now()}
	if err := h.svc.Store.CreateRetailer(ctx, r, cred); err != nil {
		h.t.Fatalf("create retailer: %v", err)
	}
	var ps []web.Product
	for _, id := range products {
		ps = append(ps, web.Product{ID: id, RetailerID: r.ID, Name: name + " " + id, Category: "living", Width: 200, Depth: 90, Height: 80, Price: 49900, Currency: "EUR", Color: "#445566"})
	}
	if err := h.svc.Store.ImportCatalog(ctx, r.ID, []web.Category{{ID: "living", Name: "Living"}}, ps, false); err != nil {
		h.t.Fatalf("import catalog: %v", err)
	}
	return retailer{Retailer: r, key: cred.APIKey, secret: secret}
}

// response is a decoded API answer.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// errCode returns error.code of an error body.
func (r response) errCode() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (r response) errField() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["field"].(string)
	return s
}

func (h *harness) do(req *http.Request) response {
	h.t.Helper()
	res, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var hdr strings.Builder
	_ = res.Header.Write(&hdr)
	h.mu.Lock()
	h.bodies = append(h.bodies, hdr.String(), string(raw))
	h.mu.Unlock()
	out := response{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			h.t.Fatalf("%s %s: body is not a JSON object: %v: %s", req.Method, req.URL.Path, err, raw)
		}
	}
	return out
}

// mint calls POST /v1/tokens with form credentials.
func (h *harness) mint(r retailer, form url.Values) response {
	h.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("api_key", r.key)
	form.Set("api_secret", r.secret)
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/v1/tokens", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.do(req)
}

// token mints and returns a token, failing the test on error.
func (h *harness) token(r retailer, kind, uid, access string) string {
	h.t.Helper()
	form := url.Values{"kind": {kind}}
	if uid != "" {
		form.Set("user_id", uid)
	}
	if access != "" {
		form.Set("access", access)
	}
	res := h.mint(r, form)
	if res.status != http.StatusOK {
		h.t.Fatalf("mint %s token: status %d: %s", kind, res.status, res.raw)
	}
	return res.body["token"].(string)
}

// api calls the Bearer API.
func (h *harness) api(method, path, tok string, body any, headers ...string) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, h.srv.URL+path, rd)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return h.do(req)
}

// doc is a valid project document for retailer a.
func doc(name string, productIDs ...string) map[string]any {
	items := []map[string]any{}
	for i, p := range productIDs {
		items = append(items, map[string]any{"id": "i" + string(rune('a'+i)), "productId": p, "x": 100 + 10*i, "y": 80, "rotation": 0})
	}
	return map[string]any{"name": name, "room": map[string]any{"width": 400, "depth": 300}, "items": items}
}
