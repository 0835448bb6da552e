// Package service assembles the planner service from its parts: the store
// (SQLite, or PostgreSQL), the signing keyring, the token issuer and verifier, the live channel
// (hub, publishing store, /ws handler) and the HTTP API.
// cmd/planner, cmd/demo and integration tests all build the service here.
package service

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/roomplanner/planner/static"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/api"
	"github.com/roomplanner/planner/web/console"
	"github.com/roomplanner/planner/web/credcache"
	"github.com/roomplanner/planner/web/live"
	"github.com/roomplanner/planner/web/metrics"
	"github.com/roomplanner/planner/web/postgres"
	"github.com/roomplanner/planner/web/retailermetrics"
	"github.com/roomplanner/planner/web/retailerops"
	"github.com/roomplanner/planner/web/sqlite"
	"github.com/roomplanner/planner/web/token"
	"golang.org/x/time/rate"
)

// Audience is the aud claim of every API-issued token.
const Audience = "planner-api"

// KeyWindow is how long a retired signing key keeps verifying: the longest
// token lifetime plus the maintenance loop's refresh interval, because a
// server keeps signing with the old key until its next refresh after a
// rotation made by the CLI in another process.
const KeyWindow = api.MaxTokenTTL + refreshInterval

const refreshInterval = 30 * time.Second

// changeLogRetention is how long catalog change log entries are kept.
const changeLogRetention = 24 * time.Hour

// Config configures a Service.
type Config struct {
	// DB is the database: a SQLite file path, or a postgres:// (or
	// postgresql://) URL. See OpenStore.
	DB string
	// Migrate creates the database if it is a SQLite file that does not
	// exist and applies pending migrations, as the demo and tests want.
	// Default false: Open refuses a missing file or a schema other than
	// this build's, which an operator upgrades with "planner migrate".
	Migrate        bool
	PublicURL      string              // external base URL; the tokens' issuer
	TrustedProxies []*net.IPNet        // see api.Config.TrustedProxies
	TLS            bool                // the server terminates TLS (adds HSTS)
	Getenv         func(string) string // reads PLANNER_MASTER_KEY; default: empty env
	Clock          func() time.Time    // default time.Now
	Logger         *slog.Logger        // default: discard
	// Live configures the live channel at /ws. Its PublicURL defaults to the
	// service's (whose origin is then the only browser Origin allowed to open
	// a socket) and its Clock to the service clock, so token expiry on a
	// socket agrees with token verification. Other zero fields get
	// web/live's defaults.
	Live live.Config
	// CatalogPoll is how often the service reads the catalog change log to
	// publish catalog events, including those of imports made by the admin
	// CLI in another process: the most such an event waits. Default 1 s.
	CatalogPoll time.Duration
	// RefreshInterval is how often RunMaintenance calls Refresh: the most a
	// signing-key or API-secret rotation made by another process (the admin
	// CLI, another instance) takes to reach this one, so the longest an old
	// API secret keeps verifying partner-signed tokens here. Default, and
	// maximum, the package's RefreshInterval: KeyWindow assumes no process
	// signs with a retired key for longer, so a larger value is lowered.
	RefreshInterval time.Duration
	// TokenRate and TokenBurst limit POST /v1/tokens per API key: see
	// api.Config (default 10/s, burst 100).
	TokenRate  float64
	TokenBurst int
	// Metrics, if set, receives the service's metrics: requests, tokens,
	// live sockets, the catalog watcher and the database pools (see
	// web/metrics). Default nil: none are kept.
	Metrics *metrics.Metrics
	// ConsoleTokenTTL is the life of the console dashboard's retailer token
	// (console.Config.TokenTTL; default 10 min).
	ConsoleTokenTTL time.Duration
	// EventLimits bound POST /v1/events per iframe load, token and retailer
	// (see retailermetrics.Limits for the defaults).
	EventLimits retailermetrics.Limits
	// GaugeHeartbeat and GaugeTTL time the live gauges' sharing between
	// instances on PostgreSQL (see retailermetrics.Config: default 3 s and
	// 10 s): each instance writes its planners open, signed in and sockets
	// per retailer every GaugeHeartbeat, and the metrics topic sums those
	// written within GaugeTTL, so a killed instance drops out after that
	// long. Unused on SQLite, where the one instance's gauges are the whole.
	GaugeHeartbeat, GaugeTTL time.Duration
}

// Service is an assembled planner service. Close it when done.
type Service struct {
	// Store is the raw store: project writes made through it publish
	// no live events. Data is the same store with its project writes
	// published to Hub (on PostgreSQL, through Notifier to the Hub of every
	// instance on the database); the API writes through Data. Catalog
	// imports through either (or through another process's store on the
	// same database) are published by Catalog from the change log.
	//
	// Programs use Store, Issuer, Live and Handler. Data, Hub, Notifier,
	// Catalog and Keyring are reached only by tests, which drive the
	// assembled service from outside this package.
	Store Store
	Data  *PublishingStore
	Hub   *live.Hub
	// Notifier is nil on SQLite. On PostgreSQL Data publishes through it
	// (NOTIFY) and its listener alone delivers to Hub, from Open until Close;
	// a reconnected listener tells every socket of Live to resync.
	Notifier *postgres.Notifier
	Live     *live.Handler
	Keyring  *token.Keyring
	Issuer   *token.Issuer
	// Catalog tails the store's catalog change log and publishes catalog
	// events to Hub; it runs from Open until Close.
	Catalog *live.CatalogWatcher
	// Metrics counts each retailer's business metrics, serves the live
	// metrics topic and stores a minute once it has ended; it runs from
	// Open until Close, which stores what it still holds.
	Metrics *retailermetrics.Recorder

	api      *api.Server // served by Handler
	verifier *token.Verifier
	creds    *credcache.Cache
	log      *slog.Logger

	refreshEvery time.Duration // Config.RefreshInterval, defaulted

	rotationsMu sync.Mutex // serialises Refresh's reading of the rotation log
	rotationSeq int64      // the credential rotation log's last entry acted on

	stop func() // stops Notifier's listener and Catalog, and waits for them
}

// Open opens the database and builds the service.
func Open(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PublicURL == "" {
		return nil, fmt.Errorf("public URL is required")
	}
	// The browser code is bundled and precompressed once per process, here
	// rather than on a visitor's first request.
	built := time.Now()
	if err := static.Load(); err != nil {
		return nil, err
	}
	cfg.Logger.Debug("static assets ready", "dur", time.Since(built))
	open := OpenExistingStore
	if cfg.Migrate {
		open = OpenStore
	}
	st, err := open(ctx, cfg.DB, cfg.Getenv)
	if err != nil {
		return nil, err
	}
	keys := token.NewKeyring(st, cfg.Clock, KeyWindow)
	if err := keys.Load(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("load signing keys: %w", err)
	}
	// Rotations logged before this start concern tokens this process never
	// verified; only later ones are acted on.
	rotationSeq, err := st.LastCredentialRotation(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	issuer := token.NewIssuer(keys, cfg.PublicURL, Audience, cfg.Clock)
	// One credential cache serves minting and partner-token verification:
	// neither reads the database on a hit. Refresh forgets the retailers the
	// rotation log names.
	creds := credcache.New(st, credcache.Config{Clock: cfg.Clock})
	verifier := token.NewVerifier(keys, creds, token.VerifierConfig{Issuer: cfg.PublicURL, Audience: Audience, Clock: cfg.Clock})
	// What the API and the live channel verify and issue with: the
	// verifier and issuer themselves, or wrapped to count their verdicts.
	var (
		verify api.TokenVerifier = verifier
		issue  api.TokenIssuer   = issuer
	)
	if cfg.Metrics != nil {
		verify, issue = cfg.Metrics.Verifier(verifier), cfg.Metrics.Issuer(issuer)
	}

	// The hub is the in-process Publisher/Subscriber; the API writes through
	// the publishing store so every committed change reaches the sockets.
	hub := live.NewHub()
	lcfg := cfg.Live
	if lcfg.PublicURL == "" {
		lcfg.PublicURL = cfg.PublicURL
	}
	if lcfg.Clock == nil {
		lcfg.Clock = web.ClockFunc(cfg.Clock)
	}
	// The recorder learns the sockets per retailer from the live handler,
	// made just below; lh is set before the recorder's first Tick.
	var lh *live.Handler
	rcfg := retailermetrics.Config{
		Clock: cfg.Clock, Limits: cfg.EventLimits, Log: cfg.Logger,
		Sockets:           func() map[string]int { return lh.SocketsByRetailer() },
		HeartbeatInterval: cfg.GaugeHeartbeat, GaugeTTL: cfg.GaugeTTL,
	}
	// Instances on one PostgreSQL database share their gauges there, so each
	// one's metrics topic counts every instance's planners and sockets.
	if pst, ok := st.(*postgres.Store); ok {
		rcfg.Cluster = pst
	}
	business := retailermetrics.New(st, rcfg)
	if lcfg.Metrics == nil {
		lcfg.Metrics = business
	}
	if lcfg.OnOpen == nil {
		lcfg.OnOpen = func(id string) { business.Add(id, retailermetrics.SocketsOpened, 1) }
	}
	lh, err = live.NewHandler(lcfg, cfg.Logger, st, verify, hub)
	if err != nil {
		st.Close()
		return nil, err
	}
	// On PostgreSQL, instances share the database: project events go out
	// through NOTIFY and come back, to every instance, through the
	// notifier's listener, which alone feeds the hub. On SQLite (one
	// process) the hub is published to directly.
	var (
		pub      live.Publisher = hub
		notifier *postgres.Notifier
	)
	if pst, ok := st.(*postgres.Store); ok {
		notifier = pst.NewNotifier(hub, postgres.NotifierConfig{
			// Real timers on the service's time: the backoff must pass
			// even when a test's fake live clock is only moved for expiry.
			Clock: web.ClockFunc(cfg.Clock),
			OnReconnect: func() {
				n := lh.ResyncAll()
				cfg.Logger.Info("live events may have been missed: sockets told to resync", "sockets", n)
			},
		}, cfg.Logger)
		if err := notifier.Listen(ctx); err != nil {
			lh.Close()
			st.Close()
			return nil, err
		}
		pub = notifier
	}
	data := NewPublishingStore(st, pub, cfg.Logger)
	closeNotifier := func() {
		if notifier != nil {
			notifier.Close()
		}
	}
	// The watcher starts after the change log's newest entry (no replay) and
	// runs on a context of the service's own, not Open's: a caller may bound
	// Open with a timeout, and the watcher must live until Close.
	watcher, err := live.NewCatalogWatcher(ctx, st, hub, live.WatcherConfig{Interval: cfg.CatalogPoll}, cfg.Logger)
	if err != nil {
		closeNotifier()
		lh.Close()
		st.Close()
		return nil, err
	}
	// The console's rotations take effect here at once (Refresh), not at the
	// next maintenance tick; svc is set below, before any request is served.
	var svc *Service
	refreshNow := func(ctx context.Context) error { return svc.Refresh(ctx) }
	acfg := api.Config{
		PublicURL: cfg.PublicURL, TrustedProxies: cfg.TrustedProxies, TLS: cfg.TLS, Clock: cfg.Clock,
		Live: lh, Credentials: creds, TokenRate: rate.Limit(cfg.TokenRate), TokenBurst: cfg.TokenBurst,
		Metrics: business,
		Console: console.New(console.Config{Secure: cfg.TLS, Clock: cfg.Clock, LiveURL: "ws" + strings.TrimPrefix(cfg.PublicURL, "http") + "/ws", PublicURL: cfg.PublicURL,
			TokenTTL: cfg.ConsoleTokenTTL, Rotated: refreshNow},
			retailerops.New(st, retailerops.WithClock(cfg.Clock)), st, issuer),
	}
	if m := cfg.Metrics; m != nil {
		acfg.ObserveRequest = m.ObserveRequest
		watchMetrics(m, st, verifier, lh, watcher)
	}
	srv := api.NewServer(acfg, cfg.Logger, data, issue, verify, keys)
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		wg.Go(func() { business.Run(wctx) })
		watcher.Run(wctx)
		wg.Wait()
	}()
	var once sync.Once
	stop := func() { once.Do(func() { closeNotifier(); cancel(); <-done }) }
	svc = &Service{Store: st, Data: data, Hub: hub, Notifier: notifier, Live: lh, Keyring: keys, Issuer: issuer, api: srv,
		verifier: verifier, creds: creds, rotationSeq: rotationSeq, Catalog: watcher, Metrics: business, log: cfg.Logger, stop: stop,
		refreshEvery: cfg.RefreshInterval}
	return svc, nil
}

// watchMetrics registers what m reads at each scrape.
func watchMetrics(m *metrics.Metrics, st Store, v *token.Verifier, lh *live.Handler, w *live.CatalogWatcher) {
	m.WatchTokenCache(v.CacheHits)
	m.WatchLive(lh.Stats)
	m.WatchCatalog(w.Progress, st.LastCatalogChange)
	switch db := st.(type) {
	case *sqlite.Store:
		m.WatchSQL(func() map[string]sql.DBStats {
			w, r := db.DBStats()
			return map[string]sql.DBStats{"writer": w, "readers": r}
		})
	case *postgres.Store:
		m.WatchPgxPool(db.PoolStat)
	}
}

// LiveRoute reports whether r is the live channel's WebSocket upgrade, the
// one route whose connection outlives its request: servers exempt it from
// their body read deadline (the socket has its own keepalive).
func LiveRoute(r *http.Request) bool { return r.URL.Path == "/ws" }

// Verifier returns the service's token verifier (tests check tokens with it).
func (s *Service) Verifier() *token.Verifier { return s.verifier }

// Handler is the service's HTTP handler.
func (s *Service) Handler() http.Handler { return s.api }

// RefreshInterval is how often RunMaintenance calls Refresh: the longest a
// signing-key rotation or an API secret rotation made by another process (the
// admin CLI) takes to reach this one.
const RefreshInterval = refreshInterval

// Refresh reads what other processes changed that this one must act on: it
// reloads the signing keys, and for every API secret rotated since the last
// call it forgets the retailer's cached credential (minting with the old
// secret then fails here) and the cached partner-token verifications, and expires the live
// sockets authenticated with that retailer's partner-signed tokens (they are
// sent tokenExpired and must authenticate again; a token signed with the old
// secret then fails).
func (s *Service) Refresh(ctx context.Context) error {
	kerr := s.Keyring.Refresh(ctx)
	if kerr != nil {
		kerr = fmt.Errorf("refresh signing keys: %w", kerr)
	}
	s.rotationsMu.Lock()
	defer s.rotationsMu.Unlock()
	rots, err := s.Store.CredentialRotations(ctx, s.rotationSeq)
	if err != nil {
		return errors.Join(kerr, err)
	}
	if len(rots) == 0 {
		return kerr
	}
	// Credentials first, then verifications: a verification racing this
	// call either read the new secret or is cached under the old epoch.
	for _, r := range rots {
		s.creds.Forget(r.RetailerID)
	}
	s.verifier.RevokePartnerTokens()
	seen := map[string]bool{}
	for _, r := range rots {
		if !seen[r.RetailerID] {
			seen[r.RetailerID] = true
			n := s.Live.ExpirePartnerTokens(r.RetailerID)
			s.log.Info("API secret rotated: partner tokens revoked", "retailer", r.RetailerID, "sockets_expired", n)
		}
		s.rotationSeq = r.Seq
	}
	return kerr
}

// RunMaintenance calls Refresh every Config.RefreshInterval and purges
// idempotency records and change log entries older than a day, and retailer
// metrics older than 90 days, until ctx ends.
func (s *Service) RunMaintenance(ctx context.Context) {
	every := s.refreshEvery
	if every <= 0 || every > refreshInterval {
		every = refreshInterval
	}
	t := time.NewTicker(every)
	defer t.Stop()
	purged := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("refresh", "err", err)
			}
			if now.Sub(purged) > time.Hour {
				purged = now
				if err := s.Store.PurgeIdempotency(ctx, now.Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
					s.log.Warn("purge idempotency records", "err", err)
				}
				// A running watcher reads new entries within a poll interval
				// and a starting one skips to the newest, so a day is a wide
				// margin; it keeps the log small whatever the import sizes.
				if err := s.Store.PurgeCatalogChanges(ctx, now.Add(-changeLogRetention)); err != nil && ctx.Err() == nil {
					s.log.Warn("purge catalog change log", "err", err)
				}
				if err := s.Store.PurgeCredentialRotations(ctx, now.Add(-changeLogRetention)); err != nil && ctx.Err() == nil {
					s.log.Warn("purge credential rotation log", "err", err)
				}
				if err := s.Metrics.Purge(ctx); err != nil && ctx.Err() == nil {
					s.log.Warn("purge retailer metrics", "err", err)
				}
			}
		}
	}
}

// CloseLive closes every live socket with 1001 "server shutting down" and
// refuses new ones, waiting (boundedly) for them to finish. http.Server's
// Shutdown does not wait for upgraded connections, so servers call it from
// RegisterOnShutdown; calling it again is harmless.
func (s *Service) CloseLive() error { return s.Live.Close() }

// Close stops the live listener and the catalog watcher, closes the live
// sockets, then releases the database.
func (s *Service) Close() error {
	s.stop()
	lerr := s.Live.Close()
	if err := s.Store.Close(); err != nil {
		return err
	}
	return lerr
}
