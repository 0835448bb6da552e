package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/roomplanner/planner/static"
	"github.com/roomplanner/planner/web"
)

func TestPlannerPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if err := h.svc.Store.RemoveOrigin(context.Background(), h.b.ID, "https://beta.example"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, d      string
		wantStatus   int
		wantCSP      string
		wantInBody   []string
		wantNotInCSP string
	}{
		{"registered origin", h.a.DistributionID, 200, "frame-ancestors http://127.0.0.1:8080",
			[]string{`"origins":["http://127.0.0.1:8080"]`, `"distribution":"` + h.a.DistributionID + `"`, static.URL("planner/main.js")}, "*"},
		{"no origin registered", h.b.DistributionID, 200, "frame-ancestors 'none'",
			[]string{"planner entity origins add", `data-testid="no-origins"`}, "beta.example"},
		{"unknown distribution", "d_nope", 404, "", nil, ""},
		{"missing distribution", "", 404, "", nil, ""},
	}
	for _, tc := range tests {
		res := h.api("GET", "/planner?d="+tc.d, "", nil)
		if res.status != tc.wantStatus {
			t.Errorf("%s: status %d, want %d", tc.name, res.status, tc.wantStatus)
			continue
		}
		csp := res.header.Get("Content-Security-Policy")
		if tc.wantCSP != "" && !strings.HasSuffix(csp, tc.wantCSP) {
			t.Errorf("%s: CSP = %q, want it to end with %q", tc.name, csp, tc.wantCSP)
		}
		if tc.wantNotInCSP != "" && strings.Contains(csp, tc.wantNotInCSP) {
			t.Errorf("%s: CSP %q contains %q", tc.name, csp, tc.wantNotInCSP)
		}
		if tc.wantStatus == 200 && (res.header.Get("X-Frame-Options") != "" || !strings.Contains(csp, "script-src 'self'")) {
			t.Errorf("%s: X-Frame-Options %q, CSP %q: want no XFO and a strict script-src", tc.name, res.header.Get("X-Frame-Options"), csp)
		}
		for _, s := range tc.wantInBody {
			if !strings.Contains(string(res.raw), s) {
				t.Errorf("%s: page lacks %q", tc.name, s)
			}
		}
	}
	// The SDK is importable cross-origin; test files are not served.
	sdk := h.api("GET", "/static/embed/planner-embed.js", "", nil)
	if sdk.status != 200 || sdk.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("SDK: %d, ACAO %q", sdk.status, sdk.header.Get("Access-Control-Allow-Origin"))
	}
	if res := h.api("GET", "/static/embed/planner-embed.test.js", "", nil); res.status != 404 {
		t.Errorf("test file served: %d", res.status)
	}
	// Browsers ask for /favicon.ico whatever the page says.
	if res := h.api("GET", "/favicon.ico", "", nil); res.status != 200 || res.header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("favicon: %d, %q", res.status, res.header.Get("Content-Type"))
	}
}

// TestPlannerPageTheme: a retailer's stored theme is painted with the page,
// in one style element the CSP allows by its hash alone, and reaches the
// page config; without a theme there is no inline style at all.
func TestPlannerPageTheme(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	plain := h.api("GET", "/planner?d="+h.a.DistributionID, "", nil)
	if strings.Contains(string(plain.raw), "<style>") || strings.Contains(plain.header.Get("Content-Security-Policy"), "sha256-") {
		t.Errorf("no theme: page has an inline style or CSP %q allows one", plain.header.Get("Content-Security-Policy"))
	}
	r := 4
	th := web.Theme{Accent: "#2d6a4f", AccentText: "#ffffff", Radius: &r, Font: "classic"}
	if err := h.svc.Store.SetTheme(context.Background(), h.a.ID, th); err != nil {
		t.Fatal(err)
	}
	res := h.api("GET", "/planner?d="+h.a.DistributionID, "", nil)
	body, csp := string(res.raw), res.header.Get("Content-Security-Policy")
	style := "<style>" + th.CSS() + "</style>"
	if !strings.Contains(body, style) {
		t.Fatalf("page lacks %q", style)
	}
	sum := sha256.Sum256([]byte(th.CSS()))
	if want := "style-src 'self' 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "';"; !strings.Contains(csp, want) {
		t.Errorf("CSP = %q, want %q", csp, want)
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q allows any inline style", csp)
	}
	if !strings.Contains(body, `"theme":{"accent":"#2d6a4f","accentText":"#ffffff","radius":4,"font":"classic"}`) {
		t.Errorf("page config lacks the theme")
	}
}

// TestPlannerPageImgSrc: the planner page's img-src is 'self' data: plus
// exactly the retailer's image origins, per retailer and per request (a
// change shows on the next page), never a wildcard.
func TestPlannerPageImgSrc(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	imgSrc := func(d string) string {
		t.Helper()
		res := h.api("GET", "/planner?d="+d, "", nil)
		if res.status != 200 {
			t.Fatalf("planner page: %d", res.status)
		}
		for _, dir := range strings.Split(res.header.Get("Content-Security-Policy"), ";") {
			if dir = strings.TrimSpace(dir); strings.HasPrefix(dir, "img-src ") {
				return dir
			}
		}
		t.Fatalf("CSP %q has no img-src", res.header.Get("Content-Security-Policy"))
		return ""
	}
	if got, want := imgSrc(h.a.DistributionID), "img-src 'self' data:"; got != want {
		t.Errorf("no image origins: %q, want %q", got, want)
	}
	for _, o := range []string{"https://img.alpha.example", "http://127.0.0.1:9000"} {
		if err := h.svc.Store.AddImageOrigin(ctx, h.a.ID, o); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.svc.Store.AddImageOrigin(ctx, h.b.ID, "https://img.beta.example"); err != nil {
		t.Fatal(err)
	}
	// A value no command writes (a wildcard, a path) never reaches the header.
	if err := h.svc.Store.AddImageOrigin(ctx, h.b.ID, "https://*.beta.example"); err != nil {
		t.Fatal(err)
	}
	if got, want := imgSrc(h.a.DistributionID), "img-src 'self' data: http://127.0.0.1:9000 https://img.alpha.example"; got != want {
		t.Errorf("retailer a: %q, want %q", got, want)
	}
	if got, want := imgSrc(h.b.DistributionID), "img-src 'self' data: https://img.beta.example"; got != want {
		t.Errorf("retailer b: %q, want %q", got, want)
	}
	if err := h.svc.Store.RemoveImageOrigin(ctx, h.a.ID, "https://img.alpha.example"); err != nil {
		t.Fatal(err)
	}
	if got, want := imgSrc(h.a.DistributionID), "img-src 'self' data: http://127.0.0.1:9000"; got != want {
		t.Errorf("after a removal: %q, want %q", got, want)
	}
}

// TestProductImage: a product's image reaches the planner with the product,
// in the list and alone (both checked against openapi.json), and a product
// without one has no image field.
func TestProductImage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	const url = "https://img.alpha.example/p/sofa-a.jpg?w=320"
	p := web.Product{ID: "sofa-a", RetailerID: h.a.ID, Name: "Alpha Home sofa-a", Category: "living", Width: 200, Depth: 90,
		Height: 80, Price: 49900, Currency: "EUR", Color: "#445566", Image: url}
	if err := h.svc.Store.ImportCatalog(ctx, h.a.ID, []web.Category{{ID: "living", Name: "Living"}}, []web.Product{p}, false); err != nil {
		t.Fatal(err)
	}
	tok := h.token(h.a, "legal-entity", "", "")
	if res := h.api("GET", "/v1/catalog/products/sofa-a", tok, nil); res.status != 200 || res.body["image"] != url {
		t.Errorf("product: %d, image %v; want %q", res.status, res.body["image"], url)
	}
	list := h.api("GET", "/v1/catalog/products", tok, nil)
	for _, x := range list.body["products"].([]any) {
		m := x.(map[string]any)
		_, has := m["image"]
		if want := m["id"] == "sofa-a"; has != want {
			t.Errorf("product %v in the list has an image: %v, want %v", m["id"], has, want)
		}
	}
}
