package controller

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"onetrip/firmware/rollout"
)

// rollouts is the hall's staged rollout: one at a time.
type rollouts struct {
	mu  sync.Mutex
	cur *rollout.Rollout
}

// StartRollout begins rolling p out: its first kiosk gets the order now.
// It refuses while another rollout is under way.
func (c *Controller) StartRollout(p rollout.Plan) error {
	c.rollouts.mu.Lock()
	defer c.rollouts.mu.Unlock()
	if cur := c.rollouts.cur; cur != nil && !cur.Over() {
		return fmt.Errorf("rollout: %s is still rolling out (%s)", cur.Plan.Order.Version, cur.Phase)
	}
	r, err := rollout.Start(p, c.o.Now())
	if err != nil {
		return err
	}
	c.rollouts.cur = r
	c.log.Info("rollout started", "version", p.Order.Version, "first", p.First, "rest", len(p.Rest), "timeout", p.Timeout)
	c.sendOrders(r)
	return nil
}

// Rollout is a copy of the latest rollout, if there was one.
func (c *Controller) Rollout() (rollout.Rollout, bool) {
	c.rollouts.mu.Lock()
	defer c.rollouts.mu.Unlock()
	if c.rollouts.cur == nil {
		return rollout.Rollout{}, false
	}
	r := *c.rollouts.cur
	r.Kiosks = slices.Clone(r.Kiosks)
	return r, true
}

// followRollouts feeds the kiosks' update statuses to the rollout.
func (c *Controller) followRollouts() error {
	return c.bus.FollowUpdateStatuses(func(s rollout.Status) {
		c.rollouts.mu.Lock()
		defer c.rollouts.mu.Unlock()
		if r := c.rollouts.cur; r != nil {
			c.changed(r, func() { r.Report(s, c.o.Now()) })
		}
	})
}

// tickRollout times out silent kiosks and repeats the order to those that
// have not settled it.
func (c *Controller) tickRollout() {
	c.rollouts.mu.Lock()
	defer c.rollouts.mu.Unlock()
	if r := c.rollouts.cur; r != nil && !r.Over() {
		c.changed(r, func() { r.Tick(c.o.Now()) })
		c.sendOrders(r)
	}
}

// changed runs step on r and logs what it changed; kiosks newly ordered
// get the order at once.
func (c *Controller) changed(r *rollout.Rollout, step func()) {
	before := slices.Clone(r.Kiosks)
	phase := r.Phase
	step()
	for i, k := range r.Kiosks {
		if k.Outcome != before[i].Outcome && k.Outcome != rollout.Ordered {
			c.log.Info("rollout: kiosk "+string(k.Outcome), "kiosk", k.ID, "version", r.Plan.Order.Version, "why", k.Why)
		}
	}
	switch {
	case r.Phase == phase:
	case r.Phase == rollout.Stopped:
		c.log.Error("rollout stopped", "version", r.Plan.Order.Version, "why", r.Why)
	default:
		c.log.Info("rollout: "+string(r.Phase), "version", r.Plan.Order.Version)
	}
	if r.Phase == rollout.Rest && phase == rollout.First {
		c.sendOrders(r)
	}
}

func (c *Controller) sendOrders(r *rollout.Rollout) {
	for _, k := range r.Ordered() {
		if err := c.bus.SendUpdateOrder(k, r.Plan.Order); err != nil {
			c.log.Warn("rollout order not sent", "kiosk", k, "err", err)
		}
	}
}

// rolloutRequest is POST /rollout's body.
type rolloutRequest struct {
	Version string   `json:"version"`
	URL     string   `json:"url"`
	First   string   `json:"first"`
	Rest    []string `json:"rest"`
	Timeout string   `json:"timeout"` // "30m"
}

// handleRollouts serves, for user office, POST /rollout (start one) and
// GET /rollout (where it is), and to every kiosk GET /bundles/NAME, the
// bundle files in the data directory's bundles/ (signed: a kiosk verifies
// what it downloads).
func (c *Controller) handleRollouts(mux *http.ServeMux) {
	mux.HandleFunc("POST /rollout", c.officeOnly(func(w http.ResponseWriter, r *http.Request) {
		var req rolloutRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			http.Error(w, "rollout: "+err.Error(), http.StatusBadRequest)
			return
		}
		timeout, err := time.ParseDuration(req.Timeout)
		if err != nil {
			http.Error(w, fmt.Sprintf("rollout: timeout %q: not a duration like 30m", req.Timeout), http.StatusBadRequest)
			return
		}
		p := rollout.Plan{Order: rollout.Order{Version: req.Version, URL: req.URL}, First: req.First, Rest: req.Rest, Timeout: timeout}
		if err := c.StartRollout(p); err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	mux.HandleFunc("GET /rollout", c.officeOnly(func(w http.ResponseWriter, r *http.Request) {
		ro, ok := c.Rollout()
		if !ok {
			http.Error(w, "no rollout yet", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(ro)
	}))
	bundles := http.FileServer(http.Dir(filepath.Join(c.o.Data, "bundles")))
	mux.Handle("GET /bundles/", http.StripPrefix("/bundles", bundles))
}

// officeOnly lets only user office, with the office password, through.
func (c *Controller) officeOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, pw, ok := r.BasicAuth()
		if !ok || user != "office" || subtle.ConstantTimeCompare([]byte(pw), []byte(c.keys.Office)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="onetrip hall office", charset="UTF-8"`)
			http.Error(w, "rollouts need the office password (creds/office.password on the controller)", http.StatusUnauthorized)
			return
		}
		h(w, r)
	}
}
