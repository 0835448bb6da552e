package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
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
