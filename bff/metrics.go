package bff

import (
	"bytes"
	"fmt"
	"net/http"
	"sync/atomic"
)

// kinds indexes per-kind counters.
var kinds = [2]string{KindLegalEntity, KindUser}

func kindIndex(kind string) int {
	if kind == KindUser {
		return 1
	}
	return 0
}

// Reasons a request is refused before any token is looked up, and reasons an
// upstream call fails; the label values of the metrics.
var (
	rejectReasons   = [...]string{"cross_site", "missing_header", "method", "rate_limited_ip", "rate_limited_session", "invalid_user"}
	upstreamReasons = [...]string{"network", "timeout", "status_5xx", "status_429", "status_4xx", "invalid_response"}
)

const (
	rejectCrossSite = iota
	rejectMissingHeader
	rejectMethod
	rejectRateIP
	rejectRateSession
	rejectInvalidUser
)

const (
	upNetwork = iota
	upTimeout
	up5xx
	up429
	up4xx
	upInvalid
)

// metrics are the BFF's counters, updated with atomics on the hot path.
type metrics struct {
	served            [2]atomic.Uint64
	cacheHits         [2]atomic.Uint64
	upstreamMints     [2]atomic.Uint64
	localMints        [2]atomic.Uint64
	coalesced         atomic.Uint64
	upstreamErrors    [len(upstreamReasons)]atomic.Uint64
	breakerRejections atomic.Uint64
	unavailable       atomic.Uint64
	rejected          [len(rejectReasons)]atomic.Uint64
	refreshes         atomic.Uint64
	refreshFailures   atomic.Uint64
}

// write renders the metrics in the Prometheus text exposition format 0.0.4.
func (m *metrics) write(buf *bytes.Buffer, breakerState int) {
	perKind := func(name, help string, v *[2]atomic.Uint64) {
		fmt.Fprintf(buf, "# HELP %s %s\n# TYPE %s counter\n", name, help, name)
		for i, k := range kinds {
			fmt.Fprintf(buf, "%s{kind=%q} %d\n", name, k, v[i].Load())
		}
	}
	single := func(name, typ, help string, v uint64) {
		fmt.Fprintf(buf, "# HELP %s %s\n# TYPE %s %s\n%s %d\n", name, help, name, typ, name, v)
	}
	perKind("planner_bff_served_total", "Tokens handed out by POST /bff/token.", &m.served)
	perKind("planner_bff_cache_hits_total", "Tokens handed out from the cache without waiting.", &m.cacheHits)
	perKind("planner_bff_upstream_mints_total", "Tokens obtained from the planner API (remote mode).", &m.upstreamMints)
	perKind("planner_bff_local_mints_total", "Tokens signed locally (partner-signed mode).", &m.localMints)
	single("planner_bff_coalesced_callers_total", "counter", "Requests that waited for a mint another request had started.", m.coalesced.Load())
	fmt.Fprintf(buf, "# HELP planner_bff_upstream_errors_total Failed calls to the planner API, by reason.\n# TYPE planner_bff_upstream_errors_total counter\n")
	for i, r := range upstreamReasons {
		fmt.Fprintf(buf, "planner_bff_upstream_errors_total{reason=%q} %d\n", r, m.upstreamErrors[i].Load())
	}
	single("planner_bff_breaker_rejections_total", "counter", "Calls to the planner API refused by the open circuit breaker or a pending Retry-After.", m.breakerRejections.Load())
	single("planner_bff_breaker_state", "gauge", "Circuit breaker state: 0 closed, 1 open, 2 half-open.", uint64(breakerState))
	single("planner_bff_unavailable_total", "counter", "Requests answered 503 upstream_unavailable.", m.unavailable.Load())
	fmt.Fprintf(buf, "# HELP planner_bff_rejected_total Requests refused before a token was looked up, by reason.\n# TYPE planner_bff_rejected_total counter\n")
	for i, r := range rejectReasons {
		fmt.Fprintf(buf, "planner_bff_rejected_total{reason=%q} %d\n", r, m.rejected[i].Load())
	}
	single("planner_bff_background_refreshes_total", "counter", "Background refreshes of cached tokens started.", m.refreshes.Load())
	single("planner_bff_background_refresh_failures_total", "counter", "Background refreshes that failed (the cached token stays in use).", m.refreshFailures.Load())
}

// MetricsHandler serves the BFF's counters in the Prometheus text format at
// whatever path the host mounts it. They reveal traffic volumes, not tokens
// or user ids; serve them to the monitoring system only.
func (b *BFF) MetricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		b.metrics.write(&buf, b.breakerState())
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(buf.Bytes())
	})
}
