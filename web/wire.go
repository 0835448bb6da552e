package web

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The rules below are part of the token wire contract: POST /v1/tokens, the
// issuer and verifier, and the BFF that calls the API all apply them, so they
// live here once.

// MaxUserIDLen is the longest user id, in characters, a token request or a
// token may carry.
const MaxUserIDLen = 128

// Token lifetimes. POST /v1/tokens accepts whole seconds from MinTokenTTL to
// MaxTokenTTL and defaults to DefaultTokenTTL.
const (
	// DefaultTokenTTL is the lifetime of a token when the request names none.
	DefaultTokenTTL = 15 * time.Minute
	// MinTokenTTL is the shortest lifetime a token request may ask for.
	MinTokenTTL = 10 * time.Second
	// MaxTokenTTL is the longest lifetime a token request may ask for.
	MaxTokenTTL = time.Hour
	// MaxPartnerTokenTTL is the longest exp - iat the API accepts in a
	// partner-signed token.
	MaxPartnerTokenTTL = 15 * time.Minute
)

// ValidUserID reports whether s is a user id the API accepts: 1 to
// MaxUserIDLen printable characters of valid UTF-8 with no surrounding space.
func ValidUserID(s string) bool {
	if s == "" || !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxUserIDLen || strings.TrimSpace(s) != s {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
