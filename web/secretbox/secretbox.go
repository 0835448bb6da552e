// Package secretbox seals secrets at rest (API secrets, signing keys) with
// AES-256-GCM under one master key, and finds that master key: the
// PLANNER_MASTER_KEY environment variable, or a key file beside the database.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
)

// KeySize is the length of a master key in bytes (AES-256).
const KeySize = 32

// Box seals and opens values with AES-256-GCM. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// New returns a Box for a 32-byte master key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secretbox: master key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	// NewGCMWithRandomNonce draws a fresh 96-bit nonce per Seal and prepends
	// it: safe for far more values than this service will ever seal under one
	// key (NIST SP 800-38D: 2^32).
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts and authenticates plaintext and returns a random 12-byte nonce
// followed by the ciphertext and tag. additionalData is authenticated but not
// stored: callers pass what identifies the row (e.g. its API key), so that a
// sealed value copied into another row no longer opens.
func (b *Box) Seal(plaintext, additionalData []byte) []byte {
	return b.aead.Seal(nil, nil, plaintext, additionalData)
}

// ErrOpen is returned by Open when a sealed value is malformed, was sealed
// under another key, or with other additional data.
var ErrOpen = errors.New("secretbox: message authentication failed (wrong master key or tampered value)")

// Open authenticates and decrypts a value made by Seal with the same
// additionalData. It returns ErrOpen if that fails.
func (b *Box) Open(sealed, additionalData []byte) ([]byte, error) {
	if len(sealed) < b.aead.Overhead() {
		return nil, ErrOpen
	}
	plain, err := b.aead.Open(nil, nil, sealed, additionalData)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
