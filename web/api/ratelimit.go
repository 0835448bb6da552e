package api

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// keyedLimiter is a token bucket per key with a bounded number of keys:
// idle buckets (full again) are dropped when the map grows.
type keyedLimiter struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	clock   func() time.Time
	buckets map[string]*rate.Limiter
	max     int
}

func newKeyedLimiter(limit rate.Limit, burst int, clock func() time.Time) *keyedLimiter {
	return &keyedLimiter{limit: limit, burst: burst, clock: clock, buckets: map[string]*rate.Limiter{}, max: 10000}
}

// allow takes one token from key's bucket. When none is left it returns
// false and how long until one is.
func (l *keyedLimiter) allow(key string) (bool, time.Duration) {
	now := l.clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			l.sweep(now)
		}
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep drops buckets that are full again (they behave like new ones), or,
// if none is, an arbitrary half, so memory stays bounded under key spraying.
func (l *keyedLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.max/2 {
			break
		}
		delete(l.buckets, k)
	}
}

// retryAfterSeconds rounds a wait up to whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) int {
	return int(math.Max(1, math.Ceil(d.Seconds())))
}
