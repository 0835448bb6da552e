package retailermetrics

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/roomplanner/planner/web/clocktest"
)

// memCluster is a Cluster in memory, shared by the Recorders of a test as
// the instances share their database; web/postgres holds the real one and
// its own tests.
type memCluster struct {
	mu    sync.Mutex
	rows  map[string]memRow // by instance
	puts  int
	err   error  // returned by every call while set
	onPut func() // called after each stored heartbeat, if set
}

type memRow struct {
	at     time.Time
	gauges map[string]Now
}

func (m *memCluster) PutInstanceGauges(_ context.Context, instance string, at time.Time, gauges map[string]Now) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	m.puts++
	if m.rows == nil {
		m.rows = map[string]memRow{}
	}
	g := map[string]Now{}
	for id, n := range gauges {
		g[id] = n
	}
	m.rows[instance] = memRow{at: at, gauges: g}
	if m.onPut != nil {
		m.onPut()
	}
	return nil
}

func (m *memCluster) InstanceGauges(_ context.Context, except string, since time.Time) (map[string]Now, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return nil, m.err
	}
	out := map[string]Now{}
	for in, row := range m.rows {
		if in == except || !row.at.After(since) {
			continue
		}
		for id, n := range row.gauges {
			out[id] = out[id].add(n)
		}
	}
	return out, nil
}

func (m *memCluster) DeleteInstanceGauges(_ context.Context, instance string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.rows, instance)
	return nil
}

func (m *memCluster) PurgeInstanceGauges(_ context.Context, before time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for in, row := range m.rows {
		if row.at.Before(before) {
			delete(m.rows, in)
		}
	}
	return nil
}

func (m *memCluster) setErr(err error) {
	m.mu.Lock()
	m.err = err
	m.mu.Unlock()
}

// TestClusterGauges: two instances' gauges add up in each one's snapshot,
// updates and stored minute; an instance that stops its heartbeat drops out
// after GaugeTTL; an idle instance writes nothing.
func TestClusterGauges(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	clock := clocktest.New(t0.Add(30 * time.Second))
	mc := &memCluster{}
	instance := func(name string, sockets int) *Recorder {
		return New(st, Config{Clock: clock.Now, Cluster: mc, Instance: name, HeartbeatInterval: time.Second, GaugeTTL: 5 * time.Second,
			Sockets: func() map[string]int { return map[string]int{"le_a": sockets} }})
	}
	a, b := instance("a", 2), instance("b", 1)
	a.Record("le_a", true, Batch{Load: "load-on-a-aaaaaaaa", Opened: true})
	b.Record("le_a", false, Batch{Load: "load-on-b-bbbbbbbb", Opened: true})
	for _, r := range []*Recorder{a, b, a} {
		if err := r.Heartbeat(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	want := Now{PlannersOpen: 2, SignedIn: 1, Sockets: 3}
	for name, r := range map[string]*Recorder{"a": a, "b": b} {
		if n := r.now("le_a"); n != want {
			t.Errorf("%s: now = %+v, want %+v", name, n, want)
		}
	}

	var got [][]byte
	snap, cancel, err := b.SubscribeMetrics(t.Context(), "le_a", func(p []byte) { got = append(got, p) })
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	var p Payload
	if err := json.Unmarshal(snap, &p); err != nil {
		t.Fatal(err)
	}
	if p.Now != want {
		t.Errorf("snapshot on b: now = %+v, want %+v", p.Now, want)
	}
	b.Tick()
	if len(got) != 1 {
		t.Fatalf("tick sent %d updates, want 1", len(got))
	}
	if err := json.Unmarshal(got[0], &p); err != nil {
		t.Fatal(err)
	}
	if p.Now != want || p.Minutes[0].Counts[GaugeSockets] != 3 || p.Minutes[0].Counts[GaugePlannersOpen] != 2 {
		t.Errorf("update on b = %s, want now %+v and the minute's gauges at the sums", got[0], want)
	}

	// a stops (killed: no heartbeat, nothing deleted). Until GaugeTTL has
	// passed since its last heartbeat it still counts; then it drops out.
	clock.Advance(4 * time.Second)
	if err := b.Heartbeat(t.Context()); err != nil {
		t.Fatal(err)
	}
	b.Tick()
	if n := b.now("le_a"); n != want {
		t.Errorf("b, 4 s after a's last heartbeat: now = %+v, want %+v", n, want)
	}
	clock.Advance(time.Second)
	if err := b.Heartbeat(t.Context()); err != nil {
		t.Fatal(err)
	}
	b.Tick()
	alone := Now{PlannersOpen: 1, Sockets: 1}
	if n := b.now("le_a"); n != alone {
		t.Errorf("b, after a's heartbeat expired: now = %+v, want its own %+v", n, alone)
	}
	if err := json.Unmarshal(got[len(got)-1], &p); err != nil {
		t.Fatal(err)
	}
	if p.Now != alone {
		t.Errorf("b's last update: now = %+v, want %+v", p.Now, alone)
	}

	// An instance with nothing open says so once, then writes nothing.
	idle := New(st, Config{Clock: clock.Now, Cluster: mc, Instance: "idle"})
	mc.mu.Lock()
	before := mc.puts
	mc.mu.Unlock()
	for range 3 {
		if err := idle.Heartbeat(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	mc.mu.Lock()
	if mc.puts != before {
		t.Errorf("an idle instance wrote %d heartbeats, want none", mc.puts-before)
	}
	mc.mu.Unlock()
}

// TestClusterUnreachable: while the database fails, an instance keeps the
// others' last gauges for GaugeTTL, then shows its own only.
func TestClusterUnreachable(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	clock := clocktest.New(t0)
	mc := &memCluster{}
	cfg := func(name string, sockets int) Config {
		return Config{Clock: clock.Now, Cluster: mc, Instance: name, HeartbeatInterval: time.Second, GaugeTTL: 4 * time.Second,
			Sockets: func() map[string]int { return map[string]int{"le_a": sockets} }}
	}
	a, b := New(st, cfg("a", 4)), New(st, cfg("b", 1))
	for _, r := range []*Recorder{a, b} {
		if err := r.Heartbeat(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if n := b.now("le_a"); n.Sockets != 5 {
		t.Fatalf("b: sockets = %d, want 5", n.Sockets)
	}
	down := errors.New("connection refused")
	mc.setErr(down)
	clock.Advance(3 * time.Second)
	if err := b.Heartbeat(t.Context()); !errors.Is(err, down) {
		t.Errorf("heartbeat with the database down: %v, want %v", err, down)
	}
	if n := b.now("le_a"); n.Sockets != 5 {
		t.Errorf("b, 3 s into the outage: sockets = %d, want the last known 5", n.Sockets)
	}
	clock.Advance(2 * time.Second)
	if n := b.now("le_a"); n.Sockets != 1 {
		t.Errorf("b, past GaugeTTL into the outage: sockets = %d, want its own 1", n.Sockets)
	}
}

// TestClusterShutdown: Run writes a heartbeat at once and deletes it when
// it stops, so a clean shutdown leaves the totals without waiting GaugeTTL.
func TestClusterShutdown(t *testing.T) {
	t.Parallel()
	put := make(chan struct{}, 100)
	mc := &memCluster{onPut: func() { put <- struct{}{} }}
	r := New(openStore(t), Config{Cluster: mc, Instance: "a", Sockets: func() map[string]int { return map[string]int{"le_a": 1} }})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	select {
	case <-put:
	case <-time.After(5 * time.Second):
		t.Fatal("Run wrote no heartbeat within 5 s")
	}
	cancel()
	<-done
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if _, ok := mc.rows["a"]; ok {
		t.Error("the heartbeat is still there after Run returned")
	}
}
