package bff

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// partnerClaims are the claims of a partner-signed token.
type partnerClaims struct {
	ClientID string `json:"clientId"`
	Kind     string `json:"kind"`
	UID      string `json:"uid,omitempty"`
	Scope    string `json:"scope"`
	jwt.RegisteredClaims
}

// partner signs HS256 tokens with the API secret: no network hop, no failure
// modes beyond the clock.
type partner struct {
	clientID string
	secret   []byte
	ttl      time.Duration
	clock    func() time.Time
	random   func() float64
	metrics  *metrics
	log      *slog.Logger
}

func (p *partner) mint(_ context.Context, k key) (token, error) {
	// Whole seconds: iat and exp are NumericDates, and exp - iat must not
	// exceed the cap however they are rounded.
	now := p.clock().Truncate(time.Second)
	exp := now.Add(p.ttl)
	scope := "read"
	if k.kind == KindUser {
		scope = "read write"
	}
	jti := rand.Text()
	claims := partnerClaims{
		ClientID: p.clientID,
		Kind:     k.kind,
		UID:      k.uid,
		Scope:    scope,
		RegisteredClaims: jwt.RegisteredClaims{
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        jti,
		},
	}
	// jwt.New sets the header typ "JWT", as the API expects.
	raw, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(p.secret)
	if err != nil {
		return token{}, fmt.Errorf("sign partner token: %w", err)
	}
	p.metrics.localMints[kindIndex(k.kind)].Add(1)
	p.log.Debug("planner token signed", "kind", k.kind, "jti", jti, "expires_in", p.ttl.String())
	return newToken(raw, k.kind, k.uid, jti, now, exp, p.random()), nil
}
