package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/roomplanner/planner/web"
)

// Product page sizes: a ProductQuery.Limit of zero or less means
// DefaultProductLimit; larger limits are capped at MaxProductLimit.
const (
	DefaultProductLimit = 50
	MaxProductLimit     = 1000
)

// ImportCatalog upserts a retailer's categories and products in one
// transaction. With replace, the retailer's categories and products that are
// not in the import are deleted, so the import becomes the whole catalog.
// Every product's category must be in the import or (without replace) already
// stored. On any error nothing is changed. Product.RetailerID is ignored.
func (s *Store) ImportCatalog(ctx context.Context, retailerID string, cats []web.Category, products []web.Product, replace bool) error {
	if err := checkImport(cats, products); err != nil {
		return err
	}
	now := toMillis(time.Now())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := retailerExists(ctx, tx, retailerID); err != nil {
			return err
		}
		known := make(map[string]bool, len(cats))
		if !replace {
			ids, err := queryStrings(ctx, tx, `SELECT id FROM categories WHERE retailer_id = ?`, retailerID)
			if err != nil {
				return err
			}
			for _, id := range ids {
				known[id] = true
			}
		}
		catStmt, err := tx.PrepareContext(ctx, `
			INSERT INTO categories (retailer_id, id, name, position) VALUES (?, ?, ?, ?)
			ON CONFLICT (retailer_id, id) DO UPDATE SET name = excluded.name, position = excluded.position`)
		if err != nil {
			return err
		}
		defer catStmt.Close()
		for _, c := range cats {
			known[c.ID] = true
			if _, err := catStmt.ExecContext(ctx, retailerID, c.ID, c.Name, c.Position); err != nil {
				return fmt.Errorf("category %q: %w", c.ID, err)
			}
		}
		// updated_at only moves when a product really changes, so it can tell
		// what an import changed.
		prodStmt, err := tx.PrepareContext(ctx, `
			INSERT INTO products (retailer_id, id, name, category, description, width, depth, height,
				price, currency, color, mount, mount_height, image, search, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (retailer_id, id) DO UPDATE SET
				name = excluded.name, category = excluded.category, description = excluded.description,
				width = excluded.width, depth = excluded.depth, height = excluded.height,
				price = excluded.price, currency = excluded.currency, color = excluded.color,
				mount = excluded.mount, mount_height = excluded.mount_height, image = excluded.image, search = excluded.search, updated_at = excluded.updated_at
			WHERE (products.name, products.category, products.description, products.width, products.depth,
				products.height, products.price, products.currency, products.color, products.mount, products.mount_height, products.image)
			   IS NOT (excluded.name, excluded.category, excluded.description, excluded.width, excluded.depth,
				excluded.height, excluded.price, excluded.currency, excluded.color, excluded.mount, excluded.mount_height, excluded.image)`)
		if err != nil {
			return err
		}
		defer prodStmt.Close()
		// The change log gets a row for each product the upsert really wrote
		// (RowsAffected is 0 when its WHERE found nothing to change), in the
		// same transaction, so it records exactly what this import committed.
		logStmt, err := tx.PrepareContext(ctx, `
			INSERT INTO catalog_changes (retailer_id, product_id, change, at) VALUES (?, ?, 'updated', ?)`)
		if err != nil {
			return err
		}
		defer logStmt.Close()
		for _, p := range products {
			if !known[p.Category] {
				return web.Errorf(web.EValidation, "product %q is in category %q, which is not in the catalog", p.ID, p.Category)
			}
			res, err := prodStmt.ExecContext(ctx, retailerID, p.ID, p.Name, p.Category, p.Description,
				p.Width, p.Depth, p.Height, p.Price, p.Currency, p.Color, p.Mount, p.MountHeight, p.Image, searchText(p), now)
			if err != nil {
				if isConstraint(err) {
					return web.Errorf(web.EValidation, "product %q: %v", p.ID, err)
				}
				return fmt.Errorf("product %q: %w", p.ID, err)
			} else if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("product %q: %w", p.ID, err)
			} else if n > 0 {
				if _, err := logStmt.ExecContext(ctx, retailerID, p.ID, now); err != nil {
					return fmt.Errorf("log change of product %q: %w", p.ID, err)
				}
			}
		}
		if !replace {
			return nil
		}
		// Products first: a category still in use cannot go (foreign key).
		productIDs := make([]string, len(products))
		for i, p := range products {
			productIDs[i] = p.ID
		}
		if err := logRemovals(ctx, tx, retailerID, productIDs, now); err != nil {
			return err
		}
		if err := deleteOthers(ctx, tx, "products", retailerID, productIDs); err != nil {
			return err
		}
		catIDs := make([]string, len(cats))
		for i, c := range cats {
			catIDs[i] = c.ID
		}
		return deleteOthers(ctx, tx, "categories", retailerID, catIDs)
	})
	if err != nil {
		return wrap(err, "import catalog of retailer %q", retailerID)
	}
	return nil
}

// checkImport rejects what the import can tell is wrong before touching the
// database: missing or duplicate ids and negative sizes or prices.
func checkImport(cats []web.Category, products []web.Product) error {
	seen := make(map[string]bool, len(cats))
	for i, c := range cats {
		switch {
		case c.ID == "":
			return web.Errorf(web.EValidation, "category #%d has no id", i+1)
		case seen[c.ID]:
			return web.Errorf(web.EValidation, "category %q appears twice", c.ID)
		}
		seen[c.ID] = true
	}
	seen = make(map[string]bool, len(products))
	for i, p := range products {
		switch {
		case p.ID == "":
			return web.Errorf(web.EValidation, "product #%d has no id", i+1)
		case seen[p.ID]:
			return web.Errorf(web.EValidation, "product %q appears twice", p.ID)
		case p.Width < 0 || p.Depth < 0 || p.Height < 0:
			return web.Errorf(web.EValidation, "product %q has a negative dimension", p.ID)
		case p.Price < 0:
			return web.Errorf(web.EValidation, "product %q has a negative price", p.ID)
		}
		seen[p.ID] = true
	}
	return nil
}

// logRemovals writes a 'removed' change for each of the retailer's products
// whose id is not in keep: those a replacing import is about to delete.
func logRemovals(ctx context.Context, tx *sql.Tx, retailerID string, keep []string, at int64) error {
	ids, err := json.Marshal(keep)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO catalog_changes (retailer_id, product_id, change, at)
		SELECT retailer_id, id, 'removed', ? FROM products
		WHERE retailer_id = ? AND id NOT IN (SELECT value FROM json_each(?))
		ORDER BY id`, at, retailerID, string(ids))
	if err != nil {
		return fmt.Errorf("log products removed by the import: %w", err)
	}
	return nil
}

// deleteOthers deletes the retailer's rows of table whose id is not in keep.
func deleteOthers(ctx context.Context, tx *sql.Tx, table, retailerID string, keep []string) error {
	ids, err := json.Marshal(keep)
	if err != nil {
		return err
	}
	// table is one of two constants, never input.
	_, err = tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE retailer_id = ?
		AND id NOT IN (SELECT value FROM json_each(?))`, retailerID, string(ids))
	if err != nil {
		return fmt.Errorf("delete %s not in the import: %w", table, err)
	}
	return nil
}

// searchText is what a product query's Q is matched against: name and
// description, lowercased with Unicode rules (SQLite's LIKE folds ASCII only).
func searchText(p web.Product) string {
	return strings.ToLower(p.Name + "\n" + p.Description)
}

// likeEscaper makes a string match itself in LIKE ... ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// Categories returns a retailer's categories with their product counts,
// ordered by position, then id.
func (s *Store) Categories(ctx context.Context, retailerID string) ([]web.Category, error) {
	rows, err := s.rdb.QueryContext(ctx, `
		SELECT c.id, c.name, c.position,
			(SELECT count(*) FROM products p WHERE p.retailer_id = c.retailer_id AND p.category = c.id)
		FROM categories c WHERE c.retailer_id = ?
		ORDER BY c.position, c.id`, retailerID)
	if err != nil {
		return nil, fmt.Errorf("list categories of retailer %q: %w", retailerID, err)
	}
	defer rows.Close()
	var cats []web.Category
	for rows.Next() {
		var c web.Category
		if err := rows.Scan(&c.ID, &c.Name, &c.Position, &c.Count); err != nil {
			return nil, fmt.Errorf("list categories of retailer %q: %w", retailerID, err)
		}
		cats = append(cats, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list categories of retailer %q: %w", retailerID, err)
	}
	return cats, nil
}

const productColumns = `id, retailer_id, name, category, description, width, depth, height, price, currency, color, mount, mount_height, image`

func scanProduct(row interface{ Scan(...any) error }) (web.Product, error) {
	var p web.Product
	err := row.Scan(&p.ID, &p.RetailerID, &p.Name, &p.Category, &p.Description,
		&p.Width, &p.Depth, &p.Height, &p.Price, &p.Currency, &p.Color, &p.Mount, &p.MountHeight, &p.Image)
	return p, err
}

// Products returns one page of a retailer's products, ordered by id: those
// after q.Cursor, in q.Category if set, whose name or description contains q.Q
// (case-insensitive, literally: '%' and '_' are not wildcards). nextCursor is
// the last id of the page when more products follow, else "".
func (s *Store) Products(ctx context.Context, retailerID string, q web.ProductQuery) ([]web.Product, string, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultProductLimit
	}
	limit = min(limit, MaxProductLimit)
	query := `SELECT ` + productColumns + ` FROM products WHERE retailer_id = ? AND id > ?`
	args := []any{retailerID, q.Cursor}
	if q.Category != "" {
		query += ` AND category = ?`
		args = append(args, q.Category)
	}
	if q.Q != "" {
		query += ` AND search LIKE ? ESCAPE '\'`
		args = append(args, "%"+likeEscaper.Replace(strings.ToLower(q.Q))+"%")
	}
	// One more than a page tells whether another page follows.
	query += ` ORDER BY id LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list products of retailer %q: %w", retailerID, err)
	}
	defer rows.Close()
	var ps []web.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list products of retailer %q: %w", retailerID, err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list products of retailer %q: %w", retailerID, err)
	}
	next := ""
	if len(ps) > limit {
		ps = ps[:limit]
		next = ps[limit-1].ID
	}
	return ps, next, nil
}

// Product returns one of a retailer's products.
func (s *Store) Product(ctx context.Context, retailerID, id string) (web.Product, error) {
	p, err := scanProduct(s.rdb.QueryRowContext(ctx,
		`SELECT `+productColumns+` FROM products WHERE retailer_id = ? AND id = ?`, retailerID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return web.Product{}, web.Errorf(web.ENotFound, "product %q not found", id)
	}
	if err != nil {
		return web.Product{}, fmt.Errorf("load product %q: %w", id, err)
	}
	return p, nil
}

// MissingProducts returns the ids, in their first order and without repeats,
// that are not products of the retailer's catalog.
func (s *Store) MissingProducts(ctx context.Context, retailerID string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	seen := make(map[string]bool, len(ids))
	distinct := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			distinct = append(distinct, id)
		}
	}
	list, err := json.Marshal(distinct)
	if err != nil {
		return nil, err
	}
	missing, err := queryStrings(ctx, s.rdb, `
		SELECT j.value FROM json_each(?) j
		WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.retailer_id = ? AND p.id = j.value)
		ORDER BY j.key`, string(list), retailerID)
	if err != nil {
		return nil, fmt.Errorf("check products of retailer %q: %w", retailerID, err)
	}
	return missing, nil
}

// queryStrings returns the first column of every row of a query.
func queryStrings(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
