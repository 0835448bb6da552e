package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/retailerops"
	"github.com/roomplanner/planner/web/service"
)

func TestConsoleUserAdd(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "planner.db")
	mustCLI(t, db, "migrate")
	var e struct{ ID string }
	_ = json.Unmarshal([]byte(mustCLI(t, db, "entity", "create", "--name", "Shop", "--origin", "https://shop.example")), &e)

	var out struct{ ID, Entity, Email, OneTimePassword string }
	if err := json.Unmarshal([]byte(mustCLI(t, db, "console", "user", "add", "--entity", e.ID, "--email", "Staff@Shop.example")), &out); err != nil {
		t.Fatal(err)
	}
	if out.Entity != e.ID || out.Email != "staff@shop.example" || len(out.OneTimePassword) < 20 {
		t.Fatalf("console user add printed %+v", out)
	}
	for _, args := range [][]string{
		{"console", "user", "add", "--entity", e.ID, "--email", "staff@shop.example"}, // taken
		{"console", "user", "add", "--entity", "le_nobody", "--email", "x@shop.example"},
		{"console", "user", "add", "--entity", e.ID, "--email", "not an email"},
		{"console", "user", "add", "--email", "y@shop.example"},
		{"console", "user", "remove", "--entity", e.ID, "--email", "y@shop.example"},
	} {
		if _, err := runCLI(t, db, args...); err == nil {
			t.Errorf("planner %v succeeded", args)
		}
	}

	// The printed password signs in, once it is changed it no longer does.
	st, err := service.OpenExistingStore(context.Background(), db, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ops := retailerops.New(st)
	u, err := ops.CheckConsolePassword(t.Context(), "staff@shop.example", out.OneTimePassword)
	if err != nil || !u.MustChange || u.RetailerID != e.ID {
		t.Fatalf("sign in with the one-time password: %+v, %v", u, err)
	}
	if err := ops.ChangeConsolePassword(t.Context(), "staff@shop.example", out.OneTimePassword, "a much longer passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := ops.CheckConsolePassword(t.Context(), "staff@shop.example", out.OneTimePassword); web.ErrorCode(err) != web.EInvalidClient {
		t.Errorf("the one-time password after the change: %v, want invalid_client", err)
	}
}
