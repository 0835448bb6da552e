package postgres

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/roomplanner/planner/web"
)

// signingKeyAD binds a sealed private key to its kid (as in web/sqlite).
func signingKeyAD(kid string) []byte { return []byte("signing_keys\x00" + kid) }

// SigningKeys returns every stored signing key, current and retired, newest
// first, private keys decrypted.
func (s *Store) SigningKeys(ctx context.Context) ([]web.SigningKey, error) {
	rows, err := s.pool.Query(ctx,
		`SELECT kid, private_sealed, created_at, retired_at FROM signing_keys ORDER BY created_at DESC, kid DESC`)
	if err != nil {
		return nil, fmt.Errorf("load signing keys: %w", err)
	}
	defer rows.Close()
	var keys []web.SigningKey
	for rows.Next() {
		var (
			k       web.SigningKey
			sealed  []byte
			created int64
			retired *int64
		)
		if err := rows.Scan(&k.KID, &sealed, &created, &retired); err != nil {
			return nil, fmt.Errorf("load signing keys: %w", err)
		}
		priv, err := s.box.Open(sealed, signingKeyAD(k.KID))
		if err != nil {
			return nil, fmt.Errorf("open signing key %q: %w", k.KID, err)
		}
		if len(priv) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("signing key %q is %d bytes, want %d", k.KID, len(priv), ed25519.PrivateKeySize)
		}
		k.PrivateKey = ed25519.PrivateKey(priv)
		k.CreatedAt = fromMillis(created)
		if retired != nil {
			k.RetiredAt = fromMillis(*retired)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load signing keys: %w", err)
	}
	return keys, nil
}

// RotateSigningKey stores k as the current signing key (its RetiredAt is
// ignored) and retires every previously current key at k.CreatedAt, in one
// transaction. The private key is sealed.
func (s *Store) RotateSigningKey(ctx context.Context, k web.SigningKey) error {
	if k.KID == "" || len(k.PrivateKey) != ed25519.PrivateKeySize {
		return web.Errorf(web.EValidation, "a signing key needs a kid and a %d-byte Ed25519 private key", ed25519.PrivateKeySize)
	}
	k.CreatedAt = nowIfZero(k.CreatedAt)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL`,
			toMillis(k.CreatedAt)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx,
			`INSERT INTO signing_keys (kid, private_sealed, created_at, retired_at) VALUES ($1, $2, $3, NULL)`,
			k.KID, s.box.Seal(k.PrivateKey, signingKeyAD(k.KID)), toMillis(k.CreatedAt)); err != nil {
			if isConstraint(err) {
				return web.Errorf(web.EConflict, "signing key %q already exists", k.KID)
			}
			return err
		}
		return nil
	})
	if err != nil {
		return wrap(err, "rotate signing key to %q", k.KID)
	}
	return nil
}

// PurgeSigningKeys deletes the keys retired before before. Call it with a time
// at least the longest token lifetime (plus leeway) in the past, so that no
// unexpired token loses its key.
func (s *Store) PurgeSigningKeys(ctx context.Context, before time.Time) error {
	if _, err := s.pool.Exec(ctx,
		`DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < $1`, toMillis(before)); err != nil {
		return fmt.Errorf("purge signing keys retired before %s: %w", before.UTC().Format(time.RFC3339), err)
	}
	return nil
}
