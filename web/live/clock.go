package live

import "time"

// Clock is the live channel's time source: token expiry and the premium
// authentication deadline are timers on it. Tests pass a fake that fires
// timers when it is advanced.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed and returns a
	// function that cancels the call if it has not started (like time.Timer.Stop).
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// SystemClock returns the real clock.
func SystemClock() Clock { return ClockFunc(time.Now) }

// ClockFunc returns a Clock whose Now is now and whose timers run in real time.
// The service uses it to share its configured time source with the live
// channel: expiry is then computed against the same "now" as token
// verification.
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
