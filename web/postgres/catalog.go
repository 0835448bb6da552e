package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
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
//
// The change log rows are written last, under an advisory lock held until
// commit (see lockLog), so that their seqs become visible in commit order.
func (s *Store) ImportCatalog(ctx context.Context, retailerID string, cats []web.Category, products []web.Product, replace bool) error {
	if err := checkImport(cats, products); err != nil {
		return err
	}
	now := toMillis(time.Now())
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := retailerExists(ctx, tx, retailerID); err != nil {
			return err
		}
		known := make(map[string]bool, len(cats))
		if !replace {
			ids, err := queryStrings(ctx, tx, `SELECT id FROM categories WHERE retailer_id = $1`, retailerID)
			if err != nil {
				return err
			}
			for _, id := range ids {
				known[id] = true
			}
		}
		for _, c := range cats {
			known[c.ID] = true
		}
		for _, p := range products {
			if !known[p.Category] {
				return web.Errorf(web.EValidation, "product %q is in category %q, which is not in the catalog", p.ID, p.Category)
			}
		}
		if err := upsertCategories(ctx, tx, retailerID, cats); err != nil {
			return err
		}
		changed, err := upsertProducts(ctx, tx, retailerID, products, now)
		if err != nil {
			return err
		}
		var removed []string
		if replace {
			// Products first: a category still in use cannot go (foreign key).
			productIDs := make([]string, len(products))
			for i, p := range products {
				productIDs[i] = p.ID
			}
			if removed, err = deleteOthers(ctx, tx, "products", retailerID, productIDs); err != nil {
				return err
			}
			slices.Sort(removed) // by id, as byte strings, like the "C" collation
			catIDs := make([]string, len(cats))
			for i, c := range cats {
				catIDs[i] = c.ID
			}
			if _, err := deleteOthers(ctx, tx, "categories", retailerID, catIDs); err != nil {
				return err
			}
		}
		return logChanges(ctx, tx, retailerID, changed, removed, now)
	})
	if err != nil {
		return wrap(err, "import catalog of retailer %q", retailerID)
	}
	return nil
}

// upsertCategories inserts or updates cats, in one round trip.
func upsertCategories(ctx context.Context, tx pgx.Tx, retailerID string, cats []web.Category) error {
	var b pgx.Batch
	for _, c := range cats {
		b.Queue(`
			INSERT INTO categories (retailer_id, id, name, position) VALUES ($1, $2, $3, $4)
			ON CONFLICT (retailer_id, id) DO UPDATE SET name = excluded.name, position = excluded.position`,
			retailerID, c.ID, c.Name, c.Position)
	}
	br := tx.SendBatch(ctx, &b)
	defer br.Close()
	for _, c := range cats {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("category %q: %w", c.ID, err)
		}
	}
	return br.Close()
}

// upsertProducts inserts or updates products, in one round trip, and returns
// the ids of those it really wrote, in import order. updated_at only moves
// when a product really changes, so it can tell what an import changed.
func upsertProducts(ctx context.Context, tx pgx.Tx, retailerID string, products []web.Product, now int64) ([]string, error) {
	var b pgx.Batch
	for _, p := range products {
		b.Queue(`
			INSERT INTO products (retailer_id, id, name, category, description, width, depth, height,
				price, currency, color, mount, mount_height, image, search, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
			ON CONFLICT (retailer_id, id) DO UPDATE SET
				name = excluded.name, category = excluded.category, description = excluded.description,
				width = excluded.width, depth = excluded.depth, height = excluded.height,
				price = excluded.price, currency = excluded.currency, color = excluded.color,
				mount = excluded.mount, mount_height = excluded.mount_height, image = excluded.image, search = excluded.search, updated_at = excluded.updated_at
			WHERE (products.name, products.category, products.description, products.width, products.depth,
				products.height, products.price, products.currency, products.color, products.mount, products.mount_height, products.image)
			   IS DISTINCT FROM (excluded.name, excluded.category, excluded.description, excluded.width, excluded.depth,
				excluded.height, excluded.price, excluded.currency, excluded.color, excluded.mount, excluded.mount_height, excluded.image)`,
			retailerID, p.ID, p.Name, p.Category, p.Description,
			p.Width, p.Depth, p.Height, p.Price, p.Currency, p.Color, p.Mount, p.MountHeight, p.Image, searchText(p), now)
	}
	br := tx.SendBatch(ctx, &b)
	defer br.Close()
	var changed []string
	for _, p := range products {
		// The upsert affects no row when its WHERE found nothing to change.
		tag, err := br.Exec()
		if err != nil {
			if isConstraint(err) {
				return nil, web.Errorf(web.EValidation, "product %q: %v", p.ID, err)
			}
			return nil, fmt.Errorf("product %q: %w", p.ID, err)
		}
		if tag.RowsAffected() > 0 {
			changed = append(changed, p.ID)
		}
	}
	return changed, br.Close()
}

// logChanges writes the change log rows of an import: an 'updated' one for
// each id of changed, then a 'removed' one for each of removed, in that
// order. It takes the log's advisory lock first, so that no transaction that
// got its seqs later commits before this one.
func logChanges(ctx context.Context, tx pgx.Tx, retailerID string, changed, removed []string, at int64) error {
	if len(changed)+len(removed) == 0 {
		return nil
	}
	if err := lockLog(ctx, tx, lockCatalogChanges); err != nil {
		return err
	}
	// One insert per row, in a batch: the statements run in order, so seqs
	// follow the order of the rows.
	const insert = `INSERT INTO catalog_changes (retailer_id, product_id, change, at) VALUES ($1, $2, $3, $4)`
	var b pgx.Batch
	for _, id := range changed {
		b.Queue(insert, retailerID, id, "updated", at)
	}
	for _, id := range removed {
		b.Queue(insert, retailerID, id, "removed", at)
	}
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return fmt.Errorf("log catalog changes: %w", err)
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

// deleteOthers deletes the retailer's rows of table whose id is not in keep
// and returns their ids.
func deleteOthers(ctx context.Context, tx pgx.Tx, table, retailerID string, keep []string) ([]string, error) {
	if keep == nil {
		keep = []string{} // an empty array, not NULL
	}
	// table is one of two constants, never input.
	ids, err := queryStrings(ctx, tx, `DELETE FROM `+table+` WHERE retailer_id = $1
		AND NOT (id = ANY($2)) RETURNING id`, retailerID, keep)
	if err != nil {
		return nil, fmt.Errorf("delete %s not in the import: %w", table, err)
	}
	return ids, nil
}

// searchText is what a product query's Q is matched against: name and
// description, lowercased with Unicode rules in Go, as web/sqlite stores it.
func searchText(p web.Product) string {
	return strings.ToLower(p.Name + "\n" + p.Description)
}

// likeEscaper makes a string match itself in LIKE ... ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// Categories returns a retailer's categories with their product counts,
// ordered by position, then id.
func (s *Store) Categories(ctx context.Context, retailerID string) ([]web.Category, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT c.id, c.name, c.position,
			(SELECT count(*) FROM products p WHERE p.retailer_id = c.retailer_id AND p.category = c.id)
		FROM categories c WHERE c.retailer_id = $1
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

func scanProduct(row pgx.Row) (web.Product, error) {
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
	query := `SELECT ` + productColumns + ` FROM products WHERE retailer_id = $1 AND id > $2`
	args := []any{retailerID, q.Cursor}
	if q.Category != "" {
		args = append(args, q.Category)
		query += fmt.Sprintf(` AND category = $%d`, len(args))
	}
	if q.Q != "" {
		args = append(args, "%"+likeEscaper.Replace(strings.ToLower(q.Q))+"%")
		query += fmt.Sprintf(` AND search LIKE $%d ESCAPE '\'`, len(args))
	}
	// One more than a page tells whether another page follows.
	args = append(args, limit+1)
	query += fmt.Sprintf(` ORDER BY id LIMIT $%d`, len(args))
	rows, err := s.pool.Query(ctx, query, args...)
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
	p, err := scanProduct(s.pool.QueryRow(ctx,
		`SELECT `+productColumns+` FROM products WHERE retailer_id = $1 AND id = $2`, retailerID, id))
	if errors.Is(err, pgx.ErrNoRows) {
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
	missing, err := queryStrings(ctx, s.pool, `
		SELECT j.id FROM unnest($1::text[]) WITH ORDINALITY AS j (id, n)
		WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.retailer_id = $2 AND p.id = j.id)
		ORDER BY j.n`, distinct, retailerID)
	if err != nil {
		return nil, fmt.Errorf("check products of retailer %q: %w", retailerID, err)
	}
	return missing, nil
}
