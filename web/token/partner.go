package token

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/roomplanner/planner/web"
)

// PartnerCacheTTL bounds how long a verified partner token is cached, so a
// rotated API secret stops verifying tokens signed with the old one within it.
const PartnerCacheTTL = time.Minute

// maxClientIDLen bounds the clientId looked up in the store.
const maxClientIDLen = 256

// verifyPartner verifies an HS256 token a retailer's backend signed with its
// API secret (claims clientId, iat, exp and optional kind, uid, scope, jti) and
// returns its principal and how long it may be cached.
func (v *Verifier) verifyPartner(ctx context.Context, raw string, h header, now time.Time) (web.Principal, time.Time, error) {
	fail := func(err error) (web.Principal, time.Time, error) { return web.Principal{}, time.Time{}, err }
	if v.clients == nil {
		return fail(invalid("partner tokens are not accepted here"))
	}
	// The secret to check the signature with depends on an unverified claim;
	// nothing else is trusted before the signature is checked. The claims
	// are decoded once, as golang-jwt's strict parser would (Verify has
	// decoded the header and pinned HS256), and checked below with its HS256
	// method and claims validator.
	signed := raw[:strings.LastIndexByte(raw, '.')]
	var c tokenClaims
	payload, err := base64.RawURLEncoding.Strict().DecodeString(signed[strings.IndexByte(signed, '.')+1:])
	if err != nil || json.Unmarshal(payload, &c) != nil {
		return fail(invalid("token is malformed"))
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(raw[len(signed)+1:])
	if err != nil {
		return fail(invalid("token is malformed"))
	}
	if c.ClientID == "" {
		return fail(invalid("partner token has no clientId"))
	}
	if len(c.ClientID) > maxClientIDLen {
		return fail(invalid("partner token clientId is too long"))
	}
	cred, err := v.clients.Credential(ctx, c.ClientID)
	if err != nil {
		if web.ErrorCode(err) == web.ENotFound {
			return fail(invalid("partner token names an unknown client"))
		}
		return fail(fmt.Errorf("verify partner token: look up client: %w", err))
	}
	if len(cred.Secret) == 0 || cred.RetailerID == "" {
		return fail(invalid("partner token cannot be verified for this client"))
	}
	err = jwt.SigningMethodHS256.Verify(signed, sig, cred.Secret)
	if err != nil {
		// The secret may have been rotated by another process since it was
		// cached: a reloading store (web/credcache) re-reads it, at most
		// once a second per key, so the new secret works at once.
		if r, ok := v.clients.(reloader); ok {
			if fresh, rerr := r.Reload(ctx, c.ClientID); rerr == nil && len(fresh.Secret) > 0 && fresh.RetailerID != "" &&
				!bytes.Equal(fresh.Secret, cred.Secret) {
				cred = fresh
				err = jwt.SigningMethodHS256.Verify(signed, sig, cred.Secret)
			}
		}
	}
	if err != nil {
		err = fmt.Errorf("%w: %w", jwt.ErrTokenSignatureInvalid, err)
	} else if verr := v.partnerClaims.Validate(&c); verr != nil {
		err = fmt.Errorf("%w: %w", jwt.ErrTokenInvalidClaims, verr)
	}
	expired, err := classify(err, &c)
	if err != nil {
		return fail(err)
	}
	if h.hasTyp {
		if s, _ := h.typ.(string); !strings.EqualFold(s, "JWT") {
			return fail(invalid("partner token typ must be JWT"))
		}
	}
	// A partner token need not name an audience; if it does, it must be this
	// service alone, so a token the retailer minted for another of its
	// services is not accepted here.
	for _, aud := range c.Audience {
		if aud != v.audience {
			return fail(invalid("partner token aud must be absent or %q", v.audience))
		}
	}
	if c.IssuedAt == nil {
		return fail(invalid("partner token has no iat"))
	}
	lifetime := c.ExpiresAt.Sub(c.IssuedAt.Time)
	if lifetime > web.MaxPartnerTokenTTL {
		return fail(invalid("partner token lifetime exceeds 15 minutes"))
	}
	if lifetime <= 0 {
		return fail(invalid("partner token expires before it is issued"))
	}
	p := web.Principal{RetailerID: cred.RetailerID, ExpiresAt: c.ExpiresAt.Time, JTI: c.ID, Partner: true}
	switch c.Kind {
	case "", web.KindLegalEntity:
		p.Kind = web.KindLegalEntity
		if c.UID != "" {
			return fail(invalid("partner legal-entity token carries a uid"))
		}
	case web.KindUser:
		p.Kind = web.KindUser
		if !web.ValidUserID(c.UID) {
			return fail(invalid("partner user token needs a uid of 1-%d printable characters", web.MaxUserIDLen))
		}
		p.UID = c.UID
	default:
		// Retailer tokens are minted by the API only (POST /v1/tokens):
		// a BFF signing its own could hand one to a page by mistake.
		return fail(invalid("partner token kind must be legal-entity or user"))
	}
	if len(c.ID) > 128 {
		return fail(invalid("partner token jti is longer than 128 bytes"))
	}
	if p.Scopes, err = parseScope(c.Scope, p.Kind); err != nil {
		return fail(err)
	}
	if expired || !now.Before(p.ExpiresAt) {
		return fail(expiredFor(p))
	}
	until := now.Add(PartnerCacheTTL)
	if p.ExpiresAt.Before(until) {
		until = p.ExpiresAt
	}
	return p, until, nil
}

// reloader is a ClientStore that caches credentials and can re-read one
// (web/credcache.Cache).
type reloader interface {
	Reload(ctx context.Context, apiKey string) (web.Credential, error)
}
