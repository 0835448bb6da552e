package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/ratelimit"
	"github.com/roomplanner/planner/web/token"
)

// MaxTokenTTL is web.MaxTokenTTL, the longest lifetime POST /v1/tokens
// grants (web/service sizes the key window with it).
const MaxTokenTTL = web.MaxTokenTTL

const (
	maxTokenCount = 100
	maxFormBody   = 16 << 10
)

// tokenResponse is one issued token as the API returns it.
type tokenResponse struct {
	Token      string    `json:"token"`
	Kind       string    `json:"kind"`
	ExpiresAt  time.Time `json:"expiresAt"`
	ExpiresIn  int       `json:"expiresIn"`
	ServerTime time.Time `json:"serverTime"`
}

// tokenRequest is the validated form of POST /v1/tokens.
type tokenRequest struct {
	kind   string
	userID string
	scopes []string
	ttl    time.Duration
	count  int
	batch  bool
}

// tokenLimits are POST /v1/tokens' rate limits. The API key is not a secret
// (partner-signed tokens carry it), so nothing an unauthenticated caller does
// may spend the budget of the key's genuine caller.
type tokenLimits struct {
	ok      *ratelimit.Keyed // per API key, successful mints only
	failKey *ratelimit.Keyed // failed attempts per presented API key
	failIP  *ratelimit.Keyed // failed attempts per peer address (c.RealIP)
}

// failed counts a failed attempt against the presented key (the address's
// token was taken before the attempt); past the key's failure budget the
// answer becomes 429 instead of err.
func (l tokenLimits) failed(key string, err error) error {
	if key == "" {
		return err
	}
	if ok, wait := l.failKey.Allow(key); !ok {
		return rateLimited("too many failed token requests", wait)
	}
	return err
}

func rateLimited(msg string, wait time.Duration) error {
	return &web.Error{Code: web.ERateLimited, Message: msg, Extra: map[string]any{"retryAfter": ratelimit.RetryAfterSeconds(wait)}}
}

// handleTokenCreate issues tokens to a retailer's backend that proves itself
// with its API key and secret.
func handleTokenCreate(creds CredentialStore, issuer TokenIssuer, limits tokenLimits, metrics MetricsRecorder, clock func() time.Time) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		ip := c.RealIP()
		// An address past its failure budget gets no further: its guesses
		// are not checked at all. Only its own failures put it there. The
		// token is taken before the attempt, so parallel guesses cannot all
		// pass a check made before any of them failed; a success gives it
		// back.
		okIP, wait, refundIP := limits.failIP.Take(ip)
		if !okIP {
			return rateLimited("too many failed token requests from this address", wait)
		}
		if _, err := readBody(c, maxFormBody); err != nil {
			return err
		}
		if err := r.ParseForm(); err != nil {
			return web.Errorf(web.EValidation, "body: not a valid form: %v", err)
		}
		key, secret, ok := r.BasicAuth()
		if !ok {
			key, secret = r.PostForm.Get("api_key"), r.PostForm.Get("api_secret")
		}
		if key == "" || secret == "" {
			return limits.failed("", web.Errorf(web.EInvalidClient, "API key and secret are required (form fields api_key and api_secret, or HTTP Basic)"))
		}
		// The secret is checked before any per-key budget is spent: the
		// success limit counts proven callers only, and failures have their
		// own per-key and per-address budgets.
		cred, err := authenticateClient(c, creds, key, secret)
		if web.ErrorCode(err) == web.EInvalidClient {
			// A known key with a wrong secret is the retailer's to see; an
			// unknown key belongs to nobody.
			metrics.AuthFailure(cred.RetailerID, web.EInvalidClient)
			return limits.failed(key, err)
		}
		// Proven (or failed on our side): not the caller's failure.
		refundIP()
		if err != nil {
			return err
		}
		if ok, wait := limits.ok.Allow(key); !ok {
			return rateLimited("too many token requests for this API key", wait)
		}
		req, err := parseTokenRequest(r.PostForm)
		if err != nil {
			return err
		}
		now := clock()
		out := make([]tokenResponse, 0, req.count)
		for range req.count {
			t, err := issuer.Issue(token.IssueRequest{Kind: req.kind, RetailerID: cred.RetailerID, UID: req.userID, Scopes: req.scopes, TTL: req.ttl})
			if err != nil {
				return err
			}
			out = append(out, tokenResponse{
				Token: t.Token, Kind: t.Kind, ExpiresAt: t.ExpiresAt.UTC(), ServerTime: now.UTC(),
				ExpiresIn: int(t.ExpiresAt.Sub(now).Round(time.Second) / time.Second),
			})
		}
		metrics.Minted(cred.RetailerID, req.kind, len(out))
		c.Response().Header().Set("Cache-Control", "no-store")
		c.Response().Header().Set("Pragma", "no-cache")
		// Encoded by hand into one buffer: encoding/json's reflection was a
		// tenth of a mint's cost. The bytes are what it wrote.
		buf := make([]byte, 0, 64+len(out)*(len(out[0].Token)+160))
		if req.batch {
			buf = append(buf, `{"tokens":[`...)
			for i, t := range out {
				if i > 0 {
					buf = append(buf, ',')
				}
				buf = t.appendJSON(buf)
			}
			buf = append(buf, "]}"...)
		} else {
			buf = out[0].appendJSON(buf)
		}
		return c.JSONBlob(http.StatusOK, append(buf, '\n'))
	}
}

// appendJSON appends t as encoding/json would marshal it.
func (t tokenResponse) appendJSON(b []byte) []byte {
	b = append(b, `{"token":`...)
	b = appendJSONString(b, t.Token)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, t.Kind)
	b = append(b, `,"expiresAt":"`...)
	b = t.ExpiresAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","expiresIn":`...)
	b = strconv.AppendInt(b, int64(t.ExpiresIn), 10)
	b = append(b, `,"serverTime":"`...)
	b = t.ServerTime.AppendFormat(b, time.RFC3339Nano)
	return append(b, `"}`...)
}

// appendJSONString appends s quoted; strings of other than plain printable
// ASCII (never a JWT or a kind) go through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// dummySecret is compared against when the API key is unknown, so a wrong key
// costs the same as a wrong secret.
var dummySecret = sha256.Sum256([]byte("no such client"))

// credentialReloader is a CredentialStore that caches (web/credcache.Cache)
// and can re-read one key.
type credentialReloader interface {
	Reload(ctx context.Context, apiKey string) (web.Credential, error)
}

// authenticateClient checks key and secret, giving the same answer whichever
// is wrong. For a known key with a wrong secret the returned credential
// carries the key's RetailerID alone (for its failure count), never the secret.
func authenticateClient(c echo.Context, creds CredentialStore, key, secret string) (web.Credential, error) {
	ctx := c.Request().Context()
	got := sha256.Sum256([]byte(secret))
	cred, err := creds.Credential(ctx, key)
	if err == nil && !secretMatches(got, cred.Secret) {
		// A cached secret may predate a rotation made by another process:
		// re-read it (at most once a second per key) so the new secret
		// works at once. Unknown keys are not re-read: the cache answers
		// them for a bounded time so they cannot make every request read
		// the database.
		if r, ok := creds.(credentialReloader); ok {
			cred, err = r.Reload(ctx, key)
		}
	}
	if err != nil && web.ErrorCode(err) != web.ENotFound {
		return web.Credential{}, err
	}
	var ok bool
	if err == nil {
		ok = secretMatches(got, cred.Secret)
	} else {
		secretMatches(got, dummySecret[:]) // same work as a known key
	}
	if !ok {
		return web.Credential{RetailerID: cred.RetailerID}, web.Errorf(web.EInvalidClient, "unknown API key or wrong API secret")
	}
	return cred, nil
}

// secretMatches reports in constant time whether got is the SHA-256 of want.
func secretMatches(got [sha256.Size]byte, want []byte) bool {
	w := sha256.Sum256(want)
	return subtle.ConstantTimeCompare(got[:], w[:]) == 1
}

// parseTokenRequest validates the token parameters.
func parseTokenRequest(f map[string][]string) (tokenRequest, error) {
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	req := tokenRequest{kind: web.KindLegalEntity, ttl: web.DefaultTokenTTL, count: 1, scopes: []string{web.ScopeRead}}
	switch k := get("kind"); k {
	case "", web.KindLegalEntity:
	case web.KindUser, web.KindRetailer:
		req.kind = k
	default:
		return req, web.FieldErrorf("kind", "must be legal-entity, user or retailer, got %q", k)
	}
	uid := get("user_id")
	switch {
	case req.kind == web.KindUser && uid == "":
		return req, web.FieldErrorf("user_id", "is required for user tokens")
	case req.kind != web.KindUser && uid != "":
		return req, web.FieldErrorf("user_id", "is only for user tokens; %s tokens speak for no user", req.kind)
	case uid != "" && !web.ValidUserID(uid):
		return req, web.FieldErrorf("user_id", "must be 1-%d printable characters", web.MaxUserIDLen)
	}
	req.userID = uid
	switch a := get("access"); a {
	case "", web.ScopeRead:
	case web.ScopeWrite:
		if req.kind != web.KindUser {
			return req, web.FieldErrorf("access", "%s tokens are read-only; ask for a user token to write", req.kind)
		}
		req.scopes = []string{web.ScopeRead, web.ScopeWrite}
	default:
		return req, web.FieldErrorf("access", "must be read or write, got %q", a)
	}
	if v := get("ttl"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < int(web.MinTokenTTL/time.Second) || n > int(web.MaxTokenTTL/time.Second) {
			return req, web.FieldErrorf("ttl", "must be a whole number of seconds from %d to %d, got %q", int(web.MinTokenTTL/time.Second), int(web.MaxTokenTTL/time.Second), v)
		}
		req.ttl = time.Duration(n) * time.Second
	}
	if _, present := f["count"]; present {
		v := get("count")
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxTokenCount {
			return req, web.FieldErrorf("count", "must be from 1 to %d, got %q", maxTokenCount, v)
		}
		req.count, req.batch = n, true
	}
	return req, nil
}
