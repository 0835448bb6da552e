package bff_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/bff"
)

// The host site mounts the token endpoint on its echo server; its pages call
// it with fetch and the X-Planner-BFF header, then post the token into the
// planner iframe. Partner-signed mode keeps this example offline; a real host
// reads its config with bff.ConfigFromEnv(os.Getenv).
func Example() {
	tokens, err := bff.New(bff.Config{
		Mode:      bff.ModePartnerSigned,
		APIKey:    "pk_demo",
		APISecret: "sk_demo_never_sent_to_browsers",
		// The host's session decides who is signed in.
		UserFunc: func(r *http.Request) (string, bool) {
			c, err := r.Cookie("demo_user")
			if err != nil {
				return "", false
			}
			return c.Value, true
		},
	})
	if err != nil {
		panic(err)
	}
	defer tokens.Close()

	e := echo.New()
	e.IPExtractor = echo.ExtractIPDirect()
	tokens.Mount(e) // POST /bff/token
	e.GET("/internal/metrics", echo.WrapHandler(tokens.MetricsHandler()))

	ask := func(user string) {
		req := httptest.NewRequest(http.MethodPost, bff.TokenPath, nil)
		req.Header.Set(bff.RequestHeader, "1")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if user != "" {
			req.AddCookie(&http.Cookie{Name: "demo_user", Value: user})
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		var tr bff.TokenResponse
		_ = json.Unmarshal(rec.Body.Bytes(), &tr)
		fmt.Println(rec.Code, tr.Kind, tr.ExpiresIn > 0, rec.Header().Get("Cache-Control"))
	}
	ask("")      // an anonymous visitor
	ask("alice") // a signed-in user
	// On sign-out the host drops the user's token:
	tokens.Forget("alice")

	// Output:
	// 200 legal-entity true no-store
	// 200 user true no-store
}
