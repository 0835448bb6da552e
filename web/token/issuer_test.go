package token

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/roomplanner/planner/web"
)

func TestIssueTokenFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		req        IssueRequest
		wantHeader map[string]any // kid is added
		wantClaims map[string]any // iat, exp and jti are added
	}{
		{
			name:       "legal-entity",
			req:        leRequest(),
			wantHeader: map[string]any{"alg": "EdDSA", "typ": "le+jwt"},
			wantClaims: map[string]any{
				"iss": testIssuer, "aud": "planner-api", "sub": testRetailer, "kind": "legal-entity",
				"le": testRetailer, "scope": "read",
			},
		},
		{
			name:       "user",
			req:        userRequest("alice", true),
			wantHeader: map[string]any{"alg": "EdDSA", "typ": "user+jwt"},
			wantClaims: map[string]any{
				"iss": testIssuer, "aud": "planner-api", "sub": "alice", "kind": "user",
				"le": testRetailer, "uid": "alice", "scope": "read write",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, 0)
			e.clock.Set(e.clock.Now().Add(700 * time.Millisecond)) // iat and exp are whole seconds
			issued := e.issue(t, tt.req)
			kid, _ := e.ring.Current()

			wantHeader := map[string]any{"kid": kid}
			for k, v := range tt.wantHeader {
				wantHeader[k] = v
			}
			if diff := cmp.Diff(wantHeader, segment(t, issued.Token, 0)); diff != "" {
				t.Errorf("header mismatch (-want +got):\n%s", diff)
			}

			now := e.clock.Now().Truncate(time.Second)
			wantClaims := map[string]any{
				"iat": float64(now.Unix()), "exp": float64(now.Add(tt.req.TTL).Unix()), "jti": issued.JTI,
			}
			for k, v := range tt.wantClaims {
				wantClaims[k] = v
			}
			if diff := cmp.Diff(wantClaims, segment(t, issued.Token, 1)); diff != "" {
				t.Errorf("claims mismatch (-want +got):\n%s", diff)
			}

			wantIssued := Issued{Token: issued.Token, Kind: tt.req.Kind, IssuedAt: now, ExpiresAt: now.Add(tt.req.TTL), JTI: issued.JTI}
			if diff := cmp.Diff(wantIssued, issued); diff != "" {
				t.Errorf("Issued mismatch (-want +got):\n%s", diff)
			}
			if b, err := base64.RawURLEncoding.DecodeString(issued.JTI); err != nil || len(b) != 16 {
				t.Errorf("jti %q: %d bytes, err %v; want 16 random bytes in base64url", issued.JTI, len(b), err)
			}
		})
	}
}

func TestIssueJTIsAreUnique(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	seen := map[string]bool{}
	for range 100 {
		jti := e.issue(t, leRequest()).JTI
		if seen[jti] {
			t.Fatalf("jti %q issued twice", jti)
		}
		seen[jti] = true
	}
}

func TestIssueValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		req       IssueRequest
		wantField string
	}{
		{"legal-entity with write", IssueRequest{Kind: web.KindLegalEntity, RetailerID: testRetailer, Scopes: []string{"read", "write"}, TTL: time.Minute}, "access"},
		{"legal-entity with uid", IssueRequest{Kind: web.KindLegalEntity, RetailerID: testRetailer, UID: "alice", TTL: time.Minute}, "user_id"},
		{"user without uid", IssueRequest{Kind: web.KindUser, RetailerID: testRetailer, TTL: time.Minute}, "user_id"},
		{"user with uid too long", IssueRequest{Kind: web.KindUser, RetailerID: testRetailer, UID: strings.Repeat("x", web.MaxUserIDLen+1), TTL: time.Minute}, "user_id"},
		{"user with uid with spaces around", IssueRequest{Kind: web.KindUser, RetailerID: testRetailer, UID: " alice", TTL: time.Minute}, "user_id"},
		{"unknown kind", IssueRequest{Kind: "admin", RetailerID: testRetailer, TTL: time.Minute}, "kind"},
		{"no kind", IssueRequest{RetailerID: testRetailer, TTL: time.Minute}, "kind"},
		{"no retailer", IssueRequest{Kind: web.KindLegalEntity, TTL: time.Minute}, "retailer"},
		{"unknown scope", IssueRequest{Kind: web.KindUser, RetailerID: testRetailer, UID: "alice", Scopes: []string{"admin"}, TTL: time.Minute}, "access"},
		{"zero ttl", IssueRequest{Kind: web.KindLegalEntity, RetailerID: testRetailer}, "ttl"},
		{"negative ttl", IssueRequest{Kind: web.KindLegalEntity, RetailerID: testRetailer, TTL: -time.Minute}, "ttl"},
		{"sub-second ttl", IssueRequest{Kind: web.KindLegalEntity, RetailerID: testRetailer, TTL: time.Millisecond}, "ttl"},
		{"ttl beyond the keyring's maximum", IssueRequest{Kind: web.KindLegalEntity, RetailerID: testRetailer, TTL: testMaxTTL + time.Second}, "ttl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, 0)
			_, err := e.issuer.Issue(tt.req)
			if got, want := code(err), web.EValidation; got != want {
				t.Fatalf("code = %q, want %q (err %v)", got, want, err)
			}
			if got := webErr(err).Field; got != tt.wantField {
				t.Errorf("field = %q, want %q", got, tt.wantField)
			}
		})
	}
}

func TestIssueWithoutKey(t *testing.T) {
	t.Parallel()
	ring := NewKeyring(&fakeKeyStore{}, nil, testMaxTTL) // never loaded
	_, err := NewIssuer(ring, testIssuer, testAudience, nil).Issue(leRequest())
	if got, want := code(err), web.EInternal; got != want {
		t.Errorf("code = %q, want %q (err %v)", got, want, err)
	}
}

func BenchmarkIssueToken(b *testing.B) {
	e := newEnv(b, 0)
	req := userRequest("alice", true)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.issuer.Issue(req); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSignEdDSAMatchesGolangJWT checks that the hand-built token is byte for
// byte what golang-jwt's SignedString makes (Ed25519 is deterministic).
func TestSignEdDSAMatchesGolangJWT(t *testing.T) {
	t.Parallel()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	for _, c := range []issuedClaims{
		{Issuer: "https://planner.example", Subject: "le_1", Audience: "planner-api", Kind: web.KindLegalEntity, LE: "le_1",
			Scope: web.ScopeRead, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)), ID: "j1"},
		{Issuer: "https://planner.example", Subject: "a<b>&\"c", Audience: "planner-api", Kind: web.KindUser, LE: "le_1", UID: "a<b>&\"c",
			Scope: "read write", IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)), ID: "j2"},
	} {
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
		tok.Header["kid"] = "k1"
		tok.Header["typ"] = TypUser
		want, err := tok.SignedString(priv)
		if err != nil {
			t.Fatal(err)
		}
		got, err := signEdDSA(priv, "k1", TypUser, c)
		if err != nil || got != want {
			t.Errorf("signEdDSA = %q, %v\nwant %q", got, err, want)
		}
	}
}
