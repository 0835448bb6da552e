package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"github.com/roomplanner/planner/cmd/internal/cli"
	"github.com/roomplanner/planner/cmd/internal/serve"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/roomplanner/planner/web/metrics"
	"github.com/roomplanner/planner/web/service"
)

// serveConfig is the configuration of "planner serve".
type serveConfig struct {
	addr, db, publicURL string
	metricsAddr         string
	tlsCert, tlsKey     string
	trustedProxies      cli.StringList
	logFormat           string
	logLevel            slog.Level
	refreshInterval     time.Duration
	tokenRate           float64 // POST /v1/tokens per API key per second
	tokenBurst          int
}

func parseServeFlags(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("planner serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", cli.EnvOr(getenv, "PLANNER_ADDR", "127.0.0.1:8090"), "listen address (env PLANNER_ADDR)")
	fs.StringVar(&c.db, "db", cli.EnvOr(getenv, "PLANNER_DB", "planner.db"), dbUsage)
	fs.StringVar(&c.publicURL, "public-url", getenv("PLANNER_PUBLIC_URL"), "the base URL browsers use to reach this service: the planner page's, the live channel's (its CSP allows only\n"+
		"that origin's ws/wss) and the tokens' issuer (env PLANNER_PUBLIC_URL; default http://localhost:PORT)")
	fs.StringVar(&c.metricsAddr, "metrics-addr", getenv("PLANNER_METRICS_ADDR"), "listen address of the service's Prometheus metrics at /metrics, for the monitoring system only (env PLANNER_METRICS_ADDR; default: not served)")
	fs.StringVar(&c.tlsCert, "tls-cert", getenv("PLANNER_TLS_CERT"), "TLS certificate file; serve HTTPS with HSTS (env PLANNER_TLS_CERT)")
	fs.StringVar(&c.tlsKey, "tls-key", getenv("PLANNER_TLS_KEY"), "TLS key file (env PLANNER_TLS_KEY)")
	fs.Var(&c.trustedProxies, "trusted-proxy", "CIDR of a reverse proxy whose X-Forwarded-* headers are trusted; repeatable (env PLANNER_TRUSTED_PROXY, comma separated)")
	fs.StringVar(&c.logFormat, "log-format", cli.EnvOr(getenv, "PLANNER_LOG_FORMAT", "text"), "log format: text or json (env PLANNER_LOG_FORMAT)")
	level := cli.EnvOr(getenv, "PLANNER_LOG_LEVEL", "info")
	fs.StringVar(&level, "log-level", level, "least level logged: debug, info, warn or error; health checks and WebSocket upgrades are logged at debug,\n"+
		"failed requests always (env PLANNER_LOG_LEVEL)")
	tokenRate := cli.EnvOr(getenv, "PLANNER_TOKEN_RATE", "10")
	fs.StringVar(&tokenRate, "token-rate", tokenRate, "successful POST /v1/tokens per API key per second, per instance (env PLANNER_TOKEN_RATE)")
	tokenBurst := cli.EnvOr(getenv, "PLANNER_TOKEN_BURST", "100")
	fs.StringVar(&tokenBurst, "token-burst", tokenBurst, "burst of POST /v1/tokens per API key above --token-rate (env PLANNER_TOKEN_BURST)")
	refresh := cli.EnvOr(getenv, "PLANNER_REFRESH_INTERVAL", service.RefreshInterval.String())
	fs.StringVar(&refresh, "refresh-interval", refresh, "how often to re-read signing keys and API-secret rotations, a `duration`: the most another\n"+
		"process's (the admin CLI's, another instance's) rotation takes to take effect here; at most "+service.RefreshInterval.String()+" (env PLANNER_REFRESH_INTERVAL)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return c, err
	}
	d, err := time.ParseDuration(refresh)
	if err != nil || d <= 0 || d > service.RefreshInterval {
		return c, fmt.Errorf("--refresh-interval must be a duration above 0 and at most %s (a retired signing key verifies that much longer than a token lives), got %q", service.RefreshInterval, refresh)
	}
	c.refreshInterval = d
	if err := c.logLevel.UnmarshalText([]byte(level)); err != nil || !validLevel(level) {
		return c, fmt.Errorf("--log-level must be debug, info, warn or error, got %q", level)
	}
	if c.tokenRate, err = strconv.ParseFloat(tokenRate, 64); err != nil || !(c.tokenRate > 0) || math.IsInf(c.tokenRate, 0) {
		return c, fmt.Errorf("--token-rate must be a number of tokens per second above 0, got %q", tokenRate)
	}
	if c.tokenBurst, err = strconv.Atoi(tokenBurst); err != nil || c.tokenBurst < 1 {
		return c, fmt.Errorf("--token-burst must be a whole number of tokens from 1, got %q", tokenBurst)
	}
	c.trustedProxies = c.trustedProxies.OrEnv(getenv, "PLANNER_TRUSTED_PROXY")
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return c, errors.New("--tls-cert and --tls-key go together")
	}
	return c, nil
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	c, err := parseServeFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	proxies, err := cli.ParseCIDRs("--trusted-proxy", c.trustedProxies)
	if err != nil {
		return err
	}
	var log *slog.Logger
	opts := &slog.HandlerOptions{Level: c.logLevel}
	if c.logFormat == "json" {
		log = slog.New(slog.NewJSONHandler(stderr, opts))
	} else {
		log = slog.New(slog.NewTextHandler(stderr, opts))
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.addr, err)
	}
	defer ln.Close()
	scheme := "http"
	if c.tlsCert != "" {
		scheme = "https"
	}
	if c.publicURL == "" {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		c.publicURL = fmt.Sprintf("%s://localhost:%s", scheme, port)
	} else if len(proxies) == 0 {
		// Behind a proxy the public URL is the proxy's: nothing to compare.
		if why := publicURLMismatch(c.publicURL, ln.Addr(), c.tlsCert != ""); why != "" {
			log.Warn("--public-url is not where this server listens: browsers reach the planner page, the live channel and the token issuer there, "+
				"so a page loaded another way finds its live channel blocked by its CSP; set --public-url to the URL browsers use, "+
				"or --trusted-proxy when a reverse proxy serves this server at it",
				"public_url", c.publicURL, "listen", ln.Addr().String(), "why", why)
		}
	}
	var m *metrics.Metrics
	var mln net.Listener
	if c.metricsAddr != "" {
		if mln, err = net.Listen("tcp", c.metricsAddr); err != nil {
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		defer mln.Close()
		m = metrics.New()
	}
	svc, err := service.Open(ctx, service.Config{
		DB: c.db, PublicURL: strings.TrimRight(c.publicURL, "/"), TrustedProxies: proxies,
		TLS: c.tlsCert != "", Getenv: getenv, Logger: log, RefreshInterval: c.refreshInterval,
		TokenRate: c.tokenRate, TokenBurst: c.tokenBurst, Metrics: m,
	})
	if err != nil {
		return migrateHint(c.db, err)
	}
	defer svc.Close()
	return serveHTTP(ctx, ln, svc, c, log, stdout, mln, m)
}

// publicURLMismatch says why a browser that loads publicURL would not reach
// a server listening on addr (without TLS unless tls), or "" when it would
// or when that cannot be told without DNS (a host name on a non-loopback
// address).
func publicURLMismatch(publicURL string, addr net.Addr, tls bool) string {
	u, err := url.Parse(publicURL)
	if err != nil || u.Host == "" {
		return "it is not an absolute URL"
	}
	if (u.Scheme == "https") != tls {
		if tls {
			return "it is http but the server serves HTTPS"
		}
		return "it is " + u.Scheme + " but the server serves plain HTTP (no --tls-cert)"
	}
	port := u.Port()
	if port == "" {
		port = map[bool]string{true: "443", false: "80"}[tls]
	}
	lhost, lport, err := net.SplitHostPort(addr.String())
	if err != nil {
		return ""
	}
	if port != lport {
		return "its port " + port + " is not the listening port " + lport
	}
	lip := net.ParseIP(lhost)
	if lip == nil || lip.IsUnspecified() {
		return "" // every address of this machine
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	switch {
	case lip.IsLoopback() && (host == "localhost" || strings.HasSuffix(host, ".localhost") || ip != nil && ip.IsLoopback()):
		return ""
	case lip.IsLoopback():
		return "the server listens on loopback only and " + host + " is not a loopback host"
	case ip != nil && !ip.Equal(lip):
		return host + " is not the listening address " + lhost
	}
	return ""
}

// serveHTTP serves until ctx ends, then shuts down gracefully.
// mln, when not nil, serves m's metrics at /metrics.
func serveHTTP(ctx context.Context, ln net.Listener, svc *service.Service, c serveConfig, log *slog.Logger, stdout io.Writer, mln net.Listener, m *metrics.Metrics) error {
	srv := &http.Server{
		Handler:  svc.Handler(),
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if c.tlsCert != "" {
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	// Shutdown neither closes nor waits for upgraded (WebSocket) connections:
	// close the live sockets with 1001 alongside it; svc.Close waits for them.
	srv.RegisterOnShutdown(func() {
		log.Info("shutting down")
		if err := svc.CloseLive(); err != nil {
			log.Warn("close live sockets", "err", err)
		}
	})
	go svc.RunMaintenance(ctx)
	scheme := "http"
	if c.tlsCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "planner: listening on %s://%s (public URL %s, database %s)\n", scheme, ln.Addr(), c.publicURL, service.DisplayName(c.db))
	servers := []serve.Server{{HTTP: srv, Listener: ln, CertFile: c.tlsCert, KeyFile: c.tlsKey, Streaming: service.LiveRoute}}
	if mln != nil {
		// A listener of its own: behind a proxy on this machine every
		// visitor would look like a loopback peer on the public one.
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		servers = append(servers, serve.Server{HTTP: &http.Server{Handler: mux, ErrorLog: srv.ErrorLog}, Listener: mln})
		fmt.Fprintf(stdout, "planner: metrics on http://%s/metrics\n", mln.Addr())
	}
	return serve.Run(ctx, 10*time.Second, servers...)
}

// validLevel reports whether s names one of slog's four levels (slog also
// accepts offsets such as "info+2", which the flag does not promise).
func validLevel(s string) bool {
	switch strings.ToLower(s) {
	case "debug", "info", "warn", "error":
		return true
	}
	return false
}
