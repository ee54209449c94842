package hallqueue

import (
	"context"
	"log/slog"
	"sync"

	"onetrip/firmware/bus"
	"onetrip/firmware/rollout"
)

// Installer is a kiosk's updater as the rollout agent sees it.
type Installer interface {
	// Status is what the kiosk runs: version, committed, rolled back.
	Status() (rollout.Status, error)
	// Install downloads, verifies and installs o and makes it the version
	// the next start runs.
	Install(ctx context.Context, o rollout.Order) error
}

// Updates is a kiosk's side of staged rollouts: it takes the controller's
// orders from the hall bus, installs each new version once, and answers
// every order with the kiosk's update status. After an install it calls
// Restart, and the new version, once committed, answers the orders that
// keep coming.
type Updates struct {
	Bus       *bus.Bus
	Kiosk     string
	Installer Installer
	Restart   func()
	Log       *slog.Logger

	mu         sync.Mutex
	installing string                   // the version being installed
	refused    map[rollout.Order]string // why an order was not carried out
}

// Run follows orders until ctx ends.
func (u *Updates) Run(ctx context.Context) error {
	u.refused = map[rollout.Order]string{}
	orders := make(chan rollout.Order, 4)
	stop, err := u.Bus.FollowUpdateOrders(u.Kiosk, func(o rollout.Order) {
		select {
		case orders <- o:
		default: // the controller repeats it
		}
	})
	if err != nil {
		return err
	}
	defer stop()
	u.report(rollout.Order{})
	for {
		select {
		case <-ctx.Done():
			return nil
		case o := <-orders:
			u.order(ctx, o)
		}
	}
}

// order starts installing o unless it runs already, was given up here
// before, was refused (a new URL is a new order), or an install is under
// way; either way it reports.
func (u *Updates) order(ctx context.Context, o rollout.Order) {
	s, err := u.Installer.Status()
	if err != nil {
		u.Log.Warn("update status", "err", err)
	}
	u.mu.Lock()
	start := err == nil && u.installing == "" && u.refused[o] == "" &&
		s.Running != o.Version && s.RolledBack != o.Version
	if start {
		u.installing = o.Version
	}
	u.mu.Unlock()
	u.report(o)
	if !start {
		return
	}
	go func() {
		u.Log.Info("update ordered by the hall controller", "version", o.Version, "url", o.URL)
		err := u.Installer.Install(ctx, o)
		u.mu.Lock()
		u.installing = ""
		if err != nil {
			u.refused[o] = err.Error()
		}
		u.mu.Unlock()
		u.report(o)
		if err != nil {
			u.Log.Error("update refused", "version", o.Version, "err", err)
			return
		}
		u.Log.Info("update installed; restarting into it", "version", o.Version)
		u.Restart()
	}()
}

// report publishes the kiosk's status, answering order o (zero: none).
func (u *Updates) report(o rollout.Order) {
	s, err := u.Installer.Status()
	if err != nil {
		return
	}
	s.Kiosk, s.Order = u.Kiosk, o.Version
	u.mu.Lock()
	s.Installing, s.Refused = u.installing, u.refused[o]
	u.mu.Unlock()
	if err := u.Bus.ReportUpdate(s); err != nil {
		u.Log.Debug("update status not sent", "err", err)
	}
}
