package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/roomplanner/planner/web"
)

// MaxCredentialRotations caps one page of the credential rotation log.
const MaxCredentialRotations = 1000

// CredentialRotations returns up to MaxCredentialRotations entries of the
// credential rotation log with a seq greater than after, in seq order. Seqs
// become visible in commit order (RotateSecret holds an advisory lock from
// its insert to its commit), so a reader never misses an entry below the
// last seq it has read.
func (s *Store) CredentialRotations(ctx context.Context, after int64) ([]web.CredentialRotation, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT seq, retailer_id, at FROM credential_rotations
		WHERE seq > $1 ORDER BY seq LIMIT $2`, after, MaxCredentialRotations)
	if err != nil {
		return nil, fmt.Errorf("read credential rotations after %d: %w", after, err)
	}
	defer rows.Close()
	var out []web.CredentialRotation
	for rows.Next() {
		var (
			r  web.CredentialRotation
			at int64
		)
		if err := rows.Scan(&r.Seq, &r.RetailerID, &at); err != nil {
			return nil, fmt.Errorf("read credential rotations after %d: %w", after, err)
		}
		r.At = fromMillis(at)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read credential rotations after %d: %w", after, err)
	}
	return out, nil
}

// LastCredentialRotation returns the seq of the newest entry of the
// credential rotation log, or 0 when it is empty.
func (s *Store) LastCredentialRotation(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM credential_rotations`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("read the last credential rotation: %w", err)
	}
	return seq, nil
}

// PurgeCredentialRotations deletes the entries recorded before before.
func (s *Store) PurgeCredentialRotations(ctx context.Context, before time.Time) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM credential_rotations WHERE at < $1`, toMillis(before)); err != nil {
		return fmt.Errorf("purge credential rotations before %s: %w", before.UTC().Format(time.RFC3339), err)
	}
	return nil
}
