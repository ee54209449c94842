package update

import (
	"fmt"
)

// Boot is what a boot check found and did.
type Boot struct {
	Slot, Version string
	// Starts is the active slot's count of starts on trial (0: committed).
	Starts int
	// RolledBack is the version given up at this check, if any.
	RolledBack string
	// Why says why it was given up.
	Why string
	// Relinked is true when current had to be pointed back at the active
	// slot (a power cut between the state file and the link).
	Relinked bool
}

// BootCheck runs before every start of onetrip: it makes current agree
// with the state file and counts a start of a version on trial. When that
// version has used its starts without committing, or its files no longer
// match its manifest, the previous version becomes active again.
func (r *Root) BootCheck() (Boot, error) {
	unlock, err := r.lock()
	if err != nil {
		return Boot{}, err
	}
	defer unlock()
	s, err := r.State()
	if err != nil {
		return Boot{}, err
	}
	var out Boot
	out.Relinked = r.Current() != s.Active
	if err := r.link(currentLink, s.Active); err != nil {
		return out, err
	}
	if err := r.link(committedLink, lastCommitted(s)); err != nil {
		return out, err
	}
	if !s.Committed && s.Previous != "" {
		_, bad := r.VerifySlot(s.Active)
		switch {
		case bad != nil:
			out.Why = bad.Error()
		case s.Starts >= s.Policy.MaxStarts:
			out.Why = fmt.Sprintf("it started %d times without committing", s.Starts)
		default:
			s.Starts++
			r.step("count-start")
			if err := r.writeState(s); err != nil {
				return out, err
			}
		}
		if out.Why != "" {
			out.RolledBack = s.Version()
			if s, err = r.rollBack(s); err != nil {
				return out, err
			}
		}
	}
	out.Slot, out.Version, out.Starts = s.Active, s.Version(), s.Starts
	return out, nil
}

// rollBack makes the previous slot active again, committed; the failed
// slot is left for the next install to overwrite.
func (r *Root) rollBack(s State) (State, error) {
	failed := s.Active
	next := State{Active: s.Previous, Committed: true, Policy: s.Policy, RolledBack: s.Versions[failed],
		Versions: map[string]string{s.Previous: s.Versions[s.Previous]}}
	r.step("roll-back")
	if err := r.writeState(next); err != nil {
		return s, err
	}
	if err := r.link(currentLink, next.Active); err != nil {
		return next, err
	}
	return next, r.link(committedLink, next.Active)
}

// Commit records that the version in slot reached the attract screen and
// stayed healthy: it stays. It reports false when there was nothing to
// commit (slot is not the active slot on trial).
func (r *Root) Commit(slot string) (bool, error) {
	unlock, err := r.lock()
	if err != nil {
		return false, err
	}
	defer unlock()
	s, err := r.State()
	if err != nil {
		return false, err
	}
	if s.Active != slot || s.Committed {
		return false, nil
	}
	s.Committed, s.Starts = true, 0
	r.step("commit")
	if err := r.writeState(s); err != nil {
		return false, err
	}
	return true, r.link(committedLink, slot)
}
