package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/roomplanner/planner/bff"
	"github.com/roomplanner/planner/cmd/hostsite/site"
	"github.com/roomplanner/planner/cmd/internal/serve"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/catalog"
	"github.com/roomplanner/planner/web/service"
)

// demoState is what the demo remembers between runs, beside its databases
// (mode 0600). It holds no API secret: each start sets the demo retailer's
// secret anew (PLANNER_API_SECRET, or a random one) and hands it to the
// in-process host site, so none sits on disk.
type demoState struct {
	RetailerID     string            `json:"retailerId"`
	DistributionID string            `json:"distributionId"`
	APIKey         string            `json:"apiKey"`
	Passwords      map[string]string `json:"passwords"`
}

type options struct {
	plannerAddr, hostAddr, dataDir, tokenMode string
	bffAPIURL                                 string // default the planner URL
	tokenTTL                                  time.Duration
	verbose                                   bool
	db                                        string // default DATA/planner.db
	instances                                 int
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.plannerAddr, "planner-addr", "localhost:8090", "planner service address; its origin is http://ADDR (port 0 picks a free one)")
	fs.StringVar(&o.hostAddr, "host-addr", "127.0.0.1:8080", "host site address; its origin is http://ADDR, a different site from the planner's")
	fs.StringVar(&o.dataDir, "data", "demo-data", "directory for the demo's SQLite files and state")
	fs.DurationVar(&o.tokenTTL, "token-ttl", 15*time.Minute, "lifetime of the tokens the BFF mints and of the console dashboard's (10s to 1h); e.g. 30s to watch TokenExpired happen")
	fs.StringVar(&o.tokenMode, "token-mode", "remote", "how the BFF mints tokens: remote (POST /v1/tokens) or partner-signed (HS256, no network hop)")
	fs.StringVar(&o.bffAPIURL, "bff-api-url", "", "planner API URL the host site's BFF mints through; default the planner service's own URL\n"+
		"(e2e/soak points it at a loopback forwarder it can cut)")
	fs.BoolVar(&o.verbose, "v", false, "log every request")
	fs.StringVar(&o.db, "db", "", "planner database: a SQLite file or a postgres:// URL (needs PLANNER_MASTER_KEY); default DATA/planner.db")
	fs.IntVar(&o.instances, "instances", 1, "planner instances on the database; more than 1 (PostgreSQL only) serves them\n"+
		"behind a round-robin reverse proxy at --planner-addr and prints each instance's port")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.instances < 1 || o.instances > 8 {
		return o, fmt.Errorf("--instances must be from 1 to 8, got %d", o.instances)
	}
	if o.instances > 1 && !service.IsPostgres(o.db) {
		return o, errors.New("--instances above 1 needs a shared database: --db postgres://...")
	}
	if o.tokenTTL < 10*time.Second || o.tokenTTL > time.Hour {
		return o, fmt.Errorf("--token-ttl must be from 10s to 1h, got %s", o.tokenTTL)
	}
	return o, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.dataDir, 0o700); err != nil {
		return err
	}
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	// Listen first: the URLs (and so the registered origin and the tokens'
	// issuer) depend on the ports actually bound.
	plannerLn, err := net.Listen("tcp", o.plannerAddr)
	if err != nil {
		return fmt.Errorf("planner service: %w", err)
	}
	defer plannerLn.Close()
	hostLn, err := net.Listen("tcp", o.hostAddr)
	if err != nil {
		return fmt.Errorf("host site: %w", err)
	}
	defer hostLn.Close()
	plannerURL := urlOf(o.plannerAddr, plannerLn)
	hostURL := urlOf(o.hostAddr, hostLn)

	db := o.db
	if db == "" {
		db = filepath.Join(o.dataDir, "planner.db")
	}
	insts, closeInstances, err := openInstances(ctx, o.instances, db, plannerURL, o.tokenTTL, getenv, log)
	if err != nil {
		return err
	}
	defer closeInstances()
	svc := insts[0].svc
	users, err := site.OpenStore(ctx, filepath.Join(o.dataDir, "hostsite.db"))
	if err != nil {
		return err
	}
	defer users.Close()
	st, secret, err := seed(ctx, svc, users, o.dataDir, hostURL, getenv("PLANNER_API_SECRET"))
	if err != nil {
		return fmt.Errorf("seed demo data: %w", err)
	}

	var hs *site.Site
	bffAPIURL := plannerURL
	if o.bffAPIURL != "" {
		bffAPIURL = o.bffAPIURL
	}
	broker, err := bff.New(bff.Config{
		APIURL: bffAPIURL, APIKey: st.APIKey, APISecret: secret, Mode: o.tokenMode, TokenTTL: o.tokenTTL,
		UserFunc:      func(r *http.Request) (string, bool) { return hs.UserID(r) },
		SessionCookie: site.SessionCookieName(false),
		Logger:        log,
	})
	if err != nil {
		return err
	}
	defer broker.Close()
	hs, err = site.New(site.Config{
		PlannerURL: plannerURL, Distribution: st.DistributionID,
		TokenHandler: broker.Handler(), Forget: broker.Forget, Metrics: broker.MetricsHandler(), Logger: log,
	}, users)
	if err != nil {
		return err
	}

	servers, err := plannerServers(insts, plannerLn, log)
	if err != nil {
		return err
	}
	for _, in := range insts {
		go in.svc.RunMaintenance(ctx)
	}

	fmt.Fprintf(stdout, "Room planner demo (data in %s)\n", o.dataDir)
	fmt.Fprintf(stdout, "  Open the host site:   %s/plan\n", hostURL)
	fmt.Fprintf(stdout, "  Planner service:      %s\n", plannerURL)
	if len(insts) > 1 {
		fmt.Fprintf(stdout, "  Planner database:     %s\n", service.DisplayName(db))
		for i, in := range insts {
			fmt.Fprintf(stdout, "  Planner instance %d:   %s (round-robin behind %s)\n", i+1, in.url, plannerURL)
		}
	}
	fmt.Fprintf(stdout, "  Demo sign-ins:        alice / %s    bob / %s\n", st.Passwords["alice"], st.Passwords["bob"])
	fmt.Fprintf(stdout, "  Tokens:               %s, minted %s\n", o.tokenTTL, o.tokenMode)
	fmt.Fprintln(stdout, "Press Ctrl+C to stop.")

	return serve.Run(ctx, 5*time.Second, append(servers, serve.Server{HTTP: &http.Server{Handler: hs}, Listener: hostLn})...)
}

// urlOf is the http URL of a listener, keeping the host name asked for
// ("localhost" and "127.0.0.1" are different origins) with the bound port.
func urlOf(addr string, ln net.Listener) string {
	host, _, _ := net.SplitHostPort(addr)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return "http://" + net.JoinHostPort(host, port)
}

// seed creates the demo retailer, its catalog and the demo users on first
// start, and on every start registers the host origin and sets the API secret.
func seed(ctx context.Context, svc *service.Service, users *site.Store, dir, hostURL, secret string) (demoState, string, error) {
	path := filepath.Join(dir, "demo.json")
	var st demoState
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &st); err != nil {
			return st, "", fmt.Errorf("%s: %w", path, err)
		}
	}
	if secret == "" {
		secret = web.NewSecret()
	} else if len(secret) < 32 {
		return st, "", errors.New("PLANNER_API_SECRET must be at least 32 characters")
	}
	origin, err := web.NormalizeOrigin(hostURL)
	if err != nil {
		return st, "", err
	}
	if _, err := svc.Store.Retailer(ctx, st.RetailerID); err != nil {
		now := time.Now().UTC()
		r := web.Retailer{ID: web.NewID("le_"), Name: "Nordlys Home", Plan: web.PlanFree, Origins: []string{origin}, DistributionID: web.NewID("d_"), CreatedAt: now}
		cred := web.Credential{APIKey: web.NewID("pk_"), RetailerID: r.ID, Secret: []byte(secret), CreatedAt: now}
		if err := svc.Store.CreateRetailer(ctx, r, cred); err != nil {
			return st, "", err
		}
		file := catalog.Seed()
		for i := range file.Products {
			file.Products[i].RetailerID = r.ID
		}
		if err := svc.Store.ImportCatalog(ctx, r.ID, file.Categories, file.Products, true); err != nil {
			return st, "", err
		}
		st.RetailerID, st.DistributionID, st.APIKey = r.ID, r.DistributionID, cred.APIKey
	} else {
		if st.APIKey, err = svc.Store.RotateSecret(ctx, st.RetailerID, []byte(secret)); err != nil {
			return st, "", err
		}
		if err := svc.Store.AddOrigin(ctx, st.RetailerID, origin); err != nil {
			return st, "", err
		}
	}
	if st.Passwords, err = site.EnsureUsers(ctx, users, st.Passwords); err != nil {
		return st, "", err
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	return st, secret, os.WriteFile(path, b, 0o600)
}
