package live

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/roomplanner/planner/web"
)

// conn is one live socket. Its own goroutine reads and handles client
// messages; a writer goroutine, started when a message is queued and gone
// once the queue is empty, is the only writer of data messages, so an idle
// socket costs one goroutine; the hub and the timers call in from their own
// goroutines.
//
// The fields are grouped by what guards them: the first ones are set by
// newConn and never change; queue and closing are channels and a sync.Once,
// safe without a lock; mu guards everything after it.
type conn struct {
	h          *Handler
	ws         *websocket.Conn
	retailerID string
	premium    bool
	limiter    *rate.Limiter  // used by the read goroutine only
	handling   sync.WaitGroup // the message a worker handles for the read goroutine

	queue   sendQueue
	closing closing

	// mu guards the fields below: the writer's and the keepalive's state,
	// the authentication, the subscriptions and the held events.
	mu      sync.Mutex
	closed  bool // release has run: nothing may subscribe or arm a timer
	writer  writerState
	auth    authState
	subs    [2]subscription // by topicIndex
	hold    holdState
	metrics metricsSub
}

// closing is how the socket ends. once guards code and reason: the first kick
// sets them and closes done; the closer reads them only after that.
type closing struct {
	once         sync.Once
	code         websocket.StatusCode // close code for the closer; 0: close without handshake
	reason       string
	done         chan struct{} // closed by the first kick: stop writing
	socketClosed chan struct{} // closed once the closer has closed the socket
}

func newConn(h *Handler, ws *websocket.Conn, r web.Retailer) *conn {
	c := &conn{
		h: h, ws: ws, retailerID: r.ID, premium: r.Plan == web.PlanPremium,
		limiter: rate.NewLimiter(h.cfg.MessageRate, h.cfg.MessageBurst),
		queue: sendQueue{
			send: make(chan [][]byte, h.cfg.SendBuffer),
			room: make(chan struct{}, 1),
		},
		closing: closing{
			done:         make(chan struct{}),
			socketClosed: make(chan struct{}),
		},
	}
	c.writer.idle.L = &c.mu
	return c
}

// serve runs the socket until it closes.
func (c *conn) serve() {
	c.mu.Lock()
	if c.premium {
		c.auth.stopDeadline = c.h.cfg.Clock.AfterFunc(c.h.cfg.AuthTimeout, c.authDeadline)
	}
	c.writer.pingTimer = time.AfterFunc(c.h.cfg.PingInterval, c.ping)
	c.mu.Unlock()
	c.readLoop()
	c.kick(0, "")
	<-c.closing.socketClosed
	c.release()
}

// readLoop reads and handles client messages until the socket fails or closes.
// Reads have no deadline: the ping keepalive finds dead peers, and closing the
// socket ends a pending read.
func (c *conn) readLoop() {
	for {
		typ, data, err := c.ws.Read(context.Background())
		if err != nil {
			return
		}
		if !c.limiter.Allow() {
			c.kick(websocket.StatusPolicyViolation, ReasonTooManyFrames)
			return
		}
		if !c.waitRoom() {
			return
		}
		c.handleApart(typ, data)
	}
}

// handleApart has one of the handler's workers handle the message and waits
// for it. The reading goroutine lives as long as the socket and keeps the
// largest stack it ever needed, less what the GC shrinks (it halves a stack
// only while under a quarter of it is in use): verifying a token (JWT,
// Ed25519, JSON) grows a stack to 8 KiB, which waiting in Read, at about
// 2.7 KiB, never gets back under. Handled apart, the reader keeps 4 KiB; and
// a worker, whose stack has grown already, spares the copying a fresh
// goroutine's growth costs on every message.
func (c *conn) handleApart(typ websocket.MessageType, data []byte) {
	c.handling.Add(1)
	c.h.workers.run(job{c: c, typ: typ, data: data})
	c.handling.Wait()
}

// handle acts on one client message. A premium socket that has never
// authenticated answers nothing but authenticate: everything else is ignored.
func (c *conn) handle(typ websocket.MessageType, data []byte) {
	if c.kicked() {
		return
	}
	c.mu.Lock()
	silent := c.premium && !c.auth.accepted
	c.mu.Unlock()
	var (
		m   Message
		err error
	)
	if typ != websocket.MessageText {
		err = web.Errorf(web.EValidation, "binary messages are not part of the live protocol")
	} else {
		m, err = Decode(data)
	}
	if err != nil {
		if !silent {
			c.reply(encodeError(err, ""))
		}
		return
	}
	switch m.Type {
	case typeAuthenticate:
		c.mu.Lock()
		wasExpired := c.auth.expired
		c.mu.Unlock()
		c.authenticate(m.Token)
		c.afterAuthenticate(wasExpired)
	case typeSubscribe:
		switch {
		case silent:
		case m.Topic == TopicMetrics:
			c.subscribeMetrics()
		default:
			c.subscribe(m.Topic)
		}
	case typeUnsubscribe:
		switch {
		case silent:
		case m.Topic == TopicMetrics:
			c.unsubscribeMetrics()
		default:
			c.unsubscribe(m.Topic)
		}
	}
}

// ping runs on its timer's goroutine, so a slow pong never holds up
// writes, and schedules the next one.
func (c *conn) ping() {
	if c.kicked() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.h.cfg.PongTimeout)
	err := c.ws.Ping(ctx)
	cancel()
	if err != nil {
		c.kick(0, "")
		return
	}
	c.mu.Lock()
	if !c.closed && !c.kicked() {
		c.writer.pingTimer.Reset(c.h.cfg.PingInterval)
	}
	c.mu.Unlock()
}

// kick ends the socket: the writer stops writing and the socket is closed
// with code and reason (code 0: without a close handshake, the peer is gone
// or broken). The first kick wins. It never blocks, so publishers may call it.
func (c *conn) kick(code websocket.StatusCode, reason string) {
	c.closing.once.Do(func() {
		c.closing.code, c.closing.reason = code, reason
		close(c.closing.done)
		go c.closeAfterWriter()
	})
}

// kicked reports whether the socket is closing.
func (c *conn) kicked() bool {
	select {
	case <-c.closing.done:
		return true
	default:
		return false
	}
}

// closeAfterWriter waits for a running writer to stop, then closes the
// socket with the kick's code; the pending read then returns.
func (c *conn) closeAfterWriter() {
	c.mu.Lock()
	for c.writer.running {
		c.writer.idle.Wait()
	}
	c.mu.Unlock()
	c.closeSocket()
	close(c.closing.socketClosed)
}

func (c *conn) closeSocket() {
	if c.closing.code == 0 {
		c.ws.CloseNow()
		return
	}
	c.ws.Close(c.closing.code, c.closing.reason)
}

// release drops the socket's subscriptions and timers once it has closed.
func (c *conn) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for i := range c.subs {
		c.dropLocked(&c.subs[i])
	}
	c.dropMetricsLocked()
	stop(c.auth.stopExpiry)
	stop(c.auth.stopDeadline)
	if c.writer.pingTimer != nil {
		c.writer.pingTimer.Stop()
	}
	c.hold.events = nil
}

func stop(f func() bool) {
	if f != nil {
		f()
	}
}
