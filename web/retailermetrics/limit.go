package retailermetrics

import (
	"time"

	"github.com/roomplanner/planner/web/ratelimit"
)

// Limits bound the event batches POST /v1/events accepts, per iframe load,
// per token and per retailer. A refused batch is answered 429 with
// Retry-After and counted (EventsRefused); the planner keeps its counts and
// sends them, merged, with its next batch, so a flood delays genuine counts
// but does not lose them. Zero fields get the defaults noted; a negative
// rate turns that limit off.
type Limits struct {
	// PerLoadPerMinute and PerLoadBurst: batches of one load id (default 6
	// a minute, burst 6). The planner sends at most a few a minute.
	PerLoadPerMinute float64
	PerLoadBurst     int
	// PerTokenPerSecond and PerTokenBurst: batches under one token (its jti;
	// default 20/s, burst 200). A BFF shares one legal-entity token among all
	// its anonymous visitors, so this is wide; it stops one stolen token from
	// taking the retailer's whole budget.
	PerTokenPerSecond float64
	PerTokenBurst     int
	// PerRetailerPerSecond and PerRetailerBurst: batches of one retailer
	// (default 200/s, burst 2000), per instance.
	PerRetailerPerSecond float64
	PerRetailerBurst     int
}

type limiter struct {
	load, token, retailer *ratelimit.Keyed
}

func newLimiter(l Limits, clock func() time.Time) *limiter {
	or := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	ori := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	or(&l.PerLoadPerMinute, 6)
	ori(&l.PerLoadBurst, 6)
	or(&l.PerTokenPerSecond, 20)
	ori(&l.PerTokenBurst, 200)
	or(&l.PerRetailerPerSecond, 200)
	ori(&l.PerRetailerBurst, 2000)
	perLoad := l.PerLoadPerMinute / 60
	if l.PerLoadPerMinute < 0 {
		perLoad = -1
	}
	return &limiter{
		load:     ratelimit.New(perLoad, l.PerLoadBurst, clock),
		token:    ratelimit.New(l.PerTokenPerSecond, l.PerTokenBurst, clock),
		retailer: ratelimit.New(l.PerRetailerPerSecond, l.PerRetailerBurst, clock),
	}
}

// Allow takes one batch from the load's, the token's and the retailer's
// budgets, narrowest first; a refusal returns how long to wait and is
// counted for the retailer. A batch refused by a wider budget does not give
// back what the narrower ones took: a load that sends into a flood waits as
// long as the flood lasts, which is the point.
func (r *Recorder) Allow(retailerID, jti, load string) (bool, time.Duration) {
	if r == nil {
		return true, 0
	}
	for _, c := range []struct {
		k   *ratelimit.Keyed
		key string
	}{{r.limits.load, retailerID + "\x00" + load}, {r.limits.token, jti}, {r.limits.retailer, retailerID}} {
		if ok, wait := c.k.Allow(c.key); !ok {
			r.Add(retailerID, EventsRefused, 1)
			return false, wait
		}
	}
	return true, 0
}
