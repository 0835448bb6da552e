package retailermetrics

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/roomplanner/planner/web"
)

const okLoad = "k3Jf-9_aZ0b1c2d3"

func TestParseBatchRefuses(t *testing.T) {
	t.Parallel()
	ev := func(events string) string { return `{"load":"` + okLoad + `","events":[` + events + `]}` }
	tests := []struct {
		name, body, field string
	}{
		{"not JSON", `nope`, "body"},
		{"an array", `[]`, "body"},
		{"unknown key", `{"load":"` + okLoad + `","events":[{"type":"heartbeat"}],"uid":"alice"}`, "body"},
		{"key in other case", `{"Load":"` + okLoad + `","events":[{"type":"heartbeat"}]}`, "body"},
		{"duplicate key", `{"load":"` + okLoad + `","load":"` + okLoad + `","events":[{"type":"heartbeat"}]}`, "body"},
		{"trailing data", ev(`{"type":"heartbeat"}`) + `{}`, "body"},
		{"no load", `{"events":[{"type":"heartbeat"}]}`, "load"},
		{"short load", `{"load":"abc","events":[{"type":"heartbeat"}]}`, "load"},
		{"load with a dot", `{"load":"abcdefghijklmno.","events":[{"type":"heartbeat"}]}`, "load"},
		{"no events", ev(``), "events"},
		{"events not an array", `{"load":"` + okLoad + `","events":{}}`, "events"},
		{"too many events", ev(strings.Repeat(`{"type":"heartbeat"},`, MaxBatchEvents) + `{"type":"heartbeat"}`), "events"},
		{"unknown type", ev(`{"type":"page.viewed"}`), "events[0].type"},
		{"type not a string", ev(`{"type":1}`), "events[0].type"},
		{"extra field", ev(`{"type":"planner.opened","uid":"alice"}`), "events[0]"},
		{"duplicate type", ev(`{"type":"heartbeat","type":"heartbeat"}`), "events[0]"},
		{"count missing", ev(`{"type":"product.added"}`), "events[0].count"},
		{"count zero", ev(`{"type":"product.added","count":0}`), "events[0].count"},
		{"count too big", ev(`{"type":"product.added","count":101}`), "events[0].count"},
		{"count a fraction", ev(`{"type":"product.added","count":1.5}`), "events[0].count"},
		{"count with exponent", ev(`{"type":"product.added","count":1e1}`), "events[0].count"},
		{"count negative", ev(`{"type":"held.failed","count":-1}`), "events[0].count"},
		{"count a string", ev(`{"type":"held.failed","count":"1"}`), "events[0].count"},
		{"count with leading zero", ev(`{"type":"held.failed","count":01}`), "body"},
		{"value too big", ev(`{"type":"basket.sent","lines":1,"value":10000000001,"currency":"EUR"}`), "events[0].value"},
		{"currency lower case", ev(`{"type":"basket.sent","lines":1,"value":1,"currency":"eur"}`), "events[0].currency"},
		{"hold too long", ev(`{"type":"token.expired","heldCalls":1,"holdMs":600001}`), "events[0].holdMs"},
		{"unknown reason", ev(`{"type":"auth.failed","reason":"bad"}`), "events[0].reason"},
		{"later event bad", ev(`{"type":"heartbeat"},{"type":"nope"}`), "events[1].type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseBatch([]byte(tc.body))
			var we *web.Error
			if !asWebError(err, &we) || we.Code != web.EValidation {
				t.Fatalf("err = %v, want validation_failed", err)
			}
			if we.Field != tc.field {
				t.Errorf("field = %q, want %q (%s)", we.Field, tc.field, we.Message)
			}
		})
	}
	if _, err := ParseBatch(make([]byte, MaxBatchBytes+1)); web.ErrorCode(err) != web.EPayloadTooLarge {
		t.Errorf("a body over 4 KiB: %v, want payload_too_large", err)
	}
	if _, err := ParseBatch([]byte{0xff}); web.ErrorCode(err) != web.EValidation {
		t.Errorf("not UTF-8: %v, want validation_failed", err)
	}
}

func asWebError(err error, we **web.Error) bool {
	e, ok := err.(*web.Error)
	*we = e
	return ok
}

func TestParseBatchAccepts(t *testing.T) {
	t.Parallel()
	b, err := ParseBatch([]byte(`{"events":[{"type":"planner.opened"},{"count":2,"type":"product.added"},
		{"type":"basket.sent","lines":3,"value":0,"currency":"JPY"},{"type":"token.expired","heldCalls":0,"holdMs":0},
		{"type":"auth.failed","reason":"forbidden"},{"type":"heartbeat"}],"load":"` + okLoad + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	if b.Load != okLoad || !b.Opened || !b.Heartbeat || b.ProductsAdded != 2 || len(b.Baskets) != 1 || b.Baskets[0].Currency != "JPY" ||
		len(b.Episodes) != 1 || b.AuthFailures[AuthFailedForbidden] != 1 {
		t.Errorf("batch = %+v", b)
	}
}

// FuzzParseBatch checks that the parser never panics, that what it accepts
// is within its bounds, and that an accepted batch re-encoded canonically
// parses to the same batch.
func FuzzParseBatch(f *testing.F) {
	f.Add([]byte(`{"load":"` + okLoad + `","events":[{"type":"planner.opened"}]}`))
	f.Add([]byte(`{"load":"` + okLoad + `","events":[{"type":"basket.sent","lines":3,"value":12900,"currency":"EUR"},{"type":"token.expired","heldCalls":2,"holdMs":1500}]}`))
	f.Add([]byte(`{"load":"` + okLoad + `","events":[{"type":"product.added","count":1e2}]}`))
	f.Add([]byte(`{"load":"` + okLoad + `","events":[{"type":"auth.failed","reason":"other"},{"type":"held.failed","count":100}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBatch(data)
		if err != nil {
			if c := web.ErrorCode(err); c != web.EValidation && c != web.EPayloadTooLarge {
				t.Fatalf("error code %q: %v", c, err)
			}
			return
		}
		if !validLoad(b.Load) || b.ProductsAdded < 0 || b.HeldFailed < 0 {
			t.Fatalf("accepted out of bounds: %+v", b)
		}
		n := len(b.Baskets) + len(b.Episodes)
		if n > MaxBatchEvents || b.ProductsAdded > maxCount*MaxBatchEvents {
			t.Fatalf("accepted too much: %+v", b)
		}
		for _, bk := range b.Baskets {
			if bk.Lines < 1 || bk.Lines > maxLines || bk.Value < 0 || bk.Value > maxValue || !validCurrency(bk.Currency) {
				t.Fatalf("accepted basket %+v", bk)
			}
		}
		// Re-encode what was understood and parse it again.
		var events []map[string]any
		if b.Opened {
			events = append(events, map[string]any{"type": EventPlannerOpened})
		}
		for _, bk := range b.Baskets {
			events = append(events, map[string]any{"type": EventBasketSent, "lines": bk.Lines, "value": bk.Value, "currency": bk.Currency})
		}
		for _, ep := range b.Episodes {
			events = append(events, map[string]any{"type": EventTokenExpired, "heldCalls": ep.HeldCalls, "holdMs": ep.Hold.Milliseconds()})
		}
		if len(events) == 0 {
			return
		}
		again, err := json.Marshal(map[string]any{"load": b.Load, "events": events})
		if err != nil {
			t.Fatal(err)
		}
		b2, err := ParseBatch(again)
		if err != nil {
			t.Fatalf("re-encoded batch refused: %v\n%s", err, again)
		}
		if b2.Opened != b.Opened || len(b2.Baskets) != len(b.Baskets) || len(b2.Episodes) != len(b.Episodes) {
			t.Fatalf("round trip changed the batch: %+v vs %+v", b2, b)
		}
	})
}
