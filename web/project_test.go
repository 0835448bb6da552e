package web

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseProjectDoc(t *testing.T) {
	t.Parallel()
	valid := `{"name":"Living room","room":{"width":400,"depth":300},"items":[{"id":"a","productId":"sofa-oslo-3","x":120,"y":80.5,"rotation":90}]}`
	tests := []struct {
		name      string
		body      string
		wantCode  string
		wantField string
	}{
		{"valid", valid, "", ""},
		{"no items", `{"name":"x","room":{"width":50,"depth":5000}}`, "", ""},
		{"empty", ``, EValidation, ""},
		{"trailing data", valid + `{}`, EValidation, ""},
		{"unknown field", `{"name":"x","room":{"width":400,"depth":300},"owner":"b"}`, EValidation, ""},
		{"width as string", `{"name":"x","room":{"width":"400","depth":300}}`, EValidation, "room.width"},
		{"width too small", `{"name":"x","room":{"width":49,"depth":300}}`, EValidation, "room.width"},
		{"depth too big", `{"name":"x","room":{"width":400,"depth":5001}}`, EValidation, "room.depth"},
		{"blank name", `{"name":"  ","room":{"width":400,"depth":300}}`, EValidation, "name"},
		{"control char in name", `{"name":"a\u0007b","room":{"width":400,"depth":300}}`, EValidation, "name"},
		{"121-char name", `{"name":"` + strings.Repeat("é", 121) + `","room":{"width":400,"depth":300}}`, EValidation, "name"},
		{"120-char name", `{"name":"` + strings.Repeat("é", 120) + `","room":{"width":400,"depth":300}}`, "", ""},
		{"item without id", `{"name":"x","room":{"width":400,"depth":300},"items":[{"productId":"p","x":1,"y":1,"rotation":0}]}`, EValidation, "items[0].id"},
		{"duplicate item id", `{"name":"x","room":{"width":400,"depth":300},"items":[{"id":"a","productId":"p","x":1,"y":1,"rotation":0},{"id":"a","productId":"p","x":1,"y":1,"rotation":0}]}`, EValidation, "items[1].id"},
		{"bad product id", `{"name":"x","room":{"width":400,"depth":300},"items":[{"id":"a","productId":"p q","x":1,"y":1,"rotation":0}]}`, EValidation, "items[0].productId"},
		{"x far away", `{"name":"x","room":{"width":400,"depth":300},"items":[{"id":"a","productId":"p","x":1e9,"y":1,"rotation":0}]}`, EValidation, "items[0].x"},
		{"rotation 45", `{"name":"x","room":{"width":400,"depth":300},"items":[{"id":"a","productId":"p","x":1,"y":1,"rotation":45}]}`, EValidation, "items[0].rotation"},
		{"too large", `{"name":"` + strings.Repeat("x", MaxProjectBody) + `"}`, EPayloadTooLarge, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseProjectDoc([]byte(tc.body))
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				return
			}
			if got := ErrorCode(err); got != tc.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tc.wantCode)
			}
			var e *Error
			_ = asError(err, &e)
			if e.Field != tc.wantField {
				t.Errorf("field = %q, want %q (%v)", e.Field, tc.wantField, err)
			}
		})
	}
}

func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	*target = e
	return ok
}

// FuzzParseProjectDoc checks that no input panics and that whatever is
// accepted satisfies every documented limit and survives a round trip.
func FuzzParseProjectDoc(f *testing.F) {
	f.Add([]byte(`{"name":"Living room","room":{"width":400,"depth":300},"items":[{"id":"a","productId":"sofa-oslo-3","x":120,"y":80.5,"rotation":90}]}`))
	f.Add([]byte(`{"name":"x","room":{"width":50,"depth":5000},"items":[]}`))
	f.Add([]byte(`{"name":"\u0000","room":{"width":-1}}`))
	f.Add([]byte(`[1,2,3]`))
	f.Add([]byte(`{"name":"a","room":{"width":400,"depth":300},"items":[{"id":"a","productId":"b","x":1e308,"y":-0,"rotation":270}]}`))
	f.Add([]byte(v2Doc(v2Room(lPolygon, `[{"id":"d","kind":"door","wall":0,"offset":40,"width":90,"hinge":"start","swing":"in"}]`))))
	f.Add([]byte(v2Doc(v2Room(`[{"x":0,"y":0},{"x":400,"y":300},{"x":400,"y":0},{"x":0,"y":300}]`, `[]`))))
	f.Fuzz(func(t *testing.T, body []byte) {
		doc, err := ParseProjectDoc(body)
		if err != nil {
			if ErrorCode(err) == EInternal {
				t.Fatalf("rejection without a client error code: %v", err)
			}
			return
		}
		checkRoomInvariants(t, doc.Room)
		if len(doc.Items) > MaxProjectItems || strings.TrimSpace(doc.Name) == "" || utf8.RuneCountInString(doc.Name) > MaxProjectName {
			t.Fatalf("accepted doc out of limits: %d items, name %q", len(doc.Items), doc.Name)
		}
		for _, it := range doc.Items {
			if it.Rotation%90 != 0 || it.Rotation < 0 || it.Rotation > 270 || it.ID == "" || it.ProductID == "" {
				t.Fatalf("accepted item %+v", it)
			}
		}
		again, err := json.Marshal(doc)
		if err != nil {
			t.Fatalf("accepted doc does not marshal: %v", err)
		}
		if _, err := ParseProjectDoc(again); err != nil {
			t.Fatalf("accepted doc fails after a round trip: %v\n%s", err, again)
		}
	})
}
