// Package live is the planner service's live channel: the /ws WebSocket that
// tells the embedded planner about project and catalog changes as they happen.
//
// A socket is opened for one retailer's distribution (/ws?d=<distributionId>)
// and authenticated in-band with the same tokens as the API
// ({"type":"authenticate","payload":{"token":"..."}}). Project writes publish
// Events through a Publisher (web/service's PublishingStore decorates the
// store and builds them with ProjectEvent); catalog events come from the
// store's change log (CatalogWatcher), so imports made by another process are
// published too. A Hub fans them out to the sockets that subscribed to the
// event's Key. The Hub is the in-process implementation of Publisher and
// Subscriber. On PostgreSQL, web/postgres's Notifier replaces the publishing
// side so project events cross instances (NOTIFY), and its listener feeds
// the Hub; after a reconnection Handler.ResyncAll tells the sockets that they
// may have missed events.
package live

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/roomplanner/planner/web"
)

// Topic is what a socket subscribes to.
type Topic string

// Topics.
const (
	// TopicCatalog carries changes to the socket's retailer's catalog. On the
	// free plan it is public (no token needed); on premium it needs a token.
	TopicCatalog Topic = "catalog"
	// TopicProjects carries changes to the authenticated user's own projects.
	// It always needs a user token.
	TopicProjects Topic = "projects"
)

// Event names, the "event" field of an event message.
const (
	EventProjectCreated  = "project.created"
	EventProjectUpdated  = "project.updated"
	EventProjectDeleted  = "project.deleted"
	EventProductUpdated  = "product.updated"
	EventCatalogImported = "catalog.imported"
)

// Event is one change published to the live channel. RetailerID and UID route
// it and are never sent to clients; the client fetches documents through the
// API, so an event only says what changed.
type Event struct {
	Topic      Topic  // TopicProjects or TopicCatalog
	Name       string // one of the Event* names
	RetailerID string // the retailer whose data changed; required
	UID        string // owner of the project; required for project events, empty for catalog events

	ID         string // project id, or product id for product.updated
	Version    int64  // project version after the change (the deleted version for project.deleted)
	Title      string // project name; empty for deletions
	Removed    bool   // product.updated: the product was removed from the catalog
	Products   int    // catalog.imported: products the catalog has now
	Categories int    // catalog.imported: categories the catalog has now
}

// ProjectEvent returns the project event name (project.created or
// project.updated) for p, written by uid at retailerID. It routes by the
// caller's retailer and owner, never by fields of the returned project alone,
// so an event cannot reach another user even if a store left them empty.
func ProjectEvent(name, retailerID, uid string, p web.Project) Event {
	return Event{Topic: TopicProjects, Name: name, RetailerID: retailerID, UID: uid, ID: p.ID, Version: p.Version, Title: p.Name}
}

// ProjectDeletedEvent returns project.deleted for project id of uid at
// retailerID, carrying the version that was deleted.
func ProjectDeletedEvent(retailerID, uid, id string, version int64) Event {
	return Event{Topic: TopicProjects, Name: EventProjectDeleted, RetailerID: retailerID, UID: uid, ID: id, Version: version}
}

// Key says which subscribers an event reaches: every socket subscribed to its
// topic for its retailer and, for projects, its user.
type Key struct {
	Topic      Topic
	RetailerID string
	UID        string // empty for TopicCatalog
}

// Key returns the routing key of e.
func (e Event) Key() Key {
	k := Key{Topic: e.Topic, RetailerID: e.RetailerID}
	if e.Topic == TopicProjects {
		k.UID = e.UID
	}
	return k
}

// Validate checks that e can be routed: a known topic, a retailer and, for a
// project event, an owner. An event that fails would otherwise reach the wrong
// sockets or none.
func (e Event) Validate() error {
	if e.RetailerID == "" {
		return fmt.Errorf("live event %q: no retailer", e.Name)
	}
	switch e.Topic {
	case TopicProjects:
		if e.UID == "" {
			return fmt.Errorf("live event %q: project events need an owner", e.Name)
		}
	case TopicCatalog:
	default:
		return fmt.Errorf("live event %q: unknown topic %q", e.Name, e.Topic)
	}
	if e.Name == "" {
		return fmt.Errorf("live event on %q: no name", e.Topic)
	}
	return nil
}

// eventPayload is the wire form of an Event: routing fields left out.
type eventPayload struct {
	Topic      Topic  `json:"topic"`
	Event      string `json:"event"`
	ID         string `json:"id,omitempty"`
	Version    int64  `json:"version,omitempty"`
	Name       string `json:"name,omitempty"`
	Removed    bool   `json:"removed,omitempty"`
	Products   *int   `json:"products,omitempty"`
	Categories *int   `json:"categories,omitempty"`
}

// encode returns the event message clients receive.
func (e Event) encode() ([]byte, error) {
	p := eventPayload{Topic: e.Topic, Event: e.Name, ID: e.ID, Version: e.Version, Name: e.Title, Removed: e.Removed}
	if e.Name == EventCatalogImported {
		p.Products, p.Categories = &e.Products, &e.Categories
	}
	return json.Marshal(envelope{Type: typeEvent, Payload: p})
}

// Publisher sends events to their subscribers. Publish returns once the event
// is handed to every local subscriber (or to the shared backend); it never
// waits for a socket to write.
type Publisher interface {
	Publish(ctx context.Context, e Event) error
}

// Subscriber registers receivers of the events of one Key.
type Subscriber interface {
	// Subscribe makes r receive the events published for k until the returned
	// function is called. r may still receive an event that was being
	// delivered while it unsubscribed; receivers filter what they no longer
	// want.
	Subscribe(k Key, r Receiver) (unsubscribe func())
}

// Receiver takes delivered events. Receive is called on the publisher's
// goroutine and must not block: a socket queues the message or drops itself.
type Receiver interface {
	Receive(d Delivery)
}

// Delivery is a published event with its encoded wire message. The message is
// shared by every receiver of the event and must not be modified.
type Delivery struct {
	Event Event
	batch [][]byte // the encoded message as a one-message write batch
}

// Message returns the encoded event message.
func (d Delivery) Message() []byte {
	if len(d.batch) == 0 {
		return nil
	}
	return d.batch[0]
}
