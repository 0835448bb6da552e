package api_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roomplanner/planner/web/api"
	"github.com/roomplanner/planner/web/service"
)

// Behind a reverse proxy on the same host (--trusted-proxy 127.0.0.1/32), the
// peer is loopback for every client: the proxy's X-Forwarded-Proto must
// decide, so a client that reached the proxy over plain HTTP gets no answer
// (and no token). The test server is real, on loopback.
func TestTLSRequiredBehindLoopbackProxy(t *testing.T) {
	t.Parallel()
	_, loopback, _ := net.ParseCIDR("127.0.0.1/32")
	svc, err := service.Open(context.Background(), service.Config{
		DB: filepath.Join(t.TempDir(), "planner.db"), Migrate: true,
		PublicURL:      "https://planner.example",
		TrustedProxies: []*net.IPNet{loopback},
		Clock:          func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) },
		Logger:         slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	srv := httptest.NewServer(api.CheckContract(t, svc.Handler()))
	t.Cleanup(srv.Close)

	tests := []struct {
		name   string
		proto  []string
		status int
	}{
		{"proxy says https", []string{"https"}, http.StatusOK},
		{"proxy says HTTPS after a client's own value", []string{"http, HTTPS"}, http.StatusOK},
		{"proxy says http", []string{"http"}, http.StatusForbidden},
		{"client forged https, proxy appended http", []string{"https, http"}, http.StatusForbidden},
		{"proxy sent nothing", nil, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/healthz", "/v1/tokens"} {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader("api_key=k&api_secret=s"))
				if path == "/healthz" {
					req.Method = http.MethodGet
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				for _, v := range tt.proto {
					req.Header.Add("X-Forwarded-Proto", v)
				}
				res, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				want := tt.status
				if path == "/v1/tokens" && want == http.StatusOK {
					want = http.StatusUnauthorized // past the TLS check: unknown key
				}
				if res.StatusCode != want {
					t.Errorf("%s: status = %d, want %d", path, res.StatusCode, want)
				}
			}
		})
	}
}
