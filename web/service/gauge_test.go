package service_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/live/livetest"
	"github.com/roomplanner/planner/web/retailermetrics"
	"github.com/roomplanner/planner/web/service"
	"github.com/roomplanner/planner/web/token"
)

// Gauge timing of the instances in these tests: short, so a killed
// instance's gauges expire within the test's patience.
const (
	testHeartbeat = 500 * time.Millisecond
	testGaugeTTL  = 2 * time.Second
)

// childDBEnv names the database of a planner instance this test binary runs
// as a child process (TestGaugeChildInstance).
const childDBEnv = "PLANNER_TEST_GAUGES_CHILD_DB"

const testMasterKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// TestGaugeChildInstance is not a test of its own: run with childDBEnv set,
// it is a planner instance on that database (real clock, short gauge
// timing) that prints its URL and serves until it is killed.
func TestGaugeChildInstance(t *testing.T) {
	db := os.Getenv(childDBEnv)
	if db == "" {
		t.Skip("only run as the child instance of TestGaugesCrossInstances")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	svc, err := service.Open(context.Background(), gaugeConfig(db, u))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(u)
	// Serves until the parent kills the process; nothing is closed cleanly.
	t.Fatal(http.Serve(ln, svc.Handler()))
}

// gaugeConfig is an instance on db at public URL u with the real clock and
// the short gauge timing.
func gaugeConfig(db, u string) service.Config {
	return service.Config{
		DB: db, PublicURL: u, GaugeHeartbeat: testHeartbeat, GaugeTTL: testGaugeTTL,
		Getenv: func(k string) string {
			if k == "PLANNER_MASTER_KEY" {
				return testMasterKey
			}
			return ""
		},
	}
}

// startChild runs a planner instance on db in a process of its own and
// returns its URL and the process, killed when t ends.
func startChild(t *testing.T, db string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestGaugeChildInstance$", "-test.count=1")
	cmd.Env = append(os.Environ(), childDBEnv+"="+db)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "http://") {
				lines <- l
			}
		}
		close(lines)
	}()
	select {
	case u, ok := <-lines:
		if !ok {
			t.Fatal("the child instance exited before printing its URL")
		}
		return u, cmd
	case <-time.After(3 * time.Minute): // it bundles the browser code first: slow under -race
		t.Fatal("the child instance printed no URL within 3 minutes")
	}
	return "", nil
}

// metricsSub is a metrics subscriber's socket, reading the metrics
// payloads.
type metricsSub struct {
	t *testing.T
	c *livetest.Client
}

// next returns the next metrics payload (snapshot or update).
func (s metricsSub) next() retailermetrics.Payload {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), livetest.Timeout)
	defer cancel()
	for {
		typ, data, err := s.c.Conn().Read(ctx)
		if err != nil || typ != websocket.MessageText {
			s.t.Fatalf("read metrics: %v", err)
		}
		var m struct {
			Type    string
			Payload retailermetrics.Payload
		}
		if err := json.Unmarshal(data, &m); err != nil {
			s.t.Fatalf("%s: %v", data, err)
		}
		if m.Type == "metrics" {
			return m.Payload
		}
	}
}

// awaitSockets reads payloads until one says sockets n, and returns how long
// that took.
func (s metricsSub) awaitSockets(n int) time.Duration {
	s.t.Helper()
	start := time.Now()
	for {
		if p := s.next(); p.Now.Sockets == n {
			return time.Since(start)
		}
	}
}

// TestGaugesCrossInstances: two planner instances, each a process of its
// own, on one PostgreSQL database. A socket opened on the child instance
// shows in the sockets of a metrics subscriber on the parent instance (and
// a socket opened on the parent in one on the child); killed with SIGKILL,
// the child writes no more heartbeats and its socket drops out of the
// parent's figures within the gauge TTL. An instance that closes cleanly
// drops out at once.
func TestGaugesCrossInstances(t *testing.T) {
	t.Parallel()
	db := newDatabase(t)
	a := newGaugeInstance(t, db)
	shop := a.retailer(web.PlanFree)
	started := time.Now()
	childURL, child := startChild(t, db)
	t.Logf("the child instance started in %v", time.Since(started))

	onA := metricsSub{t, a.dial(shop)}
	if m := onA.c.Authenticate(a.retailerToken(shop)); m.Type != "authenticated" {
		t.Fatalf("authenticate: %+v", m)
	}
	onA.c.Subscribe("metrics")
	if p := onA.next(); p.Kind != "snapshot" || p.Now.Sockets != 1 {
		t.Fatalf("snapshot on A: %+v, want its own socket only", p.Now)
	}
	// A visitor's socket on the child instance (free plan: it need not
	// authenticate to count).
	livetest.Dial(t, childURL, shop.DistributionID)
	took := onA.awaitSockets(2)
	t.Logf("a socket on the child showed on A after %v", took)
	if limit := 2*testHeartbeat + 2*time.Second; took > limit {
		t.Errorf("a socket on the child took %v to show on A, want at most %v", took, limit)
	}

	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	onA.awaitSockets(1)
	gone := time.Since(killed)
	t.Logf("the killed instance's socket left A's figures after %v (TTL %v, heartbeat %v)", gone, testGaugeTTL, testHeartbeat)
	if gone < testGaugeTTL-testHeartbeat-200*time.Millisecond || gone > testGaugeTTL+testHeartbeat+2*time.Second {
		t.Errorf("the killed instance dropped out after %v, want after about the TTL %v", gone, testGaugeTTL)
	}

	// In-process instance B: A's socket shows there, and B's clean close
	// takes B's socket out of A's figures at once.
	b := newGaugeInstance(t, db)
	onB := metricsSub{t, b.dial(shop)}
	if m := onB.c.Authenticate(b.retailerToken(shop)); m.Type != "authenticated" {
		t.Fatalf("authenticate on B: %+v", m)
	}
	onB.c.Subscribe("metrics")
	for p := onB.next(); p.Now.Sockets != 2; p = onB.next() {
	}
	onA.awaitSockets(2)
	// Close deletes B's heartbeat before it waits for B's sockets to close.
	closed := time.Now()
	closeErr := make(chan error, 1)
	go func() { closeErr <- b.svc.Close() }()
	onA.awaitSockets(1)
	if d := time.Since(closed); d > testGaugeTTL-testHeartbeat {
		t.Errorf("a cleanly closed instance left A's figures after %v, want before its heartbeat expired (%v)", d, testGaugeTTL)
	}
	if err := <-closeErr; err != nil {
		t.Errorf("close B: %v", err)
	}
}

// newGaugeInstance is newInstance with the real clock (heartbeats expire in
// real time) and the short gauge timing.
func newGaugeInstance(t *testing.T, db string) *gaugeInstance {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	cfg := gaugeConfig(db, u)
	cfg.Migrate = true
	svc, err := service.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: svc.Handler()}
	go srv.Serve(ln)
	t.Cleanup(func() {
		_ = svc.CloseLive()
		_ = srv.Close()
		_ = svc.Close()
	})
	return &gaugeInstance{t: t, svc: svc, url: u}
}

type gaugeInstance struct {
	t   *testing.T
	svc *service.Service
	url string
}

func (g *gaugeInstance) retailer(plan web.Plan) web.Retailer {
	g.t.Helper()
	now := time.Now()
	r := web.Retailer{ID: web.NewID("le_"), Name: "Shop", Plan: plan, Origins: []string{"https://shop.example"}, DistributionID: web.NewID("d_"), CreatedAt: now}
	cred := web.Credential{APIKey: web.NewID("pk_"), RetailerID: r.ID, Secret: []byte(web.NewSecret()), CreatedAt: now}
	if err := g.svc.Store.CreateRetailer(context.Background(), r, cred); err != nil {
		g.t.Fatal(err)
	}
	return r
}

func (g *gaugeInstance) retailerToken(r web.Retailer) string {
	g.t.Helper()
	is, err := g.svc.Issuer.Issue(token.IssueRequest{Kind: web.KindRetailer, RetailerID: r.ID, TTL: 10 * time.Minute})
	if err != nil {
		g.t.Fatal(err)
	}
	return is.Token
}

func (g *gaugeInstance) dial(r web.Retailer) *livetest.Client {
	g.t.Helper()
	return livetest.Dial(g.t, g.url, r.DistributionID)
}
