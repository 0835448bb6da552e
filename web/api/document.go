package api

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web/catalog"
)

// openAPIDocument is the API's contract (openapi.json, OpenAPI 3.1), served
// at /openapi.json. It is written as JSON, not YAML, so that serving it needs
// no YAML parser: the bytes go out as they are. The contract tests check
// every API test's requests and answers against it.
//
//go:embed openapi.json
var openAPIDocument []byte

// catalogSchema is the JSON Schema of catalog import files, served at
// /schemas/catalog.json.
var catalogSchema = catalog.Schema()

// handleDocument serves a fixed document with a strong ETag: clients and
// caches may keep it for 5 minutes, then revalidate (304).
func handleDocument(body []byte, contentType string) echo.HandlerFunc {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set(echo.HeaderContentType, contentType)
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("ETag", etag)
		// ServeContent answers If-None-Match (304), HEAD and ranges.
		http.ServeContent(c.Response(), c.Request(), "", time.Time{}, bytes.NewReader(body))
		return nil
	}
}
