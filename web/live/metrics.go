package live

import (
	"context"
	"encoding/json"

	"github.com/roomplanner/planner/web"
)

// TopicMetrics carries the socket's retailer's live metrics: a snapshot on
// subscribe, then an update each second while anything changes. It needs a
// retailer token; a visitor's token gets forbidden.
const TopicMetrics Topic = "metrics"

// typeMetrics is the server message of the metrics topic.
const typeMetrics = "metrics"

// MetricsFeed serves the metrics topic (web/retailermetrics.Recorder).
type MetricsFeed interface {
	// SubscribeMetrics returns retailerID's snapshot payload and calls send
	// with each update payload until cancel is called. send must not block.
	SubscribeMetrics(ctx context.Context, retailerID string, send func(payload []byte)) (snapshot []byte, cancel func(), err error)
}

// metricsSub is a socket's metrics subscription, guarded by conn.mu.
type metricsSub struct {
	active bool
	cancel func()
}

// encodeMetrics wraps a feed payload in the wire envelope.
func encodeMetrics(payload []byte) []byte {
	return mustEncode(envelope{Type: typeMetrics, Payload: json.RawMessage(payload)})
}

// subscribeMetrics subscribes the socket to its retailer's metrics if its
// token is a live retailer token, answering subscribed followed by the
// snapshot.
func (c *conn) subscribeMetrics() {
	c.mu.Lock()
	if err := c.metricsAllowedLocked(); err != nil {
		c.enqueueLocked([][]byte{encodeError(err, typeSubscribe)})
		c.mu.Unlock()
		return
	}
	c.dropMetricsLocked()
	c.mu.Unlock()
	c.startMetrics(true)
}

// metricsAllowedLocked says why the socket may not follow metrics, or nil.
func (c *conn) metricsAllowedLocked() error {
	switch {
	case c.h.cfg.Metrics == nil:
		return web.Errorf(web.EForbidden, "this service does not serve live metrics")
	case !c.auth.accepted || c.auth.principal.Kind != web.KindRetailer:
		return web.Errorf(web.EForbidden, "live metrics are for the retailer: authenticate with a retailer token to follow them")
	case c.auth.expired:
		return web.Errorf(web.ETokenExpired, "the token has expired: authenticate again to follow metrics")
	}
	return nil
}

// startMetrics reads the snapshot (outside the lock: it reads the store) and
// registers the socket, unless its identity changed meanwhile.
func (c *conn) startMetrics(answer bool) {
	ctx, cancel := context.WithTimeout(context.Background(), verifyTimeout)
	snap, stop, err := c.h.cfg.Metrics.SubscribeMetrics(ctx, c.retailerID, c.receiveMetrics)
	cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.h.log.Error("live: metrics snapshot", "err", err)
		c.enqueueLocked([][]byte{encodeError(err, typeSubscribe)})
		return
	}
	if c.closed || c.kicked() || c.metricsAllowedLocked() != nil {
		stop()
		return
	}
	c.dropMetricsLocked()
	c.metrics = metricsSub{active: true, cancel: stop}
	batch := [][]byte{encodeMetrics(snap)}
	if answer {
		batch = [][]byte{encodeTopic(typeSubscribed, TopicMetrics), batch[0]}
	}
	c.enqueueLocked(batch)
}

// receiveMetrics queues an update; while the token is expired updates are
// dropped and the next authentication brings a fresh snapshot instead.
func (c *conn) receiveMetrics(payload []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || !c.metrics.active || c.auth.expired {
		return
	}
	c.enqueueLocked([][]byte{encodeMetrics(payload)})
}

// afterAuthenticate keeps the metrics subscription in step with the
// socket's identity after an authenticate message: dropped for anything but
// a retailer token, and followed by a fresh snapshot when the socket was
// expired before (the updates of that time were dropped).
func (c *conn) afterAuthenticate(wasExpired bool) {
	c.mu.Lock()
	if !c.metrics.active {
		c.mu.Unlock()
		return
	}
	if c.metricsAllowedLocked() != nil {
		if c.auth.principal.Kind != web.KindRetailer {
			c.dropMetricsLocked()
		}
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	if wasExpired {
		c.startMetrics(false)
	}
}

func (c *conn) unsubscribeMetrics() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropMetricsLocked()
	c.enqueueLocked([][]byte{encodeTopic(typeUnsubscribed, TopicMetrics)})
}

func (c *conn) dropMetricsLocked() {
	if c.metrics.cancel != nil {
		c.metrics.cancel()
	}
	c.metrics = metricsSub{}
}

// SocketsByRetailer returns the open sockets per retailer.
func (h *Handler) SocketsByRetailer() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]int)
	for c := range h.conns {
		out[c.retailerID]++
	}
	return out
}
