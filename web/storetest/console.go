package storetest

import (
	"testing"

	"github.com/roomplanner/planner/web"
)

// testConsoleUsers checks console users: stored and read back, one email is
// one user across retailers, an unknown retailer is refused, and the
// password can be changed.
func testConsoleUsers(t *testing.T, s Store) {
	ctx := t.Context()
	a, _ := addRetailer(t, s, "Console A")
	b, _ := addRetailer(t, s, "Console B")
	u := web.ConsoleUser{ID: web.NewID("cu_"), RetailerID: a.ID, Email: "staff@a.example", PasswordHash: []byte("$2a$10$hash"), MustChange: true, CreatedAt: t0}
	mustNot(t, s.CreateConsoleUser(ctx, u), "CreateConsoleUser")
	got, err := s.ConsoleUser(ctx, "staff@a.example")
	mustNot(t, err, "ConsoleUser")
	if got.ID != u.ID || got.RetailerID != a.ID || string(got.PasswordHash) != string(u.PasswordHash) || !got.MustChange || !got.CreatedAt.Equal(t0) {
		t.Errorf("ConsoleUser = %+v, want %+v", got, u)
	}
	dup := u
	dup.ID, dup.RetailerID = web.NewID("cu_"), b.ID
	wantCode(t, s.CreateConsoleUser(ctx, dup), web.EConflict)
	orphan := u
	orphan.ID, orphan.Email, orphan.RetailerID = web.NewID("cu_"), "x@nowhere.example", "le_nobody"
	wantCode(t, s.CreateConsoleUser(ctx, orphan), web.ENotFound)
	_, err = s.ConsoleUser(ctx, "nobody@a.example")
	wantCode(t, err, web.ENotFound)

	mustNot(t, s.SetConsolePassword(ctx, u.ID, []byte("$2a$10$new"), false), "SetConsolePassword")
	got, err = s.ConsoleUser(ctx, "staff@a.example")
	mustNot(t, err, "ConsoleUser after the change")
	if string(got.PasswordHash) != "$2a$10$new" || got.MustChange {
		t.Errorf("after the change: %+v", got)
	}
	wantCode(t, s.SetConsolePassword(ctx, "cu_nobody", []byte("x"), false), web.ENotFound)
}
