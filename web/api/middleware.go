package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/token"
)

const (
	principalKey = "principal"
	errorCodeKey = "error_code"
)

// principal returns the verified token's principal set by requireToken.
func principal(c echo.Context) web.Principal {
	p, _ := c.Get(principalKey).(web.Principal)
	return p
}

// requireToken verifies the Bearer token and stores its principal. An
// expired token whose signature verified counts as its retailer's failure.
func requireToken(v TokenVerifier, metrics MetricsRecorder) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			raw, ok := bearer(c.Request().Header.Get(echo.HeaderAuthorization))
			if !ok {
				return web.Errorf(web.EMissingToken, "an Authorization: Bearer token is required")
			}
			p, err := v.Verify(c.Request().Context(), raw)
			if err != nil {
				if rid, ok := token.ExpiredRetailer(err); ok {
					metrics.AuthFailure(rid, web.ETokenExpired)
				}
				return err
			}
			c.Set(principalKey, p)
			return next(c)
		}
	}
}

// bearer extracts the token of an "Authorization: Bearer" header.
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return tok, true
}

// requireUser lets only user tokens through.
func requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if principal(c).Kind != web.KindUser {
			return web.Errorf(web.EForbidden, "projects belong to signed-in users: sign in on the retailer's site to see and save projects")
		}
		return next(c)
	}
}

// requireWrite lets only tokens with write scope through.
func requireWrite(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !principal(c).CanWrite() {
			return web.Errorf(web.EInsufficientScope, "this token may only read; changing projects needs a user token with write access")
		}
		return next(c)
	}
}

// requireTLS refuses plain HTTP. When the direct peer is a trusted proxy,
// its X-Forwarded-Proto decides, loopback or not: a proxy on the same host
// must not turn a client's plain HTTP into a pass. Otherwise only a loopback
// peer (direct local use, the demo) may speak plain HTTP.
func (s *Server) requireTLS(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.TLS != nil {
			return next(c)
		}
		peer := peerIP(r.RemoteAddr)
		if peer != nil && s.trustedProxy(peer) {
			if forwardedHTTPS(r.Header) {
				return next(c)
			}
		} else if peer != nil && peer.IsLoopback() {
			return next(c)
		}
		return web.Errorf(web.ETLSRequired, "this service is served over HTTPS only")
	}
}

func (s *Server) trustedProxy(peer net.IP) bool {
	for _, n := range s.cfg.TrustedProxies {
		if n.Contains(peer) {
			return true
		}
	}
	return false
}

// forwardedHTTPS reports whether the nearest proxy's X-Forwarded-Proto (the
// last value, as each proxy appends its own) is https.
func forwardedHTTPS(h http.Header) bool {
	vals := h.Values("X-Forwarded-Proto")
	if len(vals) == 0 {
		return false
	}
	last := vals[len(vals)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	return strings.EqualFold(strings.TrimSpace(last), "https")
}

func peerIP(remoteAddr string) net.IP {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	return net.ParseIP(host)
}

// securityHeaders sets headers every response carries. Pages that are meant
// to be framed (the planner) set their own CSP and override the default here.
func securityHeaders(tls bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
			h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
			if tls {
				h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
			}
			return next(c)
		}
	}
}

// contextTimeout bounds each request's context. The live channel (/ws) is
// long-lived and exempt.
func contextTimeout(d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if c.Request().URL.Path == "/ws" {
				return next(c)
			}
			ctx, cancel := context.WithTimeout(c.Request().Context(), d)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}

// requestID gives each request an id, echoed in X-Request-Id and in logs.
// A client-sent id is ignored: it would let a caller forge log lines.
func requestID() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			var b [8]byte
			_, _ = rand.Read(b[:])
			c.Response().Header().Set(echo.HeaderXRequestID, hex.EncodeToString(b[:]))
			return next(c)
		}
	}
}

// accessLogRate and accessLogBurst bound the INFO access lines of successful
// requests: under load the rest go to DEBUG, and the next INFO line counts
// them ("unlogged"). Failed requests are always logged.
const (
	accessLogRate  = 10
	accessLogBurst = 100
)

// logRequests writes one structured line per request. It logs the path, never
// the query or headers, and the token's jti, never the token. Levels: 5xx
// ERROR; other failures INFO; health checks and WebSocket upgrades that
// succeeded DEBUG; other successes INFO, sampled under load (accessLogRate).
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		r, status := c.Request(), c.Response().Status
		if s.cfg.ObserveRequest != nil {
			code, _ := c.Get(errorCodeKey).(string)
			s.cfg.ObserveRequest(c.Path(), r.Method, status, code, time.Since(start))
		}
		level := slog.LevelInfo
		switch {
		case status >= http.StatusInternalServerError:
			level = slog.LevelError
		case status >= http.StatusBadRequest:
		case r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || status == http.StatusSwitchingProtocols:
			level = slog.LevelDebug
		case !s.accessSample.Allow():
			level = slog.LevelDebug
			s.unlogged.Add(1)
		}
		ctx := r.Context()
		// The attributes are built only for a line that is written: a mint
		// at the default level writes none most of the time under load.
		if !s.log.Enabled(ctx, level) {
			return nil
		}
		attrs := make([]slog.Attr, 0, 10)
		attrs = append(attrs,
			slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Duration("dur", time.Since(start)),
			slog.String("ip", c.RealIP()),
		)
		if p := principal(c); p.JTI != "" {
			attrs = append(attrs, slog.String("jti", p.JTI), slog.String("le", p.RetailerID))
		}
		if code, ok := c.Get(errorCodeKey).(string); ok {
			attrs = append(attrs, slog.String("code", code))
		}
		if level >= slog.LevelInfo {
			if n := s.unlogged.Swap(0); n > 0 {
				attrs = append(attrs, slog.Int64("unlogged", n))
			}
		}
		s.log.LogAttrs(ctx, level, "request", attrs...)
		return nil
	}
}
