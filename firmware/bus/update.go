package bus

import (
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go"

	"onetrip/firmware/rollout"
)

// Update orders and statuses are plain NATS messages, not stored: the
// controller repeats an order until the kiosk's status settles it, and
// every status answers an order, so nothing is lost by a kiosk that was
// restarting.

// UpdateOrder is where the controller orders kiosk to install a release.
func (s Subjects) UpdateOrder(kiosk string) string { return s.p("update", kiosk, "order") }

// UpdateStatus is where kiosk reports its updates.
func (s Subjects) UpdateStatus(kiosk string) string { return s.p("update", kiosk, "status") }

// SendUpdateOrder orders kiosk to install o.
func (b *Bus) SendUpdateOrder(kiosk string, o rollout.Order) error {
	data, _ := json.Marshal(o)
	if err := b.nc.Publish(b.UpdateOrder(kiosk), data); err != nil {
		return fmt.Errorf("update order to %s: %w", kiosk, err)
	}
	return nil
}

// ReportUpdate publishes kiosk s.Kiosk's update status.
func (b *Bus) ReportUpdate(s rollout.Status) error {
	data, _ := json.Marshal(s)
	if err := b.nc.Publish(b.UpdateStatus(s.Kiosk), data); err != nil {
		return fmt.Errorf("update status of %s: %w", s.Kiosk, err)
	}
	return nil
}

// FollowUpdateOrders calls fn with every order to kiosk until stop.
func (b *Bus) FollowUpdateOrders(kiosk string, fn func(rollout.Order)) (stop func(), err error) {
	sub, err := b.nc.Subscribe(b.UpdateOrder(kiosk), func(m *nats.Msg) {
		var o rollout.Order
		if err := json.Unmarshal(m.Data, &o); err != nil || o.Version == "" {
			b.asyncError(&notUpdate{m.Subject})
			return
		}
		fn(o)
	})
	if err != nil {
		return nil, fmt.Errorf("update orders of %s: %w", kiosk, err)
	}
	return func() { sub.Unsubscribe() }, nil
}

// FollowUpdateStatuses calls fn with every kiosk's update status until
// the connection closes. A status is believed only for the kiosk its
// subject names.
func (b *Bus) FollowUpdateStatuses(fn func(rollout.Status)) error {
	_, err := b.nc.Subscribe(b.UpdateStatus("*"), func(m *nats.Msg) {
		var s rollout.Status
		if err := json.Unmarshal(m.Data, &s); err != nil || m.Subject != b.UpdateStatus(s.Kiosk) {
			b.asyncError(&notUpdate{m.Subject})
			return
		}
		fn(s)
	})
	if err != nil {
		return fmt.Errorf("update statuses: %w", err)
	}
	return nil
}

type notUpdate struct{ subject string }

func (e *notUpdate) Error() string {
	return "dropped a message that is not an update order or status on " + e.subject
}
