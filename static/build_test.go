package static

import (
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// fixture builds testdata/bundle: a page whose script imports a module
// statically and a view lazily, both sharing a module.
func fixture(t *testing.T) *Bundle {
	t.Helper()
	b, err := Build(os.DirFS("testdata/bundle"), []Page{{Entries: []string{"app/main.js", "app/app.css"}}}, nil)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return b
}

// body is the identity body of a served file, failing the test when it is not served.
func body(t *testing.T, b *Bundle, name string) string {
	t.Helper()
	a, ok := b.files[strings.TrimPrefix(name, "/static/")]
	if !ok {
		t.Fatalf("%s is not served; served: %v", name, b.Names())
	}
	return string(a.body)
}

var hashedName = regexp.MustCompile(`^/static/app/main\.[A-Z2-7]{8}\.js$`)

// staticImports are the relative modules a minified output imports with an
// import statement (not import()).
var staticImportRE = regexp.MustCompile(`(?:\bfrom|\bimport)\s*"(\.{1,2}/[^"]+)"`)

func staticImports(src string) []string {
	var out []string
	for _, m := range staticImportRE.FindAllStringSubmatch(src, -1) {
		out = append(out, m[1])
	}
	return out
}

var dynamicImportRE = regexp.MustCompile(`\bimport\("(\.{1,2}/[^"]+)"\)`)

func TestBuildSplitsWhatIsImportedLazily(t *testing.T) {
	t.Parallel()
	b := fixture(t)
	mainURL := b.URL("app/main.js")
	if !hashedName.MatchString(mainURL) {
		t.Errorf("URL(app/main.js) = %q, want a content-hashed name", mainURL)
	}
	main := body(t, b, mainURL)
	if strings.Contains(main, "LAZY_VIEW") || strings.Contains(main, "SHARED_CODE") {
		t.Errorf("the entry holds the lazy view or the shared module:\n%s", main)
	}
	if strings.Contains(main, "shared is used") || strings.Contains(main, "\n  ") {
		t.Errorf("the entry is not minified:\n%s", main)
	}

	// The lazy view is a chunk of its own, reached only through import().
	dyn := dynamicImportRE.FindStringSubmatch(main)
	if dyn == nil {
		t.Fatalf("the entry has no import() left:\n%s", main)
	}
	lazy := body(t, b, path.Join(path.Dir(mainURL), dyn[1]))
	if !strings.Contains(lazy, "LAZY_VIEW") {
		t.Errorf("the import() target lacks the lazy view:\n%s", lazy)
	}

	// The module both share is a third file, imported statically by the
	// entry: the page preloads it.
	imps := staticImports(main)
	if len(imps) != 1 {
		t.Fatalf("entry imports %v statically, want the one shared chunk:\n%s", imps, main)
	}
	sharedURL := path.Join(path.Dir(mainURL), imps[0])
	if !strings.Contains(body(t, b, sharedURL), "SHARED_CODE") {
		t.Errorf("%s lacks the shared module", sharedURL)
	}
	if got := b.Preloads("app/main.js"); !slices.Equal(got, []string{sharedURL}) {
		t.Errorf("Preloads = %v, want [%s]", got, sharedURL)
	}

	// A regular expression holding "/*" is code, not a comment opening.
	if !strings.Contains(main, "/[/*]/") || !strings.Contains(main, "KEPT_AFTER_REGEXP") {
		t.Errorf("the code after /[/*]/ was lost:\n%s", main)
	}
}

func TestBuildLinksSourceMaps(t *testing.T) {
	t.Parallel()
	b := fixture(t)
	for _, entry := range []string{"app/main.js", "app/app.css"} {
		u := b.URL(entry)
		src := body(t, b, u)
		m := regexp.MustCompile(`sourceMappingURL=(\S+\.map)`).FindStringSubmatch(src)
		if m == nil {
			t.Errorf("%s links no source map:\n%s", u, src)
			continue
		}
		var sm struct {
			Sources        []string `json:"sources"`
			SourcesContent []string `json:"sourcesContent"`
		}
		mapURL := path.Join(path.Dir(u), m[1])
		if err := json.Unmarshal([]byte(body(t, b, mapURL)), &sm); err != nil {
			t.Fatalf("%s: %v", mapURL, err)
		}
		if len(sm.Sources) == 0 || !strings.Contains(strings.Join(sm.Sources, " "), entry) || len(sm.SourcesContent) != len(sm.Sources) {
			t.Errorf("%s: sources %v (%d contents), want %s among them with its content", mapURL, sm.Sources, len(sm.SourcesContent), entry)
		}
	}
	css := body(t, b, b.URL("app/app.css"))
	if !strings.HasPrefix(css, "body{color:#333}") {
		t.Errorf("CSS not minified: %q", css)
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := fixture(t), fixture(t)
	na, nb := a.Names(), b.Names()
	slices.Sort(na)
	slices.Sort(nb)
	if !slices.Equal(na, nb) {
		t.Errorf("two builds of the same files name their outputs\n%v\n%v", na, nb)
	}
}

func TestBuildRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
	}{
		{"bare import", "import x from 'left-pad';\nexport default x;\n", "only relative imports"},
		{"outside the files", "import x from '../../outside.js';\nexport default x;\n", "outside the static files"},
		{"missing module", "import './missing.js';\n", "missing.js"},
		{"syntax error", "export const = ;\n", "main.js"},
		{"unknown file type", "import './data.txt';\n", "no loader"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fsys := fstest.MapFS{"p/main.js": {Data: []byte(tt.src)}, "p/data.txt": {Data: []byte("x")}}
			_, err := Build(fsys, []Page{{Entries: []string{"p/main.js"}}}, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build = %v, want an error about %q", err, tt.want)
			}
		})
	}
}

// The planner page's bundle holds all of its code: what its entry imports
// statically is only chunks of the build, never a source module.
func TestPlannerBundleLoadsNoSources(t *testing.T) {
	t.Parallel()
	if err := Load(); err != nil {
		t.Fatal(err)
	}
	b := Default()
	for _, entry := range []string{"planner/main.js", "embed/planner-embed.js", "host/plan.js"} {
		u := b.URL(entry)
		src := body(t, b, u)
		for _, imp := range staticImports(src) {
			if !strings.HasPrefix(path.Base(imp), "chunk.") {
				t.Errorf("%s imports %s, not a chunk of the build", u, imp)
			}
		}
		if !strings.Contains(src, "sourceMappingURL=") {
			t.Errorf("%s links no source map", u)
		}
	}
	// The sources are not served at all.
	for _, name := range []string{"planner/app.js", "planner/editor/editor.js", "embed/guards.js", "planner/api.test.js", "planner/", "planner", ""} {
		if _, ok := b.files[name]; ok {
			t.Errorf("%q is served", name)
		}
	}
}

// The fixture's outputs, written out under their served names, run in node
// as a browser would load them: the entry, its shared chunk, and the lazy
// view through import() by its hashed relative name.
func TestBundleRunsInNode(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("SKIPPED: node is not installed, so the bundle is not run")
	}
	b := fixture(t)
	dir := t.TempDir()
	for name, a := range b.files {
		file := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, a.body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	entry := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(b.URL("app/main.js"), "/static/")))
	script := `const m = await import(process.argv[1]); console.log(m.page()); console.log(await m.openLazy());`
	out, err := exec.Command(node, "--input-type=module", "-e", script, entry).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	want := "SHARED_CODE for main true KEPT_AFTER_REGEXP\nLAZY_VIEW SHARED_CODE for lazy\n"
	if string(out) != want {
		t.Errorf("node printed %q, want %q", out, want)
	}
}
