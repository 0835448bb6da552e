// Package ratelimit holds the service's one keyed rate limiter: a token
// bucket per key (API key, client IP, session) with a bounded number of keys.
// The API's POST /v1/tokens and the BFF's token endpoint both use it.
package ratelimit

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// MaxKeys bounds the buckets one Keyed holds, so spraying keys (IPs,
// cookies, API keys) cannot grow memory without end.
const MaxKeys = 10000

// Keyed is a token bucket per key, safe for concurrent use. Buckets that are
// full again behave like new ones, so they are evicted first when the map
// reaches its bound. A nil *Keyed allows everything.
type Keyed struct {
	limit rate.Limit
	burst int
	clock func() time.Time
	max   int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// New returns a limiter that refills each key's bucket at perSecond tokens a
// second up to burst, reading the time from clock (time.Now when nil). It
// returns nil, which allows everything, when perSecond is negative. With a
// burst of 0 no request is ever allowed.
func New(perSecond float64, burst int, clock func() time.Time) *Keyed {
	if perSecond < 0 {
		return nil
	}
	if clock == nil {
		clock = time.Now
	}
	return &Keyed{limit: rate.Limit(perSecond), burst: burst, clock: clock, max: MaxKeys, buckets: map[string]*rate.Limiter{}}
}

// Allow takes a token from key's bucket. When none is left it returns false
// and how long until one is; when none ever will be (a burst of 0) it returns
// false and a second, so the caller's Retry-After stays finite.
func (l *Keyed) Allow(key string) (bool, time.Duration) {
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

// Take is Allow for callers that count only failures but must not let
// parallel attempts slip past the count: it takes a token now, before the
// attempt, and returns refund, which gives the token back when the attempt
// turns out not to count (a success). When no token is left it returns
// false, the wait, and a refund that does nothing.
func (l *Keyed) Take(key string) (ok bool, wait time.Duration, refund func()) {
	none := func() {}
	if l == nil {
		return true, 0, none
	}
	now := l.clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, found := l.buckets[key]
	if !found {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second, none
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d, none
	}
	// Cancel as of the moment the token was taken: x/time/rate restores
	// nothing for a reservation whose time has passed, and the attempt
	// usually took a while (a bcrypt comparison, a database read).
	var once sync.Once
	return true, 0, func() { once.Do(func() { r.CancelAt(now) }) }
}

// evict drops idle buckets (full again); if too few are, it drops arbitrary
// ones down to half the bound: their owners merely get a fresh burst.
func (l *Keyed) evict(now time.Time) {
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

// Len is the number of keys with a bucket (0 for a nil Keyed).
func (l *Keyed) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// RetryAfterSeconds rounds a wait up to whole seconds, at least 1: the value
// of a Retry-After header or a retryAfter field.
func RetryAfterSeconds(d time.Duration) int {
	return int(math.Max(1, math.Ceil(d.Seconds())))
}
