package bus_test

import (
	"testing"
	"time"

	"onetrip/firmware/bus/embedded"
	"onetrip/firmware/rollout"
)

// receive waits for the next value on ch.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s never arrived", what)
		panic("unreachable")
	}
}

// Orders go from the controller to a kiosk, statuses from a kiosk to the
// controller, and nothing else: a kiosk cannot order another, a display
// cannot report. Each forged message is sent and flushed before a real one,
// so had the server let it through it would arrive first.
func TestUpdateOrdersAndStatusesFollowTheRoles(t *testing.T) {
	hb := startHall(t)
	admin, k1, k2, display := hb.connect(embedded.ControllerRole), hb.connect("kiosk"), hb.connect("kiosk"), hb.connect("display")

	orders := make(chan rollout.Order, 4)
	if _, err := k2.FollowUpdateOrders("kiosk-2", func(o rollout.Order) { orders <- o }); err != nil {
		t.Fatal(err)
	}
	statuses := make(chan rollout.Status, 4)
	if err := admin.FollowUpdateStatuses(func(s rollout.Status) { statuses <- s }); err != nil {
		t.Fatal(err)
	}
	k2.Conn().Flush()
	admin.Conn().Flush()

	k1.SendUpdateOrder("kiosk-2", rollout.Order{Version: "v6.6.6", URL: "http://evil/x"})
	k1.Conn().Flush()
	admin.SendUpdateOrder("kiosk-2", rollout.Order{Version: "v2.0.0", URL: "http://hall/v2.bundle"})
	if o := receive(t, orders, "the controller's order"); o.Version != "v2.0.0" {
		t.Fatalf("kiosk-2 got the order %+v, which another kiosk sent", o)
	}

	display.ReportUpdate(rollout.Status{Kiosk: "kiosk-1", Running: "v6.6.6", Committed: true})
	display.Conn().Flush()
	// A status under another kiosk's name is dropped by the controller.
	k1.Conn().Publish(k1.UpdateStatus("kiosk-3"), []byte(`{"kiosk":"kiosk-1","running":"v6.6.6","committed":true}`))
	k1.Conn().Flush()
	k1.ReportUpdate(rollout.Status{Kiosk: "kiosk-1", Running: "v2.0.0", Committed: true})
	if s := receive(t, statuses, "kiosk-1's status"); s.Running != "v2.0.0" || s.Kiosk != "kiosk-1" {
		t.Fatalf("the controller believed %+v", s)
	}
}
