package bff

import (
	"sync"
	"time"
)

// Breaker states, as the metrics report them.
const (
	breakerClosed   = 0
	breakerOpen     = 1
	breakerHalfOpen = 2
)

// breakerFirstCooldown is how long the breaker stays open the first time it
// opens after being closed; each failed probe doubles it, up to the cap.
const breakerFirstCooldown = time.Second

// breaker is a consecutive-failure circuit breaker. Closed, it lets every
// call through; after threshold failures in a row it opens and refuses calls
// for a cooldown; then it lets one probe through (half-open): success closes
// it, failure opens it again for twice as long, up to maxCooldown.
//
// The cooldown backs off rather than being fixed so that recovery is
// prompt: with a fixed 30 s cooldown an outage of a few seconds became 30 s
// of 503s (found by the soak harness, e2e/soak). Doubling from 1 s notices
// the API is back within about the outage's own length again, while a long
// outage still costs the API only one probe per maxCooldown.
type breaker struct {
	threshold   int
	maxCooldown time.Duration
	clock       func() time.Time
	onChange    func(from, to int)

	mu        sync.Mutex
	state     int
	failures  int
	openUntil time.Time
	probing   bool
	reopens   int // openings since the breaker was last closed, less one
}

func newBreaker(threshold int, maxCooldown time.Duration, clock func() time.Time, onChange func(from, to int)) *breaker {
	return &breaker{threshold: threshold, maxCooldown: maxCooldown, clock: clock, onChange: onChange}
}

// cooldown is the length of the next opening: breakerFirstCooldown doubled
// per failed probe since the breaker was closed, at most maxCooldown.
func (b *breaker) cooldown() time.Duration {
	d := min(breakerFirstCooldown, b.maxCooldown)
	for i := 0; i < b.reopens && d < b.maxCooldown; i++ {
		d *= 2
	}
	return min(d, b.maxCooldown)
}

// allow reports whether a call may go out now and, when it may, whether it
// is the half-open probe; when not, how long until a call may. The caller
// hands probe back to record or release.
func (b *breaker) allow() (ok, probe bool, wait time.Duration) {
	now := b.clock()
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case breakerOpen:
		if now.Before(b.openUntil) {
			return false, false, b.openUntil.Sub(now)
		}
		b.set(breakerHalfOpen)
		b.probing = true
		return true, true, 0
	case breakerHalfOpen:
		if b.probing {
			// One probe at a time; the others wait for its verdict.
			return false, false, time.Second
		}
		b.probing = true
		return true, true, 0
	}
	return true, false, 0
}

// record reports the outcome of a call that allow let through; probe is what
// allow said of it. A failure is a call that says nothing good about the
// API's health (network error, timeout, 5xx, bad credentials); anything else
// counts as success.
//
// Once the breaker has left the closed state only the probe's verdict counts:
// a call let through while it was closed and ending after it opened was sent
// before the failures that opened it, so it neither closes the breaker nor
// ends (or restarts) the probe's turn.
func (b *breaker) record(probe, failed bool) {
	now := b.clock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state != breakerClosed && !probe {
		return
	}
	if probe {
		b.probing = false
	}
	if !failed {
		b.failures = 0
		b.reopens = 0
		b.set(breakerClosed)
		return
	}
	b.failures++
	switch {
	case b.state == breakerHalfOpen:
		b.reopens++
		b.openUntil = now.Add(b.cooldown())
		b.set(breakerOpen)
	case b.failures >= b.threshold:
		b.openUntil = now.Add(b.cooldown())
		b.set(breakerOpen)
	}
}

// waitLeft is how long the breaker stays open, 0 when it is not.
func (b *breaker) waitLeft() time.Duration {
	now := b.clock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == breakerOpen && now.Before(b.openUntil) {
		return b.openUntil.Sub(now)
	}
	return 0
}

// release gives back a call that allow let through but that ended without
// a verdict on the API (the BFF is shutting down); a probe's turn passes to
// the next call.
func (b *breaker) release(probe bool) {
	if !probe {
		return
	}
	b.mu.Lock()
	b.probing = false
	b.mu.Unlock()
}

// current is the state for metrics: an open breaker whose cooldown is over
// reports half-open, as the next call will probe.
func (b *breaker) current() int {
	now := b.clock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == breakerOpen && !now.Before(b.openUntil) {
		return breakerHalfOpen
	}
	return b.state
}

func (b *breaker) set(to int) {
	if from := b.state; from != to {
		b.state = to
		if b.onChange != nil {
			b.onChange(from, to)
		}
	}
}
