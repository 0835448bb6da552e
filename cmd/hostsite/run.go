package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/roomplanner/planner/cmd/internal/cli"
	"github.com/roomplanner/planner/cmd/internal/serve"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/roomplanner/planner/bff"
	"github.com/roomplanner/planner/cmd/hostsite/site"
)

// options is the host site's configuration, from flags and environment.
type options struct {
	addr, plannerURL, db, distribution, metricsAddr string
	secure, demoUsers                               bool
	proxies                                         []*net.IPNet
}

// parseFlags reads the flags, each defaulting to its environment variable.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("hostsite", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", cli.EnvOr(getenv, "HOSTSITE_ADDR", "127.0.0.1:8080"), "listen address (env HOSTSITE_ADDR)")
	fs.StringVar(&o.plannerURL, "planner-url", cli.EnvOr(getenv, "PLANNER_API_URL", "http://localhost:8090"), "planner service base URL; the flag wins over env PLANNER_API_URL")
	fs.StringVar(&o.db, "db", cli.EnvOr(getenv, "HOSTSITE_DB", "hostsite.db"), "SQLite file for users, sessions and baskets (env HOSTSITE_DB)")
	fs.StringVar(&o.distribution, "distribution", getenv("PLANNER_DISTRIBUTION"), "the retailer's distribution id (env PLANNER_DISTRIBUTION; printed by 'planner entity create')")
	fs.BoolVar(&o.secure, "secure", getenv("HOSTSITE_SECURE") == "1", "the site is served over HTTPS (behind a TLS proxy): Secure __Host- session cookie and HSTS")
	var trusted cli.StringList
	fs.Var(&trusted, "trusted-proxy", "CIDR of a reverse proxy whose X-Forwarded-For names the visitor (per-IP rate limits); repeatable (env HOSTSITE_TRUSTED_PROXY, comma separated)")
	fs.StringVar(&o.metricsAddr, "metrics-addr", getenv("HOSTSITE_METRICS_ADDR"), "listen address of the BFF's Prometheus metrics at /metrics, for the monitoring system only (env HOSTSITE_METRICS_ADDR; default: not served)")
	fs.BoolVar(&o.demoUsers, "demo-users", false, "create the demo users alice and bob if missing, printing their passwords")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var err error
	if o.proxies, err = cli.ParseCIDRs("--trusted-proxy", trusted.OrEnv(getenv, "HOSTSITE_TRUSTED_PROXY")); err != nil {
		return o, err
	}
	if o.distribution == "" {
		return o, errors.New("--distribution (or PLANNER_DISTRIBUTION) is required: the distributionId printed by 'planner entity create'")
	}
	return o, nil
}

// run is the whole program; main only wires it to the process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	o, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	// --planner-url (whose default is PLANNER_API_URL) is the API URL: the
	// BFF reads the rest of its settings from the environment.
	cfg, err := bff.ConfigFromEnv(func(k string) string {
		if k == "PLANNER_API_URL" {
			return o.plannerURL
		}
		return getenv(k)
	})
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg.Logger = log
	if o.secure && len(o.proxies) == 0 {
		log.Warn("--secure without --trusted-proxy: every visitor has the proxy's address, so all share one per-IP rate limit")
	}

	users, err := site.OpenStore(ctx, o.db)
	if err != nil {
		return err
	}
	defer users.Close()
	if o.demoUsers {
		pw, err := site.EnsureUsers(ctx, users, nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "demo sign-ins: alice / %s    bob / %s\n", pw["alice"], pw["bob"])
	}
	var hs *site.Site
	cfg.UserFunc = func(r *http.Request) (string, bool) { return hs.UserID(r) }
	cfg.SessionCookie = site.SessionCookieName(o.secure)
	broker, err := bff.New(cfg)
	if err != nil {
		return err
	}
	defer broker.Close()
	// The metrics stay off the public listener: behind a proxy on this
	// machine every visitor would look like a loopback peer.
	// The credentials are checked (one mint) beside start-up, not before
	// it: a planner service that is down must not keep the site from
	// starting. /readyz is not ready until the check has answered, and
	// stays so if the planner API refused the key and secret.
	checked := make(chan struct{})
	ready := func() error {
		select {
		case <-checked:
			return broker.Ready()
		default:
			return errors.New("checking the planner API credentials")
		}
	}
	hs, err = site.New(site.Config{
		PlannerURL: o.plannerURL, Distribution: o.distribution, Secure: o.secure, TrustedProxies: o.proxies,
		TokenHandler: broker.Handler(), Forget: broker.Forget, Logger: log, Ready: ready,
	}, users)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	servers := []serve.Server{{HTTP: &http.Server{Handler: hs}, Listener: ln}}
	if o.metricsAddr != "" {
		mln, err := net.Listen("tcp", o.metricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", broker.MetricsHandler())
		servers = append(servers, serve.Server{HTTP: &http.Server{Handler: mux}, Listener: mln})
	}
	fmt.Fprintf(stdout, "hostsite: listening on http://%s (planner %s)\n", ln.Addr(), o.plannerURL)
	if len(servers) > 1 {
		fmt.Fprintf(stdout, "hostsite: metrics on http://%s/metrics\n", servers[1].Listener.Addr())
	}
	checkCtx, cancelCheck := context.WithCancel(ctx)
	go func() {
		defer close(checked)
		switch err := broker.Check(checkCtx); {
		case err == nil:
			fmt.Fprintln(stdout, "hostsite: planner API credentials accepted")
		case errors.Is(err, bff.ErrCredentialsRefused):
			fmt.Fprintln(stdout, "hostsite: the planner API refused PLANNER_API_KEY and PLANNER_API_SECRET; /readyz says not ready")
		case checkCtx.Err() == nil:
			fmt.Fprintln(stdout, "hostsite: planner API not reachable; the credentials will be checked by the first token request")
		}
	}()
	defer func() { cancelCheck(); <-checked }()
	return serve.Run(ctx, 5*time.Second, servers...)
}
