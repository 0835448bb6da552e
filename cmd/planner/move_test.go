package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"github.com/roomplanner/planner/web/postgres/pgtest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/service"
	"golang.org/x/crypto/bcrypt"
)

// moveEnv is the environment of a move: one master key for both databases.
func moveEnv(t *testing.T) func(string) string {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	env := map[string]string{"PLANNER_MASTER_KEY": base64.StdEncoding.EncodeToString(key)}
	return func(k string) string { return env[k] }
}

func runEnv(t *testing.T, getenv func(string) string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, getenv, &out, &errOut)
	return out.String(), errOut.String(), err
}

func mustRun(t *testing.T, getenv func(string) string, args ...string) string {
	t.Helper()
	out, errOut, err := runEnv(t, getenv, args...)
	if err != nil {
		t.Fatalf("planner %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// secrets are what a filled database's credentials must still open to, and
// the password its console user must still sign in with.
type secrets map[string]string // API key -> secret, or consolePrefix+email -> password

const consolePrefix = "console:"

// metricMinute is the minute of the metrics fill adds (recent, so no purge
// of old aggregates would drop them).
var metricMinute = time.Now().UTC().Truncate(time.Minute).Add(-time.Hour)

// fill gives a migrated database something of every kind a dump holds.
func fill(t *testing.T, getenv func(string) string, db string) secrets {
	t.Helper()
	ctx := context.Background()
	got := secrets{}
	var ids []string
	for _, name := range []string{"First Shop", "Zweiter Läden <&>"} {
		var e struct{ ID, APIKey, APISecret string }
		out := mustRun(t, getenv, "entity", "create", "--db", db, "--name", name, "--origin", "https://b.example", "--origin", "https://a.example", "--plan", "premium")
		if err := json.Unmarshal([]byte(out), &e); err != nil {
			t.Fatal(err)
		}
		got[e.APIKey] = e.APISecret
		ids = append(ids, e.ID)
	}
	var rot struct{ APIKey, APISecret string }
	if err := json.Unmarshal([]byte(mustRun(t, getenv, "key", "rotate", "--db", db, ids[1])), &rot); err != nil {
		t.Fatal(err)
	}
	got[rot.APIKey] = rot.APISecret
	mustRun(t, getenv, "catalog", "seed", "--db", db, ids[0])
	// An image origin and a product image move too.
	mustRun(t, getenv, "entity", "image-origin", "add", "--db", db, ids[0], "https://img.a.example")
	pictured := filepath.Join(t.TempDir(), "pictured.json")
	if err := os.WriteFile(pictured, []byte(`{"currency":"EUR","categories":[{"id":"pictured","name":"Pictured"}],"products":[
		{"id":"pictured-1","name":"Pictured","category":"pictured","width":50,"depth":50,"height":50,"price":100,"color":"#112233","image":"https://img.a.example/p.jpg"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, getenv, "catalog", "import", "--db", db, ids[0], pictured)
	var staff struct{ OneTimePassword string }
	if err := json.Unmarshal([]byte(mustRun(t, getenv, "console", "user", "add", "--db", db, "--entity", ids[0], "--email", "staff@first.example")), &staff); err != nil {
		t.Fatal(err)
	}
	got[consolePrefix+"staff@first.example"] = staff.OneTimePassword
	mustRun(t, getenv, "signing-key", "rotate", "--db", db)
	mustRun(t, getenv, "signing-key", "rotate", "--db", db)

	st, err := service.OpenExistingStore(ctx, db, getenv)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	products, _, err := st.Products(ctx, ids[0], web.ProductQuery{Limit: 2})
	if err != nil || len(products) < 2 {
		t.Fatalf("seeded products: %v %v", products, err)
	}
	at := time.UnixMilli(1_700_000_000_123)
	for i, id := range []string{"prj_kept", "prj_gone"} {
		p := web.Project{ID: id, RetailerID: ids[0], OwnerUID: "user-1", CreatedAt: at, UpdatedAt: at,
			ProjectDoc: web.ProjectDoc{Name: "Room " + id, Room: web.Room{Width: 400, Depth: 300},
				Items: []web.Item{{ID: "i1", ProductID: products[i].ID, X: 12.5, Y: -3.25, Rotation: 90}}}}
		if _, _, err := st.CreateProject(ctx, p, "idem-"+id, "hash-"+id); err != nil {
			t.Fatal(err)
		}
	}
	doc := web.ProjectDoc{Name: "Kept, edited", Room: web.Room{Width: 410, Depth: 300}, Items: []web.Item{}}
	if _, err := st.UpdateProject(ctx, ids[0], "user-1", "prj_kept", 1, doc, at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteProject(ctx, ids[0], "user-1", "prj_gone", 1); err != nil {
		t.Fatal(err)
	}
	if err := st.AddMetrics(ctx, []web.MetricCount{
		{RetailerID: ids[0], Minute: metricMinute, Name: "planner.opened", Value: 7},
		{RetailerID: ids[0], Minute: metricMinute, Name: "max.planners_open", Value: 3},
		{RetailerID: ids[1], Minute: metricMinute.Add(time.Minute), Name: "basket.sent", Value: 2},
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// export runs "planner export" on db and returns the dump and what it
// printed on stderr.
func export(t *testing.T, getenv func(string) string, db string) (dump, stats string) {
	t.Helper()
	out, errOut, err := runEnv(t, getenv, "export", "--db", db)
	if err != nil {
		t.Fatalf("export %s: %v", db, err)
	}
	return out, errOut
}

// importDump writes dump to a file and runs "planner import" with it.
func importDump(t *testing.T, getenv func(string) string, db, dump string, extra ...string) (stdout, stderr string, err error) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "dump.jsonl")
	if err := os.WriteFile(f, []byte(dump), 0o600); err != nil {
		t.Fatal(err)
	}
	return runEnv(t, getenv, append([]string{"import", "--db", db, "--in", f}, extra...)...)
}

// statLines returns the count-and-checksum lines of an export's or import's
// stderr, without their title.
func statLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "sha256 ") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

// move exports from, imports into to (migrated and empty), and checks that
// exporting to gives the same dump, with the same stats, and that the sealed
// secrets still open.
func move(t *testing.T, getenv func(string) string, from, to string, want secrets) string {
	t.Helper()
	dump, exportStats := export(t, getenv, from)
	out, importStats, err := importDump(t, getenv, to, dump)
	if err != nil {
		t.Fatalf("import into %s: %v\n%s", to, err, importStats)
	}
	if !strings.Contains(out, `"verified": true`) {
		t.Errorf("import printed %s, want verified", out)
	}
	if a, b := statLines(exportStats), statLines(importStats); len(a) != 9 || strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("export stats\n%s\nimport stats\n%s\nwant 9 equal lines", exportStats, importStats)
	}
	again, _ := export(t, getenv, to)
	if again != dump {
		t.Errorf("export after the move differs:\n%s\nwant:\n%s", again, dump)
	}
	for _, kind := range []string{`"type":"retailer"`, `"type":"credential"`, `"type":"console_user"`, `"type":"signing_key"`, `"type":"category"`,
		`"type":"product"`, `"type":"project"`, `"type":"idempotency"`, `"type":"metric"`} {
		if !strings.Contains(dump, kind) {
			t.Errorf("the dump has no %s line", kind)
		}
	}

	ctx := context.Background()
	st, err := service.OpenExistingStore(ctx, to, getenv)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for key, secret := range want {
		if email, ok := strings.CutPrefix(key, consolePrefix); ok {
			// The staff member signs in after the move with the password of before.
			u, err := st.ConsoleUser(ctx, email)
			if err != nil || bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(secret)) != nil || !u.MustChange {
				t.Errorf("console user %s after the move: %+v, %v; want its password, still to be changed", email, u, err)
			}
			continue
		}
		c, err := st.Credential(ctx, key)
		if err != nil || string(c.Secret) != secret {
			t.Errorf("credential %s after the move: %q, %v; want its secret", key, c.Secret, err)
		}
	}
	if keys, err := st.SigningKeys(ctx); err != nil || len(keys) < 2 {
		t.Errorf("signing keys after the move: %d, %v", len(keys), err)
	}
	// The idempotency record of the deleted project still answers not_found.
	rs, err := st.Retailers(ctx)
	if err != nil || len(rs) != 2 {
		t.Fatalf("retailers after the move: %v, %v", rs, err)
	}
	// The console's charts show the same counts as before.
	series, err := st.MetricSeries(ctx, rs[0].ID, metricMinute, metricMinute.Add(time.Hour), time.Hour)
	if err != nil || len(series) != 2 {
		t.Errorf("metrics of %s after the move: %+v, %v; want its two", rs[0].ID, series, err)
	}
	for _, m := range series {
		if want := map[string]int64{"planner.opened": 7, "max.planners_open": 3}[m.Name]; m.Value != want {
			t.Errorf("metric %s after the move = %d, want %d", m.Name, m.Value, want)
		}
	}
	_, _, err = st.CreateProject(ctx, web.Project{ID: "prj_new", RetailerID: rs[0].ID, OwnerUID: "user-1"}, "idem-prj_gone", "hash-prj_gone")
	if web.ErrorCode(err) != web.ENotFound {
		t.Errorf("replaying the deleted project's idempotency key after the move: %v, want not_found", err)
	}
	return dump
}

func TestMoveSQLiteToSQLite(t *testing.T) {
	t.Parallel()
	getenv := moveEnv(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	mustRun(t, getenv, "migrate", "--db", a)
	mustRun(t, getenv, "migrate", "--db", b)
	want := fill(t, getenv, a)
	dump := move(t, getenv, a, b, want)

	// b has data now: importing again is refused, naming the flag, and changes nothing.
	_, _, err := importDump(t, getenv, b, dump)
	if err == nil || !strings.Contains(err.Error(), "--into-nonempty") || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("import into a database with data: %v, want a refusal naming --into-nonempty", err)
	}
	// With the flag, the same rows are a conflict: nothing is overwritten.
	_, _, err = importDump(t, getenv, b, dump, "--into-nonempty")
	if err == nil || !strings.Contains(err.Error(), "nothing was imported") {
		t.Errorf("import of taken keys with --into-nonempty: %v, want a conflict", err)
	}
	if again, _ := export(t, getenv, b); again != dump {
		t.Errorf("a refused import changed the database")
	}

	// --out makes the file only when the export is complete.
	out := filepath.Join(dir, "out.jsonl")
	mustRun(t, getenv, "export", "--db", a, "--out", out)
	if got, err := os.ReadFile(out); err != nil || string(got) != dump {
		t.Errorf("export --out wrote %d bytes (%v), want the dump", len(got), err)
	}

	// A dump cut short is refused whole.
	c := filepath.Join(dir, "c.db")
	mustRun(t, getenv, "migrate", "--db", c)
	_, _, err = importDump(t, getenv, c, dump[:len(dump)/2])
	if err == nil || !strings.Contains(err.Error(), "nothing was imported") {
		t.Errorf("import of half a dump: %v, want a refusal", err)
	}
	if d, _ := export(t, getenv, c); strings.Count(d, "\n") != 2 {
		t.Errorf("a refused import left rows:\n%s", d)
	}
}

// postgresDB is a fresh PostgreSQL database for t (skipped without a server).
func postgresDB(t *testing.T) string { return pgtest.NewDatabase(t) }

func TestMoveSQLiteToPostgres(t *testing.T) {
	t.Parallel()
	pg := postgresDB(t)
	getenv := moveEnv(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	for _, db := range []string{a, pg, b} {
		mustRun(t, getenv, "migrate", "--db", db)
	}
	want := fill(t, getenv, a)
	dump := move(t, getenv, a, pg, want)
	// And back: PostgreSQL to a new SQLite file gives the same dump again.
	if back := move(t, getenv, pg, b, want); back != dump {
		t.Errorf("SQLite -> PostgreSQL -> SQLite changed the dump")
	}
	_, _, err := importDump(t, getenv, pg, dump)
	if err == nil || !strings.Contains(err.Error(), "--into-nonempty") {
		t.Errorf("import into PostgreSQL with data: %v, want a refusal naming --into-nonempty", err)
	}
}

func TestMovePostgresToSQLite(t *testing.T) {
	t.Parallel()
	pg := postgresDB(t)
	getenv := moveEnv(t)
	b := filepath.Join(t.TempDir(), "b.db")
	mustRun(t, getenv, "migrate", "--db", pg)
	mustRun(t, getenv, "migrate", "--db", b)
	want := fill(t, getenv, pg)
	move(t, getenv, pg, b, want)
}
