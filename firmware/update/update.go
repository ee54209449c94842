// Package update installs signed bundles into A/B slots so that a power cut
// at any moment leaves a version that starts.
//
// A root directory holds slots/a and slots/b (each an extracted bundle with
// its manifest), current (a symlink to the active slot), committed (a
// symlink to the last committed slot: the boot check runs from there, so a
// new version too broken to start cannot skip its own rollback) and
// state.json. The state file is the one commit point: it is replaced whole
// (temp file, fsync, rename, directory fsync), and the links are made to
// agree with it by every install and every boot check. A slot becomes active only after its
// files on disk have been checked against its manifest, and the slot that
// is running is never written to. A new version is on trial until it
// commits itself (it reached the attract screen and stayed healthy); a boot
// check counts its starts and, after too many, brings the previous slot back.
package update

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"onetrip/firmware/durable"
)

// Slots are the two slot names.
var Slots = [2]string{"a", "b"}

// Defaults for a Policy the update command is not told otherwise.
const (
	DefaultMaxStarts = 3
	DefaultHealthy   = 120 * time.Second
)

var (
	// ErrNotInstalled reports a root that no update has installed into.
	ErrNotInstalled = errors.New("no onetrip installed here by onetrip update (no state.json)")
	// ErrOnTrial reports an update asked for while the running version has
	// not committed itself: its slot's neighbour is the only way back.
	ErrOnTrial = errors.New("the running version is still on trial")
)

// Policy is how a newly installed version earns its place.
type Policy struct {
	// MaxStarts is how many starts it may take to commit; the next start
	// runs the previous version.
	MaxStarts int `json:"max_starts"`
	// Healthy is how long it must run on the attract screen to commit.
	Healthy Duration `json:"healthy"`
}

// Duration is a time.Duration written as text ("2m0s") in the state file.
type Duration time.Duration

func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// State is what state.json records.
type State struct {
	Active    string `json:"active"`
	Previous  string `json:"previous,omitempty"` // "" while there is no way back
	Committed bool   `json:"committed"`
	// Starts counts the starts of the uncommitted active slot.
	Starts int    `json:"starts"`
	Policy Policy `json:"policy"`
	// Versions names the version in each slot.
	Versions map[string]string `json:"versions"`
	// RolledBack is the version last given up after failed starts.
	RolledBack string    `json:"rolled_back,omitempty"`
	Changed    time.Time `json:"changed"`
}

// Version is the active slot's version.
func (s State) Version() string { return s.Versions[s.Active] }

// Root is an install root: /opt/onetrip on a terminal, a temporary
// directory in tests.
type Root struct {
	Dir string
	// Now is the clock; After waits on it (nil: time.After).
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
	// Step is told the name of each step before it is taken; nil: nothing.
	// The power-cut test stops the updater there.
	Step func(name string)
}

// New is the root at dir with the real clock.
func New(dir string) *Root { return &Root{Dir: dir, Now: time.Now} }

func (r *Root) step(name string) {
	if r.Step != nil {
		r.Step(name)
	}
}

func (r *Root) path(parts ...string) string {
	return filepath.Join(append([]string{r.Dir}, parts...)...)
}

// SlotDir is the directory of slot.
func (r *Root) SlotDir(slot string) string { return r.path("slots", slot) }

// State reads state.json.
func (r *Root) State() (State, error) {
	var s State
	b, err := os.ReadFile(r.path("state.json"))
	if errors.Is(err, os.ErrNotExist) {
		return s, fmt.Errorf("update root %s: %w", r.Dir, ErrNotInstalled)
	}
	if err != nil {
		return s, fmt.Errorf("update root %s: %w", r.Dir, err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("update state %s: %w", r.path("state.json"), err)
	}
	if !isSlot(s.Active) || (s.Previous != "" && !isSlot(s.Previous)) {
		return s, fmt.Errorf("update state %s: active slot %q, previous %q: a slot is a or b", r.path("state.json"), s.Active, s.Previous)
	}
	return s, nil
}

func isSlot(s string) bool { return s == Slots[0] || s == Slots[1] }

// other is the slot that is not s.
func other(s string) string {
	if s == Slots[0] {
		return Slots[1]
	}
	return Slots[0]
}

// writeState replaces state.json whole: a power cut leaves the old or the
// new one, never a mixture.
func (r *Root) writeState(s State) error {
	s.Changed = r.Now().UTC()
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	r.step("state-temp")
	if err := durable.WriteFile(r.path("state.json.tmp"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("update state: %w", err)
	}
	if err := r.own(r.path("state.json.tmp")); err != nil {
		return fmt.Errorf("update state: %w", err)
	}
	r.step("state-rename")
	if err := os.Rename(r.path("state.json.tmp"), r.path("state.json")); err != nil {
		return fmt.Errorf("update state: %w", err)
	}
	if err := durable.SyncDir(r.Dir); err != nil {
		return fmt.Errorf("update state: %w", err)
	}
	return nil
}

// The two links of a root.
const (
	currentLink   = "current"
	committedLink = "committed"
)

// link points the link name at slot: a new symlink renamed over the old
// one, so the link always names one slot or the other.
func (r *Root) link(name, slot string) error {
	if r.linked(name) == slot {
		return nil
	}
	tmp := r.path(name + ".tmp")
	os.Remove(tmp)
	r.step(name + "-temp")
	if err := os.Symlink(filepath.Join("slots", slot), tmp); err != nil {
		return fmt.Errorf("point %s at slot %s: %w", name, slot, err)
	}
	if err := r.own(tmp); err != nil {
		return fmt.Errorf("point %s at slot %s: %w", name, slot, err)
	}
	r.step(name + "-rename")
	if err := os.Rename(tmp, r.path(name)); err != nil {
		return fmt.Errorf("point %s at slot %s: %w", name, slot, err)
	}
	if err := durable.SyncDir(r.Dir); err != nil {
		return fmt.Errorf("point %s at slot %s: %w", name, slot, err)
	}
	return nil
}

// lastCommitted is the slot of the last committed version in s.
func lastCommitted(s State) string {
	if s.Committed || s.Previous == "" {
		return s.Active
	}
	return s.Previous
}

// Current is the slot the current symlink names, or "".
func (r *Root) Current() string { return r.linked(currentLink) }

// Committed is the slot the committed symlink names, or "".
func (r *Root) Committed() string { return r.linked(committedLink) }

func (r *Root) linked(name string) string {
	target, err := os.Readlink(r.path(name))
	if err != nil {
		return ""
	}
	if s := filepath.Base(target); isSlot(s) && filepath.Dir(target) == "slots" {
		return s
	}
	return ""
}

// lock takes the root's lock (a flock, released however the process ends):
// installs, boot checks and commits happen one at a time.
func (r *Root) lock() (func(), error) {
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("update root %s: %w", r.Dir, err)
	}
	// Read-only, so that a lock file root created does not lock the
	// service user out.
	f, err := os.OpenFile(r.path("lock"), os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("update root %s: %w", r.Dir, err)
	}
	if err := r.own(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("update root %s: %w", r.Dir, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("update root %s: lock: %w", r.Dir, err)
	}
	return func() { f.Close() }, nil
}

// own gives what root wrote under name to the owner of the root directory
// (the service user), so that the terminal can still commit, roll back and
// install the next update itself after a technician ran onetrip update as
// root. Anyone else writes as themselves.
func (r *Root) own(name string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	st, err := os.Stat(r.Dir)
	if err != nil {
		return err
	}
	owner, ok := st.Sys().(*syscall.Stat_t)
	if !ok || owner.Uid == 0 {
		return nil
	}
	return filepath.WalkDir(name, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(owner.Uid), int(owner.Gid))
	})
}
