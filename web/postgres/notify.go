package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/live"
)

// Defaults of NotifierConfig.
const (
	DefaultNotifyChannel = "planner_live"
	DefaultMinBackoff    = 100 * time.Millisecond
	DefaultMaxBackoff    = 30 * time.Second
	DefaultListenPing    = 30 * time.Second
)

// MaxNotifyPayload is the largest NOTIFY payload in bytes: PostgreSQL
// refuses one of 8000 bytes or more (in its default build).
const MaxNotifyPayload = 7999

// ListenerApplicationName is the application_name of a Notifier's listening
// connection, so operators can tell it apart in pg_stat_activity.
const ListenerApplicationName = "planner live listener"

// NotifierConfig configures a Notifier. Zero values get the defaults noted.
type NotifierConfig struct {
	// Channel is the NOTIFY channel; every instance on one database must use
	// the same one. Default "planner_live".
	Channel string
	// OnReconnect is called once the listener is listening again after its
	// connection was lost: notifications sent meanwhile were never delivered
	// here, so the service tells every socket to resync. It is not called
	// for the first connection. Default: nothing.
	OnReconnect func()
	// MinBackoff and MaxBackoff bound the wait before each reconnection
	// attempt: MinBackoff after a drop, doubling per failed attempt up to
	// MaxBackoff, each wait randomly between half and all of it (so
	// instances that lost the server together do not return in step).
	// Defaults 100 ms and 30 s.
	MinBackoff, MaxBackoff time.Duration
	// Ping is how long the listener waits for a notification before it pings
	// the server, so a connection that died silently (no FIN, no error) is
	// found within about this long. Default 30 s.
	Ping time.Duration
	// Clock times the reconnection backoff. Default the system clock.
	Clock web.Clock
}

func (c *NotifierConfig) setDefaults() {
	if c.Channel == "" {
		c.Channel = DefaultNotifyChannel
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(DefaultMaxBackoff, c.MinBackoff)
	}
	if c.Ping <= 0 {
		c.Ping = DefaultListenPing
	}
	if c.Clock == nil {
		c.Clock = web.SystemClock()
	}
	if c.OnReconnect == nil {
		c.OnReconnect = func() {}
	}
}

// Notifier carries live events between the instances of the service that
// share one database, through PostgreSQL LISTEN/NOTIFY. It is a
// live.Publisher: Publish sends the event with pg_notify on a pooled
// connection. Its listener holds a dedicated connection that LISTENs on the
// channel and hands every notification to the local publisher (the
// instance's live.Hub), those this instance sent included.
//
// Publish deliberately does not also deliver locally: the listener is the one
// path to the hub, for this instance's events as for everyone else's, so each
// event reaches each instance exactly once without instance ids or
// deduplication. The price is a round trip to the server for local events,
// and that while the listener is down this instance's own events are missed
// too, which the resync after reconnection repairs as it does for the
// others'.
//
// A notification carries routing ids, the event name and version numbers
// only, never a document or a project's name: clients fetch what changed
// through the API. Catalog events should not be published here: every
// instance reads the catalog change log itself (live.CatalogWatcher), so they
// would arrive once per instance.
type Notifier struct {
	pool  *pgxpool.Pool
	cc    *pgx.ConnConfig // the listener's connection settings
	local live.Publisher
	cfg   NotifierConfig
	log   *slog.Logger

	mu     sync.Mutex
	conn   *pgx.Conn          // the listening connection; guarded by mu
	cancel context.CancelFunc // stops the listener; nil before Listen
	done   chan struct{}      // closed when the listener has stopped
}

var _ live.Publisher = (*Notifier)(nil)

// NewNotifier returns a notifier on the store's database whose listener will
// deliver to local. Call Listen to start the listener and Close to stop it.
func (s *Store) NewNotifier(local live.Publisher, cfg NotifierConfig, log *slog.Logger) *Notifier {
	cfg.setDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cc := s.pool.Config().ConnConfig.Copy()
	cc.RuntimeParams["application_name"] = ListenerApplicationName
	return &Notifier{pool: s.pool, cc: cc, local: local, cfg: cfg, log: log}
}

// notification is the NOTIFY payload: an Event without its Title.
type notification struct {
	Topic      live.Topic `json:"topic"`
	Event      string     `json:"event"`
	RetailerID string     `json:"retailer"`
	UID        string     `json:"uid,omitempty"`
	ID         string     `json:"id,omitempty"`
	Version    int64      `json:"version,omitempty"`
	Removed    bool       `json:"removed,omitempty"`
	Products   int        `json:"products,omitempty"`
	Categories int        `json:"categories,omitempty"`
}

// NotifyPayload returns the NOTIFY payload of e, or an error if e cannot be
// routed or its payload would pass MaxNotifyPayload.
func NotifyPayload(e live.Event) (string, error) {
	if err := e.Validate(); err != nil {
		return "", err
	}
	b, err := json.Marshal(notification{
		Topic: e.Topic, Event: e.Name, RetailerID: e.RetailerID, UID: e.UID,
		ID: e.ID, Version: e.Version, Removed: e.Removed, Products: e.Products, Categories: e.Categories,
	})
	if err != nil {
		return "", fmt.Errorf("encode live event %q: %w", e.Name, err)
	}
	if len(b) > MaxNotifyPayload {
		return "", fmt.Errorf("live event %q of %s: its NOTIFY payload is %d bytes, over PostgreSQL's limit of %d", e.Name, e.ID, len(b), MaxNotifyPayload)
	}
	return string(b), nil
}

func parseNotification(payload string) (live.Event, error) {
	var n notification
	if err := json.Unmarshal([]byte(payload), &n); err != nil {
		return live.Event{}, err
	}
	e := live.Event{
		Topic: n.Topic, Name: n.Event, RetailerID: n.RetailerID, UID: n.UID,
		ID: n.ID, Version: n.Version, Removed: n.Removed, Products: n.Products, Categories: n.Categories,
	}
	return e, e.Validate()
}

// Publish sends e to every instance's listener, this one's included. An
// event whose payload would be too large is refused, with a warning logged,
// rather than cut: a trimmed id would route it to the wrong sockets.
func (n *Notifier) Publish(ctx context.Context, e live.Event) error {
	payload, err := NotifyPayload(e)
	if err != nil {
		n.log.WarnContext(ctx, "live event not published", "event", e.Name, "err", err)
		return err
	}
	if _, err := n.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, n.cfg.Channel, payload); err != nil {
		return fmt.Errorf("notify live event %q: %w", e.Name, err)
	}
	return nil
}

// Listen connects the listener and returns once it is listening, or with the
// error of that first attempt (ctx bounds it). The listener then runs on its
// own, reconnecting after any drop, until Close.
func (n *Notifier) Listen(ctx context.Context) error {
	// Claim the listener before connecting, so two calls cannot both start
	// one (the second's cancel would overwrite the first's, which Close
	// could then never stop).
	lctx, cancel := context.WithCancel(context.Background())
	n.mu.Lock()
	if n.cancel != nil {
		n.mu.Unlock()
		cancel()
		return errors.New("postgres: the notifier is already listening")
	}
	n.cancel = cancel
	n.mu.Unlock()
	conn, err := n.connect(ctx)
	if err != nil {
		n.mu.Lock()
		n.cancel = nil
		n.mu.Unlock()
		cancel()
		return err
	}
	done := make(chan struct{})
	n.mu.Lock()
	if lctx.Err() != nil { // closed while connecting
		n.mu.Unlock()
		_ = conn.Close(context.Background())
		return errors.New("postgres: the notifier was closed while connecting")
	}
	n.conn, n.done = conn, done
	n.mu.Unlock()
	go func() {
		defer close(done)
		n.run(lctx, conn)
	}()
	return nil
}

// Close stops the listener and closes its connection. Publish still works
// while the store is open.
func (n *Notifier) Close() error {
	n.mu.Lock()
	cancel, done := n.cancel, n.done
	n.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	if done != nil { // nil while Listen is still connecting: it gives up on its own
		<-done
	}
	return nil
}

// BackendPID returns the server process id of the listening connection, 0
// while it is not connected (for tests and operators, who may find it in
// pg_stat_activity).
func (n *Notifier) BackendPID() uint32 {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.conn == nil {
		return 0
	}
	return n.conn.PgConn().PID()
}

// connect opens the dedicated connection and LISTENs on the channel.
func (n *Notifier) connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, n.cc)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect the live listener: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{n.cfg.Channel}.Sanitize()); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("postgres: LISTEN for live events: %w", err)
	}
	return conn, nil
}

// run delivers notifications until ctx ends, replacing a lost connection.
func (n *Notifier) run(ctx context.Context, conn *pgx.Conn) {
	for {
		err := n.deliver(ctx, conn)
		n.mu.Lock()
		n.conn = nil
		n.mu.Unlock()
		conn.Close(context.Background())
		if ctx.Err() != nil {
			return
		}
		n.log.Warn("live listener lost its connection: reconnecting", "err", err)
		if conn = n.reconnect(ctx); conn == nil {
			return
		}
		n.mu.Lock()
		n.conn = conn
		n.mu.Unlock()
		// Only now: a resync sent before LISTEN was in effect again could be
		// followed by more missed events.
		n.log.Info("live listener reconnected: sockets told to resync")
		n.cfg.OnReconnect()
	}
}

// deliver hands conn's notifications to the local publisher until the
// connection fails or ctx ends, and returns why.
func (n *Notifier) deliver(ctx context.Context, conn *pgx.Conn) error {
	for {
		wctx, cancel := context.WithTimeout(ctx, n.cfg.Ping)
		msg, err := conn.WaitForNotification(wctx)
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			// A timeout leaves the connection usable (pgconn closes it on any
			// other error): check that the server is still there.
			if !pgconn.Timeout(err) && !errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			pctx, cancel := context.WithTimeout(ctx, n.cfg.Ping)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
			continue
		}
		e, err := parseNotification(msg.Payload)
		if err != nil {
			n.log.Warn("live listener: ignored a malformed notification", "channel", msg.Channel, "err", err)
			continue
		}
		if err := n.local.Publish(ctx, e); err != nil {
			n.log.Warn("live listener: deliver event", "event", e.Name, "err", err)
		}
	}
}

// reconnect retries connect with backoff until it succeeds, or returns nil
// once ctx ends.
func (n *Notifier) reconnect(ctx context.Context) *pgx.Conn {
	wait := n.cfg.MinBackoff
	for {
		if !n.sleep(ctx, wait/2+rand.N(wait/2+1)) {
			return nil
		}
		// The store's connect timeout bounds each attempt.
		conn, err := n.connect(ctx)
		if err == nil {
			return conn
		}
		if ctx.Err() != nil {
			return nil
		}
		wait = min(2*wait, n.cfg.MaxBackoff)
		n.log.Warn("live listener: reconnect failed", "retry_within", wait, "err", err)
	}
}

// sleep waits d on the configured clock; it reports false if ctx ended first.
func (n *Notifier) sleep(ctx context.Context, d time.Duration) bool {
	fired := make(chan struct{})
	stop := n.cfg.Clock.AfterFunc(d, func() { close(fired) })
	select {
	case <-fired:
		return true
	case <-ctx.Done():
		stop()
		return false
	}
}
