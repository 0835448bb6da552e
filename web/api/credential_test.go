package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/credcache"
)

// countingCreds is a function-field fake CredentialStore that counts its calls.
type countingCreds struct {
	calls      atomic.Int64
	credential func(ctx context.Context, apiKey string) (web.Credential, error)
}

func (f *countingCreds) Credential(ctx context.Context, apiKey string) (web.Credential, error) {
	f.calls.Add(1)
	return f.credential(ctx, apiKey)
}

// TestMintCredentialCache checks that mints behind the credential cache read
// the store once per key: a hit, a wrong secret within a second of the last
// read and an unknown key within its negative TTL read nothing.
func TestMintCredentialCache(t *testing.T) {
	t.Parallel()
	st, keys, issuer, verifier, _, _ := benchSetup(t)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	fake := &countingCreds{credential: st.Credential}
	srv := NewServer(Config{PublicURL: "http://localhost:8090", TokenRate: -1, TokenFailRate: -1, Clock: clock,
		Credentials: credcache.New(fake, credcache.Config{Clock: clock})},
		slog.New(slog.NewTextHandler(io.Discard, nil)), st, issuer, verifier, keys)
	checked := CheckContract(t, srv)
	cred, err := st.Credential(t.Context(), "pk_bench")
	if err != nil {
		t.Fatal(err)
	}
	mint := func(key, secret string) int {
		req := httptest.NewRequest(http.MethodPost, "/v1/tokens", strings.NewReader("api_key="+key+"&api_secret="+secret))
		req.RemoteAddr = "127.0.0.1:40000"
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		checked.ServeHTTP(rec, req)
		return rec.Code
	}
	for _, tc := range []struct {
		name, key, secret string
		want              int
		calls             int64 // store calls so far
	}{
		{"first mint reads the store", "pk_bench", string(cred.Secret), 200, 1},
		{"hit", "pk_bench", string(cred.Secret), 200, 1},
		{"hit again", "pk_bench", string(cred.Secret), 200, 1},
		{"wrong secret within a second of the read", "pk_bench", "sk_wrong", 401, 1},
		{"unknown key", "pk_nobody", "sk_wrong", 401, 2},
		{"unknown key, cached", "pk_nobody", "sk_wrong", 401, 2},
	} {
		if got := mint(tc.key, tc.secret); got != tc.want {
			t.Errorf("%s: status = %d, want %d", tc.name, got, tc.want)
		}
		if got := fake.calls.Load(); got != tc.calls {
			t.Errorf("%s: store calls = %d, want %d", tc.name, got, tc.calls)
		}
	}
	// A secret rotated by another process works at once: the wrong-looking
	// secret makes the cache re-read the key (once a second at most).
	secret := web.NewSecret()
	if _, err := st.RotateSecret(t.Context(), "le_bench", []byte(secret)); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Second)
	if got := mint("pk_bench", secret); got != 200 {
		t.Errorf("new secret after rotation: status = %d, want 200", got)
	}
	if got := mint("pk_bench", string(cred.Secret)); got != 401 {
		t.Errorf("old secret after the re-read: status = %d, want 401", got)
	}
}
