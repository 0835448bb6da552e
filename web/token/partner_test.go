package token

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/roomplanner/planner/web"
)

func TestVerifyPartnerToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		claims   func(e *env) jwt.MapClaims
		header   map[string]any
		secret   string
		want     web.Principal // ExpiresAt is filled in from exp
		wantCode string
		reason   string
	}{
		{
			name:   "legal-entity by default",
			claims: func(e *env) jwt.MapClaims { return e.partnerClaims() },
			want:   web.Principal{Kind: web.KindLegalEntity, RetailerID: testRetailer, Scopes: []string{"read"}, Partner: true},
		},
		{
			name: "user with write and jti",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				c["kind"], c["uid"], c["scope"], c["jti"] = "user", "alice", "read write", "j-1"
				return c
			},
			want: web.Principal{Kind: web.KindUser, RetailerID: testRetailer, UID: "alice", Scopes: []string{"read", "write"}, JTI: "j-1", Partner: true},
		},
		{
			name: "user with write alone",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				c["kind"], c["uid"], c["scope"] = "user", "alice", "write"
				return c
			},
			want: web.Principal{Kind: web.KindUser, RetailerID: testRetailer, UID: "alice", Scopes: []string{"read", "write"}, Partner: true},
		},
		{
			name: "exactly 15 minutes",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				c["exp"] = e.clock.Now().Add(web.MaxPartnerTokenTTL).Unix()
				return c
			},
			want: web.Principal{Kind: web.KindLegalEntity, RetailerID: testRetailer, Scopes: []string{"read"}, Partner: true},
		},
		{
			name:   "typ JWT in any case",
			claims: func(e *env) jwt.MapClaims { return e.partnerClaims() },
			header: map[string]any{"typ": "jwt"},
			want:   web.Principal{Kind: web.KindLegalEntity, RetailerID: testRetailer, Scopes: []string{"read"}, Partner: true},
		},
		{
			name: "le claim is ignored: the credential decides",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				c["le"] = "ret_other"
				return c
			},
			want: web.Principal{Kind: web.KindLegalEntity, RetailerID: testRetailer, Scopes: []string{"read"}, Partner: true},
		},
		{
			name: "exp too far ahead",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				c["exp"] = e.clock.Now().Add(web.MaxPartnerTokenTTL + time.Second).Unix()
				return c
			},
			wantCode: web.EInvalidToken, reason: "partner token lifetime exceeds 15 minutes",
		},
		{
			name:     "wrong secret",
			claims:   func(e *env) jwt.MapClaims { return e.partnerClaims() },
			secret:   "sk_wrong",
			wantCode: web.EInvalidToken, reason: "signature",
		},
		{
			name: "unknown clientId",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				c["clientId"] = "pk_nobody"
				return c
			},
			wantCode: web.EInvalidToken, reason: "unknown client",
		},
		{
			name: "no clientId",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				delete(c, "clientId")
				return c
			},
			wantCode: web.EInvalidToken, reason: "clientId",
		},
		{
			name: "clientId not a string",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				c["clientId"] = 42
				return c
			},
			wantCode: web.EInvalidToken, reason: "malformed",
		},
		{
			name: "user without uid",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				c["kind"] = "user"
				return c
			},
			wantCode: web.EInvalidToken, reason: "uid",
		},
		{
			name: "user with a uid too long",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				c["kind"], c["uid"] = "user", strings.Repeat("u", web.MaxUserIDLen+1)
				return c
			},
			wantCode: web.EInvalidToken, reason: "uid",
		},
		{
			name: "user with a control character in uid",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				c["kind"], c["uid"] = "user", "al\nice"
				return c
			},
			wantCode: web.EInvalidToken, reason: "uid",
		},
		{
			name: "legal-entity with write",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				c["scope"] = "read write"
				return c
			},
			wantCode: web.EInvalidToken, reason: "only read",
		},
		{
			name: "legal-entity with uid",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				c["uid"] = "alice"
				return c
			},
			wantCode: web.EInvalidToken, reason: "uid",
		},
		{
			name: "unknown kind",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				c["kind"] = "admin"
				return c
			},
			wantCode: web.EInvalidToken, reason: "kind",
		},
		{
			name: "unknown scope",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				c["scope"] = "read delete"
				return c
			},
			wantCode: web.EInvalidToken, reason: "scope",
		},
		{
			name: "no exp",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				delete(c, "exp")
				return c
			},
			wantCode: web.EInvalidToken, reason: "exp",
		},
		{
			name: "no iat",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				delete(c, "iat")
				return c
			},
			wantCode: web.EInvalidToken, reason: "iat",
		},
		{
			name: "iat in the future beyond leeway",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				c["iat"] = e.clock.Now().Add(MaxLeeway + time.Second).Unix()
				return c
			},
			wantCode: web.EInvalidToken, reason: "future",
		},
		{
			name: "exp before iat",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				c["iat"] = e.clock.Now().Add(3 * time.Second).Unix()
				c["exp"] = e.clock.Now().Add(2 * time.Second).Unix()
				return c
			},
			wantCode: web.EInvalidToken, reason: "before it is issued",
		},
		{
			name: "expired",
			claims: func(e *env) jwt.MapClaims {
				c := e.partnerClaims()
				c["iat"] = e.clock.Now().Add(-10 * time.Minute).Unix()
				c["exp"] = e.clock.Now().Add(-time.Second).Unix()
				return c
			},
			wantCode: web.ETokenExpired, reason: "expired at",
		},
		{
			name:     "API typ on a partner token",
			claims:   func(e *env) jwt.MapClaims { return e.partnerClaims() },
			header:   map[string]any{"typ": TypUser},
			wantCode: web.EInvalidToken, reason: "typ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, 0)
			secret := tt.secret
			if secret == "" {
				secret = testSecret
			}
			claims := tt.claims(e)
			tok := sign(t, jwt.SigningMethodHS256, []byte(secret), tt.header, claims)
			got, err := e.v.Verify(t.Context(), tok)
			if gotCode := code(err); gotCode != tt.wantCode {
				t.Fatalf("code = %q, want %q (err %v)", gotCode, tt.wantCode, err)
			}
			if err != nil {
				if msg := webErr(err).Message; !strings.Contains(msg, tt.reason) {
					t.Errorf("message = %q, want it to mention %q", msg, tt.reason)
				}
				return
			}
			want := tt.want
			want.ExpiresAt = time.Unix(claims["exp"].(int64), 0)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("principal mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// A partner token stays cached for at most PartnerCacheTTL, so rotating the
// API secret cuts off tokens signed with the old one within a minute.
func TestPartnerCacheAfterSecretRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	tok := signPartner(t, testSecret, e.partnerClaims())
	if _, err := e.v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	e.clients.setSecret(testAPIKey, "sk_rotated")
	e.clock.Advance(PartnerCacheTTL - time.Second)
	if _, err := e.v.Verify(t.Context(), tok); err != nil {
		t.Errorf("Verify from the cache: %v", err)
	}
	calls := e.clients.calls
	e.clock.Advance(time.Second)
	_, err := e.v.Verify(t.Context(), tok)
	if got, want := code(err), web.EInvalidToken; got != want {
		t.Errorf("after %s: code = %q, want %q", PartnerCacheTTL, got, want)
	}
	if e.clients.calls != calls+1 {
		t.Errorf("client store calls = %d, want %d (the cache entry should have lapsed)", e.clients.calls, calls+1)
	}
}

// RevokePartnerTokens ends the cached verifications at once: after a
// rotation the old secret's tokens fail on their next use, not a minute later,
// while API-issued tokens stay cached.
func TestRevokePartnerTokensAfterSecretRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	old := signPartner(t, testSecret, e.partnerClaims())
	api := e.signAPI(t, TypLegalEntity, e.apiClaims())
	for _, tok := range []string{old, api} {
		if _, err := e.v.Verify(t.Context(), tok); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	}
	e.clients.setSecret(testAPIKey, "sk_rotated")
	e.v.RevokePartnerTokens()
	if _, err := e.v.Verify(t.Context(), old); code(err) != web.EInvalidToken {
		t.Errorf("old-secret token right after the revocation: err %v, want invalid_token", err)
	}
	calls := e.clients.calls
	if _, err := e.v.Verify(t.Context(), api); err != nil {
		t.Errorf("API token after a secret revocation: %v", err)
	}
	if e.clients.calls != calls {
		t.Errorf("client store calls = %d, want %d (API tokens need no credential)", e.clients.calls, calls)
	}
	fresh := signPartner(t, "sk_rotated", e.partnerClaims())
	if _, err := e.v.Verify(t.Context(), fresh); err != nil {
		t.Errorf("new-secret token: %v", err)
	}
}

func TestPartnerTokenWithoutClientStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	v := NewVerifier(e.ring, nil, VerifierConfig{Issuer: testIssuer, Audience: testAudience, Clock: e.clock.Now})
	_, err := v.Verify(t.Context(), signPartner(t, testSecret, e.partnerClaims()))
	if got, want := code(err), web.EInvalidToken; got != want {
		t.Errorf("code = %q, want %q", got, want)
	}
}

// A partner token may name no audience, or this service's alone; a crit
// header (RFC 7515 §4.1.11) names extensions this verifier does not
// implement, so it is refused on either route.
func TestVerifyRefusesCritAndForeignAudience(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		token    func(t *testing.T, e *env) string
		wantCode string
		reason   string
	}{
		{
			name: "partner aud of this service",
			token: func(t *testing.T, e *env) string {
				c := e.partnerClaims()
				c["aud"] = testAudience
				return signPartner(t, testSecret, c)
			},
		},
		{
			name: "partner aud of another service",
			token: func(t *testing.T, e *env) string {
				c := e.partnerClaims()
				c["aud"] = "billing-api"
				return signPartner(t, testSecret, c)
			},
			wantCode: web.EInvalidToken, reason: "aud",
		},
		{
			name: "partner aud listing another service too",
			token: func(t *testing.T, e *env) string {
				c := e.partnerClaims()
				c["aud"] = []string{testAudience, "billing-api"}
				return signPartner(t, testSecret, c)
			},
			wantCode: web.EInvalidToken, reason: "aud",
		},
		{
			name: "partner crit extension",
			token: func(t *testing.T, e *env) string {
				return sign(t, jwt.SigningMethodHS256, []byte(testSecret), map[string]any{"crit": []string{"exp"}}, e.partnerClaims())
			},
			wantCode: web.EInvalidToken, reason: "crit",
		},
		{
			name: "API token crit extension",
			token: func(t *testing.T, e *env) string {
				kid, priv := e.ring.Current()
				return sign(t, jwt.SigningMethodEdDSA, priv, map[string]any{"kid": kid, "typ": TypLegalEntity, "crit": []string{"b64"}, "b64": true}, e.apiClaims())
			},
			wantCode: web.EInvalidToken, reason: "crit",
		},
		{
			name: "empty crit",
			token: func(t *testing.T, e *env) string {
				return sign(t, jwt.SigningMethodHS256, []byte(testSecret), map[string]any{"crit": []string{}}, e.partnerClaims())
			},
			wantCode: web.EInvalidToken, reason: "crit",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, 0)
			_, err := e.v.Verify(t.Context(), tt.token(t, e))
			if got := code(err); got != tt.wantCode {
				t.Fatalf("code = %q, want %q (err %v)", got, tt.wantCode, err)
			}
			if err != nil && !strings.Contains(webErr(err).Message, tt.reason) {
				t.Errorf("message = %q, want it to mention %q", webErr(err).Message, tt.reason)
			}
		})
	}
}
