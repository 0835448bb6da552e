package api

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type fakeJWKS struct{ jwks func() []byte }

func (f fakeJWKS) JWKS() []byte { return f.jwks() }

// TestAccessLogLevels checks which requests are logged at which level.
func TestAccessLogLevels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path string
		n          int    // requests made
		want       string // level of the last line, or "" for none at INFO
		wantInfo   int    // INFO (or above) lines
	}{
		{"health check", "/healthz", 1, "DEBUG", 0},
		{"not found is logged", "/nope", 1, "INFO", 1},
		{"success", "/.well-known/jwks.json", 1, "INFO", 1},
		{"successes sampled under load", "/.well-known/jwks.json", accessLogBurst + 50, "DEBUG", accessLogBurst},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			srv := NewServer(Config{PublicURL: "http://localhost:8090"}, log, nil, nil, nil, fakeJWKS{func() []byte { return []byte(`{"keys":[]}`) }})
			for i := range tc.n {
				req := httptest.NewRequest(http.MethodGet, tc.path, nil)
				req.RemoteAddr = "127.0.0.1:40000"
				// The first answer is checked against openapi.json; the
				// rest repeat it, and the check's cost (milliseconds)
				// would let the sampler refill into extra INFO lines.
				h := http.Handler(srv)
				if i == 0 {
					h = CheckContract(t, srv)
				}
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if got := lines[len(lines)-1]; !strings.Contains(got, "level="+tc.want) {
				t.Errorf("last line = %s, want level %s", got, tc.want)
			}
			info := 0
			for _, l := range lines {
				if !strings.Contains(l, "level=DEBUG") {
					info++
				}
			}
			// The sampler refills at accessLogRate while the loop runs.
			if info < tc.wantInfo || info > tc.wantInfo+5 {
				t.Errorf("INFO lines = %d, want %d (+5 at most)", info, tc.wantInfo)
			}
		})
	}
}
