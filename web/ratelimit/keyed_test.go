package ratelimit

import (
	"fmt"
	"testing"
	"time"

	"github.com/roomplanner/planner/web/clocktest"
)

// step is one Allow call, made after moving the clock on by advance.
type step struct {
	advance  time.Duration
	key      string
	wantOK   bool
	wantWait time.Duration
}

func TestAllow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		perSecond float64
		burst     int
		steps     []step
		wantLen   int
	}{
		{
			name: "burst, then a wait; each key has its own bucket", perSecond: 1, burst: 2,
			steps: []step{
				{key: "a", wantOK: true},
				{key: "a", wantOK: true},
				{key: "a", wantWait: time.Second},
				{key: "b", wantOK: true},
			},
			wantLen: 2,
		},
		{
			name: "refill at the rate", perSecond: 2, burst: 1,
			steps: []step{
				{key: "a", wantOK: true},
				{key: "a", wantWait: 500 * time.Millisecond},
				{advance: 200 * time.Millisecond, key: "a", wantWait: 300 * time.Millisecond},
				{advance: 300 * time.Millisecond, key: "a", wantOK: true},
				{key: "a", wantWait: 500 * time.Millisecond},
				// A refusal takes no token: a full interval later one is there.
				{advance: 500 * time.Millisecond, key: "a", wantOK: true},
			},
			wantLen: 1,
		},
		{
			name: "burst 0 never succeeds, with a finite wait", perSecond: 10, burst: 0,
			steps: []step{
				{key: "a", wantWait: time.Second},
				{advance: time.Hour, key: "a", wantWait: time.Second},
			},
			wantLen: 1,
		},
		{
			name: "negative rate is no limit", perSecond: -1, burst: 0,
			steps: []step{
				{key: "a", wantOK: true},
				{key: "a", wantOK: true},
				{key: "a", wantOK: true},
			},
			wantLen: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := clocktest.New(time.Time{})
			l := New(tt.perSecond, tt.burst, clock.Now)
			for i, s := range tt.steps {
				clock.Advance(s.advance)
				ok, wait := l.Allow(s.key)
				if ok != s.wantOK || wait != s.wantWait {
					t.Errorf("step %d: Allow(%q) = %v, %v; want %v, %v", i, s.key, ok, wait, s.wantOK, s.wantWait)
				}
			}
			if got := l.Len(); got != tt.wantLen {
				t.Errorf("Len() = %d, want %d", got, tt.wantLen)
			}
		})
	}
}

func TestNilAllowsEverything(t *testing.T) {
	t.Parallel()
	var l *Keyed
	if ok, wait := l.Allow("a"); !ok || wait != 0 {
		t.Errorf("Allow = %v, %v; want true, 0", ok, wait)
	}
	if got := l.Len(); got != 0 {
		t.Errorf("Len() = %d, want 0", got)
	}
}

func TestKeysBounded(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Time{})
	l := New(1, 2, clock.Now)
	l.max = 100
	for i := range 1000 {
		l.Allow(fmt.Sprintf("k%d", i))
	}
	if got := l.Len(); got > 100 {
		t.Errorf("limiter holds %d keys, want at most 100", got)
	}
	// Idle keys go first: after the buckets refill, a sweep drops them all.
	clock.Advance(time.Minute)
	for i := range 100 {
		l.Allow(fmt.Sprintf("new%d", i))
	}
	if got := l.Len(); got > 100 {
		t.Errorf("limiter holds %d keys, want at most 100", got)
	}
}

func TestEvictionKeepsBusyBuckets(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Time{})
	l := New(1, 2, clock.Now)
	l.max = 4
	// Empty "busy"'s bucket; take one token from three others.
	l.Allow("busy")
	l.Allow("busy")
	for _, k := range []string{"x", "y", "z"} {
		l.Allow(k)
	}
	// A second later the three are full again (idle), "busy" holds one token.
	clock.Advance(time.Second)
	// The map is full: the next new key evicts the idle ones, not "busy".
	l.Allow("new")
	if got := l.Len(); got != 2 {
		t.Errorf("Len() = %d after eviction, want 2 (busy and new)", got)
	}
	if ok, _ := l.Allow("busy"); !ok {
		t.Fatal("busy key refused its one remaining token")
	}
	if ok, _ := l.Allow("busy"); ok {
		t.Error("busy key got a fresh burst: its bucket was evicted")
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want int
	}{
		{0, 1},
		{time.Nanosecond, 1},
		{time.Second, 1},
		{time.Second + time.Millisecond, 2},
		{2500 * time.Millisecond, 3},
	}
	for _, tt := range tests {
		if got := RetryAfterSeconds(tt.d); got != tt.want {
			t.Errorf("RetryAfterSeconds(%s) = %d, want %d", tt.d, got, tt.want)
		}
	}
}

func TestTakeAndRefund(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Time{})
	l := New(1.0/30, 2, clock.Now)
	ok1, _, refund1 := l.Take("a")
	ok2, _, _ := l.Take("a")
	if !ok1 || !ok2 {
		t.Fatal("the burst of 2 was not taken")
	}
	if ok, wait, _ := l.Take("a"); ok || wait <= 0 {
		t.Fatalf("third Take = %v, %v; want refused with a wait", ok, wait)
	}
	refund1() // the first attempt turned out not to count
	refund1() // twice is once
	if ok, _, _ := l.Take("a"); !ok {
		t.Error("after a refund the token is not back")
	}
	if ok, _, _ := l.Take("a"); ok {
		t.Error("a second refund gave back a second token")
	}
	var none *Keyed
	if ok, _, refund := none.Take("x"); !ok {
		t.Error("a nil limiter refuses")
	} else {
		refund()
	}
}

// A refund made after time has passed (the attempt took a while) still
// gives the token back.
func TestRefundLater(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Time{})
	l := New(1.0/30, 1, clock.Now)
	_, _, refund := l.Take("a")
	clock.Advance(200 * time.Millisecond)
	refund()
	if ok, _, _ := l.Take("a"); !ok {
		t.Error("a refund 200ms after the Take did not give the token back")
	}
}
