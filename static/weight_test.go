package static

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// brotliSize is len(body) compressed as the server does (brotli 11).
func brotliSize(t *testing.T, body []byte) int {
	t.Helper()
	var buf bytes.Buffer
	w := brotli.NewWriterLevel(&buf, brotliBest)
	if _, err := w.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Len()
}

// firstLoadModules may sit in the planner page's first load although they
// live under editor/: the catalog list draws product thumbnails (symbols.js)
// and takes clicks and drags for the editor (catalog-dnd.js).
var firstLoadModules = []string{"planner/editor/catalog-dnd.js", "planner/editor/symbols.js"}

// TestPlannerFirstLoad reads the planner page's build the way esbuild's
// metafile tells it: which source modules each output holds, how many
// bytes of it each became, and which outputs the page loads before any
// import(). It prints the table (the brotli column shares each output's
// compressed size out by bytes, an estimate) and checks that the first load
// leaves out what the page fetches with import(): the room editor, its
// room tools and 3D view, the French table, the metrics reporter.
//
//	go test -v -run TestPlannerFirstLoad ./static/
func TestPlannerFirstLoad(t *testing.T) {
	t.Parallel()
	outs, err := buildPage(FS, pages[0])
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]output{}
	var queue []string
	for _, o := range outs {
		if strings.HasSuffix(o.name, ".map") {
			continue
		}
		byName[o.name] = o
		if o.entry != "" {
			queue = append(queue, o.name)
		}
	}
	first := map[string]bool{}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if first[n] {
			continue
		}
		first[n] = true
		queue = append(queue, byName[n].deps...)
	}

	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	// The first load first, then the chunks import() fetches, largest first.
	slices.SortFunc(names, func(a, b string) int {
		if first[a] != first[b] {
			if first[a] {
				return -1
			}
			return 1
		}
		return len(byName[b].body) - len(byName[a].body)
	})
	var report strings.Builder
	total, totalBr := 0, 0
	inFirst := map[string]bool{}
	for _, n := range names {
		o := byName[n]
		br := brotliSize(t, o.body)
		when := "import()"
		if first[n] {
			when = "first load"
			total += len(o.body)
			totalBr += br
		}
		what := o.entry
		if what == "" {
			what = "a chunk"
		}
		fmt.Fprintf(&report, "\n%-30s %-10s %7d bytes, %6d brotli: %s\n", n, when, len(o.body), br, what)
		mods := make([]string, 0, len(o.inputs))
		for m := range o.inputs {
			mods = append(mods, m)
			if first[n] {
				inFirst[m] = true
			}
		}
		slices.SortFunc(mods, func(a, b string) int { return o.inputs[b] - o.inputs[a] })
		for _, m := range mods {
			fmt.Fprintf(&report, "    %-40s %7d bytes  ~%5d brotli\n", m, o.inputs[m], o.inputs[m]*br/max(len(o.body), 1))
		}
	}
	t.Logf("planner page: first load %d outputs, %d bytes, %d brotli (%.1f KiB)%s", len(first), total, totalBr, float64(totalBr)/1024, report.String())

	for m := range inFirst {
		lazy := strings.HasPrefix(m, "planner/editor/") && !slices.Contains(firstLoadModules, m) ||
			strings.HasPrefix(m, "planner/three-d/") || m == "planner/i18n-fr.js" || m == "planner/events.js"
		if lazy {
			t.Errorf("%s is in the page's first load; it belongs to a part fetched with import()", m)
		}
	}
	for _, m := range []string{"planner/editor/editor.js", "planner/editor/room-tools.js", "planner/three-d/view3d.js", "planner/i18n-fr.js", "planner/events.js"} {
		found := false
		for _, o := range byName {
			_, ok := o.inputs[m]
			found = found || ok
		}
		if !found {
			t.Errorf("%s is in no output of the build", m)
		}
	}
}
