package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/roomplanner/planner/web"
)

func TestTokenRequestErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	wrongSecret := h.a
	wrongSecret.secret = web.NewSecret()
	unknownKey := h.a
	unknownKey.key = "pk_doesnotexist"
	tests := []struct {
		name       string
		r          retailer
		form       url.Values
		wantStatus int
		wantCode   string
		wantField  string
	}{
		{"wrong secret", wrongSecret, nil, 401, web.EInvalidClient, ""},
		{"unknown key", unknownKey, nil, 401, web.EInvalidClient, ""},
		{"bad kind", h.a, url.Values{"kind": {"admin"}}, 400, web.EValidation, "kind"},
		{"user without user_id", h.a, url.Values{"kind": {"user"}}, 400, web.EValidation, "user_id"},
		{"user_id too long", h.a, url.Values{"kind": {"user"}, "user_id": {strings.Repeat("u", 129)}}, 400, web.EValidation, "user_id"},
		{"user_id not printable", h.a, url.Values{"kind": {"user"}, "user_id": {"al\x00ice"}}, 400, web.EValidation, "user_id"},
		{"legal-entity asks for write", h.a, url.Values{"access": {"write"}}, 400, web.EValidation, "access"},
		{"bad access", h.a, url.Values{"access": {"admin"}}, 400, web.EValidation, "access"},
		{"ttl too short", h.a, url.Values{"ttl": {"9"}}, 400, web.EValidation, "ttl"},
		{"ttl too long", h.a, url.Values{"ttl": {"3601"}}, 400, web.EValidation, "ttl"},
		{"count zero", h.a, url.Values{"count": {"0"}}, 400, web.EValidation, "count"},
		{"count too big", h.a, url.Values{"count": {"101"}}, 400, web.EValidation, "count"},
	}
	var unauthorized []string
	for _, tc := range tests {
		res := h.mint(tc.r, tc.form)
		if res.status != tc.wantStatus || res.errCode() != tc.wantCode || res.errField() != tc.wantField {
			t.Errorf("%s: got %d %q field %q, want %d %q field %q (%s)", tc.name, res.status, res.errCode(), res.errField(), tc.wantStatus, tc.wantCode, tc.wantField, res.raw)
		}
		if res.status == 401 {
			unauthorized = append(unauthorized, string(res.raw))
			if got := res.header.Get("WWW-Authenticate"); got == "" {
				t.Errorf("%s: no WWW-Authenticate on 401", tc.name)
			}
		}
	}
	// Whichever part was wrong, the answer is the same.
	if len(unauthorized) != 2 || unauthorized[0] != unauthorized[1] {
		t.Errorf("invalid_client answers differ: %q", unauthorized)
	}

	// No credentials at all.
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/v1/tokens", nil)
	if res := h.do(req); res.status != 401 || res.errCode() != web.EInvalidClient {
		t.Errorf("no credentials: got %d %q, want 401 invalid_client", res.status, res.errCode())
	}
}

func TestTokenIssueThenUse(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	res := h.mint(h.a, nil)
	if res.status != 200 {
		t.Fatalf("mint: %d %s", res.status, res.raw)
	}
	if got := res.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	if res.body["kind"] != web.KindLegalEntity || res.body["expiresIn"] != float64(900) {
		t.Errorf("mint body = %v, want legal-entity token for 900 s", res.body)
	}
	exp, err := time.Parse(time.RFC3339, res.body["expiresAt"].(string))
	if err != nil || !exp.Equal(h.clock.Now().Add(15*time.Minute)) {
		t.Errorf("expiresAt = %v (%v), want %v", res.body["expiresAt"], err, h.clock.Now().Add(15*time.Minute))
	}
	if _, err := time.Parse(time.RFC3339, res.body["serverTime"].(string)); err != nil {
		t.Errorf("serverTime: %v", err)
	}
	le := res.body["token"].(string)

	me := h.api("GET", "/v1/me", le, nil)
	if me.status != 200 || me.body["kind"] != web.KindLegalEntity {
		t.Fatalf("me = %d %s", me.status, me.raw)
	}
	if r := me.body["retailer"].(map[string]any); r["id"] != h.a.ID || r["distributionId"] != h.a.DistributionID {
		t.Errorf("me.retailer = %v, want %s/%s", r, h.a.ID, h.a.DistributionID)
	}
	if cats := h.api("GET", "/v1/catalog/categories", le, nil); cats.status != 200 || len(cats.body["categories"].([]any)) != 1 {
		t.Errorf("categories = %d %s", cats.status, cats.raw)
	}

	// HTTP Basic works as well as form fields, and user tokens carry the uid.
	form := url.Values{"kind": {"user"}, "user_id": {"alice"}, "access": {"write"}, "ttl": {"60"}}
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/v1/tokens", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(h.a.key, h.a.secret)
	ut := h.do(req)
	if ut.status != 200 || ut.body["kind"] != web.KindUser || ut.body["expiresIn"] != float64(60) {
		t.Fatalf("user token via Basic = %d %s", ut.status, ut.raw)
	}
	me = h.api("GET", "/v1/me", ut.body["token"].(string), nil)
	if me.body["uid"] != "alice" || !strings.Contains(string(me.raw), `"write"`) {
		t.Errorf("me for user token = %s, want uid alice with write scope", me.raw)
	}

	// Token header: EdDSA, kid, explicit typ per kind.
	tok, _, err := jwt.NewParser().ParseUnverified(le, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Header["alg"] != "EdDSA" || tok.Header["typ"] != "le+jwt" || tok.Header["kid"] == nil {
		t.Errorf("header = %v, want alg EdDSA, typ le+jwt and a kid", tok.Header)
	}
}

func TestTokenBatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	res := h.mint(h.a, url.Values{"count": {"3"}})
	toks, _ := res.body["tokens"].([]any)
	if res.status != 200 || len(toks) != 3 {
		t.Fatalf("batch = %d %s, want 3 tokens", res.status, res.raw)
	}
	seen := map[string]bool{}
	for _, x := range toks {
		tk := x.(map[string]any)["token"].(string)
		if seen[tk] {
			t.Errorf("batch returned the same token twice")
		}
		seen[tk] = true
		if me := h.api("GET", "/v1/me", tk, nil); me.status != 200 {
			t.Errorf("batch token rejected: %d %s", me.status, me.raw)
		}
	}
}

func TestBearerErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	short := h.mint(h.a, url.Values{"ttl": {"10"}}).body["token"].(string)
	valid := h.token(h.a, "legal-entity", "", "")
	parts := strings.Split(valid, ".")
	tampered := parts[0] + "." + parts[1] + "x." + parts[2]

	// A valid token, used once so it sits in the verified-token cache.
	if res := h.api("GET", "/v1/me", short, nil); res.status != 200 {
		t.Fatalf("fresh token: %d", res.status)
	}
	h.clock.Advance(16 * time.Second) // past exp + leeway

	tests := []struct {
		name, auth string
		wantCode   string
		wantWWW    string
	}{
		{"no header", "", web.EMissingToken, `Bearer realm="planner-api"`},
		{"not bearer", "Basic abc", web.EMissingToken, `Bearer realm="planner-api"`},
		{"expired (was cached)", "Bearer " + short, web.ETokenExpired, `error="invalid_token"`},
		{"garbage", "Bearer not.a.token", web.EInvalidToken, `error="invalid_token"`},
		{"tampered", "Bearer " + tampered, web.EInvalidToken, `error="invalid_token"`},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest("GET", h.srv.URL+"/v1/me", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		res := h.do(req)
		if res.status != 401 || res.errCode() != tc.wantCode {
			t.Errorf("%s: got %d %q, want 401 %q", tc.name, res.status, res.errCode(), tc.wantCode)
		}
		if got := res.header.Get("WWW-Authenticate"); !strings.Contains(got, tc.wantWWW) {
			t.Errorf("%s: WWW-Authenticate = %q, want it to contain %q", tc.name, got, tc.wantWWW)
		}
	}
	// The client can tell expiry from invalidity by the header alone, too.
	exp := h.api("GET", "/v1/me", short, nil).header.Get("WWW-Authenticate")
	if !strings.Contains(exp, "expired") {
		t.Errorf("WWW-Authenticate for an expired token = %q, want its description to say expired", exp)
	}
}

func TestRetailerIsolation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ta := h.token(h.a, "legal-entity", "", "")
	tb := h.token(h.b, "legal-entity", "", "")

	list := h.api("GET", "/v1/catalog/products", ta, nil)
	for _, p := range list.body["products"].([]any) {
		if id := p.(map[string]any)["id"]; id == "sofa-b" {
			t.Errorf("retailer A's catalog lists B's product %v", id)
		}
	}
	if n := len(list.body["products"].([]any)); n != 2 {
		t.Errorf("A's catalog has %d products, want 2", n)
	}
	if res := h.api("GET", "/v1/catalog/products/sofa-b", ta, nil); res.status != 404 || res.errCode() != web.ENotFound {
		t.Errorf("A reading B's product: %d %q, want 404 not_found", res.status, res.errCode())
	}
	if res := h.api("GET", "/v1/catalog/products/sofa-b", tb, nil); res.status != 200 {
		t.Errorf("B reading its own product: %d", res.status)
	}

	// A user of A cannot see or use projects of the same uid at B, nor B's products.
	ua := h.token(h.a, "user", "sam", "write")
	ub := h.token(h.b, "user", "sam", "write")
	created := h.api("POST", "/v1/projects", ua, doc("A's room", "sofa-a"))
	if created.status != 201 {
		t.Fatalf("create: %d %s", created.status, created.raw)
	}
	id := created.body["id"].(string)
	if res := h.api("GET", "/v1/projects/"+id, ub, nil); res.status != 404 {
		t.Errorf("same uid at another retailer read the project: %d", res.status)
	}
	if res := h.api("POST", "/v1/projects", ua, doc("uses B's sofa", "sofa-b")); res.status != 400 || res.errField() != "items[0].productId" {
		t.Errorf("project with another retailer's product: %d field %q, want 400 items[0].productId", res.status, res.errField())
	}
}

func TestProjectOwnership(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice := h.token(h.a, "user", "alice", "write")
	bob := h.token(h.a, "user", "bob", "write")
	created := h.api("POST", "/v1/projects", alice, doc("Alice's living room", "sofa-a", "table-a"))
	if created.status != 201 {
		t.Fatalf("create: %d %s", created.status, created.raw)
	}
	id := created.body["id"].(string)

	for _, tc := range []struct{ method, path string }{
		{"GET", "/v1/projects/" + id},
		{"PUT", "/v1/projects/" + id},
		{"DELETE", "/v1/projects/" + id},
	} {
		var body any
		if tc.method == "PUT" {
			body = doc("hijacked", "sofa-a")
		}
		if res := h.api(tc.method, tc.path, bob, body, "If-Match", `"1"`); res.status != 404 || res.errCode() != web.ENotFound {
			t.Errorf("bob %s alice's project: %d %q, want 404 not_found", tc.method, res.status, res.errCode())
		}
	}
	if list := h.api("GET", "/v1/projects", bob, nil); len(list.body["projects"].([]any)) != 0 {
		t.Errorf("bob's list shows %s", list.raw)
	}
	got := h.api("GET", "/v1/projects/"+id, alice, nil)
	if got.status != 200 || got.body["name"] != "Alice's living room" || got.body["version"] != float64(1) {
		t.Errorf("alice's project after bob's attempts = %s", got.raw)
	}
}

func TestProjectRights(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	le := h.token(h.a, "legal-entity", "", "")
	readOnly := h.token(h.a, "user", "alice", "read")

	res := h.api("GET", "/v1/projects", le, nil)
	if res.status != 403 || res.errCode() != web.EForbidden || !strings.Contains(res.body["error"].(map[string]any)["message"].(string), "sign in") {
		t.Errorf("legal-entity listing projects: %d %s, want 403 forbidden telling to sign in", res.status, res.raw)
	}
	if res := h.api("POST", "/v1/projects", le, doc("x", "sofa-a")); res.status != 403 || res.errCode() != web.EForbidden {
		t.Errorf("legal-entity creating a project: %d %q, want 403 forbidden", res.status, res.errCode())
	}
	res = h.api("POST", "/v1/projects", readOnly, doc("x", "sofa-a"))
	if res.status != 403 || res.errCode() != web.EInsufficientScope || !strings.Contains(res.header.Get("WWW-Authenticate"), "insufficient_scope") {
		t.Errorf("read-only user creating: %d %q %q, want 403 insufficient_scope", res.status, res.errCode(), res.header.Get("WWW-Authenticate"))
	}
	if res := h.api("GET", "/v1/projects", readOnly, nil); res.status != 200 {
		t.Errorf("read-only user listing: %d, want 200", res.status)
	}
}

func TestProjectVersionConflicts(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice := h.token(h.a, "user", "alice", "write")
	id := h.api("POST", "/v1/projects", alice, doc("v1", "sofa-a")).body["id"].(string)

	if res := h.api("PUT", "/v1/projects/"+id, alice, doc("no precondition")); res.status != 400 || res.errField() != "If-Match" {
		t.Errorf("PUT without If-Match: %d field %q, want 400 If-Match", res.status, res.errField())
	}
	res := h.api("PUT", "/v1/projects/"+id, alice, doc("v2", "table-a"), "If-Match", `"1"`)
	if res.status != 200 || res.body["version"] != float64(2) || res.header.Get("ETag") != `"2"` {
		t.Fatalf("PUT v1->v2: %d %s etag %q", res.status, res.raw, res.header.Get("ETag"))
	}
	res = h.api("PUT", "/v1/projects/"+id, alice, doc("stale edit"), "If-Match", "1")
	if res.status != 409 || res.errCode() != web.EConflict || res.body["error"].(map[string]any)["currentVersion"] != float64(2) {
		t.Errorf("stale PUT: %d %s, want 409 conflict with currentVersion 2", res.status, res.raw)
	}
	if res := h.api("DELETE", "/v1/projects/"+id, alice, nil, "If-Match", `"1"`); res.status != 409 {
		t.Errorf("stale DELETE: %d, want 409", res.status)
	}
	if got := h.api("GET", "/v1/projects/"+id, alice, nil); got.body["name"] != "v2" {
		t.Errorf("after stale writes the project is %s, want v2 kept", got.raw)
	}
	if res := h.api("DELETE", "/v1/projects/"+id, alice, nil, "If-Match", `W/"2"`); res.status != 204 {
		t.Errorf("DELETE current: %d %s, want 204", res.status, res.raw)
	}
	if res := h.api("GET", "/v1/projects/"+id, alice, nil); res.status != 404 {
		t.Errorf("GET deleted: %d, want 404", res.status)
	}
}

func TestProjectIdempotencyKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice := h.token(h.a, "user", "alice", "write")
	first := h.api("POST", "/v1/projects", alice, doc("once", "sofa-a"), "Idempotency-Key", "k-123")
	again := h.api("POST", "/v1/projects", alice, doc("once", "sofa-a"), "Idempotency-Key", "k-123")
	if first.status != 201 || again.status != 201 || first.body["id"] != again.body["id"] {
		t.Fatalf("replay: %d %v / %d %v, want the same project", first.status, first.body["id"], again.status, again.body["id"])
	}
	if list := h.api("GET", "/v1/projects", alice, nil); len(list.body["projects"].([]any)) != 1 {
		t.Errorf("after a replay the list has %s, want 1 project", list.raw)
	}
	if res := h.api("POST", "/v1/projects", alice, doc("different", "sofa-a"), "Idempotency-Key", "k-123"); res.status != 400 || res.errCode() != web.EValidation {
		t.Errorf("key reused for another body: %d %q, want 400 validation_failed", res.status, res.errCode())
	}
	// Another user's identical key is a separate record.
	bob := h.token(h.a, "user", "bob", "write")
	if res := h.api("POST", "/v1/projects", bob, doc("once", "sofa-a"), "Idempotency-Key", "k-123"); res.status != 201 || res.body["id"] == first.body["id"] {
		t.Errorf("bob with alice's key: %d %v", res.status, res.body["id"])
	}
}

func TestProjectValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice := h.token(h.a, "user", "alice", "write")
	bad := func(mut func(d map[string]any)) map[string]any {
		d := doc("room", "sofa-a")
		mut(d)
		return d
	}
	tests := []struct {
		name      string
		body      any
		wantCode  string
		wantField string
	}{
		{"room too narrow", bad(func(d map[string]any) { d["room"] = map[string]any{"width": 49, "depth": 300} }), web.EValidation, "room.width"},
		{"room too deep", bad(func(d map[string]any) { d["room"] = map[string]any{"width": 400, "depth": 5001} }), web.EValidation, "room.depth"},
		{"name missing", bad(func(d map[string]any) { d["name"] = " " }), web.EValidation, "name"},
		{"name too long", bad(func(d map[string]any) { d["name"] = strings.Repeat("n", 121) }), web.EValidation, "name"},
		{"unknown product", doc("room", "sofa-a", "ghost"), web.EValidation, "items[1].productId"},
		{"bad rotation", bad(func(d map[string]any) { d["items"].([]map[string]any)[0]["rotation"] = 45 }), web.EValidation, "items[0].rotation"},
		{"unknown field", bad(func(d map[string]any) { d["owner"] = "bob" }), web.EValidation, ""},
		{"not JSON", []byte("{"), web.EValidation, ""},
	}
	for _, tc := range tests {
		res := h.api("POST", "/v1/projects", alice, tc.body)
		if res.status != 400 || res.errCode() != tc.wantCode || res.errField() != tc.wantField {
			t.Errorf("%s: %d %q field %q, want 400 %q field %q (%s)", tc.name, res.status, res.errCode(), res.errField(), tc.wantCode, tc.wantField, res.raw)
		}
	}
	items := make([]map[string]any, 501)
	for i := range items {
		items[i] = map[string]any{"id": "i" + strconv.Itoa(i), "productId": "sofa-a", "x": 1, "y": 1, "rotation": 0}
	}
	if res := h.api("POST", "/v1/projects", alice, map[string]any{"name": "big", "room": map[string]any{"width": 400, "depth": 300}, "items": items}); res.errField() != "items" {
		t.Errorf("501 items: %d field %q, want items", res.status, res.errField())
	}
	huge := []byte(`{"name":"` + strings.Repeat("x", 300<<10) + `"}`)
	if res := h.api("POST", "/v1/projects", alice, huge); res.status != 413 || res.errCode() != web.EPayloadTooLarge {
		t.Errorf("300 KiB body: %d %q, want 413 payload_too_large", res.status, res.errCode())
	}
	if list := h.api("GET", "/v1/projects", alice, nil); len(list.body["projects"].([]any)) != 0 {
		t.Errorf("rejected documents were stored: %s", list.raw)
	}
}

func TestTokenRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// The clock stands still: the burst is all there is.
	for i := range 100 {
		if res := h.mint(h.a, nil); res.status != 200 {
			t.Fatalf("request %d of a burst of 100: %d %s", i+1, res.status, res.raw)
		}
	}
	res := h.mint(h.a, nil)
	if res.status != 429 || res.errCode() != web.ERateLimited {
		t.Fatalf("request 101: %d %q, want 429 rate_limited", res.status, res.errCode())
	}
	if ra, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After = %q, want whole seconds ≥ 1", res.header.Get("Retry-After"))
	}
	// Another retailer's key has its own bucket.
	if res := h.mint(h.b, nil); res.status != 200 {
		t.Errorf("other key limited too: %d", res.status)
	}
	h.clock.Advance(time.Second)
	if res := h.mint(h.a, nil); res.status != 200 {
		t.Errorf("after a second: %d, want 200", res.status)
	}
}

func TestSecretRotation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	old := h.a
	secret := web.NewSecret()
	key, err := h.svc.Store.RotateSecret(t.Context(), h.a.ID, []byte(secret))
	if err != nil || key != h.a.key {
		t.Fatalf("rotate: %v (key %q, want %q)", err, key, h.a.key)
	}
	if res := h.mint(old, nil); res.status != 401 {
		t.Errorf("old secret after rotation: %d, want 401", res.status)
	}
	h.a.secret = secret
	if res := h.mint(h.a, nil); res.status != 200 {
		t.Errorf("new secret: %d, want 200", res.status)
	}
}

func TestSigningKeyRotationOverlap(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	before := h.mint(h.a, url.Values{"ttl": {"3600"}}).body["token"].(string)
	kid0 := kidOf(t, before)
	if _, err := h.svc.Keyring.Rotate(t.Context()); err != nil {
		t.Fatal(err)
	}
	after := h.token(h.a, "legal-entity", "", "")
	if kidOf(t, after) == kid0 {
		t.Fatalf("new tokens still signed with the old key %s", kid0)
	}
	h.clock.Advance(59 * time.Minute)
	if res := h.api("GET", "/v1/me", before, nil); res.status != 200 {
		t.Errorf("token signed with the old key, 59 min after rotation: %d %s", res.status, res.raw)
	}
	jwks := h.api("GET", "/.well-known/jwks.json", "", nil)
	if !strings.Contains(string(jwks.raw), kid0) || !strings.Contains(string(jwks.raw), kidOf(t, after)) {
		t.Errorf("JWKS during overlap = %s, want both kids", jwks.raw)
	}
}

func kidOf(t *testing.T, tok string) string {
	t.Helper()
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := parsed.Header["kid"].(string)
	return kid
}

func TestPartnerSignedToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	now := h.clock.Now()
	sign := func(claims jwt.MapClaims, secret string) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	user := sign(jwt.MapClaims{"clientId": h.a.key, "iat": now.Unix(), "exp": now.Add(15 * time.Minute).Unix(), "kind": "user", "uid": "carol", "scope": "read write"}, h.a.secret)
	if res := h.api("POST", "/v1/projects", user, doc("partner-made", "sofa-a")); res.status != 201 {
		t.Errorf("partner user token creating a project: %d %s", res.status, res.raw)
	}
	le := sign(jwt.MapClaims{"clientId": h.a.key, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}, h.a.secret)
	if res := h.api("GET", "/v1/me", le, nil); res.status != 200 || res.body["kind"] != web.KindLegalEntity {
		t.Errorf("partner legal-entity token: %d %s", res.status, res.raw)
	}
	tooLong := sign(jwt.MapClaims{"clientId": h.a.key, "iat": now.Unix(), "exp": now.Add(16 * time.Minute).Unix()}, h.a.secret)
	if res := h.api("GET", "/v1/me", tooLong, nil); res.status != 401 || res.errCode() != web.EInvalidToken {
		t.Errorf("partner token living 16 min: %d %q, want 401 invalid_token", res.status, res.errCode())
	}
	wrong := sign(jwt.MapClaims{"clientId": h.a.key, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}, h.b.secret)
	if res := h.api("GET", "/v1/me", wrong, nil); res.status != 401 || res.errCode() != web.EInvalidToken {
		t.Errorf("partner token signed with another retailer's secret: %d %q", res.status, res.errCode())
	}
}

func TestTLSRequired(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name, remote, proto string
		wantStatus          int
	}{
		{"loopback peer", "127.0.0.1:5555", "", 200},
		{"IPv6 loopback", "[::1]:5555", "", 200},
		{"public peer over plain HTTP", "203.0.113.7:5555", "", 403},
		{"public peer claiming https without a trusted proxy", "203.0.113.7:5555", "https", 403},
	}
	for _, tc := range tests {
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.RemoteAddr = tc.remote
		if tc.proto != "" {
			req.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		rec := httptest.NewRecorder()
		h.handler.ServeHTTP(rec, req)
		if rec.Code != tc.wantStatus {
			t.Errorf("%s: status %d, want %d", tc.name, rec.Code, tc.wantStatus)
		}
		if tc.wantStatus == 403 && !strings.Contains(rec.Body.String(), web.ETLSRequired) {
			t.Errorf("%s: body %s, want tls_required", tc.name, rec.Body)
		}
	}
}

func TestHealthAndJWKS(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		if res := h.api("GET", p, "", nil); res.status != 200 {
			t.Errorf("%s: %d", p, res.status)
		}
	}
	jwks := h.api("GET", "/.well-known/jwks.json", "", nil)
	keys, _ := jwks.body["keys"].([]any)
	if jwks.status != 200 || len(keys) != 1 || keys[0].(map[string]any)["crv"] != "Ed25519" || keys[0].(map[string]any)["d"] != nil {
		t.Errorf("jwks = %s, want one public Ed25519 key", jwks.raw)
	}
	if res := h.api("GET", "/v1/nothing", "", nil); res.status != 404 || res.errCode() != web.ENotFound {
		t.Errorf("unknown path: %d %s, want 404 not_found (before any token check)", res.status, res.raw)
	}
}

// TestSecretNeverLeaks runs a mix of calls and scans every response header,
// body and log line for the API secret.
func TestSecretNeverLeaks(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.mint(h.a, nil)
	h.mint(h.a, url.Values{"kind": {"user"}, "user_id": {"alice"}, "access": {"write"}, "count": {"2"}})
	h.mint(h.a, url.Values{"access": {"write"}})
	bad := h.a
	bad.secret += "x"
	h.mint(bad, nil)
	tok := h.token(h.a, "user", "alice", "write")
	h.api("POST", "/v1/projects", tok, doc("room", "sofa-a"))
	h.api("GET", "/v1/me", tok, nil)

	logs := h.logs.String()
	if !strings.Contains(logs, "/v1/tokens") {
		t.Fatalf("no request log lines captured; the scan would prove nothing: %q", logs)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range append(h.bodies, logs) {
		if strings.Contains(s, h.a.secret) || strings.Contains(s, strings.TrimPrefix(h.a.secret, "sk_")) {
			t.Fatalf("the API secret appears in: %.200s", s)
		}
	}
	if strings.Contains(logs, tok) {
		t.Errorf("a token appears in the logs")
	}
}
