// Package signin holds what the planner's retailer console (web/console) and
// the reference host site (cmd/hostsite) do alike when a person signs in with
// a password: the throttle of failed sign-ins, per client address and per
// account, and the session cookie's random value and attributes. Each keeps
// its own users, sessions, pages and messages.
//
// A sign-in runs through the throttle like this:
//
//	a, wait := throttle.Begin(r.Context(), clientAddr, account)
//	if a == nil {
//		// 429: try again after wait; the password was not checked.
//	}
//	user, err := checkPassword(...)
//	a.Done(errors.Is(err, errWrongPassword)) // only a wrong password counts
package signin

import (
	"context"
	"sync"
	"time"

	"github.com/roomplanner/planner/web/ratelimit"
)

// Limits are a Throttle's failure budgets: an address may fail AddrBurst
// times in a row, then once every 1/AddrPerSecond seconds; an account
// AccountBurst times, then once every 1/AccountPerSecond seconds (from any
// address, so spreading guesses over many addresses does not help). A
// negative rate turns that budget off.
type Limits struct {
	AddrPerSecond    float64
	AddrBurst        int
	AccountPerSecond float64
	AccountBurst     int
}

// maxQueueWait bounds how long Begin waits for an attempt in flight to end:
// the wait starts again each time one does, so a long queue of right
// passwords behind slow checks still gets through.
const maxQueueWait = 10 * time.Second

// Throttle limits failed sign-ins per client address and per account. Only
// failures count, but each attempt takes its budget before its password is
// checked (a bcrypt comparison, a database read) and gives it back if it did
// not fail: parallel guesses cannot all pass a check made before any of them
// had failed.
//
// Taking before the check means attempts in flight hold budget they will
// mostly give back. An attempt that finds the budget spent while others of
// its address or account are still in flight waits for them to end and
// tries again, rather than being refused: a burst of right passwords (a
// team sharing one account, tabs signing in at once) all get through, one
// budget's worth at a time, while parallel wrong guesses still stop at the
// budget, since theirs is not given back. With nothing in flight a spent
// budget is refused at once.
//
// It is safe for concurrent use; its memory is bounded by ratelimit.MaxKeys
// per budget and by the attempts in flight.
type Throttle struct {
	byAddr, byAccount *ratelimit.Keyed

	mu       sync.Mutex
	inFlight map[string]int // by addrKey and accountKey: attempts not yet done
	ended    chan struct{}  // closed (and replaced) whenever an attempt ends

	onWait func() // tests: called when Begin starts to wait
}

// NewThrottle returns a throttle with the budgets of l, reading the time
// from clock (time.Now when nil).
func NewThrottle(l Limits, clock func() time.Time) *Throttle {
	return &Throttle{
		byAddr:    ratelimit.New(l.AddrPerSecond, l.AddrBurst, clock),
		byAccount: ratelimit.New(l.AccountPerSecond, l.AccountBurst, clock),
		inFlight:  map[string]int{},
		ended:     make(chan struct{}),
	}
}

// In-flight keys of the two budgets, which must not collide: an account
// name may look like an address.
func addrKey(addr string) string       { return "a\x00" + addr }
func accountKey(account string) string { return "n\x00" + account }

// Attempt is one sign-in that passed the throttle. Call Done exactly once
// (later calls do nothing) when its outcome is known.
type Attempt struct {
	t       *Throttle
	addr    string
	account string
	refund  func()
	once    sync.Once
}

// Begin takes one attempt from addr's and account's budgets. account is the
// caller's normalised account name (case and surrounding space must not buy
// fresh budgets); an unknown account is treated exactly as a known one.
// When either budget is spent it returns nil and how long until the next
// attempt may pass, having taken nothing, unless attempts of that address
// or account are in flight: then it waits for one of them to end (until ctx
// ends, or 10 s pass with none ending) and tries again.
func (t *Throttle) Begin(ctx context.Context, addr, account string) (*Attempt, time.Duration) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		// Under t.mu, as Done's refund is: an attempt ending between this
		// Take and the look at inFlight below would otherwise leave this one
		// refused although the budget it needed was just given back.
		t.mu.Lock()
		ok1, w1, r1 := t.byAddr.Take(addr)
		ok2, w2, r2 := t.byAccount.Take(account)
		if ok1 && ok2 {
			t.inFlight[addrKey(addr)]++
			t.inFlight[accountKey(account)]++
			t.mu.Unlock()
			return &Attempt{t: t, addr: addr, account: account, refund: func() { r1(); r2() }}, 0
		}
		// Whichever was taken goes back (a refund of nothing does nothing).
		r1()
		r2()
		busy := (!ok1 && t.inFlight[addrKey(addr)] > 0) || (!ok2 && t.inFlight[accountKey(account)] > 0)
		ended := t.ended
		t.mu.Unlock()
		if !busy {
			return nil, max(w1, w2)
		}
		if t.onWait != nil {
			t.onWait()
		}
		if timer == nil {
			timer = time.NewTimer(maxQueueWait)
		} else {
			timer.Reset(maxQueueWait) // an attempt ended: the queue moves
		}
		select {
		case <-ended:
		case <-ctx.Done():
			return nil, max(w1, w2)
		case <-timer.C:
			return nil, max(w1, w2)
		}
	}
}

// Done ends the attempt: failed (a wrong password, or an unknown account)
// keeps its budget taken; otherwise (signed in, or the check itself could
// not be made) the budget is given back. Waiting attempts then try again.
func (a *Attempt) Done(failed bool) {
	a.once.Do(func() {
		t := a.t
		t.mu.Lock()
		if !failed {
			a.refund()
		}
		for _, k := range []string{addrKey(a.addr), accountKey(a.account)} {
			if t.inFlight[k]--; t.inFlight[k] <= 0 {
				delete(t.inFlight, k)
			}
		}
		close(t.ended)
		t.ended = make(chan struct{})
		t.mu.Unlock()
	})
}
