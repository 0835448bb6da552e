package signin

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomplanner/planner/web/clocktest"
)

// limits are the host site's: an address 10 failures then one per 6 s, an
// account 5 then one per 30 s.
var limits = Limits{AddrPerSecond: 1.0 / 6, AddrBurst: 10, AccountPerSecond: 1.0 / 30, AccountBurst: 5}

func TestThrottleCountsFailuresOnly(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Time{})
	th := NewThrottle(limits, clock.Now)
	// Right passwords, one after another, never run out.
	for i := range 20 {
		a, _ := th.Begin(t.Context(), "10.0.0.1", "alice")
		if a == nil {
			t.Fatalf("right password %d refused", i+1)
		}
		a.Done(false)
	}
	for i := range 5 {
		a, _ := th.Begin(t.Context(), "10.0.0.1", "alice")
		if a == nil {
			t.Fatalf("failure %d refused before the budget of 5", i+1)
		}
		a.Done(true)
	}
	// Spent, and nothing in flight: refused at once, from any address.
	for _, addr := range []string{"10.0.0.1", "10.0.0.2"} {
		if a, wait := th.Begin(t.Context(), addr, "alice"); a != nil || wait != 30*time.Second {
			t.Errorf("alice from %s after 5 failures: attempt %v, wait %v; want refused for 30 s", addr, a != nil, wait)
		}
	}
	if a, _ := th.Begin(t.Context(), "10.0.0.1", "bob"); a == nil {
		t.Error("bob refused for alice's failures")
	} else {
		a.Done(false)
	}
	clock.Advance(30 * time.Second)
	if a, _ := th.Begin(t.Context(), "10.0.0.1", "alice"); a == nil {
		t.Error("alice refused once the wait was over")
	}

	// One address spraying names stops after its 10.
	for i := range 10 {
		a, _ := th.Begin(t.Context(), "10.0.0.9", "user"+string(rune('a'+i)))
		if a == nil {
			t.Fatalf("spray %d refused", i+1)
		}
		a.Done(true)
	}
	if a, wait := th.Begin(t.Context(), "10.0.0.9", "carol"); a != nil || wait != 6*time.Second {
		t.Errorf("11th name from one address: attempt %v, wait %v; want refused for 6 s", a != nil, wait)
	}
}

// await receives from ch, failing t after 5 s.
func await[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s within 5 s", what)
		panic("unreachable")
	}
}

// A sign-in that finds the budget held by attempts in flight waits for them
// and passes once they give it back; it is refused once they keep it.
func TestThrottleWaitsForAttemptsInFlight(t *testing.T) {
	t.Parallel()
	th := NewThrottle(limits, clocktest.New(time.Time{}).Now)
	waiting := make(chan struct{}, 10)
	th.onWait = func() { waiting <- struct{}{} }
	held := make([]*Attempt, 5)
	for i := range held {
		if held[i], _ = th.Begin(t.Context(), "10.0.0.1", "alice"); held[i] == nil {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	got := make(chan *Attempt, 1)
	go func() { a, _ := th.Begin(t.Context(), "10.0.0.2", "alice"); got <- a }()
	await(t, waiting, "wait for the attempts in flight")
	held[0].Done(true) // a failure keeps its budget: still spent
	await(t, waiting, "second wait")
	held[1].Done(false)
	a := await(t, got, "attempt")
	if a == nil {
		t.Fatal("the 6th attempt was refused after one in flight gave its budget back")
	}
	a.Done(false)
	for _, h := range held[2:] {
		h.Done(true)
	}
	// Now 4 failures kept, 1 left; then none, nothing in flight: refused.
	last, _ := th.Begin(t.Context(), "10.0.0.3", "alice")
	if last == nil {
		t.Fatal("the last of the budget was refused")
	}
	last.Done(true)
	if a, _ := th.Begin(t.Context(), "10.0.0.3", "alice"); a != nil {
		t.Error("an attempt passed a spent budget with nothing in flight")
	}

	// The wait ends with the request.
	ctx, cancel := context.WithCancel(t.Context())
	hold, _ := th.Begin(t.Context(), "10.0.0.4", "dave")
	for range 4 {
		a, _ := th.Begin(t.Context(), "10.0.0.4", "dave")
		a.Done(true)
	}
	go func() { a, _ := th.Begin(ctx, "10.0.0.5", "dave"); got <- a }()
	await(t, waiting, "wait for the attempt in flight")
	cancel()
	if a := await(t, got, "answer"); a != nil {
		t.Error("a waiting attempt passed after its request ended")
	}
	hold.Done(false)
}

// Parallel sign-ins of one account from many addresses: right passwords
// all pass, however many more than the budget; wrong ones are checked only
// as often as the budget allows.
func TestThrottleParallel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		failed      bool
		wantChecked int64
	}{{"right passwords", false, 40}, {"wrong passwords", true, 5}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			th := NewThrottle(limits, clocktest.New(time.Time{}).Now)
			var checked atomic.Int64
			var wg sync.WaitGroup
			for i := range 40 {
				wg.Go(func() {
					a, _ := th.Begin(t.Context(), "10.1.0."+string(rune('a'+i)), "alice")
					if a == nil {
						return
					}
					checked.Add(1)
					time.Sleep(time.Millisecond) // the password check takes a while
					a.Done(tc.failed)
				})
			}
			wg.Wait()
			if n := checked.Load(); n != tc.wantChecked {
				t.Errorf("%d of 40 parallel attempts checked, want %d", n, tc.wantChecked)
			}
		})
	}
}
