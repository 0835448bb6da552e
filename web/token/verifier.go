package token

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/golang-jwt/jwt/v5"
	"github.com/roomplanner/planner/web"
)

// MaxTokenSize is the longest raw token, in bytes, that Verify looks at.
const MaxTokenSize = 8 << 10

// DefaultCacheSize is the number of verified tokens a Verifier remembers by default.
const DefaultCacheSize = 10000

// VerifierConfig configures a Verifier.
type VerifierConfig struct {
	// Issuer is the iss claim API tokens must carry (the service's public URL). Required.
	Issuer string
	// Audience is the aud claim API tokens must carry ("planner-api"). Required.
	Audience string
	// Leeway is the clock skew tolerated on iat (a token "issued in the future").
	// Default and maximum MaxLeeway (5 s); negative means none. It never extends
	// exp: a token stops verifying at its exp, cached or not.
	Leeway time.Duration
	// Clock returns the current time. Default time.Now.
	Clock func() time.Time
	// CacheSize bounds the cache of verified tokens. Default DefaultCacheSize;
	// negative disables the cache (every Verify checks a signature).
	CacheSize int
}

// ClientStore finds a retailer's API credential by API key; partner tokens are
// verified with its secret. The SQLite store implements it.
type ClientStore interface {
	// Credential returns the credential of apiKey, or an error with code
	// web.ENotFound if there is none.
	Credential(ctx context.Context, apiKey string) (web.Credential, error)
}

// Verifier checks Bearer tokens: API-issued EdDSA tokens against the keyring
// and partner-signed HS256 tokens against the client's API secret. It is safe
// for concurrent use.
type Verifier struct {
	keys     *Keyring
	clients  ClientStore
	audience string
	clock    func() time.Time
	leeway   time.Duration
	cache    *cache

	// secretRotations counts RevokePartnerTokens calls; cached partner-token
	// verifications from before the last one are not used.
	secretRotations atomic.Uint64
	// cacheHits counts the Verify calls answered from the cache (CacheHits).
	cacheHits atomic.Uint64

	apiParser *jwt.Parser
	// partnerClaims validates partner tokens' claims; their signature is
	// checked by verifyPartner with the HS256 method itself.
	partnerClaims *jwt.Validator
}

// NewVerifier returns a Verifier of tokens signed by keys (API tokens) or by a
// client of clients (partner tokens). A nil keys or clients rejects that kind
// of token. It panics if cfg.Issuer or cfg.Audience is empty, which would turn
// those checks off.
func NewVerifier(keys *Keyring, clients ClientStore, cfg VerifierConfig) *Verifier {
	if cfg.Issuer == "" || cfg.Audience == "" {
		panic("token: NewVerifier needs an issuer and an audience")
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	switch {
	case cfg.Leeway == 0 || cfg.Leeway > MaxLeeway:
		cfg.Leeway = MaxLeeway
	case cfg.Leeway < 0:
		cfg.Leeway = 0
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	return &Verifier{
		keys:     keys,
		clients:  clients,
		audience: cfg.Audience,
		clock:    cfg.Clock,
		leeway:   cfg.Leeway,
		cache:    newCache(cfg.CacheSize),
		// golang-jwt checks neither exp nor iat unless told to: every option
		// below is deliberate.
		apiParser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithAudience(cfg.Audience),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithLeeway(cfg.Leeway),
			jwt.WithTimeFunc(cfg.Clock),
			jwt.WithStrictDecoding(),
		),
		partnerClaims: jwt.NewValidator(
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(cfg.Leeway),
			jwt.WithTimeFunc(cfg.Clock),
		),
	}
}

// Verify checks raw and returns whom it speaks for. A token that is valid but
// past its exp gives a web.ETokenExpired error; any other rejection gives
// web.EInvalidToken with a short reason. Only a failing store gives another
// (internal) error.
func (v *Verifier) Verify(ctx context.Context, raw string) (web.Principal, error) {
	if raw == "" {
		return web.Principal{}, invalid("token is empty")
	}
	if len(raw) > MaxTokenSize {
		return web.Principal{}, invalid("token is longer than %d bytes", MaxTokenSize)
	}
	now := v.clock()
	sum := tokenHash(raw)
	// Read before verifying: a rotation that lands during verification makes
	// the entry stale rather than letting it outlive the rotation.
	epoch := cacheEpoch{secrets: v.secretRotations.Load()}
	if v.keys != nil {
		epoch.keys = v.keys.epoch()
	}
	if p, ok := v.cache.get(sum, now, epoch); ok {
		v.cacheHits.Add(1)
		p.Scopes = slices.Clone(p.Scopes)
		return p, nil
	}

	// Route on the unverified header; each route then pins its one algorithm,
	// so a token can never choose how it is verified (no "none", and no HS256
	// checked with an Ed25519 public key as the HMAC secret).
	h, err := parseHeader(raw)
	if err != nil {
		return web.Principal{}, err
	}
	var (
		p     web.Principal
		until time.Time
	)
	switch h.alg {
	case jwt.SigningMethodEdDSA.Alg():
		p, until, err = v.verifyAPI(ctx, raw, h.kid, now)
	case jwt.SigningMethodHS256.Alg():
		p, until, err = v.verifyPartner(ctx, raw, h, now)
	default:
		return web.Principal{}, invalid("token algorithm is not accepted (want EdDSA, or HS256 for partner tokens)")
	}
	if err != nil {
		return web.Principal{}, err
	}
	v.cache.put(sum, p, until, epoch, now)
	p.Scopes = slices.Clone(p.Scopes)
	return p, nil
}

// CacheHits returns how many Verify calls were answered from the cache of
// verified tokens, without checking a signature; the service's metrics read it.
func (v *Verifier) CacheHits() uint64 { return v.cacheHits.Load() }

// RevokePartnerTokens forgets every cached partner-token verification, so the
// next use of each such token checks its signature against the secret the
// store holds now. The service calls it when an API secret was rotated (by
// this or another process); tokens signed with the old secret then fail.
func (v *Verifier) RevokePartnerTokens() { v.secretRotations.Add(1) }

// tokenHash returns the cache key of raw. It hashes the string's bytes in
// place: []byte(raw) would copy the token on every request, and Sum256 only
// reads its input.
func tokenHash(raw string) [sha256.Size]byte {
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(raw), len(raw)))
}

// header is what Verify reads of a JOSE header.
type header struct {
	alg, kid string
	typ      any  // the typ member, if hasTyp
	hasTyp   bool // typ is present (even as null)
}

// parseHeader decodes the JOSE header of raw, unverified, and returns its alg,
// kid and typ.
func parseHeader(raw string) (header, error) {
	seg, _, ok := strings.Cut(raw, ".")
	if !ok || strings.Count(raw, ".") != 2 {
		return header{}, invalid("token is not a JWT (want three dot-separated parts)")
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(seg)
	if err != nil {
		return header{}, invalid("token header is not base64url")
	}
	// A map, as golang-jwt decodes it, so both read the same members (struct
	// decoding would also match "ALG").
	var h map[string]any
	if err := json.Unmarshal(b, &h); err != nil || h == nil {
		return header{}, invalid("token header is not a JSON object")
	}
	alg, ok := h["alg"].(string)
	if !ok {
		return header{}, invalid("token header has no alg")
	}
	// RFC 7515 §4.1.11: crit lists extensions the verifier must understand or
	// refuse the token. This one implements none, so any crit is refused.
	if _, ok := h["crit"]; ok {
		return header{}, invalid("token header has crit extensions, which are not supported")
	}
	kid, _ := h["kid"].(string)
	typ, hasTyp := h["typ"]
	return header{alg: alg, kid: kid, typ: typ, hasTyp: hasTyp}, nil
}

// tokenClaims are the claims of both kinds of token as parsed.
type tokenClaims struct {
	jwt.RegisteredClaims
	Kind     string `json:"kind"`
	LE       string `json:"le"`
	UID      string `json:"uid"`
	Scope    string `json:"scope"`
	ClientID string `json:"clientId"`
}

// verifyAPI verifies an EdDSA token signed by the keyring and returns its
// principal and how long it may be cached.
func (v *Verifier) verifyAPI(ctx context.Context, raw, kid string, now time.Time) (web.Principal, time.Time, error) {
	if v.keys == nil {
		return web.Principal{}, time.Time{}, invalid("API tokens are not accepted here")
	}
	if kid == "" {
		return web.Principal{}, time.Time{}, invalid("token header has no kid")
	}
	// The kid is only ever a map key; lookup reloads the store for an unknown
	// kid at most once per ReloadInterval.
	pub, ok := v.keys.lookup(ctx, kid)
	if !ok {
		return web.Principal{}, time.Time{}, invalid("token is signed with an unknown or retired key")
	}
	var c tokenClaims
	tok, err := v.apiParser.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		if t.Method.Alg() != jwt.SigningMethodEdDSA.Alg() {
			return nil, errors.New("unexpected signing method")
		}
		return pub, nil
	})
	expired, err := classify(err, &c)
	if err != nil {
		return web.Principal{}, time.Time{}, err
	}
	typ, _ := tok.Header["typ"].(string)
	p, err := v.apiPrincipal(typ, &c)
	if err != nil {
		return web.Principal{}, time.Time{}, err
	}
	if expired || !now.Before(p.ExpiresAt) {
		return web.Principal{}, time.Time{}, expiredFor(p)
	}
	return p, p.ExpiresAt, nil
}

// apiPrincipal checks the claims golang-jwt does not know about.
func (v *Verifier) apiPrincipal(typ string, c *tokenClaims) (web.Principal, error) {
	// Explicit typing (RFC 8725 §3.11): the header typ must name the kind
	// claim exactly, so a legal-entity token can never pass as a user token.
	var wantTyp string
	switch c.Kind {
	case web.KindLegalEntity:
		wantTyp = TypLegalEntity
	case web.KindUser:
		wantTyp = TypUser
	case web.KindRetailer:
		wantTyp = TypRetailer
	default:
		return web.Principal{}, invalid("token kind must be legal-entity, user or retailer")
	}
	if typ != wantTyp {
		return web.Principal{}, invalid("token typ does not match its kind")
	}
	if c.LE == "" {
		return web.Principal{}, invalid("token has no le claim")
	}
	switch c.Kind {
	case web.KindLegalEntity, web.KindRetailer:
		if c.UID != "" {
			return web.Principal{}, invalid("%s token carries a uid", c.Kind)
		}
		if c.Subject != c.LE {
			return web.Principal{}, invalid("token sub does not match its le claim")
		}
	case web.KindUser:
		if !web.ValidUserID(c.UID) {
			return web.Principal{}, invalid("user token needs a uid of 1-%d printable characters", web.MaxUserIDLen)
		}
		if c.Subject != c.UID {
			return web.Principal{}, invalid("token sub does not match its uid claim")
		}
	}
	if c.ID == "" {
		return web.Principal{}, invalid("token has no jti")
	}
	if c.IssuedAt == nil {
		return web.Principal{}, invalid("token has no iat")
	}
	if v.keys.maxTokenTTL > 0 && c.ExpiresAt.Sub(c.IssuedAt.Time) > v.keys.maxTokenTTL {
		return web.Principal{}, invalid("token lifetime exceeds %s", v.keys.maxTokenTTL)
	}
	if c.Scope == "" {
		return web.Principal{}, invalid("token has no scope")
	}
	scopes, err := parseScope(c.Scope, c.Kind)
	if err != nil {
		return web.Principal{}, err
	}
	return web.Principal{
		Kind: c.Kind, RetailerID: c.LE, UID: c.UID, Scopes: scopes,
		ExpiresAt: c.ExpiresAt.Time, JTI: c.ID,
	}, nil
}

// parseScope parses a space-separated scope claim; an empty one means read.
// The result always includes read; write is for user tokens only.
func parseScope(scope, kind string) ([]string, error) {
	write := false
	for s := range strings.FieldsSeq(scope) {
		switch s {
		case web.ScopeRead:
		case web.ScopeWrite:
			write = true
		default:
			return nil, invalid("token scope must be read or read write")
		}
	}
	if !write {
		return []string{web.ScopeRead}, nil
	}
	if kind != web.KindUser {
		return nil, invalid("%s tokens may only read", kind)
	}
	return []string{web.ScopeRead, web.ScopeWrite}, nil
}

// otherClaimErrors are golang-jwt's claim errors besides expiry.
var otherClaimErrors = []struct {
	err    error
	reason string
}{
	{jwt.ErrTokenInvalidAudience, "token is meant for another audience"},
	{jwt.ErrTokenInvalidIssuer, "token is from another issuer"},
	{jwt.ErrTokenUsedBeforeIssued, "token is issued in the future"},
	{jwt.ErrTokenNotValidYet, "token is not valid yet (nbf)"},
	{jwt.ErrTokenInvalidSubject, "token has an unexpected sub"},
	{jwt.ErrInvalidType, "token has a claim of the wrong type"},
}

// classify turns a golang-jwt error into a rejection. expired reports that the
// signature and every claim checked so far are fine except that the token has
// expired: the caller still checks its own claims before saying so.
func classify(err error, c *tokenClaims) (expired bool, _ error) {
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, jwt.ErrTokenMalformed):
		return false, invalid("token is malformed")
	case !errors.Is(err, jwt.ErrTokenInvalidClaims):
		// Reached only before the claims are looked at: wrong method, bad
		// signature, keyfunc refusal.
		return false, invalid("token signature is invalid")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		switch {
		case c.ExpiresAt == nil:
			return false, invalid("token has no exp")
		case c.Issuer == "":
			return false, invalid("token has no iss")
		case len(c.Audience) == 0:
			return false, invalid("token has no aud")
		}
		return false, invalid("token lacks a required claim")
	}
	for _, o := range otherClaimErrors {
		if errors.Is(err, o.err) {
			return false, invalid("%s", o.reason)
		}
	}
	if errors.Is(err, jwt.ErrTokenExpired) {
		return true, nil
	}
	return false, invalid("token claims are invalid")
}

// invalid returns an EInvalidToken error. Reasons never quote the token.
func invalid(format string, args ...any) *web.Error {
	return web.Errorf(web.EInvalidToken, format, args...)
}

// ExpiredError is the rejection of a token whose signature and claims
// verified but which has expired: the one answer that makes a client refresh
// and retry. It unwraps to its *web.Error (code web.ETokenExpired) and names
// the token's retailer, which the signature vouches for, so the service can
// count the failure for that retailer (web/retailermetrics).
type ExpiredError struct {
	Err        *web.Error
	RetailerID string
}

func (e *ExpiredError) Error() string { return e.Err.Error() }

// Unwrap returns the web error.
func (e *ExpiredError) Unwrap() error { return e.Err }

// ExpiredRetailer returns the retailer of an expired token's rejection, if
// err is one.
func ExpiredRetailer(err error) (string, bool) {
	var e *ExpiredError
	if errors.As(err, &e) {
		return e.RetailerID, true
	}
	return "", false
}

// expiredFor is the rejection of p's token, which has expired.
func expiredFor(p web.Principal) error {
	return &ExpiredError{
		Err:        web.Errorf(web.ETokenExpired, "token expired at %s", p.ExpiresAt.UTC().Format(time.RFC3339)),
		RetailerID: p.RetailerID,
	}
}
