package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// runCLI runs one admin command against db and returns its stdout.
func runCLI(t *testing.T, db string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := map[string]string{"PLANNER_DB": db}
	err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return out.String(), err
}

func mustCLI(t *testing.T, db string, args ...string) string {
	t.Helper()
	out, err := runCLI(t, db, args...)
	if err != nil {
		t.Fatalf("planner %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func TestEntityLifecycle(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "planner.db")
	mustCLI(t, db, "migrate")
	var created struct {
		ID, DistributionID, APIKey, APISecret string
		Origins                               []string
		Plan                                  string
	}
	out := mustCLI(t, db, "entity", "create", "--name", "Nordlys Home", "--origin", "http://127.0.0.1:8080/", "--plan", "premium")
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("entity create printed %q: %v", out, err)
	}
	if created.ID == "" || created.DistributionID == "" || created.APIKey == "" || len(created.APISecret) < 43 {
		t.Fatalf("entity create = %+v, want id, distribution id, key and a long secret", created)
	}
	if len(created.Origins) != 1 || created.Origins[0] != "http://127.0.0.1:8080" || created.Plan != "premium" {
		t.Errorf("origins %v plan %q, want [http://127.0.0.1:8080] premium", created.Origins, created.Plan)
	}
	// The key file is created beside the database, private.
	if fi, err := os.Stat(db + ".key"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v mode %v, want 0600", err, fi.Mode().Perm())
	}

	list := mustCLI(t, db, "entity", "list")
	if !strings.Contains(list, created.ID) || strings.Contains(list, created.APISecret) {
		t.Errorf("entity list = %s, want the entity and never its secret", list)
	}
	mustCLI(t, db, "entity", "origins", "add", created.ID, "https://shop.example")
	out = mustCLI(t, db, "entity", "origins", "remove", created.ID, "http://127.0.0.1:8080")
	if !strings.Contains(out, "https://shop.example") || strings.Contains(out, "127.0.0.1:8080") {
		t.Errorf("after add/remove origins: %s", out)
	}
	if _, err := runCLI(t, db, "entity", "origins", "add", created.ID, "https://shop.example/path"); err == nil {
		t.Errorf("an origin with a path was accepted")
	}
	if _, err := runCLI(t, db, "entity", "origins", "remove", created.ID, "https://never.example"); err == nil {
		t.Errorf("removing an unregistered origin succeeded")
	}
	if out := mustCLI(t, db, "entity", "plan", created.ID, "free"); !strings.Contains(out, `"free"`) {
		t.Errorf("entity plan: %s", out)
	}
	if _, err := runCLI(t, db, "entity", "plan", created.ID, "gold"); err == nil {
		t.Errorf("plan gold was accepted")
	}
	rotated := mustCLI(t, db, "key", "rotate", created.ID)
	if !strings.Contains(rotated, created.APIKey) || strings.Contains(rotated, created.APISecret) {
		t.Errorf("key rotate = %s, want same key and a new secret", rotated)
	}
	if out := mustCLI(t, db, "signing-key", "rotate"); !strings.Contains(out, "kid") {
		t.Errorf("signing-key rotate = %s", out)
	}
	if _, err := runCLI(t, db, "entity", "frobnicate"); err == nil {
		t.Errorf("unknown command succeeded")
	}
}

func TestCatalogImport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "planner.db")
	mustCLI(t, db, "migrate")
	var e struct{ ID string }
	_ = json.Unmarshal([]byte(mustCLI(t, db, "entity", "create", "--name", "Shop", "--origin", "https://shop.example")), &e)

	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"currency":"EUR","categories":[{"id":"sofas","name":"Sofas"}],"products":[
		{"id":"s1","name":"Sofa one","category":"sofas","width":200,"depth":90,"height":80,"price":49900,"color":"#334455"}]}`), 0o644)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"currency":"EUR","categories":[{"id":"sofas","name":"Sofas"}],"products":[
		{"id":"s2","name":"Sofa two","category":"sofas","width":200,"depth":90,"height":80,"price":49900,"color":"#334455"},
		{"id":"s3","name":"Sofa three","category":"sofas","width":0,"depth":90,"height":80,"price":49900,"color":"#334455"}]}`), 0o644)

	mustCLI(t, db, "catalog", "import", e.ID, good)
	_, err := runCLI(t, db, "catalog", "import", e.ID, bad)
	if err == nil || !strings.Contains(err.Error(), "products[1]") || !strings.Contains(err.Error(), "s3") {
		t.Fatalf("bad import error = %v, want it to name products[1] (s3)", err)
	}
	// Nothing of the bad file was imported, the good one is intact: check through the API.
	base, stop := startServe(t, db)
	defer stop()
	key, secret := entityCreds(t, db, e.ID)
	_ = key
	tok := mintLE(t, base, key, secret)
	req, _ := http.NewRequest("GET", base+"/v1/catalog/products", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `"s1"`) || strings.Contains(string(body), `"s2"`) {
		t.Errorf("catalog after a failed import = %s, want s1 only", body)
	}

	if out := mustCLI(t, db, "catalog", "seed", e.ID); !strings.Contains(out, `"products"`) {
		t.Errorf("catalog seed: %s", out)
	}
}

// entityCreds rotates the entity's secret to learn a usable one.
func entityCreds(t *testing.T, db, id string) (string, string) {
	t.Helper()
	var r struct{ APIKey, APISecret string }
	_ = json.Unmarshal([]byte(mustCLI(t, db, "key", "rotate", id)), &r)
	return r.APIKey, r.APISecret
}

func mintLE(t *testing.T, base, key, secret string) string {
	t.Helper()
	res, err := http.PostForm(base+"/v1/tokens", url.Values{"api_key": {key}, "api_secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Token == "" {
		t.Fatalf("mint: status %d, %v", res.StatusCode, err)
	}
	return out.Token
}

// startServe runs "planner serve" on 127.0.0.1:0 and waits for /healthz.
func startServe(t *testing.T, db string) (string, func()) {
	t.Helper()
	return startServeWith(t, db, io.Discard)
}

// startServeWith is startServe with serve's stderr (its log) and more flags.
func startServeWith(t *testing.T, db string, stderr io.Writer, args ...string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		env := map[string]string{"PLANNER_DB": db}
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), func(k string) string { return env[k] }, pw, stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("serve printed nothing: %v (%v)", err, <-done)
	}
	go io.Copy(io.Discard, pr)
	m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(line)
	if m == nil {
		cancel()
		t.Fatalf("serve printed %q", line)
	}
	base := m[1]
	// The line is printed once the listener is open, so /healthz answers now.
	res, err := http.Get(base + "/healthz")
	if err != nil || res.StatusCode != 200 {
		cancel()
		t.Fatalf("healthz: %v", err)
	}
	res.Body.Close()
	return base, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve returned %v after shutdown", err)
		}
	}
}

func TestServeFlagsFromEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{"PLANNER_ADDR": "127.0.0.1:9999", "PLANNER_DB": "x.db", "PLANNER_PUBLIC_URL": "https://planner.example", "PLANNER_TRUSTED_PROXY": "10.0.0.0/8, 192.168.0.0/16"}
	c, err := parseServeFlags(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.addr != "127.0.0.1:9999" || c.db != "x.db" || c.publicURL != "https://planner.example" || len(c.trustedProxies) != 2 {
		t.Errorf("config from env = %+v", c)
	}
	c, _ = parseServeFlags([]string{"--addr", "127.0.0.1:1"}, func(k string) string { return env[k] }, io.Discard)
	if c.addr != "127.0.0.1:1" {
		t.Errorf("flag does not override env: %q", c.addr)
	}
	if _, err := parseServeFlags([]string{"--tls-cert", "c.pem"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Errorf("--tls-cert without --tls-key accepted")
	}
}
