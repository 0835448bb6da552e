package live

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/roomplanner/planner/web"
)

// Defaults of Config.
const (
	DefaultAuthTimeout  = 10 * time.Second
	DefaultSendBuffer   = 16
	DefaultHoldLimit    = 256
	DefaultHoldWindow   = 5 * time.Minute
	DefaultReadLimit    = 16 << 10
	DefaultWriteTimeout = 5 * time.Second
	DefaultPingInterval = 30 * time.Second
	DefaultPongTimeout  = 10 * time.Second
	DefaultMessageRate  = 10
	DefaultMessageBurst = 20
	DefaultRetailerTTL  = 10 * time.Second
)

// retailerCacheSize bounds the distributions remembered by the handler.
const retailerCacheSize = 1024

// Close reasons the server sends.
const (
	ReasonAuthRequired  = "authentication required"
	ReasonTooSlow       = "too slow: send buffer full"
	ReasonTooManyFrames = "too many messages"
	ReasonShutdown      = "server shutting down"
)

// verifyTimeout bounds one token verification (it may read the store).
const verifyTimeout = 5 * time.Second

// Config configures a Handler. Zero values get the defaults noted.
type Config struct {
	// PublicURL is the planner service's external base URL. Its origin is the
	// only browser Origin allowed to open a socket: the planner page that
	// opens /ws is served from it. Requests without an Origin header
	// (non-browser clients) are allowed; they cannot carry a visitor's
	// ambient credentials, and every socket authenticates in-band. Required.
	PublicURL string
	// AuthTimeout is how long a socket of a premium retailer may stay
	// unauthenticated before it is closed with 1008 "authentication required".
	// Default 10 s.
	AuthTimeout time.Duration
	// SendBuffer is how many write batches (an answer, an event, or a replay of
	// held events) may queue for one socket. A socket whose queue is full is
	// closed with 1008 so it never stalls publishers or other sockets. The
	// socket reads a client's next message only once its answers fit, so a
	// client's own requests never fill it; published events can, for a client
	// that stops reading. Default 16.
	SendBuffer int
	// HoldLimit and HoldWindow bound the events held for a socket whose token
	// expired: at most HoldLimit events (default 256) received within
	// HoldWindow (default 5 min) of the expiry. Past either bound the held
	// events are dropped and the client is told to resync when it
	// re-authenticates.
	HoldLimit  int
	HoldWindow time.Duration
	// ReadLimit is the largest client message in bytes; a larger one closes
	// the socket with 1009. Default 16 KiB.
	ReadLimit int64
	// WriteTimeout bounds every write; a write that times out drops the
	// socket. Default 5 s.
	WriteTimeout time.Duration
	// PingInterval is how often the server pings; a socket that does not
	// answer within PongTimeout is dropped. Defaults 30 s and 10 s.
	PingInterval time.Duration
	PongTimeout  time.Duration
	// MessageRate and MessageBurst limit the messages one client may send;
	// beyond them the socket is closed with 1008 "too many messages".
	// Defaults 10/s with a burst of 20.
	MessageRate  rate.Limit
	MessageBurst int
	// RetailerTTL is how long the retailer of a distribution (its plan) is
	// remembered between sockets, sparing a database read per connection: a
	// plan change reaches new sockets within it; open sockets keep the plan
	// they started with. Default 10 s.
	RetailerTTL time.Duration
	// Clock times token expiry and the authentication deadline. Default the
	// system clock; it should tell the same time as the token verifier's.
	Clock web.Clock
	// Metrics serves the metrics topic to retailer tokens. Default nil: a
	// subscribe to metrics is answered forbidden.
	Metrics MetricsFeed
	// OnOpen is called with the retailer of each socket opened (its
	// metrics count them). Default nil.
	OnOpen func(retailerID string)
}

func (c *Config) setDefaults() {
	orDefault(&c.AuthTimeout, DefaultAuthTimeout)
	orDefault(&c.SendBuffer, DefaultSendBuffer)
	orDefault(&c.HoldLimit, DefaultHoldLimit)
	orDefault(&c.HoldWindow, DefaultHoldWindow)
	orDefault(&c.ReadLimit, DefaultReadLimit)
	orDefault(&c.WriteTimeout, DefaultWriteTimeout)
	orDefault(&c.PingInterval, DefaultPingInterval)
	orDefault(&c.PongTimeout, DefaultPongTimeout)
	orDefault(&c.MessageRate, DefaultMessageRate)
	orDefault(&c.MessageBurst, DefaultMessageBurst)
	orDefault(&c.RetailerTTL, DefaultRetailerTTL)
	if c.Clock == nil {
		c.Clock = web.SystemClock()
	}
}

// orDefault sets *v to d when it is zero or negative (unset).
func orDefault[T int | int64 | time.Duration | rate.Limit](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// RetailerFinder finds the retailer of a distribution id.
type RetailerFinder interface {
	RetailerByDistribution(ctx context.Context, distributionID string) (web.Retailer, error)
}

// TokenVerifier checks tokens; errors carry web.ETokenExpired or
// web.EInvalidToken.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (web.Principal, error)
}

// Handler serves the live channel. It is safe for concurrent use.
type Handler struct {
	cfg       Config
	log       *slog.Logger
	retailers RetailerFinder
	verifier  TokenVerifier
	sub       Subscriber
	origin    string // the one allowed browser origin, normalized
	accept    *websocket.AcceptOptions
	workers   workers

	// partnerRevocations counts ExpirePartnerTokens calls, so a socket whose
	// partner token was verified across one verifies it again.
	partnerRevocations atomic.Uint64

	mu        sync.Mutex
	conns     map[*conn]struct{}
	closed    bool
	wg        sync.WaitGroup
	retailerC map[string]cachedRetailer // by distribution id; guarded by mu
}

type cachedRetailer struct {
	r       web.Retailer
	expires time.Time
}

// NewHandler returns the live channel's handler: sockets of retailers found by
// retailers, authenticated by verifier, subscribed through sub.
func NewHandler(cfg Config, log *slog.Logger, retailers RetailerFinder, verifier TokenVerifier, sub Subscriber) (*Handler, error) {
	cfg.setDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	origin, err := web.NormalizeOrigin(cfg.PublicURL)
	if err != nil {
		// A public URL may have a path (a prefix); its origin is what counts.
		u, perr := url.Parse(cfg.PublicURL)
		if perr != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("live: public URL %q: %w", cfg.PublicURL, err)
		}
		if origin, err = web.NormalizeOrigin(u.Scheme + "://" + u.Host); err != nil {
			return nil, fmt.Errorf("live: public URL %q: %w", cfg.PublicURL, err)
		}
	}
	return &Handler{
		cfg: cfg, log: log, retailers: retailers, verifier: verifier, sub: sub, origin: origin,
		// Checked again by Accept as a second line: a pattern with "://"
		// matches scheme and host, escaped so an IPv6 host's brackets are
		// not a character class.
		accept:    &websocket.AcceptOptions{OriginPatterns: []string{escapePattern(origin)}},
		conns:     make(map[*conn]struct{}),
		retailerC: make(map[string]cachedRetailer),
		workers:   workers{jobs: make(chan job)},
	}, nil
}

// escapePattern quotes the path.Match metacharacters of s.
func escapePattern(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ServeWS upgrades GET /ws?d=<distributionId> to a live socket, which it
// serves on its own goroutine until it closes (Close waits for them). Before the upgrade it returns a *web.Error for the caller
// to render (validation_failed without d, not_found for an unknown
// distribution, forbidden for a foreign Origin); once the connection is
// upgraded or Accept has answered a bad handshake itself, it returns nil.
func (h *Handler) ServeWS(w http.ResponseWriter, r *http.Request) error {
	d := r.URL.Query().Get("d")
	if d == "" {
		return web.FieldErrorf("d", "the distribution id is required: /ws?d=<distributionId>")
	}
	if o := r.Header.Get("Origin"); o != "" {
		if n, err := web.NormalizeOrigin(o); err != nil || n != h.origin {
			return web.Errorf(web.EForbidden, "the live channel only accepts sockets opened by the planner page (%s)", h.origin)
		}
	}
	if len(d) > 128 {
		return web.Errorf(web.ENotFound, "unknown distribution")
	}
	ret, err := h.retailer(r.Context(), d)
	if err != nil {
		if web.ErrorCode(err) == web.ENotFound {
			return web.Errorf(web.ENotFound, "unknown distribution %q", d)
		}
		return fmt.Errorf("live: look up distribution: %w", err)
	}
	ws, err := websocket.Accept(smallBuffers{w}, r, h.accept)
	if err != nil {
		return nil // Accept has written the response
	}
	ws.SetReadLimit(h.cfg.ReadLimit)
	c := newConn(h, ws, ret)
	if !h.register(c) {
		ws.Close(websocket.StatusGoingAway, ReasonShutdown)
		return nil
	}
	if h.cfg.OnOpen != nil {
		h.cfg.OnOpen(ret.ID)
	}
	// The hijacked connection no longer needs the request: serve it on a
	// goroutine of its own so the handler's deep stack, the request and the
	// router's context are released while the socket lives (about 10 KiB
	// per socket).
	go func() {
		defer h.unregister(c)
		c.serve()
	}()
	return nil
}

// retailer returns the retailer of distribution d, from the cache while it
// is fresh. Only found retailers are cached.
func (h *Handler) retailer(ctx context.Context, d string) (web.Retailer, error) {
	now := h.cfg.Clock.Now()
	h.mu.Lock()
	e, ok := h.retailerC[d]
	h.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.r, nil
	}
	ret, err := h.retailers.RetailerByDistribution(ctx, d)
	if err != nil {
		return ret, err
	}
	h.mu.Lock()
	if len(h.retailerC) >= retailerCacheSize {
		clear(h.retailerC) // crude, and rare: a thousand live distributions
	}
	h.retailerC[d] = cachedRetailer{r: ret, expires: now.Add(h.cfg.RetailerTTL)}
	h.mu.Unlock()
	return ret, nil
}

func (h *Handler) register(c *conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.conns[c] = struct{}{}
	h.wg.Add(1)
	return true
}

func (h *Handler) unregister(c *conn) {
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
	h.wg.Done()
}

// Conns returns the number of open sockets.
func (h *Handler) Conns() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

// ExpirePartnerTokens treats the token of every socket of retailerID that was
// authenticated with a partner-signed token as expired: the socket is sent
// tokenExpired, its private events are held, and it must authenticate again
// (a token signed with the old secret then fails). The service calls it when
// that retailer's API secret was rotated. It returns how many sockets it
// expired.
func (h *Handler) ExpirePartnerTokens(retailerID string) int {
	h.partnerRevocations.Add(1)
	h.mu.Lock()
	conns := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		if c.retailerID == retailerID {
			conns = append(conns, c)
		}
	}
	h.mu.Unlock()
	n := 0
	for _, c := range conns {
		if c.expirePartner() {
			n++
		}
	}
	return n
}

// ResyncAll sends resync to every open socket that may be sent anything (all
// but a premium one that has not authenticated yet): events may have been
// missed, so the client refetches what it shows. The service calls it when
// the shared event backend (PostgreSQL LISTEN/NOTIFY) reconnects after a
// drop. It returns how many sockets it told.
func (h *Handler) ResyncAll() int {
	h.mu.Lock()
	conns := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	n := 0
	for _, c := range conns {
		if c.resync() {
			n++
		}
	}
	return n
}

// Close closes every socket with 1001 "server shutting down", refuses new
// ones, and waits (at most about 15 s, the close handshake's bound) for them
// to finish.
func (h *Handler) Close() error {
	h.mu.Lock()
	h.closed = true
	conns := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.kick(websocket.StatusGoingAway, ReasonShutdown)
	}
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		return fmt.Errorf("live: %d sockets still open after shutdown", h.Conns())
	}
	return nil
}
