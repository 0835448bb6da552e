package bff

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxLimiterKeys bounds each limiter's map, so spraying keys (IPs, cookies)
// cannot grow memory without end.
const maxLimiterKeys = 10000

// keyedLimiter is a token bucket per key. Buckets that are full again behave
// like new ones, so they are evicted when the map reaches its bound.
type keyedLimiter struct {
	limit rate.Limit
	burst int
	clock func() time.Time
	max   int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// newKeyedLimiter returns nil (no limit) when perSecond is negative.
func newKeyedLimiter(perSecond float64, burst int, clock func() time.Time) *keyedLimiter {
	if perSecond < 0 {
		return nil
	}
	return &keyedLimiter{limit: rate.Limit(perSecond), burst: burst, clock: clock, max: maxLimiterKeys, buckets: map[string]*rate.Limiter{}}
}

// allow takes a token from key's bucket; when none is left it returns false
// and how long until one is.
func (l *keyedLimiter) allow(key string) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	now := l.clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// evict drops idle buckets (full again); if too few are, it drops arbitrary
// ones down to half the bound: their owners merely get a fresh burst.
func (l *keyedLimiter) evict(now time.Time) {
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

func (l *keyedLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// retryAfterSeconds rounds a wait up to whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) int {
	return int(max(1, math.Ceil(d.Seconds())))
}
