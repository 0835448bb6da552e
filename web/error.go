package web

import (
	"errors"
	"fmt"
)

// Error codes shared by the API, the live channel and the BFF. They are part of the
// public protocol: clients switch on them, so never rename one.
const (
	EInvalidClient       = "invalid_client"       // 401: wrong API key or secret at POST /v1/tokens
	EMissingToken        = "missing_token"        // 401: no Bearer token
	ETokenExpired        = "token_expired"        // 401: refresh and retry once
	EInvalidToken        = "invalid_token"        // 401: never retry
	EInsufficientScope   = "insufficient_scope"   // 403: token lacks write scope
	EForbidden           = "forbidden"            // 403
	ENotFound            = "not_found"            // 404
	EConflict            = "conflict"             // 409: stale version
	EValidation          = "validation_failed"    // 400/422
	EMethodNotAllowed    = "method_not_allowed"   // 405 with Allow
	EPayloadTooLarge     = "payload_too_large"    // 413
	ERateLimited         = "rate_limited"         // 429 with Retry-After
	ETLSRequired         = "tls_required"         // 403: plain HTTP from a non-loopback peer
	EInternal            = "internal"             // 500
	EUpstreamUnavailable = "upstream_unavailable" // 503 (BFF only)
	EUnavailable         = "unavailable"          // 503 with Retry-After: the service's database is unreachable
)

// Error is the one error type of the service. Code is one of the E* constants;
// Message is safe to show to a client. Field names the offending input field
// for validation errors. Extra carries code-specific data (e.g. currentVersion
// for conflicts) that is copied into the JSON error body.
type Error struct {
	Code    string
	Message string
	Field   string
	Extra   map[string]any
	Err     error // wrapped cause, never shown to clients
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns a validation error naming the field at fault.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EValidation, Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, EInternal otherwise.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the client-safe message of err, or a generic one for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EInternal {
		return e.Message
	}
	return "internal error"
}

// ErrNotFound is returned by stores when a record does not exist.
var ErrNotFound = &Error{Code: ENotFound, Message: "not found"}
