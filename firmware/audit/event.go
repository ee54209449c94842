package audit

import (
	"encoding/json"
	"fmt"
	"reflect"

	"onetrip/firmware/flow"
)

// kinds names every flow event kind in the trail. The names are part of the
// file format: rename a Go type freely, never its name here.
var kinds = map[string]reflect.Type{}

// kindOf is the reverse of kinds.
var kindOf = map[reflect.Type]string{}

func init() {
	for name, ev := range map[string]flow.Event{
		"tap":               flow.Tap{},
		"card-present":      flow.CardPresent{},
		"card-read":         flow.CardRead{},
		"card-failed":       flow.CardFailed{},
		"card-removed":      flow.CardRemoved{},
		"reader-changed":    flow.ReaderChanged{},
		"button":            flow.Button{},
		"tick":              flow.Tick{},
		"ticket-issued":     flow.TicketIssued{},
		"issue-failed":      flow.IssueFailed{},
		"printed":           flow.Printed{},
		"print-failed":      flow.PrintFailed{},
		"printer-changed":   flow.PrinterChanged{},
		"guide-coming":      flow.GuideComing{},
		"guide-unreachable": flow.GuideUnreachable{},
		"bus-changed":       flow.BusChanged{},
		"slip-printed":      flow.SlipPrinted{},
		"slip-failed":       flow.SlipFailed{},
		// Service mode's events: named for completeness, never recorded
		// (the kiosk keeps service mode, and its PIN, out of the trail).
		"button-held":    flow.ButtonHeld{},
		"service-lock":   flow.ServiceLock{},
		"pin-checked":    flow.PINChecked{},
		"self-test-done": flow.SelfTestDone{},
		"service-info":   flow.ServiceInfo{},
		"test-printed":   flow.TestPrinted{},
	} {
		t := reflect.TypeOf(ev)
		kinds[name], kindOf[t] = t, name
	}
}

// frameKind is the kind of an entry that records a presented frame rather
// than an event.
const frameKind = "frame"

// Encode returns the event's kind and its fields as JSON, with the card
// holder masked. It fails for an event kind the trail does not know.
func Encode(ev flow.Event) (kind string, fields []byte, err error) {
	kind, ok := kindOf[reflect.TypeOf(ev)]
	if !ok {
		return "", nil, fmt.Errorf("audit: unknown flow event %T", ev)
	}
	fields, err = json.Marshal(Mask(ev))
	return kind, fields, err
}

// Decode is the inverse of Encode.
func Decode(kind string, fields []byte) (flow.Event, error) {
	t, ok := kinds[kind]
	if !ok {
		return nil, fmt.Errorf("audit: unknown event kind %q", kind)
	}
	v := reflect.New(t)
	if err := json.Unmarshal(fields, v.Interface()); err != nil {
		return nil, fmt.Errorf("audit: %s event: %w", kind, err)
	}
	return v.Elem().Interface().(flow.Event), nil
}

// Mask returns ev with the card holder masked as the screens show it; other
// events carry nothing personal and are returned as they are.
func Mask(ev flow.Event) flow.Event {
	if e, ok := ev.(flow.CardRead); ok {
		e.Holder = MaskHolder(e.Holder)
		return e
	}
	return ev
}

// MaskHolder masks a holder with the masking the ID screen uses. Masking is
// idempotent (it keeps the length and the characters it shows), so the
// screen, masking the masked holder again, draws exactly what it drew for
// the citizen; a holder without a name (a presence-only reader) stays one.
func MaskHolder(h flow.Holder) flow.Holder {
	return flow.Holder{Name: h.MaskedName(), Number: h.MaskedNumber()}
}

// maskState returns s with its holder masked.
func maskState(s flow.State) flow.State {
	if s.Holder != nil {
		h := MaskHolder(*s.Holder)
		s.Holder = &h
	}
	return s
}
