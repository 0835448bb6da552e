package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
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
