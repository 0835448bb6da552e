package retailerops_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/retailerops"
	"github.com/roomplanner/planner/web/secretbox"
	"github.com/roomplanner/planner/web/sqlite"
	"golang.org/x/crypto/bcrypt"
)

func setup(t *testing.T) (*retailerops.Ops, *sqlite.Store, web.Retailer) {
	t.Helper()
	box, _ := secretbox.New(bytes.Repeat([]byte{7}, secretbox.KeySize))
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "planner.db"), box)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := web.Retailer{ID: web.NewID("le_"), Name: "Shop", Plan: web.PlanFree, DistributionID: web.NewID("d_"), Origins: []string{}}
	if err := st.CreateRetailer(t.Context(), r, web.Credential{APIKey: web.NewID("pk_"), RetailerID: r.ID, Secret: []byte("s")}); err != nil {
		t.Fatal(err)
	}
	return retailerops.New(st, retailerops.WithBcryptCost(bcrypt.MinCost)), st, r
}

func TestConsolePasswords(t *testing.T) {
	t.Parallel()
	ops, _, r := setup(t)
	u, pw, err := ops.AddConsoleUser(t.Context(), r.ID, "Staff@Shop.example")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "staff@shop.example" || !u.MustChange || len(pw) < 20 {
		t.Fatalf("AddConsoleUser = %+v, %q", u, pw)
	}
	if _, err := ops.CheckConsolePassword(t.Context(), "STAFF@shop.example", pw); err != nil {
		t.Errorf("sign in in another case: %v", err)
	}
	for _, tc := range []struct{ name, email, pw string }{
		{"wrong password", "staff@shop.example", pw + "x"},
		{"unknown email", "nobody@shop.example", pw},
		{"not an email", "nobody", pw},
		{"overlong password", "staff@shop.example", pw + string(make([]byte, 80))},
	} {
		if _, err := ops.CheckConsolePassword(t.Context(), tc.email, tc.pw); web.ErrorCode(err) != web.EInvalidClient {
			t.Errorf("%s: %v, want invalid_client", tc.name, err)
		}
	}
	for _, tc := range []struct{ name, next string }{{"short", "short"}, {"same", pw}} {
		if err := ops.ChangeConsolePassword(t.Context(), "staff@shop.example", pw, tc.next); web.ErrorCode(err) != web.EValidation {
			t.Errorf("change to a %s password: %v, want validation_failed", tc.name, err)
		}
	}
	if err := ops.ChangeConsolePassword(t.Context(), "staff@shop.example", pw, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	u, err = ops.CheckConsolePassword(t.Context(), "staff@shop.example", "correct horse battery")
	if err != nil || u.MustChange {
		t.Errorf("after the change: %+v, %v; want signed in, no change due", u, err)
	}
}

func TestOriginsAndFrameAncestors(t *testing.T) {
	t.Parallel()
	ops, _, r := setup(t)
	got, err := ops.AddOrigin(t.Context(), r.ID, "https://Shop.example/")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Origins) != 1 || got.Origins[0] != "https://shop.example" {
		t.Errorf("origins = %v, want the normalized origin", got.Origins)
	}
	for _, bad := range []string{"shop.example", "https://shop.example/path", "*", "https://*.shop.example"} {
		if _, err := ops.AddOrigin(t.Context(), r.ID, bad); web.ErrorCode(err) != web.EValidation {
			t.Errorf("AddOrigin(%q): %v, want validation_failed", bad, err)
		}
	}
	if fa := retailerops.FrameAncestors(got.Origins); fa != "frame-ancestors https://shop.example" {
		t.Errorf("FrameAncestors = %q", fa)
	}
	if got, err = ops.RemoveOrigin(t.Context(), r.ID, "https://shop.example"); err != nil || len(got.Origins) != 0 {
		t.Errorf("RemoveOrigin: %v, %v", got.Origins, err)
	}
	if fa := retailerops.FrameAncestors(nil); fa != "frame-ancestors 'none'" {
		t.Errorf("FrameAncestors(none) = %q", fa)
	}
}

func TestRotateSecret(t *testing.T) {
	t.Parallel()
	ops, st, r := setup(t)
	key, secret, err := ops.RotateSecret(t.Context(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.Credential(t.Context(), key)
	if err != nil || string(c.Secret) != secret {
		t.Errorf("stored secret does not match the one shown (%v)", err)
	}
	if _, _, err := ops.RotateSecret(t.Context(), "le_nobody"); web.ErrorCode(err) != web.ENotFound {
		t.Errorf("rotate an unknown retailer: %v, want not_found", err)
	}
}
