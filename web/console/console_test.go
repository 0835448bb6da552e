package console_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/clocktest"
	"github.com/roomplanner/planner/web/console"
	"github.com/roomplanner/planner/web/retailerops"
	"github.com/roomplanner/planner/web/service"
	"golang.org/x/crypto/bcrypt"
)

// env is the planner service on loopback with a real SQLite file and two
// retailers, each with one console user.
type env struct {
	t      *testing.T
	srv    *httptest.Server
	clock  *clocktest.Clock
	svc    *service.Service
	a, b   web.Retailer
	pa, pb string // the one-time passwords
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := clocktest.New(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	svc, err := service.Open(context.Background(), service.Config{
		DB: filepath.Join(t.TempDir(), "planner.db"), Migrate: true, PublicURL: "http://localhost:8090", Clock: clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	e := &env{t: t, clock: clock, svc: svc, srv: httptest.NewServer(svc.Handler())}
	t.Cleanup(e.srv.Close)
	ops := retailerops.New(svc.Store, retailerops.WithBcryptCost(bcrypt.MinCost))
	add := func(name, origin, email string) (web.Retailer, string) {
		r := web.Retailer{ID: web.NewID("le_"), Name: name, Plan: web.PlanFree, DistributionID: web.NewID("d_"), Origins: []string{origin}}
		if err := svc.Store.CreateRetailer(t.Context(), r, web.Credential{APIKey: web.NewID("pk_"), RetailerID: r.ID, Secret: []byte("s")}); err != nil {
			t.Fatal(err)
		}
		_, pw, err := ops.AddConsoleUser(t.Context(), r.ID, email)
		if err != nil {
			t.Fatal(err)
		}
		return r, pw
	}
	e.a, e.pa = add("Alpha Home", "https://alpha.example", "staff@alpha.example")
	e.b, e.pb = add("Beta Living", "https://beta.example", "staff@beta.example")
	return e
}

// browser is a client with its own cookie jar that does not follow redirects.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// post submits a form as the console page would (same origin).
func (e *env) post(c *http.Client, path string, form url.Values) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return e.do(c, req)
}

func (e *env) get(c *http.Client) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/console", nil)
	return e.do(c, req)
}

func (e *env) do(c *http.Client, req *http.Request) (int, string) {
	e.t.Helper()
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestSignInChangePasswordSignOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.browser()
	if code, body := e.get(c); code != http.StatusOK || !strings.Contains(body, `data-testid="signin-form"`) {
		t.Fatalf("GET /console signed out: %d, want the sign-in form", code)
	}
	if code, _ := e.post(c, "/console/signin", url.Values{"email": {"staff@alpha.example"}, "password": {"wrong"}}); code != http.StatusUnauthorized {
		t.Errorf("wrong password: %d, want 401", code)
	}
	if code, _ := e.post(c, "/console/signin", url.Values{"email": {"Staff@Alpha.example"}, "password": {e.pa}}); code != http.StatusSeeOther {
		t.Fatalf("sign in: %d, want 303", code)
	}
	// The one-time password must be changed before anything else.
	if _, body := e.get(c); !strings.Contains(body, `data-testid="password-form"`) || strings.Contains(body, "Alpha Home") {
		t.Fatalf("after the first sign-in: want the password form only:\n%s", body)
	}
	if code, body := e.post(c, "/console/password", url.Values{"current": {e.pa}, "next": {"short"}}); code != http.StatusBadRequest || !strings.Contains(body, "console-error") {
		t.Errorf("a short new password: %d, want 400 with the error shown", code)
	}
	if code, _ := e.post(c, "/console/password", url.Values{"current": {e.pa}, "next": {"a long enough passphrase"}}); code != http.StatusSeeOther {
		t.Fatalf("change password: %d", code)
	}
	_, body := e.get(c)
	for _, want := range []string{"Alpha Home", e.a.DistributionID, "https://alpha.example", "frame-ancestors https://alpha.example",
		"distribution: &#39;" + e.a.DistributionID + "&#39;", "http://localhost:8090/static/embed/planner-embed.js"} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	if strings.Contains(body, "Beta Living") || strings.Contains(body, e.b.DistributionID) {
		t.Error("alpha's staff sees beta's data")
	}

	// Sign-out ends the session: the old cookie no longer works.
	u, _ := url.Parse(e.srv.URL + "/console")
	old := c.Jar.Cookies(u)
	if code, _ := e.post(c, "/console/signout", nil); code != http.StatusSeeOther {
		t.Fatalf("sign out: %d", code)
	}
	thief := e.browser()
	thief.Jar.SetCookies(u, old)
	if _, body := e.get(thief); !strings.Contains(body, `data-testid="signin-form"`) {
		t.Error("the session cookie still works after sign-out")
	}
	// The new password signs in; the one-time one does not.
	if code, _ := e.post(e.browser(), "/console/signin", url.Values{"email": {"staff@alpha.example"}, "password": {e.pa}}); code != http.StatusUnauthorized {
		t.Errorf("the one-time password after the change: %d, want 401", code)
	}
	if code, _ := e.post(e.browser(), "/console/signin", url.Values{"email": {"staff@alpha.example"}, "password": {"a long enough passphrase"}}); code != http.StatusSeeOther {
		t.Errorf("the new password: %d, want 303", code)
	}
}

func TestSignInThrottling(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.browser()
	for i := range 5 {
		if code, _ := e.post(c, "/console/signin", url.Values{"email": {"staff@beta.example"}, "password": {"guess"}}); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i+1, code)
		}
	}
	// Past the budget even the right password is not checked.
	if code, _ := e.post(c, "/console/signin", url.Values{"email": {"staff@beta.example"}, "password": {e.pb}}); code != http.StatusTooManyRequests {
		t.Errorf("after 5 failures: %d, want 429", code)
	}
	// Another user is not locked out by them.
	if code, _ := e.post(e.browser(), "/console/signin", url.Values{"email": {"staff@alpha.example"}, "password": {e.pa}}); code != http.StatusSeeOther {
		t.Errorf("another user: %d, want 303", code)
	}
	e.clock.Advance(time.Minute)
	if code, _ := e.post(c, "/console/signin", url.Values{"email": {"staff@beta.example"}, "password": {e.pb}}); code != http.StatusSeeOther {
		t.Errorf("a minute later: %d, want 303", code)
	}
}

func TestCrossOriginPostsAndSessionExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.browser()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/console/signin", strings.NewReader(url.Values{"email": {"staff@alpha.example"}, "password": {e.pa}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if code, _ := e.do(c, req); code != http.StatusForbidden {
		t.Errorf("cross-site sign-in: %d, want 403", code)
	}
	if code, _ := e.post(c, "/console/signin", url.Values{"email": {"staff@alpha.example"}, "password": {e.pa}}); code != http.StatusSeeOther {
		t.Fatal(code)
	}
	res, err := c.Get(e.srv.URL + "/console")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "form-action 'self'") {
		t.Errorf("CSP = %q", csp)
	}
	u, _ := url.Parse(e.srv.URL + "/console")
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == console.CookieName && ck.Value == "" {
			t.Error("empty session cookie")
		}
	}
	e.clock.Advance(8 * time.Hour)
	if _, body := e.get(c); !strings.Contains(body, `data-testid="signin-form"`) {
		t.Error("a session past 8 h still works")
	}
}

func TestDashboardTokenAndSeries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.browser()
	// Before sign-in, and while the one-time password is due: no token.
	if code, _ := e.post(c, "/console/token", nil); code != http.StatusUnauthorized {
		t.Errorf("token signed out: %d, want 401", code)
	}
	e.post(c, "/console/signin", url.Values{"email": {"staff@alpha.example"}, "password": {e.pa}})
	if code, _ := e.post(c, "/console/token", nil); code != http.StatusUnauthorized {
		t.Errorf("token before the password change: %d, want 401", code)
	}
	e.post(c, "/console/password", url.Values{"current": {e.pa}, "next": {"a long enough passphrase"}})
	code, body := e.post(c, "/console/token", nil)
	if code != http.StatusOK {
		t.Fatalf("token: %d %s", code, body)
	}
	var tok struct {
		Token, DistributionID, LiveURL string
		ExpiresAt                      time.Time
	}
	if err := json.Unmarshal([]byte(body), &tok); err != nil {
		t.Fatal(err)
	}
	if want := e.clock.Now().Add(10 * time.Minute); !tok.ExpiresAt.Equal(want) {
		t.Errorf("dashboard token expires at %s, want %s (the default 10 min)", tok.ExpiresAt, want)
	}
	p, err := e.svc.Verifier().Verify(t.Context(), tok.Token)
	if err != nil || p.Kind != web.KindRetailer || p.RetailerID != e.a.ID || tok.DistributionID != e.a.DistributionID {
		t.Errorf("dashboard token speaks for %+v (%v), want alpha's retailer token", p, err)
	}
	if code, _ := e.do(c, mustReq(http.MethodGet, e.srv.URL+"/console/token")); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /console/token: %d, want 405", code)
	}

	// Series: alpha's stored counts, never beta's.
	ctx := t.Context()
	hour := e.clock.Now().Truncate(time.Hour)
	if err := e.svc.Store.AddMetrics(ctx, []web.MetricCount{
		{RetailerID: e.a.ID, Minute: hour.Add(5 * time.Minute), Name: "basket.sent", Value: 3},
		{RetailerID: e.b.ID, Minute: hour.Add(5 * time.Minute), Name: "basket.sent", Value: 100},
	}); err != nil {
		t.Fatal(err)
	}
	code, body = e.do(c, mustReq(http.MethodGet, e.srv.URL+"/console/series?range=24h"))
	if code != http.StatusOK {
		t.Fatalf("series: %d %s", code, body)
	}
	var s struct {
		Step    int
		Buckets []struct {
			At     time.Time
			Counts map[string]int64
		}
	}
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	if s.Step != 3600 || len(s.Buckets) != 24 {
		t.Fatalf("series: step %d, %d buckets; want 3600, 24", s.Step, len(s.Buckets))
	}
	last := s.Buckets[23]
	if !last.At.Equal(hour) || last.Counts["basket.sent"] != 3 {
		t.Errorf("the current hour = %+v, want %s with alpha's 3 baskets", last, hour)
	}
	if code, _ := e.do(c, mustReq(http.MethodGet, e.srv.URL+"/console/series?range=1y")); code != http.StatusBadRequest {
		t.Errorf("range 1y: %d, want 400", code)
	}
}

func mustReq(method, u string) *http.Request {
	r, err := http.NewRequest(method, u, nil)
	if err != nil {
		panic(err)
	}
	return r
}

func TestOrigins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.browser()
	e.post(c, "/console/signin", url.Values{"email": {"staff@alpha.example"}, "password": {e.pa}})
	if code, _ := e.post(c, "/console/origins", url.Values{"action": {"add"}, "origin": {"https://new.example"}}); code != http.StatusSeeOther {
		t.Fatalf("before the password change the form only redirects: %d", code)
	}
	e.post(c, "/console/password", url.Values{"current": {e.pa}, "next": {"a long enough passphrase"}})
	if code, _ := e.post(c, "/console/origins", url.Values{"action": {"add"}, "origin": {"https://New.example/"}}); code != http.StatusSeeOther {
		t.Fatalf("add: %d", code)
	}
	if code, body := e.post(c, "/console/origins", url.Values{"action": {"add"}, "origin": {"https://*.example"}}); code != http.StatusBadRequest || !strings.Contains(body, "Not an origin") {
		t.Errorf("a wildcard: %d, want 400 with the reason", code)
	}
	r, err := e.svc.Store.Retailer(t.Context(), e.a.ID)
	if err != nil || len(r.Origins) != 2 {
		t.Fatalf("origins = %v (%v), want alpha's two", r.Origins, err)
	}
	if _, body := e.get(c); !strings.Contains(body, "frame-ancestors https://alpha.example https://new.example") {
		t.Errorf("the page does not show the new frame-ancestors:\n%s", body)
	}
	e.post(c, "/console/origins", url.Values{"action": {"remove"}, "origin": {"https://alpha.example"}})
	if r, _ := e.svc.Store.Retailer(t.Context(), e.a.ID); len(r.Origins) != 1 || r.Origins[0] != "https://new.example" {
		t.Errorf("after remove: %v", r.Origins)
	}
	if r, _ := e.svc.Store.Retailer(t.Context(), e.b.ID); len(r.Origins) != 1 || r.Origins[0] != "https://beta.example" {
		t.Errorf("beta's origins changed: %v", r.Origins)
	}
}

// TestOriginPreviewAgreesWithTheForm: for every kind of input the live
// preview's verdict and policy are the ones the add form then produces, so
// what the staff member sees while typing is what submitting does.
func TestOriginPreviewAgreesWithTheForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.browser()
	preview := func(c *http.Client, origin string) (int, map[string]any) {
		t.Helper()
		code, body := e.do(c, mustReq(http.MethodGet, e.srv.URL+"/console/origins/preview?origin="+url.QueryEscape(origin)))
		var v map[string]any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatalf("preview %q: %d %q: %v", origin, code, body, err)
		}
		return code, v
	}
	if code, _ := preview(c, "https://new.example"); code != http.StatusUnauthorized {
		t.Errorf("preview signed out: %d, want 401", code)
	}
	e.post(c, "/console/signin", url.Values{"email": {"staff@alpha.example"}, "password": {e.pa}})
	if code, _ := preview(c, "https://new.example"); code != http.StatusUnauthorized {
		t.Errorf("preview before the password change: %d, want 401", code)
	}
	e.post(c, "/console/password", url.Values{"current": {e.pa}, "next": {"a long enough passphrase"}})

	for _, tc := range []struct {
		name, in, want string // want: the normalised origin, or "" for a refusal
		registered     bool
	}{
		{name: "plain", in: "https://new.example", want: "https://new.example"},
		{name: "upper case and slash", in: "https://New.Example/", want: "https://new.example"},
		{name: "default port", in: "https://shop.example:443", want: "https://shop.example"},
		{name: "loopback with port", in: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{name: "spaces around", in: "  https://pad.example  ", want: "https://pad.example"},
		{name: "already registered", in: "https://alpha.example", want: "https://alpha.example", registered: true},
		{name: "sorted before", in: "https://aaa.example", want: "https://aaa.example"},
		{name: "wildcard", in: "https://*.example"},
		{name: "no scheme", in: "shop.example"},
		{name: "a path", in: "https://shop.example/plan"},
		{name: "a query", in: "https://shop.example/?a=1"},
		{name: "other scheme", in: "ftp://shop.example"},
		{name: "user info", in: "https://me@shop.example"},
		{name: "empty", in: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: each case adds to and removes from alpha's origins.
			code, v := preview(c, tc.in)
			if tc.want == "" {
				msg, _ := v["error"].(map[string]any)["message"].(string)
				if code != http.StatusUnprocessableEntity || !strings.HasPrefix(msg, "Not an origin: ") {
					t.Fatalf("preview %q = %d %v, want 422 Not an origin", tc.in, code, v)
				}
				fcode, body := e.post(c, "/console/origins", url.Values{"action": {"add"}, "origin": {tc.in}})
				if fcode != http.StatusBadRequest || !strings.Contains(body, html.EscapeString(msg)) {
					t.Errorf("the form refused %q with %d, want 400 saying the preview's %q", tc.in, fcode, msg)
				}
				return
			}
			if code != http.StatusOK || v["origin"] != tc.want || v["registered"] != tc.registered {
				t.Fatalf("preview %q = %d %v, want %s (registered %v)", tc.in, code, v, tc.want, tc.registered)
			}
			if fcode, _ := e.post(c, "/console/origins", url.Values{"action": {"add"}, "origin": {tc.in}}); fcode != http.StatusSeeOther {
				t.Fatalf("the form refused %q (%d) that the preview took", tc.in, fcode)
			}
			r, err := e.svc.Store.Retailer(t.Context(), e.a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := retailerops.FrameAncestors(r.Origins); got != v["frameAncestors"] {
				t.Errorf("after the add the policy is %q, the preview said %q", got, v["frameAncestors"])
			}
			if !tc.registered {
				e.post(c, "/console/origins", url.Values{"action": {"remove"}, "origin": {tc.want}})
			}
		})
	}

	// Another retailer's staff preview against their own origins only.
	cb := e.browser()
	e.post(cb, "/console/signin", url.Values{"email": {"staff@beta.example"}, "password": {e.pb}})
	e.post(cb, "/console/password", url.Values{"current": {e.pb}, "next": {"a long enough passphrase"}})
	if _, v := preview(cb, "https://new.example"); v["frameAncestors"] != "frame-ancestors https://beta.example https://new.example" {
		t.Errorf("beta's preview = %v, want beta's origins and the new one", v)
	}
}
