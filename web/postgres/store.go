// Package postgres is the planner service's storage on PostgreSQL (pgx), for
// running several instances on one database. It has the method set of
// web/sqlite's Store and passes the same conformance suite (web/storetest).
// The schema is migrated with goose from the SQL files embedded from
// migrations/; API secrets and signing keys are sealed with a secretbox.Box
// before they reach the database.
//
// Open takes a PostgreSQL URL or keyword/value string as pgxpool reads it:
//
//	s, err := postgres.Open(ctx, "postgres://planner@db.internal/planner?pool_max_conns=20", box)
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/secretbox"
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

// Connection defaults, used unless the URL sets its own.
const (
	// DefaultMaxConns caps the pool (URL: pool_max_conns). Each instance of
	// the service holds at most this many server connections.
	DefaultMaxConns = 10
	// DefaultStatementTimeout is each connection's statement_timeout (URL:
	// statement_timeout, in ms, or options=-c statement_timeout=...): the
	// server cancels a statement that runs longer, so a stuck query cannot
	// hold a connection and its locks for ever.
	DefaultStatementTimeout = 15 * time.Second
	// DefaultConnectTimeout bounds dialling and authenticating (URL:
	// connect_timeout, in seconds), so that an unreachable server fails fast.
	DefaultConnectTimeout = 10 * time.Second
)

// Store is the PostgreSQL implementation of the planner's storage. It is safe
// for concurrent use, by several processes too.
//
// Transactions run at READ COMMITTED. Where two writers could otherwise both
// act on what they read, the statement that decides takes a row lock (SELECT
// ... FOR UPDATE, INSERT ... ON CONFLICT) so the second one waits and reads
// the first one's result. A transaction that fails with a serialization
// failure or a deadlock has changed nothing, so it is run again, a few times.
type Store struct {
	pool *pgxpool.Pool
	box  *secretbox.Box
}

// Open connects to the PostgreSQL database at connString (a postgres:// URL
// or keyword/value string) and applies any pending migrations. box seals and
// opens the stored secrets. Two instances opening a new database at once are
// safe: migrations run under a PostgreSQL advisory lock.
//
// The pool holds at most DefaultMaxConns connections and each connection has
// DefaultStatementTimeout, unless connString sets pool_max_conns or
// statement_timeout.
func Open(ctx context.Context, connString string, box *secretbox.Box) (*Store, error) {
	return open(ctx, connString, box, true)
}

// OpenExisting connects as Open does but applies no migration: `planner
// serve` and the admin commands use it, so only `planner migrate` changes a
// schema (check SchemaVersion).
func OpenExisting(ctx context.Context, connString string, box *secretbox.Box) (*Store, error) {
	return open(ctx, connString, box, false)
}

func open(ctx context.Context, connString string, box *secretbox.Box, migrateNow bool) (*Store, error) {
	if box == nil {
		return nil, errors.New("postgres: Open needs a secretbox.Box")
	}
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		// pgconn's parse errors leave the password out.
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if !hasParam(connString, "pool_max_conns") {
		cfg.MaxConns = DefaultMaxConns
	}
	cc := cfg.ConnConfig
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = DefaultConnectTimeout
	}
	if _, ok := cc.RuntimeParams["statement_timeout"]; !ok && !strings.Contains(cc.RuntimeParams["options"], "statement_timeout") {
		cc.RuntimeParams["statement_timeout"] = strconv.FormatInt(DefaultStatementTimeout.Milliseconds(), 10)
	}
	addr := net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port)))
	if strings.HasPrefix(cc.Host, "/") {
		addr = fmt.Sprintf("%s (port %d)", cc.Host, cc.Port)
	}

	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool, box: box}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, connectError(addr, cc, err)
	}
	if !migrateNow {
		return s, nil
	}
	if err := migrate(ctx, cc); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrate PostgreSQL database %q at %s: %w", cc.Database, addr, err)
	}
	return s, nil
}

// SchemaVersion returns the database's schema version (0 when it was never
// migrated) and the latest of this build's migrations.
func (s *Store) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	db := stdlib.OpenDBFromPool(s.pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, Migrations())
	if err != nil {
		return 0, 0, err
	}
	srcs := p.ListSources()
	latest = srcs[len(srcs)-1].Version
	// goose's own version query fails on a database without its table.
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT to_regclass('goose_db_version') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return 0, latest, nil
	}
	if current, err = p.GetDBVersion(ctx); err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	return current, latest, nil
}

// connectError explains a failed first connection: unreachable (network),
// or reached but refused (authentication, no such database).
func connectError(addr string, cc *pgx.ConnConfig, err error) error {
	msg := err.Error()
	if cc.Password != "" {
		// pgconn does not quote the password; make sure of it.
		msg = strings.ReplaceAll(msg, cc.Password, "xxxxx")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Errorf("PostgreSQL at %s refused user %q, database %q: %s", addr, cc.User, cc.Database, msg)
	}
	return fmt.Errorf("cannot reach PostgreSQL at %s: %s", addr, msg)
}

// hasParam reports whether connString (a URL or keyword/value string) sets
// the parameter name.
func hasParam(connString, name string) bool {
	if u, err := url.Parse(connString); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		return u.Query().Has(name)
	}
	return regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(name) + `\s*=`).MatchString(connString)
}

// migrate applies the pending embedded migrations, each in its own
// transaction, on connections of its own (so a pool of one connection cannot
// starve it). goose holds a session-level advisory lock meanwhile: a second
// instance opening the database at the same time waits, then finds nothing,
// or less, left to do.
func migrate(ctx context.Context, cc *pgx.ConnConfig) error {
	db := stdlib.OpenDB(*cc.Copy())
	defer db.Close()
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300)) // retry each second for 5 min
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, Migrations(), goose.WithSessionLocker(locker))
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// Close closes the pool's connections, waiting for those in use.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// txAttempts is how often inTx runs a transaction that keeps failing with a
// serialization failure or a deadlock.
const txAttempts = 4

// inTx runs f in a transaction and commits it if f returns nil; otherwise,
// nothing f did is kept. A serialization failure or deadlock, which roll the
// whole transaction back, runs f again in a new one (so f must set, not
// append to, what it reports to its caller).
func (s *Store) inTx(ctx context.Context, f func(tx pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, s.pool, f)
		if err == nil || attempt == txAttempts || !retryable(err) {
			return err
		}
		// A short random pause lets the other transaction finish first.
		pause := time.Duration(attempt)*5*time.Millisecond + rand.N(10*time.Millisecond)
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return err
		}
	}
}

// SQLSTATE codes the store handles.
const (
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeUniqueViolation      = "23505"
)

// retryable reports whether err rolled back a transaction that is safe to run
// again unchanged.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == codeSerializationFailure || pgErr.Code == codeDeadlockDetected)
}

// isConstraint reports whether err is an integrity constraint violation
// (unique, foreign key, check, not null: SQLSTATE class 23).
func isConstraint(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "23")
}

// Advisory lock keys of the change logs (pg_advisory_xact_lock). Holding one
// from before a log row's seq is handed out until commit makes the seqs of
// that log visible in commit order. The values are arbitrary but fixed; goose
// uses its own.
const (
	lockCatalogChanges      int64 = 0x706c_616e_0001 // "plan" 1
	lockCredentialRotations int64 = 0x706c_616e_0002
)

// lockLog takes a log's advisory lock until the end of tx. Take it as late as
// possible (just before inserting the log rows), so that it is held only for
// those inserts and the commit, and never while waiting for a row lock.
func lockLog(ctx context.Context, tx pgx.Tx, key int64) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, key); err != nil {
		return fmt.Errorf("lock the change log: %w", err)
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

// wrap adds context to an internal error. A *web.Error (not_found, conflict,
// validation_failed) is returned as it is: it is meant for the client, and
// callers may switch on it.
func wrap(err error, format string, args ...any) error {
	if _, ok := err.(*web.Error); ok {
		return err
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// queryStrings returns the first column of every row of a query.
func queryStrings(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, query string, args ...any) ([]string, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
