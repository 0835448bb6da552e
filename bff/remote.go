package bff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	// maxRetryWait is the longest Retry-After the BFF waits out within one
	// mint; a longer one fails the mint at once and is passed on to clients.
	maxRetryWait = 5 * time.Second
	// defaultRetryAfter is the Retry-After of a 503 when nothing better is known.
	defaultRetryAfter = 5 * time.Second
	// maxResponseBody bounds what is read of an API answer.
	maxResponseBody = 64 << 10
)

// upstreamError is a failed call to the planner API. Its text is the BFF's
// own description and is safe to log; the API's body is never kept.
type upstreamError struct {
	reason     int           // index into upstreamReasons
	status     int           // HTTP status, 0 for network errors
	code       string        // the API's error code, if it sent one
	retryAfter time.Duration // from a 429's Retry-After
	retryable  bool
	breaker    bool // counts as a failure for the circuit breaker
	msg        string
}

func (e *upstreamError) Error() string {
	if e.status != 0 {
		if e.code != "" {
			return fmt.Sprintf("planner API: %d %s: %s", e.status, e.code, e.msg)
		}
		return fmt.Sprintf("planner API: %d: %s", e.status, e.msg)
	}
	return "planner API: " + e.msg
}

// unavailableError says no token can be had now; the handler answers 503
// upstream_unavailable with Retry-After.
type unavailableError struct {
	retryAfter time.Duration
	err        error
}

func (e *unavailableError) Error() string {
	return fmt.Sprintf("no token available (retry after %s): %v", e.retryAfter, e.err)
}

func (e *unavailableError) Unwrap() error { return e.err }

// remote mints tokens at POST {APIURL}/v1/tokens with retries, backoff and a
// circuit breaker.
type remote struct {
	endpoint    string
	key, secret string
	ttlSeconds  string
	client      *http.Client
	timeout     time.Duration
	attempts    int
	clock       func() time.Time
	sleep       func(context.Context, time.Duration) error
	random      func() float64
	backoff     func(int, float64) time.Duration
	breaker     *breaker
	metrics     *metrics
	log         *slog.Logger

	mu        sync.Mutex
	notBefore time.Time // a 429's Retry-After, honoured for every key
}

// mint obtains one token for k, retrying transient failures. ctx bounds the
// whole mint; each call is bounded by r.timeout.
func (r *remote) mint(ctx context.Context, k key) (token, error) {
	var last error
	honoured := false // the previous attempt already waited out a Retry-After
	for attempt := 1; ; attempt++ {
		probe, wait, ok := r.blocked(!honoured)
		if !ok {
			r.metrics.breakerRejections.Add(1)
			if last == nil {
				last = errors.New("circuit breaker open or Retry-After pending")
			}
			return token{}, &unavailableError{retryAfter: wait, err: last}
		}
		t, err := r.call(ctx, k)
		if err == nil {
			r.breaker.record(probe, false)
			return t, nil
		}
		var ue *upstreamError
		if !errors.As(err, &ue) {
			// The BFF is shutting down: no verdict on the API.
			r.breaker.release(probe)
			return token{}, &unavailableError{retryAfter: defaultRetryAfter, err: err}
		}
		r.breaker.record(probe, ue.breaker)
		r.metrics.upstreamErrors[ue.reason].Add(1)
		r.log.Warn("planner token request failed", "kind", k.kind, "attempt", attempt, "status", ue.status, "code", ue.code, "err", ue.msg)
		last = err
		wait = r.backoff(attempt, r.random())
		if ue.retryAfter > 0 {
			wait = ue.retryAfter
			// Honoured for every key, not just this one: the API limits per API key.
			r.mu.Lock()
			r.notBefore = r.clock().Add(ue.retryAfter)
			r.mu.Unlock()
		}
		if !ue.retryable || attempt >= r.attempts || wait > maxRetryWait {
			ra := defaultRetryAfter
			if ue.retryAfter > 0 {
				ra = ue.retryAfter
			}
			return token{}, &unavailableError{retryAfter: max(ra, r.breaker.waitLeft()), err: err}
		}
		if err := r.sleep(ctx, wait); err != nil {
			return token{}, &unavailableError{retryAfter: defaultRetryAfter, err: err}
		}
		honoured = ue.retryAfter > 0
	}
}

// blocked checks a pending Retry-After (unless this mint has just waited it
// out), then the breaker. When a call may go out it says whether the call is
// the breaker's probe; when not, how long until one may.
func (r *remote) blocked(checkRetryAfter bool) (probe bool, wait time.Duration, ok bool) {
	if checkRetryAfter {
		r.mu.Lock()
		nb := r.notBefore
		r.mu.Unlock()
		if wait := nb.Sub(r.clock()); wait > 0 {
			return false, wait, false
		}
	}
	ok, probe, wait = r.breaker.allow()
	return probe, wait, ok
}

// call makes one POST /v1/tokens. Errors are *upstreamError, or ctx's error
// when the BFF is shutting down.
func (r *remote) call(ctx context.Context, k key) (token, error) {
	if k.kind != KindLegalEntity && k.kind != KindUser {
		// The BFF hands tokens to pages: a retailer token (the retailer's
		// own metrics) is never one of them, whatever asks.
		return token{}, &upstreamError{reason: upInvalid, msg: "the BFF mints only legal-entity and user tokens, not " + k.kind}
	}
	form := url.Values{
		"api_key":    {r.key},
		"api_secret": {r.secret},
		"kind":       {k.kind},
		"ttl":        {r.ttlSeconds},
		"access":     {"read"},
	}
	if k.kind == KindUser {
		form.Set("user_id", k.uid)
		form.Set("access", "write")
	}
	cctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodPost, r.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return token{}, &upstreamError{reason: upInvalid, msg: "build request: " + err.Error(), breaker: true}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	start := r.clock()
	resp, err := r.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return token{}, ctx.Err()
		}
		return token{}, networkError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		if ctx.Err() != nil {
			return token{}, ctx.Err()
		}
		return token{}, networkError(err)
	}
	if resp.StatusCode != http.StatusOK {
		return token{}, statusError(resp, body, r.clock())
	}
	return r.parse(body, k, start)
}

// networkError describes a transport failure without the URL (which could
// carry anything the host put in APIURL).
func networkError(err error) *upstreamError {
	reason, msg := upNetwork, err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = ue.Err.Error()
		if ue.Timeout() {
			reason = upTimeout
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		reason, msg = upTimeout, "call timed out"
	}
	return &upstreamError{reason: reason, msg: msg, retryable: true, breaker: true}
}

// statusError classifies a non-200 answer. Only the API's error code is
// kept: its message and body are never passed on.
func statusError(resp *http.Response, body []byte, now time.Time) *upstreamError {
	var eb struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &eb)
	code := eb.Error.Code
	if len(code) > 40 || strings.ContainsFunc(code, func(r rune) bool { return r != '_' && (r < 'a' || r > 'z') }) {
		code = ""
	}
	e := &upstreamError{status: resp.StatusCode, code: code}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests:
		e.reason, e.retryable, e.msg = up429, true, "rate limited"
		e.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
		if e.retryAfter <= 0 {
			e.retryAfter = time.Second
		}
	case s >= 500:
		e.reason, e.retryable, e.breaker, e.msg = up5xx, true, true, "server error"
		// A 503 may say when to come back; that is honoured like a 429's.
		e.retryAfter = max(parseRetryAfter(resp.Header.Get("Retry-After"), now), 0)
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		// Wrong key or secret: every mint will fail the same way, so it
		// counts towards the breaker (sparing the API) but is not retried.
		e.reason, e.breaker, e.msg = up4xx, true, "credentials refused; check the API key and secret"
	default:
		e.reason, e.msg = up4xx, "request refused"
	}
	return e
}

// parseRetryAfter reads delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(n, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Sub(now)
	}
	return 0
}

// tokenAnswer is the single-token answer of POST /v1/tokens.
type tokenAnswer struct {
	Token      string    `json:"token"`
	Kind       string    `json:"kind"`
	ExpiresAt  time.Time `json:"expiresAt"`
	ExpiresIn  int       `json:"expiresIn"`
	ServerTime time.Time `json:"serverTime"`
}

// parse checks an answer and times it on the BFF's clock: the token expires
// expiresIn (less a second of rounding) after the call started, so never
// later than it really does, however the clocks differ.
func (r *remote) parse(body []byte, k key, start time.Time) (token, error) {
	bad := func(msg string) (token, error) {
		return token{}, &upstreamError{reason: upInvalid, status: http.StatusOK, msg: msg, breaker: true}
	}
	var a tokenAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return bad("answer is not the token JSON")
	}
	if a.Token == "" {
		return bad("answer has no token")
	}
	if a.Kind != k.kind {
		return bad(fmt.Sprintf("asked for a %s token, got kind %q", k.kind, a.Kind))
	}
	life := time.Duration(a.ExpiresIn) * time.Second
	if a.ExpiresIn <= 0 && !a.ExpiresAt.IsZero() && !a.ServerTime.IsZero() {
		life = a.ExpiresAt.Sub(a.ServerTime)
	}
	// The API states lifetimes in whole seconds; a second less keeps the
	// BFF's idea of the expiry from passing the token's real one.
	life -= time.Second
	if life < MinTokenTTL/2 {
		return bad(fmt.Sprintf("token lifetime %s is too short to hand out", life))
	}
	c, err := peekClaims(a.Token)
	if err != nil {
		return bad(err.Error())
	}
	// Defence in depth: the cache slot is chosen by kind and user id, and the
	// token must speak for exactly that.
	if (c.Kind != "" && c.Kind != k.kind) || c.UID != k.uid {
		return bad(fmt.Sprintf("token claims do not match the %s token asked for", k.kind))
	}
	r.metrics.upstreamMints[kindIndex(k.kind)].Add(1)
	t := newToken(a.Token, k.kind, k.uid, c.JTI, start, start.Add(life), r.random())
	r.log.Info("planner token minted", "kind", k.kind, "jti", c.JTI, "expires_in", life.String())
	return t, nil
}
