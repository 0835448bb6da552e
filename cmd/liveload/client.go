package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// client holds the load's sockets.
type client struct {
	h     hello
	wsURL string
	mu    sync.Mutex
	conns []*websocket.Conn
	fan   chan receipt // events received by the fan-out user's sockets
}

// receipt is one event received by a fan-out socket.
type receipt struct {
	version int64
	at      time.Time
}

type openResult struct {
	elapsed   time.Duration
	dial      []time.Duration
	auth      []time.Duration
	firstErrs []error
}

func newClient(h hello) *client {
	return &client{h: h, wsURL: "ws" + strings.TrimPrefix(h.URL, "http") + "/ws?d=" + h.Distribution}
}

// openAll opens one socket per token, starting them at rate per second (at
// most 512 handshakes in flight), and returns once all are authenticated and
// subscribed. Unless keep, each socket is closed once subscribed.
func (c *client) openAll(ctx context.Context, tokens []string, rate, fanout int, keep bool) (openResult, error) {
	var (
		res  openResult
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs int
	)
	if keep {
		c.fan = make(chan receipt, fanout*4)
	}
	sem := make(chan struct{}, 512)
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	for i, tok := range tokens {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			dial, auth, err := c.open(ctx, tok, i < fanout, keep)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs++
				if len(res.firstErrs) < 3 {
					res.firstErrs = append(res.firstErrs, err)
				}
				return
			}
			res.dial = append(res.dial, dial)
			res.auth = append(res.auth, auth)
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	if errs > 0 || ctx.Err() != nil {
		return res, fmt.Errorf("%d of %d sockets failed (%v): %v", errs, len(tokens), ctx.Err(), res.firstErrs)
	}
	return res, nil
}

type message struct {
	Type    string `json:"type"`
	Payload struct {
		Event   string `json:"event"`
		Version int64  `json:"version"`
		Code    string `json:"code"`
	} `json:"payload"`
}

func (c *client) open(ctx context.Context, tok string, fan, keep bool) (dial, auth time.Duration, err error) {
	t0 := time.Now()
	ws, _, err := websocket.Dial(ctx, c.wsURL, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {c.h.URL}}})
	if err != nil {
		return 0, 0, err
	}
	dial = time.Since(t0)
	if keep {
		c.mu.Lock()
		c.conns = append(c.conns, ws)
		c.mu.Unlock()
	} else {
		defer ws.Close(websocket.StatusNormalClosure, "")
	}
	t1 := time.Now()
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"authenticate","payload":{"token":"`+tok+`"}}`)); err != nil {
		return 0, 0, err
	}
	if err := expect(ctx, ws, "authenticated"); err != nil {
		return 0, 0, err
	}
	auth = time.Since(t1)
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"subscribe","payload":{"topic":"projects"}}`)); err != nil {
		return 0, 0, err
	}
	if err := expect(ctx, ws, "subscribed"); err != nil {
		return 0, 0, err
	}
	if !keep {
		return dial, auth, nil
	}
	// Keep reading: pongs are answered by reads, and fan-out sockets
	// report their events.
	go func() {
		for {
			_, data, err := ws.Read(ctx)
			if err != nil {
				return
			}
			if !fan {
				continue
			}
			at := time.Now()
			var m message
			if json.Unmarshal(data, &m) == nil && m.Type == "event" {
				select {
				case c.fan <- receipt{version: m.Payload.Version, at: at}:
				default:
				}
			}
		}
	}()
	return dial, auth, nil
}

func expect(ctx context.Context, ws *websocket.Conn, typ string) error {
	_, data, err := ws.Read(ctx)
	if err != nil {
		return err
	}
	var m message
	if err := json.Unmarshal(data, &m); err != nil || m.Type != typ {
		return fmt.Errorf("got %s, want %s", data, typ)
	}
	return nil
}

// fanout updates the fan-out user's project events times through the API
// and waits each time for all fanout sockets to receive project.updated.
func (c *client) fanout(ctx context.Context, events, fanout int) (lat, put []time.Duration, err error) {
	version := int64(1)
	for range events {
		t0 := time.Now()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPut, c.h.URL+"/v1/projects/"+c.h.ProjectID,
			strings.NewReader(`{"name":"Fan","room":{"width":400,"depth":300},"items":[]}`))
		req.Header.Set("Authorization", "Bearer "+c.h.FanoutToken)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("If-Match", `"`+strconv.FormatInt(version, 10)+`"`)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, nil, err
		}
		res.Body.Close()
		put = append(put, time.Since(t0))
		if res.StatusCode != http.StatusOK {
			return nil, nil, fmt.Errorf("PUT project: %s", res.Status)
		}
		version++
		deadline := time.NewTimer(10 * time.Second)
		for got := 0; got < fanout; {
			select {
			case r := <-c.fan:
				if r.version == version {
					lat = append(lat, r.at.Sub(t0))
					got++
				}
			case <-deadline.C:
				return nil, nil, fmt.Errorf("event v%d reached %d of %d subscribers in 10 s", version, got, fanout)
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
		}
		deadline.Stop()
	}
	return lat, put, nil
}

func (c *client) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ws := range c.conns {
		ws.CloseNow()
	}
}
