package retailermetrics

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/roomplanner/planner/web"
)

// SnapshotMinutes is how many minutes a metrics snapshot holds: the last hour.
const SnapshotMinutes = 60

// feed is the live metrics topic's side of the Recorder: who follows which
// retailer, and what each was last sent.
type feed struct {
	mu     sync.Mutex
	subs   map[string]map[*feedSub]struct{} // by retailer
	last   map[string][]byte                // by retailer: the last update's content (without its time)
	minute int64                            // the minute of the last Tick
}

type feedSub struct{ send func(payload []byte) }

// Now is the live state of a retailer: what is open at this moment.
type Now struct {
	PlannersOpen int `json:"plannersOpen"` // iframes that reported within the open window
	SignedIn     int `json:"signedIn"`     // of those, with a signed-in user
	Sockets      int `json:"sockets"`      // live sockets open (on every instance, with a Cluster)
}

// Minute is one minute's counts, by metric name.
type Minute struct {
	At     time.Time        `json:"at"`
	Counts map[string]int64 `json:"counts"`
}

// Payload is a metrics message's payload: a snapshot (Kind "snapshot", the
// last SnapshotMinutes minutes oldest first, the current one last) or an
// update (Kind "update": the current minute, preceded by the minute that has
// just ended when it did).
type Payload struct {
	Kind    string    `json:"kind"`
	At      time.Time `json:"at"`
	Now     Now       `json:"now"`
	Minutes []Minute  `json:"minutes"`
}

// SubscribeMetrics makes send receive retailerID's updates (at most one a
// second, only when something changed) until cancel is called, and returns
// the snapshot to send first. send is called from the Recorder's Tick and
// must not block.
func (r *Recorder) SubscribeMetrics(ctx context.Context, retailerID string, send func(payload []byte)) (snapshot []byte, cancel func(), err error) {
	now := r.cfg.Clock()
	m := web.MetricMinute(now)
	from := time.Unix((m-SnapshotMinutes+1)*60, 0)
	stored, err := r.store.MetricSeries(ctx, retailerID, from, time.Unix((m+1)*60, 0), time.Minute)
	if err != nil {
		return nil, nil, fmt.Errorf("metrics snapshot of %s: %w", retailerID, err)
	}
	minutes := make([]Minute, SnapshotMinutes)
	for i := range minutes {
		minutes[i] = Minute{At: time.Unix((m-SnapshotMinutes+1+int64(i))*60, 0).UTC(), Counts: map[string]int64{}}
	}
	for _, c := range stored {
		if i := int(web.MetricMinute(c.Minute) - (m - SnapshotMinutes + 1)); i >= 0 && i < len(minutes) {
			minutes[i].Counts[c.Name] = c.Value
		}
	}
	// What this instance holds and has not stored yet.
	r.mu.RLock()
	mem := make([]*bucket, 0, 2)
	if b := r.cur[retailerID]; b != nil {
		mem = append(mem, b)
	}
	for _, b := range r.done {
		if b.retailerID == retailerID {
			mem = append(mem, b)
		}
	}
	r.mu.RUnlock()
	for _, b := range mem {
		if i := int(b.minute - (m - SnapshotMinutes + 1)); i >= 0 && i < len(minutes) {
			for name, v := range b.counts() {
				mergeCount(minutes[i].Counts, name, v)
			}
		}
	}
	p := Payload{Kind: "snapshot", At: now.UTC(), Now: r.now(retailerID), Minutes: minutes}
	snapshot, err = json.Marshal(p)
	if err != nil {
		return nil, nil, err
	}
	s := &feedSub{send: send}
	r.feed.mu.Lock()
	if r.feed.subs[retailerID] == nil {
		r.feed.subs[retailerID] = map[*feedSub]struct{}{}
	}
	r.feed.subs[retailerID][s] = struct{}{}
	r.feed.mu.Unlock()
	var once sync.Once
	return snapshot, func() {
		once.Do(func() {
			r.feed.mu.Lock()
			delete(r.feed.subs[retailerID], s)
			if len(r.feed.subs[retailerID]) == 0 {
				delete(r.feed.subs, retailerID)
				delete(r.feed.last, retailerID)
			}
			r.feed.mu.Unlock()
		})
	}, nil
}

func mergeCount(m map[string]int64, name string, v int64) {
	if web.MetricIsMax(name) {
		if old, ok := m[name]; ok && old >= v {
			return
		}
		m[name] = v
		return
	}
	m[name] += v
}

// now returns retailerID's live state without sampling (the last Tick's
// presence is not needed: presence is read directly), the other instances'
// last heartbeats added.
func (r *Recorder) now(retailerID string) Now {
	n := Now{}
	at := r.cfg.Clock()
	r.presence.mu.Lock()
	for _, l := range r.presence.loads[retailerID] {
		if at.Sub(l.last) <= r.cfg.OpenWindow {
			n.PlannersOpen++
			if l.signedIn {
				n.SignedIn++
			}
		}
	}
	r.presence.mu.Unlock()
	if r.cfg.Sockets != nil {
		n.Sockets = r.cfg.Sockets()[retailerID]
	}
	return n.add(r.others(at)[retailerID])
}

// Tick samples the gauges (planners open, signed in, sockets) of every
// retailer into the current minute, with the other instances' last
// heartbeats added, and sends each followed retailer's update when it
// differs from the last one sent. Run calls it every second, after
// flushing a minute that has ended, so the update that follows a minute's
// end carries that minute as stored (every instance's counts).
func (r *Recorder) Tick() {
	if r == nil {
		return
	}
	now := r.cfg.Clock()
	m := web.MetricMinute(now)
	open := r.presence.sample(now, r.cfg.OpenWindow)
	var sockets map[string]int
	if r.cfg.Sockets != nil {
		sockets = r.cfg.Sockets()
	}
	others := r.others(now)
	for id, v := range open {
		o := others[id]
		r.gauge(id, GaugePlannersOpen, int64(v[0]+o.PlannersOpen))
		r.gauge(id, GaugeSignedIn, int64(v[1]+o.SignedIn))
	}
	for id, n := range sockets {
		r.gauge(id, GaugeSockets, int64(n+others[id].Sockets))
	}
	// Retailers open on other instances only.
	for id, o := range others {
		if _, ok := open[id]; !ok {
			r.gauge(id, GaugePlannersOpen, int64(o.PlannersOpen))
			r.gauge(id, GaugeSignedIn, int64(o.SignedIn))
		}
		if _, ok := sockets[id]; !ok && o.Sockets != 0 {
			r.gauge(id, GaugeSockets, int64(o.Sockets))
		}
	}

	r.feed.mu.Lock()
	ended := r.feed.minute != 0 && r.feed.minute != m
	prev := r.feed.minute
	r.feed.minute = m
	type target struct {
		id   string
		subs []*feedSub
	}
	var targets []target
	for id, set := range r.feed.subs {
		t := target{id: id}
		for s := range set {
			t.subs = append(t.subs, s)
		}
		targets = append(targets, t)
	}
	r.feed.mu.Unlock()

	for _, t := range targets {
		local := Now{PlannersOpen: open[t.id][0], SignedIn: open[t.id][1], Sockets: sockets[t.id]}
		p := Payload{Kind: "update", At: now.UTC(), Now: local.add(others[t.id])}
		if ended && prev < m {
			p.Minutes = append(p.Minutes, r.storedMinute(t.id, prev))
		}
		cur := Minute{At: time.Unix(m*60, 0).UTC(), Counts: map[string]int64{}}
		r.mu.RLock()
		b := r.cur[t.id]
		r.mu.RUnlock()
		if b != nil && b.minute == m {
			cur.Counts = b.counts()
		}
		p.Minutes = append(p.Minutes, cur)
		// Compared without the time, which changes every second.
		key, _ := json.Marshal(struct {
			Now     Now
			Minutes []Minute
		}{p.Now, p.Minutes})
		r.feed.mu.Lock()
		same := bytes.Equal(r.feed.last[t.id], key)
		if !same {
			if r.feed.last == nil {
				r.feed.last = map[string][]byte{}
			}
			if _, followed := r.feed.subs[t.id]; followed {
				r.feed.last[t.id] = key
			}
		}
		r.feed.mu.Unlock()
		if same {
			continue
		}
		msg, err := json.Marshal(p)
		if err != nil {
			continue
		}
		for _, s := range t.subs {
			s.send(msg)
		}
	}
}

// storedMinute reads one finished minute of retailerID from the store, with
// what this instance still holds of it (a failed flush) added.
func (r *Recorder) storedMinute(retailerID string, m int64) Minute {
	out := Minute{At: time.Unix(m*60, 0).UTC(), Counts: map[string]int64{}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, err := r.store.MetricSeries(ctx, retailerID, out.At, out.At.Add(time.Minute), time.Minute)
	if err != nil {
		r.log.Warn("retailer metrics: read the minute that ended", "retailer", retailerID, "err", err)
	}
	for _, c := range rows {
		out.Counts[c.Name] = c.Value
	}
	r.mu.RLock()
	var mem []*bucket
	for _, b := range r.done {
		if b.retailerID == retailerID && b.minute == m {
			mem = append(mem, b)
		}
	}
	if b := r.cur[retailerID]; b != nil && b.minute == m {
		mem = append(mem, b)
	}
	r.mu.RUnlock()
	for _, b := range mem {
		for name, v := range b.counts() {
			mergeCount(out.Counts, name, v)
		}
	}
	return out
}
