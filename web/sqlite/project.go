package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/roomplanner/planner/web"
)

// Projects returns the summaries of a user's projects at one retailer, most
// recently updated first.
func (s *Store) Projects(ctx context.Context, retailerID, uid string) ([]web.ProjectSummary, error) {
	rows, err := s.rdb.QueryContext(ctx, `
		SELECT id, name, room_width, room_depth, json_array_length(items), version, updated_at
		FROM projects WHERE retailer_id = ? AND owner_uid = ?
		ORDER BY updated_at DESC, id`, retailerID, uid)
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	defer rows.Close()
	var out []web.ProjectSummary
	for rows.Next() {
		var (
			p       web.ProjectSummary
			updated int64
		)
		if err := rows.Scan(&p.ID, &p.Name, &p.Room.Width, &p.Room.Depth, &p.ItemCount, &p.Version, &updated); err != nil {
			return nil, fmt.Errorf("list projects: %w", err)
		}
		p.UpdatedAt = fromMillis(updated)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return out, nil
}

// Project returns a user's project. A project of another owner or retailer is
// not_found, exactly like one that does not exist.
func (s *Store) Project(ctx context.Context, retailerID, uid, id string) (web.Project, error) {
	return loadProject(ctx, s.rdb, retailerID, uid, id)
}

// loadProject reads a project through q (the read pool or a transaction).
func loadProject(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, retailerID, uid, id string) (web.Project, error) {
	p := web.Project{ID: id, RetailerID: retailerID, OwnerUID: uid}
	var (
		items            string
		shape            sql.NullString
		created, updated int64
	)
	err := q.QueryRowContext(ctx, `
		SELECT name, room_width, room_depth, room_shape, items, version, created_at, updated_at
		FROM projects WHERE id = ? AND retailer_id = ? AND owner_uid = ?`, id, retailerID, uid,
	).Scan(&p.Name, &p.Room.Width, &p.Room.Depth, &shape, &items, &p.Version, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return web.Project{}, projectNotFound(id)
	}
	if err != nil {
		return web.Project{}, fmt.Errorf("load project %q: %w", id, err)
	}
	if err := json.Unmarshal([]byte(items), &p.Items); err != nil {
		return web.Project{}, fmt.Errorf("load project %q: items: %w", id, err)
	}
	if p.Items == nil {
		p.Items = []web.Item{}
	}
	if err := p.Room.SetShapeJSON([]byte(shape.String)); err != nil {
		return web.Project{}, fmt.Errorf("load project %q: %w", id, err)
	}
	p.CreatedAt, p.UpdatedAt = fromMillis(created), fromMillis(updated)
	return p, nil
}

func projectNotFound(id string) error {
	return web.Errorf(web.ENotFound, "project %q not found", id)
}

// marshalShape returns the room_shape column of a room: NULL for version 1.
func marshalShape(r web.Room) (sql.NullString, error) {
	b, err := r.ShapeJSON()
	return sql.NullString{String: string(b), Valid: b != nil}, err
}

func marshalItems(items []web.Item) (string, error) {
	if items == nil {
		items = []web.Item{}
	}
	b, err := json.Marshal(items)
	return string(b), err
}

// CreateProject stores a new project p; the caller sets its ID, RetailerID,
// OwnerUID, document, Version (1; zero means 1) and times. It returns the
// project as stored (times in UTC, whole milliseconds) and created = true.
//
// With an idempotencyKey, the call is remembered under (retailer, owner, key)
// with requestHash. Repeating it with the same hash returns the project the
// first call created and created = false (not_found if that project has been
// deleted since); with another hash it fails with validation_failed. Concurrent
// calls with one key create exactly one project.
func (s *Store) CreateProject(ctx context.Context, p web.Project, idempotencyKey, requestHash string) (web.Project, bool, error) {
	if p.ID == "" || p.RetailerID == "" || p.OwnerUID == "" {
		return web.Project{}, false, fmt.Errorf("create project: id, retailer and owner are required")
	}
	if p.Version <= 0 {
		p.Version = 1
	}
	p.CreatedAt = stored(nowIfZero(p.CreatedAt))
	p.UpdatedAt = stored(nowIfZero(p.UpdatedAt))
	if p.Items == nil {
		p.Items = []web.Item{}
	}
	shape, err := marshalShape(p.Room)
	if err != nil {
		return web.Project{}, false, fmt.Errorf("create project %q: %w", p.ID, err)
	}
	items, err := marshalItems(p.Items)
	if err != nil {
		return web.Project{}, false, fmt.Errorf("create project %q: %w", p.ID, err)
	}
	var (
		out     = p
		created bool
	)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if idempotencyKey != "" {
			var hash, projectID string
			err := tx.QueryRowContext(ctx, `
				SELECT request_hash, project_id FROM idempotency
				WHERE retailer_id = ? AND owner_uid = ? AND key = ?`, p.RetailerID, p.OwnerUID, idempotencyKey,
			).Scan(&hash, &projectID)
			switch {
			case err == nil && hash != requestHash:
				return web.Errorf(web.EValidation, "Idempotency-Key %q was already used for a different request", idempotencyKey)
			case err == nil:
				out, err = loadProject(ctx, tx, p.RetailerID, p.OwnerUID, projectID)
				return err
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("look up Idempotency-Key: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO projects (id, retailer_id, owner_uid, name, room_width, room_depth, room_shape, items, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.RetailerID, p.OwnerUID, p.Name, p.Room.Width, p.Room.Depth, shape, items, p.Version,
			toMillis(p.CreatedAt), toMillis(p.UpdatedAt)); err != nil {
			if isConstraint(err) {
				return web.Errorf(web.EConflict, "project %q already exists", p.ID)
			}
			return err
		}
		if idempotencyKey != "" {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO idempotency (retailer_id, owner_uid, key, request_hash, project_id, created_at)
				VALUES (?, ?, ?, ?, ?, ?)`,
				p.RetailerID, p.OwnerUID, idempotencyKey, requestHash, p.ID, toMillis(p.CreatedAt)); err != nil {
				return fmt.Errorf("remember Idempotency-Key: %w", err)
			}
		}
		created = true
		return nil
	})
	if err != nil {
		return web.Project{}, false, wrap(err, "create project %q", p.ID)
	}
	return out, created, nil
}

// checkVersion reads the current version of a user's project in tx and
// returns not_found, or a conflict carrying currentVersion if it is not
// ifVersion.
func checkVersion(ctx context.Context, tx *sql.Tx, retailerID, uid, id string, ifVersion int64) error {
	var current int64
	err := tx.QueryRowContext(ctx,
		`SELECT version FROM projects WHERE id = ? AND retailer_id = ? AND owner_uid = ?`, id, retailerID, uid,
	).Scan(&current)
	if errors.Is(err, sql.ErrNoRows) {
		return projectNotFound(id)
	}
	if err != nil {
		return err
	}
	if current != ifVersion {
		return &web.Error{
			Code:    web.EConflict,
			Message: fmt.Sprintf("project changed since version %d; current version is %d", ifVersion, current),
			Extra:   map[string]any{"currentVersion": current},
		}
	}
	return nil
}

// UpdateProject replaces the document of a user's project if its version is
// still ifVersion, increments the version and sets UpdatedAt to now. It
// returns not_found, or conflict with Extra["currentVersion"] when the
// project has changed since ifVersion.
func (s *Store) UpdateProject(ctx context.Context, retailerID, uid, id string, ifVersion int64, doc web.ProjectDoc, now time.Time) (web.Project, error) {
	shape, err := marshalShape(doc.Room)
	if err != nil {
		return web.Project{}, fmt.Errorf("update project %q: %w", id, err)
	}
	items, err := marshalItems(doc.Items)
	if err != nil {
		return web.Project{}, fmt.Errorf("update project %q: %w", id, err)
	}
	var p web.Project
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := checkVersion(ctx, tx, retailerID, uid, id, ifVersion); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE projects SET name = ?, room_width = ?, room_depth = ?, room_shape = ?, items = ?, version = version + 1, updated_at = ?
			WHERE id = ?`, doc.Name, doc.Room.Width, doc.Room.Depth, shape, items, toMillis(nowIfZero(now)), id); err != nil {
			return err
		}
		p, err = loadProject(ctx, tx, retailerID, uid, id)
		return err
	})
	if err != nil {
		return web.Project{}, wrap(err, "update project %q", id)
	}
	return p, nil
}

// DeleteProject deletes a user's project if its version is still ifVersion,
// with the same not_found and conflict errors as UpdateProject.
func (s *Store) DeleteProject(ctx context.Context, retailerID, uid, id string, ifVersion int64) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := checkVersion(ctx, tx, retailerID, uid, id, ifVersion); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM projects WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return wrap(err, "delete project %q", id)
	}
	return nil
}

// PurgeIdempotency forgets Idempotency-Keys recorded before before; a repeat
// of such a call creates a new project.
func (s *Store) PurgeIdempotency(ctx context.Context, before time.Time) error {
	if _, err := s.wdb.ExecContext(ctx, `DELETE FROM idempotency WHERE created_at < ?`, toMillis(before)); err != nil {
		return fmt.Errorf("purge idempotency records before %s: %w", before.UTC().Format(time.RFC3339), err)
	}
	return nil
}
