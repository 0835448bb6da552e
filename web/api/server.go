// Package api is the planner service's HTTP API: token issuing for retailers'
// backends and the Bearer-token web services the embedded planner calls.
package api

import (
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/retailermetrics"
	"golang.org/x/time/rate"
)

// Config holds the API's settings. Zero values get the defaults noted.
type Config struct {
	// PublicURL is the service's external base URL; it is the iss of issued tokens.
	PublicURL string
	// TrustedProxies are the peers whose X-Forwarded-For and X-Forwarded-Proto
	// headers are believed. Default none: the direct peer is the client, and a
	// forwarded header cannot fake an address or HTTPS.
	TrustedProxies []*net.IPNet
	// TLS reports that the server terminates TLS itself; responses then carry HSTS.
	TLS bool
	// Clock is the time source (default time.Now); tests pass a fake.
	Clock func() time.Time
	// TokenRate and TokenBurst limit POST /v1/tokens per API key, counting
	// only callers that proved the key's secret (default 10/s with a burst of
	// 100): nobody else can spend a retailer's budget.
	TokenRate  rate.Limit
	TokenBurst int
	// TokenFailRate and TokenFailBurst limit failed POST /v1/tokens attempts,
	// separately per presented API key and per peer address (default 1/s with
	// a burst of 20). An address past its budget is refused before its
	// secret is checked; a key past its budget turns failures into 429s
	// without touching its genuine caller's successes.
	TokenFailRate  rate.Limit
	TokenFailBurst int
	// RequestTimeout bounds each API request's context (default 15 s).
	RequestTimeout time.Duration
	// Credentials answers POST /v1/tokens' API key look-ups. Default nil: the
	// Store, read on every mint; web/service passes its per-instance
	// credential cache (web/credcache), which the credential rotation log
	// keeps within the refresh interval.
	Credentials CredentialStore
	// Live serves the live channel at GET /ws. Default nil: no /ws route.
	Live LiveHandler
	// ObserveRequest, if set, is called once per request once its answer is
	// written, with the echo route pattern (c.Path(), e.g.
	// "/v1/projects/:id", never the raw path; "" when no route matched), the
	// status, the error code ("" on success) and the time taken (for a /ws
	// upgrade, the socket's whole life). Default nil. web/service passes its
	// metrics (web/metrics).
	ObserveRequest func(route, method string, status int, code string, elapsed time.Duration)
	// Metrics counts each retailer's business metrics and takes
	// POST /v1/events. Default nil: nothing is counted and /v1/events
	// accepts and drops well-formed batches.
	Metrics MetricsRecorder
	// Console serves the retailer console at /console and below
	// (web/console). Default nil: no console routes.
	Console http.Handler
}

// LiveHandler serves the live channel's WebSocket upgrade (web/live.Handler).
// ServeWS returns an error only before the upgrade; the API renders it like
// any other error. The route sits behind requireTLS and has no request timeout.
type LiveHandler interface {
	ServeWS(w http.ResponseWriter, r *http.Request) error
}

func (c *Config) setDefaults() {
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.TokenRate == 0 {
		c.TokenRate = 10
	}
	if c.TokenBurst == 0 {
		c.TokenBurst = 100
	}
	if c.TokenFailRate == 0 {
		c.TokenFailRate = 1
	}
	if c.TokenFailBurst == 0 {
		c.TokenFailBurst = 20
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = 15 * time.Second
	}
	if c.Metrics == nil {
		c.Metrics = (*retailermetrics.Recorder)(nil)
	}
}

// Server is the planner API: an http.Handler with its dependencies.
type Server struct {
	cfg      Config
	log      *slog.Logger
	store    Store
	issuer   TokenIssuer
	verifier TokenVerifier
	jwks     JWKSource
	e        *echo.Echo // the routes of addRoutes

	accessSample *rate.Limiter // INFO lines of successful requests (logRequests)
	unlogged     atomic.Int64  // successes logged at DEBUG since the last INFO line
}

// NewServer wires the API's routes and middleware.
func NewServer(cfg Config, log *slog.Logger, store Store, issuer TokenIssuer, verifier TokenVerifier, jwks JWKSource) *Server {
	cfg.setDefaults()
	s := &Server{cfg: cfg, log: log, store: store, issuer: issuer, verifier: verifier, jwks: jwks,
		accessSample: rate.NewLimiter(accessLogRate, accessLogBurst)}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = web.IPExtractor(cfg.TrustedProxies)
	e.HTTPErrorHandler = s.handleError
	s.e = e
	addRoutes(e, s, requireToken(verifier, cfg.Metrics))
	return s
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }
