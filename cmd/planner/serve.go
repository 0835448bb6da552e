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
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/roomplanner/planner/web/service"
)

// serveConfig is the configuration of "planner serve".
type serveConfig struct {
	addr, db, publicURL string
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
	fs.StringVar(&c.publicURL, "public-url", getenv("PLANNER_PUBLIC_URL"), "external base URL, the tokens' issuer (env PLANNER_PUBLIC_URL; default http://localhost:PORT)")
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
	}
	svc, err := service.Open(ctx, service.Config{
		DB: c.db, PublicURL: strings.TrimRight(c.publicURL, "/"), TrustedProxies: proxies,
		TLS: c.tlsCert != "", Getenv: getenv, Logger: log, RefreshInterval: c.refreshInterval,
		TokenRate: c.tokenRate, TokenBurst: c.tokenBurst,
	})
	if err != nil {
		return migrateHint(c.db, err)
	}
	defer svc.Close()
	return serveHTTP(ctx, ln, svc, c, log, stdout)
}

// serveHTTP serves until ctx ends, then shuts down gracefully.
func serveHTTP(ctx context.Context, ln net.Listener, svc *service.Service, c serveConfig, log *slog.Logger, stdout io.Writer) error {
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
	return serve.Run(ctx, 10*time.Second, serve.Server{HTTP: srv, Listener: ln, CertFile: c.tlsCert, KeyFile: c.tlsKey,
		Streaming: service.LiveRoute})
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
