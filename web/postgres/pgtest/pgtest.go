// Package pgtest gives tests a throwaway PostgreSQL database. It is imported
// only by tests: the server is named by PLANNER_TEST_POSTGRES_URL (bash
// .ci/test.sh starts a throwaway cluster and sets it), and without it the
// calling test is skipped with a message that says how to run it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable that points the tests at a PostgreSQL server.
// Its user must be allowed to create databases: each test gets its own.
const EnvURL = "PLANNER_TEST_POSTGRES_URL"

// AdminURL returns the server's URL, or skips t when none is set.
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		t.Skip("PostgreSQL tests skipped: set " + EnvURL + "=postgres://... (bash .ci/test.sh starts a throwaway cluster and sets it)")
	}
	return u
}

// NewDatabase creates an empty database for t, dropped when t ends, and
// returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL", EnvURL)
	}
	b := make([]byte, 8)
	rand.Read(b)
	name := "planner_t_" + hex.EncodeToString(b)

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
