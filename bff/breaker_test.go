package bff

import (
	"testing"
	"time"

	"github.com/roomplanner/planner/web/clocktest"
)

// TestBreakerOnlyTheProbeDecides: a call let through while the breaker was
// closed and ending after it went half-open must neither close it nor end the
// probe's turn, whatever its outcome; only the probe's own verdict does.
func TestBreakerOnlyTheProbeDecides(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		staleFailed bool
	}{
		{"stale success", false},
		{"stale failure", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := clocktest.New(time.Time{})
			b := newBreaker(1, 10*time.Second, clock.Now, nil)
			admit := func(what string) bool {
				t.Helper()
				ok, probe, _ := b.allow()
				if !ok {
					t.Fatalf("%s: refused, want admitted", what)
				}
				return probe
			}
			stale := admit("the slow call, while closed")
			if stale {
				t.Fatal("a call admitted while closed is a probe")
			}
			b.record(admit("the failing call"), true)
			if got := b.current(); got != breakerOpen {
				t.Fatalf("state = %d, want open", got)
			}
			clock.Advance(10 * time.Second)
			probe := admit("the probe, after the cooldown")
			if !probe {
				t.Fatal("the first call after the cooldown is not the probe")
			}

			// The slow call from before the breaker opened ends now.
			b.record(stale, tt.staleFailed)
			if got := b.current(); got != breakerHalfOpen {
				t.Errorf("state after the stale call = %d, want half-open (only the probe decides)", got)
			}
			if ok, _, _ := b.allow(); ok {
				t.Fatal("a second call was let through while the probe is under way")
			}

			b.record(probe, false)
			if got := b.current(); got != breakerClosed {
				t.Errorf("state after the probe succeeded = %d, want closed", got)
			}
			if ok, probe, _ := b.allow(); !ok || probe {
				t.Errorf("after closing: allow = %v (probe %v), want a plain admission", ok, probe)
			}
		})
	}
}

// TestBreakerProbeFailureReopens: the probe's failure opens the breaker for
// another cooldown, and a released probe passes its turn on.
func TestBreakerProbeFailureReopens(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Time{})
	b := newBreaker(1, 10*time.Second, clock.Now, nil)
	_, p, _ := b.allow()
	b.record(p, true)
	clock.Advance(10 * time.Second)
	_, probe, _ := b.allow()
	b.release(probe) // shutting down: no verdict
	ok, probe, _ := b.allow()
	if !ok || !probe {
		t.Fatalf("after a released probe: allow = %v (probe %v), want the next probe", ok, probe)
	}
	b.record(probe, true)
	if ok, _, wait := b.allow(); ok || wait != 2*time.Second {
		t.Errorf("after the probe failed: allow = %v, wait %s; want refused for 2s (the first cooldown doubled)", ok, wait)
	}
}

// TestBreakerCooldownBacksOff: the first opening lasts 1 s, each failed probe
// doubles the cooldown up to the cap, and a successful probe starts over, so
// a short outage costs a short spell of fast failures, not the cap.
func TestBreakerCooldownBacksOff(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Time{})
	b := newBreaker(2, 10*time.Second, clock.Now, nil)
	fail := func(what string) {
		t.Helper()
		ok, probe, _ := b.allow()
		if !ok {
			t.Fatalf("%s: refused, want admitted", what)
		}
		b.record(probe, true)
	}
	// waitOut checks the breaker refuses for exactly want, then lets a probe through.
	waitOut := func(want time.Duration) {
		t.Helper()
		if ok, _, wait := b.allow(); ok || wait != want {
			t.Fatalf("open: allow = %v, wait %s; want refused for %s", ok, wait, want)
		}
		clock.Advance(want - time.Millisecond)
		if ok, _, _ := b.allow(); ok {
			t.Fatalf("admitted %s into a %s cooldown", want-time.Millisecond, want)
		}
		clock.Advance(time.Millisecond)
	}
	fail("first failure")
	fail("second failure: opens")
	for i, want := range []time.Duration{1, 2, 4, 8, 10, 10} {
		waitOut(want * time.Second)
		if i < 5 {
			fail("the probe")
		}
	}
	ok, probe, _ := b.allow()
	if !ok || !probe {
		t.Fatalf("after the capped cooldown: allow = %v (probe %v), want the probe", ok, probe)
	}
	b.record(probe, false)
	if got := b.current(); got != breakerClosed {
		t.Fatalf("state after a good probe = %d, want closed", got)
	}
	fail("a failure after recovery")
	fail("the next one: opens again")
	waitOut(time.Second) // backoff starts over
}

// TestBreakerShortCap: a cap below the first cooldown is the cooldown.
func TestBreakerShortCap(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Time{})
	b := newBreaker(1, 300*time.Millisecond, clock.Now, nil)
	for range 3 {
		ok, probe, _ := b.allow()
		if !ok {
			t.Fatal("refused after the cooldown")
		}
		b.record(probe, true)
		if _, _, wait := b.allow(); wait != 300*time.Millisecond {
			t.Fatalf("wait = %s, want 300ms", wait)
		}
		clock.Advance(300 * time.Millisecond)
	}
}
