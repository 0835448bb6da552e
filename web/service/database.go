package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/roomplanner/planner/web/postgres"
	"github.com/roomplanner/planner/web/secretbox"
	"github.com/roomplanner/planner/web/sqlite"
)

// ErrNoDatabase is what the error of OpenExistingStore for a SQLite file that
// does not exist wraps (errors.Is).
var ErrNoDatabase = errors.New("no such database")

// missingDatabase is the error for a SQLite file that does not exist.
type missingDatabase struct{ path string }

func (e *missingDatabase) Error() string        { return "database file " + e.path + " does not exist" }
func (e *missingDatabase) Is(target error) bool { return target == ErrNoDatabase }

// SchemaError reports a database whose schema is not the one this build's
// migrations end at: never migrated (Current 0), older, or newer.
type SchemaError struct {
	DB              string // as DisplayName shows it
	Current, Latest int64
}

func (e *SchemaError) Error() string {
	switch {
	case e.Current == 0:
		return fmt.Sprintf("database %s has no schema (it was never migrated)", e.DB)
	case e.Current < e.Latest:
		return fmt.Sprintf("database %s has schema version %d; this build needs %d", e.DB, e.Current, e.Latest)
	}
	return fmt.Sprintf("database %s has schema version %d, newer than this build's %d", e.DB, e.Current, e.Latest)
}

// Newer reports whether the database was migrated by a newer build, which no
// migration of this one undoes.
func (e *SchemaError) Newer() bool { return e.Current > e.Latest }

// IsPostgres reports whether db names a PostgreSQL database (a postgres:// or
// postgresql:// URL) rather than a SQLite file path.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// DisplayName returns db as it may be shown or logged: a URL without its
// password.
func DisplayName(db string) string {
	if !IsPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		// Never echo it: the part that fails to parse may be the password.
		return strings.SplitN(db, "://", 2)[0] + "://(a URL that does not parse)"
	}
	return u.Redacted()
}

// OpenStore opens the database db names and applies its pending migrations,
// creating a SQLite file if there is none: a postgres:// or postgresql:// URL
// opens PostgreSQL, anything else is a SQLite file path. The master key comes
// from getenv (PLANNER_MASTER_KEY) or, for SQLite only, the key file beside
// the database (created if need be). A database migrated by a newer build is
// refused (*SchemaError).
func OpenStore(ctx context.Context, db string, getenv func(string) string) (Store, error) {
	return openStore(ctx, db, getenv, true)
}

// OpenExistingStore opens the database db names as OpenStore does, but creates
// and migrates nothing: a SQLite file that does not exist is refused
// (ErrNoDatabase) before any key file is made beside it, and so is a schema
// other than the one this build's migrations end at (*SchemaError).
func OpenExistingStore(ctx context.Context, db string, getenv func(string) string) (Store, error) {
	return openStore(ctx, db, getenv, false)
}

func openStore(ctx context.Context, db string, getenv func(string) string, migrate bool) (Store, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	var st Store
	if IsPostgres(db) {
		// There is no file beside a server's database to keep a key in.
		if strings.TrimSpace(getenv(secretbox.EnvMasterKey)) == "" {
			return nil, fmt.Errorf("%s is not set: a PostgreSQL database takes its master key from it alone (there is no key file beside it); generate one with: head -c 32 /dev/urandom | base64", secretbox.EnvMasterKey)
		}
		box, err := loadBox(getenv, "")
		if err != nil {
			return nil, err
		}
		open := postgres.OpenExisting
		if migrate {
			open = postgres.Open
		}
		if st, err = open(ctx, db, box); err != nil {
			return nil, fmt.Errorf("open database %s: %w", DisplayName(db), err)
		}
	} else {
		if err := checkSQLitePath(db, migrate); err != nil {
			return nil, err
		}
		box, err := loadBox(getenv, db)
		if err != nil {
			return nil, err
		}
		open := sqlite.OpenExisting
		if migrate {
			open = sqlite.Open
		}
		s, err := open(ctx, db, box)
		if err != nil {
			return nil, fmt.Errorf("open database %s: %w", db, err)
		}
		st = s
	}
	if err := checkSchema(ctx, st, db); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// checkSQLitePath reports a missing directory as such, rather than as the
// key file that cannot be made in it, and, unless migrate, a missing file.
func checkSQLitePath(path string, migrate bool) error {
	dir := filepath.Dir(path)
	switch fi, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist (database %s)", dir, path)
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory (database %s)", dir, path)
	}
	if migrate {
		return nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return &missingDatabase{path: path}
	} else if err != nil {
		return err
	}
	return nil
}

func loadBox(getenv func(string) string, path string) (*secretbox.Box, error) {
	key, err := secretbox.LoadKey(getenv, path)
	if err != nil {
		return nil, fmt.Errorf("load master key: %w", err)
	}
	box, err := secretbox.New(key)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return box, nil
}

// checkSchema refuses a schema other than this build's latest (after
// migrating, only a newer one can remain).
func checkSchema(ctx context.Context, st Store, db string) error {
	cur, latest, err := st.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("database %s: %w", DisplayName(db), err)
	}
	if cur != latest {
		return &SchemaError{DB: DisplayName(db), Current: cur, Latest: latest}
	}
	return nil
}
