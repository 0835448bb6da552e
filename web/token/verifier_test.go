package token

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/roomplanner/planner/web"
)

func TestIssueThenVerify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		req  IssueRequest
		want web.Principal // ExpiresAt and JTI are filled in from the issued token
	}{
		{
			name: "legal-entity",
			req:  leRequest(),
			want: web.Principal{Kind: web.KindLegalEntity, RetailerID: testRetailer, Scopes: []string{"read"}},
		},
		{
			name: "legal-entity without scopes reads",
			req:  IssueRequest{Kind: web.KindLegalEntity, RetailerID: testRetailer, TTL: time.Minute},
			want: web.Principal{Kind: web.KindLegalEntity, RetailerID: testRetailer, Scopes: []string{"read"}},
		},
		{
			name: "user read",
			req:  userRequest("u-42", false),
			want: web.Principal{Kind: web.KindUser, RetailerID: testRetailer, UID: "u-42", Scopes: []string{"read"}},
		},
		{
			name: "user write",
			req:  userRequest("Zoë Müller <zoe@example.com>", true),
			want: web.Principal{Kind: web.KindUser, RetailerID: testRetailer, UID: "Zoë Müller <zoe@example.com>", Scopes: []string{"read", "write"}},
		},
		{
			name: "user write only still reads",
			req:  IssueRequest{Kind: web.KindUser, RetailerID: testRetailer, UID: "u-1", Scopes: []string{"write"}, TTL: time.Hour},
			want: web.Principal{Kind: web.KindUser, RetailerID: testRetailer, UID: "u-1", Scopes: []string{"read", "write"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, cacheSize := range []int{-1, 0} {
				e := newEnv(t, cacheSize)
				issued := e.issue(t, tt.req)
				want := tt.want
				want.ExpiresAt, want.JTI = issued.ExpiresAt, issued.JTI
				for range 2 { // the second call is a cache hit when the cache is on
					got, err := e.v.Verify(t.Context(), issued.Token)
					if err != nil {
						t.Fatalf("Verify (cache %d): %v", cacheSize, err)
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("principal (cache %d) mismatch (-want +got):\n%s", cacheSize, diff)
					}
				}
			}
		})
	}
}

func TestVerifyExpiry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		cacheSize int
	}{{"cached", 0}, {"uncached", -1}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.cacheSize)
			issued := e.issue(t, leRequest())
			if _, err := e.v.Verify(t.Context(), issued.Token); err != nil {
				t.Fatalf("Verify fresh token: %v", err)
			}
			e.clock.Set(issued.ExpiresAt.Add(-time.Nanosecond))
			if _, err := e.v.Verify(t.Context(), issued.Token); err != nil {
				t.Fatalf("Verify 1ns before exp: %v", err)
			}
			// Exactly at exp, and within the leeway after it: expired, never served from the cache.
			for _, after := range []time.Duration{0, time.Second, MaxLeeway, time.Hour} {
				e.clock.Set(issued.ExpiresAt.Add(after))
				_, err := e.v.Verify(t.Context(), issued.Token)
				if got, want := code(err), web.ETokenExpired; got != want {
					t.Fatalf("exp+%s: code = %q, want %q (err %v)", after, got, want, err)
				}
				wantMsg := "token expired at " + issued.ExpiresAt.UTC().Format(time.RFC3339)
				if got := webErr(err).Message; got != wantMsg {
					t.Errorf("message = %q, want %q", got, wantMsg)
				}
			}
		})
	}
}

func TestVerifyExpiredButOtherwiseInvalid(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	// An expired token with a wrong audience is invalid, not expired: a client
	// must not refresh and retry a token that could never work.
	c := e.apiClaims()
	c["aud"] = "someone-else"
	tok := e.signAPI(t, TypLegalEntity, c)
	e.clock.Advance(time.Hour)
	_, err := e.v.Verify(t.Context(), tok)
	if got, want := code(err), web.EInvalidToken; got != want {
		t.Errorf("code = %q, want %q (err %v)", got, want, err)
	}
	// The same for the package's own claims (typ vs kind).
	tok = e.signAPI(t, TypUser, e.apiClaims())
	e.clock.Advance(time.Hour)
	_, err = e.v.Verify(t.Context(), tok)
	if got, want := code(err), web.EInvalidToken; got != want {
		t.Errorf("typ mismatch: code = %q, want %q (err %v)", got, want, err)
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	tests := []struct {
		name   string
		token  func(t *testing.T, e *env) string
		reason string // substring of the message
	}{
		{"empty", func(t *testing.T, e *env) string { return "" }, "empty"},
		{"garbage", func(t *testing.T, e *env) string { return "not a token" }, "not a JWT"},
		{"two parts", func(t *testing.T, e *env) string { return "eyJhbGciOiJFZERTQSJ9.e30" }, "not a JWT"},
		{"four parts", func(t *testing.T, e *env) string { return e.issue(t, leRequest()).Token + ".x" }, "not a JWT"},
		{"too long", func(t *testing.T, e *env) string { return strings.Repeat("a", MaxTokenSize+1) }, "longer"},
		{"header not base64", func(t *testing.T, e *env) string { return "!!.e30.AA" }, "base64url"},
		{"header null", func(t *testing.T, e *env) string { return rawJWT("null", "{}", nil) }, "JSON object"},
		{"header without alg", func(t *testing.T, e *env) string { return rawJWT(`{"typ":"JWT"}`, "{}", nil) }, "no alg"},
		{"alg none", func(t *testing.T, e *env) string {
			kid, _ := e.ring.Current()
			return sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType,
				map[string]any{"kid": kid, "typ": TypLegalEntity}, e.apiClaims())
		}, "algorithm"},
		{"alg None upper case", func(t *testing.T, e *env) string {
			kid, _ := e.ring.Current()
			return rawJWT(`{"alg":"None","kid":"`+kid+`","typ":"le+jwt"}`, `{}`, nil)
		}, "algorithm"},
		{"alg RS256", func(t *testing.T, e *env) string {
			kid, _ := e.ring.Current()
			return sign(t, jwt.SigningMethodRS256, rsaKey, map[string]any{"kid": kid, "typ": TypLegalEntity}, e.apiClaims())
		}, "algorithm"},
		{"alg HS384 partner", func(t *testing.T, e *env) string {
			return sign(t, jwt.SigningMethodHS384, []byte(testSecret), nil, e.partnerClaims())
		}, "algorithm"},
		{"HS256 keyed with the Ed25519 public key under a valid kid", func(t *testing.T, e *env) string {
			kid, priv := e.ring.Current()
			pub := []byte(priv.Public().(ed25519.PublicKey))
			return sign(t, jwt.SigningMethodHS256, pub, map[string]any{"kid": kid, "typ": TypLegalEntity}, e.apiClaims())
		}, "clientId"},
		{"HS256 keyed with the Ed25519 public key under a valid kid and clientId", func(t *testing.T, e *env) string {
			kid, priv := e.ring.Current()
			pub := []byte(priv.Public().(ed25519.PublicKey))
			c := e.apiClaims()
			c["clientId"] = testAPIKey
			return sign(t, jwt.SigningMethodHS256, pub, map[string]any{"kid": kid}, c)
		}, "signature"},
		{"HS256 keyed with the JWKS x string under a valid kid", func(t *testing.T, e *env) string {
			kid, priv := e.ring.Current()
			x := ed25519PublicX(priv)
			c := e.apiClaims()
			c["clientId"] = testAPIKey
			return sign(t, jwt.SigningMethodHS256, []byte(x), map[string]any{"kid": kid}, c)
		}, "signature"},
		{"tampered payload", func(t *testing.T, e *env) string {
			tok := e.issue(t, userRequest("alice", false)).Token
			forged := e.signAPI(t, TypUser, jwt.MapClaims{
				"iss": testIssuer, "aud": testAudience, "sub": "bob", "kind": "user", "le": testRetailer,
				"uid": "bob", "scope": "read write", "iat": e.clock.Now().Unix(), "exp": e.clock.Now().Add(time.Minute).Unix(), "jti": "x",
			})
			p, f := strings.Split(tok, "."), strings.Split(forged, ".")
			return p[0] + "." + f[1] + "." + p[2]
		}, "signature"},
		{"tampered signature", func(t *testing.T, e *env) string {
			tok := e.issue(t, leRequest()).Token
			i := strings.LastIndexByte(tok, '.') + 1
			c := byte('A')
			if tok[i] == 'A' {
				c = 'B'
			}
			return tok[:i] + string(c) + tok[i+1:]
		}, "signature"},
		{"signature not canonical base64", func(t *testing.T, e *env) string {
			// An Ed25519 signature is 64 bytes: 86 base64 characters whose last
			// one carries 2 unused bits. Setting them keeps the bytes, not the text.
			tok := e.issue(t, leRequest()).Token
			last := tok[len(tok)-1]
			const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
			return tok[:len(tok)-1] + string(alphabet[strings.IndexByte(alphabet, last)|1])
		}, "malformed"},
		{"signed by another key under a valid kid", func(t *testing.T, e *env) string {
			kid, _ := e.ring.Current()
			return sign(t, jwt.SigningMethodEdDSA, otherKey, map[string]any{"kid": kid, "typ": TypLegalEntity}, e.apiClaims())
		}, "signature"},
		{"unknown kid", func(t *testing.T, e *env) string {
			return sign(t, jwt.SigningMethodEdDSA, otherKey, map[string]any{"kid": "no-such-kid", "typ": TypLegalEntity}, e.apiClaims())
		}, "unknown"},
		{"no kid", func(t *testing.T, e *env) string {
			_, priv := e.ring.Current()
			return sign(t, jwt.SigningMethodEdDSA, priv, map[string]any{"typ": TypLegalEntity}, e.apiClaims())
		}, "kid"},
		{"kid not a string", func(t *testing.T, e *env) string {
			_, priv := e.ring.Current()
			return sign(t, jwt.SigningMethodEdDSA, priv, map[string]any{"kid": 7, "typ": TypLegalEntity}, e.apiClaims())
		}, "kid"},
		{"wrong aud", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			c["aud"] = "other-api"
			return e.signAPI(t, TypLegalEntity, c)
		}, "audience"},
		{"no aud", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			delete(c, "aud")
			return e.signAPI(t, TypLegalEntity, c)
		}, "aud"},
		{"wrong iss", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			c["iss"] = "https://evil.test"
			return e.signAPI(t, TypLegalEntity, c)
		}, "issuer"},
		{"no iss", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			delete(c, "iss")
			return e.signAPI(t, TypLegalEntity, c)
		}, "iss"},
		{"missing exp", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			delete(c, "exp")
			return e.signAPI(t, TypLegalEntity, c)
		}, "exp"},
		{"exp not a number", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			c["exp"] = "tomorrow"
			return e.signAPI(t, TypLegalEntity, c)
		}, "malformed"},
		{"missing iat", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			delete(c, "iat")
			return e.signAPI(t, TypLegalEntity, c)
		}, "iat"},
		{"iat in the future beyond leeway", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			c["iat"] = e.clock.Now().Add(MaxLeeway + time.Second).Unix()
			return e.signAPI(t, TypLegalEntity, c)
		}, "future"},
		{"nbf in the future", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			c["nbf"] = e.clock.Now().Add(time.Minute).Unix()
			return e.signAPI(t, TypLegalEntity, c)
		}, "not valid yet"},
		{"lifetime beyond the maximum", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			c["exp"] = e.clock.Now().Add(testMaxTTL + time.Second).Unix()
			return e.signAPI(t, TypLegalEntity, c)
		}, "lifetime"},
		{"legal-entity token with typ user+jwt", func(t *testing.T, e *env) string {
			return e.signAPI(t, TypUser, e.apiClaims())
		}, "typ"},
		{"user token with typ le+jwt", func(t *testing.T, e *env) string {
			tok := e.issue(t, userRequest("alice", true)).Token
			return e.signAPI(t, TypLegalEntity, jwt.MapClaims(segment(t, tok, 1)))
		}, "typ"},
		{"typ JWT", func(t *testing.T, e *env) string { return e.signAPI(t, "JWT", e.apiClaims()) }, "typ"},
		{"typ upper case", func(t *testing.T, e *env) string { return e.signAPI(t, "LE+JWT", e.apiClaims()) }, "typ"},
		{"no typ", func(t *testing.T, e *env) string {
			kid, priv := e.ring.Current()
			return sign(t, jwt.SigningMethodEdDSA, priv, map[string]any{"kid": kid, "typ": nil}, e.apiClaims())
		}, "typ"},
		{"unknown kind", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			c["kind"] = "admin"
			return e.signAPI(t, TypLegalEntity, c)
		}, "kind"},
		{"no le", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			delete(c, "le")
			return e.signAPI(t, TypLegalEntity, c)
		}, "le"},
		{"legal-entity sub differs from le", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			c["sub"] = "ret_other"
			return e.signAPI(t, TypLegalEntity, c)
		}, "sub"},
		{"legal-entity with uid", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			c["uid"] = "alice"
			return e.signAPI(t, TypLegalEntity, c)
		}, "uid"},
		{"user without uid", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			c["kind"] = "user"
			return e.signAPI(t, TypUser, c)
		}, "uid"},
		{"user sub differs from uid", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			c["kind"], c["uid"], c["sub"] = "user", "alice", "bob"
			return e.signAPI(t, TypUser, c)
		}, "sub"},
		{"no jti", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			delete(c, "jti")
			return e.signAPI(t, TypLegalEntity, c)
		}, "jti"},
		{"no scope", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			delete(c, "scope")
			return e.signAPI(t, TypLegalEntity, c)
		}, "scope"},
		{"unknown scope", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			c["scope"] = "read admin"
			return e.signAPI(t, TypLegalEntity, c)
		}, "scope"},
		{"legal-entity with write scope", func(t *testing.T, e *env) string {
			c := e.apiClaims()
			c["scope"] = "read write"
			return e.signAPI(t, TypLegalEntity, c)
		}, "only read"},
		{"payload null", func(t *testing.T, e *env) string {
			kid, priv := e.ring.Current()
			h := `{"alg":"EdDSA","kid":"` + kid + `","typ":"le+jwt"}`
			unsigned := rawJWT(h, "null", nil)
			unsigned = unsigned[:len(unsigned)-1]
			return unsigned + "." + b64(ed25519.Sign(priv, []byte(unsigned)))
		}, "no exp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, 0)
			tok := tt.token(t, e)
			for i := range 2 { // a rejection is never cached as a success
				p, err := e.v.Verify(t.Context(), tok)
				if got, want := code(err), web.EInvalidToken; got != want {
					t.Fatalf("call %d: code = %q, want %q (err %v, principal %+v)", i, got, want, err, p)
				}
				msg := webErr(err).Message
				if !strings.Contains(msg, tt.reason) {
					t.Errorf("message = %q, want it to mention %q", msg, tt.reason)
				}
				if len(tok) > 20 && strings.Contains(err.Error(), tok) {
					t.Errorf("error %q quotes the token", err)
				}
				if diff := cmp.Diff(web.Principal{}, p); diff != "" {
					t.Errorf("principal on error is not zero:\n%s", diff)
				}
			}
		})
	}
}

func TestVerifyStoreErrorIsInternal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	e.clients.err = context.DeadlineExceeded
	_, err := e.v.Verify(t.Context(), signPartner(t, testSecret, e.partnerClaims()))
	if got, want := code(err), web.EInternal; got != want {
		t.Errorf("code = %q, want %q (err %v)", got, want, err)
	}
}

func TestVerifyScopesAreCopies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	tok := e.issue(t, userRequest("alice", true)).Token
	p, err := e.v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	p.Scopes[1] = "admin"
	p, err = e.v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"read", "write"}, p.Scopes); diff != "" {
		t.Errorf("cached scopes changed by a caller (-want +got):\n%s", diff)
	}
}

func TestNewVerifierLeeway(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   time.Duration
		want time.Duration
	}{
		{"default", 0, 5 * time.Second},
		{"smaller", 2 * time.Second, 2 * time.Second},
		{"capped", time.Minute, 5 * time.Second},
		{"negative is none", -1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := NewVerifier(nil, nil, VerifierConfig{Issuer: testIssuer, Audience: testAudience, Leeway: tt.in})
			if v.leeway != tt.want {
				t.Errorf("leeway = %s, want %s", v.leeway, tt.want)
			}
		})
	}
}

func TestVerifyLeewayOnIssuedAt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, -1)
	c := e.apiClaims()
	c["iat"] = e.clock.Now().Add(MaxLeeway).Unix() // a few seconds of skew are fine
	if _, err := e.v.Verify(t.Context(), e.signAPI(t, TypLegalEntity, c)); err != nil {
		t.Errorf("iat %s ahead: %v", MaxLeeway, err)
	}
}

func ed25519PublicX(priv ed25519.PrivateKey) string {
	return b64(priv.Public().(ed25519.PublicKey))
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func BenchmarkVerifyToken(b *testing.B) {
	b.Run("cold", func(b *testing.B) {
		e := newEnv(b, -1)
		tok := e.issue(b, userRequest("alice", true)).Token
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.v.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		e := newEnv(b, 0)
		tok := e.issue(b, userRequest("alice", true)).Token
		ctx := context.Background()
		if _, err := e.v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.v.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("partner-cold", func(b *testing.B) {
		e := newEnv(b, -1)
		c := e.partnerClaims()
		c["kind"], c["uid"], c["scope"] = "user", "alice", "read write"
		tok := signPartner(b, testSecret, c)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.v.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
