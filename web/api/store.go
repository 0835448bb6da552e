package api

import (
	"context"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/token"
)

// RetailerStore reads retailers.
type RetailerStore interface {
	Retailer(ctx context.Context, id string) (web.Retailer, error)
	RetailerByDistribution(ctx context.Context, distributionID string) (web.Retailer, error)
}

// CredentialStore finds a retailer's API credential by API key.
type CredentialStore interface {
	Credential(ctx context.Context, apiKey string) (web.Credential, error)
}

// CatalogStore reads a retailer's catalog.
type CatalogStore interface {
	Categories(ctx context.Context, retailerID string) ([]web.Category, error)
	Products(ctx context.Context, retailerID string, q web.ProductQuery) ([]web.Product, string, error)
	Product(ctx context.Context, retailerID, id string) (web.Product, error)
	MissingProducts(ctx context.Context, retailerID string, ids []string) ([]string, error)
}

// ProjectStore reads and writes users' projects. Every method is scoped by
// retailer and owner: another owner's project is not found.
type ProjectStore interface {
	Projects(ctx context.Context, retailerID, uid string) ([]web.ProjectSummary, error)
	Project(ctx context.Context, retailerID, uid, id string) (web.Project, error)
	CreateProject(ctx context.Context, p web.Project, idempotencyKey, requestHash string) (web.Project, bool, error)
	UpdateProject(ctx context.Context, retailerID, uid, id string, ifVersion int64, doc web.ProjectDoc, now time.Time) (web.Project, error)
	DeleteProject(ctx context.Context, retailerID, uid, id string, ifVersion int64) error
}

// Store is everything the API needs from storage.
type Store interface {
	RetailerStore
	CredentialStore
	CatalogStore
	ProjectStore
	Ping(ctx context.Context) error
}

// TokenIssuer signs tokens for POST /v1/tokens.
type TokenIssuer interface {
	Issue(req token.IssueRequest) (token.Issued, error)
}

// TokenVerifier checks Bearer tokens, API-issued and partner-signed alike.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (web.Principal, error)
}

// JWKSource serves the public signing keys.
type JWKSource interface {
	JWKS() []byte
}
