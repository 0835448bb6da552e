package bff

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/ratelimit"
)

// Error codes of the token endpoint: the planner's public codes.
const (
	codeForbidden           = web.EForbidden
	codeRateLimited         = web.ERateLimited
	codeUpstreamUnavailable = web.EUpstreamUnavailable
	codeInternal            = web.EInternal
	codeValidation          = web.EValidation
)

// TokenResponse is the answer of POST /bff/token. Times are on the BFF's
// clock in whole seconds, ExpiresAt = ServerTime + ExpiresIn, and ExpiresAt is
// never later than the token's own exp claim.
type TokenResponse struct {
	// Token is the JWT to post into the planner (Authentication or Login).
	Token string `json:"token"`
	// Kind is "legal-entity" (anonymous, read-only) or "user" (read and write).
	Kind string `json:"kind"`
	// ExpiresAt is when the token stops working.
	ExpiresAt time.Time `json:"expiresAt"`
	// ExpiresIn is the whole seconds from ServerTime to ExpiresAt.
	ExpiresIn int `json:"expiresIn"`
	// ServerTime is the BFF's time at the answer, for clients to measure skew.
	ServerTime time.Time `json:"serverTime"`
}

// Handler returns the token endpoint, to be routed as POST (Mount does so).
// It refuses cross-site requests and requests without RequestHeader (403
// forbidden), rate limits per IP and per session (429 rate_limited), and
// answers a legal-entity token to anonymous visitors and a user token with
// write access to the user UserFunc names, with Cache-Control: no-store.
// When no token can be had it answers 503 upstream_unavailable with
// Retry-After. It writes its own error responses, whatever the host's echo
// error handler.
func (b *BFF) Handler() echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodPost {
			b.metrics.rejected[rejectMethod].Add(1)
			c.Response().Header().Set("Allow", http.MethodPost)
			return writeError(c, http.StatusMethodNotAllowed, codeValidation, "use POST", 0)
		}
		if err := b.cop.Check(r); err != nil {
			b.metrics.rejected[rejectCrossSite].Add(1)
			return writeError(c, http.StatusForbidden, codeForbidden, "cross-site token requests are refused", 0)
		}
		if r.Header.Get(RequestHeader) != "1" {
			b.metrics.rejected[rejectMissingHeader].Add(1)
			return writeError(c, http.StatusForbidden, codeForbidden, "token requests must carry the header "+RequestHeader+": 1", 0)
		}
		// The IP limit comes first: UserFunc may cost the host a session lookup.
		if ok, wait := b.ipLimit.Allow(clientIP(c)); !ok {
			b.metrics.rejected[rejectRateIP].Add(1)
			return writeError(c, http.StatusTooManyRequests, codeRateLimited, "too many token requests from this address", wait)
		}
		k := key{kind: KindLegalEntity}
		if b.cfg.UserFunc != nil {
			if uid, ok := b.cfg.UserFunc(r); ok && uid != "" {
				if !web.ValidUserID(uid) {
					b.metrics.rejected[rejectInvalidUser].Add(1)
					b.log.Error("UserFunc returned a user id the planner API cannot take (1-128 printable characters)", "len", len(uid))
					return writeError(c, http.StatusInternalServerError, codeInternal, "internal error", 0)
				}
				k = key{kind: KindUser, uid: uid}
			}
		}
		if sk := b.sessionKey(r, k); sk != "" {
			if ok, wait := b.userLimit.Allow(sk); !ok {
				b.metrics.rejected[rejectRateSession].Add(1)
				return writeError(c, http.StatusTooManyRequests, codeRateLimited, "too many token requests from this session", wait)
			}
		}
		t, err := b.cache.get(r.Context(), k)
		if err != nil {
			if refusedCredentials(err) {
				b.creds.refuse("a token request was refused")
			}
			return b.unavailable(c, k, err)
		}
		b.creds.accept()
		// Defence in depth: the slot was chosen by k; the token must be k's.
		if t.kind != k.kind || t.uid != k.uid {
			b.log.Error("token cache returned a token for another slot; refusing it", "kind", k.kind, "jti", t.jti)
			return writeError(c, http.StatusInternalServerError, codeInternal, "internal error", 0)
		}
		b.metrics.served[kindIndex(k.kind)].Add(1)
		// Whole seconds, consistent (expiresAt = serverTime + expiresIn) and
		// never later than the real expiry.
		now := b.cfg.Clock()
		in := t.expiresAt.Sub(now) / time.Second
		server := now.UTC().Truncate(time.Second)
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
		return c.JSON(http.StatusOK, TokenResponse{
			Token:      t.raw,
			Kind:       t.kind,
			ExpiresAt:  server.Add(in * time.Second),
			ExpiresIn:  int(in),
			ServerTime: server,
		})
	}
}

// clientIP is the per-IP rate-limit key. With the host's echo IPExtractor
// set it is c.RealIP(), which then believes only what that extractor trusts.
// Without one echo's RealIP trusts X-Forwarded-For and X-Real-IP from anyone,
// so a client could pick a new bucket per request; the key is then the direct
// peer's address.
func clientIP(c echo.Context) string {
	if e := c.Echo(); e != nil && e.IPExtractor != nil {
		return c.RealIP()
	}
	r := c.Request()
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// sessionKey is the per-session rate-limit key: the user id when signed in,
// else a hash of the host's session cookie if configured, else none.
func (b *BFF) sessionKey(r *http.Request, k key) string {
	if k.kind == KindUser {
		return "u\x00" + k.uid
	}
	if b.cfg.SessionCookie == "" {
		return ""
	}
	ck, err := r.Cookie(b.cfg.SessionCookie)
	if err != nil || ck.Value == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(ck.Value))
	return "s\x00" + hex.EncodeToString(sum[:12])
}

// unavailable answers 503 with Retry-After. The API's answer is never passed
// on: clients learn only that the planner API is unavailable.
func (b *BFF) unavailable(c echo.Context, k key, err error) error {
	b.metrics.unavailable.Add(1)
	wait := defaultRetryAfter
	var ue *unavailableError
	if errors.As(err, &ue) && ue.retryAfter > 0 {
		wait = ue.retryAfter
	}
	if c.Request().Context().Err() == nil {
		// Debug: during an outage every request lands here; the failed API
		// calls themselves are logged once each, at Warn.
		b.log.Debug("no planner token to hand out", "kind", k.kind, "retry_after", ratelimit.RetryAfterSeconds(wait), "err", err)
	}
	return writeError(c, http.StatusServiceUnavailable, codeUpstreamUnavailable, "the planner service is unavailable; try again later", wait)
}

// errorBody is the planner's error JSON.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeError answers the planner's error JSON; retryAfter > 0 adds Retry-After.
func writeError(c echo.Context, status int, code, msg string, retryAfter time.Duration) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	if retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(ratelimit.RetryAfterSeconds(retryAfter)))
	}
	var body errorBody
	body.Error.Code, body.Error.Message = code, msg
	return c.JSON(status, body)
}
