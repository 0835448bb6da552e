package web

import (
	"crypto/ed25519"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Plan is a retailer's subscription plan. It decides what the live channel
// serves before authentication.
type Plan string

// Plans.
const (
	PlanFree    Plan = "free"
	PlanPremium Plan = "premium"
)

// ParsePlan validates a plan name.
func ParsePlan(s string) (Plan, error) {
	switch Plan(s) {
	case PlanFree, PlanPremium:
		return Plan(s), nil
	}
	return "", FieldErrorf("plan", "must be free or premium, got %q", s)
}

// Retailer is a legal entity: one retailer that embeds the planner.
type Retailer struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	Plan           Plan      `json:"plan"`
	Origins        []string  `json:"origins"`        // registered embedding origins, exact
	DistributionID string    `json:"distributionId"` // public id used in the iframe URL
	CreatedAt      time.Time `json:"createdAt"`
	// Theme is the retailer's look for its planner page (zero: the planner's
	// own); SetUpSettings {theme} from the host overrides it in the browser.
	Theme Theme `json:"theme,omitzero"`
	// ImageOrigins are the origins its catalog's product images may come
	// from (NormalizeImageOrigin, sorted): the planner page's CSP img-src
	// lists exactly these beside 'self' and data:, so an image elsewhere
	// never loads, and the catalog importer refuses it.
	ImageOrigins []string `json:"imageOrigins"`
}

// Credential is a retailer's API key and (decrypted) API secret.
type Credential struct {
	APIKey     string
	RetailerID string
	Secret     []byte // plaintext; stores keep it encrypted at rest
	CreatedAt  time.Time
}

// CredentialRotation is one entry of the credential rotation log: the
// retailer whose API secret was replaced, and when. Running servers tail the
// log to drop what they still trust from the old secret. Seq orders the log
// and is never reused.
type CredentialRotation struct {
	Seq        int64
	RetailerID string
	At         time.Time
}

// SigningKey is one Ed25519 key the service signs tokens with. The newest
// unretired key is current; retired keys keep verifying until RetiredAt plus
// the longest token lifetime.
type SigningKey struct {
	KID        string
	PrivateKey ed25519.PrivateKey
	CreatedAt  time.Time
	RetiredAt  time.Time // zero while current
}

// NormalizeOrigin checks that s is a bare web origin (scheme://host[:port], no
// path, query or fragment) and returns it in canonical form. Origins are
// compared exactly, so "http://127.0.0.1:8080/" becomes "http://127.0.0.1:8080".
func NormalizeOrigin(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", FieldErrorf("origin", "%q is not an origin like https://shop.example or http://127.0.0.1:8080", s)
	}
	host := strings.ToLower(u.Host)
	if (u.Scheme == "http" && strings.HasSuffix(host, ":80")) || (u.Scheme == "https" && strings.HasSuffix(host, ":443")) {
		host = host[:strings.LastIndexByte(host, ':')]
	}
	if strings.ContainsAny(host, " *,;'\"") {
		return "", FieldErrorf("origin", "%q has characters not allowed in a host", s)
	}
	return fmt.Sprintf("%s://%s", u.Scheme, host), nil
}
