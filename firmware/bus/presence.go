package bus

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/nats-io/nats.go"

	"onetrip/firmware/queue"
)

// Beat is a terminal's heartbeat: who it is and whether it is working
// from its own leased numbers.
type Beat struct {
	Role     string    `json:"role"`
	Terminal string    `json:"terminal"`
	Offline  bool      `json:"offline,omitempty"` // a kiosk issuing from its lease
	Hall     string    `json:"hall_version,omitempty"`
	At       time.Time `json:"at"`
}

// BeatEvery is how often terminals send a heartbeat; a terminal not heard
// from for three beats counts as gone.
const BeatEvery = 2 * time.Second

// Beat sends one heartbeat (plain NATS, not stored). It fails quietly while
// the bus is away: the silence is the message.
func (b *Bus) Beat(beat Beat) {
	data, _ := json.Marshal(beat)
	_ = b.nc.Publish(b.Live(beat.Role, beat.Terminal), data)
}

// Listen calls fn with every heartbeat of the hall until the subscription
// is dropped (on Close).
func (b *Bus) Listen(fn func(Beat)) error {
	_, err := b.nc.Subscribe(b.p("live", ">"), func(m *nats.Msg) {
		var beat Beat
		if err := json.Unmarshal(m.Data, &beat); err != nil || beat.Terminal == "" {
			b.asyncError(&foreign{m.Subject})
			return
		}
		fn(beat)
	})
	return err
}

type foreign struct{ subject string }

func (f *foreign) Error() string { return "dropped a message that is not a heartbeat on " + f.subject }

// sortStable orders events by time, keeping stream order among equals: the
// ratings stream is merged into the event stream this way.
func sortStable(evs []queue.Event) {
	slices.SortStableFunc(evs, func(a, b queue.Event) int { return a.At.Compare(b.At) })
}
