package update

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// RootOf finds the root and slot of a program installed by Install: exe
// (symlinks resolved) is ROOT/slots/SLOT/bin/NAME and ROOT has a state
// file. A program run from anywhere else is not on any trial.
func RootOf(exe string) (*Root, string, bool) {
	slotDir := filepath.Dir(filepath.Dir(exe))
	slots := filepath.Dir(slotDir)
	slot := filepath.Base(slotDir)
	if filepath.Base(slots) != "slots" || !isSlot(slot) || filepath.Base(filepath.Dir(exe)) != "bin" {
		return nil, "", false
	}
	r := New(filepath.Dir(slots))
	if _, err := os.Stat(r.path("state.json")); err != nil {
		return nil, "", false
	}
	return r, slot, true
}

// StartGrace is how long past its healthy time a version on trial may take
// to commit after starting; a start that takes longer has failed.
const StartGrace = 3 * time.Minute

// ErrUnhealthy reports a start on trial that did not commit within the
// healthy time and StartGrace: the program should end, so that the next
// start is counted and, in the end, the previous version comes back.
var ErrUnhealthy = errors.New("did not stay healthy on the attract screen")

// Probe asks the running program whether it shows its attract screen; an
// error means it did not answer as a healthy program does.
type Probe func(ctx context.Context) (attract bool, err error)

// CommitWhenHealthy asks probe every interval and commits slot once the
// program has shown its attract screen and kept answering for the policy's
// healthy time; a failed answer starts the wait again. It returns at once
// (false) when slot is not on trial, and when ctx ends; ErrUnhealthy when
// StartGrace has passed beyond the healthy time without a commit.
func (r *Root) CommitWhenHealthy(ctx context.Context, slot string, every time.Duration, probe Probe) (bool, error) {
	s, err := r.State()
	if err != nil || s.Active != slot || s.Committed {
		return false, err
	}
	after := r.After
	if after == nil {
		after = time.After
	}
	healthy := time.Duration(s.Policy.Healthy)
	deadline := r.Now().Add(healthy + StartGrace)
	var since time.Time // when attract was first seen since the last failure
	for {
		attract, err := probe(ctx)
		now := r.Now()
		switch {
		case err != nil:
			since = time.Time{}
		case since.IsZero() && attract:
			since = now
		}
		if !since.IsZero() && now.Sub(since) >= healthy {
			return r.Commit(slot)
		}
		if !now.Before(deadline) {
			return false, fmt.Errorf("%s in slot %s %w within %v of starting", s.Version(), slot, ErrUnhealthy, healthy+StartGrace)
		}
		select {
		case <-ctx.Done():
			return false, nil
		case <-after(every):
		}
	}
}
