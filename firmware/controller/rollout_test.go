package controller

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"onetrip/firmware/hallqueue"
	"onetrip/firmware/rollout"
)

// fakeKiosk is a kiosk on the hall bus whose updater is a fake (the real
// one, firmware/update, is tested on its own): an install makes the new
// version the next to start, and the restart that follows either commits
// it (healthy) or, as the boot check does after failed starts, brings the
// old one back. Each start runs a new rollout agent, as a new process would.
type fakeKiosk struct {
	t       *testing.T
	c       *Controller
	id      string
	healthy bool
	refuse  error

	mu                sync.Mutex
	running, previous string
	committed         bool
	rolledBack        string
	installs, starts  int
	cancel            context.CancelFunc
}

func (k *fakeKiosk) Status() (rollout.Status, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return rollout.Status{Running: k.running, Committed: k.committed, RolledBack: k.rolledBack}, nil
}

func (k *fakeKiosk) Install(ctx context.Context, o rollout.Order) error {
	if k.refuse != nil {
		return k.refuse
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.installs++
	k.previous, k.running, k.committed, k.rolledBack = k.running, o.Version, false, ""
	return nil
}

// start runs the kiosk's agent (a new process).
func (k *fakeKiosk) start() {
	ctx, cancel := context.WithCancel(context.Background())
	k.mu.Lock()
	k.cancel = cancel
	k.starts++
	k.mu.Unlock()
	u := &hallqueue.Updates{Bus: k.c.connect(k.t, "kiosk"), Kiosk: k.id, Installer: k, Restart: k.restart,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	go u.Run(ctx)
	k.t.Cleanup(cancel)
}

func (k *fakeKiosk) restart() {
	k.mu.Lock()
	k.cancel()
	if k.healthy {
		k.committed = true
	} else {
		k.rolledBack, k.running, k.committed = k.running, k.previous, true
	}
	k.mu.Unlock()
	go k.start()
}

func (k *fakeKiosk) state() (running string, committed bool, installs int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.running, k.committed, k.installs
}

func newKiosks(t *testing.T, c *Controller, healthy map[string]bool, refuse map[string]error) map[string]*fakeKiosk {
	out := map[string]*fakeKiosk{}
	for _, id := range []string{"kiosk-1", "kiosk-2", "kiosk-3"} {
		k := &fakeKiosk{t: t, c: c, id: id, healthy: healthy[id], refuse: refuse[id], running: "v1.0.0", committed: true}
		k.start()
		out[id] = k
	}
	return out
}

// startRollout posts v2.0.0's rollout to the office API; busy: try a second
// one too, which must be refused while the first is under way.
// It returns the office API's address.
func startRollout(t *testing.T, c *Controller, timeout string, busy bool) string {
	t.Helper()
	srv := httptest.NewServer(c.Handler())
	t.Cleanup(srv.Close)
	body, _ := json.Marshal(rolloutRequest{Version: "v2.0.0", URL: "http://hall:8080/bundles/v2.bundle",
		First: "kiosk-1", Rest: []string{"kiosk-2", "kiosk-3"}, Timeout: timeout})
	post := func(pw string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/rollout", bytes.NewReader(body))
		req.SetBasicAuth("office", pw)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("wrong"); code != http.StatusUnauthorized {
		t.Fatalf("POST /rollout with a wrong password: %d", code)
	}
	if code := post(c.Keys().Office); code != http.StatusAccepted {
		t.Fatalf("POST /rollout: %d", code)
	}
	if busy && post(c.Keys().Office) != http.StatusConflict {
		t.Fatal("a second POST /rollout while one is under way was accepted")
	}
	return srv.URL
}

func phase(c *Controller) rollout.Phase { r, _ := c.Rollout(); return r.Phase }

func TestRolloutFirstKioskThenTheRest(t *testing.T) {
	c, _, _ := start(t, nil)
	kiosks := newKiosks(t, c, map[string]bool{"kiosk-1": true, "kiosk-2": true, "kiosk-3": true}, nil)
	api := startRollout(t, c, "10m", false)
	eventually(t, "the first kiosk committed", func() bool {
		v, ok, _ := kiosks["kiosk-1"].state()
		return v == "v2.0.0" && ok
	})
	eventually(t, "rollout done", func() bool { return phase(c) == rollout.Done })
	for id, k := range kiosks {
		if v, ok, n := k.state(); v != "v2.0.0" || !ok || n != 1 {
			t.Errorf("%s: runs %s committed %v after %d installs; want v2.0.0 committed after one", id, v, ok, n)
		}
	}
	req, _ := http.NewRequest("GET", api+"/rollout", nil)
	req.SetBasicAuth("office", c.Keys().Office)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got rollout.Rollout
	json.NewDecoder(resp.Body).Decode(&got)
	if got.Phase != rollout.Done || len(got.Kiosks) != 3 || got.Kiosks[2].Outcome != rollout.Committed {
		t.Fatalf("GET /rollout: %+v", got)
	}
}

func TestRolloutStopsWhenTheFirstKioskDoesNotCommit(t *testing.T) {
	for _, c := range []struct {
		name   string
		refuse error
		why    string
	}{
		{"rolled back", nil, "first kiosk kiosk-1: v2.0.0 rolled back to v1.0.0"},
		{"refused", errors.New("the bundle's signature does not match the update key"), "first kiosk kiosk-1: refused: the bundle's signature does not match the update key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctl, _, log := start(t, nil)
			kiosks := newKiosks(t, ctl, map[string]bool{"kiosk-2": true, "kiosk-3": true}, map[string]error{"kiosk-1": c.refuse})
			startRollout(t, ctl, "10m", false)
			eventually(t, "rollout stopped", func() bool { return phase(ctl) == rollout.Stopped })
			r, _ := ctl.Rollout()
			if r.Why != c.why {
				t.Errorf("why %q, want %q", r.Why, c.why)
			}
			if v, ok, _ := kiosks["kiosk-1"].state(); v != "v1.0.0" || !ok {
				t.Errorf("the first kiosk runs %s (committed %v)", v, ok)
			}
			for _, id := range []string{"kiosk-2", "kiosk-3"} {
				if v, _, n := kiosks[id].state(); v != "v1.0.0" || n != 0 {
					t.Errorf("%s was updated: runs %s after %d installs", id, v, n)
				}
			}
			if !strings.Contains(log.String(), "rollout stopped") {
				t.Errorf("the controller's log does not say the rollout stopped:\n%s", log.String())
			}
		})
	}
}

func TestRolloutStopsWhenTheFirstKioskIsSilent(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 3, 2, 20, 0, 0, 0, time.UTC).UnixNano())
	c, _, _ := start(t, func() time.Time { return time.Unix(0, now.Load()) })
	kiosks := newKiosks(t, c, map[string]bool{"kiosk-2": true, "kiosk-3": true}, nil)
	kiosks["kiosk-1"].mu.Lock()
	kiosks["kiosk-1"].cancel() // kiosk-1 is off: nobody answers its orders
	kiosks["kiosk-1"].mu.Unlock()
	startRollout(t, c, "10m", true)
	now.Add(int64(10 * time.Minute))
	eventually(t, "rollout stopped", func() bool { return phase(c) == rollout.Stopped })
	if r, _ := c.Rollout(); r.Why != "first kiosk kiosk-1: no commit of v2.0.0 within 10m0s" {
		t.Errorf("why %q", r.Why)
	}
	for _, id := range []string{"kiosk-2", "kiosk-3"} {
		if _, _, n := kiosks[id].state(); n != 0 {
			t.Errorf("%s installed %d times", id, n)
		}
	}
}
