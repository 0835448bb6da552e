package postgres

import (
	"bytes"
	"errors"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/api"
	"github.com/roomplanner/planner/web/postgres/pgtest"
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

// adminURL returns the server's URL, or skips t when none is set.
func adminURL(t *testing.T) string { return pgtest.AdminURL(t) }

// newDatabase creates an empty database for t, dropped when t ends.
func newDatabase(t *testing.T) string { return pgtest.NewDatabase(t) }

// openTest opens a store on a new database and returns it with its URL.
func openTest(t *testing.T) (*Store, string) {
	t.Helper()
	dbURL := newDatabase(t)
	s, err := Open(t.Context(), dbURL, testBox(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dbURL
}

func TestConformance(t *testing.T) {
	t.Parallel()
	adminURL(t)
	storetest.Run(t, func(t *testing.T) storetest.Store {
		s, _ := openTest(t)
		return s
	})
}

func TestOpenUnreachableServer(t *testing.T) {
	t.Parallel()
	// Port 1 on loopback: nothing listens there, so the dial is refused.
	_, err := Open(t.Context(), "postgres://planner:s3cret-pw@127.0.0.1:1/planner?connect_timeout=5", testBox(t))
	if err == nil {
		t.Fatal("Open on a closed port = nil error")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "cannot reach PostgreSQL at 127.0.0.1:1: ") {
		t.Errorf("error = %q, want it to start with %q", msg, "cannot reach PostgreSQL at 127.0.0.1:1: ")
	}
	if strings.Contains(msg, "s3cret-pw") {
		t.Errorf("error %q quotes the password", msg)
	}
	var we *web.Error
	if errors.As(err, &we) {
		t.Errorf("error is a *web.Error (%v); a storage outage is internal", we)
	}
}

func TestOpenRejectsBadInput(t *testing.T) {
	t.Parallel()
	if _, err := Open(t.Context(), "postgres://127.0.0.1:1/x", nil); err == nil {
		t.Error("Open without a box = nil error")
	}
	_, err := Open(t.Context(), "postgres://planner:s3cret-pw@127.0.0.1:1/x?pool_max_conns=zero", testBox(t))
	if err == nil {
		t.Fatal("Open with pool_max_conns=zero = nil error")
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("error %q quotes the password", err)
	}
}

func TestOpenConfiguresPool(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		query       string
		wantMax     int32
		wantTimeout string
	}{
		{"defaults", "", DefaultMaxConns, "15s"},
		{"from the URL", "pool_max_conns=3&statement_timeout=2500", 3, "2500ms"},
		{"from the URL's options", "options=-c%20statement_timeout%3D3s", DefaultMaxConns, "3s"},
	}
	dbURL := newDatabase(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := dbURL
			if tc.query != "" {
				sep := "?"
				if strings.Contains(u, "?") {
					sep = "&"
				}
				u += sep + tc.query
			}
			s, err := Open(t.Context(), u, testBox(t))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			if got := s.pool.Config().MaxConns; got != tc.wantMax {
				t.Errorf("MaxConns = %d, want %d", got, tc.wantMax)
			}
			var timeout string
			if err := s.pool.QueryRow(t.Context(), "SHOW statement_timeout").Scan(&timeout); err != nil {
				t.Fatal(err)
			}
			if timeout != tc.wantTimeout {
				t.Errorf("statement_timeout = %q, want %q", timeout, tc.wantTimeout)
			}
		})
	}
}

func TestSecretsAreSealedAtRest(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	ctx := t.Context()
	secret := []byte("sk_live_plain_secret")
	r := web.Retailer{ID: "le_1", Name: "Shop", Plan: web.PlanFree, DistributionID: "d_1"}
	if err := s.CreateRetailer(ctx, r, web.Credential{APIKey: "pk_1", Secret: secret}); err != nil {
		t.Fatalf("CreateRetailer: %v", err)
	}
	var sealed []byte
	if err := s.pool.QueryRow(ctx, `SELECT secret_sealed FROM api_credentials WHERE api_key = 'pk_1'`).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Error("the API secret is stored in the clear")
	}
	// Sealed exactly as web/sqlite seals it: the same box opens it with the
	// same additional data.
	got, err := testBox(t).Open(sealed, []byte("api_credentials\x00pk_1"))
	if err != nil || !bytes.Equal(got, secret) {
		t.Errorf("opening the stored secret = %q, %v; want %q", got, err, secret)
	}
}

func TestConcurrentFirstOpens(t *testing.T) {
	t.Parallel()
	dbURL := newDatabase(t)
	const n = 4
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), dbURL, testBox(t)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		defer stores[i].Close()
	}
	var applied int
	if err := stores[0].pool.QueryRow(t.Context(),
		`SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(Migrations(), "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if applied != len(files) {
		t.Errorf("%d migrations recorded after %d concurrent opens, want %d (each once)", applied, n, len(files))
	}
}

func TestTransactionRetries(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	tests := []struct {
		name         string
		err          error
		wantAttempts int
	}{
		{"serialization failure", &pgconn.PgError{Code: codeSerializationFailure}, 2},
		{"deadlock", &pgconn.PgError{Code: codeDeadlockDetected}, 2},
		{"unique violation is final", &pgconn.PgError{Code: codeUniqueViolation}, 1},
		{"other error is final", errors.New("boom"), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			attempts := 0
			err := s.inTx(t.Context(), func(tx pgx.Tx) error {
				attempts++
				if attempts == 1 {
					return tc.err
				}
				return nil
			})
			if attempts != tc.wantAttempts {
				t.Errorf("attempts = %d, want %d", attempts, tc.wantAttempts)
			}
			if wantErr := tc.wantAttempts == 1; (err != nil) != wantErr {
				t.Errorf("err = %v, want error %v", err, wantErr)
			}
		})
	}
	// A transaction that keeps failing gives up after txAttempts.
	attempts := 0
	err := s.inTx(t.Context(), func(tx pgx.Tx) error {
		attempts++
		return &pgconn.PgError{Code: codeSerializationFailure}
	})
	if err == nil || attempts != txAttempts {
		t.Errorf("always failing: attempts = %d, err = %v; want %d attempts and the error", attempts, err, txAttempts)
	}
}
