package web

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"strings"
)

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewID returns prefix plus 16 random lowercase base32 characters (80 bits),
// e.g. "prj_k3v7..." for a project.
func NewID(prefix string) string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return prefix + strings.ToLower(idEncoding.EncodeToString(b[:]))
}

// NewSecret returns a new API secret: "sk_" plus 32 random bytes in base64url.
// Partner-signed tokens use the whole string's bytes as their HMAC key.
func NewSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return "sk_" + base64.RawURLEncoding.EncodeToString(b[:])
}
