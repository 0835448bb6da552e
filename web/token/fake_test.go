package token

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/clocktest"
)

// testStart is where the tests' fake clocks start.
var testStart = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// fakeKeyStore is an in-memory KeyStore that counts its calls.
type fakeKeyStore struct {
	mu      sync.Mutex
	keys    []web.SigningKey
	loads   int   // SigningKeys calls
	loadErr error // returned by SigningKeys when set
}

func (s *fakeKeyStore) SigningKeys(ctx context.Context) ([]web.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loads++
	if s.loadErr != nil {
		return nil, s.loadErr
	}
	return slices.Clone(s.keys), nil
}

func (s *fakeKeyStore) RotateSigningKey(ctx context.Context, k web.SigningKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.keys {
		if s.keys[i].RetiredAt.IsZero() {
			s.keys[i].RetiredAt = k.CreatedAt
		}
	}
	s.keys = append(s.keys, k)
	return nil
}

func (s *fakeKeyStore) Loads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loads
}

// drop deletes the key kid, as an operator revoking a leaked key would.
func (s *fakeKeyStore) drop(kid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = slices.DeleteFunc(s.keys, func(k web.SigningKey) bool { return k.KID == kid })
}

// fakeClientStore is an in-memory ClientStore.
type fakeClientStore struct {
	mu    sync.Mutex
	creds map[string]web.Credential
	err   error // returned for every key when set
	calls int
}

func (s *fakeClientStore) Credential(ctx context.Context, apiKey string) (web.Credential, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.err != nil {
		return web.Credential{}, s.err
	}
	c, ok := s.creds[apiKey]
	if !ok {
		return web.Credential{}, web.Errorf(web.ENotFound, "no client %q", apiKey)
	}
	return c, nil
}

func (s *fakeClientStore) setSecret(apiKey, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.creds[apiKey]
	c.Secret = []byte(secret)
	s.creds[apiKey] = c
}

const (
	testIssuer   = "https://planner.test"
	testAudience = "planner-api"
	testMaxTTL   = time.Hour
	testRetailer = "ret_acme"
	testAPIKey   = "pk_acme"
	testSecret   = "sk_acme-secret-0123456789abcdefghijklmnopqrstuvwxyz"
)

// env is a keyring, issuer and verifier over fakes.
type env struct {
	clock   *clocktest.Clock
	keys    *fakeKeyStore
	clients *fakeClientStore
	ring    *Keyring
	issuer  *Issuer
	v       *Verifier
}

// newEnv builds an env; cacheSize is passed to the verifier (0 = default, <0 = off).
func newEnv(t testing.TB, cacheSize int) *env {
	t.Helper()
	e := &env{
		clock: clocktest.New(testStart),
		keys:  &fakeKeyStore{},
		clients: &fakeClientStore{creds: map[string]web.Credential{
			testAPIKey: {APIKey: testAPIKey, RetailerID: testRetailer, Secret: []byte(testSecret)},
		}},
	}
	e.ring = NewKeyring(e.keys, e.clock.Now, testMaxTTL)
	if err := e.ring.Load(context.Background()); err != nil {
		t.Fatalf("Load: %v", err)
	}
	e.issuer = NewIssuer(e.ring, testIssuer, testAudience, e.clock.Now)
	e.v = NewVerifier(e.ring, e.clients, VerifierConfig{
		Issuer: testIssuer, Audience: testAudience, Clock: e.clock.Now, CacheSize: cacheSize,
	})
	return e
}

// issue issues a token or fails the test.
func (e *env) issue(t testing.TB, req IssueRequest) Issued {
	t.Helper()
	tok, err := e.issuer.Issue(req)
	if err != nil {
		t.Fatalf("Issue(%+v): %v", req, err)
	}
	return tok
}

func leRequest() IssueRequest {
	return IssueRequest{Kind: web.KindLegalEntity, RetailerID: testRetailer, Scopes: []string{web.ScopeRead}, TTL: 15 * time.Minute}
}

func userRequest(uid string, write bool) IssueRequest {
	r := IssueRequest{Kind: web.KindUser, RetailerID: testRetailer, UID: uid, Scopes: []string{web.ScopeRead}, TTL: 15 * time.Minute}
	if write {
		r.Scopes = append(r.Scopes, web.ScopeWrite)
	}
	return r
}

// apiClaims returns the claims the issuer would put in a legal-entity token now.
func (e *env) apiClaims() jwt.MapClaims {
	now := e.clock.Now()
	return jwt.MapClaims{
		"iss": testIssuer, "aud": testAudience, "sub": testRetailer, "kind": web.KindLegalEntity,
		"le": testRetailer, "scope": "read", "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
		"jti": "jti-test",
	}
}

// sign signs claims with method and key under header fields (alg is set by
// the method; a nil header value deletes the field).
func sign(t testing.TB, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}

// signAPI signs claims with the keyring's current key as the issuer would.
func (e *env) signAPI(t testing.TB, typ string, claims jwt.MapClaims) string {
	t.Helper()
	kid, priv := e.ring.Current()
	return sign(t, jwt.SigningMethodEdDSA, priv, map[string]any{"kid": kid, "typ": typ}, claims)
}

// partnerClaims returns valid partner-token claims (legal-entity) for now.
func (e *env) partnerClaims() jwt.MapClaims {
	now := e.clock.Now()
	return jwt.MapClaims{"clientId": testAPIKey, "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
}

func signPartner(t testing.TB, secret string, claims jwt.MapClaims) string {
	t.Helper()
	return sign(t, jwt.SigningMethodHS256, []byte(secret), nil, claims)
}

// rawJWT assembles a token from raw header and payload JSON and a signature.
func rawJWT(header, payload string, sig []byte) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(sig)
}

// segment decodes part i of a token as JSON.
func segment(t testing.TB, tok string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatalf("decode part %d: %v", i, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("unmarshal part %d: %v", i, err)
	}
	return m
}

// code returns the web error code of err, or "" for nil.
func code(err error) string {
	if err == nil {
		return ""
	}
	return web.ErrorCode(err)
}

// webErr returns err as a *web.Error, or nil.
func webErr(err error) *web.Error {
	var we *web.Error
	if errors.As(err, &we) {
		return we
	}
	return nil
}
