package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"
	"github.com/roomplanner/planner/web/secretbox"
	"github.com/roomplanner/planner/web/sqlite"
)

// latestSchema is the embedded migrations' newest version.
func latestSchema(t *testing.T) int64 {
	t.Helper()
	p, err := goose.NewProvider(goose.DialectSQLite3, rawDB(t, ":memory:"), sqlite.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	srcs := p.ListSources()
	return srcs[len(srcs)-1].Version
}

// rawDB opens the file as another tool would, beside the planner.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// runServeOnce runs "planner serve" on db, expecting it to refuse to start.
func runServeOnce(t *testing.T, db string, env map[string]string) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env["PLANNER_DB"] = db
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	}()
	err := <-done
	if err == nil {
		t.Fatalf("serve on %s started", db)
	}
	return err
}

func schemaVersionOf(t *testing.T, out string) int64 {
	t.Helper()
	var m struct{ SchemaVersion int64 }
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("migrate printed %q: %v", out, err)
	}
	return m.SchemaVersion
}

func TestMigrateCreatesAndUpgrades(t *testing.T) {
	t.Parallel()
	latest := latestSchema(t)
	dir := t.TempDir()

	fresh := filepath.Join(dir, "fresh.db")
	if got := schemaVersionOf(t, mustCLI(t, fresh, "migrate")); got != latest {
		t.Errorf("migrate on a new file: schema %d, want %d", got, latest)
	}
	if _, err := os.Stat(fresh + ".key"); err != nil {
		t.Errorf("migrate made no key file: %v", err)
	}
	if got := schemaVersionOf(t, mustCLI(t, fresh, "migrate")); got != latest {
		t.Errorf("migrate again: schema %d, want %d", got, latest)
	}

	// A file an older build migrated: serve refuses it until it is upgraded.
	older := filepath.Join(dir, "older.db")
	// As that build did: the key file first, then the database.
	if _, err := secretbox.LoadKey(func(string) string { return "" }, older); err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, rawDB(t, older), sqlite.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(context.Background(), latest-1); err != nil {
		t.Fatal(err)
	}
	err = runServeOnce(t, older, map[string]string{})
	if want := "upgrade it with: planner migrate --db " + older; !strings.Contains(err.Error(), want) {
		t.Errorf("serve on an older schema: %v, want it to say %q", err, want)
	}
	if _, err := runCLI(t, older, "entity", "list"); err == nil || !strings.Contains(err.Error(), "planner migrate --db "+older) {
		t.Errorf("entity list on an older schema: %v, want the migrate command", err)
	}
	if got := schemaVersionOf(t, mustCLI(t, older, "migrate")); got != latest {
		t.Errorf("migrate upgrading: schema %d, want %d", got, latest)
	}
	_, stop := startServe(t, older)
	stop()
}

func TestServeRefusesUnmigratedSchema(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	missing := filepath.Join(dir, "missing.db")
	err := runServeOnce(t, missing, map[string]string{})
	if want := "database file " + missing + " does not exist; create it with: planner migrate --db " + missing; !strings.Contains(err.Error(), want) {
		t.Errorf("serve on a missing file: %v, want %q", err, want)
	}
	for _, p := range []string{missing, missing + ".key"} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("serve on a missing file left %s: %v", p, err)
		}
	}

	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err = runServeOnce(t, empty, map[string]string{})
	if !strings.Contains(err.Error(), "never migrated") || !strings.Contains(err.Error(), "planner migrate --db "+empty) {
		t.Errorf("serve on an empty file: %v, want never migrated and the migrate command", err)
	}
}

func TestServeRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	latest := latestSchema(t)
	db := filepath.Join(t.TempDir(), "planner.db")
	mustCLI(t, db, "migrate")
	if _, err := rawDB(t, db).Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, 1)`, latest+1); err != nil {
		t.Fatal(err)
	}
	err := runServeOnce(t, db, map[string]string{})
	if !strings.Contains(err.Error(), "newer than this build") || !strings.Contains(err.Error(), "planner migrate --db "+db) {
		t.Errorf("serve on a newer schema: %v, want newer and the migrate command", err)
	}
	if _, err := runCLI(t, db, "migrate"); err == nil || !strings.Contains(err.Error(), "never downgrade") {
		t.Errorf("migrate on a newer schema: %v, want a refusal to downgrade", err)
	}
}

func TestAdminRefusesMissingDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.db")
	for _, args := range [][]string{
		{"entity", "list"},
		{"entity", "create", "--name", "Shop", "--origin", "https://shop.example"},
		{"signing-key", "rotate"},
		{"catalog", "seed", "le_x"},
	} {
		_, err := runCLI(t, typo, args...)
		if want := "database file " + typo + " does not exist; create it with: planner migrate --db " + typo; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("planner %s on a missing file: %v, want %q", strings.Join(args, " "), err, want)
		}
	}
	for _, p := range []string{typo, typo + ".key"} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("admin commands on a missing file left %s: %v", p, err)
		}
	}
}

func TestMissingDirectory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "nowhere")
	db := filepath.Join(dir, "planner.db")
	want := "directory " + dir + " does not exist"
	for _, args := range [][]string{{"migrate"}, {"entity", "list"}} {
		if _, err := runCLI(t, db, args...); err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "key") {
			t.Errorf("planner %s in a missing directory: %v, want %q (and no word of a key file)", args[0], err, want)
		}
	}
	if err := runServeOnce(t, db, map[string]string{}); !strings.Contains(err.Error(), want) {
		t.Errorf("serve in a missing directory: %v, want %q", err, want)
	}
}

func TestPostgresNeedsMasterKey(t *testing.T) {
	t.Parallel()
	// Port 1 on loopback: nothing listens, so the connection is refused at
	// once (no name lookup, no traffic beyond this machine).
	const url = "postgres://planner:s3cret-pw@127.0.0.1:1/planner?connect_timeout=2"
	run1 := func(env map[string]string, args ...string) error {
		env["PLANNER_DB"] = url
		var out bytes.Buffer
		return run(context.Background(), args, func(k string) string { return env[k] }, &out, io.Discard)
	}
	for _, args := range [][]string{{"migrate"}, {"entity", "list"}} {
		err := run1(map[string]string{}, args...)
		if err == nil || !strings.Contains(err.Error(), "PLANNER_MASTER_KEY is not set") || !strings.Contains(err.Error(), "no key file") {
			t.Errorf("planner %s on PostgreSQL without a key: %v, want PLANNER_MASTER_KEY named", args[0], err)
		}
	}
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	err := run1(map[string]string{"PLANNER_MASTER_KEY": key}, "migrate")
	if err == nil || !strings.Contains(err.Error(), "cannot reach PostgreSQL at 127.0.0.1:1") {
		t.Errorf("migrate on an unreachable PostgreSQL: %v, want cannot reach PostgreSQL at 127.0.0.1:1", err)
	}
	if err != nil && strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("error %q shows the password", err)
	}
}
