package api

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web"
)

const (
	defaultProductLimit = 50
	maxProductLimit     = 200
	maxQueryLen         = 100
)

func handleCategories(catalog CatalogStore) echo.HandlerFunc {
	return func(c echo.Context) error {
		cats, err := catalog.Categories(c.Request().Context(), principal(c).RetailerID)
		if err != nil {
			return err
		}
		if cats == nil {
			cats = []web.Category{}
		}
		return c.JSON(http.StatusOK, map[string]any{"categories": cats})
	}
}

func handleProducts(catalog CatalogStore) echo.HandlerFunc {
	return func(c echo.Context) error {
		q, err := parseProductQuery(c)
		if err != nil {
			return err
		}
		products, next, err := catalog.Products(c.Request().Context(), principal(c).RetailerID, q)
		if err != nil {
			return err
		}
		if products == nil {
			products = []web.Product{}
		}
		return c.JSON(http.StatusOK, map[string]any{"products": products, "nextCursor": next})
	}
}

func parseProductQuery(c echo.Context) (web.ProductQuery, error) {
	q := web.ProductQuery{
		Category: c.QueryParam("category"),
		Q:        strings.TrimSpace(c.QueryParam("q")),
		Cursor:   c.QueryParam("cursor"),
		Limit:    defaultProductLimit,
	}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxProductLimit {
			return q, web.FieldErrorf("limit", "must be from 1 to %d, got %q", maxProductLimit, v)
		}
		q.Limit = n
	}
	if !utf8.ValidString(q.Q) || utf8.RuneCountInString(q.Q) > maxQueryLen {
		return q, web.FieldErrorf("q", "must be at most %d characters", maxQueryLen)
	}
	if len(q.Category) > 64 {
		return q, web.FieldErrorf("category", "must be at most 64 characters")
	}
	if len(q.Cursor) > 64 {
		return q, web.FieldErrorf("cursor", "must be a nextCursor value from a previous page")
	}
	return q, nil
}

func handleProduct(catalog CatalogStore) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := catalog.Product(c.Request().Context(), principal(c).RetailerID, c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, p)
	}
}
