// Package token issues and verifies the planner service's JWTs: API-issued
// tokens signed with the service's Ed25519 keys (EdDSA) and partner tokens a
// retailer's backend signs with its API secret (HS256).
package token

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roomplanner/planner/web"
)

// MaxLeeway is the largest clock skew the package tolerates: the verifier's
// leeway is capped at it, and a retired key keeps verifying for MaxLeeway
// beyond RetiredAt plus the longest token lifetime.
const MaxLeeway = 5 * time.Second

// ReloadInterval is the shortest time between two reloads of the key store
// caused by tokens with an unknown kid, so forged kids cannot hammer the store.
const ReloadInterval = 5 * time.Second

// KeyStore stores the service's signing keys. The SQLite store implements it.
type KeyStore interface {
	// SigningKeys returns every stored key, current and retired.
	SigningKeys(ctx context.Context) ([]web.SigningKey, error)
	// RotateSigningKey stores k as the new current key and sets RetiredAt to
	// k.CreatedAt on the previously current keys, atomically.
	RotateSigningKey(ctx context.Context, k web.SigningKey) error
}

// Keyring holds the signing keys in memory: the current one signs, retired ones
// keep verifying until the last token they signed has expired. It is safe for
// concurrent use; signing and looking up a known kid never wait for the store.
type Keyring struct {
	store       KeyStore
	clock       func() time.Time
	maxTokenTTL time.Duration

	keys atomic.Pointer[keySet]

	mu         sync.Mutex // serialises reloads and rotations
	nextReload time.Time  // guarded by mu: earliest reload for an unknown kid
}

// keySet is an immutable snapshot of the keyring.
type keySet struct {
	byKID   map[string]*key
	sorted  []*key // newest first
	current *key   // nil until a key is loaded
	epoch   uint64 // incremented whenever a reload drops a key
}

type key struct {
	kid       string
	priv      ed25519.PrivateKey
	pub       ed25519.PublicKey
	createdAt time.Time
	retiredAt time.Time // zero while current
}

// NewKeyring returns an empty keyring backed by store; call Load before use.
// maxTokenTTL is the longest lifetime of any token the service issues: a
// retired key verifies until its RetiredAt plus maxTokenTTL plus MaxLeeway.
// clock defaults to time.Now.
func NewKeyring(store KeyStore, clock func() time.Time, maxTokenTTL time.Duration) *Keyring {
	if clock == nil {
		clock = time.Now
	}
	k := &Keyring{store: store, clock: clock, maxTokenTTL: maxTokenTTL}
	k.keys.Store(&keySet{byKID: map[string]*key{}})
	return k
}

// Load loads the keys from the store and, if none of them is current, generates
// and stores a first key (see EnsureKey).
func (k *Keyring) Load(ctx context.Context) error {
	if err := k.Refresh(ctx); err != nil && !errors.Is(err, errNoKeys) {
		return err
	}
	return k.EnsureKey(ctx)
}

// EnsureKey generates and stores a new current key if the keyring has none
// (an empty store, or only retired keys).
func (k *Keyring) EnsureKey(ctx context.Context) error {
	if k.keys.Load().current != nil {
		return nil
	}
	_, err := k.Rotate(ctx)
	return err
}

var errNoKeys = errors.New("the store holds no signing keys")

// Refresh reloads the keys from the store, so that a rotation done by another
// process (the admin CLI) takes effect. On error the keyring is unchanged.
func (k *Keyring) Refresh(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.reload(ctx)
}

// reload replaces the snapshot with the store's keys. k.mu must be held.
func (k *Keyring) reload(ctx context.Context) error {
	stored, err := k.store.SigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("load signing keys: %w", err)
	}
	if len(stored) == 0 {
		return errNoKeys
	}
	keys := make([]*key, 0, len(stored))
	for _, sk := range stored {
		if sk.KID == "" || len(sk.PrivateKey) != ed25519.PrivateKeySize {
			return fmt.Errorf("load signing keys: key %q is malformed", sk.KID)
		}
		keys = append(keys, &key{
			kid:       sk.KID,
			priv:      sk.PrivateKey,
			pub:       sk.PrivateKey.Public().(ed25519.PublicKey),
			createdAt: sk.CreatedAt,
			retiredAt: sk.RetiredAt,
		})
	}
	next, err := newKeySet(keys, k.keys.Load())
	if err != nil {
		return fmt.Errorf("load signing keys: %w", err)
	}
	k.keys.Store(next)
	return nil
}

// newKeySet builds a snapshot; prev is the snapshot it replaces.
func newKeySet(keys []*key, prev *keySet) (*keySet, error) {
	s := &keySet{byKID: make(map[string]*key, len(keys)), epoch: prev.epoch}
	slices.SortFunc(keys, func(a, b *key) int {
		if c := b.createdAt.Compare(a.createdAt); c != 0 {
			return c
		}
		return cmp.Compare(b.kid, a.kid)
	})
	for _, kk := range keys {
		if _, dup := s.byKID[kk.kid]; dup {
			return nil, fmt.Errorf("key id %q is stored twice", kk.kid)
		}
		s.byKID[kk.kid] = kk
		if s.current == nil && kk.retiredAt.IsZero() {
			s.current = kk
		}
	}
	s.sorted = keys
	// A key that disappeared, or changed under the same kid, must stop
	// verifying now: the verifier drops cached tokens of older epochs.
	for kid, old := range prev.byKID {
		if nk, ok := s.byKID[kid]; !ok || !bytes.Equal(nk.pub, old.pub) {
			s.epoch++
			break
		}
	}
	return s, nil
}

// Rotate generates a new Ed25519 key, stores it as the current key (retiring
// the previous one) and returns its kid. Tokens signed with the previous key
// keep verifying until they expire.
func (k *Keyring) Rotate(ctx context.Context) (kid string, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", fmt.Errorf("generate signing key: %w", err)
	}
	kid = newKID()
	now := k.clock()
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.store.RotateSigningKey(ctx, web.SigningKey{KID: kid, PrivateKey: priv, CreatedAt: now}); err != nil {
		return "", fmt.Errorf("store signing key: %w", err)
	}
	// Apply the rotation locally, exactly as the store did, rather than
	// reloading: the new key must sign from now on even if a reload fails.
	prev := k.keys.Load()
	keys := make([]*key, 0, len(prev.sorted)+1)
	keys = append(keys, &key{kid: kid, priv: priv, pub: pub, createdAt: now})
	for _, old := range prev.sorted {
		if old.retiredAt.IsZero() {
			retired := *old
			retired.retiredAt = now
			old = &retired
		}
		keys = append(keys, old)
	}
	next, err := newKeySet(keys, prev)
	if err != nil {
		return "", err
	}
	k.keys.Store(next)
	return kid, nil
}

// newKID returns a random URL-safe key id of 16 characters (96 bits).
func newKID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Current returns the key that signs new tokens, or an empty kid and a nil key
// before Load.
func (k *Keyring) Current() (kid string, priv ed25519.PrivateKey) {
	if c := k.keys.Load().current; c != nil {
		return c.kid, c.priv
	}
	return "", nil
}

// Lookup returns the public key of kid if it still verifies: current keys
// always, retired keys until RetiredAt + maxTokenTTL + MaxLeeway. An unknown
// kid reloads the store at most once per ReloadInterval.
func (k *Keyring) Lookup(kid string) (ed25519.PublicKey, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return k.lookup(ctx, kid)
}

func (k *Keyring) lookup(ctx context.Context, kid string) (ed25519.PublicKey, bool) {
	if kid == "" {
		return nil, false
	}
	if kk, ok := k.keys.Load().byKID[kid]; ok {
		return k.verifying(kk)
	}
	// The kid may come from a rotation by another process we have not
	// refreshed yet. Reload, but rate-limited: the kid is attacker-chosen.
	k.mu.Lock()
	defer k.mu.Unlock()
	if kk, ok := k.keys.Load().byKID[kid]; ok { // reloaded while we waited
		return k.verifying(kk)
	}
	now := k.clock()
	if now.Before(k.nextReload) {
		return nil, false
	}
	k.nextReload = now.Add(ReloadInterval)
	if err := k.reload(ctx); err != nil {
		return nil, false
	}
	if kk, ok := k.keys.Load().byKID[kid]; ok {
		return k.verifying(kk)
	}
	return nil, false
}

// verifying returns kk's public key if kk still verifies now.
func (k *Keyring) verifying(kk *key) (ed25519.PublicKey, bool) {
	if !k.verifiesAt(kk, k.clock()) {
		return nil, false
	}
	return kk.pub, true
}

func (k *Keyring) verifiesAt(kk *key, now time.Time) bool {
	return kk.retiredAt.IsZero() || now.Before(kk.retiredAt.Add(k.maxTokenTTL+MaxLeeway))
}

// epoch changes whenever a reload drops a key; see keySet.
func (k *Keyring) epoch() uint64 { return k.keys.Load().epoch }

// jwk is one entry of a JSON Web Key Set (RFC 8037 for OKP keys).
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// JWKS returns the JSON Web Key Set of every key that still verifies, newest
// first: {"keys":[{"kty":"OKP","crv":"Ed25519","x":...,"kid":...,"alg":"EdDSA","use":"sig"}]}.
func (k *Keyring) JWKS() []byte {
	now := k.clock()
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{}}
	for _, kk := range k.keys.Load().sorted {
		if !k.verifiesAt(kk, now) {
			continue
		}
		set.Keys = append(set.Keys, jwk{
			Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(kk.pub),
			Kid: kk.kid, Alg: "EdDSA", Use: "sig",
		})
	}
	b, err := json.Marshal(set)
	if err != nil { // cannot happen: only strings
		panic(err)
	}
	return b
}
