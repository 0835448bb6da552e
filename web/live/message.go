package live

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"time"
	"unicode/utf8"

	"github.com/roomplanner/planner/web"
)

// Message types. Clients send authenticate, subscribe and unsubscribe; the
// server sends the others.
const (
	typeAuthenticate  = "authenticate"
	typeSubscribe     = "subscribe"
	typeUnsubscribe   = "unsubscribe"
	typeAuthenticated = "authenticated"
	typeSubscribed    = "subscribed"
	typeUnsubscribed  = "unsubscribed"
	typeEvent         = "event"
	typeError         = "error"
	typeTokenExpired  = "tokenExpired"
	typeResync        = "resync"
)

// maxTokenLen bounds the token of an authenticate message (the verifier's
// own limit is lower; this only keeps junk out of the decoder).
const maxTokenLen = 8 << 10

// envelope is every message on the wire: {"type": ..., "payload": {...}}.
type envelope struct {
	Type    string `json:"type"`
	Payload any    `json:"payload,omitempty"`
}

// Message is a decoded client message.
type Message struct {
	Type  string // "authenticate", "subscribe" or "unsubscribe"
	Token string // authenticate: the token
	Topic Topic  // subscribe, unsubscribe: the topic
}

// Decode parses one client message strictly: a single JSON object with
// exactly the keys "type" and "payload" (case-sensitive, each once), a known
// type, and the payload object that type needs with exactly its own keys; no
// trailing data. Every failure is a web.EValidation error that is safe to
// send back.
func Decode(data []byte) (Message, error) {
	if m, ok := decodeCanonical(data); ok {
		return m, nil
	}
	return decodeStrict(data)
}

// Canonical authenticate message around its token.
const (
	authenticatePrefix = `{"type":"authenticate","payload":{"token":"`
	authenticateSuffix = `"}}`
)

// decodeCanonical decodes the messages as the planner writes them
// (JSON.stringify of {type, payload}: no spaces, keys in order, a token of
// JWT characters only, which need no escaping), sparing the strict decoder's
// work on every socket's authenticate. Anything else is not ok and goes to
// decodeStrict, which would decode these to the same Message.
func decodeCanonical(data []byte) (Message, bool) {
	switch string(data) {
	case `{"type":"subscribe","payload":{"topic":"catalog"}}`:
		return Message{Type: typeSubscribe, Topic: TopicCatalog}, true
	case `{"type":"subscribe","payload":{"topic":"projects"}}`:
		return Message{Type: typeSubscribe, Topic: TopicProjects}, true
	case `{"type":"unsubscribe","payload":{"topic":"catalog"}}`:
		return Message{Type: typeUnsubscribe, Topic: TopicCatalog}, true
	case `{"type":"unsubscribe","payload":{"topic":"projects"}}`:
		return Message{Type: typeUnsubscribe, Topic: TopicProjects}, true
	}
	tok, ok := bytes.CutPrefix(data, []byte(authenticatePrefix))
	if !ok {
		return Message{}, false
	}
	if tok, ok = bytes.CutSuffix(tok, []byte(authenticateSuffix)); !ok || len(tok) == 0 || len(tok) > maxTokenLen {
		return Message{}, false
	}
	for _, b := range tok {
		if !jwtByte(b) {
			return Message{}, false
		}
	}
	return Message{Type: typeAuthenticate, Token: string(tok)}, true
}

// jwtByte reports whether b may appear in a compact JWT: base64url and dots.
func jwtByte(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '-' || b == '_' || b == '.'
}

// decodeStrict is Decode for any message.
func decodeStrict(data []byte) (Message, error) {
	if !utf8.Valid(data) {
		return Message{}, web.Errorf(web.EValidation, "message is not UTF-8 text")
	}
	var typ, payload json.RawMessage
	if err := decodeObject(data, "message", map[string]*json.RawMessage{"type": &typ, "payload": &payload}); err != nil {
		return Message{}, err
	}
	var m Message
	if err := decodeString(typ, "type", &m.Type); err != nil {
		return Message{}, err
	}
	switch m.Type {
	case typeAuthenticate:
		var tok json.RawMessage
		if err := decodeObject(payload, "payload", map[string]*json.RawMessage{"token": &tok}); err != nil {
			return Message{}, err
		}
		if err := decodeString(tok, "payload.token", &m.Token); err != nil {
			return Message{}, err
		}
		if len(m.Token) > maxTokenLen {
			return Message{}, web.FieldErrorf("payload.token", "is longer than %d bytes", maxTokenLen)
		}
	case typeSubscribe, typeUnsubscribe:
		var topic json.RawMessage
		if err := decodeObject(payload, "payload", map[string]*json.RawMessage{"topic": &topic}); err != nil {
			return Message{}, err
		}
		var t string
		if err := decodeString(topic, "payload.topic", &t); err != nil {
			return Message{}, err
		}
		switch Topic(t) {
		case TopicCatalog, TopicProjects, TopicMetrics:
			m.Topic = Topic(t)
		default:
			return Message{}, web.FieldErrorf("payload.topic", "must be %q, %q or %q", TopicCatalog, TopicProjects, TopicMetrics)
		}
	default:
		return Message{}, web.FieldErrorf("type", "must be authenticate, subscribe or unsubscribe")
	}
	return m, nil
}

// decodeObject decodes data, which must be one JSON object whose keys are all
// in fields (exact case, each at most once), storing each value's raw JSON.
// Every key in fields is required. name is the object's field name for errors.
func decodeObject(data []byte, name string, fields map[string]*json.RawMessage) error {
	if len(data) == 0 {
		return web.FieldErrorf(name, "is required")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return web.FieldErrorf(name, "must be a JSON object")
	}
	seen := make(map[string]bool, len(fields))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return web.FieldErrorf(name, "is not valid JSON")
		}
		key, _ := tok.(string)
		dst, ok := fields[key]
		switch {
		case !ok:
			return web.FieldErrorf(name, "has an unknown field %q", truncate(key, 40))
		case seen[key]:
			return web.FieldErrorf(name, "has the field %q twice", key)
		}
		seen[key] = true
		if err := dec.Decode(dst); err != nil {
			return web.FieldErrorf(name, "is not valid JSON")
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return web.FieldErrorf(name, "is not valid JSON")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return web.FieldErrorf(name, "has data after the JSON object")
	}
	for key := range fields {
		if !seen[key] {
			return web.FieldErrorf(joinField(name, key), "is required")
		}
	}
	return nil
}

// decodeString decodes a raw JSON value that must be a non-empty string.
func decodeString(raw json.RawMessage, field string, dst *string) error {
	if len(raw) == 0 || raw[0] != '"' {
		return web.FieldErrorf(field, "must be a string")
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return web.FieldErrorf(field, "must be a string")
	}
	if *dst == "" {
		return web.FieldErrorf(field, "is required")
	}
	return nil
}

func joinField(parent, key string) string {
	if parent == "message" {
		return key
	}
	return parent + "." + key
}

// truncate shortens s to at most n bytes on a rune boundary, for echoing
// client input in errors.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Server messages, encoded once where they never change.
var (
	msgTokenExpired = mustEncode(envelope{Type: typeTokenExpired})
	msgResync       = mustEncode(envelope{Type: typeResync})
)

func mustEncode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func encodeAuthenticated(p web.Principal) []byte {
	return mustEncode(envelope{Type: typeAuthenticated, Payload: struct {
		Kind      string `json:"kind"`
		ExpiresAt string `json:"expiresAt"`
	}{p.Kind, p.ExpiresAt.UTC().Format(time.RFC3339)}})
}

func encodeTopic(typ string, t Topic) []byte {
	return mustEncode(envelope{Type: typ, Payload: struct {
		Topic Topic `json:"topic"`
	}{t}})
}

// encodeError is an error message with the API's error codes. request names
// the client message it answers, when known.
func encodeError(err error, request string) []byte {
	p := struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
		Request string `json:"request,omitempty"`
	}{Code: web.ErrorCode(err), Message: web.ErrorMessage(err), Request: request}
	var we *web.Error
	if errors.As(err, &we) {
		p.Field = we.Field
	}
	return mustEncode(envelope{Type: typeError, Payload: p})
}
