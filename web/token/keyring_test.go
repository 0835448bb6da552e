package token

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/clocktest"
)

func TestKeyringLoad(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(testStart)
	store := &fakeKeyStore{}
	ring := NewKeyring(store, clock.Now, testMaxTTL)
	if kid, priv := ring.Current(); kid != "" || priv != nil {
		t.Errorf("Current before Load = %q, %v; want nothing", kid, priv)
	}
	if err := ring.Load(t.Context()); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := len(store.keys), 1; got != want {
		t.Fatalf("stored keys = %d, want %d", got, want)
	}
	kid, priv := ring.Current()
	if kid != store.keys[0].KID || !priv.Equal(store.keys[0].PrivateKey) {
		t.Errorf("Current = %q, want the stored key %q", kid, store.keys[0].KID)
	}
	if got, want := len(kid), 16; got != want {
		t.Errorf("len(kid) = %d, want %d", got, want)
	}
	if _, err := base64.RawURLEncoding.DecodeString(kid); err != nil {
		t.Errorf("kid %q is not base64url: %v", kid, err)
	}

	// A second process loading the same store reuses the key.
	again := NewKeyring(store, clock.Now, testMaxTTL)
	if err := again.Load(t.Context()); err != nil {
		t.Fatalf("Load again: %v", err)
	}
	if got, _ := again.Current(); got != kid {
		t.Errorf("Current after second Load = %q, want %q", got, kid)
	}
	if got, want := len(store.keys), 1; got != want {
		t.Errorf("stored keys after second Load = %d, want %d", got, want)
	}
}

func TestKeyringLoadErrors(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(testStart)
	tests := []struct {
		name  string
		store *fakeKeyStore
	}{
		{"store fails", &fakeKeyStore{loadErr: errors.New("disk on fire")}},
		{"malformed key", &fakeKeyStore{keys: []web.SigningKey{{KID: "k1", PrivateKey: []byte("short"), CreatedAt: clock.Now()}}}},
		{"empty kid", &fakeKeyStore{keys: []web.SigningKey{{PrivateKey: newPriv(), CreatedAt: clock.Now()}}}},
		{"duplicate kid", &fakeKeyStore{keys: []web.SigningKey{
			{KID: "k1", PrivateKey: newPriv(), CreatedAt: clock.Now()},
			{KID: "k1", PrivateKey: newPriv(), CreatedAt: clock.Now()},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ring := NewKeyring(tt.store, clock.Now, testMaxTTL)
			if err := ring.Load(t.Context()); err == nil {
				t.Errorf("Load = nil, want an error")
			}
		})
	}
}

func TestKeyringLoadOnlyRetiredKeys(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(testStart)
	store := &fakeKeyStore{keys: []web.SigningKey{
		{KID: "old", PrivateKey: newPriv(), CreatedAt: clock.Now().Add(-48 * time.Hour), RetiredAt: clock.Now().Add(-24 * time.Hour)},
	}}
	ring := NewKeyring(store, clock.Now, testMaxTTL)
	if err := ring.Load(t.Context()); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if kid, _ := ring.Current(); kid == "" || kid == "old" {
		t.Errorf("Current = %q, want a new key", kid)
	}
}

func TestKeyRotationOverlap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, -1) // no cache: every Verify asks the keyring
	oldKID, oldPriv := e.ring.Current()
	oldTok := e.issue(t, IssueRequest{Kind: web.KindLegalEntity, RetailerID: testRetailer, TTL: testMaxTTL})

	e.clock.Advance(10 * time.Minute)
	rotatedAt := e.clock.Now()
	newKID, err := e.ring.Rotate(t.Context())
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if newKID == oldKID {
		t.Fatalf("Rotate returned the old kid")
	}
	if kid, _ := e.ring.Current(); kid != newKID {
		t.Errorf("Current = %q, want %q", kid, newKID)
	}
	newTok := e.issue(t, leRequest())
	if got := segment(t, newTok.Token, 0)["kid"]; got != newKID {
		t.Errorf("new token kid = %v, want %q", got, newKID)
	}
	// The store holds the rotation too: old key retired at the new key's creation.
	for _, k := range e.keys.keys {
		want := time.Time{}
		if k.KID == oldKID {
			want = rotatedAt
		}
		if !k.RetiredAt.Equal(want) {
			t.Errorf("stored key %s RetiredAt = %v, want %v", k.KID, k.RetiredAt, want)
		}
	}

	// The old token verifies until it expires.
	e.clock.Set(oldTok.ExpiresAt.Add(-time.Second))
	if _, err := e.v.Verify(t.Context(), oldTok.Token); err != nil {
		t.Errorf("old token just before its exp: %v", err)
	}
	if _, err := e.v.Verify(t.Context(), newTok.Token); code(err) != web.ETokenExpired {
		t.Errorf("new token after its exp: %v, want token_expired", err)
	}

	// The old key itself verifies until RetiredAt + maxTTL + leeway, then not.
	// Probe it with a token it signed later on (as a process that had not yet
	// seen the rotation would).
	late := func() string {
		now := e.clock.Now()
		c := jwt.MapClaims{
			"iss": testIssuer, "aud": testAudience, "sub": testRetailer, "kind": "legal-entity", "le": testRetailer,
			"scope": "read", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": "late",
		}
		return sign(t, jwt.SigningMethodEdDSA, oldPriv, map[string]any{"kid": oldKID, "typ": TypLegalEntity}, c)
	}
	windowEnd := rotatedAt.Add(testMaxTTL + MaxLeeway)
	e.clock.Set(windowEnd.Add(-time.Second))
	if _, err := e.v.Verify(t.Context(), late()); err != nil {
		t.Errorf("old key before RetiredAt+maxTTL+leeway: %v", err)
	}
	if _, ok := e.ring.Lookup(oldKID); !ok {
		t.Errorf("Lookup(old) before the window ends = false, want true")
	}
	if !jwksHas(t, e.ring, oldKID) {
		t.Errorf("JWKS before the window ends lacks the old key")
	}
	e.clock.Set(windowEnd)
	_, err = e.v.Verify(t.Context(), late())
	if got, want := code(err), web.EInvalidToken; got != want {
		t.Errorf("old key after the window: code = %q, want %q (err %v)", got, want, err)
	}
	if _, ok := e.ring.Lookup(oldKID); ok {
		t.Errorf("Lookup(old) after the window = true, want false")
	}
	if jwksHas(t, e.ring, oldKID) || !jwksHas(t, e.ring, newKID) {
		t.Errorf("JWKS after the window = %s, want only %s", e.ring.JWKS(), newKID)
	}
}

func TestUnknownKidReloadIsRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	_, otherPriv, _ := ed25519.GenerateKey(nil)
	forged := func(kid string) string {
		return sign(t, jwt.SigningMethodEdDSA, otherPriv, map[string]any{"kid": kid, "typ": TypLegalEntity}, e.apiClaims())
	}
	base := e.keys.Loads()
	for i := range 100 {
		_, err := e.v.Verify(t.Context(), forged("kid-"+string(rune('a'+i%26))))
		if got, want := code(err), web.EInvalidToken; got != want {
			t.Fatalf("code = %q, want %q", got, want)
		}
	}
	if got, want := e.keys.Loads()-base, 1; got != want {
		t.Errorf("store loads for 100 unknown kids = %d, want %d", got, want)
	}
	e.clock.Advance(ReloadInterval - time.Nanosecond)
	e.v.Verify(t.Context(), forged("kid-x"))
	if got, want := e.keys.Loads()-base, 1; got != want {
		t.Errorf("store loads within %s = %d, want %d", ReloadInterval, got, want)
	}
	e.clock.Advance(time.Nanosecond)
	e.v.Verify(t.Context(), forged("kid-y"))
	if got, want := e.keys.Loads()-base, 2; got != want {
		t.Errorf("store loads after %s = %d, want %d", ReloadInterval, got, want)
	}
	// Known kids never touch the store.
	tok := e.issue(t, leRequest()).Token
	vNoCache := NewVerifier(e.ring, e.clients, VerifierConfig{Issuer: testIssuer, Audience: testAudience, Clock: e.clock.Now, CacheSize: -1})
	for range 10 {
		if _, err := vNoCache.Verify(t.Context(), tok); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := e.keys.Loads()-base, 2; got != want {
		t.Errorf("store loads after known kids = %d, want %d", got, want)
	}
}

// A rotation by another process (the admin CLI) is picked up by the unknown-kid
// reload, and by Refresh.
func TestRotationByAnotherProcess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	cli := NewKeyring(e.keys, e.clock.Now, testMaxTTL)
	if err := cli.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	kid, err := cli.Rotate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	other := NewIssuer(cli, testIssuer, testAudience, e.clock.Now)
	tok, err := other.Issue(leRequest())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.v.Verify(t.Context(), tok.Token); err != nil {
		t.Errorf("token with the CLI's new kid: %v", err)
	}
	if got, _ := e.ring.Current(); got != kid {
		t.Errorf("Current after reload = %q, want %q", got, kid)
	}

	// Refresh alone does it too.
	e.clock.Advance(time.Minute)
	kid2, err := cli.Rotate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ring.Refresh(t.Context()); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if got, _ := e.ring.Current(); got != kid2 {
		t.Errorf("Current after Refresh = %q, want %q", got, kid2)
	}
}

func TestRefreshFailureKeepsKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	kid, _ := e.ring.Current()
	e.keys.loadErr = errors.New("database is locked")
	if err := e.ring.Refresh(t.Context()); err == nil {
		t.Errorf("Refresh = nil, want the store's error")
	}
	if got, _ := e.ring.Current(); got != kid {
		t.Errorf("Current after failed Refresh = %q, want %q", got, kid)
	}
}

// Deleting a key from the store (say, it leaked) stops its tokens at the next
// Refresh, including tokens already in the verifier's cache.
func TestRefreshDroppingKeyEvictsCachedTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	oldKID, _ := e.ring.Current()
	tok := e.issue(t, leRequest()).Token
	if _, err := e.v.Verify(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ring.Rotate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.v.Verify(t.Context(), tok); err != nil {
		t.Errorf("after rotation: %v", err)
	}
	e.keys.drop(oldKID)
	if err := e.ring.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, err := e.v.Verify(t.Context(), tok)
	if got, want := code(err), web.EInvalidToken; got != want {
		t.Errorf("after the key was dropped: code = %q, want %q", got, want)
	}
}

func TestJWKS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	kid1, priv1 := e.ring.Current()
	e.clock.Advance(time.Minute)
	kid2, err := e.ring.Rotate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_, priv2 := e.ring.Current()

	raw := e.ring.JWKS()
	var got struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("JWKS %s: %v", raw, err)
	}
	jwkOf := func(kid string, priv ed25519.PrivateKey) map[string]string {
		return map[string]string{
			"kty": "OKP", "crv": "Ed25519", "kid": kid, "alg": "EdDSA", "use": "sig",
			"x": base64.RawURLEncoding.EncodeToString(priv.Public().(ed25519.PublicKey)),
		}
	}
	want := []map[string]string{jwkOf(kid2, priv2), jwkOf(kid1, priv1)} // newest first
	if diff := cmp.Diff(want, got.Keys); diff != "" {
		t.Errorf("JWKS keys mismatch (-want +got):\n%s", diff)
	}
	// x is the 32-byte public key, nothing private.
	for _, k := range got.Keys {
		if b, _ := base64.RawURLEncoding.DecodeString(k["x"]); len(b) != ed25519.PublicKeySize {
			t.Errorf("x of %s decodes to %d bytes, want %d", k["kid"], len(b), ed25519.PublicKeySize)
		}
	}
	// A verifier elsewhere can check a token with the published key.
	tok := e.issue(t, userRequest("alice", false)).Token
	x, _ := base64.RawURLEncoding.DecodeString(got.Keys[0]["x"])
	if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return ed25519.PublicKey(x), nil },
		jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithTimeFunc(e.clock.Now)); err != nil {
		t.Errorf("token does not verify with the JWKS key: %v", err)
	}
}

func TestJWKSEmptyBeforeLoad(t *testing.T) {
	t.Parallel()
	ring := NewKeyring(&fakeKeyStore{}, nil, testMaxTTL)
	if got, want := string(ring.JWKS()), `{"keys":[]}`; got != want {
		t.Errorf("JWKS = %s, want %s", got, want)
	}
}

// Run with -race: issuing and verifying while keys rotate and refresh.
func TestKeyringConcurrentUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 100)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				tok, err := e.issuer.Issue(userRequest("u", g%2 == 0))
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := e.v.Verify(ctx, tok.Token); err != nil {
					t.Errorf("goroutine %d, token %d: %v", g, i, err)
					return
				}
				_ = e.ring.JWKS()
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			if _, err := e.ring.Rotate(ctx); err != nil {
				t.Error(err)
			}
			if err := e.ring.Refresh(ctx); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
}

func jwksHas(t *testing.T, ring *Keyring, kid string) bool {
	t.Helper()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(ring.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Keys {
		if k.Kid == kid {
			return true
		}
	}
	return false
}

func newPriv() ed25519.PrivateKey {
	_, priv, _ := ed25519.GenerateKey(nil)
	return priv
}
