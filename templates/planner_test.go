package templates

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestShellTextMatchesScripts checks that the strings the server paints are
// the ones static/planner/i18n.js (English) and i18n-fr.js (French) relabel
// the page with, so the first paint and a later SetUpSettings never disagree.
func TestShellTextMatchesScripts(t *testing.T) {
	t.Parallel()
	var tables [2]string
	for i, name := range []string{"../static/planner/i18n.js", "../static/planner/i18n-fr.js"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		tables[i] = string(b)
	}
	unescape := strings.NewReplacer(`\'`, `'`).Replace
	for key, want := range shellText {
		// One table line: key: 'text',
		re := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(key) + `: '((?:[^'\\]|\\.)*)',$`)
		var got [2]string
		for i, src := range tables {
			m := re.FindStringSubmatch(src)
			if m == nil {
				t.Errorf("%s has no one-line entry %q", []string{"i18n.js", "i18n-fr.js"}[i], key)
				continue
			}
			got[i] = unescape(m[1])
		}
		if got != want {
			t.Errorf("%s = %q in i18n.js and i18n-fr.js, %q in planner.templ", key, got, want)
		}
	}
}

func TestPlannerPageLocale(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, locale string
		want         []string
	}{
		{"en", "en", []string{`<html lang="en">`, "<title>Room planner · Home Shop</title>", ">Connecting to Home Shop…</span>",
			`<h2 id="catalog-title">Catalog</h2>`, `aria-label="Room editor"`, `<h2 id="projects-title">My projects</h2>`,
			">Sign in on the site to keep your designs.</p>"}},
		{"fr", "fr", []string{`<html lang="fr">`, "<title>Planificateur de pièce · Home Shop</title>", ">Connexion à Home Shop…</span>",
			`<h2 id="catalog-title">Catalogue</h2>`, `aria-label="Éditeur de pièce"`, `<h2 id="projects-title">Mes projets</h2>`,
			">Connectez-vous sur le site pour garder vos créations.</p>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var sb strings.Builder
			p := PlannerPageProps{Config: PlannerConfig{Origins: []string{"https://shop.example"}, Distribution: "d1", RetailerName: "Home Shop", Locale: tt.locale}}
			if err := PlannerPage(p).Render(context.Background(), &sb); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(sb.String(), w) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
}
