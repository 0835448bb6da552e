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

// breaker is a consecutive-failure circuit breaker. Closed, it lets every
// call through; after threshold failures in a row it opens and refuses calls
// for cooldown; then it lets one probe through (half-open): success closes
// it, failure opens it again.
type breaker struct {
	threshold int
	cooldown  time.Duration
	clock     func() time.Time
	onChange  func(from, to int)

	mu        sync.Mutex
	state     int
	failures  int
	openUntil time.Time
	probing   bool
}

func newBreaker(threshold int, cooldown time.Duration, clock func() time.Time, onChange func(from, to int)) *breaker {
	return &breaker{threshold: threshold, cooldown: cooldown, clock: clock, onChange: onChange}
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
		b.set(breakerClosed)
		return
	}
	b.failures++
	if b.state == breakerHalfOpen || b.failures >= b.threshold {
		b.openUntil = now.Add(b.cooldown)
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
