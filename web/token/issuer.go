package token

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/roomplanner/planner/web"
)

// Header typ values of API-issued tokens (explicit typing, RFC 8725 §3.11):
// the verifier checks typ against the kind claim, so one kind can never pass
// as the other.
const (
	TypLegalEntity = "le+jwt"
	TypUser        = "user+jwt"
	TypRetailer    = "retailer+jwt"
)

// IssueRequest says what token to issue.
type IssueRequest struct {
	Kind       string        // web.KindLegalEntity, web.KindUser or web.KindRetailer
	RetailerID string        // the legal entity; required
	UID        string        // the host's user id: required for user tokens, empty otherwise
	Scopes     []string      // web.ScopeRead and/or web.ScopeWrite; read is always granted, write only to users
	TTL        time.Duration // lifetime: at least a second, at most the keyring's maxTokenTTL
}

// Issued is a signed token and what the caller needs to hand it out.
type Issued struct {
	Token     string
	Kind      string
	IssuedAt  time.Time
	ExpiresAt time.Time
	JTI       string
}

// Issuer signs API tokens with the keyring's current key.
type Issuer struct {
	keys     *Keyring
	issuer   string
	audience string
	clock    func() time.Time
}

// NewIssuer returns an Issuer that signs with keys' current key and sets the
// iss and aud claims to issuer and audience. clock defaults to time.Now.
func NewIssuer(keys *Keyring, issuer, audience string, clock func() time.Time) *Issuer {
	if clock == nil {
		clock = time.Now
	}
	return &Issuer{keys: keys, issuer: issuer, audience: audience, clock: clock}
}

// issuedClaims are the claims of an API token. aud is a single string, which
// jwt.RegisteredClaims would marshal as an array.
type issuedClaims struct {
	Issuer    string           `json:"iss"`
	Subject   string           `json:"sub"`
	Audience  string           `json:"aud"`
	Kind      string           `json:"kind"`
	LE        string           `json:"le"`
	UID       string           `json:"uid,omitempty"`
	Scope     string           `json:"scope"`
	IssuedAt  *jwt.NumericDate `json:"iat"`
	ExpiresAt *jwt.NumericDate `json:"exp"`
	ID        string           `json:"jti"`
}

// The Get methods make issuedClaims a jwt.Claims; golang-jwt only marshals it.

func (c issuedClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt, nil }
func (c issuedClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return c.IssuedAt, nil }
func (c issuedClaims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (c issuedClaims) GetIssuer() (string, error)                   { return c.Issuer, nil }
func (c issuedClaims) GetSubject() (string, error)                  { return c.Subject, nil }
func (c issuedClaims) GetAudience() (jwt.ClaimStrings, error) {
	return jwt.ClaimStrings{c.Audience}, nil
}

// Issue validates req and signs a token. Invalid requests give a
// web.EValidation error naming the field; a keyring without a key gives an
// internal error.
func (is *Issuer) Issue(req IssueRequest) (Issued, error) {
	scope, err := validateRequest(req, is.keys.maxTokenTTL)
	if err != nil {
		return Issued{}, err
	}
	kid, priv := is.keys.Current()
	if priv == nil {
		return Issued{}, fmt.Errorf("issue token: no signing key loaded")
	}
	now := is.clock()
	iat := jwt.NewNumericDate(now)
	exp := jwt.NewNumericDate(now.Add(req.TTL))
	c := issuedClaims{
		Issuer: is.issuer, Audience: is.audience, Kind: req.Kind, LE: req.RetailerID,
		Scope: scope, IssuedAt: iat, ExpiresAt: exp, ID: newJTI(),
	}
	typ := TypLegalEntity
	c.Subject = req.RetailerID
	switch req.Kind {
	case web.KindUser:
		typ = TypUser
		c.Subject, c.UID = req.UID, req.UID
	case web.KindRetailer:
		typ = TypRetailer
	}
	signed, err := signEdDSA(priv, kid, typ, c)
	if err != nil {
		return Issued{}, fmt.Errorf("sign token: %w", err)
	}
	return Issued{Token: signed, Kind: req.Kind, IssuedAt: iat.Time, ExpiresAt: exp.Time, JTI: c.ID}, nil
}

// validateRequest checks req and returns its scope claim.
func validateRequest(req IssueRequest, maxTTL time.Duration) (string, error) {
	switch req.Kind {
	case web.KindLegalEntity, web.KindRetailer:
		if req.UID != "" {
			return "", web.FieldErrorf("user_id", "is only for user tokens; %s tokens speak for no user", req.Kind)
		}
	case web.KindUser:
		if req.UID == "" {
			return "", web.FieldErrorf("user_id", "is required for user tokens")
		}
		if !web.ValidUserID(req.UID) {
			return "", web.FieldErrorf("user_id", "must be 1-%d printable characters", web.MaxUserIDLen)
		}
	default:
		return "", web.FieldErrorf("kind", "must be legal-entity, user or retailer, got %q", req.Kind)
	}
	if req.RetailerID == "" {
		return "", web.FieldErrorf("retailer", "is required")
	}
	write := false
	for _, s := range req.Scopes {
		switch s {
		case web.ScopeRead:
		case web.ScopeWrite:
			write = true
		default:
			return "", web.FieldErrorf("access", "must be read or write, got %q", s)
		}
	}
	if write && req.Kind != web.KindUser {
		return "", web.FieldErrorf("access", "%s tokens are read-only; ask for a user token to write", req.Kind)
	}
	if req.TTL < time.Second {
		return "", web.FieldErrorf("ttl", "must be at least 1 second, got %s", req.TTL)
	}
	if maxTTL > 0 && req.TTL > maxTTL {
		// Longer tokens would outlive their key's verification window after a rotation.
		return "", web.FieldErrorf("ttl", "must be at most %s, got %s", maxTTL, req.TTL)
	}
	if write {
		return web.ScopeRead + " " + web.ScopeWrite, nil
	}
	return web.ScopeRead, nil
}

// newJTI returns a random 128-bit token id in base64url.
func newJTI() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// jwtHeader is an issued token's JOSE header, its fields in the order
// golang-jwt writes its header map (sorted), so tokens read as before.
type jwtHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// signEdDSA returns the compact JWS of c signed with priv: what golang-jwt's
// SignedString makes, built in one buffer without its header map and
// intermediate strings (minting is a hot path; Ed25519 itself is kept).
func signEdDSA(priv ed25519.PrivateKey, kid, typ string, c issuedClaims) (string, error) {
	hdr, err := json.Marshal(jwtHeader{Alg: jwt.SigningMethodEdDSA.Alg(), Kid: kid, Typ: typ})
	if err != nil {
		return "", err
	}
	claims, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	n := enc.EncodedLen(len(hdr)) + 1 + enc.EncodedLen(len(claims))
	buf := make([]byte, 0, n+1+enc.EncodedLen(ed25519.SignatureSize))
	buf = enc.AppendEncode(buf, hdr)
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, claims)
	sig := ed25519.Sign(priv, buf[:n])
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sig)
	return string(buf), nil
}
