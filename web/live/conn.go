package live

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/roomplanner/planner/web"
)

// Shared one-message write batches of messages that never change.
var (
	batchTokenExpired = [][]byte{msgTokenExpired}
	batchResync       = [][]byte{msgResync}
)

// conn is one live socket. Its own goroutine reads and handles client
// messages; a writer goroutine, started when a message is queued and gone
// once the queue is empty, is the only writer of data messages, so an idle
// socket costs one goroutine; the hub and the timers call in from their own
// goroutines. mu guards the authentication, subscription and writer state.
type conn struct {
	h          *Handler
	ws         *websocket.Conn
	retailerID string
	premium    bool
	limiter    *rate.Limiter

	// send queues write batches for the writer: each element is written in
	// order as one or more messages. It is never closed; done stops the
	// writer.
	send         chan [][]byte
	room         chan struct{} // a token after each dequeue, for waitRoom
	done         chan struct{}
	socketClosed chan struct{} // closed once the closer has closed the socket
	kickOnce     sync.Once
	code         websocket.StatusCode // close code for the closer; 0: close without handshake
	reason       string
	writerIdle   sync.Cond   // signalled (with mu) when the writer exits
	writing      bool        // a writer goroutine is running; guarded by mu
	pingTimer    *time.Timer // the next keepalive ping; guarded by mu

	mu           sync.Mutex
	closed       bool
	authed       bool          // a token was accepted on this socket (it may have expired since)
	principal    web.Principal // the last accepted token's
	expired      bool          // the accepted token has expired
	expiredAt    time.Time
	gen          uint64      // bumped on every authentication; stale expiry timers compare it
	stopExpiry   func() bool // cancels the expiry timer
	stopDeadline func() bool // cancels the premium authentication deadline
	subs         [2]subscription
	held         []heldEvent // events held while the token is expired
	heldLost     bool        // some were dropped: the client must resync
}

// subscription is a socket's registration for one topic.
type subscription struct {
	active bool
	key    Key
	cancel func()
}

// heldEvent is an event message held while the token is expired.
type heldEvent struct {
	topic Topic
	msg   []byte
}

func newConn(h *Handler, ws *websocket.Conn, r web.Retailer) *conn {
	c := &conn{
		h: h, ws: ws, retailerID: r.ID, premium: r.Plan == web.PlanPremium,
		limiter:      rate.NewLimiter(h.cfg.MessageRate, h.cfg.MessageBurst),
		send:         make(chan [][]byte, h.cfg.SendBuffer),
		room:         make(chan struct{}, 1),
		done:         make(chan struct{}),
		socketClosed: make(chan struct{}),
	}
	c.writerIdle.L = &c.mu
	return c
}

// serve runs the socket until it closes.
func (c *conn) serve() {
	c.mu.Lock()
	if c.premium {
		c.stopDeadline = c.h.cfg.Clock.AfterFunc(c.h.cfg.AuthTimeout, c.authDeadline)
	}
	c.pingTimer = time.AfterFunc(c.h.cfg.PingInterval, c.ping)
	c.mu.Unlock()
	c.readLoop()
	c.kick(0, "")
	<-c.socketClosed
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
		c.handle(typ, data)
	}
}

// waitRoom waits until the send queue has room for the answers to one client
// message (authenticate queues up to two batches: its answer and the replay
// of held events). Without it a burst of requests the rate limit allows, read
// faster than the writer drains their answers, filled the queue and closed
// the socket of a client that reads everything with 1008 too slow. Waiting
// instead holds up only this socket's own reading; a client that does not
// read is still dropped by its write timeout. It reports false once the
// socket is kicked.
func (c *conn) waitRoom() bool {
	need := min(2, cap(c.send))
	for cap(c.send)-len(c.send) < need {
		// The queue is not empty, so a writer is running and will dequeue
		// (a write that never finishes times out and kicks).
		select {
		case <-c.room:
		case <-c.done:
			return false
		}
	}
	return true
}

// writeLoop writes queued batches until the queue is empty or the socket is
// kicked. It is started by enqueueLocked; at most one runs at a time.
func (c *conn) writeLoop() {
	for {
		// A kicked socket writes nothing more, even if its queue is ready.
		select {
		case <-c.done:
			c.writerExit(false)
			return
		default:
		}
		select {
		case <-c.done:
			c.writerExit(false)
			return
		case batch := <-c.send:
			select {
			case c.room <- struct{}{}:
			default: // a token is already waiting
			}
			for _, msg := range batch {
				if err := c.write(msg); err != nil {
					c.kick(0, "")
					c.writerExit(false)
					return
				}
			}
		default:
			// Empty: exit, unless a batch was queued meanwhile (enqueueLocked
			// starts no second writer while writing is set).
			if c.writerExit(true) {
				return
			}
		}
	}
}

// writerExit ends the writer, or with ifIdle only when the queue is empty;
// it reports whether the writer ended.
func (c *conn) writerExit(ifIdle bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ifIdle && len(c.send) > 0 && !c.kicked() {
		return false
	}
	c.writing = false
	c.writerIdle.Broadcast()
	return true
}

// closeAfterWriter waits for a running writer to stop, then closes the
// socket with the kick's code; the pending read then returns.
func (c *conn) closeAfterWriter() {
	c.mu.Lock()
	for c.writing {
		c.writerIdle.Wait()
	}
	c.mu.Unlock()
	c.closeSocket()
	close(c.socketClosed)
}

func (c *conn) write(msg []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.h.cfg.WriteTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, msg)
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
		c.pingTimer.Reset(c.h.cfg.PingInterval)
	}
	c.mu.Unlock()
}

func (c *conn) closeSocket() {
	if c.code == 0 {
		c.ws.CloseNow()
		return
	}
	c.ws.Close(c.code, c.reason)
}

// kick ends the socket: the writer stops writing and the socket is closed
// with code and reason (code 0: without a close handshake, the peer is gone
// or broken). The first kick wins. It never blocks, so publishers may call it.
func (c *conn) kick(code websocket.StatusCode, reason string) {
	c.kickOnce.Do(func() {
		c.code, c.reason = code, reason
		close(c.done)
		go c.closeAfterWriter()
	})
}

// release drops the socket's subscriptions and timers once it has closed.
func (c *conn) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for i := range c.subs {
		c.dropLocked(&c.subs[i])
	}
	stop(c.stopExpiry)
	stop(c.stopDeadline)
	if c.pingTimer != nil {
		c.pingTimer.Stop()
	}
	c.held = nil
}

func stop(f func() bool) {
	if f != nil {
		f()
	}
}

// enqueueLocked queues a batch for writeLoop, or kicks a socket whose queue is
// full: a client that does not read must not hold up the publisher.
func (c *conn) enqueueLocked(batch [][]byte) {
	select {
	case c.send <- batch:
		if !c.writing && !c.kicked() {
			c.writing = true
			go c.writeLoop()
		}
	default:
		c.kick(websocket.StatusPolicyViolation, ReasonTooSlow)
		// Leave the hub now rather than when the close handshake ends, which
		// a client that does not read can drag out to the write timeout.
		for i := range c.subs {
			c.dropLocked(&c.subs[i])
		}
	}
}

// kicked reports whether the socket is closing.
func (c *conn) kicked() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func (c *conn) reply(msg []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enqueueLocked([][]byte{msg})
}

// handle acts on one client message. A premium socket that has never
// authenticated answers nothing but authenticate: everything else is ignored.
func (c *conn) handle(typ websocket.MessageType, data []byte) {
	if c.kicked() {
		return
	}
	c.mu.Lock()
	silent := c.premium && !c.authed
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
		c.authenticate(m.Token)
	case typeSubscribe:
		if !silent {
			c.subscribe(m.Topic)
		}
	case typeUnsubscribe:
		if !silent {
			c.unsubscribe(m.Topic)
		}
	}
}

// authenticate verifies a token and makes it the socket's identity. A failed
// attempt changes nothing. The same user (or the same anonymous visitor)
// keeps its subscriptions and gets the events held since its token expired;
// anyone else starts afresh: the previous user's subscriptions and held
// events are dropped before the answer is queued, so none of them can reach
// the new identity.
func (c *conn) authenticate(raw string) {
	ctx, cancel := context.WithTimeout(context.Background(), verifyTimeout)
	p, err := c.h.verifier.Verify(ctx, raw)
	cancel()
	now := c.h.cfg.Clock.Now()
	switch {
	case err != nil:
	case p.RetailerID != c.retailerID:
		err = web.Errorf(web.EForbidden, "this token belongs to another retailer than the socket's distribution")
	case !p.ExpiresAt.After(now):
		err = web.Errorf(web.ETokenExpired, "token expired at %s", p.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if err != nil {
		if web.ErrorCode(err) == web.EInternal {
			c.h.log.Error("live: verify token", "err", err)
		}
		c.reply(encodeError(err, typeAuthenticate))
		return
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.kicked() {
		return
	}
	prev := c.principal
	switched := c.authed && prev.Kind == web.KindUser && (p.Kind != web.KindUser || p.UID != prev.UID)
	if switched {
		for i := range c.subs {
			c.dropLocked(&c.subs[i])
		}
		c.held, c.heldLost = nil, false
	}
	wasExpired := c.expired
	stop(c.stopDeadline)
	stop(c.stopExpiry)
	c.gen++
	gen := c.gen
	c.authed, c.principal, c.expired = true, p, false
	c.enqueueLocked([][]byte{encodeAuthenticated(p)})
	if wasExpired {
		switch {
		case c.heldLost:
			c.enqueueLocked(batchResync)
		case len(c.held) > 0:
			batch := make([][]byte, len(c.held))
			for i, e := range c.held {
				batch[i] = e.msg
			}
			c.enqueueLocked(batch)
		}
		c.held, c.heldLost = nil, false
	}
	c.stopExpiry = c.h.cfg.Clock.AfterFunc(p.ExpiresAt.Sub(now), func() { c.expire(gen) })
}

// expire runs when the token of authentication gen expires: private events
// are held from now on and the client is told to re-authenticate.
func (c *conn) expire(gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || gen != c.gen || c.expired {
		return
	}
	c.expired, c.expiredAt = true, c.h.cfg.Clock.Now()
	c.held, c.heldLost = nil, false
	c.enqueueLocked(batchTokenExpired)
}

// authDeadline closes a premium socket that has not authenticated in time.
func (c *conn) authDeadline() {
	c.mu.Lock()
	authed := c.authed
	c.mu.Unlock()
	if !authed {
		c.kick(websocket.StatusPolicyViolation, ReasonAuthRequired)
	}
}

// subscribe registers the socket for a topic if its identity may see it.
func (c *conn) subscribe(t Topic) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.kicked() {
		return
	}
	key := Key{Topic: t, RetailerID: c.retailerID}
	var err error
	switch {
	case t == TopicCatalog && c.premium && c.expired:
		err = web.Errorf(web.ETokenExpired, "the token has expired: authenticate again to receive this premium retailer's catalog")
	case t == TopicProjects && (!c.authed || c.principal.Kind != web.KindUser):
		err = web.Errorf(web.EForbidden, "projects belong to signed-in users: authenticate with a user token to follow them")
	case t == TopicProjects && c.expired:
		err = web.Errorf(web.ETokenExpired, "the token has expired: authenticate again to follow projects")
	case t == TopicProjects:
		key.UID = c.principal.UID
	}
	if err != nil {
		c.enqueueLocked([][]byte{encodeError(err, typeSubscribe)})
		return
	}
	s := &c.subs[topicIndex(t)]
	if !s.active || s.key != key {
		c.dropLocked(s)
		// The answer is queued before the hub can deliver: Receive waits for mu.
		s.active, s.key = true, key
		s.cancel = c.h.sub.Subscribe(key, c)
	}
	c.enqueueLocked([][]byte{encodeTopic(typeSubscribed, t)})
}

func (c *conn) unsubscribe(t Topic) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropLocked(&c.subs[topicIndex(t)])
	kept := c.held[:0]
	for _, e := range c.held {
		if e.topic != t {
			kept = append(kept, e)
		}
	}
	c.held = kept
	c.enqueueLocked([][]byte{encodeTopic(typeUnsubscribed, t)})
}

func (c *conn) dropLocked(s *subscription) {
	if s.cancel != nil {
		s.cancel()
	}
	*s = subscription{}
}

func topicIndex(t Topic) int {
	if t == TopicProjects {
		return 1
	}
	return 0
}

// Receive queues an event for the socket, or holds it while the token is
// expired. It drops events of keys the socket no longer follows: the hub may
// deliver one that raced with an unsubscribe or a user switch.
func (c *conn) Receive(d Delivery) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := d.Event.Topic
	if t != TopicCatalog && t != TopicProjects {
		return
	}
	s := &c.subs[topicIndex(t)]
	if c.closed || !s.active || s.key != d.Event.Key() {
		return
	}
	if c.expired && (t == TopicProjects || c.premium) {
		c.holdLocked(t, d.Message())
		return
	}
	c.enqueueLocked(d.batch)
}

func (c *conn) holdLocked(t Topic, msg []byte) {
	if c.heldLost {
		return
	}
	if len(c.held) >= c.h.cfg.HoldLimit || c.h.cfg.Clock.Now().Sub(c.expiredAt) > c.h.cfg.HoldWindow {
		c.held, c.heldLost = nil, true
		return
	}
	c.held = append(c.held, heldEvent{topic: t, msg: msg})
}
