package site

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/static"
)

// addRoutes is the site's one list of routes. Every route gets the
// cross-origin protection (no cross-site form posts or token requests) and
// the security headers; the metrics, when configured, only direct loopback
// peers.
func (s *Site) addRoutes(e *echo.Echo) {
	cop := http.NewCrossOriginProtection()
	e.Use(echo.WrapMiddleware(cop.Handler), s.headers, readForm)
	e.GET("/static/*", func(c echo.Context) error {
		if !static.Serve(c.Response(), c.Request(), strings.TrimPrefix(c.Request().URL.Path, "/static/")) {
			return echo.ErrNotFound
		}
		return nil
	})
	e.GET("/favicon.ico", func(c echo.Context) error {
		if !static.Serve(c.Response(), c.Request(), "planner/favicon.svg") {
			return echo.ErrNotFound
		}
		return nil
	})
	e.GET("/healthz", handleHealthz)
	e.GET("/readyz", s.handleReadyz)
	e.GET("/", s.handleHome)
	e.GET("/plan", s.handlePlan)
	e.GET("/login", s.handleLoginPage)
	e.POST("/login", s.handleLogin)
	e.POST("/logout", s.handleLogout)
	e.GET("/basket", s.handleBasket)
	e.POST("/basket/items", s.handleBasketAdd)
	e.POST("/basket/clear", s.handleBasketClear)
	e.POST("/bff/token", s.cfg.TokenHandler)
	if s.cfg.Metrics != nil {
		e.GET("/internal/metrics", echo.WrapHandler(s.cfg.Metrics), directLoopbackOnly(s.cfg.TrustedProxies))
	}
}

// maxFormBody bounds a request body: the site's forms (sign-in, basket) are a
// few hundred bytes.
const maxFormBody = 64 << 10

// readForm reads and parses a POST's form once, at most maxFormBody bytes,
// so a handler's FormValue never reads an unbounded body (echo's would
// accept 32 MiB of multipart) and a broken body is answered as such: 413
// when too large, 400 when it cannot be parsed, instead of a form that looks
// empty and fails its CSRF check.
func readForm(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		// The BFF's token endpoint reads no form and answers its own errors.
		if r.Method != http.MethodPost || r.URL.Path == "/bff/token" {
			return next(c)
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, maxFormBody)
		if err := r.ParseForm(); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("the form is larger than %d KiB", maxFormBody>>10))
			}
			return echo.NewHTTPError(http.StatusBadRequest, "the form could not be read")
		}
		return next(c)
	}
}

// headers sets the site's security headers: the planner's origin is the only frame source.
func (s *Site) headers(next echo.HandlerFunc) echo.HandlerFunc {
	plannerOrigin := origin(s.cfg.PlannerURL)
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"frame-src " + plannerOrigin + "; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'"
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		if s.cfg.Secure {
			h.Set("Strict-Transport-Security", "max-age=63072000")
		}
		return next(c)
	}
}

// handleHealthz says the process is up.
func handleHealthz(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.String(http.StatusOK, "ok\n")
}

// handleReadyz says whether the site can serve visitors: 503 with the
// reason (no secret in it) while Config.Ready reports one.
func (s *Site) handleReadyz(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(); err != nil {
			return c.String(http.StatusServiceUnavailable, "not ready: "+err.Error()+"\n")
		}
	}
	return c.String(http.StatusOK, "ok\n")
}

// directLoopbackOnly admits a request only from a loopback peer that is
// neither a trusted proxy nor relaying for someone else. It reads the peer
// from the connection, not from c.RealIP(): a proxy on this machine makes
// every public request come from loopback.
func directLoopbackOnly(trusted []*net.IPNet) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				host = r.RemoteAddr
			}
			peer := net.ParseIP(host)
			relayed := r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("X-Real-IP") != "" || r.Header.Get("Forwarded") != ""
			for _, n := range trusted {
				if peer != nil && n.Contains(peer) {
					relayed = true
				}
			}
			if peer == nil || !peer.IsLoopback() || relayed {
				return echo.NewHTTPError(http.StatusForbidden, "metrics are served to direct loopback peers only")
			}
			return next(c)
		}
	}
}

func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
