package live

import (
	"context"
	"fmt"
	"sync"
)

// Hub fans events out to the receivers of this process. It is the in-process
// Publisher and Subscriber; it is safe for concurrent use.
//
// Publish copies the key's receivers under a read lock and delivers with no
// lock held, so a receiver may subscribe or unsubscribe at any time without
// deadlock and a subscription change never waits for a delivery.
type Hub struct {
	mu   sync.RWMutex
	subs map[Key]map[*hubSub]struct{}
	pool sync.Pool // *[]*hubSub snapshots reused by Publish
}

// hubSub is one registration; its pointer identifies it for unsubscribe, so
// one receiver may be registered for several keys.
type hubSub struct{ r Receiver }

var (
	_ Publisher  = (*Hub)(nil)
	_ Subscriber = (*Hub)(nil)
)

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{subs: make(map[Key]map[*hubSub]struct{})}
}

// Publish delivers e to every receiver subscribed to e.Key(). The message is
// encoded once and shared. It returns an error only for an event that cannot
// be routed (see Event.Validate).
func (h *Hub) Publish(_ context.Context, e Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	msg, err := e.encode()
	if err != nil {
		return fmt.Errorf("encode live event %q: %w", e.Name, err)
	}
	d := Delivery{Event: e, batch: [][]byte{msg}}
	snap, _ := h.pool.Get().(*[]*hubSub)
	if snap == nil {
		snap = new([]*hubSub)
	}
	h.mu.RLock()
	for s := range h.subs[e.Key()] {
		*snap = append(*snap, s)
	}
	h.mu.RUnlock()
	for _, s := range *snap {
		s.r.Receive(d)
	}
	clear(*snap)
	*snap = (*snap)[:0]
	h.pool.Put(snap)
	return nil
}

// Subscribe registers r for the events of k.
func (h *Hub) Subscribe(k Key, r Receiver) func() {
	s := &hubSub{r: r}
	h.mu.Lock()
	set := h.subs[k]
	if set == nil {
		set = make(map[*hubSub]struct{}, 1)
		h.subs[k] = set
	}
	set[s] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { h.unsubscribe(k, s) }) }
}

func (h *Hub) unsubscribe(k Key, s *hubSub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.subs[k]
	delete(set, s)
	if len(set) == 0 {
		delete(h.subs, k)
	}
}

// Subscribers returns how many receivers are subscribed to k.
func (h *Hub) Subscribers(k Key) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs[k])
}
