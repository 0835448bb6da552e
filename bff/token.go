package bff

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/roomplanner/planner/web"
)

// Token kinds, as the planner API names them.
const (
	// KindLegalEntity is the token of an anonymous visitor: read-only.
	KindLegalEntity = web.KindLegalEntity
	// KindUser is the token of the host's signed-in user: reads, and writes that user's own projects.
	KindUser = web.KindUser
)

// Timing of cached tokens.
const (
	// maxMinRemaining is the most a token must have left to be handed out.
	maxMinRemaining = 60 * time.Second
	// refreshFraction is the share of a token's life after which a refresh
	// starts, ± refreshJitter.
	refreshFraction = 0.75
	refreshJitter   = 0.05
)

// key names one cache slot: the legal-entity token, or one user's token.
// Kind is part of the key so an anonymous visitor and a user whose id is
// empty or odd can never share a slot.
type key struct {
	kind string
	uid  string
}

func (k key) String() string { return k.kind + "\x00" + k.uid }

// token is one minted token and the BFF's timing for it, all on the BFF's clock.
type token struct {
	raw          string
	kind, uid    string
	jti          string
	mintedAt     time.Time // when the request that minted it started
	expiresAt    time.Time // conservative: mintedAt + the lifetime the issuer stated
	refreshAt    time.Time // from here on a request starts a background refresh
	minRemaining time.Duration
}

// newToken computes the timing of a token valid from mintedAt to expiresAt.
// random in [0,1) places the refresh point within the jitter band.
func newToken(raw, kind, uid, jti string, mintedAt, expiresAt time.Time, random float64) token {
	life := expiresAt.Sub(mintedAt)
	m := minRemaining(life)
	return token{
		raw: raw, kind: kind, uid: uid, jti: jti,
		mintedAt: mintedAt, expiresAt: expiresAt,
		refreshAt:    mintedAt.Add(refreshAfter(life, m, random)),
		minRemaining: m,
	}
}

// minRemaining is the least a token must have left to be handed out:
// min(60 s, life/4), so short lifetimes (e.g. 30 s) still leave most of the
// token usable.
func minRemaining(life time.Duration) time.Duration {
	return min(maxMinRemaining, life/4)
}

// refreshAfter is when, after minting, a background refresh starts: 75 % ±
// 5 % of the life. When minRemaining takes a large share of a short life the
// whole band is pulled earlier in proportion, so that even its late edge
// comes before the token stops being handed out (life - m).
func refreshAfter(life, m time.Duration, random float64) time.Duration {
	frac := refreshFraction + refreshJitter*(2*random-1)
	// servable is the share of the life during which the token is handed out.
	// Below 0.85 the band is scaled by servable/0.85, so its late edge (0.80)
	// lands at most at 94 % of that share, leaving time for the refresh.
	const servableFloor = 0.85
	if servable := float64(life-m) / float64(life); servable < servableFloor {
		frac *= servable / servableFloor
	}
	return time.Duration(frac * float64(life))
}

// servable reports whether the token may be handed out at now.
func (t token) servable(now time.Time) bool {
	return t.raw != "" && t.expiresAt.Sub(now) >= t.minRemaining
}

// fresh reports whether the token is servable and not yet due for a refresh.
func (t token) fresh(now time.Time) bool {
	return t.servable(now) && now.Before(t.refreshAt)
}

// jwtClaims are the claims the BFF reads, unverified, from a token the API
// returned: as a sanity check that it is the kind asked for, and for the jti
// to log.
type jwtClaims struct {
	Kind string `json:"kind"`
	UID  string `json:"uid"`
	JTI  string `json:"jti"`
}

// peekClaims decodes a JWT's payload without verifying it.
func peekClaims(raw string) (jwtClaims, error) {
	var c jwtClaims
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return c, errors.New("token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return c, errors.New("token payload is not base64url")
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return c, errors.New("token payload is not a JSON object")
	}
	return c, nil
}
