package signin

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"time"
)

// NewSessionValue returns a new session cookie value: 32 random bytes (256
// bits) in base64url. Callers give one out at every sign-in and sign-out,
// never reusing a value set before (no session fixation).
func NewSessionValue() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Cookie describes a session cookie. It is always HttpOnly: no script of the
// page reads it.
type Cookie struct {
	Name string
	// Path scopes the cookie (e.g. "/console"); "" means "/".
	Path string
	// Secure sends it over HTTPS only. Default false, for loopback HTTP.
	Secure bool
	// SameSite is its cross-site policy (Lax for a shop a visitor arrives at
	// by links, Strict for a console).
	SameSite http.SameSite
	// TTL is how long the browser keeps it (its Max-Age).
	TTL time.Duration
}

// New returns the cookie carrying value.
func (c Cookie) New(value string) *http.Cookie {
	return c.cookie(value, int(c.TTL/time.Second))
}

// Expired returns the cookie that makes the browser drop it.
func (c Cookie) Expired() *http.Cookie { return c.cookie("", -1) }

func (c Cookie) cookie(value string, maxAge int) *http.Cookie {
	path := c.Path
	if path == "" {
		path = "/"
	}
	return &http.Cookie{Name: c.Name, Value: value, Path: path, HttpOnly: true, Secure: c.Secure, SameSite: c.SameSite, MaxAge: maxAge}
}
