package site

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/templates"
)

func (s *Site) handleHome(c echo.Context) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	return templates.Render(c.Response(), c.Request(), http.StatusOK, templates.HomePage(templates.HomePageProps{Layout: s.layout(c, sess, "Home")}))
}

func (s *Site) handlePlan(c echo.Context) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	return templates.Render(c.Response(), c.Request(), http.StatusOK, templates.PlanPage(templates.PlanPageProps{
		Layout: s.layout(c, sess, "Plan your room"),
		Config: templates.PlanPageConfig{PlannerURL: s.cfg.PlannerURL, Distribution: s.cfg.Distribution, User: sess.User.Username, Locale: "en"},
	}))
}
