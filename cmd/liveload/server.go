package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/live"
	"github.com/roomplanner/planner/web/service"
	"github.com/roomplanner/planner/web/token"
)

// serve is the child process: the planner service with one premium retailer,
// n user tokens (the first fanout for one shared user) and a project of that
// user, pinging every ping (0: the default). It prints a hello line, answers
// "stats" lines on stdin and exits on EOF.
func serve(in io.Reader, out io.Writer, args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: liveload -serve N FANOUT PING")
	}
	n, err1 := strconv.Atoi(args[0])
	fanout, err2 := strconv.Atoi(args[1])
	ping, err3 := time.ParseDuration(args[2])
	if err1 != nil || err2 != nil || err3 != nil || n < 1 || fanout < 1 || fanout > n || ping < 0 {
		return fmt.Errorf("bad N, FANOUT or PING: %q", args)
	}
	if _, err := raiseFileLimit(); err != nil {
		return err
	}
	if os.Getenv("LIVELOAD_HEAPPROFILE") != "" {
		runtime.MemProfileRate = 1 << 10 // fine enough to see a few hundred bytes per socket
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "liveload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	svc, err := service.Open(ctx, service.Config{DB: filepath.Join(dir, "planner.db"), Migrate: true, PublicURL: url, Live: live.Config{PingInterval: ping}})
	if err != nil {
		return err
	}
	defer svc.Close()

	now := time.Now().UTC()
	r := web.Retailer{ID: web.NewID("le_"), Name: "Load Shop", Plan: web.PlanPremium, Origins: []string{"https://shop.example"}, DistributionID: web.NewID("d_"), CreatedAt: now}
	cred := web.Credential{APIKey: web.NewID("pk_"), RetailerID: r.ID, Secret: []byte(web.NewSecret()), CreatedAt: now}
	if err := svc.Store.CreateRetailer(ctx, r, cred); err != nil {
		return err
	}
	issue := func(uid string, scopes ...string) (string, error) {
		is, err := svc.Issuer.Issue(token.IssueRequest{Kind: web.KindUser, RetailerID: r.ID, UID: uid, Scopes: scopes, TTL: 30 * time.Minute})
		return is.Token, err
	}
	var b strings.Builder
	for i := range n {
		uid := "fan"
		if i >= fanout {
			uid = "u" + strconv.Itoa(i)
		}
		tok, err := issue(uid, web.ScopeRead)
		if err != nil {
			return err
		}
		b.WriteString(tok)
		b.WriteByte('\n')
	}
	tokensFile := filepath.Join(dir, "tokens.txt")
	if err := os.WriteFile(tokensFile, []byte(b.String()), 0o600); err != nil {
		return err
	}
	b = strings.Builder{}
	writer, err := issue("fan", web.ScopeRead, web.ScopeWrite)
	if err != nil {
		return err
	}
	p, _, err := svc.Store.CreateProject(ctx, web.Project{
		ID: web.NewID("prj_"), RetailerID: r.ID, OwnerUID: "fan",
		ProjectDoc: web.ProjectDoc{Name: "Fan", Room: web.Room{Width: 400, Depth: 300}, Items: []web.Item{}},
	}, "", "")
	if err != nil {
		return err
	}

	srv := &http.Server{Handler: svc.Handler(), ReadHeaderTimeout: 10 * time.Second}
	srv.RegisterOnShutdown(func() { _ = svc.CloseLive() })
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	enc := json.NewEncoder(out)
	if err := enc.Encode(hello{URL: url, Distribution: r.DistributionID, ProjectID: p.ID, TokensFile: tokensFile, FanoutToken: writer}); err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	profiling := false
	readings := 0
	for sc.Scan() {
		if sc.Text() != "stats" {
			continue
		}
		// LIVELOAD_CPUPROFILE profiles the server from the first stats to the second (the ramp).
		if path := os.Getenv("LIVELOAD_CPUPROFILE"); path != "" {
			if profiling {
				pprof.StopCPUProfile()
			} else if f, err := os.Create(path); err == nil {
				profiling = pprof.StartCPUProfile(f) == nil
			}
		}
		st := readStats(svc)
		if path := os.Getenv("LIVELOAD_HEAPPROFILE"); path != "" && st.Conns > 0 {
			readings++
			if strings.Contains(path, "%d") {
				path = strings.Replace(path, "%d", strconv.Itoa(readings), 1)
			}
			if f, err := os.Create(path); err == nil {
				_ = pprof.WriteHeapProfile(f)
				f.Close()
			}
		}
		if err := enc.Encode(st); err != nil {
			return err
		}
	}
	shutdown, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	<-errc
	return nil
}

// readStats collects garbage and returns freed pages to the OS first, so
// VmRSS counts live memory (plus the runtime's own), not garbage left over
// from setting up. Each GC halves goroutine stacks that use under a quarter
// of their size; three cycles reach the steady state a long-running server
// gets to on its own (the runtime forces a GC at least every 2 minutes).
func readStats(svc *service.Service) stats {
	// CPU first: the forced GCs below are the measurement's, not the load's.
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	runtime.GC()
	runtime.GC()
	debug.FreeOSMemory() // a GC too
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return stats{VmRSS: vmRSS(), HeapInuse: ms.HeapInuse, StackInuse: ms.StackInuse, Goroutines: runtime.NumGoroutine(), Conns: svc.Live.Conns(),
		CPU: cpu, CPUAfter: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
}

// vmRSS reads this process's resident set size from /proc/self/status.
func vmRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return -1
}
