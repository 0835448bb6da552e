package token

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/clocktest"
)

// fuzzEnv is an env whose keys are fixed, so that seeds signed by it stay
// valid across the fuzzing engine's processes.
func fuzzEnv(f *testing.F) *env {
	f.Helper()
	clock := clocktest.New(testStart)
	seed := sha256.Sum256([]byte("fuzz signing key"))
	store := &fakeKeyStore{keys: []web.SigningKey{{
		KID: "fuzzkid0123456789", PrivateKey: ed25519.NewKeyFromSeed(seed[:]), CreatedAt: clock.Now().Add(-time.Hour),
	}}}
	e := &env{
		clock: clock,
		keys:  store,
		clients: &fakeClientStore{creds: map[string]web.Credential{
			testAPIKey: {APIKey: testAPIKey, RetailerID: testRetailer, Secret: []byte(testSecret)},
		}},
	}
	e.ring = NewKeyring(store, clock.Now, testMaxTTL)
	if err := e.ring.Load(context.Background()); err != nil {
		f.Fatal(err)
	}
	e.issuer = NewIssuer(e.ring, testIssuer, testAudience, clock.Now)
	e.v = NewVerifier(e.ring, e.clients, VerifierConfig{Issuer: testIssuer, Audience: testAudience, Clock: clock.Now})
	return e
}

// checkAccepted fails if Verify accepted a token it should not have.
func checkAccepted(t *testing.T, e *env, p web.Principal, err error) {
	t.Helper()
	if err != nil {
		if c := web.ErrorCode(err); c != web.EInvalidToken && c != web.ETokenExpired {
			t.Fatalf("code = %q, want invalid_token or token_expired (err %v)", c, err)
		}
		return
	}
	if p.RetailerID == "" {
		t.Errorf("accepted token has no RetailerID: %+v", p)
	}
	switch p.Kind {
	case web.KindLegalEntity:
		if p.UID != "" || p.CanWrite() {
			t.Errorf("accepted legal-entity token has a uid or may write: %+v", p)
		}
	case web.KindUser:
		if p.UID == "" {
			t.Errorf("accepted user token has no uid: %+v", p)
		}
	default:
		t.Errorf("accepted token kind = %q, want legal-entity or user", p.Kind)
	}
	if !p.ExpiresAt.After(e.clock.Now()) {
		t.Errorf("accepted token expires at %v, not after now %v", p.ExpiresAt, e.clock.Now())
	}
	if !slices.Contains(p.Scopes, web.ScopeRead) {
		t.Errorf("accepted token scopes = %q, want read among them", p.Scopes)
	}
}

// fuzzSeeds returns valid and invalid tokens of every shape.
func fuzzSeeds(f *testing.F, e *env) []string {
	le := e.issue(f, leRequest()).Token
	user := e.issue(f, userRequest("alice", true)).Token
	pc := e.partnerClaims()
	pc["kind"], pc["uid"], pc["scope"] = "user", "bob", "read write"
	partner := sign(f, jwt.SigningMethodHS256, []byte(testSecret), nil, pc)
	kid, priv := e.ring.Current()
	return []string{
		le, user, partner,
		signPartner(f, testSecret, e.partnerClaims()),
		sign(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, map[string]any{"kid": kid, "typ": TypLegalEntity}, e.apiClaims()),
		sign(f, jwt.SigningMethodHS256, []byte(priv.Public().(ed25519.PublicKey)), map[string]any{"kid": kid, "typ": TypLegalEntity}, e.apiClaims()),
		e.signAPI(f, TypUser, e.apiClaims()),
		le[:len(le)-3],
		"", ".", "..", "a.b.c", "eyJhbGciOiJFZERTQSJ9.e30.", "eyJhbGciOiJIUzI1NiJ9.e30.",
		rawJWT(`{"alg":"EdDSA","kid":"`+kid+`"}`, `null`, nil),
		rawJWT(`{"alg":"HS256"}`, `{"clientId":"`+testAPIKey+`","exp":1e400}`, nil),
	}
}

// FuzzVerify feeds arbitrary strings to Verify: it must never panic, and a
// token it accepts must make sense.
func FuzzVerify(f *testing.F) {
	e := fuzzEnv(f)
	for _, s := range fuzzSeeds(f, e) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := e.v.Verify(context.Background(), raw)
		checkAccepted(t, e, p, err)
	})
}

// FuzzVerifySigned fuzzes the header and claims of correctly signed tokens
// (with the service's key, or with a client's API secret when partner is set),
// reaching the claim checks that FuzzVerify's random signatures never pass.
func FuzzVerifySigned(f *testing.F) {
	e := fuzzEnv(f)
	for _, s := range fuzzSeeds(f, e) {
		if parts := strings.Split(s, "."); len(parts) == 3 {
			h, _ := base64.RawURLEncoding.DecodeString(parts[0])
			c, _ := base64.RawURLEncoding.DecodeString(parts[1])
			f.Add(h, c, false)
			f.Add(h, c, true)
		}
	}
	_, priv := e.ring.Current()
	f.Fuzz(func(t *testing.T, header, claims []byte, partner bool) {
		unsigned := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(claims)
		var sig []byte
		if partner {
			m := hmac.New(sha256.New, []byte(testSecret))
			m.Write([]byte(unsigned))
			sig = m.Sum(nil)
		} else {
			sig = ed25519.Sign(priv, []byte(unsigned))
		}
		raw := unsigned + "." + base64.RawURLEncoding.EncodeToString(sig)
		p, err := e.v.Verify(context.Background(), raw)
		checkAccepted(t, e, p, err)
	})
}
