package site_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/roomplanner/planner/bff"
	"github.com/roomplanner/planner/cmd/hostsite/site"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/service"
)

// shop is the reference host site wired to a real planner service through
// the real BFF, both on loopback with real SQLite files.
type shop struct {
	t         *testing.T
	srv       *httptest.Server
	planner   *httptest.Server
	passwords map[string]string
	secret    string
	mu        sync.Mutex
	forgotten []string
	// afterForget, when set, runs right after each Forget.
	afterForget func(uid string)
}

// shopConfig adjusts a shop beyond its defaults.
type shopConfig struct {
	secure         bool
	trustedProxies []*net.IPNet
	ipRate         float64 // 0: the BFF's default
	ipBurst        int
	clock          func() time.Time // the site's clock; nil: time.Now
}

func newShop(t *testing.T, secure bool) *shop {
	t.Helper()
	return newShopWith(t, shopConfig{secure: secure})
}

func newShopWith(t *testing.T, sc shopConfig) *shop {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	sh := &shop{t: t}
	svc, err := service.Open(ctx, service.Config{DB: filepath.Join(dir, "planner.db"), Migrate: true, PublicURL: "http://localhost"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	sh.planner = httptest.NewServer(svc.Handler())
	t.Cleanup(sh.planner.Close)
	sh.secret = web.NewSecret()
	r := web.Retailer{ID: web.NewID("le_"), Name: "Shop", Plan: web.PlanFree, DistributionID: web.NewID("d_"), Origins: []string{"http://127.0.0.1"}, CreatedAt: time.Now()}
	cred := web.Credential{APIKey: web.NewID("pk_"), RetailerID: r.ID, Secret: []byte(sh.secret), CreatedAt: time.Now()}
	if err := svc.Store.CreateRetailer(ctx, r, cred); err != nil {
		t.Fatal(err)
	}
	users, err := site.OpenStore(ctx, filepath.Join(dir, "hostsite.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { users.Close() })
	if sh.passwords, err = site.EnsureUsers(ctx, users, nil); err != nil {
		t.Fatal(err)
	}
	var hs *site.Site
	b, err := bff.New(bff.Config{APIURL: sh.planner.URL, APIKey: cred.APIKey, APISecret: sh.secret,
		UserFunc: func(r *http.Request) (string, bool) { return hs.UserID(r) },
		IPRate:   sc.ipRate, IPBurst: sc.ipBurst})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	hs, err = site.New(site.Config{PlannerURL: sh.planner.URL, Distribution: r.DistributionID, Secure: sc.secure,
		TokenHandler: b.Handler(), Metrics: b.MetricsHandler(), TrustedProxies: sc.trustedProxies, Clock: sc.clock,
		Forget: func(uid string) {
			sh.mu.Lock()
			sh.forgotten = append(sh.forgotten, uid)
			after := sh.afterForget
			sh.mu.Unlock()
			b.Forget(uid)
			if after != nil {
				after(uid)
			}
		},
	}, users)
	if err != nil {
		t.Fatal(err)
	}
	sh.srv = httptest.NewServer(hs)
	t.Cleanup(sh.srv.Close)
	return sh
}

// browser is a cookie-keeping client of the shop.
type browser struct {
	sh   *shop
	c    *http.Client
	csrf string
}

func (sh *shop) browser() *browser { return sh.browserFrom("") }

// browserFrom is a browser whose connections come from the loopback address
// ip (all of 127.0.0.0/8 is loopback on Linux); "" lets the system choose.
func (sh *shop) browserFrom(ip string) *browser {
	jar, _ := cookiejar.New(nil)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if ip != "" {
		tr.DialContext = (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}).DialContext
	}
	c := &http.Client{Jar: jar, Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	b := &browser{sh: sh, c: c}
	b.get("/plan") // starts a session and learns its CSRF token
	return b
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.sh.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.sh.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if i := strings.Index(string(body), `name="csrf" value="`); i >= 0 {
		rest := string(body)[i+len(`name="csrf" value="`):]
		b.csrf = rest[:strings.IndexByte(rest, '"')]
	}
	return res, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	req, _ := http.NewRequest("GET", b.sh.srv.URL+path, nil)
	return b.do(req)
}

func (b *browser) postForm(path string, form url.Values, json bool) (*http.Response, string) {
	req, _ := http.NewRequest("POST", b.sh.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if json {
		req.Header.Set("Accept", "application/json")
	}
	return b.do(req)
}

func (b *browser) login(user, password string) *http.Response {
	res, body := b.postForm("/login", url.Values{"csrf": {b.csrf}, "username": {user}, "password": {password}}, true)
	var out struct{ CSRF string }
	_ = json.Unmarshal([]byte(body), &out)
	if out.CSRF != "" {
		b.csrf = out.CSRF
	}
	return res
}

// token asks the BFF as the page script does and returns the token's claims.
func (b *browser) token() (int, jwt.MapClaims, string) {
	req, _ := http.NewRequest("POST", b.sh.srv.URL+"/bff/token", nil)
	req.Header.Set("X-Planner-BFF", "1")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, body := b.do(req)
	var out struct{ Token string }
	_ = json.Unmarshal([]byte(body), &out)
	claims := jwt.MapClaims{}
	if out.Token != "" {
		_, _, _ = jwt.NewParser().ParseUnverified(out.Token, claims)
	}
	return res.StatusCode, claims, body
}

func TestSignInGetsUserTokenAndSignOutForgetsIt(t *testing.T) {
	t.Parallel()
	sh := newShop(t, false)
	b := sh.browser()

	status, claims, body := b.token()
	if status != 200 || claims["kind"] != web.KindLegalEntity {
		t.Fatalf("anonymous token: %d %v", status, body)
	}
	if res := b.login("alice", "wrong"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: %d, want 401", res.StatusCode)
	}
	if res := b.login("mallory", sh.passwords["alice"]); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("unknown user: %d, want 401", res.StatusCode)
	}
	if res := b.login("alice", sh.passwords["alice"]); res.StatusCode != 200 {
		t.Fatalf("alice's sign-in: %d", res.StatusCode)
	}
	_, claims, _ = b.token()
	if claims["kind"] != web.KindUser || claims["uid"] != "alice" || !strings.Contains(claims["scope"].(string), "write") {
		t.Errorf("signed-in token claims = %v, want alice's user token with write", claims)
	}
	aliceJTI := claims["jti"]
	if _, c, _ := b.token(); c["jti"] != aliceJTI || aliceJTI == nil {
		t.Fatalf("second request: jti %v, want %v (alice's token is cached)", c["jti"], aliceJTI)
	}
	// Another browser stays anonymous; bob gets bob's token.
	other := sh.browser()
	if _, c, _ := other.token(); c["kind"] != web.KindLegalEntity {
		t.Errorf("other browser got %v", c)
	}
	other.login("bob", sh.passwords["bob"])
	if _, c, _ := other.token(); c["uid"] != "bob" {
		t.Errorf("bob got %v", c)
	}

	// Another tab of alice's asks for a token with the old session cookie
	// right after the sign-out's Forget: it must not get (and so cache) a
	// user token for her.
	var tabClaims jwt.MapClaims
	sh.mu.Lock()
	sh.afterForget = func(string) {
		tab := &browser{sh: sh, c: &http.Client{Jar: b.c.Jar}}
		_, tabClaims, _ = tab.token()
	}
	sh.mu.Unlock()
	res, body := b.postForm("/logout", url.Values{"csrf": {b.csrf}}, true)
	if res.StatusCode != 200 {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	var out struct{ CSRF string }
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.CSRF == "" {
		t.Fatalf("logout answer %q: no CSRF token", body)
	}
	b.csrf = out.CSRF
	sh.mu.Lock()
	forgotten := append([]string(nil), sh.forgotten...)
	sh.afterForget = nil
	sh.mu.Unlock()
	if len(forgotten) != 1 || forgotten[0] != "alice" {
		t.Errorf("Forget calls = %v, want [alice]", forgotten)
	}
	if tabClaims["kind"] != web.KindLegalEntity {
		t.Errorf("a token request with the old cookie after Forget got %v, want the legal-entity token", tabClaims)
	}
	if _, c, _ := b.token(); c["kind"] != web.KindLegalEntity {
		t.Errorf("after sign-out the token is %v, want legal-entity", c)
	}

	// Signing in again mints alice a new token: the one cached before the
	// sign-out was dropped.
	if res := b.login("alice", sh.passwords["alice"]); res.StatusCode != 200 {
		t.Fatalf("alice's second sign-in: %d", res.StatusCode)
	}
	_, again, _ := b.token()
	if again["uid"] != "alice" {
		t.Fatalf("second sign-in token claims = %v, want alice's", again)
	}
	if again["jti"] == aliceJTI {
		t.Errorf("after signing out and in again alice got her old token (jti %v)", aliceJTI)
	}
}

func TestSessionCookie(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		secure     bool
		wantName   string
		wantSecure bool
	}{{"plain http", false, "hs_session", false}, {"behind TLS", true, "__Host-hs_session", true}} {
		sh := newShop(t, tc.secure)
		res, err := http.Get(sh.srv.URL + "/plan")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		cookies := res.Cookies()
		if len(cookies) != 1 {
			t.Fatalf("%s: cookies %v", tc.name, cookies)
		}
		c := cookies[0]
		if c.Name != tc.wantName || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tc.wantSecure || c.Path != "/" {
			t.Errorf("%s: cookie %+v, want %s HttpOnly SameSite=Lax Secure=%v Path=/", tc.name, c, tc.wantName, tc.wantSecure)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src "+sh.planner.URL) {
			t.Errorf("%s: CSP %q does not allow framing the planner", tc.name, csp)
		}
	}
}

func TestCrossSiteAndForgedRequestsRefused(t *testing.T) {
	t.Parallel()
	sh := newShop(t, false)
	b := sh.browser()
	// A cross-site form post to the sign-in.
	req, _ := http.NewRequest("POST", sh.srv.URL+"/login", strings.NewReader(url.Values{"csrf": {b.csrf}, "username": {"alice"}, "password": {sh.passwords["alice"]}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res, _ := b.do(req); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site sign-in: %d, want 403", res.StatusCode)
	}
	// Same-site but without the session's CSRF token.
	if res, _ := b.postForm("/login", url.Values{"username": {"alice"}, "password": {sh.passwords["alice"]}}, true); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without CSRF token: %d, want 403", res.StatusCode)
	}
	// The token endpoint refuses a cross-site caller even with the header.
	req, _ = http.NewRequest("POST", sh.srv.URL+"/bff/token", nil)
	req.Header.Set("X-Planner-BFF", "1")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	if res, body := b.do(req); res.StatusCode != http.StatusForbidden || strings.Contains(body, "eyJ") {
		t.Errorf("cross-site token request: %d %s, want 403 and no token", res.StatusCode, body)
	}
}

func TestBasket(t *testing.T) {
	t.Parallel()
	sh := newShop(t, false)
	b := sh.browser()
	post := func(items string) int {
		req, _ := http.NewRequest("POST", sh.srv.URL+"/basket/items", strings.NewReader(`{"csrf":"`+b.csrf+`","items":`+items+`}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, _ := b.do(req)
		return res.StatusCode
	}
	if got := post(`[{"productId":"sofa-oslo-3","name":"Oslo sofa","quantity":2,"unitPrice":89900,"currency":"EUR"},{"productId":"table-ek","name":"Ek table","quantity":1,"unitPrice":129900,"currency":"EUR"}]`); got != 200 {
		t.Fatalf("add: %d", got)
	}
	if got := post(`[{"productId":"sofa-oslo-3","name":"Oslo sofa","quantity":1,"unitPrice":89900,"currency":"EUR"}]`); got != 200 {
		t.Fatalf("add again: %d", got)
	}
	for _, bad := range []string{`[]`, `[{"productId":"x","quantity":0,"unitPrice":1}]`, `[{"productId":"x","quantity":1,"unitPrice":-1}]`, `[{"productId":"","quantity":1,"unitPrice":1}]`} {
		if got := post(bad); got != 400 {
			t.Errorf("basket %s: %d, want 400", bad, got)
		}
	}
	_, page := b.get("/basket")
	for _, want := range []string{"Oslo sofa", `data-testid="basket-quantity">3<`, "€1,299.00", `data-testid="basket-total">€3,996.00<`} {
		if !strings.Contains(page, want) {
			t.Errorf("basket page lacks %q", want)
		}
	}
	// The basket follows the visitor through sign-in.
	b.login("alice", sh.passwords["alice"])
	if _, page := b.get("/basket"); !strings.Contains(page, "Oslo sofa") {
		t.Errorf("basket lost on sign-in")
	}
}

// TestClientAddressBehindTrustedProxy: with no trusted proxy the BFF's per-IP
// limit keys on the direct peer whatever X-Forwarded-For says; behind a
// trusted proxy it keys on the visitor the proxy names, so visitors do not
// share the proxy's bucket.
func TestClientAddressBehindTrustedProxy(t *testing.T) {
	t.Parallel()
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	tests := []struct {
		name    string
		trusted []*net.IPNet
		// xff gives the X-Forwarded-For of request i.
		xff  func(i int) string
		want []int
	}{
		{"no proxy: spoofed addresses share the peer's bucket", nil, func(i int) string { return fmt.Sprintf("203.0.113.%d", i+1) }, []int{200, 200, 429, 429}},
		{"trusted proxy: one bucket per visitor", []*net.IPNet{loopback}, func(i int) string { return fmt.Sprintf("203.0.113.%d", i+1) }, []int{200, 200, 200, 200}},
		{"trusted proxy: one visitor is limited", []*net.IPNet{loopback}, func(int) string { return "203.0.113.9" }, []int{200, 200, 429, 429}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A bucket of 2 that practically never refills.
			sh := newShopWith(t, shopConfig{trustedProxies: tt.trusted, ipRate: 1e-6, ipBurst: 2})
			got := make([]int, len(tt.want))
			for i := range got {
				req, _ := http.NewRequest("POST", sh.srv.URL+"/bff/token", nil)
				req.Header.Set("X-Planner-BFF", "1")
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				req.Header.Set("X-Forwarded-For", tt.xff(i))
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				got[i] = res.StatusCode
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("statuses = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestMetricsOnlyToDirectLoopbackPeers: a request relayed by a proxy, or
// from a peer that is a trusted proxy, is refused even though it arrives
// from loopback.
func TestMetricsOnlyToDirectLoopbackPeers(t *testing.T) {
	t.Parallel()
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	tests := []struct {
		name    string
		trusted []*net.IPNet
		header  string
		want    int
	}{
		{"direct loopback peer", nil, "", 200},
		{"relayed: X-Forwarded-For", nil, "X-Forwarded-For: 203.0.113.5", 403},
		{"relayed: X-Forwarded-For naming loopback", nil, "X-Forwarded-For: 127.0.0.1", 403},
		{"relayed: X-Real-IP", nil, "X-Real-Ip: 203.0.113.5", 403},
		{"relayed: Forwarded", nil, "Forwarded: for=203.0.113.5", 403},
		{"peer is a trusted proxy", []*net.IPNet{loopback}, "", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sh := newShopWith(t, shopConfig{trustedProxies: tt.trusted})
			req, _ := http.NewRequest("GET", sh.srv.URL+"/internal/metrics", nil)
			if k, v, ok := strings.Cut(tt.header, ": "); ok {
				req.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d", res.StatusCode, tt.want)
			}
			if has := strings.Contains(string(body), "planner_bff_served_total"); has != (tt.want == 200) {
				t.Errorf("body has the metrics = %v, want %v", has, tt.want == 200)
			}
		})
	}
}
