package flow

// Event is something that happened at an edge: a touch, a card, a button,
// the passing of time, or the result of an effect.
type Event interface{ event() }

type (
	// Tap is a touch on the widget with this id.
	Tap struct{ ID string }
	// CardPresent means a card was put on the reader and is being read.
	CardPresent struct{}
	// CardRead carries the holder read from the card.
	CardRead struct{ Holder Holder }
	// CardFailed means the card could not be used; Problem is a locale key under "id."
	CardFailed struct{ Problem string }
	// CardRemoved means the card left the reader.
	CardRemoved struct{}
	// ReaderChanged reports the card reader going away or coming back.
	ReaderChanged struct{ Available bool }
	// Button is a physical button; "help" calls a guide.
	Button struct{ Name string }
	// Tick means time has passed (the loop sends one at Deadline).
	Tick struct{}
	// TicketIssued means the ticket is durable in the store.
	TicketIssued struct{ Ticket Ticket }
	// IssueFailed means no ticket could be issued.
	IssueFailed struct{ Reason string }
	// Printed means the printer accepted the ticket.
	Printed struct{ ID int64 }
	// PrintFailed means the ticket could not be printed; it stays issued.
	PrintFailed struct {
		ID      int64
		Problem string
	}
	// PrinterChanged reports what the printer said when asked at start-up,
	// on the attract screen and while it is being watched after a fault.
	PrinterChanged struct{ Working bool }
	// SlipPrinted and SlipFailed report the elsewhere slip.
	SlipPrinted struct{}
	SlipFailed  struct{}
	// GuideComing means a guide acknowledged this kiosk's call.
	GuideComing struct{}
	// GuideUnreachable means the call could not reach the guide desk.
	GuideUnreachable struct{}
	// BusChanged reports the hall bus going away or coming back.
	BusChanged struct{ Online bool }
)

func (Tap) event()              {}
func (CardPresent) event()      {}
func (CardRead) event()         {}
func (CardFailed) event()       {}
func (CardRemoved) event()      {}
func (ReaderChanged) event()    {}
func (Button) event()           {}
func (Tick) event()             {}
func (TicketIssued) event()     {}
func (IssueFailed) event()      {}
func (Printed) event()          {}
func (PrintFailed) event()      {}
func (PrinterChanged) event()   {}
func (SlipPrinted) event()      {}
func (SlipFailed) event()       {}
func (GuideComing) event()      {}
func (GuideUnreachable) event() {}
func (BusChanged) event()       {}
