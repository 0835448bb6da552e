package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/service"
)

// planner starts the planner service in-process on loopback with one
// retailer and returns its URL, API key and secret and distribution id.
func planner(t *testing.T) (u, key, secret, distribution string) {
	t.Helper()
	ctx := context.Background()
	svc, err := service.Open(ctx, service.Config{DB: filepath.Join(t.TempDir(), "planner.db"), Migrate: true, PublicURL: "http://localhost"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	srv := httptest.NewServer(svc.Handler())
	t.Cleanup(srv.Close)
	secret = web.NewSecret()
	r := web.Retailer{ID: web.NewID("le_"), Name: "Shop", Plan: web.PlanFree, DistributionID: web.NewID("d_"), Origins: []string{"http://127.0.0.1"}, CreatedAt: time.Now()}
	cred := web.Credential{APIKey: web.NewID("pk_"), RetailerID: r.ID, Secret: []byte(secret), CreatedAt: time.Now()}
	if err := svc.Store.CreateRetailer(ctx, r, cred); err != nil {
		t.Fatal(err)
	}
	return srv.URL, cred.APIKey, secret, r.DistributionID
}

// started is what run printed on start.
type started struct {
	site, metrics string            // base URLs
	passwords     map[string]string // the demo users'
	lines         <-chan string     // what it prints later
}

// start runs the host site until the test ends and returns what it printed
// once it listens. Lines reach the test through a pipe, so no polling.
func start(t *testing.T, args []string, env map[string]string) started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var runErr error
	done := make(chan struct{}) // closed once run has returned runErr
	go func() {
		defer close(done)
		runErr = run(ctx, args, func(k string) string { return env[k] }, pw, io.Discard)
		pw.CloseWithError(io.EOF)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
			if runErr != nil {
				t.Errorf("run after cancel: %v", runErr)
			}
		case <-time.After(10 * time.Second):
			t.Error("run did not return after its context was cancelled")
		}
	})
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { <-ctx.Done(); pr.Close() }()
	s := started{lines: lines}
	signIn := regexp.MustCompile(`alice / (\S+)\s+bob / (\S+)`)
	listening := regexp.MustCompile(`listening on (http://\S+)`)
	metrics := regexp.MustCompile(`metrics on (http://\S+)/metrics`)
	timeout := time.After(20 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				<-done
				t.Fatalf("run ended before listening: %v", runErr)
			}
			if m := signIn.FindStringSubmatch(line); m != nil {
				s.passwords = map[string]string{"alice": m[1], "bob": m[2]}
			}
			if m := metrics.FindStringSubmatch(line); m != nil {
				s.metrics = m[1]
			}
			if m := listening.FindStringSubmatch(line); m != nil {
				s.site = m[1]
				if !containsArg(args, "--metrics-addr") {
					return s
				}
			}
			if s.site != "" && s.metrics != "" {
				return s
			}
		case <-timeout:
			t.Fatal("run did not say it listens")
		}
	}
}

func containsArg(args []string, name string) bool {
	for _, a := range args {
		if a == name {
			return true
		}
	}
	return false
}

// TestRun starts the host site as the README says (the planner URL by flag,
// only the API key and secret in the environment), signs in a demo user
// through it against a real planner service, and stops it by its context.
func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// envURL is PLANNER_API_URL: the flag must win over it.
		envURL string
	}{
		{"planner URL by flag only", ""},
		{"flag wins over PLANNER_API_URL", "http://127.0.0.1:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			plannerURL, key, secret, distribution := planner(t)
			env := map[string]string{"PLANNER_API_KEY": key, "PLANNER_API_SECRET": secret}
			if tt.envURL != "" {
				env["PLANNER_API_URL"] = tt.envURL
			}
			s := start(t, []string{"--addr", "127.0.0.1:0", "--planner-url", plannerURL,
				"--db", filepath.Join(t.TempDir(), "hostsite.db"), "--distribution", distribution, "--demo-users",
				"--metrics-addr", "127.0.0.1:0"}, env)

			if status, body := get(t, http.DefaultClient, s.site+"/healthz"); status != 200 || body != "ok\n" {
				t.Fatalf("/healthz: %d %q, want 200 ok", status, body)
			}
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar}
			status, page := get(t, c, s.site+"/plan")
			if status != 200 || !strings.Contains(page, distribution) {
				t.Fatalf("/plan: %d, want 200 naming the distribution %s", status, distribution)
			}
			m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
			if m == nil {
				t.Fatal("/plan has no CSRF token")
			}
			req, _ := http.NewRequest("POST", s.site+"/login", strings.NewReader(url.Values{"csrf": {m[1]}, "username": {"alice"}, "password": {s.passwords["alice"]}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept", "application/json")
			if status, body := do(t, c, req); status != 200 {
				t.Fatalf("sign-in: %d %s", status, body)
			}
			req, _ = http.NewRequest("POST", s.site+"/bff/token", nil)
			req.Header.Set("X-Planner-BFF", "1")
			status, body := do(t, c, req)
			if status != 200 {
				t.Fatalf("/bff/token: %d %s, want a token from the planner at --planner-url", status, body)
			}
			if claims := claimsOf(t, body); claims["kind"] != web.KindUser || claims["uid"] != "alice" {
				t.Errorf("token claims = %v, want alice's user token", claims)
			}

			// The metrics are on their own listener, not on the site's.
			if status, _ := get(t, http.DefaultClient, s.site+"/internal/metrics"); status != http.StatusNotFound {
				t.Errorf("site /internal/metrics: %d, want 404", status)
			}
			if status, body := get(t, http.DefaultClient, s.metrics+"/metrics"); status != 200 || !strings.Contains(body, `planner_bff_served_total{kind="user"} 1`) {
				t.Errorf("metrics listener: %d %q, want 200 counting the user token served", status, body)
			}
		})
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	t.Parallel()
	env := map[string]string{"PLANNER_API_KEY": "pk_x", "PLANNER_API_SECRET": "sk_x"}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no distribution", []string{"--addr", "127.0.0.1:0"}, "--distribution"},
		{"bad trusted proxy", []string{"--addr", "127.0.0.1:0", "--distribution", "d_x", "--trusted-proxy", "10.0.0.1"}, "--trusted-proxy"},
	} {
		err := run(context.Background(), tt.args, func(k string) string { return env[k] }, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one naming %s", tt.name, err, tt.want)
		}
	}
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	return do(t, c, req)
}

func do(t *testing.T, c *http.Client, req *http.Request) (int, string) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// claimsOf decodes the payload of the token in a /bff/token answer.
func claimsOf(t *testing.T, answer string) map[string]any {
	t.Helper()
	var a struct{ Token string }
	if err := json.Unmarshal([]byte(answer), &a); err != nil {
		t.Fatalf("answer %q: %v", answer, err)
	}
	parts := strings.Split(a.Token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	p, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(p, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}
