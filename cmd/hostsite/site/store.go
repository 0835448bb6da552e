package site

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/roomplanner/planner/web/signin"
	"golang.org/x/crypto/bcrypt"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store keeps the host site's users, sessions and baskets in its own SQLite file.
type Store struct {
	db *sql.DB
}

// OpenStore opens (creating and migrating) the host site's database.
func OpenStore(ctx context.Context, path string) (*Store, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4)
	sub, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// User is a shop customer.
type User struct {
	ID       string
	Username string
}

// ErrBadLogin is the one answer to a wrong user name or password.
var ErrBadLogin = errors.New("wrong user name or password")

// CreateUser adds a user with a bcrypt-hashed password. It fails if the name is taken.
func (s *Store) CreateUser(ctx context.Context, username, password string) (User, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return User{}, err
	}
	u := User{ID: "u_" + randomString(9), Username: username}
	_, err = s.db.ExecContext(ctx, `INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)`,
		u.ID, username, string(hash), time.Now().Unix())
	if err != nil {
		return User{}, fmt.Errorf("create user %q: %w", username, err)
	}
	return u, nil
}

// SetPassword replaces a user's password.
func (s *Store) SetPassword(ctx context.Context, username, password string) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE username = ?`, string(hash), username)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("no user %q", username)
	}
	return nil
}

// HasUser reports whether username exists.
func (s *Store) HasUser(ctx context.Context, username string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE username = ?`, username).Scan(&n)
	return n > 0, err
}

// dummyHash makes a login with an unknown name cost as much as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password"), bcrypt.DefaultCost)

// Authenticate checks a user name and password.
func (s *Store) Authenticate(ctx context.Context, username, password string) (User, error) {
	var u User
	var hash string
	err := s.db.QueryRowContext(ctx, `SELECT id, username, password_hash FROM users WHERE username = ?`, username).Scan(&u.ID, &u.Username, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return User{}, ErrBadLogin
	} else if err != nil {
		return User{}, err
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return User{}, ErrBadLogin
	}
	return u, nil
}

// Session is a browser's session: anonymous, or signed in as User.
type Session struct {
	ID   string // hash of the cookie value
	User User   // zero for a guest
	CSRF string
}

// NewSession starts a session and returns it with the cookie value to set.
func (s *Store) NewSession(ctx context.Context, user User, ttl time.Duration) (Session, string, error) {
	value := signin.NewSessionValue()
	sess := Session{ID: hashValue(value), User: user, CSRF: randomString(24)}
	var uid any
	if user.ID != "" {
		uid = user.ID
	}
	now := time.Now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		sess.ID, uid, sess.CSRF, now.Unix(), now.Add(ttl).Unix())
	if err != nil {
		return Session{}, "", fmt.Errorf("new session: %w", err)
	}
	return sess, value, nil
}

// Session finds the live session of a cookie value.
func (s *Store) Session(ctx context.Context, value string) (Session, bool, error) {
	if value == "" || len(value) > 128 {
		return Session{}, false, nil
	}
	var sess Session
	var uid, uname sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT s.id_hash, s.csrf, u.id, u.username FROM sessions s LEFT JOIN users u ON u.id = s.user_id
		WHERE s.id_hash = ? AND s.expires_at > ?`, hashValue(value), time.Now().Unix()).Scan(&sess.ID, &sess.CSRF, &uid, &uname)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, false, nil
	} else if err != nil {
		return Session{}, false, err
	}
	sess.User = User{ID: uid.String, Username: uname.String}
	return sess, true, nil
}

// EndSession deletes a session; its basket is carried over to newID when given.
func (s *Store) EndSession(ctx context.Context, id, newID string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if newID != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE basket_items SET session_id = ? WHERE session_id = ?`, newID, id); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, id); err != nil {
		return err
	}
	return tx.Commit()
}

// BasketItem is one product line in a basket. UnitPrice is in minor units.
type BasketItem struct {
	ProductID string `json:"productId"`
	Name      string `json:"name"`
	Quantity  int    `json:"quantity"`
	UnitPrice int64  `json:"unitPrice"`
	Currency  string `json:"currency"`
}

// AddToBasket adds items to a session's basket, summing quantities of the same product.
func (s *Store) AddToBasket(ctx context.Context, sessionID string, items []BasketItem) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, it := range items {
		_, err := tx.ExecContext(ctx, `INSERT INTO basket_items (session_id, product_id, name, quantity, unit_price, currency) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (session_id, product_id) DO UPDATE SET quantity = quantity + excluded.quantity, unit_price = excluded.unit_price, name = excluded.name, currency = excluded.currency`,
			sessionID, it.ProductID, it.Name, it.Quantity, it.UnitPrice, it.Currency)
		if err != nil {
			return fmt.Errorf("add %q to basket: %w", it.ProductID, err)
		}
	}
	return tx.Commit()
}

// Basket lists a session's basket.
func (s *Store) Basket(ctx context.Context, sessionID string) ([]BasketItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT product_id, name, quantity, unit_price, currency FROM basket_items WHERE session_id = ? ORDER BY name, product_id`, sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var items []BasketItem
	for rows.Next() {
		var it BasketItem
		if err := rows.Scan(&it.ProductID, &it.Name, &it.Quantity, &it.UnitPrice, &it.Currency); err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, rows.Err()
}

// ClearBasket empties a session's basket.
func (s *Store) ClearBasket(ctx context.Context, sessionID string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM basket_items WHERE session_id = ?`, sessionID)
	return err
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashValue(v string) string {
	h := sha256.Sum256([]byte(v))
	return hex.EncodeToString(h[:])
}
