package api

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/static"
	"github.com/roomplanner/planner/templates"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/retailerops"
)

// plannerCSP is the planner page's policy; the theme's style hash, img-src
// (the retailer's image origins) and frame-ancestors are added per retailer.
const plannerCSP = "default-src 'none'; script-src 'self'; style-src 'self'%s; %s; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors "

// imgSrc is the page's img-src for a retailer's image origins. Each is
// checked again (a row written by hand never reaches the header as it is):
// one that is not an image origin in canonical form is left out.
func imgSrc(origins []string) string {
	ok := make([]string, 0, len(origins))
	for _, o := range origins {
		if n, err := web.NormalizeImageOrigin(o); err == nil && n == o {
			ok = append(ok, o)
		}
	}
	return retailerops.ImgSrc(ok)
}

// styleHash is the CSP source that allows one inline style element whose
// text is css, and nothing else inline.
func styleHash(css string) string {
	sum := sha256.Sum256([]byte(css))
	return " 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

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
		themeCSS, themeSrc := r.Theme.CSS(), ""
		if themeCSS != "" {
			themeSrc = styleHash(themeCSS)
		}
		h := c.Response().Header()
		h.Set("Content-Security-Policy", fmt.Sprintf(plannerCSP, themeSrc, imgSrc(r.ImageOrigins))+ancestors)
		h.Set("Cache-Control", "no-store")
		locale := c.QueryParam("locale")
		if locale != "fr" {
			locale = "en"
		}
		ws := "ws" + strings.TrimPrefix(publicURL, "http") + "/ws"
		props := templates.PlannerPageProps{
			Config: templates.PlannerConfig{
				Origins: r.Origins, APIBase: publicURL, Distribution: r.DistributionID,
				RetailerName: r.Name, Locale: locale, LiveURL: ws, Theme: r.Theme,
			},
			NoOrigins: len(r.Origins) == 0,
			ThemeCSS:  themeCSS,
		}
		if props.Config.Origins == nil {
			props.Config.Origins = []string{}
		}
		return templates.Render(c.Response(), c.Request(), http.StatusOK, templates.PlannerPage(props))
	}
}

// handleStatic serves the embedded browser code (static.Serve says what and how).
// handleFavicon answers /favicon.ico, which browsers ask for whatever the
// page says, with the planner's SVG icon.
func handleFavicon() echo.HandlerFunc {
	return func(c echo.Context) error {
		if !static.Serve(c.Response(), c.Request(), "planner/favicon.svg") {
			return web.Errorf(web.ENotFound, "no such file")
		}
		return nil
	}
}

func handleStatic() echo.HandlerFunc {
	return func(c echo.Context) error {
		if !static.Serve(c.Response(), c.Request(), strings.TrimPrefix(c.Request().URL.Path, "/static/")) {
			return web.Errorf(web.ENotFound, "no such file")
		}
		return nil
	}
}
