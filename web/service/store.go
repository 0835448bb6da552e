package service

import (
	"context"
	"log/slog"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/api"
	"github.com/roomplanner/planner/web/live"
	"github.com/roomplanner/planner/web/sqlite"
	"github.com/roomplanner/planner/web/token"
)

// Store is the storage the service and its commands use: what the API, the
// live channel and the token keyring read and write, the two change logs
// other processes' writes reach this one through, and the purges of
// RunMaintenance. web/sqlite implements it, and so will web/postgres;
// web/storetest holds the behaviour both must have.
type Store interface {
	Ping(ctx context.Context) error
	Close() error
	// SchemaVersion reports the database's schema version (0 when never
	// migrated) and the latest of this build's migrations.
	SchemaVersion(ctx context.Context) (current, latest int64, err error)

	// Retailers and their embedding origins.
	CreateRetailer(ctx context.Context, r web.Retailer, c web.Credential) error
	Retailer(ctx context.Context, id string) (web.Retailer, error)
	RetailerByDistribution(ctx context.Context, distributionID string) (web.Retailer, error)
	Retailers(ctx context.Context) ([]web.Retailer, error)
	AddOrigin(ctx context.Context, retailerID, origin string) error
	RemoveOrigin(ctx context.Context, retailerID, origin string) error
	AddImageOrigin(ctx context.Context, retailerID, origin string) error
	RemoveImageOrigin(ctx context.Context, retailerID, origin string) error
	SetPlan(ctx context.Context, retailerID string, p web.Plan) error
	SetTheme(ctx context.Context, retailerID string, t web.Theme) error

	// API credentials and the log of their rotations.
	Credential(ctx context.Context, apiKey string) (web.Credential, error)
	APIKey(ctx context.Context, retailerID string) (string, error)
	RotateSecret(ctx context.Context, retailerID string, secret []byte) (apiKey string, err error)
	CredentialRotations(ctx context.Context, after int64) ([]web.CredentialRotation, error)
	LastCredentialRotation(ctx context.Context) (int64, error)
	PurgeCredentialRotations(ctx context.Context, before time.Time) error

	// Token signing keys.
	SigningKeys(ctx context.Context) ([]web.SigningKey, error)
	RotateSigningKey(ctx context.Context, k web.SigningKey) error
	PurgeSigningKeys(ctx context.Context, before time.Time) error

	// Catalogs and their change log.
	ImportCatalog(ctx context.Context, retailerID string, cats []web.Category, products []web.Product, replace bool) error
	Categories(ctx context.Context, retailerID string) ([]web.Category, error)
	Products(ctx context.Context, retailerID string, q web.ProductQuery) (products []web.Product, nextCursor string, err error)
	Product(ctx context.Context, retailerID, id string) (web.Product, error)
	MissingProducts(ctx context.Context, retailerID string, ids []string) ([]string, error)
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

	// Retailers' per-minute business metrics (web/retailermetrics).
	AddMetrics(ctx context.Context, counts []web.MetricCount) error
	MetricSeries(ctx context.Context, retailerID string, from, to time.Time, step time.Duration) ([]web.MetricCount, error)
	PurgeMetrics(ctx context.Context, before time.Time) error

	// Console users: the retailers' staff (web/retailerops).
	CreateConsoleUser(ctx context.Context, u web.ConsoleUser) error
	ConsoleUser(ctx context.Context, email string) (web.ConsoleUser, error)
	SetConsolePassword(ctx context.Context, id string, hash []byte, mustChange bool) error
}

var (
	_ Store          = (*sqlite.Store)(nil)
	_ api.Store      = Store(nil)
	_ token.KeyStore = Store(nil)
	_ live.ChangeLog = Store(nil)
)

// PublishingStore is a Store whose successful project writes publish live
// events: project.created (only when CreateProject really created the project,
// not for an idempotent repeat), project.updated and project.deleted. Reads
// pass straight through, and so does ImportCatalog: catalog events come from
// the store's change log through a live.CatalogWatcher, the one source for
// imports made in this process and in others (the admin CLI), so an
// in-process import is published once, like any other. Events are published
// after the write has committed, so a client that fetches on an event sees the
// change; two concurrent writes to one project may publish out of order, which
// clients resolve by the version each event carries.
//
// A failed publish is logged and does not fail the write: the data is stored,
// and a socket that misses an event catches up on its next resync.
type PublishingStore struct {
	Store
	Publisher live.Publisher
	Log       *slog.Logger // default: discard
}

var _ api.Store = (*PublishingStore)(nil)

// NewPublishingStore returns st with its writes published to pub.
func NewPublishingStore(st Store, pub live.Publisher, log *slog.Logger) *PublishingStore {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &PublishingStore{Store: st, Publisher: pub, Log: log}
}

// CreateProject creates the project and publishes project.created if it was
// created by this call.
func (s *PublishingStore) CreateProject(ctx context.Context, p web.Project, idempotencyKey, requestHash string) (web.Project, bool, error) {
	out, created, err := s.Store.CreateProject(ctx, p, idempotencyKey, requestHash)
	if err == nil && created {
		s.publish(ctx, live.ProjectEvent(live.EventProjectCreated, p.RetailerID, p.OwnerUID, out))
	}
	return out, created, err
}

// UpdateProject updates the project and publishes project.updated.
func (s *PublishingStore) UpdateProject(ctx context.Context, retailerID, uid, id string, ifVersion int64, doc web.ProjectDoc, now time.Time) (web.Project, error) {
	out, err := s.Store.UpdateProject(ctx, retailerID, uid, id, ifVersion, doc, now)
	if err == nil {
		s.publish(ctx, live.ProjectEvent(live.EventProjectUpdated, retailerID, uid, out))
	}
	return out, err
}

// DeleteProject deletes the project and publishes project.deleted with the
// version that was deleted.
func (s *PublishingStore) DeleteProject(ctx context.Context, retailerID, uid, id string, ifVersion int64) error {
	err := s.Store.DeleteProject(ctx, retailerID, uid, id, ifVersion)
	if err == nil {
		s.publish(ctx, live.ProjectDeletedEvent(retailerID, uid, id, ifVersion))
	}
	return err
}

func (s *PublishingStore) publish(ctx context.Context, e live.Event) {
	// The write is done: a request canceled now must not lose its event.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.Publisher.Publish(ctx, e); err != nil {
		s.Log.WarnContext(ctx, "publish live event", "event", e.Name, "le", e.RetailerID, "id", e.ID, "err", err)
	}
}
