package postgres

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomplanner/planner/web/retailermetrics"
)

// TestInstanceGauges: each instance's heartbeat replaces its own rows; the
// sums leave out the asking instance and heartbeats not after since; a
// deleted or purged instance is gone.
func TestInstanceGauges(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	ctx := t.Context()
	t0 := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	type now = retailermetrics.Now
	put := func(instance string, at time.Time, g map[string]now) {
		t.Helper()
		if err := s.PutInstanceGauges(ctx, instance, at, g); err != nil {
			t.Fatalf("PutInstanceGauges(%s): %v", instance, err)
		}
	}
	sums := func(except string, since time.Time) map[string]now {
		t.Helper()
		got, err := s.InstanceGauges(ctx, except, since)
		if err != nil {
			t.Fatalf("InstanceGauges: %v", err)
		}
		return got
	}
	put("a", t0, map[string]now{"le_x": {PlannersOpen: 3, SignedIn: 1, Sockets: 2}, "le_y": {Sockets: 1}})
	put("b", t0.Add(time.Second), map[string]now{"le_x": {PlannersOpen: 1, Sockets: 4}, "le_z": {}})
	put("c", t0.Add(2*time.Second), map[string]now{"le_x": {SignedIn: 5}})

	want := map[string]now{"le_x": {PlannersOpen: 4, SignedIn: 1, Sockets: 6}, "le_y": {Sockets: 1}}
	if d := cmp.Diff(want, sums("c", t0.Add(-time.Second))); d != "" {
		t.Errorf("sums but c's (-want +got):\n%s", d)
	}
	// a's heartbeat is not after since: it no longer counts.
	if d := cmp.Diff(map[string]now{"le_x": {PlannersOpen: 1, SignedIn: 5, Sockets: 4}}, sums("", t0)); d != "" {
		t.Errorf("sums after a's heartbeat (-want +got):\n%s", d)
	}
	// A new heartbeat of a replaces its rows: le_y is no longer open there.
	put("a", t0.Add(3*time.Second), map[string]now{"le_x": {Sockets: 1}})
	if d := cmp.Diff(map[string]now{"le_x": {Sockets: 1}}, sums("b", t0.Add(2*time.Second))); d != "" {
		t.Errorf("after a's second heartbeat (-want +got):\n%s", d)
	}
	if err := s.DeleteInstanceGauges(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.PurgeInstanceGauges(ctx, t0.Add(1500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]now{"le_x": {SignedIn: 5}}, sums("", time.Time{})); d != "" {
		t.Errorf("after deleting a and purging b (-want +got):\n%s", d)
	}
}
