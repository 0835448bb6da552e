package live_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/live"
	"github.com/roomplanner/planner/web/live/livetest"
)

type retailerFunc func(ctx context.Context, d string) (web.Retailer, error)

func (f retailerFunc) RetailerByDistribution(ctx context.Context, d string) (web.Retailer, error) {
	return f(ctx, d)
}

type verifierFunc func(ctx context.Context, raw string) (web.Principal, error)

func (f verifierFunc) Verify(ctx context.Context, raw string) (web.Principal, error) {
	return f(ctx, raw)
}

// A partner token verified across a revocation (the API secret rotated while
// it was checked) is verified again before the socket accepts it: a token of
// the old secret is then refused, one of the new secret accepted.
func TestPartnerVerifiedAcrossARevocationIsCheckedAgain(t *testing.T) {
	t.Parallel()
	shop := web.Retailer{ID: "le_shop", Name: "Shop", Plan: web.PlanFree, DistributionID: "d_shop"}
	for _, tt := range []struct {
		name      string
		secondOK  bool
		wantType  string
		wantCalls int64
	}{
		{"old secret: refused", false, "error", 2},
		{"new secret: accepted", true, "authenticated", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var h *live.Handler
			var calls atomic.Int64
			p := web.Principal{Kind: web.KindUser, RetailerID: shop.ID, UID: "alice", Scopes: []string{web.ScopeRead}, ExpiresAt: time.Now().Add(time.Hour), Partner: true}
			verify := verifierFunc(func(ctx context.Context, raw string) (web.Principal, error) {
				if calls.Add(1) == 1 {
					h.ExpirePartnerTokens(shop.ID) // the rotation lands mid-verification
					return p, nil
				}
				if !tt.secondOK {
					return web.Principal{}, web.Errorf(web.EInvalidToken, "signature is invalid")
				}
				return p, nil
			})
			srv := httptest.NewUnstartedServer(nil)
			url := "http://" + srv.Listener.Addr().String()
			var err error
			h, err = live.NewHandler(live.Config{PublicURL: url}, slog.New(slog.DiscardHandler),
				retailerFunc(func(context.Context, string) (web.Retailer, error) { return shop, nil }), verify, live.NewHub())
			if err != nil {
				t.Fatal(err)
			}
			srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _ = h.ServeWS(w, r) })
			srv.Start()
			t.Cleanup(srv.Close)
			t.Cleanup(func() { h.Close() })
			c := livetest.Dial(t, url, shop.DistributionID)
			if m := c.Authenticate("partner-token"); m.Type != tt.wantType {
				t.Errorf("authenticate answered %+v, want %s", m, tt.wantType)
			}
			if n := calls.Load(); n != tt.wantCalls {
				t.Errorf("Verify calls = %d, want %d", n, tt.wantCalls)
			}
		})
	}
}
