package token

import (
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
)

func TestRetailerToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	req := IssueRequest{Kind: web.KindRetailer, RetailerID: testRetailer, Scopes: []string{web.ScopeRead}, TTL: 15 * time.Minute}
	issued := e.issue(t, req)
	if h := segment(t, issued.Token, 0); h["typ"] != TypRetailer {
		t.Errorf("typ = %v, want %s", h["typ"], TypRetailer)
	}
	p, err := e.v.Verify(t.Context(), issued.Token)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != web.KindRetailer || p.RetailerID != testRetailer || p.UID != "" || p.CanWrite() {
		t.Errorf("principal = %+v, want a read-only retailer principal", p)
	}

	// Never writable, never for a user.
	if _, err := e.issuer.Issue(IssueRequest{Kind: web.KindRetailer, RetailerID: testRetailer, Scopes: []string{web.ScopeRead, web.ScopeWrite}, TTL: time.Minute}); code(err) != web.EValidation {
		t.Errorf("retailer token with write: %v, want validation_failed", err)
	}
	if _, err := e.issuer.Issue(IssueRequest{Kind: web.KindRetailer, RetailerID: testRetailer, UID: "alice", TTL: time.Minute}); code(err) != web.EValidation {
		t.Errorf("retailer token with a uid: %v, want validation_failed", err)
	}

	// Explicit typing: one kind never passes as another.
	claims := e.apiClaims()
	claims["kind"] = web.KindRetailer
	for _, typ := range []string{TypLegalEntity, TypUser, "JWT"} {
		if _, err := e.v.Verify(t.Context(), e.signAPI(t, typ, claims)); code(err) != web.EInvalidToken {
			t.Errorf("retailer claims under typ %q: %v, want invalid_token", typ, err)
		}
	}
	le := e.apiClaims()
	if _, err := e.v.Verify(t.Context(), e.signAPI(t, TypRetailer, le)); code(err) != web.EInvalidToken {
		t.Errorf("legal-entity claims under typ %s: %v, want invalid_token", TypRetailer, err)
	}
	claims["scope"] = "read write"
	if _, err := e.v.Verify(t.Context(), e.signAPI(t, TypRetailer, claims)); code(err) != web.EInvalidToken {
		t.Errorf("retailer token with write scope: %v, want invalid_token", err)
	}

	// Partner-signed tokens cannot be retailer tokens.
	pc := e.partnerClaims()
	pc["kind"] = web.KindRetailer
	if _, err := e.v.Verify(t.Context(), signPartner(t, testSecret, pc)); code(err) != web.EInvalidToken {
		t.Errorf("partner retailer token: %v, want invalid_token", err)
	}

	// An expired one names its retailer, which its signature vouches for.
	e.clock.Set(issued.ExpiresAt)
	_, err = e.v.Verify(t.Context(), issued.Token)
	if rid, ok := ExpiredRetailer(err); !ok || rid != testRetailer || code(err) != web.ETokenExpired {
		t.Errorf("expired: %v (retailer %q, %v), want token_expired naming %s", err, rid, ok, testRetailer)
	}
}
