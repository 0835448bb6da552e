package service_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/clocktest"
	"github.com/roomplanner/planner/web/service"
	"github.com/roomplanner/planner/web/token"
)

// env is an assembled service on loopback with a real SQLite file and a fake
// clock.
type env struct {
	t     *testing.T
	svc   *service.Service
	url   string // http://127.0.0.1:PORT, also the public URL
	clock *clocktest.Clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	url := "http://" + ts.Listener.Addr().String()
	clock := clocktest.New(time.Time{})
	svc, err := service.Open(context.Background(), service.Config{
		DB: filepath.Join(t.TempDir(), "planner.db"), Migrate: true, PublicURL: url, Clock: clock.Now,
		Getenv: func(k string) string {
			if k == "PLANNER_MASTER_KEY" {
				return "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
			}
			return ""
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = svc.Handler()
	ts.Start()
	t.Cleanup(func() {
		if err := svc.Close(); err != nil {
			t.Errorf("close service: %v", err)
		}
	})
	t.Cleanup(ts.Close)
	t.Cleanup(func() { _ = svc.CloseLive() })
	return &env{t: t, svc: svc, url: url, clock: clock}
}

func (e *env) retailer(plan web.Plan) web.Retailer {
	e.t.Helper()
	now := e.clock.Now()
	r := web.Retailer{ID: web.NewID("le_"), Name: "Shop", Plan: plan, Origins: []string{"https://shop.example"}, DistributionID: web.NewID("d_"), CreatedAt: now}
	cred := web.Credential{APIKey: web.NewID("pk_"), RetailerID: r.ID, Secret: []byte(web.NewSecret()), CreatedAt: now}
	if err := e.svc.Store.CreateRetailer(context.Background(), r, cred); err != nil {
		e.t.Fatal(err)
	}
	return r
}

// userToken is a write token for uid at r, valid for ttl from the fake now.
func (e *env) userToken(r web.Retailer, uid string, ttl time.Duration) string {
	e.t.Helper()
	is, err := e.svc.Issuer.Issue(token.IssueRequest{Kind: web.KindUser, RetailerID: r.ID, UID: uid, Scopes: []string{web.ScopeRead, web.ScopeWrite}, TTL: ttl})
	if err != nil {
		e.t.Fatal(err)
	}
	return is.Token
}

func (e *env) updateProject(r web.Retailer, uid, id string, version int64) web.Project {
	e.t.Helper()
	p, err := e.svc.Data.UpdateProject(context.Background(), r.ID, uid, id, version,
		web.ProjectDoc{Name: "Room " + id, Room: web.Room{Width: 500, Depth: 300}}, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// client is a live socket of r's distribution, opened from the service's own
// origin.
type client struct {
	t  *testing.T
	ws *websocket.Conn
}

func (e *env) dial(r web.Retailer) *client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{}
	h.Set("Origin", e.url)
	ws, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.url, "http")+"/ws?d="+r.DistributionID,
		&websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		e.t.Fatalf("dial: %v (%v)", err, resp)
	}
	ws.SetReadLimit(1 << 20)
	e.t.Cleanup(func() { ws.CloseNow() })
	return &client{t: e.t, ws: ws}
}

// msg is any server message, with the payload fields these tests read.
type msg struct {
	Type    string `json:"type"`
	Payload struct {
		Topic, Event, ID string
		Version          int64
	} `json:"payload"`
}

func (c *client) send(v string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(v)); err != nil {
		c.t.Fatalf("write %s: %v", v, err)
	}
}

// next reads the next message. Tests prove that nothing else arrived by
// checking that the next message is the expected later one.
func (c *client) next() msg {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	typ, data, err := c.ws.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		c.t.Fatalf("message type %v, want text", typ)
	}
	var m msg
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatalf("message %s: %v", data, err)
	}
	return m
}

func (c *client) expect(typ string) msg {
	c.t.Helper()
	m := c.next()
	if m.Type != typ {
		c.t.Fatalf("message %+v, want type %q", m, typ)
	}
	return m
}

func (c *client) authenticate(tok string) msg {
	c.t.Helper()
	c.send(`{"type":"authenticate","payload":{"token":"` + tok + `"}}`)
	return c.next()
}

func (c *client) subscribe(topic string) {
	c.t.Helper()
	c.send(`{"type":"subscribe","payload":{"topic":"` + topic + `"}}`)
	if m := c.expect("subscribed"); m.Payload.Topic != topic {
		c.t.Fatalf("subscribed %+v, want topic %q", m, topic)
	}
}

func (c *client) expectEvent(name, id string, version int64) msg {
	c.t.Helper()
	m := c.expect("event")
	if m.Payload.Event != name || m.Payload.ID != id || m.Payload.Version != version {
		c.t.Fatalf("event %+v, want %s %s v%d", m.Payload, name, id, version)
	}
	return m
}
