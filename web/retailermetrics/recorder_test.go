package retailermetrics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/clocktest"
	"github.com/roomplanner/planner/web/secretbox"
	"github.com/roomplanner/planner/web/sqlite"
)

// t0 is a whole minute.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// openStore opens a real SQLite store in t's temporary directory.
func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	box, err := secretbox.New(bytes.Repeat([]byte{7}, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "planner.db"), box)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// series reads retailerID's per-minute counts from minute a to b (exclusive)
// as minute offset → name → value.
func series(t *testing.T, s Store, retailerID string, a, b int) map[int]map[string]int64 {
	t.Helper()
	rows, err := s.MetricSeries(t.Context(), retailerID, t0.Add(time.Duration(a)*time.Minute), t0.Add(time.Duration(b)*time.Minute), time.Minute)
	if err != nil {
		t.Fatalf("MetricSeries: %v", err)
	}
	out := map[int]map[string]int64{}
	for _, r := range rows {
		m := int(r.Minute.Sub(t0) / time.Minute)
		if out[m] == nil {
			out[m] = map[string]int64{}
		}
		out[m][r.Name] = r.Value
	}
	return out
}

func TestMinuteBoundaries(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	clock := clocktest.New(t0.Add(58 * time.Second))
	r := New(st, Config{Clock: clock.Now})

	r.Add("le_a", BasketSent, 1)
	clock.Advance(time.Second) // 12:00:59.000
	r.Add("le_a", BasketSent, 1)
	r.Add("le_b", MeChecks, 4)
	clock.Advance(time.Second) // 12:01:00.000 belongs to the next minute
	r.Add("le_a", BasketSent, 5)

	// A flush stores finished minutes only.
	if err := r.Flush(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	want := map[int]map[string]int64{0: {"basket.sent": 2}}
	if d := cmp.Diff(want, series(t, st, "le_a", 0, 2)); d != "" {
		t.Errorf("after the first flush (-want +got):\n%s", d)
	}
	if got := series(t, st, "le_b", 0, 2); got[0]["me"] != 4 {
		t.Errorf("le_b minute 0 = %v, want me 4", got)
	}
	// Flushing again stores nothing twice.
	if err := r.Flush(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	if err := r.Flush(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	want = map[int]map[string]int64{0: {"basket.sent": 2}, 1: {"basket.sent": 5}}
	if d := cmp.Diff(want, series(t, st, "le_a", 0, 3)); d != "" {
		t.Errorf("after the minute ended (-want +got):\n%s", d)
	}
}

func TestFlushAllAtShutdown(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	clock := clocktest.New(t0.Add(10 * time.Second))
	r := New(st, Config{Clock: clock.Now})
	r.Add("le_a", ProjectsSaved, 3)
	if err := r.Flush(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if got := series(t, st, "le_a", 0, 1); got[0]["projects.saved"] != 3 {
		t.Errorf("after the final flush = %v, want projects.saved 3", got)
	}
}

// failingStore fails AddMetrics while fail is set.
type failingStore struct {
	Store
	mu   sync.Mutex
	fail bool
}

func (f *failingStore) AddMetrics(ctx context.Context, c []web.MetricCount) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return errors.New("database is down")
	}
	return f.Store.AddMetrics(ctx, c)
}

func TestFlushKeepsMinutesTheStoreRefused(t *testing.T) {
	t.Parallel()
	st := &failingStore{Store: openStore(t), fail: true}
	clock := clocktest.New(t0)
	r := New(st, Config{Clock: clock.Now})
	r.Add("le_a", BasketSent, 2)
	clock.Advance(time.Minute)
	if err := r.Flush(t.Context(), false); err == nil {
		t.Fatal("Flush into a failing store said nothing")
	}
	r.Add("le_a", BasketSent, 1) // minute 1
	st.fail = false
	clock.Advance(time.Minute)
	if err := r.Flush(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	want := map[int]map[string]int64{0: {"basket.sent": 2}, 1: {"basket.sent": 1}}
	if d := cmp.Diff(want, series(t, st, "le_a", 0, 3)); d != "" {
		t.Errorf("after the store came back (-want +got):\n%s", d)
	}
}

func TestRetention(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	clock := clocktest.New(t0)
	r := New(st, Config{Clock: clock.Now})
	r.Add("le_a", BasketSent, 1) // minute 0
	clock.Advance(time.Minute)
	r.Add("le_a", BasketSent, 2) // minute 1
	clock.Advance(time.Minute)
	if err := r.Flush(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	// 90 days after minute 1 began, minute 0 is past retention; minute 1 is not.
	clock.Set(t0.Add(time.Minute + web.MetricRetention))
	if err := r.Purge(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := map[int]map[string]int64{1: {"basket.sent": 2}}
	if d := cmp.Diff(want, series(t, st, "le_a", 0, 3)); d != "" {
		t.Errorf("after the purge (-want +got):\n%s", d)
	}
}

func TestConcurrentAddsAreNotLost(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	clock := clocktest.New(t0)
	r := New(st, Config{Clock: clock.Now})
	var wg sync.WaitGroup
	const workers, each = 8, 2000
	for range workers {
		wg.Go(func() {
			for range each {
				r.Add("le_a", ProductAdded, 1)
			}
		})
	}
	// Minutes end and flush while the adds run.
	for range 5 {
		clock.Advance(time.Minute)
		if err := r.Flush(t.Context(), false); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if err := r.Flush(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, m := range series(t, st, "le_a", 0, 10) {
		total += m["product.added"]
	}
	if total != workers*each {
		t.Errorf("stored %d product.added, want %d", total, workers*each)
	}
}

func TestRecordBatch(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	clock := clocktest.New(t0)
	r := New(st, Config{Clock: clock.Now})
	load := "abcdefghijklmnop"
	b, err := ParseBatch([]byte(`{"load":"` + load + `","events":[{"type":"planner.opened"},{"type":"product.added","count":3},
		{"type":"basket.sent","lines":2,"value":12900,"currency":"EUR"},{"type":"basket.sent","lines":1,"value":100,"currency":"EUR"},
		{"type":"token.expired","heldCalls":2,"holdMs":1500},{"type":"held.failed","count":1},{"type":"auth.failed","reason":"invalid_token"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	r.Record("le_a", false, b)
	// The same load again, now signed in, opened again (a replay): opened
	// counts once, the sign-in once.
	r.Record("le_a", true, Batch{Load: load, Opened: true})
	r.Record("le_a", true, Batch{Load: load, Heartbeat: true})
	if n := r.now("le_a"); n != (Now{PlannersOpen: 1, SignedIn: 1}) {
		t.Errorf("now = %+v, want one planner open, signed in", n)
	}
	r.Tick()
	clock.Advance(time.Minute)
	if err := r.Flush(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		"planner.opened": 1, "visitors.signed_in": 1, "product.added": 3, "basket.sent": 2, "basket.lines": 3,
		"basket.value.EUR": 13000, "expiry.episodes": 1, "expiry.held_calls": 2, "expiry.hold_ms": 1500,
		"expiry.hold_le_2s": 1, "held.failed": 1, "auth.invalid_token": 1,
		"max.planners_open": 1, "max.signed_in": 1,
	}
	if d := cmp.Diff(want, series(t, st, "le_a", 0, 1)[0]); d != "" {
		t.Errorf("stored minute (-want +got):\n%s", d)
	}
	// Quiet past the open window: no longer open. Closed: gone at once.
	clock.Advance(2 * time.Minute)
	if n := r.now("le_a"); n.PlannersOpen != 0 {
		t.Errorf("after the open window: %+v, want none open", n)
	}
	r.Record("le_a", false, Batch{Load: "qrstuvwxyzabcdef", Opened: true})
	r.Record("le_a", false, Batch{Load: "qrstuvwxyzabcdef", Closed: true})
	if n := r.now("le_a"); n.PlannersOpen != 0 {
		t.Errorf("after planner.closed: %+v, want none open", n)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(t0)
	r := New(openStore(t), Config{Clock: clock.Now, Limits: Limits{PerRetailerPerSecond: 1, PerRetailerBurst: 10}})
	// One load: 6 batches, then refused until a tenth of a minute passes.
	for i := range 6 {
		if ok, _ := r.Allow("le_a", "jti1", "load-one-aaaaaaaa"); !ok {
			t.Fatalf("batch %d of one load refused", i+1)
		}
	}
	ok, wait := r.Allow("le_a", "jti1", "load-one-aaaaaaaa")
	if ok || wait <= 0 || wait > 10*time.Second {
		t.Errorf("7th batch of one load: ok %v wait %s, want refused for at most 10 s", ok, wait)
	}
	// A flood of fresh load ids spends the retailer's budget (4 left), not
	// another retailer's.
	refused := 0
	for i := range 20 {
		if ok, _ := r.Allow("le_a", "jti2", "flood-"+string(rune('a'+i))+"-aaaaaaaaaa"); !ok {
			refused++
		}
	}
	if refused != 16 {
		t.Errorf("flood: %d refused, want 16", refused)
	}
	if ok, _ := r.Allow("le_b", "jti3", "load-b-aaaaaaaaaa"); !ok {
		t.Error("another retailer was refused during le_a's flood")
	}
	r.mu.RLock()
	got := r.cur["le_a"].n[EventsRefused].Load()
	r.mu.RUnlock()
	if got != 17 {
		t.Errorf("events.refused = %d, want 17", got)
	}
}

func TestFeed(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	clock := clocktest.New(t0.Add(30 * time.Second))
	sockets := map[string]int{"le_a": 2}
	var smu sync.Mutex
	r := New(st, Config{Clock: clock.Now, Sockets: func() map[string]int {
		smu.Lock()
		defer smu.Unlock()
		return map[string]int{"le_a": sockets["le_a"]}
	}})
	// An earlier minute, stored, shows in the snapshot.
	if err := st.AddMetrics(t.Context(), []web.MetricCount{{RetailerID: "le_a", Minute: t0.Add(-10 * time.Minute), Name: "basket.sent", Value: 7}}); err != nil {
		t.Fatal(err)
	}
	r.Add("le_a", ProductAdded, 2)
	r.Add("le_b", ProductAdded, 99)
	var got [][]byte
	snap, cancel, err := r.SubscribeMetrics(t.Context(), "le_a", func(p []byte) { got = append(got, p) })
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	var p Payload
	if err := json.Unmarshal(snap, &p); err != nil {
		t.Fatal(err)
	}
	if p.Kind != "snapshot" || len(p.Minutes) != SnapshotMinutes || p.Now.Sockets != 2 {
		t.Fatalf("snapshot kind %q, %d minutes, now %+v; want snapshot, %d, 2 sockets", p.Kind, len(p.Minutes), p.Now, SnapshotMinutes)
	}
	last := p.Minutes[SnapshotMinutes-1]
	if !last.At.Equal(t0) || last.Counts["product.added"] != 2 {
		t.Errorf("snapshot's last minute = %+v, want %s with product.added 2 (le_b's 99 not)", last, t0)
	}
	if c := p.Minutes[SnapshotMinutes-11]; !c.At.Equal(t0.Add(-10*time.Minute)) || c.Counts["basket.sent"] != 7 {
		t.Errorf("snapshot 10 minutes back = %+v, want basket.sent 7", c)
	}

	r.Tick()
	if len(got) != 1 {
		t.Fatalf("first tick sent %d updates, want 1", len(got))
	}
	clock.Advance(time.Second)
	r.Tick()
	if len(got) != 1 {
		t.Errorf("a tick with nothing changed sent an update (%d in all)", len(got))
	}
	r.Add("le_b", ProductAdded, 1)
	clock.Advance(time.Second)
	r.Tick()
	if len(got) != 1 {
		t.Errorf("another retailer's change sent an update (%d in all)", len(got))
	}
	r.Add("le_a", BasketSent, 1)
	clock.Advance(time.Second)
	r.Tick()
	if len(got) != 2 {
		t.Fatalf("a change sent %d updates in all, want 2", len(got))
	}
	if err := json.Unmarshal(got[1], &p); err != nil {
		t.Fatal(err)
	}
	if p.Kind != "update" || len(p.Minutes) != 1 || p.Minutes[0].Counts["basket.sent"] != 1 {
		t.Errorf("update = %s, want the current minute with basket.sent 1", got[1])
	}

	// The minute ends: Run flushes, then the tick carries the ended minute
	// as stored, then the new one.
	clock.Advance(time.Minute)
	if err := r.Flush(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	r.Tick()
	if err := json.Unmarshal(got[len(got)-1], &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Minutes) != 2 || !p.Minutes[0].At.Equal(t0) || p.Minutes[0].Counts["product.added"] != 2 || p.Minutes[0].Counts["basket.sent"] != 1 {
		t.Errorf("update after the minute ended = %s, want minute %s as stored then the new one", got[len(got)-1], t0)
	}

	cancel()
	n := len(got)
	r.Add("le_a", BasketSent, 1)
	clock.Advance(time.Second)
	r.Tick()
	if len(got) != n {
		t.Error("an update was sent after cancel")
	}
}
