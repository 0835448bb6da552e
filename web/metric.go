package web

import (
	"strings"
	"time"
)

// MetricRetention is how long per-minute retailer metrics are kept.
const MetricRetention = 90 * 24 * time.Hour

// MetricCount is one per-minute aggregate of a retailer's business metrics
// (web/retailermetrics): how often something happened in that minute, or,
// for a name starting with MetricMaxPrefix, the largest value sampled in it.
// It never names a visitor: no user id, no per-visitor row.
type MetricCount struct {
	RetailerID string
	Minute     time.Time // the minute's start, UTC
	Name       string    // one of web/retailermetrics' names
	Value      int64
}

// MetricMaxPrefix marks gauges: stores merge two counts of such a name in one
// minute by their maximum (several samples of "planners open"); every other
// name is a counter, merged by sum.
const MetricMaxPrefix = "max."

// MetricIsMax reports whether name is a gauge, merged by maximum.
func MetricIsMax(name string) bool { return strings.HasPrefix(name, MetricMaxPrefix) }

// MaxMetricNameLen bounds a metric name; stores refuse longer ones.
const MaxMetricNameLen = 64

// MetricMinute returns the Unix minute t falls in (its stored form).
func MetricMinute(t time.Time) int64 {
	s := t.Unix()
	if s < 0 && s%60 != 0 {
		return s/60 - 1
	}
	return s / 60
}

// MaxMetricBuckets bounds the buckets one metric series may ask for.
const MaxMetricBuckets = 10000

// MetricRange checks a series query (from before to, step a whole number of
// minutes, at most MaxMetricBuckets buckets) and returns it in Unix minutes:
// from rounded down to its minute, to rounded up, step in minutes.
func MetricRange(from, to time.Time, step time.Duration) (f, t, st int64, err error) {
	if step < time.Minute || step%time.Minute != 0 {
		return 0, 0, 0, FieldErrorf("step", "must be a whole number of minutes, got %s", step)
	}
	f, t, st = MetricMinute(from), MetricMinute(to.Add(time.Minute-time.Nanosecond)), int64(step/time.Minute)
	if t <= f {
		return 0, 0, 0, FieldErrorf("to", "must be after from")
	}
	if (t-f)/st > MaxMetricBuckets {
		return 0, 0, 0, FieldErrorf("step", "asks for more than %d buckets", MaxMetricBuckets)
	}
	return f, t, st, nil
}
