package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/roomplanner/planner/web"
)

// CreateConsoleUser stores a console user of an existing retailer. An email
// that is taken (at any retailer) is web.EConflict; an unknown retailer is
// web.ENotFound.
func (s *Store) CreateConsoleUser(ctx context.Context, u web.ConsoleUser) error {
	if u.ID == "" || u.Email == "" || len(u.PasswordHash) == 0 {
		return web.Errorf(web.EValidation, "a console user needs an id, an email and a password hash")
	}
	if _, err := s.Retailer(ctx, u.RetailerID); err != nil {
		return err
	}
	_, err := s.wdb.ExecContext(ctx, `
		INSERT INTO console_users (id, retailer_id, email, password_hash, must_change, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, u.ID, u.RetailerID, u.Email, u.PasswordHash, u.MustChange, toMillis(nowIfZero(u.CreatedAt)))
	if isConstraint(err) {
		return web.Errorf(web.EConflict, "a console user with the email %q already exists", u.Email)
	}
	if err != nil {
		return wrap(err, "create console user")
	}
	return nil
}

// ConsoleUser returns the console user of email (normalized), or
// web.ENotFound.
func (s *Store) ConsoleUser(ctx context.Context, email string) (web.ConsoleUser, error) {
	var (
		u  web.ConsoleUser
		at int64
	)
	err := s.rdb.QueryRowContext(ctx, `
		SELECT id, retailer_id, email, password_hash, must_change, created_at FROM console_users WHERE email = ?`, email).
		Scan(&u.ID, &u.RetailerID, &u.Email, &u.PasswordHash, &u.MustChange, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return u, web.ErrNotFound
	}
	if err != nil {
		return u, wrap(err, "read console user")
	}
	u.CreatedAt = fromMillis(at)
	return u, nil
}

// SetConsolePassword replaces a console user's password hash and whether it
// must be changed at the next sign-in.
func (s *Store) SetConsolePassword(ctx context.Context, id string, hash []byte, mustChange bool) error {
	res, err := s.wdb.ExecContext(ctx, `UPDATE console_users SET password_hash = ?, must_change = ? WHERE id = ?`, hash, mustChange, id)
	if err != nil {
		return wrap(err, "set console password")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return web.ErrNotFound
	}
	return nil
}
