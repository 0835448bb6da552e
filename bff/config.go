package bff

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/roomplanner/planner/web"
)

// Token modes.
const (
	// ModeRemote asks the planner API for every token (POST {APIURL}/v1/tokens).
	ModeRemote = "remote"
	// ModePartnerSigned signs HS256 tokens locally with the API secret: no network hop.
	ModePartnerSigned = "partner-signed"
)

// Defaults and limits of Config.
const (
	DefaultTokenTTL         = web.DefaultTokenTTL // Config.TokenTTL
	DefaultTimeout          = 5 * time.Second     // Config.Timeout, per call to the API
	DefaultMaxAttempts      = 3                   // Config.MaxAttempts, per token
	DefaultBreakerThreshold = 5                   // Config.BreakerThreshold, failed calls in a row
	DefaultBreakerCooldown  = 30 * time.Second    // Config.BreakerCooldown
	DefaultIPRate           = 5.0                 // Config.IPRate, requests per second per IP
	DefaultIPBurst          = 30                  // Config.IPBurst
	DefaultSessionRate      = 2.0                 // Config.SessionRate, requests per second per session
	DefaultSessionBurst     = 20                  // Config.SessionBurst
	DefaultMaxUsers         = 10000               // Config.MaxUsers, cached user tokens

	// MinTokenTTL and MaxRemoteTokenTTL are the bounds POST /v1/tokens accepts.
	MinTokenTTL       = web.MinTokenTTL
	MaxRemoteTokenTTL = web.MaxTokenTTL
	// MaxPartnerTokenTTL caps partner-signed tokens: the API rejects exp-iat above it.
	MaxPartnerTokenTTL = web.MaxPartnerTokenTTL
)

// Config configures a BFF. Only APIKey, APISecret and (in remote mode) APIURL
// are required; every other zero field takes the default its comment states.
type Config struct {
	// APIURL is the planner API's base URL, e.g. "https://planner.example.com".
	// Required in remote mode; unused in partner-signed mode. It must be https,
	// or http to a loopback host (the API secret travels in the request body),
	// unless InsecureHTTP is set.
	APIURL string
	// APIKey is the retailer's API key. Required. It is not secret (it is the
	// clientId of partner-signed tokens) but is never sent to browsers either.
	APIKey string
	// APISecret is the retailer's API secret. Required. It is sent only to
	// APIURL (remote mode) or used only as the HS256 key (partner-signed mode);
	// it never appears in a response or a log line.
	APISecret string
	// Mode is ModeRemote (default) or ModePartnerSigned. Partner-signed tokens
	// need no network hop but the API must accept them for this client, and a
	// leaked secret then lets anyone mint tokens offline, as it does in remote
	// mode through the API.
	Mode string
	// TokenTTL is the lifetime of the tokens handed out. Default 15 min; at
	// least 10 s; at most 1 h in remote mode, and capped at 15 min in
	// partner-signed mode. Shorter lifetimes shrink the window in which a
	// stolen token works, at the cost of more mints.
	TokenTTL time.Duration
	// UserFunc says who the host considers the request's signed-in user. ok
	// true with a non-empty userID yields a user token with write access to
	// that user's projects; anything else yields the read-only legal-entity
	// token. Default: nil, every visitor is anonymous. It is the whole
	// authorization decision: it must read the host's authenticated session,
	// never a request parameter.
	UserFunc func(*http.Request) (userID string, ok bool)
	// Clock tells the time. Default time.Now. Tests pass a fake clock.
	Clock func() time.Time
	// HTTPClient calls the planner API. Default: a client with no overall
	// timeout (each call is bounded by Timeout) that does not follow
	// redirects, so the API secret is never re-posted to another address.
	HTTPClient *http.Client
	// Logger receives the BFF's logs. Default: discard. Tokens and the API
	// secret are never logged; a token's jti is.
	Logger *slog.Logger

	// Timeout bounds one call to the planner API. Default 5 s.
	Timeout time.Duration
	// MaxAttempts bounds the calls made for one token when the API fails with
	// a network error, a 5xx or a 429. Default 3.
	MaxAttempts int
	// BreakerThreshold is the number of consecutive failed API calls that opens
	// the circuit breaker: calls then fail fast, sparing an ailing API.
	// Default 5.
	BreakerThreshold int
	// BreakerCooldown caps how long the open breaker refuses calls before it
	// lets one probe through: the first opening lasts 1 s (or BreakerCooldown
	// if shorter), each failed probe doubles it up to this cap. Default 30 s.
	BreakerCooldown time.Duration

	// TrustedOrigins lists origins (scheme://host[:port]) other than the
	// host's own from which browser pages may call the token endpoint. Default
	// none: only same-origin requests are served. Each entry lets that origin's
	// pages obtain tokens for the visitor (the host must also answer their CORS
	// preflight, as the custom header makes the request non-simple).
	TrustedOrigins []string
	// SessionCookie names the host's session cookie, used as the rate-limit
	// key for anonymous visitors (hashed, never stored as is). Default "": an
	// anonymous visitor is limited by IP address only; a signed-in one by user
	// id as well.
	SessionCookie string
	// IPRate and IPBurst limit token requests per client IP. The address is
	// c.RealIP() when the host's echo has an IPExtractor (set one matching
	// your proxies: echo.ExtractIPDirect() with none, or
	// echo.ExtractIPFromXFFHeader(echo.TrustIPRange(...)) for trusted ones),
	// and the direct peer's address when it has none, as echo would otherwise
	// believe any client's X-Forwarded-For. Behind a proxy with no extractor
	// every visitor therefore shares the proxy's bucket. Defaults 5 per
	// second, burst 30. A negative IPRate disables the limit.
	IPRate  float64
	IPBurst int
	// ClientIP, if set, names the client of a request served through
	// ServeHTTP (a host without echo), for the per-IP rate limit: read
	// X-Forwarded-For there only from proxies you trust. Default nil: the
	// direct peer's address. Under Mount the host's echo IPExtractor decides.
	ClientIP func(*http.Request) string
	// SessionRate and SessionBurst limit token requests per session (user id,
	// or SessionCookie). Defaults 2 per second, burst 20. A negative
	// SessionRate disables the limit.
	SessionRate  float64
	SessionBurst int
	// MaxUsers bounds the number of cached user tokens (memory). Default 10000.
	// Beyond it, expiring entries and then arbitrary ones are evicted; an
	// evicted user is simply minted a new token.
	MaxUsers int
	// InsecureHTTP allows a plain-http APIURL to a non-loopback host. Default
	// false. Setting it sends the API secret unencrypted over the network.
	InsecureHTTP bool
}

// ConfigFromEnv reads a Config from PLANNER_API_URL, PLANNER_API_KEY,
// PLANNER_API_SECRET and the optional PLANNER_TOKEN_MODE ("remote" or
// "partner-signed") and PLANNER_TOKEN_TTL (a Go duration such as "10m", or
// whole seconds). It reports missing or malformed variables by name; the
// fields it does not read are left zero for the caller to fill.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		APIURL:    strings.TrimSpace(getenv("PLANNER_API_URL")),
		APIKey:    strings.TrimSpace(getenv("PLANNER_API_KEY")),
		APISecret: getenv("PLANNER_API_SECRET"),
		Mode:      strings.TrimSpace(getenv("PLANNER_TOKEN_MODE")),
	}
	var errs []error
	if cfg.Mode != "" && cfg.Mode != ModeRemote && cfg.Mode != ModePartnerSigned {
		errs = append(errs, fmt.Errorf("PLANNER_TOKEN_MODE must be %q or %q, got %q", ModeRemote, ModePartnerSigned, cfg.Mode))
	}
	if cfg.APIURL == "" && cfg.Mode != ModePartnerSigned {
		errs = append(errs, errors.New("PLANNER_API_URL is not set"))
	}
	if cfg.APIKey == "" {
		errs = append(errs, errors.New("PLANNER_API_KEY is not set"))
	}
	if cfg.APISecret == "" {
		errs = append(errs, errors.New("PLANNER_API_SECRET is not set"))
	}
	if v := strings.TrimSpace(getenv("PLANNER_TOKEN_TTL")); v != "" {
		ttl, err := parseTTL(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("PLANNER_TOKEN_TTL: %w", err))
		}
		cfg.TokenTTL = ttl
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("bff config: %w", err)
	}
	return cfg, nil
}

// parseTTL accepts "600" (seconds) or a Go duration ("10m").
func parseTTL(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil {
		if n <= 0 {
			return 0, fmt.Errorf("must be positive, got %q", v)
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want whole seconds or a duration such as 10m, got %q", v)
	}
	return d, nil
}

// withDefaults validates cfg and fills its zero fields.
func (cfg Config) withDefaults() (Config, error) {
	var errs []error
	if cfg.Mode == "" {
		cfg.Mode = ModeRemote
	}
	if cfg.Mode != ModeRemote && cfg.Mode != ModePartnerSigned {
		errs = append(errs, fmt.Errorf("Mode must be %q or %q, got %q", ModeRemote, ModePartnerSigned, cfg.Mode))
	}
	if cfg.APIKey == "" {
		errs = append(errs, errors.New("APIKey is required"))
	}
	if cfg.APISecret == "" {
		errs = append(errs, errors.New("APISecret is required"))
	}
	if cfg.Mode == ModeRemote {
		if cfg.APIURL == "" {
			errs = append(errs, errors.New("APIURL is required in remote mode"))
		} else if err := checkAPIURL(cfg.APIURL, cfg.InsecureHTTP); err != nil {
			errs = append(errs, err)
		}
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.Mode == ModePartnerSigned && cfg.TokenTTL > MaxPartnerTokenTTL {
		cfg.TokenTTL = MaxPartnerTokenTTL
	}
	// The API takes whole seconds.
	cfg.TokenTTL = cfg.TokenTTL.Truncate(time.Second)
	if cfg.TokenTTL < MinTokenTTL || cfg.TokenTTL > MaxRemoteTokenTTL {
		errs = append(errs, fmt.Errorf("TokenTTL must be from %s to %s, got %s", MinTokenTTL, MaxRemoteTokenTTL, cfg.TokenTTL))
	}
	if cfg.Timeout < 0 || cfg.MaxAttempts < 0 || cfg.BreakerThreshold < 0 || cfg.BreakerCooldown < 0 || cfg.MaxUsers < 0 || cfg.IPBurst < 0 || cfg.SessionBurst < 0 {
		errs = append(errs, errors.New("Timeout, MaxAttempts, BreakerThreshold, BreakerCooldown, MaxUsers, IPBurst and SessionBurst must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return cfg, fmt.Errorf("bff: invalid config: %w", err)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	cfg.Timeout = orDefault(cfg.Timeout, DefaultTimeout)
	cfg.MaxAttempts = orDefault(cfg.MaxAttempts, DefaultMaxAttempts)
	cfg.BreakerThreshold = orDefault(cfg.BreakerThreshold, DefaultBreakerThreshold)
	cfg.BreakerCooldown = orDefault(cfg.BreakerCooldown, DefaultBreakerCooldown)
	cfg.IPRate = orDefault(cfg.IPRate, DefaultIPRate)
	cfg.IPBurst = orDefault(cfg.IPBurst, DefaultIPBurst)
	cfg.SessionRate = orDefault(cfg.SessionRate, DefaultSessionRate)
	cfg.SessionBurst = orDefault(cfg.SessionBurst, DefaultSessionBurst)
	cfg.MaxUsers = orDefault(cfg.MaxUsers, DefaultMaxUsers)
	return cfg, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// checkAPIURL accepts an absolute http(s) URL with no credentials, query or
// fragment; plain http only to loopback hosts unless insecure.
func checkAPIURL(raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("APIURL: %w", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("APIURL must be an http(s) URL, got scheme %q", u.Scheme)
	case u.Host == "":
		return errors.New("APIURL has no host")
	case u.User != nil:
		return errors.New("APIURL must not carry credentials; use APIKey and APISecret")
	case u.RawQuery != "" || u.Fragment != "":
		return errors.New("APIURL must not have a query or fragment")
	case u.Scheme == "http" && !insecure && !isLoopback(u.Hostname()):
		return fmt.Errorf("APIURL %s://%s is plain http to a non-loopback host: the API secret would travel unencrypted (use https, or set InsecureHTTP)", u.Scheme, u.Host)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Option adjusts a BFF beyond its Config; the options exist for tests.
type Option func(*options)

type options struct {
	sleep   func(ctx context.Context, d time.Duration) error
	random  func() float64
	backoff func(attempt int, random float64) time.Duration
	after   afterFunc
}

// WithSleep replaces the wait between retries (default: a timer that stops
// early when ctx is done). Tests pass one that returns at once.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(o *options) { o.sleep = sleep }
}

// WithRandom replaces the source of jitter, a function returning values in
// [0, 1) (default math/rand/v2.Float64). 0.5 means no jitter.
func WithRandom(random func() float64) Option {
	return func(o *options) { o.random = random }
}

// WithBackoff replaces the delay before retry number attempt (1 for the
// first retry) given a random value in [0, 1). Default: 200 ms doubling per
// attempt, capped at 2 s, with the upper half jittered.
func WithBackoff(backoff func(attempt int, random float64) time.Duration) Option {
	return func(o *options) { o.backoff = backoff }
}

// WithAfterFunc replaces the timer that starts the legal-entity token's
// background refresh at its refresh point (default time.AfterFunc). after
// must call f in its own goroutine, or at least without holding locks f
// needs, once d has passed on the clock the test drives, and return a
// function that stops the timer. The BFF still reads the time from
// Config.Clock: a timer that fires before Config.Clock reaches the refresh
// point is simply re-armed.
func WithAfterFunc(after func(d time.Duration, f func()) (stop func() bool)) Option {
	return func(o *options) { o.after = after }
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// defaultBackoff is exponential with "equal jitter": half fixed, half random.
func defaultBackoff(attempt int, random float64) time.Duration {
	const base, ceiling = 200 * time.Millisecond, 2 * time.Second
	d := ceiling
	if attempt < 5 {
		d = min(base<<(attempt-1), ceiling)
	}
	return d/2 + time.Duration(random*float64(d/2))
}
