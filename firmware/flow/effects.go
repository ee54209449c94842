package flow

// Effect is work for the edges.
type Effect interface{ effect() }

type (
	// IssueTicket asks the store for a durable ticket.
	IssueTicket struct {
		Matter string
		Green  bool
		Lang   string
	}
	// PrintTicket sends an issued ticket to the printer.
	PrintTicket struct {
		Ticket Ticket
		Lang   string
	}
	// CallGuide tells the guide desk someone needs help at this kiosk.
	CallGuide struct {
		Reason string
		Screen Screen
		Matter string
	}
	// SetLamp sets a lamp pattern ("ready", "attention", "fault", "off").
	SetLamp struct{ Lamp, Pattern string }
	// Beep sounds the buzzer.
	Beep struct{ Pattern string }
	// EndSession means the session is over and everything personal is gone.
	EndSession struct{ Reason string }
	// ReadCard asks the reader to read the card lying on it again.
	ReadCard struct{}
	// PrintSlip prints where a matter handled elsewhere is done.
	PrintSlip struct{ Matter, Lang string }
)

func (IssueTicket) effect() {}
func (PrintTicket) effect() {}
func (CallGuide) effect()   {}
func (SetLamp) effect()     {}
func (Beep) effect()        {}
func (EndSession) effect()  {}
func (ReadCard) effect()    {}
func (PrintSlip) effect()   {}

// The lamp and buzzer patterns the flow may ask for: the kiosk checks at
// start-up that its devices know every one (a test walks the flow to keep
// these lists complete).
var (
	LampPatterns = map[string][]string{"status": {"ready", "attention", "fault"}, "help": {"attention", "off"}}
	BeepPatterns = []string{"click", "ok", "error", "attention"}
)
