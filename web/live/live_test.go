package live_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/clocktest"
	"github.com/roomplanner/planner/web/live"
	"github.com/roomplanner/planner/web/service"
	"github.com/roomplanner/planner/web/token"
)

// waitTimer waits until the server has armed one more timer on clock.
func waitTimer(t *testing.T, clock *clocktest.Clock) {
	t.Helper()
	select {
	case <-clock.Armed():
	case <-time.After(5 * time.Second):
		t.Fatal("the server armed no timer")
	}
}

// env is a planner service on loopback with a real SQLite file.
type env struct {
	t      *testing.T
	svc    *service.Service
	url    string // http://127.0.0.1:PORT, also the public URL
	clock  *clocktest.Clock
	dbPath string // the service's SQLite file
}

// testGetenv gives every store of a test the same master key.
func testGetenv(k string) string {
	if k == "PLANNER_MASTER_KEY" {
		return "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	}
	return ""
}

func newEnv(t *testing.T, cfg live.Config) *env {
	t.Helper()
	return newEnvWith(t, cfg, filepath.Join(t.TempDir(), "planner.db"), 0)
}

// newEnvWith opens the service on the SQLite file at dbPath (which may hold
// data already) with the catalog change log read every poll (0: the default).
func newEnvWith(t *testing.T, cfg live.Config, dbPath string, poll time.Duration) *env {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	url := "http://" + ts.Listener.Addr().String()
	clock := clocktest.New(time.Time{})
	cfg.Clock = clock
	svc, err := service.Open(context.Background(), service.Config{
		DB: dbPath, Migrate: true, PublicURL: url, Clock: clock.Now,
		Getenv: testGetenv, Live: cfg, CatalogPoll: poll,
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
	return &env{t: t, svc: svc, url: url, clock: clock, dbPath: dbPath}
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

func (e *env) leToken(r web.Retailer, ttl time.Duration) string {
	e.t.Helper()
	is, err := e.svc.Issuer.Issue(token.IssueRequest{Kind: web.KindLegalEntity, RetailerID: r.ID, TTL: ttl})
	if err != nil {
		e.t.Fatal(err)
	}
	return is.Token
}

type client struct {
	t  *testing.T
	ws *websocket.Conn
}

type dialOpts struct {
	origin string
}

func (e *env) dial(r web.Retailer) *client {
	e.t.Helper()
	return e.dialT(e.t, r)
}

// dialT dials for test t (a subtest of e's).
func (e *env) dialT(t *testing.T, r web.Retailer) *client {
	t.Helper()
	c, resp, err := e.tryDialT(t, r, dialOpts{origin: e.url})
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	return c
}

func (e *env) tryDial(r web.Retailer, o dialOpts) (*client, *http.Response, error) {
	return e.tryDialT(e.t, r, o)
}

func (e *env) tryDialT(t *testing.T, r web.Retailer, o dialOpts) (*client, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{}
	if o.origin != "" {
		h.Set("Origin", o.origin)
	}
	ws, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.url, "http")+"/ws?d="+r.DistributionID,
		&websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		return nil, resp, err
	}
	ws.SetReadLimit(1 << 20)
	cl := &client{t: t, ws: ws}
	t.Cleanup(func() { ws.CloseNow() })
	return cl, resp, nil
}

// msg is any server message.
type msg struct {
	Type    string `json:"type"`
	Payload struct {
		Kind, ExpiresAt               string
		Code, Message, Field, Request string
		Topic, Event, ID, Name        string
		Version                       int64
		Products, Categories          *int
		Removed                       bool
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
// checking that the next message is the expected later one; a read that
// times out closes the socket, so "no message" is never waited for.
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

// closed reads until the socket closes and returns the close error.
func (c *client) closed() websocket.CloseError {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := c.ws.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			c.t.Fatalf("read: %v, want a close frame", err)
		}
		return ce
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

// publishProject publishes a project event as the storage layer would.
func (e *env) publishProject(r web.Retailer, uid, name, id string, version int64) {
	e.t.Helper()
	err := e.svc.Hub.Publish(context.Background(), live.Event{Topic: live.TopicProjects, Name: name, RetailerID: r.ID, UID: uid, ID: id, Version: version, Title: "p"})
	if err != nil {
		e.t.Fatal(err)
	}
}

// publishCatalog publishes a catalog.imported event of r as the catalog
// watcher would.
func (e *env) publishCatalog(r web.Retailer, products int) {
	e.t.Helper()
	err := e.svc.Hub.Publish(context.Background(), live.Event{Topic: live.TopicCatalog, Name: live.EventCatalogImported, RetailerID: r.ID, Products: products, Categories: 1})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) createProject(r web.Retailer, uid, id string) web.Project {
	e.t.Helper()
	p, _, err := e.svc.Data.CreateProject(context.Background(), web.Project{
		ID: id, RetailerID: r.ID, OwnerUID: uid,
		ProjectDoc: web.ProjectDoc{Name: "Room " + id, Room: web.Room{Width: 400, Depth: 300}},
	}, "", "")
	if err != nil {
		e.t.Fatal(err)
	}
	return p
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
