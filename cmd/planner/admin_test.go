package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
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

// TestEntityTheme: "entity theme" stores the flags' theme and --clear
// removes it; a bad value is refused, naming the field, and changes nothing.
func TestEntityTheme(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "planner.db")
	mustCLI(t, db, "migrate")
	var e struct{ ID string }
	if err := json.Unmarshal([]byte(mustCLI(t, db, "entity", "create", "--name", "Shop", "--origin", "https://shop.example")), &e); err != nil {
		t.Fatal(err)
	}
	type shown struct {
		Theme map[string]any `json:"theme"`
	}
	var got shown
	out := mustCLI(t, db, "entity", "theme", e.ID, "--accent", "#2D6A4F", "--accent-text", "#ffffff", "--radius", "0", "--font", "classic")
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"accent": "#2d6a4f", "accentText": "#ffffff", "radius": 0.0, "font": "classic"}
	if !equalJSON(got.Theme, want) {
		t.Errorf("theme = %v, want %v", got.Theme, want)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--accent", "red"}, "accent: must be a colour as #rrggbb"},
		{[]string{"--accent", "#2d6a4f;}body{display:none"}, "accent: must be a colour as #rrggbb"},
		{[]string{"--radius", "99"}, "radius: must be a whole number of px from 0 to 24"},
		{[]string{"--radius", "2px"}, "radius: must be a whole number"},
		{[]string{"--font", "Comic Sans MS"}, "font: must be one of classic, geometric, humanist, rounded, system"},
		{[]string{"--text", "#777777", "--surface", "#888888"}, "text: must contrast with surface"},
		{[]string{}, "usage"},
		{[]string{"--clear", "--accent", "#000000"}, "usage"},
	} {
		_, err := runCLI(t, db, append([]string{"entity", "theme", e.ID}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("entity theme %v: error %v, want %q", tc.args, err, tc.want)
		}
	}
	if err := json.Unmarshal([]byte(mustCLI(t, db, "entity", "list")), &[]any{}); err != nil {
		t.Fatal(err)
	}
	var list []shown
	_ = json.Unmarshal([]byte(mustCLI(t, db, "entity", "list")), &list)
	if len(list) != 1 || !equalJSON(list[0].Theme, want) {
		t.Errorf("after refusals: %v, want the theme unchanged", list)
	}
	got = shown{}
	_ = json.Unmarshal([]byte(mustCLI(t, db, "entity", "theme", e.ID, "--clear")), &got)
	if got.Theme != nil {
		t.Errorf("after --clear theme = %v, want none", got.Theme)
	}
	if _, err := runCLI(t, db, "entity", "theme", "le_missing", "--accent", "#000000"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("unknown entity: %v", err)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestEntityImageOrigin: "entity image-origin" adds, lists and removes a
// retailer's image origins, printing the planner page's img-src; a catalog
// whose image is on an origin not registered is refused, naming the
// product, and imports once the origin is added.
func TestEntityImageOrigin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "planner.db")
	mustCLI(t, db, "migrate")
	var e struct{ ID string }
	if err := json.Unmarshal([]byte(mustCLI(t, db, "entity", "create", "--name", "Shop", "--origin", "https://shop.example")), &e); err != nil {
		t.Fatal(err)
	}
	type shown struct {
		ImageOrigins []string
		ImgSrc       string
	}
	show := func(out string) shown {
		t.Helper()
		var s shown
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("output %q: %v", out, err)
		}
		return s
	}
	if got := show(mustCLI(t, db, "entity", "image-origin", "list", e.ID)); len(got.ImageOrigins) != 0 || got.ImgSrc != "img-src 'self' data:" {
		t.Errorf("a new retailer's image origins = %+v", got)
	}
	mustCLI(t, db, "entity", "image-origin", "add", e.ID, "https://IMG.shop.example/")
	got := show(mustCLI(t, db, "entity", "image-origin", "add", "--db", db, e.ID, "http://127.0.0.1:9000"))
	if want := "img-src 'self' data: http://127.0.0.1:9000 https://img.shop.example"; got.ImgSrc != want {
		t.Errorf("imgSrc = %q, want %q", got.ImgSrc, want)
	}
	for _, bad := range [][]string{
		{"add", e.ID, "http://img.shop.example"},
		{"add", e.ID, "https://*.shop.example"},
		{"remove", e.ID, "https://cdn.shop.example"},
		{"add", e.ID},
		{"list"},
		{"clear", e.ID},
	} {
		if _, err := runCLI(t, db, append([]string{"entity", "image-origin"}, bad...)...); err == nil {
			t.Errorf("entity image-origin %v = nil error", bad)
		}
	}

	file := filepath.Join(dir, "catalog.json")
	write := func(image string) {
		t.Helper()
		body := `{"currency":"EUR","categories":[{"id":"sofas","name":"Sofas"}],"products":[
			{"id":"plain","name":"Plain","category":"sofas","width":100,"depth":80,"height":70,"price":100,"color":"#112233"},
			{"id":"pictured","name":"Pictured","category":"sofas","width":100,"depth":80,"height":70,"price":100,"color":"#112233","image":"` + image + `"}]}`
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("https://cdn.elsewhere.example/p.jpg")
	_, err := runCLI(t, db, "catalog", "import", e.ID, file)
	if err == nil || !strings.Contains(err.Error(), `products[1] ("pictured"): image is on https://cdn.elsewhere.example, which is not one of the retailer's image origins`) {
		t.Errorf("import with an image elsewhere = %v, want a refusal naming the product", err)
	}
	write("http://127.0.0.1:9000/p.svg")
	mustCLI(t, db, "catalog", "import", e.ID, file)

	mustCLI(t, db, "entity", "image-origin", "remove", e.ID, "http://127.0.0.1:9000")
	if got := show(mustCLI(t, db, "entity", "image-origin", "list", e.ID)); !slices.Equal(got.ImageOrigins, []string{"https://img.shop.example"}) {
		t.Errorf("after remove: %v", got.ImageOrigins)
	}
}
