package bff

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/roomplanner/planner/web/clocktest"
)

func TestPartnerSigned(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		ttl       time.Duration
		user      string
		wantKind  string
		wantScope string
		wantLife  time.Duration
	}{
		{"anonymous", 0, "", KindLegalEntity, "read", 15 * time.Minute},
		{"user", 5 * time.Minute, "alice", KindUser, "read write", 5 * time.Minute},
		{"TTL capped at 15 min", time.Hour, "bob", KindUser, "read write", 15 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(c *Config) { c.Mode = ModePartnerSigned; c.TokenTTL = tt.ttl })
			h.clock.Set(clocktest.Epoch.Add(1234 * time.Millisecond))
			var opts []reqOpt
			if tt.user != "" {
				opts = append(opts, asUser(tt.user))
			}
			tr := h.mustToken(opts...)
			if tr.Kind != tt.wantKind {
				t.Errorf("kind = %q, want %q", tr.Kind, tt.wantKind)
			}

			// Verify as the planner API does: HS256 with the secret's bytes.
			var claims struct {
				ClientID string `json:"clientId"`
				Kind     string `json:"kind"`
				UID      string `json:"uid"`
				Scope    string `json:"scope"`
				jwt.RegisteredClaims
			}
			tok, err := jwt.ParseWithClaims(tr.Token, &claims, func(*jwt.Token) (any, error) { return []byte(testSecret), nil },
				jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
				jwt.WithTimeFunc(h.clock.Now))
			if err != nil {
				t.Fatalf("token does not verify with the secret: %v", err)
			}
			if typ := tok.Header["typ"]; typ != "JWT" {
				t.Errorf("header typ = %v, want JWT", typ)
			}
			if claims.ClientID != testKey || claims.Kind != tt.wantKind || claims.UID != tt.user || claims.Scope != tt.wantScope {
				t.Errorf("claims clientId %q kind %q uid %q scope %q; want %q %q %q %q",
					claims.ClientID, claims.Kind, claims.UID, claims.Scope, testKey, tt.wantKind, tt.user, tt.wantScope)
			}
			if claims.ID == "" {
				t.Error("no jti")
			}
			if got := claims.ExpiresAt.Sub(claims.IssuedAt.Time); got != tt.wantLife {
				t.Errorf("exp - iat = %s, want %s", got, tt.wantLife)
			}
			if !claims.IssuedAt.Equal(clocktest.Epoch.Add(time.Second)) {
				t.Errorf("iat = %s, want %s", claims.IssuedAt, clocktest.Epoch.Add(time.Second))
			}
			if _, err := jwt.Parse(tr.Token, func(*jwt.Token) (any, error) { return []byte("another secret"), nil }); err == nil {
				t.Error("token verifies with another secret")
			}
			// Cached like remote tokens, and no network hop at all.
			if again := h.mustToken(opts...); again.Token != tr.Token {
				t.Error("second request was not served from the cache")
			}
			if got := h.up.calls.Load(); got != 0 {
				t.Errorf("upstream calls = %d, want 0", got)
			}
			if got := h.b.metrics.localMints[kindIndex(tt.wantKind)].Load(); got != 1 {
				t.Errorf("local mints = %d, want 1", got)
			}
		})
	}
}
