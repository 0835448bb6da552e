package console_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// mint is the BFF's upstream call: POST /v1/tokens with the key and secret.
func (e *env) mint(key, secret string) int {
	e.t.Helper()
	res, err := http.PostForm(e.srv.URL+"/v1/tokens", url.Values{"api_key": {key}, "api_secret": {secret}})
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestRotateSecret(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn()
	key, err := e.svc.Store.APIKey(t.Context(), e.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, page := e.get(c)
	if !strings.Contains(page, `data-testid="console-api-key">`+key+`<`) || strings.Contains(page, `data-testid="new-secret"`) {
		t.Fatalf("home page: want the API key %s and no secret", key)
	}
	if got := e.mint(key, "s"); got != http.StatusOK {
		t.Fatalf("mint with the first secret: %d", got)
	}
	if code, _ := e.post(c, "/console/secret", nil); code != http.StatusBadRequest {
		t.Errorf("rotate without confirm: %d, want 400", code)
	}
	if got := e.mint(key, "s"); got != http.StatusOK {
		t.Fatalf("an unconfirmed rotation changed the secret: mint %d", got)
	}

	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/console/secret", strings.NewReader("confirm=rotate"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("rotation answer: %d, Cache-Control %q, Referrer-Policy %q; want 200, no-store, no-referrer",
			res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("Referrer-Policy"))
	}
	m := regexp.MustCompile(`data-testid="new-secret">([^<]+)<`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("the rotation answer shows no new secret:\n%s", b)
	}
	secret := string(m[1])
	if got := e.mint(key, "s"); got != http.StatusUnauthorized {
		t.Errorf("mint with the old secret after rotation: %d, want 401", got)
	}
	if got := e.mint(key, secret); got != http.StatusOK {
		t.Errorf("mint with the new secret: %d, want 200", got)
	}

	// Shown once: the console's next page, and beta's, never carry it.
	if _, page := e.get(c); strings.Contains(page, secret) || strings.Contains(page, `data-testid="new-secret"`) {
		t.Error("the console shows the secret again after the rotation answer")
	}
	// A cross-site rotation is refused.
	req, _ = http.NewRequest(http.MethodPost, e.srv.URL+"/console/secret", strings.NewReader("confirm=rotate"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if code, _ := e.do(c, req); code != http.StatusForbidden {
		t.Errorf("cross-site rotation: %d, want 403", code)
	}

	// Nothing a visitor's browser gets carries it: the planner page and
	// every static file it names, the SDK, the API's public documents and a
	// visitor's API answers.
	visitor := &http.Client{}
	fetch := func(path string, hdr ...string) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := visitor.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var h strings.Builder
		for k, v := range res.Header {
			h.WriteString(k + ": " + strings.Join(v, ",") + "\n")
		}
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, res.StatusCode)
		}
		return h.String() + string(b)
	}
	plannerPage := fetch("/planner?d=" + e.a.DistributionID)
	paths := []string{"/static/embed/planner-embed.js", "/.well-known/jwks.json", "/openapi.json"}
	for _, p := range regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`).FindAllStringSubmatch(plannerPage, -1) {
		paths = append(paths, p[1])
	}
	if len(paths) < 5 {
		t.Fatalf("the planner page names %d static files, want its script and style", len(paths)-3)
	}
	bodies := []string{plannerPage}
	for _, p := range paths {
		bodies = append(bodies, fetch(p))
	}
	tok := mintBody(t, e, key, secret)
	for _, p := range []string{"/v1/me", "/v1/catalog/products", "/v1/catalog/categories"} {
		bodies = append(bodies, fetch(p, "Authorization", "Bearer "+tok))
	}
	for i, b := range bodies {
		if strings.Contains(b, secret) {
			t.Errorf("response %d (of the planner page, %v and the API) carries the new secret", i, paths)
		}
	}
}

// mintBody mints a legal-entity token and returns it.
func mintBody(t *testing.T, e *env, key, secret string) string {
	t.Helper()
	res, err := http.PostForm(e.srv.URL+"/v1/tokens", url.Values{"api_key": {key}, "api_secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`"token":"([^"]+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("mint: %d %s", res.StatusCode, b)
	}
	return string(m[1])
}
