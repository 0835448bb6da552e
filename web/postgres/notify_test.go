package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/roomplanner/planner/web/clocktest"
	"github.com/roomplanner/planner/web/live"
)

// recorder is a live.Publisher that queues what it is given.
type recorder chan live.Event

func (r recorder) Publish(_ context.Context, e live.Event) error {
	r <- e
	return nil
}

// next returns the next delivered event, failing t after a second.
func (r recorder) next(t *testing.T) live.Event {
	t.Helper()
	select {
	case e := <-r:
		return e
	case <-time.After(time.Second):
		t.Fatal("no event delivered within a second")
		return live.Event{}
	}
}

// listening starts a notifier on st delivering to a new recorder.
func listening(t *testing.T, st *Store, cfg NotifierConfig, log *slog.Logger) (*Notifier, recorder) {
	t.Helper()
	rec := make(recorder, 100)
	n := st.NewNotifier(rec, cfg, log)
	if err := n.Listen(t.Context()); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() { n.Close() })
	return n, rec
}

func projectEvent(name, id string, version int64) live.Event {
	return live.Event{Topic: live.TopicProjects, Name: name, RetailerID: "le_1", UID: "alice", ID: id, Version: version, Title: "Kitchen"}
}

// withoutTitle is e as a notification delivers it.
func withoutTitle(e live.Event) live.Event {
	e.Title = ""
	return e
}

// TestNotifierDeliversEveryEventOnceEverywhere: an event published through
// one instance's notifier reaches its own listener and another instance's
// once each, with ids and versions but no project name, and what goes over
// the wire is that and nothing more.
func TestNotifierDeliversEveryEventOnceEverywhere(t *testing.T) {
	t.Parallel()
	st, dbURL := openTest(t)
	other, err := Open(t.Context(), dbURL, testBox(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	a, recA := listening(t, st, NotifierConfig{}, nil)
	_, recB := listening(t, other, NotifierConfig{}, nil)

	raw, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close(context.Background()) })
	if _, err := raw.Exec(t.Context(), "LISTEN "+DefaultNotifyChannel); err != nil {
		t.Fatal(err)
	}

	events := []live.Event{
		projectEvent(live.EventProjectCreated, "p1", 1),
		projectEvent(live.EventProjectUpdated, "p1", 2),
		live.ProjectDeletedEvent("le_1", "alice", "p1", 2),
		{Topic: live.TopicCatalog, Name: live.EventCatalogImported, RetailerID: "le_1", Products: 3, Categories: 1},
	}
	for _, e := range events {
		if err := a.Publish(t.Context(), e); err != nil {
			t.Fatalf("Publish(%s): %v", e.Name, err)
		}
	}
	for name, rec := range map[string]recorder{"own": recA, "other": recB} {
		for _, want := range events {
			if diff := cmp.Diff(withoutTitle(want), rec.next(t)); diff != "" {
				t.Errorf("%s instance delivered (-want +got):\n%s", name, diff)
			}
		}
	}
	wantKeys := [][]string{
		{"event", "id", "retailer", "topic", "uid", "version"},
		{"event", "id", "retailer", "topic", "uid", "version"},
		{"event", "id", "retailer", "topic", "uid", "version"},
		{"categories", "event", "products", "retailer", "topic"},
	}
	for i, want := range wantKeys {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		msg, err := raw.WaitForNotification(ctx)
		cancel()
		if err != nil {
			t.Fatalf("raw LISTEN: notification %d: %v", i, err)
		}
		var fields map[string]any
		if err := json.Unmarshal([]byte(msg.Payload), &fields); err != nil {
			t.Fatalf("payload %s: %v", msg.Payload, err)
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range fields {
				if !yield(k) {
					return
				}
			}
		})
		if !slices.Equal(keys, want) {
			t.Errorf("payload %s has keys %v, want %v (ids and versions only)", msg.Payload, keys, want)
		}
		if strings.Contains(msg.Payload, "Kitchen") {
			t.Errorf("payload %s carries the project's name", msg.Payload)
		}
	}
	// Exactly once: the next delivery is the next event.
	last := projectEvent(live.EventProjectUpdated, "p2", 7)
	if err := a.Publish(t.Context(), last); err != nil {
		t.Fatal(err)
	}
	for name, rec := range map[string]recorder{"own": recA, "other": recB} {
		if diff := cmp.Diff(withoutTitle(last), rec.next(t)); diff != "" {
			t.Errorf("%s instance: after the events (-want +got):\n%s", name, diff)
		}
	}
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestNotifierRefusesOversizedPayload: an event whose payload would pass
// PostgreSQL's limit is refused with a warning, not cut, and nothing else
// suffers.
func TestNotifierRefusesOversizedPayload(t *testing.T) {
	t.Parallel()
	st, _ := openTest(t)
	var logs syncBuffer
	n, rec := listening(t, st, NotifierConfig{}, slog.New(slog.NewTextHandler(&logs, nil)))
	big := projectEvent(live.EventProjectUpdated, "p1", 2)
	big.UID = strings.Repeat("u", MaxNotifyPayload)
	if err := n.Publish(t.Context(), big); err == nil {
		t.Fatal("Publish of an oversized event = nil error")
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "over PostgreSQL's limit") {
		t.Errorf("log %q, want a warning about the limit", logs.String())
	}
	if strings.Contains(logs.String(), big.UID) {
		t.Error("the warning quotes the oversized field")
	}
	// Just under the limit is sent whole.
	fits := projectEvent(live.EventProjectUpdated, "p1", 3)
	p, _ := NotifyPayload(fits)
	fits.UID += strings.Repeat("u", MaxNotifyPayload-len(p))
	if p, err := NotifyPayload(fits); err != nil || len(p) != MaxNotifyPayload {
		t.Fatalf("NotifyPayload = %d bytes, %v; want %d bytes", len(p), err, MaxNotifyPayload)
	}
	if err := n.Publish(t.Context(), fits); err != nil {
		t.Fatalf("Publish of a %d-byte payload: %v", MaxNotifyPayload, err)
	}
	if got := rec.next(t); got.Version != 3 || got.UID != fits.UID {
		t.Errorf("delivered %s v%d, want the largest event whole", got.Name, got.Version)
	}
}

// TestNotifierReconnects: a listener whose connection is terminated waits its
// backoff on the clock, listens again, then calls OnReconnect; later events
// arrive.
func TestNotifierReconnects(t *testing.T) {
	t.Parallel()
	st, dbURL := openTest(t)
	clock := clocktest.New(time.Time{})
	reconnected := make(chan struct{}, 1)
	n, rec := listening(t, st, NotifierConfig{Clock: clock, MinBackoff: time.Second, OnReconnect: func() { reconnected <- struct{}{} }}, nil)
	pid := n.BackendPID()
	if pid == 0 {
		t.Fatal("BackendPID() = 0 while listening")
	}
	admin, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	var app string
	if err := admin.QueryRow(t.Context(), `SELECT application_name FROM pg_stat_activity WHERE pid = $1`, pid).Scan(&app); err != nil || app != ListenerApplicationName {
		t.Errorf("listener's application_name = %q, %v; want %q", app, err, ListenerApplicationName)
	}
	if _, err := admin.Exec(t.Context(), `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	select {
	case <-clock.Armed(): // the backoff
	case <-time.After(5 * time.Second):
		t.Fatal("the listener armed no backoff timer after losing its connection")
	}
	select {
	case <-reconnected:
		t.Fatal("OnReconnect called before the backoff passed")
	default:
	}
	clock.Advance(time.Second)
	select {
	case <-reconnected:
	case <-time.After(5 * time.Second):
		t.Fatal("OnReconnect not called after the backoff")
	}
	if got := n.BackendPID(); got == 0 || got == pid {
		t.Errorf("BackendPID() = %d after reconnecting, want a new backend (was %d)", got, pid)
	}
	e := projectEvent(live.EventProjectUpdated, "p1", 5)
	if err := n.Publish(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(withoutTitle(e), rec.next(t)); diff != "" {
		t.Errorf("after reconnecting (-want +got):\n%s", diff)
	}
	if err := n.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if got := n.BackendPID(); got != 0 {
		t.Errorf("BackendPID() = %d after Close, want 0", got)
	}
}
