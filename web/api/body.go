package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web"
)

// readBody reads the whole request body, at most limit bytes, and leaves a
// copy in place for parsers that read it again (ParseForm). Every way a
// client can break a body is its own fault, not the service's: too large is
// payload_too_large, and bad chunking, a body cut short or one that stalls
// past the server's read deadline are validation_failed (400), never an
// internal error, so a broken client cannot write error-level log lines.
func readBody(c echo.Context, limit int64) ([]byte, error) {
	r := c.Request()
	b, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, web.Errorf(web.EPayloadTooLarge, "request body is larger than %d KiB", mbe.Limit>>10)
		}
		return nil, web.Errorf(web.EValidation, "request body could not be read (broken chunked encoding, cut short, or too slow)")
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, nil
}
