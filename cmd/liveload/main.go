// Command liveload measures the live channel (/ws) on loopback. It starts a
// real planner service (SQLite in a temporary directory) as a child process
// of itself, so the server's memory is its own process's, then opens N
// sockets paced at a target rate, each authenticating with its own user
// token and subscribing to its user's projects, and reports:
//
//   - connections/s actually achieved and the time to open all N (the
//     ramp, during which the server's heap keeps growing);
//   - authentication latency (authenticate sent → authenticated received)
//     and WebSocket handshake latency, p50/p99/max, for the ramp and for a
//     churn phase: C more sockets opened, authenticated and closed at the
//     same rate while the N stay open;
//   - the server's CPU time (getrusage) per connection during the ramp;
//   - the server's memory per connection: the child's VmRSS
//     (/proc/PID/status) and its Go heap+stacks (runtime.MemStats) after a
//     GC, with all N sockets open minus before any, divided by N;
//   - with -hold, the memory per socket while the N sockets idle for that
//     long, answering the server's pings (-ping apart), read every -every
//     and at the end, and the server's CPU per socket per second meanwhile
//     (the measurement's own forced GCs left out);
//   - event fan-out latency: F sockets share one user; a PUT of that user's
//     project through the API publishes project.updated, and the time from
//     sending the PUT to each socket's receipt is recorded, p50/p99/max.
//
// Client and server are separate processes on one machine; the client's
// goroutines compete with the server for the CPUs, so latencies include the
// client's own scheduling. The run is bounded (-timeout) and stops by itself.
//
//	go run ./cmd/liveload -n 10000 -rate 1000 -fanout 1000 -events 20 -churn 5000
//	go run ./cmd/liveload -n 10000 -rate 1000 -hold 10m -churn 0 -events 1
//
// LIVELOAD_CPUPROFILE=path profiles the server during the ramp;
// LIVELOAD_HEAPPROFILE=path writes its heap profile at every reading with
// sockets open (a "%d" in path is replaced by the reading's number, else the
// last reading wins).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-serve" {
		if err := serve(os.Stdin, os.Stdout, os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "liveload server:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "liveload:", err)
		os.Exit(1)
	}
}

// raiseFileLimit lifts RLIMIT_NOFILE to its hard limit: every socket is a
// file descriptor, in the client and in the server.
func raiseFileLimit() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	l.Cur = l.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	return l.Cur, nil
}

// hello is the child's first line: where it listens and what to use.
type hello struct {
	URL, Distribution, ProjectID string
	TokensFile                   string // N user tokens, one a line; the first F for the fan-out user
	FanoutToken                  string // a write token of the fan-out user, for the PUTs
}

// stats is the child's answer to "stats".
type stats struct {
	VmRSS      int64 // bytes, /proc/self/status after runtime.GC
	HeapInuse  uint64
	StackInuse uint64
	Goroutines int
	Conns      int
	CPU        time.Duration // user + system time of the process so far (getrusage), before the forced GCs
	CPUAfter   time.Duration // the same after them: the next reading's CPU minus this is the load's alone
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("liveload", flag.ContinueOnError)
	n := fs.Int("n", 1000, "sockets to open (1–20000)")
	rate := fs.Int("rate", 1000, "new connections per second (1–5000)")
	fanout := fs.Int("fanout", 1000, "sockets of the fan-out user (≤ n)")
	events := fs.Int("events", 20, "fan-out events to publish (1–200)")
	churn := fs.Int("churn", 5000, "short-lived sockets opened (and closed) at -rate while the n are held (0–20000)")
	hold := fs.Duration("hold", 0, "after the ramp, hold the n sockets idle this long (max 30m), reading the server's memory every -every")
	every := fs.Duration("every", 30*time.Second, "interval between memory readings during -hold (≥ 1s)")
	ping := fs.Duration("ping", 0, "the server's ping interval (0: the live channel's default, 30s)")
	timeout := fs.Duration("timeout", 3*time.Minute, "bound on the run besides -hold (max 10m)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 || *n > 20000 || *rate < 1 || *rate > 5000 || *fanout < 1 || *fanout > *n || *events < 1 || *events > 200 || *churn < 0 || *churn > 20000 || *timeout > 10*time.Minute ||
		*hold < 0 || *hold > 30*time.Minute || *every < time.Second || *ping < 0 || (*ping > 0 && *ping < 100*time.Millisecond) {
		return errors.New("want 1 ≤ n ≤ 20000, 1 ≤ rate ≤ 5000, 1 ≤ fanout ≤ n, 1 ≤ events ≤ 200, 0 ≤ churn ≤ 20000, timeout ≤ 10m, 0 ≤ hold ≤ 30m, every ≥ 1s, ping 0 or ≥ 100ms")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout+*hold)
	defer cancel()
	limit, err := raiseFileLimit()
	if err != nil {
		return fmt.Errorf("raise RLIMIT_NOFILE: %w", err)
	}
	if uint64(*n)+512+64 > limit {
		return fmt.Errorf("RLIMIT_NOFILE is %d: not enough for %d sockets", limit, *n)
	}

	srv, err := startServer(ctx, *n+*churn, *fanout, *ping)
	if err != nil {
		return err
	}
	defer srv.stop()
	tokens, err := readLines(srv.hello.TokensFile)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "liveload: %d sockets at %d/s, %d fan-out subscribers, %d events; server pid %d, RLIMIT_NOFILE %d, GOMAXPROCS %d\n",
		*n, *rate, *fanout, *events, srv.cmd.Process.Pid, limit, runtime.GOMAXPROCS(0))

	before, err := srv.stats()
	if err != nil {
		return err
	}
	cl := newClient(srv.hello)
	defer cl.closeAll()
	open, err := cl.openAll(ctx, tokens[:*n], *rate, *fanout, true)
	if err != nil {
		return err
	}
	after, err := srv.stats()
	if err != nil {
		return err
	}
	if after.Conns != *n {
		return fmt.Errorf("server has %d sockets open, want %d", after.Conns, *n)
	}
	fmt.Fprintf(out, "ramp:        %d authenticated sockets in %s = %.0f connections/s (target %d/s); the server's heap grows all along\n",
		*n, open.elapsed.Round(time.Millisecond), float64(*n)/open.elapsed.Seconds(), *rate)
	fmt.Fprintf(out, "  handshake: p50 %s  p99 %s  max %s\n", pct(open.dial, 50), pct(open.dial, 99), pct(open.dial, 100))
	fmt.Fprintf(out, "  auth:      p50 %s  p99 %s  max %s   (authenticate sent → authenticated received)\n", pct(open.auth, 50), pct(open.auth, 99), pct(open.auth, 100))
	fmt.Fprintf(out, "server mem:  %s\n", perSocket(before, after, *n))
	fmt.Fprintf(out, "server CPU:  %s user+system during the ramp = %s per connection (its own GCs included)\n",
		(after.CPU - before.CPU).Round(time.Millisecond), ((after.CPU - before.CPU) / time.Duration(*n)).Round(time.Microsecond))
	if *hold > 0 {
		if err := holdIdle(ctx, srv, before, after, *n, *hold, *every, out); err != nil {
			return err
		}
	}
	if *churn > 0 {
		ch, err := cl.openAll(ctx, tokens[*n:], *rate, 0, false)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "churn:       %d more sockets opened, authenticated and closed in %s = %.0f connections/s while %d stay open\n",
			*churn, ch.elapsed.Round(time.Millisecond), float64(*churn)/ch.elapsed.Seconds(), *n)
		fmt.Fprintf(out, "  handshake: p50 %s  p99 %s  max %s\n", pct(ch.dial, 50), pct(ch.dial, 99), pct(ch.dial, 100))
		fmt.Fprintf(out, "  auth:      p50 %s  p99 %s  max %s\n", pct(ch.auth, 50), pct(ch.auth, 99), pct(ch.auth, 100))
	}

	fan, put, err := cl.fanout(ctx, *events, *fanout)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "fan-out:     %d events × %d subscribers: p50 %s  p99 %s  max %s   (PUT sent → event received; PUT answered p50 %s)\n",
		*events, *fanout, pct(fan, 50), pct(fan, 99), pct(fan, 100), pct(put, 50))
	return nil
}

// perSocket describes the server's memory at st against before, per socket.
func perSocket(before, st stats, n int) string {
	rss := float64(st.VmRSS-before.VmRSS) / float64(n)
	heap := float64(int64(st.HeapInuse)-int64(before.HeapInuse)) / float64(n)
	stack := float64(int64(st.StackInuse)-int64(before.StackInuse)) / float64(n)
	return fmt.Sprintf("VmRSS %.1f MiB → %.1f MiB: %.1f KiB per connection; Go heap %.1f + stacks %.1f = %.1f KiB per connection; %d goroutines (%.1f per connection)",
		mib(before.VmRSS), mib(st.VmRSS), rss/1024, heap/1024, stack/1024, (heap+stack)/1024, st.Goroutines, float64(st.Goroutines-before.Goroutines)/float64(n))
}

// holdIdle keeps the n sockets open and idle for hold (their reading
// goroutines answer the server's pings), reading the server's memory every
// interval and at the end. from is the reading after the ramp.
func holdIdle(ctx context.Context, srv *server, before, from stats, n int, hold, every time.Duration, out io.Writer) error {
	start := time.Now()
	prev, prevAt := from, start
	for elapsed := time.Duration(0); elapsed < hold; {
		next := min(elapsed.Truncate(every)+every, hold)
		t := time.NewTimer(time.Until(start.Add(next)))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		st, err := srv.stats()
		if err != nil {
			return err
		}
		at := time.Now()
		if st.Conns != n {
			return fmt.Errorf("hold: server has %d sockets open, want %d", st.Conns, n)
		}
		// CPU per socket per second since the last reading's forced GCs ended.
		idle := float64(st.CPU-prev.CPUAfter) / float64(time.Microsecond) / at.Sub(prevAt).Seconds() / float64(n)
		fmt.Fprintf(out, "hold %-6s %s; idle CPU %.1f µs/s per connection\n", at.Sub(start).Round(time.Second).String()+":", perSocket(before, st, n), idle)
		prev, prevAt, elapsed = st, at, at.Sub(start)
	}
	return nil
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// pct is the p-th percentile of ds (100: the maximum).
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	if i > len(s) {
		i = len(s)
	}
	if i < 1 {
		i = 1
	}
	d := s[i-1]
	switch {
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= 100*time.Microsecond:
		return d.Round(10 * time.Microsecond)
	}
	return d
}

func readLines(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(b)), nil
}

// server is the child process.
type server struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Scanner
	hello hello
	mu    sync.Mutex
}

func startServer(ctx context.Context, n, fanout int, ping time.Duration) (*server, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "-serve", fmt.Sprint(n), fmt.Sprint(fanout), ping.String())
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, in: in, out: bufio.NewScanner(stdout)}
	if !s.out.Scan() {
		s.stop()
		return nil, fmt.Errorf("server child printed nothing: %v", s.out.Err())
	}
	if err := json.Unmarshal(s.out.Bytes(), &s.hello); err != nil {
		s.stop()
		return nil, fmt.Errorf("server child: %s: %w", s.out.Bytes(), err)
	}
	return s, nil
}

func (s *server) stats() (stats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st stats
	if _, err := io.WriteString(s.in, "stats\n"); err != nil {
		return st, err
	}
	if !s.out.Scan() {
		return st, fmt.Errorf("server child: no stats: %v", s.out.Err())
	}
	return st, json.Unmarshal(s.out.Bytes(), &st)
}

// stop closes the child's stdin (it exits on EOF) and waits for it.
func (s *server) stop() {
	s.in.Close()
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}
