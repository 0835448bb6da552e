package console_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/roomplanner/planner/web"
)

// signedIn is a browser signed in as alpha's staff, password changed.
func (e *env) signedIn() *http.Client {
	c := e.browser()
	e.post(c, "/console/signin", url.Values{"email": {"staff@alpha.example"}, "password": {e.pa}})
	e.post(c, "/console/password", url.Values{"current": {e.pa}, "next": {"a long enough passphrase"}})
	return c
}

func (e *env) upload(c *http.Client, body string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/console/catalog", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return e.do(c, req)
}

func TestCatalogImport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if code, _ := e.upload(e.browser(), `{}`); code != http.StatusUnauthorized {
		t.Errorf("signed out: %d, want 401", code)
	}
	c := e.signedIn()
	bad, err := os.ReadFile("../retailerops/testdata/bad-catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	code, body := e.upload(c, string(bad))
	var ans struct {
		Problems []struct{ Record, Field, Message string }
	}
	if err := json.Unmarshal([]byte(body), &ans); err != nil || code != http.StatusUnprocessableEntity || len(ans.Problems) != 5 {
		t.Fatalf("bad file: %d %s, want 422 with 5 problems", code, body)
	}
	if ans.Problems[1].Record != "products[1]" || !strings.Contains(ans.Problems[1].Message, "width") {
		t.Errorf("second problem = %+v, want products[1]'s width", ans.Problems[1])
	}
	if ps, _, _ := e.svc.Store.Products(t.Context(), e.a.ID, web.ProductQuery{Limit: 10}); len(ps) != 0 {
		t.Errorf("a bad file imported %d products", len(ps))
	}

	good := `{"currency":"EUR","categories":[{"id":"lamps","name":"Lamps"}],"products":[
		{"id":"lamp-1","name":"Reading lamp","category":"lamps","width":30,"depth":30,"height":150,"price":4999,"color":"#ddcc00"}]}`
	if code, body := e.upload(c, good); code != http.StatusOK || !strings.Contains(body, `"products":1`) {
		t.Fatalf("good file: %d %s", code, body)
	}
	if _, page := e.get(c); !strings.Contains(page, "Reading lamp") || !strings.Contains(page, "49.99 EUR") {
		t.Errorf("the page does not list the imported product")
	}
	if ps, _, _ := e.svc.Store.Products(t.Context(), e.b.ID, web.ProductQuery{Limit: 10}); len(ps) != 0 {
		t.Errorf("alpha's import reached beta's catalog")
	}
	// A cross-site upload is refused before it is read.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/console/catalog", strings.NewReader(good))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if code, _ := e.do(c, req); code != http.StatusForbidden {
		t.Errorf("cross-site upload: %d, want 403", code)
	}
}
