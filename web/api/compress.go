package api

import (
	"net/http"

	"github.com/klauspost/compress/gzhttp"
	"github.com/labstack/echo/v4"
)

// compressMinSize is the smallest answer worth compressing: below about one
// packet the gzip header and the CPU cost more than the bytes saved.
const compressMinSize = 1024

// compressAnswers gzips JSON and HTML answers of at least compressMinSize
// bytes for clients that accept gzip (q-values honoured, Vary:
// Accept-Encoding always set). It goes on routes whose answers hold no
// secret beside attacker-chosen input: never on POST /v1/tokens, whose
// tokens a compression oracle (BREACH) could read out, and never on /ws,
// whose upgrade must reach the socket unwrapped. ETags are kept as they are:
// they are project versions that If-Match sends back, not byte hashes.
func compressAnswers() echo.MiddlewareFunc {
	wrap, err := gzhttp.NewWrapper(
		gzhttp.MinSize(compressMinSize),
		gzhttp.ContentTypes([]string{"application/json", "text/html"}),
		gzhttp.EnableZstd(false),
	)
	if err != nil {
		panic("gzhttp options: " + err.Error()) // constant options: a defect
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			res := c.Response()
			orig := res.Writer
			var err error
			wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				res.Writer = w
				c.SetRequest(r)
				// The error answer is written here, through the compressor,
				// which is closed when this returns.
				if err = next(c); err != nil {
					c.Error(err)
				}
			})).ServeHTTP(orig, c.Request())
			res.Writer = orig
			return err
		}
	}
}
