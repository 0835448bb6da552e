// Command bffload measures the BFF's cached token path on loopback: it starts
// a real planner service and a host echo server with the BFF, then drives
// POST /bff/token (anonymous, served from the cache) and a trivial echo
// handler returning a JSON body of the same size with the same load, and
// prints requests/s, latency percentiles, their ratio, and the upstream mints
// made during the run. It is bounded in time and stops by itself.
//
//	go run ./cmd/bffload -duration 10s -concurrency 32
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/bff"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/service"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bffload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bffload", flag.ContinueOnError)
	duration := fs.Duration("duration", 10*time.Second, "load time per target (max 2m)")
	conc := fs.Int("concurrency", 32, "concurrent clients (max 512)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *duration > 2*time.Minute || *conc < 1 || *conc > 512 {
		return fmt.Errorf("duration ≤ 2m and 1 ≤ concurrency ≤ 512")
	}
	dir, err := os.MkdirTemp("", "bffload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// The planner service, counting mints.
	svc, err := service.Open(ctx, service.Config{DB: filepath.Join(dir, "planner.db"), Migrate: true, PublicURL: "http://localhost"})
	if err != nil {
		return err
	}
	defer svc.Close()
	secret := web.NewSecret()
	r := web.Retailer{ID: web.NewID("le_"), Name: "Load", Plan: web.PlanFree, DistributionID: web.NewID("d_"), CreatedAt: time.Now()}
	cred := web.Credential{APIKey: web.NewID("pk_"), RetailerID: r.ID, Secret: []byte(secret), CreatedAt: time.Now()}
	if err := svc.Store.CreateRetailer(ctx, r, cred); err != nil {
		return err
	}
	var mints atomic.Int64
	plannerURL, stopPlanner, err := serve(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/v1/tokens" {
			mints.Add(1)
		}
		svc.Handler().ServeHTTP(w, req)
	}))
	if err != nil {
		return err
	}
	defer stopPlanner()

	// The host: the BFF and a trivial handler with a body of the same size.
	// Per-IP and per-session limits are off: every request comes from 127.0.0.1.
	b, err := bff.New(bff.Config{APIURL: plannerURL, APIKey: cred.APIKey, APISecret: secret, IPRate: -1, SessionRate: -1})
	if err != nil {
		return err
	}
	defer b.Close()
	e := echo.New()
	b.Mount(e)
	hostURL, stopHost, err := serve(e)
	if err != nil {
		return err
	}
	defer stopHost()
	sample, err := post(http.DefaultClient, hostURL+bff.TokenPath)
	if err != nil {
		return err
	}
	trivial := []byte(`{"token":"` + strings.Repeat("x", len(sample)-len(`{"token":""}`)-1) + `"}` + "\n")
	e.POST("/trivial", func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.JSONBlob(http.StatusOK, trivial)
	})
	mintsBefore := mints.Load()

	fmt.Fprintf(out, "body %d bytes (trivial %d), %d clients, %s per target, loopback\n", len(sample), len(trivial), *conc, *duration)
	var results []result
	for _, target := range []string{"/trivial", bff.TokenPath, "/trivial", bff.TokenPath} {
		res, err := load(ctx, hostURL+target, *conc, *duration)
		if err != nil {
			return err
		}
		results = append(results, res)
		fmt.Fprintf(out, "%-12s %9.0f req/s  p50 %6.0f µs  p99 %6.0f µs  errors %d\n", target, res.rps, res.p50, res.p99, res.errors)
	}
	trivialRPS := (results[0].rps + results[2].rps) / 2
	bffRPS := (results[1].rps + results[3].rps) / 2
	fmt.Fprintf(out, "ratio /bff/token ÷ trivial: %.2f (target ≥ 0.8)\n", bffRPS/trivialRPS)
	fmt.Fprintf(out, "upstream mints during the load: %d over %s\n", mints.Load()-mintsBefore, 4**duration)
	return nil
}

type result struct {
	rps, p50, p99 float64
	errors        int64
}

// load runs conc clients against url for d and summarises them.
func load(ctx context.Context, url string, conc int, d time.Duration) (result, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var lat []float64
	var errs, n atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Go(func() {
			local := make([]float64, 0, 4096)
			for ctx.Err() == nil {
				t0 := time.Now()
				if _, err := post(client, url); err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
					}
					continue
				}
				local = append(local, float64(time.Since(t0).Microseconds()))
				n.Add(1)
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(p*float64(len(lat)-1))]
	}
	return result{rps: float64(n.Load()) / elapsed, p50: pct(0.5), p99: pct(0.99), errors: errs.Load()}, nil
}

func post(c *http.Client, url string) ([]byte, error) {
	req, _ := http.NewRequest(http.MethodPost, url, nil)
	req.Header.Set(bff.RequestHeader, "1")
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d: %s", res.StatusCode, body)
	}
	return body, err
}

// serve starts h on a free loopback port.
func serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}
