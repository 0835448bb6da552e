package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/roomplanner/planner/web"
)

// dumpTables are the tables a dump holds, in load order (parents first).
// The two change logs are not among them: see web.DumpRecord.
var dumpTables = []string{"retailers", "retailer_origins", "api_credentials", "console_users", "signing_keys",
	"categories", "products", "projects", "idempotency", "retailer_metrics"}

// Dump calls emit with every row a dump holds, in dump order (web/dump): type
// by type, each sorted by its key, from one read transaction so that the rows
// are a consistent snapshot. Sealed secrets are passed as stored, unopened.
func (s *Store) Dump(ctx context.Context, emit func(web.DumpRecord) error) error {
	// REPEATABLE READ gives every query of the dump the same snapshot.
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("dump: begin: %w", err)
	}
	// A read transaction: there is nothing to commit.
	defer tx.Rollback(ctx)
	// A table's rows stream to a writer that may be slow (a pipe, a disk);
	// the default statement timeout is for the service's short queries.
	if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	for _, d := range []struct {
		what, query string
		row         func(scan func(...any) error) (web.DumpRecord, error)
	}{
		{"retailers", `
			SELECT r.id, r.name, r.plan, r.distribution_id, r.created_at,
				coalesce((SELECT json_agg(origin ORDER BY origin)::text
					FROM retailer_origins o WHERE o.retailer_id = r.id), '[]'),
				r.theme, r.image_origins
			FROM retailers r ORDER BY r.id`,
			func(scan func(...any) error) (web.DumpRecord, error) {
				var (
					r       web.Retailer
					plan    string
					created int64
					origins string
					theme   []byte
				)
				if err := scan(&r.ID, &r.Name, &plan, &r.DistributionID, &created, &origins, &theme, &r.ImageOrigins); err != nil {
					return web.DumpRecord{}, err
				}
				if theme != nil {
					t, err := web.ParseTheme(theme)
					if err != nil {
						return web.DumpRecord{}, fmt.Errorf("theme of retailer %q: %w", r.ID, err)
					}
					r.Theme = t
				}
				r.Plan, r.CreatedAt = web.Plan(plan), fromMillis(created)
				if err := json.Unmarshal([]byte(origins), &r.Origins); err != nil {
					return web.DumpRecord{}, fmt.Errorf("origins of retailer %q: %w", r.ID, err)
				}
				// Byte order, as the dump wants, whatever the aggregate did.
				slices.Sort(r.Origins)
				slices.Sort(r.ImageOrigins)
				return web.DumpRecord{Retailer: &r}, nil
			}},
		{"API credentials", `SELECT api_key, retailer_id, secret_sealed, created_at FROM api_credentials ORDER BY api_key`,
			func(scan func(...any) error) (web.DumpRecord, error) {
				var (
					c       web.SealedCredential
					created int64
				)
				if err := scan(&c.APIKey, &c.RetailerID, &c.SecretSealed, &created); err != nil {
					return web.DumpRecord{}, err
				}
				c.CreatedAt = fromMillis(created)
				return web.DumpRecord{Credential: &c}, nil
			}},
		{"console users", `SELECT id, retailer_id, email, password_hash, must_change, created_at FROM console_users ORDER BY id`,
			func(scan func(...any) error) (web.DumpRecord, error) {
				var (
					u       web.ConsoleUser
					created int64
				)
				if err := scan(&u.ID, &u.RetailerID, &u.Email, &u.PasswordHash, &u.MustChange, &created); err != nil {
					return web.DumpRecord{}, err
				}
				u.CreatedAt = fromMillis(created)
				return web.DumpRecord{ConsoleUser: &u}, nil
			}},
		{"signing keys", `SELECT kid, private_sealed, created_at, retired_at FROM signing_keys ORDER BY kid`,
			func(scan func(...any) error) (web.DumpRecord, error) {
				var (
					k       web.SealedSigningKey
					created int64
					retired *int64
				)
				if err := scan(&k.KID, &k.PrivateSealed, &created, &retired); err != nil {
					return web.DumpRecord{}, err
				}
				k.CreatedAt = fromMillis(created)
				if retired != nil {
					k.RetiredAt = fromMillis(*retired)
				}
				return web.DumpRecord{SigningKey: &k}, nil
			}},
		{"categories", `SELECT retailer_id, id, name, position FROM categories ORDER BY retailer_id, id`,
			func(scan func(...any) error) (web.DumpRecord, error) {
				var c web.DumpCategory
				if err := scan(&c.RetailerID, &c.ID, &c.Name, &c.Position); err != nil {
					return web.DumpRecord{}, err
				}
				return web.DumpRecord{Category: &c}, nil
			}},
		{"products", `
			SELECT retailer_id, id, name, category, description, width, depth, height, price, currency, color, mount, mount_height, image, updated_at
			FROM products ORDER BY retailer_id, id`,
			func(scan func(...any) error) (web.DumpRecord, error) {
				var (
					p       web.DumpProduct
					updated int64
				)
				if err := scan(&p.RetailerID, &p.ID, &p.Name, &p.Category, &p.Description, &p.Width, &p.Depth,
					&p.Height, &p.Price, &p.Currency, &p.Color, &p.Mount, &p.MountHeight, &p.Image, &updated); err != nil {
					return web.DumpRecord{}, err
				}
				p.UpdatedAt = fromMillis(updated)
				return web.DumpRecord{Product: &p}, nil
			}},
		{"projects", `
			SELECT id, retailer_id, owner_uid, name, room_width, room_depth, room_shape::text, items::text, version, created_at, updated_at
			FROM projects ORDER BY id`,
			func(scan func(...any) error) (web.DumpRecord, error) {
				var (
					p                web.Project
					items            string
					shape            *string
					created, updated int64
				)
				if err := scan(&p.ID, &p.RetailerID, &p.OwnerUID, &p.Name, &p.Room.Width, &p.Room.Depth, &shape, &items,
					&p.Version, &created, &updated); err != nil {
					return web.DumpRecord{}, err
				}
				if err := json.Unmarshal([]byte(items), &p.Items); err != nil {
					return web.DumpRecord{}, fmt.Errorf("items of project %q: %w", p.ID, err)
				}
				if err := p.Room.SetShapeJSON([]byte(deref(shape))); err != nil {
					return web.DumpRecord{}, fmt.Errorf("project %q: %w", p.ID, err)
				}
				p.CreatedAt, p.UpdatedAt = fromMillis(created), fromMillis(updated)
				return web.DumpRecord{Project: &p}, nil
			}},
		{"idempotency records", `
			SELECT retailer_id, owner_uid, key, request_hash, project_id, created_at
			FROM idempotency ORDER BY retailer_id, owner_uid, key`,
			func(scan func(...any) error) (web.DumpRecord, error) {
				var (
					r       web.IdempotencyRecord
					created int64
				)
				if err := scan(&r.RetailerID, &r.OwnerUID, &r.Key, &r.RequestHash, &r.ProjectID, &created); err != nil {
					return web.DumpRecord{}, err
				}
				r.CreatedAt = fromMillis(created)
				return web.DumpRecord{Idempotency: &r}, nil
			}},
		{"retailer metrics", `SELECT retailer_id, minute, name, value FROM retailer_metrics ORDER BY retailer_id, minute, name`,
			func(scan func(...any) error) (web.DumpRecord, error) {
				var (
					m      web.MetricCount
					minute int64
				)
				if err := scan(&m.RetailerID, &minute, &m.Name, &m.Value); err != nil {
					return web.DumpRecord{}, err
				}
				m.Minute = time.Unix(minute*60, 0).UTC() // stored in Unix minutes
				return web.DumpRecord{Metric: &m}, nil
			}},
	} {
		if err := dumpQuery(ctx, tx, d.query, d.row, emit); err != nil {
			return fmt.Errorf("dump %s: %w", d.what, err)
		}
	}
	return nil
}

func dumpQuery(ctx context.Context, tx pgx.Tx, query string, row func(func(...any) error) (web.DumpRecord, error), emit func(web.DumpRecord) error) error {
	rows, err := tx.Query(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		rec, err := row(rows.Scan)
		if err != nil {
			return err
		}
		if err := emit(rec); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Load writes the records of a dump in one transaction: all of them or,
// on any error (the iterator's included), none. Sealed secrets are stored as
// they come, so the database must be used with the master key the dump was
// made under. Unless intoNonEmpty, a database that has any row in the tables
// a dump fills is refused with an error wrapping web.ErrNotEmpty. Even with
// it, Load never overwrites: a record whose key is taken fails the whole load
// as a conflict. The change logs get no entries.
func (s *Store) Load(ctx context.Context, records iter.Seq2[web.DumpRecord, error], intoNonEmpty bool) error {
	// Not inTx: it would run f again after a serialization failure, and the
	// records cannot be read twice. A load into a new database has nobody to
	// conflict with.
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Hold off every other writer until commit, so that the emptiness
		// checked below stays true while the dump goes in (READ COMMITTED
		// alone would let another instance or the admin CLI insert rows
		// between the check and the inserts). Readers are not blocked.
		if _, err := tx.Exec(ctx, `LOCK TABLE `+strings.Join(dumpTables, ", ")+` IN EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("load dump: lock tables: %w", err)
		}
		if !intoNonEmpty {
			var full []string
			for _, t := range dumpTables {
				var n bool
				if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+`)`).Scan(&n); err != nil {
					return fmt.Errorf("load dump: %w", err)
				}
				if n {
					full = append(full, t)
				}
			}
			if len(full) > 0 {
				return fmt.Errorf("%w: it has rows in %s", web.ErrNotEmpty, strings.Join(full, ", "))
			}
		}
		for rec, err := range records {
			if err != nil {
				return err
			}
			if err := loadRecord(ctx, tx, rec); err != nil {
				return err
			}
		}
		return nil
	})
}

func loadRecord(ctx context.Context, tx pgx.Tx, rec web.DumpRecord) error {
	var (
		what  string
		err   error
		exec  = func(q string, args ...any) { _, err = tx.Exec(ctx, q, args...) }
		items string
	)
	switch {
	case rec.Retailer != nil:
		r := rec.Retailer
		what = fmt.Sprintf("retailer %q", r.ID)
		exec(`INSERT INTO retailers (id, name, plan, distribution_id, created_at, theme, image_origins) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			r.ID, r.Name, string(r.Plan), r.DistributionID, toMillis(r.CreatedAt), themeValue(r.Theme), imageOriginsValue(r.ImageOrigins))
		for _, o := range r.Origins {
			if err != nil {
				break
			}
			exec(`INSERT INTO retailer_origins (retailer_id, origin) VALUES ($1, $2)`, r.ID, o)
		}
	case rec.Credential != nil:
		c := rec.Credential
		what = fmt.Sprintf("API credential %q", c.APIKey)
		exec(`INSERT INTO api_credentials (api_key, retailer_id, secret_sealed, created_at) VALUES ($1, $2, $3, $4)`,
			c.APIKey, c.RetailerID, c.SecretSealed, toMillis(c.CreatedAt))
	case rec.ConsoleUser != nil:
		u := rec.ConsoleUser
		what = fmt.Sprintf("console user %q", u.Email)
		exec(`INSERT INTO console_users (id, retailer_id, email, password_hash, must_change, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			u.ID, u.RetailerID, u.Email, u.PasswordHash, u.MustChange, toMillis(u.CreatedAt))
	case rec.SigningKey != nil:
		k := rec.SigningKey
		what = fmt.Sprintf("signing key %q", k.KID)
		var retired *int64
		if !k.RetiredAt.IsZero() {
			v := toMillis(k.RetiredAt)
			retired = &v
		}
		exec(`INSERT INTO signing_keys (kid, private_sealed, created_at, retired_at) VALUES ($1, $2, $3, $4)`,
			k.KID, k.PrivateSealed, toMillis(k.CreatedAt), retired)
	case rec.Category != nil:
		c := rec.Category
		what = fmt.Sprintf("category %q of retailer %q", c.ID, c.RetailerID)
		exec(`INSERT INTO categories (retailer_id, id, name, position) VALUES ($1, $2, $3, $4)`, c.RetailerID, c.ID, c.Name, c.Position)
	case rec.Product != nil:
		p := rec.Product
		what = fmt.Sprintf("product %q of retailer %q", p.ID, p.RetailerID)
		exec(`
			INSERT INTO products (retailer_id, id, name, category, description, width, depth, height,
				price, currency, color, mount, mount_height, image, search, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			p.RetailerID, p.ID, p.Name, p.Category, p.Description, p.Width, p.Depth, p.Height,
			p.Price, p.Currency, p.Color, p.Mount, p.MountHeight, p.Image, searchText(p.Product), toMillis(p.UpdatedAt))
	case rec.Project != nil:
		p := rec.Project
		what = fmt.Sprintf("project %q", p.ID)
		shape, serr := marshalShape(p.Room)
		if items, err = marshalItems(p.Items); err == nil && serr == nil {
			exec(`
				INSERT INTO projects (id, retailer_id, owner_uid, name, room_width, room_depth, room_shape, items, version, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11)`,
				p.ID, p.RetailerID, p.OwnerUID, p.Name, p.Room.Width, p.Room.Depth, shape, items, p.Version,
				toMillis(p.CreatedAt), toMillis(p.UpdatedAt))
		}
	case rec.Idempotency != nil:
		r := rec.Idempotency
		what = fmt.Sprintf("idempotency record %q of %q at retailer %q", r.Key, r.OwnerUID, r.RetailerID)
		exec(`
			INSERT INTO idempotency (retailer_id, owner_uid, key, request_hash, project_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, r.RetailerID, r.OwnerUID, r.Key, r.RequestHash, r.ProjectID, toMillis(r.CreatedAt))
	case rec.Metric != nil:
		m := rec.Metric
		what = fmt.Sprintf("metric %s of retailer %q at %s", m.Name, m.RetailerID, m.Minute.UTC().Format(time.RFC3339))
		exec(`INSERT INTO retailer_metrics (retailer_id, minute, name, value) VALUES ($1, $2, $3, $4)`,
			m.RetailerID, m.Minute.Unix()/60, m.Name, m.Value)
	default:
		return fmt.Errorf("load dump: an empty record")
	}
	if isConstraint(err) {
		return web.Errorf(web.EConflict, "load %s: %v (a key is already taken or a row it refers to is missing)", what, err)
	}
	if err != nil {
		return fmt.Errorf("load %s: %w", what, err)
	}
	return nil
}

// themeValue is how a theme is stored: JSON, or NULL for none (the dump's
// reader checked it).
func themeValue(t web.Theme) any {
	if t.IsZero() {
		return nil
	}
	b, _ := json.Marshal(t) // a struct of strings and an int: cannot fail
	return string(b)
}
