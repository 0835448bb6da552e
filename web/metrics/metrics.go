// Package metrics is the planner service's Prometheus metrics. The service
// (web/service) creates one Metrics per instance and hands its narrow hooks
// to the parts it assembles: ObserveRequest to the API (web/api), Issuer and
// Verifier around the token issuer and verifier, and the Watch functions,
// which read the live channel, the catalog watcher and the database pools at
// each scrape. Nothing here is on a request's path but a counter increment
// and a histogram observation.
//
// Handler serves the metrics in the Prometheus text format. It belongs on a
// listener of its own (planner serve --metrics-addr), reachable by the
// monitoring system only: the figures reveal traffic, never tokens, user ids
// or raw paths.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/token"
)

// Unmatched is the route label of requests no route matched.
const Unmatched = "unmatched"

// Metrics is one service instance's metrics registry. It is safe for
// concurrent use.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	issued   *prometheus.CounterVec
	verified *prometheus.CounterVec
}

// New returns a registry holding the request and token metrics, the Go
// runtime's and the process's; the Watch functions add the rest.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "planner_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method, status and error code (empty on success).",
		}, []string{"route", "method", "status", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "planner_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by route pattern, method and status; WebSocket upgrades (101) are not observed.",
			// From a cached verification (tens of µs) to a slow database.
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 15},
		}, []string{"route", "method", "status"}),
		issued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "planner_tokens_issued_total",
			Help: "Tokens signed for POST /v1/tokens, by kind and outcome (issued, failed). Refused token requests are counted by planner_http_requests_total{route=\"/v1/tokens\"} with their code.",
		}, []string{"kind", "outcome"}),
		verified: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "planner_tokens_verified_total",
			Help: "Bearer and live-channel token verifications, by kind (unknown when refused) and outcome (ok, or the error code: token_expired, invalid_token, internal).",
		}, []string{"kind", "outcome"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.issued, m.verified,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry is the registry behind Handler, for tests and for programs that
// add metrics of their own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveRequest counts one answered request: it is api.Config.ObserveRequest.
// route is the route pattern ("" when none matched), never the raw path, so
// the label set stays bounded whatever clients request.
func (m *Metrics) ObserveRequest(route, method string, status int, code string, elapsed time.Duration) {
	if route == "" {
		route = Unmatched
	}
	method = boundedMethod(method)
	st := strconv.Itoa(status)
	m.requests.WithLabelValues(route, method, st, code).Inc()
	if status != http.StatusSwitchingProtocols {
		m.latency.WithLabelValues(route, method, st).Observe(elapsed.Seconds())
	}
}

// boundedMethod keeps the method label to the standard methods: a client
// may send any token as a method.
func boundedMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// TokenIssuer is what Issuer wraps: api.TokenIssuer.
type TokenIssuer interface {
	Issue(req token.IssueRequest) (token.Issued, error)
}

// Issuer returns next counting what it signs in planner_tokens_issued_total.
func (m *Metrics) Issuer(next TokenIssuer) TokenIssuer { return issuer{next, m} }

type issuer struct {
	next TokenIssuer
	m    *Metrics
}

func (i issuer) Issue(req token.IssueRequest) (token.Issued, error) {
	t, err := i.next.Issue(req)
	outcome := "issued"
	if err != nil {
		outcome = "failed"
	}
	i.m.issued.WithLabelValues(boundedKind(req.Kind), outcome).Inc()
	return t, err
}

// TokenVerifier is what Verifier wraps: api.TokenVerifier and
// live.TokenVerifier.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (web.Principal, error)
}

// Verifier returns next counting its verdicts in planner_tokens_verified_total.
func (m *Metrics) Verifier(next TokenVerifier) TokenVerifier { return verifier{next, m} }

type verifier struct {
	next TokenVerifier
	m    *Metrics
}

func (v verifier) Verify(ctx context.Context, raw string) (web.Principal, error) {
	p, err := v.next.Verify(ctx, raw)
	if err != nil {
		// A refused token's kind is not known: it was not verified.
		v.m.verified.WithLabelValues("unknown", boundedCode(web.ErrorCode(err))).Inc()
		return p, err
	}
	v.m.verified.WithLabelValues(boundedKind(p.Kind), "ok").Inc()
	return p, nil
}

func boundedKind(k string) string {
	switch k {
	case web.KindLegalEntity, web.KindUser:
		return k
	}
	return "other"
}

func boundedCode(c string) string {
	switch c {
	case web.ETokenExpired, web.EInvalidToken, web.EInternal, web.EUnavailable:
		return c
	}
	return "other"
}

// WatchTokenCache exports hits (token.Verifier.CacheHits) as
// planner_token_cache_hits_total.
func (m *Metrics) WatchTokenCache(hits func() uint64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "planner_token_cache_hits_total",
		Help: "Token verifications answered from the cache of verified tokens, without a signature check.",
	}, func() float64 { return float64(hits()) }))
}
