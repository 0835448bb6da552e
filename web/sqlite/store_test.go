package sqlite

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/api"
	"github.com/roomplanner/planner/web/secretbox"
	"github.com/roomplanner/planner/web/storetest"
	"github.com/roomplanner/planner/web/token"
)

// The packages that consume the store declare what they need; check it here.
var (
	_ storetest.Store   = (*Store)(nil)
	_ api.Store         = (*Store)(nil)
	_ token.KeyStore    = (*Store)(nil)
	_ token.ClientStore = (*Store)(nil)
)

func testBox(t *testing.T) *secretbox.Box {
	t.Helper()
	box, err := secretbox.New(bytes.Repeat([]byte{7}, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// openTest opens a store on a new file in t's temporary directory.
func openTest(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "planner.db")
	s, err := Open(t.Context(), path, testBox(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) storetest.Store {
		s, _ := openTest(t)
		return s
	})
}

func TestOpenConfiguresSQLite(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	ctx := t.Context()
	pools := []struct {
		name string
		q    func(string) (string, error)
	}{
		{"writer", func(p string) (v string, err error) { err = s.wdb.QueryRowContext(ctx, "PRAGMA "+p).Scan(&v); return }},
		{"reader", func(p string) (v string, err error) { err = s.rdb.QueryRowContext(ctx, "PRAGMA "+p).Scan(&v); return }},
	}
	want := map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000"}
	for _, pool := range pools {
		for pragma, w := range want {
			got, err := pool.q(pragma)
			if err != nil {
				t.Fatalf("%s: PRAGMA %s: %v", pool.name, pragma, err)
			}
			if !strings.EqualFold(got, w) {
				t.Errorf("%s: PRAGMA %s = %q, want %q", pool.name, pragma, got, w)
			}
		}
	}
	// The read pool cannot write, so no write can dodge the single writer.
	if _, err := s.rdb.ExecContext(ctx, `DELETE FROM retailers`); err == nil {
		t.Error("a write on the read pool succeeded")
	}
}

func TestOpenRejectsUnusablePaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, p := range []string{"", ":memory:", filepath.Join(dir, "a?mode=ro"), "file:" + filepath.Join(dir, "x.db")} {
		if s, err := Open(t.Context(), p, testBox(t)); err == nil {
			s.Close()
			t.Errorf("Open(%q) = nil error", p)
		}
	}
	if _, err := Open(t.Context(), filepath.Join(dir, "nodir", "x.db"), testBox(t)); err == nil {
		t.Error("Open in a missing directory = nil error")
	}
	if _, err := Open(t.Context(), filepath.Join(dir, "x.db"), nil); err == nil {
		t.Error("Open without a box = nil error")
	}
}

func TestSecretsAreSealedAtRest(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, path := openTest(t)
	secret := []byte("sk_" + strings.Repeat("Q", 40))
	r := web.Retailer{ID: "le_a", Name: "A", Plan: web.PlanFree, DistributionID: "d_a", CreatedAt: time.Now()}
	if err := s.CreateRetailer(ctx, r, web.Credential{APIKey: "pk_a", Secret: secret}); err != nil {
		t.Fatal(err)
	}
	seed := bytes.Repeat([]byte{0xA5, 0x5A}, ed25519.SeedSize/2)
	priv := ed25519.NewKeyFromSeed(seed)
	if err := s.RotateSigningKey(ctx, web.SigningKey{KID: "k1", PrivateKey: priv, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}

	var sealed []byte
	if err := s.rdb.QueryRowContext(ctx, `SELECT secret_sealed FROM api_credentials WHERE api_key = 'pk_a'`).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Error("secret_sealed holds the plaintext secret")
	}

	// Neither the file nor its WAL holds a secret in the clear, while open
	// (WAL) and after close (checkpointed into the main file).
	check := func(when string) {
		t.Helper()
		files, _ := filepath.Glob(path + "*")
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for name, plain := range map[string][]byte{"API secret": secret, "signing key seed": seed, "signing key": priv} {
				if bytes.Contains(b, plain) {
					t.Errorf("%s: %s holds the %s in the clear", when, filepath.Base(f), name)
				}
			}
		}
	}
	check("open")
	got, err := s.Credential(ctx, "pk_a")
	if err != nil || !bytes.Equal(got.Secret, secret) {
		t.Fatalf("Credential = %q, %v; want the secret back", got.Secret, err)
	}
	s.Close()
	if raw, err := os.ReadFile(path); err != nil || !bytes.Contains(raw, []byte("pk_a")) {
		t.Fatalf("the database file does not hold the API key pk_a (err %v); the check above proves nothing", err)
	}
	check("closed")
}

func TestSealedValuesAreBoundToTheirRow(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, _ := openTest(t)
	for _, id := range []string{"a", "b"} {
		r := web.Retailer{ID: "le_" + id, Name: id, Plan: web.PlanFree, DistributionID: "d_" + id, CreatedAt: time.Now()}
		if err := s.CreateRetailer(ctx, r, web.Credential{APIKey: "pk_" + id, Secret: []byte("secret-" + id)}); err != nil {
			t.Fatal(err)
		}
	}
	// Someone with write access to the file copies A's sealed secret into B's
	// row, hoping B's key then opens with A's secret.
	if _, err := s.wdb.ExecContext(ctx, `UPDATE api_credentials
		SET secret_sealed = (SELECT secret_sealed FROM api_credentials WHERE api_key = 'pk_a') WHERE api_key = 'pk_b'`); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Credential(ctx, "pk_b"); err == nil || !errors.Is(err, secretbox.ErrOpen) {
		t.Errorf("Credential(pk_b) with A's sealed secret = %q, %v; want ErrOpen", got.Secret, err)
	}
	if web.ErrorCode(func() error { _, err := s.Credential(ctx, "pk_b"); return err }()) != web.EInternal {
		t.Error("a value that fails to open must be an internal error, not a client one")
	}
}

func TestWrongMasterKeyFailsLoudly(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, path := openTest(t)
	r := web.Retailer{ID: "le_a", Name: "A", Plan: web.PlanFree, DistributionID: "d_a", CreatedAt: time.Now()}
	if err := s.CreateRetailer(ctx, r, web.Credential{APIKey: "pk_a", Secret: []byte("s")}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	other, _ := secretbox.New(bytes.Repeat([]byte{8}, secretbox.KeySize))
	s2, err := Open(ctx, path, other)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.Credential(ctx, "pk_a"); !errors.Is(err, secretbox.ErrOpen) {
		t.Errorf("Credential under another master key: err = %v, want ErrOpen", err)
	}
}

func TestKeyFileBesideDatabase(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "planner.db")
	key, err := secretbox.LoadKey(func(string) string { return "" }, path)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secretbox.New(key)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(t.Context(), path, box)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	st, err := os.Stat(path + ".key")
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %04o, want 0600", st.Mode().Perm())
	}
}

func TestReopenDoesNotMigrateTwice(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "planner.db")
	files, err := fs.Glob(Migrations(), "*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("embedded migrations: %v, %v", files, err)
	}
	applied := func(s *Store) int {
		t.Helper()
		var n int
		if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	r := web.Retailer{ID: "le_a", Name: "A", Plan: web.PlanFree, DistributionID: "d_a", CreatedAt: time.Now(), Origins: []string{}}
	for i := range 3 {
		s, err := Open(ctx, path, testBox(t))
		if err != nil {
			t.Fatalf("Open #%d: %v", i+1, err)
		}
		if n := applied(s); n != len(files) {
			t.Errorf("open #%d: %d migrations recorded, want %d (one per file)", i+1, n, len(files))
		}
		if i == 0 {
			if err := s.CreateRetailer(ctx, r, web.Credential{APIKey: "pk_a", Secret: []byte("s")}); err != nil {
				t.Fatal(err)
			}
		} else if got, err := s.Retailer(ctx, r.ID); err != nil || got.Name != "A" {
			t.Errorf("open #%d: Retailer = %+v, %v; want the data kept", i+1, got, err)
		}
		s.Close()
	}
}

// TestImportRollsBackMidway makes the database itself refuse the last row of
// an import, after the earlier rows were written, and checks none of them stays.
func TestImportRollsBackMidway(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, _ := openTest(t)
	r := web.Retailer{ID: "le_a", Name: "A", Plan: web.PlanFree, DistributionID: "d_a", CreatedAt: time.Now()}
	if err := s.CreateRetailer(ctx, r, web.Credential{APIKey: "pk_a", Secret: []byte("s")}); err != nil {
		t.Fatal(err)
	}
	p := func(id, name string) web.Product {
		return web.Product{ID: id, Name: name, Category: "c", Width: 1, Depth: 1, Height: 1, Price: 1, Currency: "EUR"}
	}
	if err := s.ImportCatalog(ctx, r.ID, []web.Category{{ID: "c", Name: "C"}, {ID: "d", Name: "D"}}, []web.Product{p("a", "A"), p("b", "B")}, false); err != nil {
		t.Fatal(err)
	}
	before, _, err := s.Products(ctx, r.ID, web.ProductQuery{})
	if err != nil {
		t.Fatal(err)
	}
	lastBefore, err := s.LastCatalogChange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.wdb.ExecContext(ctx, `CREATE TEMP TRIGGER boom BEFORE INSERT ON main.products
		WHEN NEW.id = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END`); err != nil {
		t.Fatal(err)
	}
	err = s.ImportCatalog(ctx, r.ID, []web.Category{{ID: "c", Name: "C renamed"}},
		[]web.Product{p("a", "A renamed"), p("new", "New"), p("boom", "Boom")}, true)
	if err == nil || !strings.Contains(err.Error(), "boom refused") {
		t.Fatalf("ImportCatalog = %v, want the trigger's error", err)
	}
	after, _, err := s.Products(ctx, r.ID, web.ProductQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("products changed by a failed import (-before +after):\n%s", diff)
	}
	// "a" was renamed and "new" added before the refusal: their change log
	// entries went with the transaction.
	if last, err := s.LastCatalogChange(ctx); err != nil || last != lastBefore {
		t.Errorf("LastCatalogChange after a failed import = %d, %v; want %d", last, err, lastBefore)
	}
	cats, err := s.Categories(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := []web.Category{{ID: "c", Name: "C", Count: 2}, {ID: "d", Name: "D"}}; !cmp.Equal(want, cats) {
		t.Errorf("categories after a failed import = %+v, want %+v", cats, want)
	}
}

// TestTwoProcessesShareTheFile opens the file twice, as the server and the
// admin CLI do, and writes from both at once: the busy timeout and immediate
// transactions must make every write succeed.
func TestTwoProcessesShareTheFile(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	a, path := openTest(t)
	b, err := Open(ctx, path, testBox(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	r := web.Retailer{ID: "le_a", Name: "A", Plan: web.PlanFree, DistributionID: "d_a", CreatedAt: time.Now()}
	if err := a.CreateRetailer(ctx, r, web.Credential{APIKey: "pk_a", Secret: []byte("s")}); err != nil {
		t.Fatal(err)
	}
	const n = 20
	errs := make(chan error, 3*n)
	var wg sync.WaitGroup
	for i := range n {
		for _, s := range []*Store{a, b} {
			wg.Go(func() {
				p := web.Project{ID: web.NewID("prj_"), RetailerID: r.ID, OwnerUID: "u", Version: 1,
					ProjectDoc: web.ProjectDoc{Name: "p", Room: web.Room{Width: 100, Depth: 100}}}
				_, _, err := s.CreateProject(ctx, p, web.NewID("k"), "h")
				errs <- err
				if i%5 == 0 {
					errs <- s.AddOrigin(ctx, r.ID, "https://shop.example")
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent write: %v", err)
		}
	}
	list, err := b.Projects(ctx, r.ID, "u")
	if err != nil || len(list) != 2*n {
		t.Errorf("Projects = %d, %v; want %d", len(list), err, 2*n)
	}
}

func TestCanceledContext(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping with a canceled context = nil error")
	}
	if _, err := s.Retailers(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Retailers with a canceled context: err = %v, want context.Canceled", err)
	}
}

func TestConcurrentFirstOpens(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "planner.db")
	const n = 4
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s, err := Open(t.Context(), path, testBox(t))
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open #%d: %v", i, err)
		}
	}
}
