// Package rollout is the staged rollout of a release across a hall's
// kiosks, as a pure state machine: the controller feeds it the kiosks'
// update statuses and the time, and sends the orders it says to send.
//
// One kiosk goes first. Only when it reports the new version committed (it
// reached the attract screen and stayed healthy) do the others get the
// order; if it reports the version rolled back or refused, or says nothing
// of a commit within the timeout, the rollout stops there and no other
// kiosk is touched.
package rollout

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Order is what the controller asks a kiosk to install.
type Order struct {
	Version string `json:"version"`
	URL     string `json:"url"` // http(s): the signed bundle
}

// Status is what a kiosk reports of its updates.
type Status struct {
	Kiosk string `json:"kiosk"`
	// Running is the active version; Committed says it is past its trial.
	Running   string `json:"running"`
	Committed bool   `json:"committed"`
	// RolledBack is the version last given up after failed starts.
	RolledBack string `json:"rolled_back,omitempty"`
	// Installing is the version being downloaded and installed.
	Installing string `json:"installing,omitempty"`
	// Refused is why the kiosk would not install Order.Version (a bad
	// signature, another architecture, a download that failed).
	Refused string `json:"refused,omitempty"`
	// Order is the version the status answers, if it answers an order.
	Order string `json:"order,omitempty"`
}

// Plan is a rollout to start: the order, the kiosk that goes first, the
// others, and how long each has to commit after it got the order.
type Plan struct {
	Order   Order         `json:"order"`
	First   string        `json:"first"`
	Rest    []string      `json:"rest"`
	Timeout time.Duration `json:"timeout"`
}

// Check says what is wrong with a plan, in one line.
func (p Plan) Check() error {
	switch {
	case p.Order.Version == "":
		return errors.New("rollout: no version")
	case p.Order.URL == "":
		return errors.New("rollout: no bundle URL")
	case p.First == "":
		return errors.New("rollout: no first kiosk")
	case p.Timeout <= 0:
		return fmt.Errorf("rollout: timeout %v: it must be positive", p.Timeout)
	case slices.Contains(p.Rest, p.First):
		return fmt.Errorf("rollout: kiosk %s is both first and in the rest", p.First)
	}
	seen := map[string]bool{}
	for _, k := range p.Rest {
		if k == "" || seen[k] {
			return fmt.Errorf("rollout: kiosk %q listed twice or empty", k)
		}
		seen[k] = true
	}
	return nil
}

// Phase is where a rollout is.
type Phase string

const (
	First   Phase = "first"   // the first kiosk is on it
	Rest    Phase = "rest"    // the first committed; the others are on it
	Done    Phase = "done"    // every kiosk committed or failed
	Stopped Phase = "stopped" // the first kiosk did not commit: no other was touched
)

// Outcome is where one kiosk is.
type Outcome string

const (
	Waiting   Outcome = ""          // not ordered yet
	Ordered   Outcome = "ordered"   // ordered, not committed yet
	Committed Outcome = "committed" // runs the version, committed
	Failed    Outcome = "failed"    // rolled back, refused, or timed out
)

// Kiosk is one kiosk's part in a rollout.
type Kiosk struct {
	ID      string    `json:"id"`
	Outcome Outcome   `json:"outcome"`
	Why     string    `json:"why,omitempty"`
	Ordered time.Time `json:"ordered,omitzero"`
}

// Rollout is a rollout under way. It is not safe for concurrent use.
type Rollout struct {
	Plan   Plan    `json:"plan"`
	Phase  Phase   `json:"phase"`
	Why    string  `json:"why,omitempty"` // why it stopped
	Kiosks []Kiosk `json:"kiosks"`        // the first, then the rest
}

// Start begins p at now: the first kiosk is ordered.
func Start(p Plan, now time.Time) (*Rollout, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	r := &Rollout{Plan: p, Phase: First}
	for _, id := range append([]string{p.First}, p.Rest...) {
		r.Kiosks = append(r.Kiosks, Kiosk{ID: id})
	}
	r.order(&r.Kiosks[0], now)
	return r, nil
}

func (r *Rollout) order(k *Kiosk, now time.Time) {
	k.Outcome, k.Ordered = Ordered, now
}

func (r *Rollout) kiosk(id string) *Kiosk {
	for i := range r.Kiosks {
		if r.Kiosks[i].ID == id {
			return &r.Kiosks[i]
		}
	}
	return nil
}

// Report applies a kiosk's status at now.
func (r *Rollout) Report(s Status, now time.Time) {
	k := r.kiosk(s.Kiosk)
	if k == nil || k.Outcome != Ordered {
		return
	}
	v := r.Plan.Order.Version
	switch {
	case s.Running == v && s.Committed:
		k.Outcome = Committed
	case s.RolledBack == v:
		k.Outcome, k.Why = Failed, fmt.Sprintf("%s rolled back to %s", v, s.Running)
	case s.Order == v && s.Refused != "":
		k.Outcome, k.Why = Failed, "refused: "+s.Refused
	default:
		return
	}
	r.advance(now)
}

// Tick lets time pass: a kiosk ordered longer ago than the timeout that
// has not committed has failed.
func (r *Rollout) Tick(now time.Time) {
	for i := range r.Kiosks {
		k := &r.Kiosks[i]
		if k.Outcome == Ordered && now.Sub(k.Ordered) >= r.Plan.Timeout {
			k.Outcome, k.Why = Failed, fmt.Sprintf("no commit of %s within %v", r.Plan.Order.Version, r.Plan.Timeout)
		}
	}
	r.advance(now)
}

func (r *Rollout) advance(now time.Time) {
	switch r.Phase {
	case First:
		switch first := r.Kiosks[0]; first.Outcome {
		case Failed:
			r.Phase, r.Why = Stopped, fmt.Sprintf("first kiosk %s: %s", first.ID, first.Why)
		case Committed:
			r.Phase = Rest
			for i := range r.Kiosks[1:] {
				r.order(&r.Kiosks[1+i], now)
			}
			r.advance(now)
		}
	case Rest:
		for _, k := range r.Kiosks {
			if k.Outcome == Ordered {
				return
			}
		}
		r.Phase = Done
	}
}

// Ordered are the kiosks that should get the order now: ordered and not
// yet decided. The controller sends it again on every tick until they
// answer, so a kiosk that was away or restarting gets it too.
func (r *Rollout) Ordered() []string {
	var out []string
	for _, k := range r.Kiosks {
		if k.Outcome == Ordered {
			out = append(out, k.ID)
		}
	}
	return out
}

// Over says whether the rollout has ended (done or stopped).
func (r *Rollout) Over() bool { return r.Phase == Done || r.Phase == Stopped }
