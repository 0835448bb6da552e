package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// undocumented are the routes openapi.json leaves out, and why.
var undocumented = map[string]string{
	"/planner":     "the iframe page (HTML), not an API",
	"/static/*":    "the planner's browser code",
	"/ws":          "the live channel's WebSocket upgrade, which OpenAPI cannot describe (README: Live channel)",
	"/favicon.ico": "the planner page's icon",
	"/console":     "the retailer console's pages (HTML, its own session and CSRF rules)",
	"/console/*":   "the retailer console's pages and its session-bound JSON",
}

// isUndocumented reports whether a request's path is one of undocumented.
func isUndocumented(path string) bool {
	return path == "/planner" || path == "/ws" || path == "/favicon.ico" || path == "/console" || strings.HasPrefix(path, "/static/") || strings.HasPrefix(path, "/console/")
}

// contract is openapi.json loaded and checked against the OpenAPI 3.1 rules.
var contract = sync.OnceValues(func() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIDocument)
	if err != nil {
		return nil, fmt.Errorf("load openapi.json: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("openapi.json is not a valid OpenAPI document: %w", err)
	}
	return doc, nil
})

// findOperation finds the document's operation for method and path. It
// matches path templates segment by segment, a parameter being one
// non-empty segment (kin-openapi's routers let /v1/projects match
// /v1/projects/{id}). It returns nil and whether the path is documented.
func findOperation(doc *openapi3.T, method, path string) (*routers.Route, map[string]string, bool) {
	segs := strings.Split(path, "/")
	for tmpl, item := range doc.Paths.Map() {
		tsegs := strings.Split(tmpl, "/")
		if len(tsegs) != len(segs) {
			continue
		}
		params := map[string]string{}
		for i, ts := range tsegs {
			if name, ok := strings.CutPrefix(ts, "{"); ok && segs[i] != "" {
				params[strings.TrimSuffix(name, "}")] = segs[i]
			} else if ts != segs[i] {
				params = nil
				break
			}
		}
		if params == nil {
			continue
		}
		op := item.GetOperation(method)
		if op == nil {
			return nil, nil, true
		}
		return &routers.Route{Spec: doc, Path: tmpl, PathItem: item, Method: method, Operation: op}, params, true
	}
	return nil, nil, false
}

// contractDoc is openapi.json decoded, for the tests that read it as data.
func contractDoc(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openAPIDocument)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// CheckContract wraps an API handler for tests: every request it serves,
// but to the undocumented routes, is checked against openapi.json, and a
// mismatch fails t. An answer must be one the document lists for the
// operation, status included, with the headers and body it describes. A
// request is checked when the answer was a success: the service must not
// accept what the document forbids (a refused request may break the
// document, that is often the test's point). A method or path the document
// lacks must be answered 405 (with Allow) or 404, with the error body.
func CheckContract(t testing.TB, next http.Handler) http.Handler {
	doc, err := contract()
	if err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isUndocumented(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		var reqBody bytes.Buffer
		if r.Body != nil {
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.TeeReader(r.Body, &reqBody), r.Body}
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		res := rec.Result()
		body := rec.Body.Bytes()
		maps(w.Header(), res.Header)
		w.WriteHeader(res.StatusCode)
		_, _ = w.Write(body)
		if res.Header.Get("Content-Encoding") == "gzip" {
			// The document describes the content, not its transfer coding.
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err == nil {
				body, err = io.ReadAll(zr)
			}
			if err != nil {
				t.Errorf("contract: %s %s: gzipped answer does not decode: %v", r.Method, r.URL.Path, err)
				return
			}
		}
		if err := checkExchange(doc, r, reqBody.Bytes(), res, body); err != nil {
			t.Errorf("contract: %s %s answered %d: %v\n%s", r.Method, r.URL.Path, res.StatusCode, err, body)
		}
	})
}

func maps(dst, src http.Header) {
	for k, v := range src {
		dst[k] = v
	}
}

// checkExchange checks one request and its answer against the document.
func checkExchange(doc *openapi3.T, r *http.Request, reqBody []byte, res *http.Response, body []byte) error {
	ctx := context.Background()
	find := r.Clone(ctx)
	if r.Method == http.MethodHead {
		find.Method = http.MethodGet // HEAD is GET without the body
	}
	find.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, pathKnown := findOperation(doc, find.Method, r.URL.Path)
	if route == nil {
		return checkUnrouted(doc, r, res, body, pathKnown)
	}
	opts := &openapi3filter.Options{
		AuthenticationFunc:    presentedCredential,
		IncludeResponseStatus: true,
		ExcludeResponseBody:   r.Method == http.MethodHead,
	}
	in := &openapi3filter.RequestValidationInput{Request: find, PathParams: params, Route: route, Options: opts}
	if res.StatusCode < 400 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			return fmt.Errorf("the service accepted a request the document forbids: %w", err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header, Options: opts}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return err
	}
	if res.StatusCode == http.StatusNotModified && res.Header.Get("ETag") == "" {
		return errors.New("304 without an ETag")
	}
	return nil
}

// checkUnrouted checks the answer to a method or path the document lacks:
// OPTIONS 204, another method 405, an unknown path 404, each with the error
// body but the OPTIONS one, and Allow listing what the document does.
func checkUnrouted(doc *openapi3.T, r *http.Request, res *http.Response, body []byte, pathKnown bool) error {
	want := http.StatusNotFound
	switch {
	case pathKnown && r.Method == http.MethodOptions:
		want = http.StatusNoContent
	case pathKnown:
		want = http.StatusMethodNotAllowed
	}
	switch {
	case res.StatusCode == http.StatusForbidden && errorCode(body) == "tls_required":
		return nil // refused before routing
	case res.StatusCode != want:
		return fmt.Errorf("%s is not in the document: want status %d", r.Method, want)
	case want != http.StatusNotFound:
		if got, wantAllow := res.Header.Get("Allow"), documentedAllow(doc, r.URL.Path); got != wantAllow {
			return fmt.Errorf("Allow = %q, the document says %q", got, wantAllow)
		}
	}
	if want == http.StatusNoContent {
		return nil
	}
	if r.Method != http.MethodHead {
		return validateErrorBody(doc, res, body)
	}
	return nil
}

// documentedAllow is the Allow header the document implies for path:
// OPTIONS, its operations, and HEAD beside GET, in echo's order.
func documentedAllow(doc *openapi3.T, path string) string {
	methods := []string{http.MethodOptions}
	for _, m := range []string{http.MethodDelete, http.MethodGet, http.MethodHead, http.MethodPatch, http.MethodPost, http.MethodPut} {
		probe := m
		if m == http.MethodHead {
			probe = http.MethodGet
		}
		if route, _, _ := findOperation(doc, probe, path); route != nil {
			methods = append(methods, m)
		}
	}
	return strings.Join(methods, ", ")
}

// validateErrorBody checks body against components.schemas.Error.
func validateErrorBody(doc *openapi3.T, res *http.Response, body []byte) error {
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("error answer with Content-Type %q", ct)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("error body is not JSON: %w", err)
	}
	return doc.Components.Schemas["Error"].Value.VisitJSON(v, openapi3.EnableJSONSchema2020())
}

func errorCode(body []byte) string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	return e.Error.Code
}

// presentedCredential passes a security requirement when the request
// carries that kind of credential; whether it is good is the service's
// business (a wrong one is refused, and refusals are not request-checked).
func presentedCredential(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	scheme, _, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, in.SecurityScheme.Scheme) {
		return fmt.Errorf("no %s credential", in.SecurityScheme.Scheme)
	}
	return nil
}

// TestContractRoutes fails when the router has a route the document lacks,
// or the document an operation the router lacks. HEAD routes stand beside
// GET ones and are documented by the document's general rule.
func TestContractRoutes(t *testing.T) {
	t.Parallel()
	srv := NewServer(Config{PublicURL: "http://localhost:8090", Live: fakeLive{}, Console: http.NotFoundHandler()}, slog.New(slog.DiscardHandler), nil, nil, nil, fakeJWKS{func() []byte { return []byte(`{"keys":[]}`) }})
	inRouter := map[string]bool{}
	for _, rt := range srv.e.Routes() {
		inRouter[rt.Method+" "+rt.Path] = true
	}
	var routed []string
	for key := range inRouter {
		method, path, _ := strings.Cut(key, " ")
		if _, ok := undocumented[path]; ok {
			continue
		}
		if method == http.MethodHead && inRouter[http.MethodGet+" "+path] {
			continue
		}
		routed = append(routed, method+" "+openAPIPath(path))
	}
	for path := range undocumented {
		found := false
		for key := range inRouter {
			found = found || strings.HasSuffix(key, " "+path)
		}
		if !found {
			t.Errorf("undocumented lists %s, which the router does not have: take it off", path)
		}
	}
	var documented []string
	for path, item := range contractDoc(t).Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	slices.Sort(routed)
	slices.Sort(documented)
	for _, r := range routed {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routed, d) {
			t.Errorf("openapi.json documents %s, which the router does not have", d)
		}
	}
	if len(documented) < 15 {
		t.Errorf("openapi.json documents %d operations, want every route (at least 15)", len(documented))
	}
}

// TestEveryGETAnswersHEAD checks the router: each GET route has a HEAD
// route beside it, but the live channel's upgrade.
func TestEveryGETAnswersHEAD(t *testing.T) {
	t.Parallel()
	srv := NewServer(Config{PublicURL: "http://localhost:8090", Live: fakeLive{}}, slog.New(slog.DiscardHandler), nil, nil, nil, fakeJWKS{func() []byte { return []byte(`{"keys":[]}`) }})
	routes := map[string]bool{}
	for _, rt := range srv.e.Routes() {
		routes[rt.Method+" "+rt.Path] = true
	}
	gets := 0
	for key := range routes {
		path, ok := strings.CutPrefix(key, "GET ")
		if !ok || path == "/ws" {
			continue
		}
		gets++
		if !routes["HEAD "+path] {
			t.Errorf("GET %s has no HEAD route", path)
		}
	}
	if gets < 10 {
		t.Errorf("found %d GET routes, want at least 10", gets)
	}
}

// openAPIPath turns echo's /v1/projects/:id into /v1/projects/{id}.
func openAPIPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			parts[i] = "{" + name + "}"
		}
	}
	return strings.Join(parts, "/")
}

// TestContractErrorCodes checks that the document's ErrorCode enum is
// exactly the error code constants of package web (web/error.go), so a new
// code cannot ship undocumented.
func TestContractErrorCodes(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "../error.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var consts []string
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !strings.HasPrefix(name.Name, "E") || !ok || lit.Kind != token.STRING {
					continue
				}
				v, _ := strconv.Unquote(lit.Value)
				consts = append(consts, v)
			}
		}
	}
	if len(consts) < 15 {
		t.Fatalf("found %d error code constants in web/error.go, want at least 15", len(consts))
	}
	var enum []string
	for _, v := range contractDoc(t).Components.Schemas["ErrorCode"].Value.Enum {
		enum = append(enum, v.(string))
	}
	slices.Sort(consts)
	slices.Sort(enum)
	for _, c := range consts {
		if !slices.Contains(enum, c) {
			t.Errorf("error code %q (web/error.go) is not in openapi.json's ErrorCode", c)
		}
	}
	for _, c := range enum {
		if !slices.Contains(consts, c) {
			t.Errorf("openapi.json's ErrorCode has %q, which web/error.go does not define", c)
		}
	}
	// Every code the API maps to a status is one of them (statusOf).
	for code := range statusOf {
		if !slices.Contains(enum, code) {
			t.Errorf("statusOf maps %q, which openapi.json does not list", code)
		}
	}
}

// fakeLive stands in for the live channel so that the router has /ws.
type fakeLive struct{}

func (fakeLive) ServeWS(http.ResponseWriter, *http.Request) error { return nil }
