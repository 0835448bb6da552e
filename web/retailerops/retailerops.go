// Package retailerops holds the operations on one retailer that both the
// admin CLI (cmd/planner) and the retailer console perform: its embedding
// origins, image origins and plan, rotating its API secret, importing its catalog, and its
// console users (the retailer's staff, with bcrypt passwords). Both faces
// call the same functions, so they validate alike and cannot drift apart.
package retailerops

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/catalog"
	"golang.org/x/crypto/bcrypt"
)

// Store is what the operations read and write (web/service.Store).
type Store interface {
	Retailer(ctx context.Context, id string) (web.Retailer, error)
	AddOrigin(ctx context.Context, retailerID, origin string) error
	RemoveOrigin(ctx context.Context, retailerID, origin string) error
	AddImageOrigin(ctx context.Context, retailerID, origin string) error
	RemoveImageOrigin(ctx context.Context, retailerID, origin string) error
	SetPlan(ctx context.Context, retailerID string, p web.Plan) error
	SetTheme(ctx context.Context, retailerID string, t web.Theme) error
	RotateSecret(ctx context.Context, retailerID string, secret []byte) (apiKey string, err error)
	ImportCatalog(ctx context.Context, retailerID string, cats []web.Category, products []web.Product, replace bool) error
	CreateConsoleUser(ctx context.Context, u web.ConsoleUser) error
	ConsoleUser(ctx context.Context, email string) (web.ConsoleUser, error)
	SetConsolePassword(ctx context.Context, id string, hash []byte, mustChange bool) error
}

// MinPasswordLen is the shortest console password accepted at a change.
const MinPasswordLen = 12

// maxPasswordLen is bcrypt's limit: it ignores bytes past 72.
const maxPasswordLen = 72

// Ops performs retailer operations on a store. It is safe for concurrent use.
type Ops struct {
	store Store
	clock func() time.Time
	cost  int

	dummyOnce sync.Once
	dummy     []byte // a hash compared against for unknown emails, made on first use
}

// Option adjusts an Ops.
type Option func(*Ops)

// WithBcryptCost sets the bcrypt cost (default bcrypt.DefaultCost, 10);
// tests lower it to bcrypt.MinCost.
func WithBcryptCost(c int) Option { return func(o *Ops) { o.cost = c } }

// WithClock sets the time source (default time.Now).
func WithClock(clock func() time.Time) Option { return func(o *Ops) { o.clock = clock } }

// New returns the operations on st.
func New(st Store, opts ...Option) *Ops {
	o := &Ops{store: st, clock: time.Now, cost: bcrypt.DefaultCost}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// compareDummy does the bcrypt work of a password check that has no user.
func (o *Ops) compareDummy(password string) {
	o.dummyOnce.Do(func() { o.dummy, _ = bcrypt.GenerateFromPassword([]byte("no such console user"), o.cost) })
	_ = bcrypt.CompareHashAndPassword(o.dummy, []byte(password))
}

// AddOrigin registers an origin (exact scheme://host[:port]) that may embed
// retailerID's planner and returns the retailer as it is now.
func (o *Ops) AddOrigin(ctx context.Context, retailerID, origin string) (web.Retailer, error) {
	n, err := web.NormalizeOrigin(origin)
	if err != nil {
		return web.Retailer{}, err
	}
	if err := o.store.AddOrigin(ctx, retailerID, n); err != nil {
		return web.Retailer{}, err
	}
	return o.store.Retailer(ctx, retailerID)
}

// RemoveOrigin removes an origin of retailerID and returns the retailer.
func (o *Ops) RemoveOrigin(ctx context.Context, retailerID, origin string) (web.Retailer, error) {
	n, err := web.NormalizeOrigin(origin)
	if err != nil {
		return web.Retailer{}, err
	}
	if err := o.store.RemoveOrigin(ctx, retailerID, n); err != nil {
		return web.Retailer{}, err
	}
	return o.store.Retailer(ctx, retailerID)
}

// AddImageOrigin registers an origin retailerID's product images may come
// from (https, or http on a loopback host: web.NormalizeImageOrigin) and
// returns the retailer as it is now. Planner pages opened afterwards list it
// in their CSP img-src.
func (o *Ops) AddImageOrigin(ctx context.Context, retailerID, origin string) (web.Retailer, error) {
	n, err := web.NormalizeImageOrigin(origin)
	if err != nil {
		return web.Retailer{}, web.FieldErrorf("origin", "%v", err)
	}
	if err := o.store.AddImageOrigin(ctx, retailerID, n); err != nil {
		return web.Retailer{}, err
	}
	return o.store.Retailer(ctx, retailerID)
}

// RemoveImageOrigin removes an image origin of retailerID and returns the
// retailer. Products whose images are on it keep their URLs, but planner
// pages no longer load them (the catalog card shows the symbol), and the
// next import refuses them.
func (o *Ops) RemoveImageOrigin(ctx context.Context, retailerID, origin string) (web.Retailer, error) {
	n, err := web.NormalizeOrigin(origin) // lenient: any registered origin can go
	if err != nil {
		return web.Retailer{}, err
	}
	if err := o.store.RemoveImageOrigin(ctx, retailerID, n); err != nil {
		return web.Retailer{}, err
	}
	return o.store.Retailer(ctx, retailerID)
}

// ImgSrc is the Content-Security-Policy img-src directive the planner page
// sends for a retailer with these image origins: its own images and data:
// URLs, plus exactly those origins, never a wildcard.
func ImgSrc(imageOrigins []string) string {
	return strings.TrimSpace("img-src 'self' data: " + strings.Join(imageOrigins, " "))
}

// FrameAncestors is the Content-Security-Policy frame-ancestors directive
// the planner page sends for these origins: what a console previews before
// an origin is added or removed.
func FrameAncestors(origins []string) string {
	if len(origins) == 0 {
		return "frame-ancestors 'none'"
	}
	return "frame-ancestors " + strings.Join(origins, " ")
}

// EmbedSnippet is the copy-paste start of a host page that embeds the
// planner with the SDK (the README's example, with this service's URL and
// the retailer's distribution id).
func EmbedSnippet(plannerURL, distributionID string) string {
	return `<div id="planner" style="height: 70vh"></div>
<script type="module">
  import { createPlanner } from '` + plannerURL + `/static/embed/planner-embed.js';
  createPlanner({
    container: document.getElementById('planner'),
    plannerUrl: '` + plannerURL + `',
    distribution: '` + distributionID + `',
    async getToken() {                     // your BFF (bff package); never the API secret
      const res = await fetch('/bff/token', { method: 'POST', headers: { 'X-Planner-BFF': '1' } });
      if (!res.ok) throw new Error('token: ' + res.status);
      return res.json();
    },
  });
</script>`
}

// SetPlan sets retailerID's plan (free or premium) and returns the retailer.
func (o *Ops) SetPlan(ctx context.Context, retailerID, plan string) (web.Retailer, error) {
	p, err := web.ParsePlan(plan)
	if err != nil {
		return web.Retailer{}, err
	}
	if err := o.store.SetPlan(ctx, retailerID, p); err != nil {
		return web.Retailer{}, err
	}
	return o.store.Retailer(ctx, retailerID)
}

// SetTheme stores retailerID's theme (web.Theme.Check's rules; the zero
// theme clears it) and returns the retailer. Planner pages opened afterwards
// show it.
func (o *Ops) SetTheme(ctx context.Context, retailerID string, t web.Theme) (web.Retailer, error) {
	if err := o.store.SetTheme(ctx, retailerID, t); err != nil {
		return web.Retailer{}, err
	}
	return o.store.Retailer(ctx, retailerID)
}

// RotateSecret gives retailerID a new API secret, usable at once, and
// returns it with the API key: the only time the secret is shown. Running
// planners refuse the old one within their refresh interval, and live
// sockets on its partner tokens are sent tokenExpired.
func (o *Ops) RotateSecret(ctx context.Context, retailerID string) (apiKey, secret string, err error) {
	secret = web.NewSecret()
	apiKey, err = o.store.RotateSecret(ctx, retailerID, []byte(secret))
	if err != nil {
		return "", "", err
	}
	return apiKey, secret, nil
}

// Imported is what ImportCatalog did.
type Imported struct {
	ID         string `json:"id"`
	Categories int    `json:"categories"`
	Products   int    `json:"products"`
	Replaced   bool   `json:"replaced"`
}

// ImportCatalog imports a parsed and validated catalog file (catalog.Parse)
// for retailerID in one transaction: on any error nothing is imported. A
// product image whose origin is not one of the retailer's image origins is
// refused (catalog.CheckImageOrigins), naming the product.
func (o *Ops) ImportCatalog(ctx context.Context, retailerID string, file catalog.File, replace bool) (Imported, error) {
	r, err := o.store.Retailer(ctx, retailerID)
	if err != nil {
		return Imported{}, err
	}
	if err := catalog.CheckImageOrigins(file, r.ImageOrigins); err != nil {
		return Imported{}, err
	}
	for i := range file.Products {
		file.Products[i].RetailerID = retailerID
	}
	if err := o.store.ImportCatalog(ctx, retailerID, file.Categories, file.Products, replace); err != nil {
		return Imported{}, fmt.Errorf("import catalog (nothing was imported): %w", err)
	}
	return Imported{ID: retailerID, Categories: len(file.Categories), Products: len(file.Products), Replaced: replace}, nil
}

// AddConsoleUser creates a console user of retailerID with a random
// one-time password, returned once, that must be changed at the first
// sign-in.
func (o *Ops) AddConsoleUser(ctx context.Context, retailerID, email string) (web.ConsoleUser, string, error) {
	e, err := web.NormalizeEmail(email)
	if err != nil {
		return web.ConsoleUser{}, "", err
	}
	password := rand.Text() // 26 base32 characters, 130 bits
	hash, err := bcrypt.GenerateFromPassword([]byte(password), o.cost)
	if err != nil {
		return web.ConsoleUser{}, "", fmt.Errorf("hash password: %w", err)
	}
	u := web.ConsoleUser{ID: web.NewID("cu_"), RetailerID: retailerID, Email: e, PasswordHash: hash, MustChange: true, CreatedAt: o.clock().UTC()}
	if err := o.store.CreateConsoleUser(ctx, u); err != nil {
		return web.ConsoleUser{}, "", err
	}
	return u, password, nil
}

// CheckConsolePassword returns the console user whose email and password
// these are. A wrong password and an unknown email give the same
// web.EInvalidClient error after the same bcrypt work.
func (o *Ops) CheckConsolePassword(ctx context.Context, email, password string) (web.ConsoleUser, error) {
	fail := web.Errorf(web.EInvalidClient, "unknown email or wrong password")
	e, err := web.NormalizeEmail(email)
	if err != nil || len(password) > maxPasswordLen {
		o.compareDummy(password)
		return web.ConsoleUser{}, fail
	}
	u, err := o.store.ConsoleUser(ctx, e)
	if web.ErrorCode(err) == web.ENotFound {
		o.compareDummy(password)
		return web.ConsoleUser{}, fail
	}
	if err != nil {
		return web.ConsoleUser{}, err
	}
	if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) != nil {
		return web.ConsoleUser{}, fail
	}
	return u, nil
}

// ChangeConsolePassword sets a new password for the user whose email and
// current password these are; the new one must be 12-72 bytes of UTF-8 and
// differ from the current one.
func (o *Ops) ChangeConsolePassword(ctx context.Context, email, current, next string) error {
	u, err := o.CheckConsolePassword(ctx, email, current)
	if err != nil {
		return err
	}
	switch {
	case !utf8.ValidString(next) || len(next) < MinPasswordLen || len(next) > maxPasswordLen:
		return web.FieldErrorf("password", "must be %d-%d bytes", MinPasswordLen, maxPasswordLen)
	case next == current:
		return web.FieldErrorf("password", "must differ from the current one")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(next), o.cost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return o.store.SetConsolePassword(ctx, u.ID, hash, false)
}
