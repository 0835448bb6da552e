package service

import (
	"context"
	"log/slog"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/api"
	"github.com/roomplanner/planner/web/live"
)

// Store is the storage PublishingStore decorates: what the API needs, plus
// catalog imports.
type Store interface {
	api.Store
	ImportCatalog(ctx context.Context, retailerID string, cats []web.Category, products []web.Product, replace bool) error
}

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
