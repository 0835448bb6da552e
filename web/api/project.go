package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/retailermetrics"
)

const maxIdempotencyKey = 128

func handleProjectList(projects ProjectStore) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := principal(c)
		list, err := projects.Projects(c.Request().Context(), p.RetailerID, p.UID)
		if err != nil {
			return err
		}
		if list == nil {
			list = []web.ProjectSummary{}
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.JSON(http.StatusOK, map[string]any{"projects": list})
	}
}

func handleProjectGet(projects ProjectStore) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := principal(c)
		proj, err := projects.Project(c.Request().Context(), p.RetailerID, p.UID, c.Param("id"))
		if err != nil {
			return err
		}
		return writeProject(c, http.StatusOK, proj)
	}
}

// projectStore is what writes need: projects plus the catalog to check items against.
type projectWriter interface {
	ProjectStore
	MissingProducts(ctx context.Context, retailerID string, ids []string) ([]string, error)
}

func handleProjectCreate(store projectWriter, metrics MetricsRecorder, clock func() time.Time) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := principal(c)
		body, doc, err := readProjectDoc(c, store, p.RetailerID)
		if err != nil {
			return err
		}
		key := c.Request().Header.Get("Idempotency-Key")
		if len(key) > maxIdempotencyKey || strings.ContainsFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
			return web.FieldErrorf("Idempotency-Key", "must be at most %d visible ASCII characters", maxIdempotencyKey)
		}
		hash := sha256.Sum256(body)
		now := clock().UTC()
		proj, created, err := store.CreateProject(c.Request().Context(), web.Project{
			ProjectDoc: doc, ID: web.NewID("prj_"), RetailerID: p.RetailerID, OwnerUID: p.UID,
			Version: 1, CreatedAt: now, UpdatedAt: now,
		}, key, hex.EncodeToString(hash[:]))
		if err != nil {
			return err
		}
		if created {
			metrics.Add(p.RetailerID, retailermetrics.ProjectsCreated, 1)
		} else {
			c.Response().Header().Set("Idempotent-Replayed", "true")
		}
		c.Response().Header().Set(echo.HeaderLocation, "/v1/projects/"+proj.ID)
		return writeProject(c, http.StatusCreated, proj)
	}
}

func handleProjectUpdate(store projectWriter, metrics MetricsRecorder, clock func() time.Time) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := principal(c)
		version, err := ifMatch(c)
		if err != nil {
			return err
		}
		_, doc, err := readProjectDoc(c, store, p.RetailerID)
		if err != nil {
			return err
		}
		proj, err := store.UpdateProject(c.Request().Context(), p.RetailerID, p.UID, c.Param("id"), version, doc, clock().UTC())
		if err != nil {
			return err
		}
		metrics.Add(p.RetailerID, retailermetrics.ProjectsSaved, 1)
		return writeProject(c, http.StatusOK, proj)
	}
}

func handleProjectDelete(projects ProjectStore, metrics MetricsRecorder) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := principal(c)
		version, err := ifMatch(c)
		if err != nil {
			return err
		}
		if err := projects.DeleteProject(c.Request().Context(), p.RetailerID, p.UID, c.Param("id"), version); err != nil {
			return err
		}
		metrics.Add(p.RetailerID, retailermetrics.ProjectsDeleted, 1)
		return c.NoContent(http.StatusNoContent)
	}
}

// readProjectDoc reads, parses and validates a project document, including
// that every item is a product of the retailer's catalog.
func readProjectDoc(c echo.Context, catalog projectWriter, retailerID string) ([]byte, web.ProjectDoc, error) {
	if ct := c.Request().Header.Get(echo.HeaderContentType); !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return nil, web.ProjectDoc{}, web.Errorf(web.EValidation, "body: Content-Type must be application/json")
	}
	body, err := readBody(c, web.MaxProjectBody)
	if err != nil {
		return nil, web.ProjectDoc{}, err
	}
	doc, err := web.ParseProjectDoc(body)
	if err != nil {
		return nil, doc, err
	}
	missing, err := catalog.MissingProducts(c.Request().Context(), retailerID, doc.ProductIDs())
	if err != nil {
		return nil, doc, err
	}
	if len(missing) > 0 {
		for i, it := range doc.Items {
			if it.ProductID == missing[0] {
				return nil, doc, web.FieldErrorf(fmt.Sprintf("items[%d].productId", i), "%q is not in this retailer's catalog", it.ProductID)
			}
		}
	}
	return body, doc, nil
}

// ifMatch reads the required If-Match version: 3, "3" or W/"3".
func ifMatch(c echo.Context) (int64, error) {
	v := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if v == "" {
		return 0, web.FieldErrorf("If-Match", "header with the project's current version is required (it protects against overwriting a change made elsewhere)")
	}
	v = strings.Trim(strings.TrimPrefix(v, "W/"), `"`)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, web.FieldErrorf("If-Match", "must be a project version such as \"3\", got %q", c.Request().Header.Get("If-Match"))
	}
	return n, nil
}

func writeProject(c echo.Context, status int, p web.Project) error {
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "no-store")
	h.Set("ETag", strconv.Quote(strconv.FormatInt(p.Version, 10)))
	if p.Items == nil {
		p.Items = []web.Item{}
	}
	return c.JSON(status, p)
}
