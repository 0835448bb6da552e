// Package livetest is the live channel's socket client for tests: it dials a
// distribution's /ws from an origin and reads the server's messages as typed
// values, every dial, write and read under a timeout. Only tests import it;
// it needs nothing of the service but a URL, so web/live's own tests and the
// assembled service's tests share one client.
package livetest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Timeout bounds every dial, write and read of a Client; Closed waits twice
// as long, for the server's own timers to close the socket.
const Timeout = 5 * time.Second

// Msg is any server message, with the payload fields the tests read.
type Msg struct {
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

// Client is one live socket of a test. Its methods fail the test they were
// dialled for on any error.
type Client struct {
	t  testing.TB
	ws *websocket.Conn
}

// Dial opens a socket of distribution at the server on baseURL
// (http://host:port), from baseURL's own origin as the planner page would,
// and fails t if it cannot. The socket is closed when t ends.
func Dial(t testing.TB, baseURL, distribution string) *Client {
	t.Helper()
	c, resp, err := TryDial(t, baseURL, distribution, baseURL)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	return c
}

// TryDial is Dial from origin ("" sends no Origin header, as a non-browser
// client would), returning the error and the refused handshake's response
// instead of failing t.
func TryDial(t testing.TB, baseURL, distribution, origin string) (*Client, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	ws, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(baseURL, "http")+"/ws?d="+distribution,
		&websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		return nil, resp, err
	}
	ws.SetReadLimit(1 << 20)
	t.Cleanup(func() { ws.CloseNow() })
	return &Client{t: t, ws: ws}, resp, nil
}

// Conn is the socket itself, for tests that write or read past the helpers.
func (c *Client) Conn() *websocket.Conn { return c.ws }

// Send writes v as one text message.
func (c *Client) Send(v string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(v)); err != nil {
		c.t.Fatalf("write %s: %v", v, err)
	}
}

// Next reads the next message. Tests prove that nothing else arrived by
// checking that the next message is the expected later one; a read that
// times out closes the socket, so "no message" is never waited for.
func (c *Client) Next() Msg {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	typ, data, err := c.ws.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		c.t.Fatalf("message type %v, want text", typ)
	}
	var m Msg
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatalf("message %s: %v", data, err)
	}
	return m
}

// Expect reads the next message and fails the test unless its type is typ.
func (c *Client) Expect(typ string) Msg {
	c.t.Helper()
	m := c.Next()
	if m.Type != typ {
		c.t.Fatalf("message %+v, want type %q", m, typ)
	}
	return m
}

// Authenticate sends tok and returns the answer, whatever its type.
func (c *Client) Authenticate(tok string) Msg {
	c.t.Helper()
	c.Send(`{"type":"authenticate","payload":{"token":"` + tok + `"}}`)
	return c.Next()
}

// Subscribe subscribes to topic and fails the test unless the next message
// confirms it.
func (c *Client) Subscribe(topic string) {
	c.t.Helper()
	c.Send(`{"type":"subscribe","payload":{"topic":"` + topic + `"}}`)
	if m := c.Expect("subscribed"); m.Payload.Topic != topic {
		c.t.Fatalf("subscribed %+v, want topic %q", m, topic)
	}
}

// ExpectEvent reads the next message and fails the test unless it is event
// name of id at version.
func (c *Client) ExpectEvent(name, id string, version int64) Msg {
	c.t.Helper()
	m := c.Expect("event")
	if m.Payload.Event != name || m.Payload.ID != id || m.Payload.Version != version {
		c.t.Fatalf("event %+v, want %s %s v%d", m.Payload, name, id, version)
	}
	return m
}

// Closed reads until the socket closes and returns the close error; it fails
// the test if the socket ends without a close frame.
func (c *Client) Closed() websocket.CloseError {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*Timeout)
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
