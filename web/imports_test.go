package web_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/roomplanner/planner"

// moduleImports parses the import lines of every non-test Go file of the
// module and returns, per package, what it imports. It reads the files
// itself (not through "go list") so that go test's cache sees them: an
// edited import reruns the test.
func moduleImports(t *testing.T) map[string][]string {
	t.Helper()
	root := ".."
	pkgs := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := module
		if rel != "." {
			pkg += "/" + filepath.ToSlash(rel)
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if !slices.Contains(pkgs[pkg], p) {
				pkgs[pkg] = append(pkgs[pkg], p)
			}
		}
		if _, ok := pkgs[pkg]; !ok {
			pkgs[pkg] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 10 {
		t.Fatalf("found %d packages, want the whole module", len(pkgs))
	}
	return pkgs
}

// deps returns everything pkg imports directly or through the module's own
// packages.
func deps(pkgs map[string][]string, pkg string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		for _, imp := range pkgs[p] {
			if !seen[imp] {
				seen[imp] = true
				walk(imp)
			}
		}
	}
	walk(pkg)
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// stdlib reports whether path is a standard-library package: its first
// element has no dot (golang.org/x/... and every module path do).
func stdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// TestImportGuards keeps the package graph the layout promises (web/doc.go):
// the root package is a leaf of the standard library, the live channel does
// not depend on the HTTP API (or echo), and the BFF a host site imports
// depends on no part of the planner service but the wire rules.
func TestImportGuards(t *testing.T) {
	t.Parallel()
	pkgs := moduleImports(t)
	for _, imp := range pkgs[module+"/web"] {
		if !stdlib(imp) {
			t.Errorf("package web imports %s; it must import only the standard library", imp)
		}
	}
	for _, dep := range deps(pkgs, module+"/web/live") {
		if dep == module+"/web/api" || strings.HasPrefix(dep, "github.com/labstack/echo") {
			t.Errorf("web/live depends on %s; the live channel must not need the HTTP API or echo", dep)
		}
	}
	// bff may use the root package's wire rules and the shared keyed limiter
	// (bff/doc.go says why); nothing else of the service.
	bffMay := map[string]bool{module + "/web": true, module + "/web/ratelimit": true}
	for _, dep := range deps(pkgs, module+"/bff") {
		if strings.HasPrefix(dep, module+"/") && !bffMay[dep] {
			t.Errorf("bff depends on %s; a host site must not pull in the planner service", dep)
		}
		// Its metrics are hand-written text: a host keeps its own choice of
		// metrics library (bff/metrics_test.go parses them with Prometheus's).
		if strings.HasPrefix(dep, "github.com/prometheus/") {
			t.Errorf("bff depends on %s; its metrics must stay hand-written", dep)
		}
	}
}
