package live

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Shared one-message write batches of messages that never change.
var (
	batchTokenExpired = [][]byte{msgTokenExpired}
	batchResync       = [][]byte{msgResync}
)

// sendQueue holds a socket's outgoing write batches. Its channels need no
// lock; whether a writer is draining them is writerState, guarded by conn.mu.
type sendQueue struct {
	// send queues write batches for the writer: each element is written in
	// order as one or more messages. It is never closed; closing.done stops
	// the writer.
	send chan [][]byte
	room chan struct{} // a token after each dequeue, for waitRoom
}

// writerState is the socket's write side, guarded by conn.mu.
type writerState struct {
	running   bool        // a writer goroutine is running
	idle      sync.Cond   // signalled (with conn.mu) when the writer exits
	pingTimer *time.Timer // the next keepalive ping
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
	need := min(2, cap(c.queue.send))
	for cap(c.queue.send)-len(c.queue.send) < need {
		// The queue is not empty, so a writer is running and will dequeue
		// (a write that never finishes times out and kicks).
		select {
		case <-c.queue.room:
		case <-c.closing.done:
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
		case <-c.closing.done:
			c.writerExit(false)
			return
		default:
		}
		select {
		case <-c.closing.done:
			c.writerExit(false)
			return
		case batch := <-c.queue.send:
			select {
			case c.queue.room <- struct{}{}:
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
			// starts no second writer while running is set).
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
	if ifIdle && len(c.queue.send) > 0 && !c.kicked() {
		return false
	}
	c.writer.running = false
	c.writer.idle.Broadcast()
	return true
}

func (c *conn) write(msg []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.h.cfg.WriteTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, msg)
}

// enqueueLocked queues a batch for writeLoop, or kicks a socket whose queue is
// full: a client that does not read must not hold up the publisher.
func (c *conn) enqueueLocked(batch [][]byte) {
	select {
	case c.queue.send <- batch:
		if !c.writer.running && !c.kicked() {
			c.writer.running = true
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

func (c *conn) reply(msg []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enqueueLocked([][]byte{msg})
}
