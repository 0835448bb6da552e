package sqlite

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"
)

func TestOpenExistingRefusesMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "typo.db")
	if s, err := OpenExisting(t.Context(), path, testBox(t)); !errors.Is(err, fs.ErrNotExist) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("OpenExisting on a missing file: %v, want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenExisting left a file behind: %v", err)
	}
}

// TestSchemaVersion opens files at every stage, never migrating them with
// OpenExisting.
func TestSchemaVersion(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	files, err := fs.Glob(Migrations(), "*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("embedded migrations: %v, %v", files, err)
	}
	latest := int64(len(files)) // 00001_..., 00002_...: numbered from 1 without gaps
	dir := t.TempDir()
	version := func(path string) (int64, int64) {
		t.Helper()
		s, err := OpenExisting(ctx, path, testBox(t))
		if err != nil {
			t.Fatalf("OpenExisting: %v", err)
		}
		defer s.Close()
		cur, lat, err := s.SchemaVersion(ctx)
		if err != nil {
			t.Fatalf("SchemaVersion: %v", err)
		}
		return cur, lat
	}

	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if cur, lat := version(empty); cur != 0 || lat != latest {
		t.Errorf("empty file: schema %d of %d, want 0 of %d", cur, lat, latest)
	}
	// Asking twice changes nothing: still unmigrated.
	if cur, _ := version(empty); cur != 0 {
		t.Errorf("empty file asked again: schema %d, want 0", cur)
	}

	// A file one migration behind, as an older build left it.
	older := filepath.Join(dir, "older.db")
	if err := os.WriteFile(older, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := OpenExisting(ctx, older, testBox(t))
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, s.wdb, Migrations())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, latest-1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if cur, _ := version(older); cur != latest-1 {
		t.Errorf("one behind: schema %d, want %d", cur, latest-1)
	}
	s, err = Open(ctx, older, testBox(t))
	if err != nil {
		t.Fatalf("Open upgrading: %v", err)
	}
	if cur, lat, err := s.SchemaVersion(ctx); err != nil || cur != latest || lat != latest {
		t.Errorf("after Open upgraded: schema %d of %d (%v), want %d of %d", cur, lat, err, latest, latest)
	}
	// Now one ahead, as a newer build would leave it.
	if _, err := s.wdb.ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, 1)`, latest+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if cur, lat := version(older); cur != latest+1 || lat != latest {
		t.Errorf("one ahead: schema %d of %d, want %d of %d", cur, lat, latest+1, latest)
	}
}
