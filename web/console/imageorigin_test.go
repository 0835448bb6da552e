package console_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/roomplanner/planner/web"
)

// TestImageOrigins: the Embedding page adds and removes image origins as
// the CLI does (normalised, https or loopback http only) and shows the
// img-src they become; a catalog upload with images elsewhere lists each
// such product as a problem and imports nothing.
func TestImageOrigins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signedIn()
	if code, _ := e.post(c, "/console/image-origins", url.Values{"action": {"add"}, "origin": {"https://IMG.alpha.example/"}}); code != http.StatusSeeOther {
		t.Fatalf("add: %d", code)
	}
	for _, bad := range []string{"http://img.alpha.example", "https://*.alpha.example", "https://img.alpha.example/p"} {
		if code, body := e.post(c, "/console/image-origins", url.Values{"action": {"add"}, "origin": {bad}}); code != http.StatusBadRequest || !strings.Contains(body, "Not an image origin") {
			t.Errorf("add %q: %d, want 400 with the reason", bad, code)
		}
	}
	if r, _ := e.svc.Store.Retailer(t.Context(), e.a.ID); !slices.Equal(r.ImageOrigins, []string{"https://img.alpha.example"}) {
		t.Fatalf("image origins = %v, want the one added", r.ImageOrigins)
	}
	if _, page := e.get(c); !strings.Contains(page, "img-src &#39;self&#39; data: https://img.alpha.example") && !strings.Contains(page, "img-src 'self' data: https://img.alpha.example") {
		t.Errorf("the page does not show the img-src:\n%s", page)
	}

	upload := func(images ...string) (int, string) {
		var ps []string
		for i, img := range images {
			ps = append(ps, `{"id":"lamp-`+string(rune('a'+i))+`","name":"Lamp","category":"lamps","width":30,"depth":30,"height":150,"price":4999,"color":"#ddcc00","image":"`+img+`"}`)
		}
		return e.upload(c, `{"currency":"EUR","categories":[{"id":"lamps","name":"Lamps"}],"products":[`+strings.Join(ps, ",")+`]}`)
	}
	code, body := upload("https://img.alpha.example/a.jpg", "https://cdn.other.example/b.jpg", "http://127.0.0.1:9/c.jpg")
	var ans struct {
		Problems []struct{ Record, ID, Field, Message string }
	}
	if err := json.Unmarshal([]byte(body), &ans); err != nil || code != http.StatusUnprocessableEntity || len(ans.Problems) != 2 {
		t.Fatalf("images elsewhere: %d %s, want 422 with 2 problems", code, body)
	}
	if p := ans.Problems[0]; p.Record != "products[1]" || p.ID != "lamp-b" || p.Field != "products[1].image" || !strings.Contains(p.Message, "https://cdn.other.example") {
		t.Errorf("first problem = %+v, want products[1]'s image origin", p)
	}
	if ps, _, _ := e.svc.Store.Products(t.Context(), e.a.ID, web.ProductQuery{Limit: 10}); len(ps) != 0 {
		t.Errorf("a refused file imported %d products", len(ps))
	}
	if code, body := upload("https://img.alpha.example/a.jpg"); code != http.StatusOK {
		t.Fatalf("image on the registered origin: %d %s", code, body)
	}

	e.post(c, "/console/image-origins", url.Values{"action": {"remove"}, "origin": {"https://img.alpha.example"}})
	if r, _ := e.svc.Store.Retailer(t.Context(), e.a.ID); len(r.ImageOrigins) != 0 {
		t.Errorf("after remove: %v", r.ImageOrigins)
	}
	if r, _ := e.svc.Store.Retailer(t.Context(), e.b.ID); len(r.ImageOrigins) != 0 {
		t.Errorf("beta's image origins changed: %v", r.ImageOrigins)
	}
}
