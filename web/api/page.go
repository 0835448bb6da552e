package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/static"
	"github.com/roomplanner/planner/templates"
	"github.com/roomplanner/planner/web"
)

// plannerCSP is the planner page's policy; frame-ancestors is added per retailer.
const plannerCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors "

// handlePlannerPage renders the iframe app for a retailer's distribution, with
// its registered origins as frame-ancestors and as the page's message allow-list.
func handlePlannerPage(retailers RetailerStore, publicURL string) echo.HandlerFunc {
	return func(c echo.Context) error {
		d := c.QueryParam("d")
		if d == "" || len(d) > 64 {
			return web.Errorf(web.ENotFound, "the planner URL needs ?d=<distribution id>")
		}
		r, err := retailers.RetailerByDistribution(c.Request().Context(), d)
		if err != nil {
			return err
		}
		ancestors := "'none'"
		if len(r.Origins) > 0 {
			ancestors = strings.Join(r.Origins, " ")
		}
		h := c.Response().Header()
		h.Set("Content-Security-Policy", plannerCSP+ancestors)
		h.Set("Cache-Control", "no-store")
		locale := c.QueryParam("locale")
		if locale != "fr" {
			locale = "en"
		}
		ws := "ws" + strings.TrimPrefix(publicURL, "http") + "/ws"
		props := templates.PlannerPageProps{
			Config: templates.PlannerConfig{
				Origins: r.Origins, APIBase: publicURL, Distribution: r.DistributionID,
				RetailerName: r.Name, Locale: locale, LiveURL: ws,
			},
			NoOrigins: len(r.Origins) == 0,
		}
		if props.Config.Origins == nil {
			props.Config.Origins = []string{}
		}
		return templates.Render(c.Response(), c.Request(), http.StatusOK, templates.PlannerPage(props))
	}
}

// handleStatic serves the embedded browser code. Module scripts are fetched
// same-origin by the planner page, and cross-origin by host pages that import
// the SDK, hence the CORS header on /static/embed/ only. Scripts and styles
// are served stripped of comments and indentation (static.Strip), prepared
// once here; every file carries a content ETag, so the browser's revalidation
// (Cache-Control: no-cache) costs a 304.
func handleStatic() echo.HandlerFunc {
	assets := loadAssets(static.FS)
	return func(c echo.Context) error {
		p := strings.TrimPrefix(c.Request().URL.Path, "/static/")
		a, ok := assets[p]
		if !ok || strings.HasSuffix(p, ".test.js") {
			return web.Errorf(web.ENotFound, "no such file")
		}
		h := c.Response().Header()
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", a.etag)
		if strings.HasPrefix(p, "embed/") {
			h.Set("Access-Control-Allow-Origin", "*")
		}
		http.ServeContent(c.Response(), c.Request(), p, time.Time{}, bytes.NewReader(a.body))
		return nil
	}
}

// asset is one served file.
type asset struct {
	body []byte
	etag string
}

// loadAssets reads every file of fsys, stripped for serving.
func loadAssets(fsys fs.FS) map[string]asset {
	assets := make(map[string]asset)
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		b = static.Strip(name, b)
		sum := sha256.Sum256(b)
		assets[name] = asset{body: b, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		// The files are embedded in the binary: failing to read one is a build defect.
		panic(fmt.Sprintf("read embedded static files: %v", err))
	}
	return assets
}
