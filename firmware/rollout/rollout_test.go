package rollout

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 20, 0, 0, 0, time.UTC)

func plan() Plan {
	return Plan{Order: Order{Version: "v2.0.0", URL: "http://hall:8080/v2.bundle"}, First: "kiosk-1",
		Rest: []string{"kiosk-2", "kiosk-3"}, Timeout: 10 * time.Minute}
}

func committed(k, v string) Status { return Status{Kiosk: k, Running: v, Committed: true} }

func start(t *testing.T) *Rollout {
	r, err := Start(plan(), t0)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestTheRestWaitForTheFirstToCommit(t *testing.T) {
	r := start(t)
	if got := r.Ordered(); !slices.Equal(got, []string{"kiosk-1"}) {
		t.Fatalf("ordered at the start: %v, want the first kiosk only", got)
	}
	// What the kiosks say before the first commits changes nothing.
	r.Report(committed("kiosk-1", "v1.0.0"), t0.Add(time.Minute))                                 // still the old version
	r.Report(Status{Kiosk: "kiosk-1", Running: "v2.0.0"}, t0.Add(2*time.Minute))                  // on trial
	r.Report(committed("kiosk-2", "v2.0.0"), t0.Add(2*time.Minute))                               // not its turn
	r.Report(Status{Kiosk: "kiosk-9", Running: "v2.0.0", Committed: true}, t0.Add(3*time.Minute)) // not in the plan
	r.Tick(t0.Add(9 * time.Minute))
	if r.Phase != First || !slices.Equal(r.Ordered(), []string{"kiosk-1"}) {
		t.Fatalf("before the first commit: phase %s, ordered %v", r.Phase, r.Ordered())
	}
	r.Report(committed("kiosk-1", "v2.0.0"), t0.Add(9*time.Minute))
	if r.Phase != Rest || !slices.Equal(r.Ordered(), []string{"kiosk-2", "kiosk-3"}) {
		t.Fatalf("after the first commit: phase %s, ordered %v", r.Phase, r.Ordered())
	}
	// The rest's timeout runs from their own order, not the first's.
	r.Tick(t0.Add(18 * time.Minute))
	if len(r.Ordered()) != 2 {
		t.Fatalf("rest timed out from the first's order: %+v", r.Kiosks)
	}
	r.Report(committed("kiosk-3", "v2.0.0"), t0.Add(19*time.Minute))
	r.Report(committed("kiosk-2", "v2.0.0"), t0.Add(19*time.Minute))
	if r.Phase != Done || !r.Over() || len(r.Ordered()) != 0 {
		t.Fatalf("all committed: phase %s, %+v", r.Phase, r.Kiosks)
	}
	for _, k := range r.Kiosks {
		if k.Outcome != Committed {
			t.Errorf("%s: %s", k.ID, k.Outcome)
		}
	}
}

func TestFirstKioskThatDoesNotCommitStopsTheRollout(t *testing.T) {
	cases := []struct {
		name string
		do   func(r *Rollout)
		why  string
	}{
		{"rolled back", func(r *Rollout) {
			r.Report(Status{Kiosk: "kiosk-1", Running: "v1.0.0", Committed: true, RolledBack: "v2.0.0"}, t0.Add(5*time.Minute))
		}, "first kiosk kiosk-1: v2.0.0 rolled back to v1.0.0"},
		{"refused", func(r *Rollout) {
			r.Report(Status{Kiosk: "kiosk-1", Running: "v1.0.0", Committed: true, Order: "v2.0.0", Refused: "the bundle's signature does not match the update key"}, t0.Add(time.Minute))
		}, "first kiosk kiosk-1: refused: the bundle's signature does not match the update key"},
		{"silent", func(r *Rollout) {
			r.Report(Status{Kiosk: "kiosk-1", Running: "v2.0.0"}, t0.Add(time.Minute)) // on trial, never commits
			r.Tick(t0.Add(10 * time.Minute))
		}, "first kiosk kiosk-1: no commit of v2.0.0 within 10m0s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := start(t)
			c.do(r)
			if r.Phase != Stopped || r.Why != c.why {
				t.Fatalf("phase %s, why %q; want stopped, %q", r.Phase, r.Why, c.why)
			}
			// Nothing more is sent, and later news changes nothing.
			r.Report(committed("kiosk-1", "v2.0.0"), t0.Add(time.Hour))
			r.Tick(t0.Add(2 * time.Hour))
			if len(r.Ordered()) != 0 || r.Phase != Stopped {
				t.Fatalf("after stopping: phase %s, ordered %v", r.Phase, r.Ordered())
			}
			for _, k := range r.Kiosks[1:] {
				if k.Outcome != Waiting {
					t.Errorf("%s was touched: %s", k.ID, k.Outcome)
				}
			}
		})
	}
}

func TestARestKioskThatFailsDoesNotHoldTheOthers(t *testing.T) {
	r := start(t)
	r.Report(committed("kiosk-1", "v2.0.0"), t0.Add(time.Minute))
	r.Report(committed("kiosk-2", "v2.0.0"), t0.Add(2*time.Minute))
	r.Tick(t0.Add(11 * time.Minute))
	if r.Phase != Done {
		t.Fatalf("phase %s, %+v", r.Phase, r.Kiosks)
	}
	if k := r.Kiosks[2]; k.Outcome != Failed || !strings.Contains(k.Why, "no commit") {
		t.Fatalf("kiosk-3: %+v", k)
	}
}

func TestPlanCheck(t *testing.T) {
	for _, c := range []struct {
		edit func(*Plan)
		says string
	}{
		{func(p *Plan) { p.Order.Version = "" }, "no version"},
		{func(p *Plan) { p.Order.URL = "" }, "no bundle URL"},
		{func(p *Plan) { p.First = "" }, "no first kiosk"},
		{func(p *Plan) { p.Timeout = 0 }, "timeout 0s"},
		{func(p *Plan) { p.Rest = append(p.Rest, "kiosk-1") }, "both first and in the rest"},
		{func(p *Plan) { p.Rest = append(p.Rest, "kiosk-2") }, `"kiosk-2" listed twice`},
	} {
		p := plan()
		c.edit(&p)
		if _, err := Start(p, t0); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%+v: %v, want %q", p, err, c.says)
		}
	}
}
