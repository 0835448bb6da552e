package templates

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/a-h/templ"
)

func TestRender(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name        string
		status      int
		contentType string // already set by the caller
		c           templ.Component
		wantErr     error
		wantCode    int // the recorder's, 200 when nothing was written
		wantBody    string
		wantType    string
	}{
		{
			name: "page", status: http.StatusCreated,
			c: templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
				_, err := io.WriteString(w, "<p>hello</p>")
				return err
			}),
			wantCode: http.StatusCreated, wantBody: "<p>hello</p>", wantType: "text/html; charset=UTF-8",
		},
		{
			name: "caller's content type kept", status: http.StatusOK, contentType: "application/xhtml+xml",
			c:        templ.Raw("<p/>"),
			wantCode: http.StatusOK, wantBody: "<p/>", wantType: "application/xhtml+xml",
		},
		{
			name: "failed render sends nothing", status: http.StatusOK,
			c: templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
				_, _ = io.WriteString(w, "<p>half a pa")
				return boom
			}),
			wantErr: boom, wantCode: http.StatusOK, wantBody: "", wantType: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			if tt.contentType != "" {
				rec.Header().Set("Content-Type", tt.contentType)
			}
			err := Render(rec, httptest.NewRequest("GET", "/", nil), tt.status, tt.c)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil && rec.Flushed {
				t.Error("a failed render flushed the response")
			}
			if rec.Code != tt.wantCode || rec.Body.String() != tt.wantBody {
				t.Errorf("response = %d %q, want %d %q", rec.Code, rec.Body, tt.wantCode, tt.wantBody)
			}
			if got := rec.Header().Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
		})
	}
}
