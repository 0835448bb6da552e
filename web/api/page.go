package api

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/a-h/templ"
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
		return render(c, http.StatusOK, templates.PlannerPage(props))
	}
}

// render buffers the component so a failed render never sends half a page.
func render(c echo.Context, status int, comp templ.Component) error {
	buf := templ.GetBuffer()
	defer templ.ReleaseBuffer(buf)
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// handleStatic serves the embedded browser code. Module scripts are fetched
// same-origin by the planner page, and cross-origin by host pages that import
// the SDK, hence the CORS header on /static/embed/ only.
func handleStatic() echo.HandlerFunc {
	files := http.StripPrefix("/static/", http.FileServerFS(mustSub(static.FS, ".")))
	return func(c echo.Context) error {
		p := c.Request().URL.Path
		if strings.HasSuffix(p, ".test.js") || strings.HasSuffix(p, "/") {
			return web.Errorf(web.ENotFound, "no such file")
		}
		h := c.Response().Header()
		h.Set("Cache-Control", "no-cache")
		if strings.HasPrefix(p, "/static/embed/") {
			h.Set("Access-Control-Allow-Origin", "*")
		}
		files.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
