package static

import (
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestStrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, in, want string
	}{
		{"comments and indentation go", "a.js",
			"/**\n * Doc.\n * @param {number} x\n */\nexport function f(x) {\n  // why\n\n  return x; // kept\n}\n",
			"export function f(x) {\nreturn x; // kept\n}\n"},
		{"one-line block comment", "a.js", "  /** @type {number} */\n  let n = 1;\n", "let n = 1;\n"},
		{"block comment then code", "a.js", "/* a */ let n = 1;\n", "/* a */ let n = 1;\n"},
		{"code after a multi-line comment ends", "a.js", "/* a\n b */ let n = 1;\n", "let n = 1;\n"},
		{"comment markers in strings", "a.js",
			"const u = 'http://x';\nconst v = \"/* not a comment\";\n  // gone\nconst w = 1;\n",
			"const u = 'http://x';\nconst v = \"/* not a comment\";\nconst w = 1;\n"},
		{"template literal lines are content", "a.js",
			"const t = `\n  // this stays\n\n  /* so does this */\n  ${x}`;\n  // gone\n",
			"const t = `\n  // this stays\n\n  /* so does this */\n  ${x}`;\n"},
		{"escaped backtick", "a.js", "const t = `a\\`\n  // stays\n`;\n", "const t = `a\\`\n  // stays\n`;\n"},
		{"backtick in a string", "a.js", "const q = '`';\n  // gone\nx();\n", "const q = '`';\nx();\n"},
		{"division and regex are code", "a.js", "  a = b / c;\n  /^\\/\\//.test(s);\n", "a = b / c;\n/^\\/\\//.test(s);\n"},
		{"css", "a.css", "/* Layout */\n.a {\n  color: red; /* why */\n}\n\n/*\n * more\n */\n.b { }\n",
			".a {\ncolor: red; /* why */\n}\n.b { }\n"},
		{"css keeps // (a URL, not a comment)", "a.css", "  background: url(//x/y.png);\n", "background: url(//x/y.png);\n"},
		{"other files unchanged", "a.d.ts", "  // kept\n", "  // kept\n"},
		{"no final newline", "a.js", "x()", "x()\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := string(Strip(tt.file, []byte(tt.in)))
			if got != tt.want {
				t.Errorf("Strip(%q) =\n%q\nwant\n%q", tt.in, got, tt.want)
			}
			if again := string(Strip(tt.file, []byte(got))); again != got {
				t.Errorf("Strip is not idempotent:\n%q\nthen\n%q", got, again)
			}
		})
	}
}

// servedScripts returns every script the browser is served (tests excluded).
func servedScripts(t *testing.T) []string {
	t.Helper()
	var names []string
	err := fs.WalkDir(FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && path.Ext(name) == ".js" && !strings.HasSuffix(name, ".test.js") {
			names = append(names, name)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 10 {
		t.Fatalf("found only %d scripts: %v", len(names), names)
	}
	return names
}

// TestStrippedScriptsParse checks that every shipped script still parses as
// an ES module once stripped (node --check), so the stripper cannot break the
// planner in a way only a browser would see.
func TestStrippedScriptsParse(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("SKIPPED: node is not installed, so stripped scripts are not syntax-checked")
	}
	dir := t.TempDir()
	for _, name := range servedScripts(t) {
		src, err := fs.ReadFile(FS, name)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, strings.ReplaceAll(name, "/", "_")+".mjs")
		if err := os.WriteFile(file, Strip(name, src), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(node, "--check", file).CombinedOutput(); err != nil {
			t.Errorf("stripped %s does not parse: %v\n%s", name, err, out)
		}
	}
}

// plannerBudget is the limit on the JS + CSS the planner page loads.
const plannerBudget = 168 << 10

var importRE = regexp.MustCompile(`(?m)^(?:import|export)\b[^'"\n]*?from\s*'(\.[^']+)';?$|^import\s*'(\.[^']+)';?$`)

// TestPlannerPageWeight adds up what the planner page loads as served: its
// stylesheet and every module reachable from main.js.
func TestPlannerPageWeight(t *testing.T) {
	t.Parallel()
	seen := map[string]int{}
	var walk func(name string)
	walk = func(name string) {
		if _, ok := seen[name]; ok {
			return
		}
		src, err := fs.ReadFile(FS, name)
		if err != nil {
			t.Fatalf("the planner page loads %s: %v", name, err)
		}
		out := Strip(name, src)
		seen[name] = len(out)
		for _, m := range importRE.FindAllSubmatch(out, -1) {
			rel := string(m[1]) + string(m[2])
			walk(path.Join(path.Dir(name), rel))
		}
	}
	walk("planner/main.js")
	walk("planner/planner.css")
	if _, ok := seen["planner/editor/editor.js"]; !ok || len(seen) < 8 {
		t.Fatalf("the import walk found only %v", seen)
	}
	total := 0
	for _, n := range seen {
		total += n
	}
	t.Logf("planner page: %d files, %d bytes (%.1f KiB) served", len(seen), total, float64(total)/1024)
	if total > plannerBudget {
		t.Errorf("planner page loads %d bytes of JS + CSS, budget %d: %v", total, plannerBudget, seen)
	}
}
