package live

import "github.com/roomplanner/planner/web"

// subscription is a socket's registration for one topic, guarded by conn.mu.
type subscription struct {
	active bool
	key    Key
	cancel func()
}

// holdState is the event messages held while the token is expired, guarded
// by conn.mu.
type holdState struct {
	events []heldEvent
	lost   bool // some were dropped: the client must resync
}

// heldEvent is an event message held while the token is expired.
type heldEvent struct {
	topic Topic
	msg   []byte
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
	case t == TopicCatalog && c.premium && c.auth.expired:
		err = web.Errorf(web.ETokenExpired, "the token has expired: authenticate again to receive this premium retailer's catalog")
	case t == TopicProjects && (!c.auth.accepted || c.auth.principal.Kind != web.KindUser):
		err = web.Errorf(web.EForbidden, "projects belong to signed-in users: authenticate with a user token to follow them")
	case t == TopicProjects && c.auth.expired:
		err = web.Errorf(web.ETokenExpired, "the token has expired: authenticate again to follow projects")
	case t == TopicProjects:
		key.UID = c.auth.principal.UID
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
	kept := c.hold.events[:0]
	for _, e := range c.hold.events {
		if e.topic != t {
			kept = append(kept, e)
		}
	}
	c.hold.events = kept
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
	if c.auth.expired && (t == TopicProjects || c.premium) {
		c.holdLocked(t, d.Message())
		return
	}
	c.enqueueLocked(d.batch)
}

func (c *conn) holdLocked(t Topic, msg []byte) {
	if c.hold.lost {
		return
	}
	if len(c.hold.events) >= c.h.cfg.HoldLimit || c.h.cfg.Clock.Now().Sub(c.auth.expiredAt) > c.h.cfg.HoldWindow {
		c.hold = holdState{lost: true}
		return
	}
	c.hold.events = append(c.hold.events, heldEvent{topic: t, msg: msg})
}

// resync queues resync for the socket and reports whether it did. A socket
// whose token has expired also marks its held events incomplete, so it is
// told to resync again when it re-authenticates instead of trusting a replay
// with a gap in it.
func (c *conn) resync() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.kicked() || (c.premium && !c.auth.accepted) {
		return false
	}
	if c.auth.expired {
		c.hold = holdState{lost: true}
	}
	c.enqueueLocked(batchResync)
	return true
}
