package api

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web"
)

// statusOf maps an error code to its HTTP status.
var statusOf = map[string]int{
	web.EInvalidClient:       http.StatusUnauthorized,
	web.EMissingToken:        http.StatusUnauthorized,
	web.ETokenExpired:        http.StatusUnauthorized,
	web.EInvalidToken:        http.StatusUnauthorized,
	web.EInsufficientScope:   http.StatusForbidden,
	web.EForbidden:           http.StatusForbidden,
	web.ENotFound:            http.StatusNotFound,
	web.EConflict:            http.StatusConflict,
	web.EValidation:          http.StatusBadRequest,
	web.EMethodNotAllowed:    http.StatusMethodNotAllowed,
	web.EPayloadTooLarge:     http.StatusRequestEntityTooLarge,
	web.ERateLimited:         http.StatusTooManyRequests,
	web.ETLSRequired:         http.StatusForbidden,
	web.EInternal:            http.StatusInternalServerError,
	web.EUpstreamUnavailable: http.StatusServiceUnavailable,
	web.EUnavailable:         http.StatusServiceUnavailable,
}

// unavailableRetryAfter is the Retry-After, in seconds, of an unavailable
// database: about as long as a PostgreSQL restart or fail-over takes; the
// pool reconnects on the first request after it.
const unavailableRetryAfter = 5

// handleError is the one place where errors become responses: status, JSON
// body, WWW-Authenticate and Retry-After. Only internal errors are logged here.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := toWebError(err)
	status := statusOf[e.Code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if he := (*echo.HTTPError)(nil); errors.As(err, &he) && he.Code == http.StatusMethodNotAllowed {
		// The router has set Allow; the body says it too.
		e = web.Errorf(web.EMethodNotAllowed, "method not allowed on this endpoint; allowed: %s", c.Response().Header().Get(echo.HeaderAllow))
	}
	c.Set(errorCodeKey, e.Code)
	h := c.Response().Header()
	switch e.Code {
	case web.EMissingToken:
		h.Set("WWW-Authenticate", `Bearer realm="planner-api"`)
	case web.ETokenExpired, web.EInvalidToken:
		h.Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="planner-api", error="invalid_token", error_description=%s`, quote(e.Message)))
	case web.EInsufficientScope:
		h.Set("WWW-Authenticate", `Bearer realm="planner-api", error="insufficient_scope", scope="write"`)
	case web.EInvalidClient:
		h.Set("WWW-Authenticate", `Basic realm="planner-api"`)
	case web.EInternal:
		s.log.ErrorContext(c.Request().Context(), "request failed", "err", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	case web.EUnavailable:
		// Not a bug of ours, but an operator must see it: no stack, one line.
		s.log.WarnContext(c.Request().Context(), "database unavailable", "err", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	if ra, ok := e.Extra["retryAfter"].(int); ok {
		h.Set("Retry-After", strconv.Itoa(ra))
	}
	h.Set("Cache-Control", "no-store")
	body := map[string]any{"code": e.Code, "message": web.ErrorMessage(e)}
	if e.Field != "" {
		body["field"] = e.Field
	}
	for k, v := range e.Extra {
		if k != "retryAfter" {
			body[k] = v
		}
	}
	// HEAD too: its answer has GET's headers, and net/http drops the body.
	_ = c.JSON(status, map[string]any{"error": body})
}

// toWebError turns any error (ours, echo's, or a stray one) into a *web.Error.
func toWebError(err error) *web.Error {
	var we *web.Error
	if errors.As(err, &we) {
		return we
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return web.Errorf(web.ENotFound, "no such endpoint")
		case http.StatusMethodNotAllowed:
			return web.Errorf(web.EMethodNotAllowed, "method not allowed on this endpoint")
		case http.StatusRequestEntityTooLarge:
			return web.Errorf(web.EPayloadTooLarge, "request body too large")
		case http.StatusBadRequest:
			return web.Errorf(web.EValidation, "%v", he.Message)
		}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return web.Errorf(web.EPayloadTooLarge, "request body is larger than %d KiB", mbe.Limit>>10)
	}
	if databaseUnavailable(err) {
		return &web.Error{Code: web.EUnavailable, Message: "the planner's database is unavailable; retry later",
			Extra: map[string]any{"retryAfter": unavailableRetryAfter}, Err: err}
	}
	return &web.Error{Code: web.EInternal, Message: "internal error", Err: err}
}

// databaseUnavailable reports whether err says the database could not be
// reached, or went away during the call, rather than that the call was
// wrong: the stores pass the driver's errors up wrapped, and this is the one
// place that tells an outage (503, retry) from a bug (500). SQLite has no
// such errors; these are PostgreSQL's (pgx) and the network's.
func databaseUnavailable(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true // no connection could be made: down, restarting, refused
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57P01", "57P02", "57P03", // admin_shutdown, crash_shutdown, cannot_connect_now
			"53300": // too_many_connections
			return true
		}
		return strings.HasPrefix(pe.Code, "08") // connection_exception
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true // a read or write on the connection failed
	}
	// A connection lost mid-call: pgconn returns the read's end of stream
	// as it is, unwrapped. Nothing else in a request's path can: bodies are
	// read and decoded into web errors (readBody, web.ParseProjectDoc).
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// quote makes s safe inside a quoted-string of an HTTP header.
func quote(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r > 0x7e {
			return '\''
		}
		return r
	}, s)
	return `"` + s + `"`
}
