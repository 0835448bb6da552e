package live_test

import (
	"encoding/json"
	"testing"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/live"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     live.Message
		field    string // of the error; "" for success
	}{
		{"authenticate", `{"type":"authenticate","payload":{"token":"abc"}}`, live.Message{Type: "authenticate", Token: "abc"}, ""},
		{"keys in any order", `{"payload":{"topic":"catalog"},"type":"subscribe"}`, live.Message{Type: "subscribe", Topic: live.TopicCatalog}, ""},
		{"unsubscribe", ` {"type":"unsubscribe","payload":{"topic":"projects"}} `, live.Message{Type: "unsubscribe", Topic: live.TopicProjects}, ""},
		{"empty", ``, live.Message{}, "message"},
		{"array", `[]`, live.Message{}, "message"},
		{"unknown type", `{"type":"ping","payload":{}}`, live.Message{}, "type"},
		{"type not a string", `{"type":1,"payload":{}}`, live.Message{}, "type"},
		{"no payload", `{"type":"authenticate"}`, live.Message{}, "payload"},
		{"duplicate key", `{"type":"authenticate","type":"subscribe","payload":{"token":"a"}}`, live.Message{}, "message"},
		{"case matters", `{"Type":"authenticate","payload":{"token":"a"}}`, live.Message{}, "message"},
		{"extra key", `{"type":"authenticate","payload":{"token":"a"},"x":1}`, live.Message{}, "message"},
		{"extra payload key", `{"type":"authenticate","payload":{"token":"a","uid":"bob"}}`, live.Message{}, "payload"},
		{"empty token", `{"type":"authenticate","payload":{"token":""}}`, live.Message{}, "payload.token"},
		{"token not a string", `{"type":"authenticate","payload":{"token":null}}`, live.Message{}, "payload.token"},
		{"unknown topic", `{"type":"subscribe","payload":{"topic":"orders"}}`, live.Message{}, "payload.topic"},
		{"trailing data", `{"type":"subscribe","payload":{"topic":"catalog"}}{}`, live.Message{}, "message"},
		{"not UTF-8", "{\"type\":\"authenticate\",\"payload\":{\"token\":\"\xff\"}}", live.Message{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := live.Decode([]byte(tt.in))
			if tt.want.Type != "" {
				if err != nil || got != tt.want {
					t.Errorf("Decode(%s) = %+v, %v; want %+v", tt.in, got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Decode(%s) = %+v, want an error", tt.in, got)
			}
			var we *web.Error
			if web.ErrorCode(err) != web.EValidation {
				t.Errorf("code = %q, want %q", web.ErrorCode(err), web.EValidation)
			}
			if tt.field != "" && (!asWebError(err, &we) || we.Field != tt.field) {
				t.Errorf("error %v, want field %q", err, tt.field)
			}
		})
	}
}

func asWebError(err error, we **web.Error) bool {
	e, ok := err.(*web.Error)
	*we = e
	return ok
}

// FuzzDecode checks that Decode never panics, fails only with
// validation_failed, accepts only messages that re-encode to an equal one,
// and decodes as the strict decoder does (its canonical fast path included).
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"type":"authenticate","payload":{"token":"eyJhbGciOiJFZERTQSJ9.e30.sig"}}`,
		`{"type":"authenticate","payload":{"token":"eyJhbGciOiJFZERTQSJ9.e30.s\u0069g"}}`,
		`{"type":"authenticate","payload":{"token":""}}`,
		`{"type":"authenticate","payload":{"token":"a"}} `,
		`{"type":"unsubscribe","payload":{"topic":"catalog"}}`,
		`{"type":"subscribe","payload":{"topic":"projects"}}`,
		`{"type":"subscribe","payload":{"topic":"catalog"}}`,
		`{"type":"unsubscribe","payload":{"topic":"projects"}}`,
		`{"type":"authenticate","payload":{"token":"a\u0000b"}}`,
		`{"type":"subscribe","payload":{"topic":"catalog"},"type":"x"}`,
		`{"payload":{"topic":"catalog"}}`,
		`{"type":"authenticate","payload":{"token":"` + "\xe2\x82" + `"}}`,
		`[1,2,{"type":"subscribe"}]`,
		`{"type":"subscribe","payload":{"topic":"catalog"}} x`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := live.Decode(data)
		if sm, serr := live.DecodeStrict(data); sm != m || (serr == nil) != (err == nil) {
			t.Fatalf("Decode(%q) = %+v, %v; the strict decoder: %+v, %v", data, m, err, sm, serr)
		}
		if err != nil {
			if code := web.ErrorCode(err); code != web.EValidation {
				t.Fatalf("Decode(%q): code %q, want %q", data, code, web.EValidation)
			}
			if m != (live.Message{}) {
				t.Fatalf("Decode(%q) failed but returned %+v", data, m)
			}
			return
		}
		var payload any
		switch m.Type {
		case "authenticate":
			if m.Token == "" || len(m.Token) > 8<<10 || m.Topic != "" {
				t.Fatalf("Decode(%q) = %+v: bad authenticate", data, m)
			}
			payload = map[string]string{"token": m.Token}
		case "subscribe", "unsubscribe":
			if (m.Topic != live.TopicCatalog && m.Topic != live.TopicProjects) || m.Token != "" {
				t.Fatalf("Decode(%q) = %+v: bad subscription", data, m)
			}
			payload = map[string]string{"topic": string(m.Topic)}
		default:
			t.Fatalf("Decode(%q) = %+v: unknown type accepted", data, m)
		}
		again, err := json.Marshal(map[string]any{"type": m.Type, "payload": payload})
		if err != nil {
			t.Fatal(err)
		}
		m2, err := live.Decode(again)
		if err != nil || m2 != m {
			t.Fatalf("round trip of %q: %s decoded to %+v, %v; want %+v", data, again, m2, err, m)
		}
	})
}
