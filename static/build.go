package static

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
	"golang.org/x/sync/errgroup"
)

// Page is the browser code one kind of page loads, bundled together: its
// entry points (a script and its stylesheets, as paths in the file system,
// e.g. "planner/main.js"). Modules a script loads with import() become
// chunks of their own beside it, fetched only when imported.
type Page struct {
	Entries []string
}

// pages are the bundles both servers serve: the planner iframe app, the
// host SDK on its own (what integrators import), the reference host
// site's page script, which bundles its copy of the SDK so the host page
// loads one script, and the retailer console's scripts and stylesheet.
var pages = []Page{
	{Entries: []string{"planner/main.js", "planner/planner.css"}},
	{Entries: []string{"embed/planner-embed.js"}},
	{Entries: []string{"host/plan.js", "host/site.css"}},
	{Entries: []string{"console/dashboard.js", "console/console.css"}},
}

// rawFiles are served as they are, beside the bundles.
var rawFiles = []string{"embed/planner-embed.d.ts", "planner/favicon.svg"}

// output is one file a build produced, its path relative to /static/.
type output struct {
	name   string
	body   []byte
	entry  string         // the entry point it was built from ("" for chunks and maps)
	deps   []string       // outputs it imports statically (import statements)
	inputs map[string]int // source module → bytes of this output it became (the metafile's bytesInOutput)
}

// namespace is the esbuild namespace of the files read from the fs.FS: the
// build never touches the disk.
const namespace = "static"

// buildPage bundles one page's entry points from fsys: minified ES modules
// (code splitting on, so every import() target is its own chunk), minified
// CSS, linked source maps, content-hashed names (main.3F2A9C1B.js).
func buildPage(fsys fs.FS, p Page) ([]output, error) {
	if len(p.Entries) == 0 {
		return nil, errors.New("a page needs an entry point")
	}
	dir := path.Dir(p.Entries[0])
	res := api.Build(api.BuildOptions{
		EntryPoints:       p.Entries,
		Bundle:            true,
		Write:             false,
		Splitting:         true,
		Format:            api.FormatESModule,
		Target:            api.ES2022,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		LegalComments:     api.LegalCommentsNone,
		Charset:           api.CharsetUTF8,
		Sourcemap:         api.SourceMapLinked,
		Metafile:          true,
		AbsWorkingDir:     "/",
		Outbase:           "/",
		Outdir:            "/out",
		EntryNames:        "[dir]/[name].[hash]",
		ChunkNames:        dir + "/chunk.[hash]",
		AssetNames:        "[dir]/[name].[hash]",
		Plugins:           []api.Plugin{fsPlugin(fsys)},
		LogLevel:          api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		msgs := api.FormatMessages(res.Errors, api.FormatMessagesOptions{Kind: api.ErrorMessage})
		return nil, fmt.Errorf("bundle %s: %s", strings.Join(p.Entries, ", "), strings.Join(msgs, ""))
	}
	var meta struct {
		Outputs map[string]struct {
			EntryPoint string `json:"entryPoint"`
			Inputs     map[string]struct {
				BytesInOutput int `json:"bytesInOutput"`
			} `json:"inputs"`
			Imports []struct {
				Path string `json:"path"`
				Kind string `json:"kind"`
			} `json:"imports"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(res.Metafile), &meta); err != nil {
		return nil, fmt.Errorf("bundle %s: read metafile: %w", dir, err)
	}
	outs := make([]output, 0, len(res.OutputFiles))
	for _, f := range res.OutputFiles {
		name, ok := strings.CutPrefix(f.Path, "/out/")
		if !ok {
			return nil, fmt.Errorf("bundle %s: output %s outside the output directory", dir, f.Path)
		}
		o := output{name: name, body: f.Contents}
		m := meta.Outputs["out/"+name]
		o.entry = strings.TrimPrefix(m.EntryPoint, namespace+":/")
		if !isEntry(p, o.entry) {
			o.entry = "" // a dynamically imported module: a chunk, not a page's entry
		}
		for in, v := range m.Inputs {
			if o.inputs == nil {
				o.inputs = map[string]int{}
			}
			o.inputs[strings.TrimPrefix(in, namespace+":/")] = v.BytesInOutput
		}
		for _, imp := range m.Imports {
			if imp.Kind == "import-statement" {
				o.deps = append(o.deps, strings.TrimPrefix(imp.Path, "out/"))
			}
		}
		outs = append(outs, o)
	}
	return outs, nil
}

func isEntry(p Page, name string) bool {
	for _, e := range p.Entries {
		if e == name {
			return true
		}
	}
	return false
}

// loaders are the file types a bundle may hold, by extension.
var loaders = map[string]api.Loader{
	".js":    api.LoaderJS,
	".css":   api.LoaderCSS,
	".svg":   api.LoaderFile,
	".png":   api.LoaderFile,
	".woff2": api.LoaderFile,
}

// fsPlugin makes esbuild read modules from fsys instead of the disk. Only
// relative imports resolve (shipped code is ours, with explicit .js paths),
// and never to a file outside fsys.
func fsPlugin(fsys fs.FS) api.Plugin {
	return api.Plugin{Name: "static-fs", Setup: func(b api.PluginBuild) {
		b.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			name := a.Path
			if a.Kind != api.ResolveEntryPoint {
				if !strings.HasPrefix(name, "./") && !strings.HasPrefix(name, "../") {
					return api.OnResolveResult{}, fmt.Errorf("import %q: only relative imports are bundled", a.Path)
				}
				name = path.Join(path.Dir(strings.TrimPrefix(a.Importer, "/")), name)
			}
			if !fs.ValidPath(name) {
				return api.OnResolveResult{}, fmt.Errorf("import %q from %s: outside the static files", a.Path, a.Importer)
			}
			return api.OnResolveResult{Path: "/" + name, Namespace: namespace}, nil
		})
		b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: namespace}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			name := strings.TrimPrefix(a.Path, "/")
			loader, ok := loaders[path.Ext(name)]
			if !ok {
				return api.OnLoadResult{}, fmt.Errorf("%s: no loader for this file type", name)
			}
			src, err := fs.ReadFile(fsys, name)
			if err != nil {
				return api.OnLoadResult{}, err
			}
			s := string(src)
			return api.OnLoadResult{Contents: &s, Loader: loader, ResolveDir: "/" + path.Dir(name)}, nil
		})
	}}
}

// Build bundles pages from fsys and prepares every output for serving
// (precompressed, with ETags), adding raw, served as they are. It is what
// both servers do once at start-up with FS; tests call it with fixtures.
func Build(fsys fs.FS, pages []Page, raw []string) (*Bundle, error) {
	results := make([][]output, len(pages))
	var g errgroup.Group
	for i, p := range pages {
		g.Go(func() (err error) {
			results[i], err = buildPage(fsys, p)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	b := &Bundle{files: map[string]*asset{}, entries: map[string]string{}, deps: map[string][]string{}}
	var list []*asset
	add := func(name string, body []byte, immutable bool) error {
		if _, dup := b.files[name]; dup {
			return fmt.Errorf("two outputs named %s", name)
		}
		a := &asset{name: name, body: body, immutable: immutable}
		b.files[name] = a
		list = append(list, a)
		return nil
	}
	type alias struct{ name, of string }
	var aliases []alias
	for _, outs := range results {
		for _, o := range outs {
			if err := add(o.name, o.body, true); err != nil {
				return nil, err
			}
			b.deps[o.name] = o.deps
			if o.entry == "" || strings.HasSuffix(o.name, ".map") {
				continue
			}
			if _, dup := b.entries[o.entry]; dup {
				return nil, fmt.Errorf("entry %s is in two pages", o.entry)
			}
			b.entries[o.entry] = o.name
			// The entry's own name stays served too, revalidated on every
			// use: the stable URL an integrator hard-codes for the SDK.
			aliases = append(aliases, alias{o.entry, o.name})
		}
	}
	for _, name := range raw {
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		if err := add(name, body, false); err != nil {
			return nil, err
		}
	}
	// Precompressing is most of the build's cost (brotli at its best level):
	// spread it over the cores.
	g = errgroup.Group{}
	for _, a := range list {
		g.Go(func() error { return a.prepare() })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, al := range aliases {
		if _, dup := b.files[al.name]; dup {
			return nil, fmt.Errorf("two outputs named %s", al.name)
		}
		a := *b.files[al.of]
		a.name, a.immutable = al.name, false
		b.files[al.name] = &a
	}
	return b, nil
}
