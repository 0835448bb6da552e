// Package site is the reference host website: a small furniture shop that
// embeds the planner with the host SDK and hands it tokens through the BFF.
// cmd/hostsite serves it alone; cmd/demo serves it beside the planner.
//
// Files by noun: routes.go lists every route, session.go the cookie
// session (and its CSRF token), login.go signing in and out, basket.go the
// basket, page.go the other pages, error.go the one error mapping, store.go
// the SQLite store and demo.go the demo users.
package site

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/static"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/signin"
)

// Config configures the host site.
type Config struct {
	// PlannerURL is the planner service's base URL (its origin frames the planner).
	PlannerURL string
	// Distribution is the retailer's distribution id, part of the iframe URL.
	Distribution string
	// Secure marks the site as served over HTTPS: the session cookie then gets
	// Secure and the __Host- prefix.
	Secure bool
	// TokenHandler serves POST /bff/token (the BFF).
	TokenHandler echo.HandlerFunc
	// Forget drops a user's cached planner token; called on sign-out.
	Forget func(userID string)
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the
	// visitor's address (for the BFF's per-IP rate limit). Default none: the
	// direct peer's address, so behind a proxy that is not listed every
	// visitor shares the proxy's address and one rate-limit bucket. Listing a
	// range lets any peer in it claim any client address.
	TrustedProxies []*net.IPNet
	// Metrics, when set, is served at /internal/metrics to direct loopback
	// peers only: a request relayed by a proxy (one carrying X-Forwarded-For,
	// X-Real-IP or Forwarded, or whose peer is in TrustedProxies) is refused
	// with 403. That cannot recognise a proxy on the same machine that adds
	// none of those headers and is not listed, so a site behind a proxy
	// leaves Metrics nil and serves the metrics on a listener of its own
	// (cmd/hostsite --metrics-addr). Default nil: not served.
	Metrics http.Handler
	// Ready says whether the site can serve visitors, for GET /readyz: nil,
	// or why not (cmd/hostsite passes the BFF's credential check). Default
	// nil: always ready.
	Ready func() error
	// Logger receives request errors (default: discard).
	Logger *slog.Logger
	// Clock is the time source of the sign-in throttle (default time.Now).
	Clock func() time.Time
}

// Site is the host site's HTTP handler.
type Site struct {
	cfg    Config
	store  *Store
	log    *slog.Logger
	cookie string
	e      *echo.Echo
	logins *signin.Throttle
}

// New builds the site on an opened store.
func New(cfg Config, store *Store) (*Site, error) {
	if _, err := url.Parse(cfg.PlannerURL); err != nil || cfg.PlannerURL == "" {
		return nil, fmt.Errorf("planner URL %q: %v", cfg.PlannerURL, err)
	}
	if cfg.TokenHandler == nil || cfg.Forget == nil {
		return nil, errors.New("site needs the BFF's token handler and Forget")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	// The page scripts are bundled once per process, before the first visitor.
	if err := static.Load(); err != nil {
		return nil, err
	}
	s := &Site{cfg: cfg, store: store, log: cfg.Logger, cookie: SessionCookieName(cfg.Secure), logins: signin.NewThrottle(loginLimits, cfg.Clock)}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = web.IPExtractor(cfg.TrustedProxies)
	e.HTTPErrorHandler = s.handleError
	s.e = e
	s.addRoutes(e)
	return s, nil
}

// ServeHTTP serves the site.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

// UserID tells the BFF who the request's signed-in user is, if anyone.
func (s *Site) UserID(r *http.Request) (string, bool) {
	c, err := r.Cookie(s.cookie)
	if err != nil {
		return "", false
	}
	sess, ok, err := s.store.Session(r.Context(), c.Value)
	if err != nil || !ok || sess.User.ID == "" {
		return "", false
	}
	return sess.User.Username, true
}
