package bff

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web/ratelimit"
)

// TokenPath is the path Mount serves the token endpoint at.
const TokenPath = "/bff/token"

// RequestHeader must be sent, with value "1", on every token request. A page
// can add it only with fetch/XHR, which browsers confine to same-origin (or
// CORS-approved) callers, so a cross-site form or link cannot reach the
// endpoint: the custom-header CSRF defence of the IETF browser-based-apps BCP.
const RequestHeader = "X-Planner-BFF"

// BFF hands planner tokens to the host's own pages. It is safe for
// concurrent use. Create it with New; stop it with Close.
type BFF struct {
	cfg       Config
	log       *slog.Logger
	cache     *cache
	breaker   *breaker // nil in partner-signed mode
	metrics   *metrics
	creds     credentials // the planner API's last verdict on the API key and secret
	echo      *echo.Echo  // ServeHTTP's, for hosts without one
	cop       *http.CrossOriginProtection
	ipLimit   *ratelimit.Keyed
	userLimit *ratelimit.Keyed
	cancel    context.CancelFunc
}

// New checks cfg, fills its defaults and returns a BFF. It makes no network
// call: the first token is minted by Check, or else on the first request.
func New(cfg Config, opts ...Option) (*BFF, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	o := options{sleep: sleepCtx, random: rand.Float64, backoff: defaultBackoff, after: realAfterFunc}
	for _, opt := range opts {
		opt(&o)
	}
	cop := http.NewCrossOriginProtection()
	for _, origin := range cfg.TrustedOrigins {
		if err := cop.AddTrustedOrigin(origin); err != nil {
			return nil, fmt.Errorf("bff: invalid config: TrustedOrigins: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &BFF{
		cfg:       cfg,
		log:       cfg.Logger,
		metrics:   &metrics{},
		cop:       cop,
		ipLimit:   ratelimit.New(cfg.IPRate, cfg.IPBurst, cfg.Clock),
		userLimit: ratelimit.New(cfg.SessionRate, cfg.SessionBurst, cfg.Clock),
		cancel:    cancel,
	}
	var m minter
	switch cfg.Mode {
	case ModePartnerSigned:
		m = &partner{clientID: cfg.APIKey, secret: []byte(cfg.APISecret), ttl: cfg.TokenTTL, clock: cfg.Clock, random: o.random, metrics: b.metrics, log: b.log}
	default:
		b.breaker = newBreaker(cfg.BreakerThreshold, cfg.BreakerCooldown, cfg.Clock, func(from, to int) {
			switch to {
			case breakerOpen:
				b.log.Error("planner API circuit breaker open: token calls fail fast", "max_cooldown", cfg.BreakerCooldown.String())
			case breakerClosed:
				b.log.Info("planner API circuit breaker closed")
			}
		})
		m = &remote{
			endpoint: strings.TrimRight(cfg.APIURL, "/") + "/v1/tokens",
			key:      cfg.APIKey, secret: cfg.APISecret,
			ttlSeconds: strconv.Itoa(int(cfg.TokenTTL.Seconds())),
			client:     cfg.HTTPClient, timeout: cfg.Timeout, attempts: cfg.MaxAttempts,
			clock: cfg.Clock, sleep: o.sleep, random: o.random, backoff: o.backoff,
			breaker: b.breaker, metrics: b.metrics, log: b.log,
		}
	}
	b.cache = newCache(ctx, m, cfg.Clock, o.after, cfg.MaxUsers, b.metrics, b.log)
	b.echo = echo.New()
	if cfg.ClientIP != nil {
		b.echo.IPExtractor = echo.IPExtractor(cfg.ClientIP)
	}
	return b, nil
}

// Router is what Mount registers on: *echo.Echo and *echo.Group satisfy it.
type Router interface {
	POST(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
}

// Mount serves the token endpoint at POST TokenPath on r (under the group's
// prefix when r is a group).
func (b *BFF) Mount(r Router) {
	r.POST(TokenPath, b.Handler())
}

// Forget drops userID's cached token; the host calls it when the user signs
// out, after ending the session (so that UserFunc no longer names userID: a
// request in between would mint and cache a token again). A mint for that
// user still under way is not cached when it ends, so the next request for
// userID gets a new token.
func (b *BFF) Forget(userID string) {
	b.cache.forget(key{kind: KindUser, uid: userID})
}

// Close stops the refresh timer, cancels the mints under way and waits for
// background refreshes to end. Call it after the HTTP server has shut down.
func (b *BFF) Close() error {
	b.cancel()
	b.cache.close()
	return nil
}

func (b *BFF) breakerState() int {
	if b.breaker == nil {
		return breakerClosed
	}
	return b.breaker.current()
}
