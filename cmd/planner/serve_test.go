package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/roomplanner/planner/web/service"
)

// TestServeLiveChannel checks that "planner serve" serves /ws and closes its
// sockets with 1001 when it shuts down.
func TestServeLiveChannel(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "planner.db")
	mustCLI(t, db, "migrate")
	var e struct{ ID, DistributionID string }
	_ = json.Unmarshal([]byte(mustCLI(t, db, "entity", "create", "--name", "Shop", "--origin", "https://shop.example", "--plan", "premium")), &e)
	base, stop := startServe(t, db)
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	key, secret := entityCreds(t, db, e.ID)
	tok := mintLE(t, base, key, secret)

	// The page is served from the public URL (http://localhost:PORT by
	// default): that is the Origin the planner's socket carries.
	port := regexp.MustCompile(`:(\d+)$`).FindStringSubmatch(base)[1]
	origin := "http://localhost:" + port
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(base, "http") + "/ws?d=" + e.DistributionID
	if _, resp, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: map[string][]string{"Origin": {"https://shop.example"}}}); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Errorf("dial from the retailer's origin: %v, want 403", err)
	}
	ws, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: map[string][]string{"Origin": {origin}}})
	if err != nil {
		t.Fatalf("dial /ws: %v", err)
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"authenticate","payload":{"token":"`+tok+`"}}`)); err != nil {
		t.Fatal(err)
	}
	_, data, err := ws.Read(ctx)
	if err != nil || !strings.Contains(string(data), `"type":"authenticated"`) {
		t.Fatalf("answer to authenticate: %s, %v", data, err)
	}

	done := make(chan struct{})
	go func() { stop(); close(done) }()
	stopped = true
	_, _, err = ws.Read(ctx)
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.StatusGoingAway {
		t.Errorf("on shutdown the socket got %v, want close 1001", err)
	}
	<-done
}

func TestServeRefreshInterval(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  string
		args []string
		want time.Duration // 0: refused
	}{
		{name: "default", want: service.RefreshInterval},
		{name: "flag", args: []string{"--refresh-interval", "200ms"}, want: 200 * time.Millisecond},
		{name: "env", env: "5s", want: 5 * time.Second},
		{name: "flag over env", env: "5s", args: []string{"--refresh-interval", "1s"}, want: time.Second},
		{name: "the maximum", args: []string{"--refresh-interval", "30s"}, want: 30 * time.Second},
		{name: "above the key window's margin", args: []string{"--refresh-interval", "31s"}},
		{name: "zero", args: []string{"--refresh-interval", "0s"}},
		{name: "not a duration", env: "often"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"PLANNER_REFRESH_INTERVAL": tc.env}
			c, err := parseServeFlags(tc.args, func(k string) string { return env[k] }, io.Discard)
			if tc.want == 0 {
				if err == nil || !strings.Contains(err.Error(), "--refresh-interval") {
					t.Errorf("refresh interval %q %v: err = %v, want it refused", tc.env, tc.args, err)
				}
				return
			}
			if err != nil || c.refreshInterval != tc.want {
				t.Errorf("refresh interval = %s, %v; want %s", c.refreshInterval, err, tc.want)
			}
		})
	}
}

func TestServeLogLevelAndTokenLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		env       map[string]string
		args      []string
		level     slog.Level
		rate      float64
		burst     int
		wantError string // the flag named in the error; "" for none
	}{
		{name: "defaults", level: slog.LevelInfo, rate: 10, burst: 100},
		{name: "log level flag", args: []string{"--log-level", "debug"}, level: slog.LevelDebug, rate: 10, burst: 100},
		{name: "log level env", env: map[string]string{"PLANNER_LOG_LEVEL": "warn"}, level: slog.LevelWarn, rate: 10, burst: 100},
		{name: "log level flag over env", env: map[string]string{"PLANNER_LOG_LEVEL": "warn"}, args: []string{"--log-level", "ERROR"}, level: slog.LevelError, rate: 10, burst: 100},
		{name: "log level unknown", args: []string{"--log-level", "verbose"}, wantError: "--log-level"},
		{name: "log level offset", args: []string{"--log-level", "info+2"}, wantError: "--log-level"},
		{name: "token limit flags", args: []string{"--token-rate", "2.5", "--token-burst", "5"}, level: slog.LevelInfo, rate: 2.5, burst: 5},
		{name: "token limit env", env: map[string]string{"PLANNER_TOKEN_RATE": "50", "PLANNER_TOKEN_BURST": "500"}, level: slog.LevelInfo, rate: 50, burst: 500},
		{name: "token rate flag over env", env: map[string]string{"PLANNER_TOKEN_RATE": "50"}, args: []string{"--token-rate", "1"}, level: slog.LevelInfo, rate: 1, burst: 100},
		{name: "token rate zero", args: []string{"--token-rate", "0"}, wantError: "--token-rate"},
		{name: "token rate negative", env: map[string]string{"PLANNER_TOKEN_RATE": "-1"}, wantError: "--token-rate"},
		{name: "token rate not a number", args: []string{"--token-rate", "fast"}, wantError: "--token-rate"},
		{name: "token rate infinite", args: []string{"--token-rate", "Inf"}, wantError: "--token-rate"},
		{name: "token burst zero", args: []string{"--token-burst", "0"}, wantError: "--token-burst"},
		{name: "token burst fraction", env: map[string]string{"PLANNER_TOKEN_BURST": "1.5"}, wantError: "--token-burst"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := parseServeFlags(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			if tc.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantError) {
					t.Errorf("err = %v, want one naming %s", err, tc.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.logLevel != tc.level || c.tokenRate != tc.rate || c.tokenBurst != tc.burst {
				t.Errorf("level, rate, burst = %s, %g, %d; want %s, %g, %d", c.logLevel, c.tokenRate, c.tokenBurst, tc.level, tc.rate, tc.burst)
			}
		})
	}
}

// TestServeTokenLimitAndLogLevel checks that --token-rate/--token-burst reach
// POST /v1/tokens and --log-level the access log.
func TestServeTokenLimitAndLogLevel(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "planner.db")
	mustCLI(t, db, "migrate")
	var e struct{ ID string }
	_ = json.Unmarshal([]byte(mustCLI(t, db, "entity", "create", "--name", "Shop", "--origin", "https://shop.example")), &e)
	for _, tc := range []struct {
		name        string
		args        []string
		healthLines bool // /healthz shows in the log
	}{
		{name: "debug", args: []string{"--log-level", "debug", "--token-rate", "0.001", "--token-burst", "2"}, healthLines: true},
		{name: "default level", args: []string{"--token-rate", "0.001", "--token-burst", "2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs := &lockedBuffer{}
			base, stop := startServeWith(t, db, logs, tc.args...)
			defer stop()
			key, secret := entityCreds(t, db, e.ID)
			for i, want := range []int{200, 200, 429} {
				res, err := http.PostForm(base+"/v1/tokens", url.Values{"api_key": {key}, "api_secret": {secret}})
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != want {
					t.Errorf("mint %d: status = %d, want %d", i+1, res.StatusCode, want)
				}
			}
			if got := strings.Contains(logs.String(), "path=/healthz"); got != tc.healthLines {
				t.Errorf("/healthz logged = %v, want %v; log:\n%s", got, tc.healthLines, logs)
			}
			if !strings.Contains(logs.String(), "status=429") {
				t.Errorf("the refused mint is not logged:\n%s", logs)
			}
		})
	}
}

// TestPublicURLMismatch: serve warns when browsers could not reach the
// public URL at the address it listens on.
func TestPublicURLMismatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, publicURL, listen string
		tls, warn               bool
	}{
		{"default", "http://localhost:8090", "127.0.0.1:8090", false, false},
		{"loopback ip", "http://127.0.0.1:8090", "127.0.0.1:8090", false, false},
		{"README example tried locally", "https://planner.example", "127.0.0.1:8090", false, true},
		{"https without TLS", "https://localhost:8090", "127.0.0.1:8090", false, true},
		{"http with TLS", "http://localhost:8443", "127.0.0.1:8443", true, true},
		{"other port", "http://localhost:9000", "127.0.0.1:8090", false, true},
		{"default https port", "https://planner.example", "0.0.0.0:443", true, false},
		{"all addresses", "http://planner.example:8090", "[::]:8090", false, false},
		{"name on a public address", "http://planner.example:8090", "192.0.2.1:8090", false, false},
		{"other ip", "http://192.0.2.2:8090", "192.0.2.1:8090", false, true},
		{"loopback only", "http://192.0.2.2:8090", "127.0.0.1:8090", false, true},
		{"not a URL", "planner.example", "127.0.0.1:8090", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, err := net.ResolveTCPAddr("tcp", tc.listen)
			if err != nil {
				t.Fatal(err)
			}
			why := publicURLMismatch(tc.publicURL, addr, tc.tls)
			if (why != "") != tc.warn {
				t.Errorf("publicURLMismatch(%q, %s, tls %v) = %q, want a warning: %v", tc.publicURL, tc.listen, tc.tls, why, tc.warn)
			}
		})
	}
}

// TestServeWarnsOnPublicURL: the README's --public-url example, tried
// locally, is warned about at start-up; with --trusted-proxy it is not.
func TestServeWarnsOnPublicURL(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "planner.db")
	mustCLI(t, db, "migrate")
	for _, tc := range []struct {
		name string
		args []string
		warn bool
	}{
		{"direct", []string{"--public-url", "https://planner.example"}, true},
		{"behind a proxy", []string{"--public-url", "https://planner.example", "--trusted-proxy", "10.0.0.0/8"}, false},
		{"default", nil, false},
	} {
		var log lockedBuffer
		_, stop := startServeWith(t, db, &log, tc.args...)
		stop()
		if got := strings.Contains(log.String(), "--public-url is not where this server listens"); got != tc.warn {
			t.Errorf("%s: warned %v, want %v; log:\n%s", tc.name, got, tc.warn, log.String())
		}
	}
}
