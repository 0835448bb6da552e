package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/service"
)

// serve is the child process: the planner service and the bare handler on
// loopback. It prints a hello line, answers "cpu" lines on stdin with its
// user+system CPU time so far, and exits on EOF.
func serve(in io.Reader, out io.Writer) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "mintload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer devnull.Close()
	pln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	purl := "http://" + pln.Addr().String()
	// As "planner serve" runs: text logs at INFO on a file descriptor, the
	// per-key limit off (one key takes all the load).
	svc, err := service.Open(ctx, service.Config{DB: filepath.Join(dir, "planner.db"), Migrate: true, PublicURL: purl,
		Logger: slog.New(slog.NewTextHandler(devnull, nil)), TokenRate: 1e9, TokenBurst: 1e9})
	if err != nil {
		return err
	}
	defer svc.Close()
	secret := web.NewSecret()
	now := time.Now()
	r := web.Retailer{ID: web.NewID("le_"), Name: "Load", Plan: web.PlanFree, DistributionID: web.NewID("d_"), CreatedAt: now}
	cred := web.Credential{APIKey: web.NewID("pk_"), RetailerID: r.ID, Secret: []byte(secret), CreatedAt: now}
	if err := svc.Store.CreateRetailer(ctx, r, cred); err != nil {
		return err
	}
	psrv := &http.Server{Handler: svc.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go psrv.Serve(pln)
	defer psrv.Close()

	// The bare handler: it reads the same form and answers JSON of the
	// mint's size through echo's JSON encoder.
	bln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	e := echo.New()
	type answer struct {
		Token      string    `json:"token"`
		Kind       string    `json:"kind"`
		ExpiresAt  time.Time `json:"expiresAt"`
		ExpiresIn  int       `json:"expiresIn"`
		ServerTime time.Time `json:"serverTime"`
	}
	tok := strings.Repeat("x", 330)
	e.POST("/v1/tokens", func(c echo.Context) error {
		if c.FormValue("api_key") == "" {
			return c.NoContent(http.StatusBadRequest)
		}
		now := time.Now().UTC()
		return c.JSON(http.StatusOK, answer{Token: tok, Kind: web.KindLegalEntity, ExpiresAt: now.Add(web.DefaultTokenTTL), ExpiresIn: int(web.DefaultTokenTTL / time.Second), ServerTime: now})
	})
	bsrv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go bsrv.Serve(bln)
	defer bsrv.Close()

	enc := json.NewEncoder(out)
	if err := enc.Encode(hello{Planner: purl, Bare: "http://" + bln.Addr().String(), Key: cred.APIKey, Secret: secret, PID: os.Getpid()}); err != nil {
		return err
	}
	// MINTLOAD_CPUPROFILE profiles the child for its whole life.
	if path := os.Getenv("MINTLOAD_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		if err := enc.Encode(time.Duration(ru.Utime.Nano() + ru.Stime.Nano())); err != nil {
			return err
		}
	}
	return nil
}
