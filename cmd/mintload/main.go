// Command mintload measures POST /v1/tokens against a bare echo JSON handler
// on loopback, per server-CPU-second. It starts itself again as a child
// process ("-serve") that runs the planner service (its own SQLite file, one
// retailer, logging at INFO to /dev/null as "planner serve" logs to its
// stderr) and, on another port, an echo server whose one handler reads the
// same form and answers a JSON body of the same size. The parent drives each
// in turn with N clients for a fixed time, alternating, and reads the child's
// CPU time (getrusage) around each run, so the client's own CPU is not
// counted. It prints tokens (or answers) per server-CPU-second for each run,
// their medians and the ratio. Bounded: at most 9 rounds of at most 1 minute
// per target, 256 clients, loopback only.
//
//	go run ./cmd/mintload -rounds 3 -duration 5s -concurrency 16
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-serve" {
		if err := serve(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "mintload -serve:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mintload:", err)
		os.Exit(1)
	}
}

// hello is the child's first line: where its two servers listen and the
// retailer's credentials.
type hello struct {
	Planner, Bare string
	Key, Secret   string
	PID           int
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("mintload", flag.ContinueOnError)
	duration := fs.Duration("duration", 5*time.Second, "load time per target and round (max 1m)")
	conc := fs.Int("concurrency", 16, "concurrent clients (max 256)")
	rounds := fs.Int("rounds", 3, "rounds, each loading the bare handler then the mint (max 9)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *duration <= 0 || *duration > time.Minute || *conc < 1 || *conc > 256 || *rounds < 1 || *rounds > 9 {
		return errors.New("want 0 < duration ≤ 1m, 1 ≤ concurrency ≤ 256, 1 ≤ rounds ≤ 9")
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(*rounds)*2*(*duration+10*time.Second)+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-serve")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	dec := json.NewDecoder(bufio.NewReader(stdout))
	var h hello
	if err := dec.Decode(&h); err != nil {
		return fmt.Errorf("read the child's hello: %w", err)
	}
	cpu := func() (time.Duration, error) {
		if _, err := io.WriteString(stdin, "cpu\n"); err != nil {
			return 0, err
		}
		var d time.Duration
		err := dec.Decode(&d)
		return d, err
	}
	body := url.Values{"api_key": {h.Key}, "api_secret": {h.Secret}}.Encode()
	sample, err := post(http.DefaultClient, h.Planner+"/v1/tokens", body)
	if err != nil {
		return fmt.Errorf("first mint: %w", err)
	}
	fmt.Fprintf(out, "mintload: %d clients, %s per target, %d rounds, server pid %d, answer %d bytes, loopback\n",
		*conc, *duration, *rounds, h.PID, len(sample))
	targets := []struct{ name, url string }{{"bare echo", h.Bare + "/v1/tokens"}, {"mint", h.Planner + "/v1/tokens"}}
	perCPU := make([][]float64, len(targets))
	for round := range *rounds {
		for i, tg := range targets {
			before, err := cpu()
			if err != nil {
				return err
			}
			n, errs, wall := load(ctx, tg.url, body, *conc, *duration)
			after, err := cpu()
			if err != nil {
				return err
			}
			used := (after - before).Seconds()
			rate := float64(n) / used
			perCPU[i] = append(perCPU[i], rate)
			fmt.Fprintf(out, "round %d %-10s %7d answers in %.1fs (%6.0f/s), server CPU %.2fs: %6.0f per server-CPU-second, errors %d\n",
				round+1, tg.name, n, wall.Seconds(), float64(n)/wall.Seconds(), used, rate, errs)
		}
	}
	bare, mint := median(perCPU[0]), median(perCPU[1])
	fmt.Fprintf(out, "median per server-CPU-second: bare %.0f, mint %.0f; ratio mint ÷ bare %.2f (target ≥ 0.5)\n", bare, mint, mint/bare)
	return nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// load runs conc clients posting body to url for d; it returns the answers
// (200s), the failures and the time taken.
func load(ctx context.Context, url, body string, conc int, d time.Duration) (int64, int64, time.Duration) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var n, errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for ctx.Err() == nil {
				if _, err := post(client, url, body); err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
					}
					continue
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return n.Load(), errs.Load(), time.Since(start)
}

func post(c *http.Client, url, body string) ([]byte, error) {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d: %s", res.StatusCode, b)
	}
	return b, err
}
