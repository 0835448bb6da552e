// Package clocktest holds the one fake web.Clock the tests share: time moves
// only when a test moves it, and timers fire in the goroutine that moved it.
package clocktest

import (
	"sort"
	"sync"
	"time"

	"github.com/roomplanner/planner/web"
)

// Epoch is where New starts: a whole second, so test arithmetic stays exact.
var Epoch = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

var _ web.Clock = (*Clock)(nil)

// Clock is a settable web.Clock, safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	seq    int
	timers map[int]timer
	armed  chan struct{}
}

// timer is one AfterFunc waiting for the clock to reach at.
type timer struct {
	at  time.Time
	seq int
	f   func()
}

// New returns a clock at start (Epoch when start is zero).
func New(start time.Time) *Clock {
	if start.IsZero() {
		start = Epoch
	}
	return &Clock{now: start, timers: map[int]timer{}, armed: make(chan struct{}, 1024)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc arms a timer that calls f when Advance or Set moves the clock to d
// from now or later. Unlike time.AfterFunc, a timer armed with d <= 0 waits
// for the next move. Each call also sends on Armed, so a test can wait until
// the code under test has armed its timer.
func (c *Clock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	c.seq++
	id := c.seq
	c.timers[id] = timer{at: c.now.Add(d), seq: id, f: f}
	c.mu.Unlock()
	select {
	case c.armed <- struct{}{}:
	default:
	}
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		_, ok := c.timers[id]
		delete(c.timers, id)
		return ok
	}
}

// Armed receives one value per AfterFunc call (buffered; extra calls beyond
// the buffer are not counted).
func (c *Clock) Armed() <-chan struct{} { return c.armed }

// Pending is the number of armed timers that have neither fired nor stopped.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// Advance moves the clock on by d and runs the timers now due, in deadline
// order, before it returns, so what they start is under way by then.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	c.fire()
}

// Set moves the clock to t and runs the timers now due, as Advance does.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
	c.fire()
}

func (c *Clock) fire() {
	c.mu.Lock()
	var due []timer
	for id, t := range c.timers {
		if !c.now.Before(t.at) {
			due = append(due, t)
			delete(c.timers, id)
		}
	}
	c.mu.Unlock()
	sort.Slice(due, func(i, j int) bool {
		if !due[i].at.Equal(due[j].at) {
			return due[i].at.Before(due[j].at)
		}
		return due[i].seq < due[j].seq
	})
	for _, t := range due {
		t.f()
	}
}
