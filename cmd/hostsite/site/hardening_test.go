package site_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomplanner/planner/web/clocktest"
)

// Wrong passwords are throttled per account name and per address, before
// the password is checked, with Retry-After and a message that says when to
// try again; an unknown name is treated exactly as a known one.
func TestSignInIsThrottled(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Time{})
	sh := newShopWith(t, shopConfig{clock: clock.Now})
	for _, name := range []string{"alice", "mallory"} { // mallory does not exist
		b := sh.browserFrom("127.0.0.2")
		for i := range 5 {
			if res := b.login(name, "wrong"); res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("%s: failure %d = %d, want 401", name, i+1, res.StatusCode)
			}
		}
		// The account's budget is spent: even the right password waits, and
		// so does the same name from another address or in another case.
		for _, try := range []struct {
			b    *browser
			name string
		}{{b, name}, {sh.browserFrom("127.0.0.3"), name}, {sh.browserFrom("127.0.0.4"), " " + strings.ToUpper(name)}} {
			res := try.b.login(try.name, sh.passwords["alice"])
			if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "30" {
				t.Errorf("%q after 5 failures: %d Retry-After %q, want 429 Retry-After 30", try.name, res.StatusCode, res.Header.Get("Retry-After"))
			}
		}
	}
	// Another account is not affected.
	if res := sh.browserFrom("127.0.0.5").login("bob", sh.passwords["bob"]); res.StatusCode != http.StatusOK {
		t.Errorf("bob's sign-in: %d, want 200", res.StatusCode)
	}
	// Once the wait is over, alice signs in.
	clock.Advance(30 * time.Second)
	if res := sh.browserFrom("127.0.0.2").login("alice", sh.passwords["alice"]); res.StatusCode != http.StatusOK {
		t.Errorf("alice after the wait: %d, want 200", res.StatusCode)
	}

	// One address spraying names is stopped after 10 failures.
	b := sh.browserFrom("127.0.0.6")
	for i := range 10 {
		if res := b.login("user"+string(rune('a'+i)), "wrong"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("spray %d = %d, want 401", i+1, res.StatusCode)
		}
	}
	res, body := b.postForm("/login", url.Values{"csrf": {b.csrf}, "username": {"bob"}, "password": {sh.passwords["bob"]}}, true)
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many sign-in attempts. Try again in 6 seconds.") {
		t.Errorf("11th attempt from the address: %d %s, want 429 with the wait", res.StatusCode, body)
	}
}

// The sign-in form's next parameter may only lead to a path on this site.
func TestSignInRedirectStaysOnSite(t *testing.T) {
	t.Parallel()
	sh := newShop(t, false)
	tests := []struct{ next, want string }{
		{"/basket", "/basket"},
		{"/plan?room=2#top", "/plan?room=2"},
		{"//evil.example/", "/plan"},
		{"/\\evil.example/", "/plan"},
		{"/\t/evil.example/", "/plan"},
		{"/\n/evil.example/", "/plan"},
		{"/%2F/evil.example/", "/plan"},
		{"https://evil.example/", "/plan"},
		{"javascript:alert(1)", "/plan"},
		{"basket", "/plan"},
		{"", "/plan"},
	}
	for _, tt := range tests {
		b := sh.browser()
		res, _ := b.postForm("/login", url.Values{"csrf": {b.csrf}, "username": {"alice"}, "password": {sh.passwords["alice"]}, "next": {tt.next}}, false)
		if got := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || got != tt.want {
			t.Errorf("next %q: %d Location %q, want 303 %q", tt.next, res.StatusCode, got, tt.want)
		}
	}
}

// /static/ serves the browser files the pages load, and nothing else: no
// directory listings, no unit tests.
func TestStaticServesOnlyBrowserFiles(t *testing.T) {
	t.Parallel()
	sh := newShop(t, false)
	b := sh.browser()
	for path, want := range map[string]int{
		"/static/embed/planner-embed.js":      http.StatusOK,
		"/static/host/site.css":               http.StatusOK,
		"/static/host/plan.js":                http.StatusOK,
		"/static/":                            http.StatusNotFound,
		"/static/planner/":                    http.StatusNotFound,
		"/static/planner":                     http.StatusNotFound,
		"/static/planner/api.test.js":         http.StatusNotFound,
		"/static/embed/planner-embed.test.js": http.StatusNotFound,
		"/static/static.go":                   http.StatusNotFound,
		"/static/tsconfig.json":               http.StatusNotFound,
	} {
		if res, _ := b.get(path); res.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, res.StatusCode, want)
		}
	}
}

// A form body is read at most once and at most 64 KiB: a larger one is 413,
// a broken one 400, not a form that looks empty.
func TestFormBodiesAreBounded(t *testing.T) {
	t.Parallel()
	sh := newShop(t, false)
	b := sh.browser()
	big := url.Values{"csrf": {b.csrf}, "username": {strings.Repeat("a", 70<<10)}, "password": {"x"}}
	if res, _ := b.postForm("/login", big, false); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("70 KiB sign-in form: %d, want 413", res.StatusCode)
	}
	req, _ := http.NewRequest("POST", sh.srv.URL+"/basket/clear", strings.NewReader("csrf=%zz"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if res, _ := b.do(req); res.StatusCode != http.StatusBadRequest {
		t.Errorf("form with a bad escape: %d, want 400", res.StatusCode)
	}
}

// Parallel sign-ins of one account from many addresses (so only the
// account's budget applies): wrong guesses cannot all pass the throttle
// before any of them has failed, since the budget is taken before the
// password is checked; right passwords, more than the budget and all at
// once (a team sharing the account, tabs signing in together), all sign in,
// since attempts in flight hold the budget only until they succeed. (How
// many overlap depends on scheduling; web/signin's tests hold attempts in
// flight on purpose.)
func TestParallelSignIns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		right bool
		want  map[int]int // status → how many
	}{
		{"wrong guesses", false, map[int]int{http.StatusUnauthorized: 5, http.StatusTooManyRequests: 7}},
		{"right passwords", true, map[int]int{http.StatusOK: 12}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := clocktest.New(time.Time{})
			sh := newShopWith(t, shopConfig{clock: clock.Now})
			password := "wrong"
			if tc.right {
				password = sh.passwords["alice"]
			}
			codes := make(chan int, 12)
			var wg sync.WaitGroup
			for i := range 12 {
				b := sh.browserFrom(fmt.Sprintf("127.0.1.%d", i+1))
				wg.Go(func() { codes <- b.login("alice", password).StatusCode })
			}
			wg.Wait()
			close(codes)
			got := map[int]int{}
			for c := range codes {
				got[c]++
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("statuses of 12 parallel sign-ins (-want +got):\n%s", d)
			}
		})
	}
}
