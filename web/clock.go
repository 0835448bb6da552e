package web

import "time"

// Clock is the service's one time source: token expiry, refresh points, rate
// limits and the live channel's deadlines are read and armed on it. Tests pass
// web/clocktest's fake, which fires timers when it is advanced.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f once d has passed and returns a function that cancels
	// the call if it has not started (like time.Timer.Stop).
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// SystemClock returns the real clock.
func SystemClock() Clock { return ClockFunc(time.Now) }

// ClockFunc returns a Clock whose Now is now (time.Now when nil) and whose
// timers run in real time. It lets a configured time source be shared by
// parts that also arm timers: expiry is then computed against the same "now"
// as token verification.
func ClockFunc(now func() time.Time) Clock {
	if now == nil {
		now = time.Now
	}
	return funcClock(now)
}

type funcClock func() time.Time

func (c funcClock) Now() time.Time { return c() }

func (funcClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}
