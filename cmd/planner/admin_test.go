package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestEntityCreateWithoutOrigin: a retailer created with no --origin is
// created (origins can be added later), but the command warns on stderr,
// naming the command that adds one; stdout stays the JSON alone.
func TestEntityCreateWithoutOrigin(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "planner.db")
	mustCLI(t, db, "migrate")
	for _, tc := range []struct {
		name string
		args []string
		warn bool
	}{
		{"no origin", []string{"entity", "create", "--name", "Shop"}, true},
		{"with an origin", []string{"entity", "create", "--name", "Shop", "--origin", "https://shop.example"}, false},
	} {
		var out, errOut bytes.Buffer
		env := map[string]string{"PLANNER_DB": db}
		if err := run(context.Background(), tc.args, func(k string) string { return env[k] }, &out, &errOut); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var e struct{ ID string }
		if err := json.Unmarshal(out.Bytes(), &e); err != nil || e.ID == "" {
			t.Fatalf("%s: stdout %q is not the entity's JSON: %v", tc.name, out.String(), err)
		}
		hint := "planner entity origins add " + e.ID + " "
		if got := strings.Contains(errOut.String(), hint); got != tc.warn {
			t.Errorf("%s: stderr %q; want the hint %q: %v", tc.name, errOut.String(), hint, tc.warn)
		}
		if !strings.Contains(errOut.String(), "empty catalog") {
			t.Errorf("%s: stderr %q does not say the catalog is empty", tc.name, errOut.String())
		}
	}
}
