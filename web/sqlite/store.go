// Package sqlite is the planner service's embedded storage: one SQLite file
// (pure-Go driver modernc.org/sqlite) in WAL mode, migrated with goose from the
// SQL files embedded from migrations/. API secrets and signing keys are sealed
// with a secretbox.Box before they reach the file.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/secretbox"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the embedded goose migrations (00001_init.sql, ...).
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded; this cannot fail
	}
	return sub
}

// Store is the SQLite implementation of the planner's storage. It is safe for
// concurrent use.
//
// It holds two connection pools on the same file: writes go through a single
// connection (SQLite allows one writer at a time, so queueing in Go is fairer
// and cheaper than spinning on SQLITE_BUSY), and every transaction there
// starts with BEGIN IMMEDIATE so it never fails half-way to upgrade a read
// lock. Reads use a pool of read-only connections that WAL lets run beside the
// writer. The 5 s busy timeout covers other processes (the admin CLI) writing
// to the same file.
type Store struct {
	wdb *sql.DB // one connection; every write
	rdb *sql.DB // read-only (PRAGMA query_only) connections
	box *secretbox.Box
}

// Open opens (creating if needed) the SQLite database at path and applies any
// pending migrations. box seals and opens the stored secrets.
func Open(ctx context.Context, path string, box *secretbox.Box) (*Store, error) {
	return open(ctx, path, box, true)
}

// OpenExisting opens the SQLite database at path without creating or
// migrating it: a missing file is an error that wraps fs.ErrNotExist. Its
// schema may be older or newer than this build's; callers check
// SchemaVersion before using it.
func OpenExisting(ctx context.Context, path string, box *secretbox.Box) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		// Opening would create the file: refuse before the driver does.
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return open(ctx, path, box, false)
}

func open(ctx context.Context, path string, box *secretbox.Box, migrating bool) (*Store, error) {
	if box == nil {
		return nil, errors.New("sqlite: Open needs a secretbox.Box")
	}
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") || path == ":memory:" {
		// The driver would read a '?' as the start of its parameters, and an
		// in-memory database would differ between the two pools.
		return nil, fmt.Errorf("sqlite: %q is not a usable database file path", path)
	}
	common := url.Values{}
	common.Add("_pragma", "busy_timeout(5000)")
	common.Add("_pragma", "foreign_keys(1)")

	w := cloneValues(common)
	w.Add("_pragma", "journal_mode(WAL)")
	w.Set("_txlock", "immediate")
	wdb, err := sql.Open("sqlite", path+"?"+w.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)

	// The first connection turns a new file to WAL, which needs the file's
	// exclusive lock; SQLite answers SQLITE_BUSY at once, without waiting
	// out busy_timeout, when another opener of the new file holds a lock it
	// would deadlock on. There is nothing to wait on but time, so retry a
	// few times with a short pause.
	var mode string
	for attempt := 1; ; attempt++ {
		err := wdb.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
		if err == nil {
			break
		}
		if !isBusy(err) || attempt == 20 || ctx.Err() != nil {
			wdb.Close()
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		time.Sleep(time.Duration(attempt) * 10 * time.Millisecond)
	}
	if !strings.EqualFold(mode, "wal") {
		wdb.Close()
		return nil, fmt.Errorf("open %s: journal mode is %q, want wal (is the file on a network file system?)", path, mode)
	}
	if migrating {
		if err := migrate(ctx, wdb); err != nil {
			wdb.Close()
			return nil, fmt.Errorf("migrate %s: %w", path, err)
		}
	}

	r := cloneValues(common)
	r.Add("_pragma", "query_only(1)")
	rdb, err := sql.Open("sqlite", path+"?"+r.Encode())
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	rdb.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{wdb: wdb, rdb: rdb, box: box}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return s, nil
}

func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// migrate applies the pending embedded migrations, each in its own transaction.
//
// Two processes opening a new file at once (the server and the admin CLI) may
// both find it unmigrated. Their transactions are serialized (BEGIN
// IMMEDIATE), so the second one fails on the tables the first just created
// and rolls back whole; running Up again then reads the first one's version
// and has nothing, or less, left to do. A migration that is really broken
// fails every attempt and its error is returned. Every lost race means
// another opener applied a migration, so one attempt per migration (plus
// one) is always enough.
func migrate(ctx context.Context, db *sql.DB) error {
	var err error
	for attempt, attempts := 0, 1; attempt < attempts; attempt++ {
		var p *goose.Provider
		if p, err = goose.NewProvider(goose.DialectSQLite3, db, Migrations()); err != nil {
			return err
		}
		attempts = len(p.ListSources()) + 1
		if _, err = p.Up(ctx); err == nil || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// SchemaVersion reports the database's schema version (the newest migration
// applied to it; 0 for a file never migrated) and the newest embedded
// migration's. It changes nothing, so it may be asked of a file opened with
// OpenExisting whatever its schema.
func (s *Store) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	p, err := goose.NewProvider(goose.DialectSQLite3, s.rdb, Migrations())
	if err != nil {
		return 0, 0, err
	}
	srcs := p.ListSources()
	latest = srcs[len(srcs)-1].Version
	// goose's own version query fails on a file without its table, which
	// is what a never-migrated file is.
	var n int
	if err := s.rdb.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'").Scan(&n); err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	if n == 0 {
		return 0, latest, nil
	}
	if current, err = p.GetDBVersion(ctx); err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	return current, latest, nil
}

// Close closes the database. WAL content is checkpointed into the main file
// when the last connection closes.
func (s *Store) Close() error {
	// Close readers first so the writer's connection is the last one and
	// checkpoints the WAL.
	return errors.Join(s.rdb.Close(), s.wdb.Close())
}

// Ping checks that the database answers on both pools.
func (s *Store) Ping(ctx context.Context) error {
	for _, db := range []*sql.DB{s.rdb, s.wdb} {
		var one int
		if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
			return fmt.Errorf("ping database: %w", err)
		}
	}
	return nil
}

// inTx runs f in a write transaction (BEGIN IMMEDIATE) and commits it if f
// returns nil; otherwise, nothing f did is kept.
func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// toMillis converts t to the stored form: Unix milliseconds.
func toMillis(t time.Time) int64 { return t.UnixMilli() }

// fromMillis converts a stored time back, in UTC.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// stored returns t as it reads back from the database: UTC, whole milliseconds.
func stored(t time.Time) time.Time { return fromMillis(toMillis(t)) }

// nowIfZero returns t, or the current time if t is zero.
func nowIfZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// isBusy reports whether err is SQLITE_BUSY (the database is locked).
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// isConstraint reports whether err is an SQLite constraint violation
// (UNIQUE, PRIMARY KEY, FOREIGN KEY, CHECK, NOT NULL).
func isConstraint(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}

// wrap adds context to an internal error. A *web.Error (not_found, conflict,
// validation_failed) is returned as it is: it is meant for the client, and
// callers may switch on it.
func wrap(err error, format string, args ...any) error {
	if _, ok := err.(*web.Error); ok {
		return err
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
