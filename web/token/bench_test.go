package token

import (
	"context"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/roomplanner/planner/web/credcache"
)

// BenchmarkPartnerVerify compares a cold verification of a partner-signed
// token (verified-token cache off, credential cache warm: no store read)
// with golang-jwt's bare HS256 parse of the same token into a claims struct
// (signature, exp and iat checked), in the same run so their ratio holds on a
// noisy machine. Target: verify ≤ 1.5 × bare.
//
//	go test -run '^$' -bench PartnerVerify -count 5 ./web/token
func BenchmarkPartnerVerify(b *testing.B) {
	e := newEnv(b, -1)
	claims := e.partnerClaims()
	claims["kind"], claims["uid"], claims["scope"], claims["jti"] = "user", "alice", "read write", "j-0123456789"
	tok := signPartner(b, testSecret, claims)
	creds := credcache.New(e.clients, credcache.Config{Clock: e.clock.Now})
	v := NewVerifier(e.ring, creds, VerifierConfig{Issuer: testIssuer, Audience: testAudience, Clock: e.clock.Now, CacheSize: -1})
	ctx := context.Background()
	if _, err := v.Verify(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.Run("verify", func(b *testing.B) {
		before := e.clients.calls
		for b.Loop() {
			if _, err := v.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
		if e.clients.calls != before {
			b.Fatalf("%d store reads during the loop, want none", e.clients.calls-before)
		}
	})
	p := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithTimeFunc(e.clock.Now))
	key := func(*jwt.Token) (any, error) { return []byte(testSecret), nil }
	bare := func() error {
		var c tokenClaims
		_, err := p.ParseWithClaims(tok, &c, key)
		return err
	}
	b.Run("golang-jwt-bare", func(b *testing.B) {
		for b.Loop() {
			if err := bare(); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Both in each iteration, timed apart: the ratio of the two on a
	// machine whose load changes from one second to the next.
	b.Run("interleaved", func(b *testing.B) {
		var tv, tb time.Duration
		for b.Loop() {
			t0 := time.Now()
			if _, err := v.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			if err := bare(); err != nil {
				b.Fatal(err)
			}
			tv, tb = tv+t1.Sub(t0), tb+time.Since(t1)
		}
		b.ReportMetric(float64(tv.Nanoseconds())/float64(b.N), "verify-ns/op")
		b.ReportMetric(float64(tb.Nanoseconds())/float64(b.N), "bare-ns/op")
		b.ReportMetric(float64(tv)/float64(tb), "ratio")
	})
}
