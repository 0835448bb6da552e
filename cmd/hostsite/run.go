package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
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

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	fs := flag.NewFlagSet("hostsite", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", envOr(getenv, "HOSTSITE_ADDR", "127.0.0.1:8080"), "listen address (env HOSTSITE_ADDR)")
	plannerURL := fs.String("planner-url", envOr(getenv, "PLANNER_API_URL", "http://localhost:8090"), "planner service base URL (env PLANNER_API_URL)")
	db := fs.String("db", envOr(getenv, "HOSTSITE_DB", "hostsite.db"), "SQLite file for users, sessions and baskets (env HOSTSITE_DB)")
	distribution := fs.String("distribution", getenv("PLANNER_DISTRIBUTION"), "the retailer's distribution id (env PLANNER_DISTRIBUTION; printed by 'planner entity create')")
	secure := fs.Bool("secure", getenv("HOSTSITE_SECURE") == "1", "the site is served over HTTPS (behind a TLS proxy): Secure __Host- session cookie and HSTS")
	demoUsers := fs.Bool("demo-users", false, "create the demo users alice and bob if missing, printing their passwords")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *distribution == "" {
		return errors.New("--distribution (or PLANNER_DISTRIBUTION) is required: the distributionId printed by 'planner entity create'")
	}
	cfg, err := bff.ConfigFromEnv(getenv)
	if err != nil {
		return err
	}
	cfg.APIURL = *plannerURL
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg.Logger = log

	users, err := site.OpenStore(ctx, *db)
	if err != nil {
		return err
	}
	defer users.Close()
	if *demoUsers {
		pw, err := site.EnsureUsers(ctx, users, nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "demo sign-ins: alice / %s    bob / %s\n", pw["alice"], pw["bob"])
	}
	var hs *site.Site
	cfg.UserFunc = func(r *http.Request) (string, bool) { return hs.UserID(r) }
	cfg.SessionCookie = site.SessionCookieName(*secure)
	broker, err := bff.New(cfg)
	if err != nil {
		return err
	}
	defer broker.Close()
	hs, err = site.New(site.Config{
		PlannerURL: *plannerURL, Distribution: *distribution, Secure: *secure,
		TokenHandler: broker.Handler(), Forget: broker.Forget, Metrics: broker.MetricsHandler(), Logger: log,
	}, users)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: hs, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "hostsite: listening on http://%s (planner %s)\n", ln.Addr(), *plannerURL)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}
