// Package storetest is the conformance suite of the planner's storage. Every
// store (web/sqlite, web/postgres) runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Store { return openTestStore(t) })
//	}
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
)

// Store is every method the planner service needs from its storage. Times
// read back in UTC with at least millisecond precision.
type Store interface {
	Ping(ctx context.Context) error

	// Retailers and their embedding origins (Origins sorted).
	CreateRetailer(ctx context.Context, r web.Retailer, c web.Credential) error
	Retailer(ctx context.Context, id string) (web.Retailer, error)
	RetailerByDistribution(ctx context.Context, distributionID string) (web.Retailer, error)
	Retailers(ctx context.Context) ([]web.Retailer, error)
	AddOrigin(ctx context.Context, retailerID, origin string) error
	RemoveOrigin(ctx context.Context, retailerID, origin string) error
	// Origins product images may come from (ImageOrigins sorted).
	AddImageOrigin(ctx context.Context, retailerID, origin string) error
	RemoveImageOrigin(ctx context.Context, retailerID, origin string) error
	SetPlan(ctx context.Context, retailerID string, p web.Plan) error
	SetTheme(ctx context.Context, retailerID string, t web.Theme) error

	// API credentials, secrets sealed at rest.
	Credential(ctx context.Context, apiKey string) (web.Credential, error)
	// APIKey is a retailer's API key (the one RotateSecret keeps), without its secret.
	APIKey(ctx context.Context, retailerID string) (string, error)
	RotateSecret(ctx context.Context, retailerID string, secret []byte) (apiKey string, err error)
	// The credential rotation log: RotateSecret records, in its transaction,
	// the retailer whose secret it replaced. Seqs increase in commit order
	// and are never reused, even after a purge.
	CredentialRotations(ctx context.Context, after int64) ([]web.CredentialRotation, error)
	LastCredentialRotation(ctx context.Context) (int64, error)
	PurgeCredentialRotations(ctx context.Context, before time.Time) error

	// Token signing keys, private keys sealed at rest.
	SigningKeys(ctx context.Context) ([]web.SigningKey, error)
	RotateSigningKey(ctx context.Context, k web.SigningKey) error
	PurgeSigningKeys(ctx context.Context, before time.Time) error

	// Catalogs.
	ImportCatalog(ctx context.Context, retailerID string, cats []web.Category, products []web.Product, replace bool) error
	Categories(ctx context.Context, retailerID string) ([]web.Category, error)
	Products(ctx context.Context, retailerID string, q web.ProductQuery) (products []web.Product, nextCursor string, err error)
	Product(ctx context.Context, retailerID, id string) (web.Product, error)
	MissingProducts(ctx context.Context, retailerID string, ids []string) ([]string, error)

	// The catalog change log: ImportCatalog records, in its transaction, each
	// product it really changed or removed. Seqs increase in commit order and
	// are never reused, even after a purge.
	CatalogChanges(ctx context.Context, after int64, limit int) ([]web.CatalogChange, error)
	LastCatalogChange(ctx context.Context) (int64, error)
	PurgeCatalogChanges(ctx context.Context, before time.Time) error

	// Users' projects.
	Projects(ctx context.Context, retailerID, uid string) ([]web.ProjectSummary, error)
	Project(ctx context.Context, retailerID, uid, id string) (web.Project, error)
	CreateProject(ctx context.Context, p web.Project, idempotencyKey, requestHash string) (stored web.Project, created bool, err error)
	UpdateProject(ctx context.Context, retailerID, uid, id string, ifVersion int64, doc web.ProjectDoc, now time.Time) (web.Project, error)
	DeleteProject(ctx context.Context, retailerID, uid, id string, ifVersion int64) error
	PurgeIdempotency(ctx context.Context, before time.Time) error

	// Retailers' per-minute business metrics (web/retailermetrics):
	// counters summed, gauges (web.MetricIsMax) maximised, per minute and in
	// series buckets.
	AddMetrics(ctx context.Context, counts []web.MetricCount) error
	MetricSeries(ctx context.Context, retailerID string, from, to time.Time, step time.Duration) ([]web.MetricCount, error)
	PurgeMetrics(ctx context.Context, before time.Time) error

	// Console users (the retailer's staff), bound to one retailer each; an
	// email is one user across retailers.
	CreateConsoleUser(ctx context.Context, u web.ConsoleUser) error
	ConsoleUser(ctx context.Context, email string) (web.ConsoleUser, error)
	SetConsolePassword(ctx context.Context, id string, hash []byte, mustChange bool) error
}

// Run runs the suite. open must return a new, empty store for each call and
// release it when t ends (t.Cleanup); subtests run in parallel, each on its
// own store.
func Run(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		f    func(t *testing.T, s Store)
	}{
		{"Ping", testPing},
		{"RetailerCreateAndRead", testRetailerCreateAndRead},
		{"RetailerCreateIsAtomic", testRetailerCreateIsAtomic},
		{"Origins", testOrigins},
		{"ImageOrigins", testImageOrigins},
		{"SetPlan", testSetPlan},
		{"SetTheme", testSetTheme},
		{"Credential", testCredential},
		{"RotateSecret", testRotateSecret},
		{"CredentialRotationLog", testCredentialRotationLog},
		{"SigningKeyRotation", testSigningKeyRotation},
		{"CatalogImport", testCatalogImport},
		{"CatalogImportIsAtomic", testCatalogImportIsAtomic},
		{"ProductPaging", testProductPaging},
		{"ProductSearch", testProductSearch},
		{"MissingProducts", testMissingProducts},
		{"CatalogChangeLog", testCatalogChangeLog},
		{"CatalogChangeLogPaging", testCatalogChangeLogPaging},
		{"CatalogChangePurge", testCatalogChangePurge},
		{"CatalogChangeFeedIsCommitOrdered", testCatalogChangeFeedIsCommitOrdered},
		{"CredentialRotationFeedIsCommitOrdered", testCredentialRotationFeedIsCommitOrdered},
		{"RetailerIsolation", testRetailerIsolation},
		{"ProjectOwnerIsolation", testProjectOwnerIsolation},
		{"ProjectLifecycle", testProjectLifecycle},
		{"ProjectConcurrentUpdates", testProjectConcurrentUpdates},
		{"ProjectRoomV2", testProjectRoomV2},
		{"Idempotency", testIdempotency},
		{"IdempotencyConcurrent", testIdempotencyConcurrent},
		{"Metrics", testMetrics},
		{"ConsoleUsers", testConsoleUsers},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.f(t, open(t))
		})
	}
}

// t0 is the suite's reference time, in whole milliseconds so that every store
// reads it back exactly.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testPing(t *testing.T, s Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// wantCode fails t unless err has the web error code.
func wantCode(t *testing.T, err error, code string) *web.Error {
	t.Helper()
	var e *web.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("err = %v, want a *web.Error with code %q", err, code)
	}
	return e
}

// mustNot fails t on err.
func mustNot(t *testing.T, err error, what string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(what, args...), err)
	}
}
