package kiosk

import (
	"image"
	"time"

	"onetrip/firmware/flow"
)

// Recorder keeps the audit trail (see package audit). It is told every
// event the flow steps on and every frame presented, with the inputs that
// drew it, so that a session can be replayed and its screens compared.
// Both are called on the kiosk's goroutine and must return at once.
type Recorder interface {
	// Event records that the flow went from before to after on ev at now.
	Event(now time.Time, ev flow.Event, before, after flow.State)
	// Frame records that frame was presented at now, drawn from state s
	// with the widget pressed drawn pressed. frame is valid only during
	// the call.
	Frame(now time.Time, s flow.State, pressed string, frame *image.RGBA)
}
