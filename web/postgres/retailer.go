package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/roomplanner/planner/web"
)

// CreateRetailer stores a new retailer, its origins and its API credential in
// one transaction, the secret sealed. c.RetailerID must be r.ID or empty. A
// retailer id, distribution id or API key that is already taken is a conflict.
// Zero CreatedAt times default to now.
func (s *Store) CreateRetailer(ctx context.Context, r web.Retailer, c web.Credential) error {
	if r.ID == "" || r.DistributionID == "" {
		return web.Errorf(web.EValidation, "a retailer needs an id and a distribution id")
	}
	if _, err := web.ParsePlan(string(r.Plan)); err != nil {
		return err
	}
	if c.RetailerID != "" && c.RetailerID != r.ID {
		return web.Errorf(web.EValidation, "credential belongs to retailer %q, not %q", c.RetailerID, r.ID)
	}
	if c.APIKey == "" || len(c.Secret) == 0 {
		return web.Errorf(web.EValidation, "a credential needs an API key and a secret")
	}
	r.CreatedAt, c.CreatedAt = nowIfZero(r.CreatedAt), nowIfZero(c.CreatedAt)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx,
			`INSERT INTO retailers (id, name, plan, distribution_id, created_at, image_origins) VALUES ($1, $2, $3, $4, $5, $6)`,
			r.ID, r.Name, string(r.Plan), r.DistributionID, toMillis(r.CreatedAt), imageOriginsValue(r.ImageOrigins)); err != nil {
			if isConstraint(err) {
				return web.Errorf(web.EConflict, "retailer id %q or distribution id %q is already taken", r.ID, r.DistributionID)
			}
			return err
		}
		for _, o := range r.Origins {
			if _, err := tx.Exec(ctx,
				`INSERT INTO retailer_origins (retailer_id, origin) VALUES ($1, $2) ON CONFLICT DO NOTHING`, r.ID, o); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx,
			`INSERT INTO api_credentials (api_key, retailer_id, secret_sealed, created_at) VALUES ($1, $2, $3, $4)`,
			c.APIKey, r.ID, s.sealSecret(c.APIKey, c.Secret), toMillis(c.CreatedAt)); err != nil {
			if isConstraint(err) {
				return web.Errorf(web.EConflict, "API key %q is already taken", c.APIKey)
			}
			return err
		}
		return nil
	})
	if err != nil {
		return wrap(err, "create retailer %q", r.ID)
	}
	return nil
}

// Retailer returns the retailer with id, with its origins (sorted).
func (s *Store) Retailer(ctx context.Context, id string) (web.Retailer, error) {
	rs, err := s.retailers(ctx, `WHERE r.id = $1`, id)
	if err != nil {
		return web.Retailer{}, fmt.Errorf("load retailer %q: %w", id, err)
	}
	if len(rs) == 0 {
		return web.Retailer{}, web.Errorf(web.ENotFound, "retailer %q not found", id)
	}
	return rs[0], nil
}

// RetailerByDistribution returns the retailer whose public distribution id
// (the ?d= of the planner URL) is distributionID.
func (s *Store) RetailerByDistribution(ctx context.Context, distributionID string) (web.Retailer, error) {
	rs, err := s.retailers(ctx, `WHERE r.distribution_id = $1`, distributionID)
	if err != nil {
		return web.Retailer{}, fmt.Errorf("load retailer by distribution %q: %w", distributionID, err)
	}
	if len(rs) == 0 {
		return web.Retailer{}, web.Errorf(web.ENotFound, "distribution %q not found", distributionID)
	}
	return rs[0], nil
}

// Retailers returns every retailer with its origins, oldest first.
func (s *Store) Retailers(ctx context.Context) ([]web.Retailer, error) {
	rs, err := s.retailers(ctx, ``)
	if err != nil {
		return nil, fmt.Errorf("list retailers: %w", err)
	}
	return rs, nil
}

// retailers loads retailers matching where, origins included, in one query so
// that a concurrent origin change is seen whole or not at all.
func (s *Store) retailers(ctx context.Context, where string, args ...any) ([]web.Retailer, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT r.id, r.name, r.plan, r.distribution_id, r.created_at, r.theme, r.image_origins, o.origin
		FROM retailers r LEFT JOIN retailer_origins o ON o.retailer_id = r.id
		`+where+`
		ORDER BY r.created_at, r.id, o.origin`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []web.Retailer
	for rows.Next() {
		var (
			r       web.Retailer
			plan    string
			created int64
			theme   []byte
			images  []string
			origin  *string
		)
		if err := rows.Scan(&r.ID, &r.Name, &plan, &r.DistributionID, &created, &theme, &images, &origin); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].ID != r.ID {
			r.Plan, r.CreatedAt, r.Origins = web.Plan(plan), fromMillis(created), []string{}
			if theme != nil {
				// Checked again on the way out: a row written by hand is
				// refused here rather than reaching the page's CSS.
				t, err := web.ParseTheme(theme)
				if err != nil {
					return nil, fmt.Errorf("retailer %q: stored theme: %w", r.ID, err)
				}
				r.Theme = t
			}
			r.ImageOrigins = append([]string{}, images...)
			out = append(out, r)
		}
		if origin != nil {
			last := &out[len(out)-1]
			last.Origins = append(last.Origins, *origin)
		}
	}
	return out, rows.Err()
}

// AddOrigin registers an embedding origin for a retailer. Adding one that is
// already registered does nothing. The caller normalises the origin
// (web.NormalizeOrigin); origins are compared exactly.
func (s *Store) AddOrigin(ctx context.Context, retailerID, origin string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := retailerExists(ctx, tx, retailerID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx,
			`INSERT INTO retailer_origins (retailer_id, origin) VALUES ($1, $2) ON CONFLICT DO NOTHING`, retailerID, origin)
		return err
	})
	if err != nil {
		return wrap(err, "add origin %q to retailer %q", origin, retailerID)
	}
	return nil
}

// RemoveOrigin unregisters an embedding origin. It is not_found if the
// retailer does not exist or the origin was not registered.
func (s *Store) RemoveOrigin(ctx context.Context, retailerID, origin string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := retailerExists(ctx, tx, retailerID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM retailer_origins WHERE retailer_id = $1 AND origin = $2`, retailerID, origin)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return web.Errorf(web.ENotFound, "origin %q is not registered for retailer %q", origin, retailerID)
		}
		return nil
	})
	if err != nil {
		return wrap(err, "remove origin %q from retailer %q", origin, retailerID)
	}
	return nil
}

// AddImageOrigin registers an origin a retailer's product images may come
// from. Adding one that is already registered does nothing. The caller
// normalises the origin (web.NormalizeImageOrigin); origins are compared
// exactly.
func (s *Store) AddImageOrigin(ctx context.Context, retailerID, origin string) error {
	err := s.editImageOrigins(ctx, retailerID, func(origins []string) ([]string, error) {
		if i, found := slices.BinarySearch(origins, origin); !found {
			origins = slices.Insert(origins, i, origin)
		}
		return origins, nil
	})
	if err != nil {
		return wrap(err, "add image origin %q to retailer %q", origin, retailerID)
	}
	return nil
}

// RemoveImageOrigin unregisters an image origin. It is not_found if the
// retailer does not exist or the origin was not registered. Products whose
// images are on it keep them, but the planner page no longer loads them.
func (s *Store) RemoveImageOrigin(ctx context.Context, retailerID, origin string) error {
	err := s.editImageOrigins(ctx, retailerID, func(origins []string) ([]string, error) {
		i, found := slices.BinarySearch(origins, origin)
		if !found {
			return nil, web.Errorf(web.ENotFound, "image origin %q is not registered for retailer %q", origin, retailerID)
		}
		return slices.Delete(origins, i, i+1), nil
	})
	if err != nil {
		return wrap(err, "remove image origin %q from retailer %q", origin, retailerID)
	}
	return nil
}

// editImageOrigins rewrites a retailer's image origins with edit, which
// gets them sorted, in one transaction; the row lock (FOR UPDATE) keeps two
// instances' concurrent edits from losing one another.
func (s *Store) editImageOrigins(ctx context.Context, retailerID string, edit func([]string) ([]string, error)) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var origins []string
		err := tx.QueryRow(ctx, `SELECT image_origins FROM retailers WHERE id = $1 FOR UPDATE`, retailerID).Scan(&origins)
		if errors.Is(err, pgx.ErrNoRows) {
			return web.Errorf(web.ENotFound, "retailer %q not found", retailerID)
		}
		if err != nil {
			return err
		}
		slices.Sort(origins)
		origins, err = edit(slices.Compact(origins))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE retailers SET image_origins = $2 WHERE id = $1`, retailerID, imageOriginsValue(origins))
		return err
	})
}

// SetPlan changes a retailer's plan.
func (s *Store) SetPlan(ctx context.Context, retailerID string, p web.Plan) error {
	if _, err := web.ParsePlan(string(p)); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE retailers SET plan = $1 WHERE id = $2`, string(p), retailerID)
	if err != nil {
		return fmt.Errorf("set plan of retailer %q: %w", retailerID, err)
	}
	if tag.RowsAffected() == 0 {
		return web.Errorf(web.ENotFound, "retailer %q not found", retailerID)
	}
	return nil
}

// SetTheme stores a retailer's theme (checked with web.Theme.Check); the
// zero theme clears it, back to the planner's own look.
func (s *Store) SetTheme(ctx context.Context, retailerID string, t web.Theme) error {
	t, err := t.Normalize()
	if err != nil {
		return err
	}
	var value any // NULL for the zero theme
	if !t.IsZero() {
		b, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("set theme of retailer %q: %w", retailerID, err)
		}
		value = string(b)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE retailers SET theme = $1 WHERE id = $2`, value, retailerID)
	if err != nil {
		return fmt.Errorf("set theme of retailer %q: %w", retailerID, err)
	}
	if tag.RowsAffected() == 0 {
		return web.Errorf(web.ENotFound, "retailer %q not found", retailerID)
	}
	return nil
}

// retailerExists returns a not_found error if there is no retailer id. It
// takes a share lock on the retailer's row, so the retailer cannot be deleted
// before tx ends.
func retailerExists(ctx context.Context, tx pgx.Tx, id string) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM retailers WHERE id = $1 FOR KEY SHARE`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return web.Errorf(web.ENotFound, "retailer %q not found", id)
	}
	return err
}

// credentialAD binds a sealed API secret to its API key. It is the same as
// web/sqlite's, so sealed values can be copied between the backends.
func credentialAD(apiKey string) []byte { return []byte("api_credentials\x00" + apiKey) }

func (s *Store) sealSecret(apiKey string, secret []byte) []byte {
	return s.box.Seal(secret, credentialAD(apiKey))
}

// Credential returns the credential of apiKey with its secret decrypted, or
// not_found.
func (s *Store) Credential(ctx context.Context, apiKey string) (web.Credential, error) {
	c := web.Credential{APIKey: apiKey}
	var (
		sealed  []byte
		created int64
	)
	err := s.pool.QueryRow(ctx,
		`SELECT retailer_id, secret_sealed, created_at FROM api_credentials WHERE api_key = $1`, apiKey,
	).Scan(&c.RetailerID, &sealed, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return web.Credential{}, web.Errorf(web.ENotFound, "API key %q not found", apiKey)
	}
	if err != nil {
		return web.Credential{}, fmt.Errorf("load credential %q: %w", apiKey, err)
	}
	if c.Secret, err = s.box.Open(sealed, credentialAD(apiKey)); err != nil {
		return web.Credential{}, fmt.Errorf("open secret of API key %q: %w", apiKey, err)
	}
	c.CreatedAt = fromMillis(created)
	return c, nil
}

// APIKey returns the API key of a retailer's credential (the newest, the
// one RotateSecret keeps), never its secret: what the console shows. It is
// web.ENotFound when the retailer has no credential.
func (s *Store) APIKey(ctx context.Context, retailerID string) (string, error) {
	var key string
	err := s.pool.QueryRow(ctx,
		`SELECT api_key FROM api_credentials WHERE retailer_id = $1 ORDER BY created_at DESC, api_key DESC LIMIT 1`, retailerID,
	).Scan(&key)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", web.Errorf(web.ENotFound, "retailer %q has no API key", retailerID)
	}
	if err != nil {
		return "", fmt.Errorf("load API key of retailer %q: %w", retailerID, err)
	}
	return key, nil
}

// RotateSecret replaces the API secret of a retailer's credential and returns
// its API key, which does not change. The old secret stops working at once.
// If the retailer has several credentials, the newest keeps working with the
// new secret and the others are deleted; if it has none, one is created.
func (s *Store) RotateSecret(ctx context.Context, retailerID string, secret []byte) (string, error) {
	if len(secret) == 0 {
		return "", web.Errorf(web.EValidation, "the new API secret is empty")
	}
	var apiKey string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// Lock the retailer's row (not just share it): two rotations of one
		// retailer run one after the other, the second seeing the first's keys.
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM retailers WHERE id = $1 FOR NO KEY UPDATE`, retailerID).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return web.Errorf(web.ENotFound, "retailer %q not found", retailerID)
		} else if err != nil {
			return err
		}
		keys, err := queryStrings(ctx, tx,
			`SELECT api_key FROM api_credentials WHERE retailer_id = $1 ORDER BY created_at DESC, api_key DESC`, retailerID)
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			apiKey = web.NewID("pk_")
			_, err := tx.Exec(ctx,
				`INSERT INTO api_credentials (api_key, retailer_id, secret_sealed, created_at) VALUES ($1, $2, $3, $4)`,
				apiKey, retailerID, s.sealSecret(apiKey, secret), toMillis(time.Now()))
			return err
		}
		apiKey = keys[0]
		if _, err := tx.Exec(ctx, `UPDATE api_credentials SET secret_sealed = $1 WHERE api_key = $2`,
			s.sealSecret(apiKey, secret), apiKey); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM api_credentials WHERE api_key = ANY($1)`, keys[1:]); err != nil {
			return err
		}
		if err := lockLog(ctx, tx, lockCredentialRotations); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO credential_rotations (retailer_id, at) VALUES ($1, $2)`,
			retailerID, toMillis(time.Now()))
		return err
	})
	if err != nil {
		return "", wrap(err, "rotate secret of retailer %q", retailerID)
	}
	return apiKey, nil
}

// imageOriginsValue is how image origins are stored: sorted, without
// repeats, never NULL.
func imageOriginsValue(origins []string) []string {
	return append([]string{}, slices.Compact(slices.Sorted(slices.Values(origins)))...)
}
