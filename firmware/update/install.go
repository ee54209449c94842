package update

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"onetrip/firmware/bundle"
	"onetrip/firmware/durable"
)

// slotManifest is the manifest a slot keeps of its own files.
const slotManifest = "manifest.json"

// InstallFile verifies the bundle file name against the update key pub
// and installs it (see Install). A bundle that is unsigned, signed by
// another key, tampered with, or built for another architecture than arch
// is refused before anything in the root changes.
func (r *Root) InstallFile(name string, pub ed25519.PublicKey, arch string, p Policy) (State, error) {
	b, err := r.Verify(name, pub, arch)
	if err != nil {
		return State{}, err
	}
	return r.Install(b, p)
}

// Verify opens the bundle file name and checks it against the update key
// pub and the terminal's architecture arch, changing nothing.
func (r *Root) Verify(name string, pub ed25519.PublicKey, arch string) (*bundle.Bundle, error) {
	r.step("verify")
	b, err := bundle.Open(name, pub)
	if err != nil {
		return nil, fmt.Errorf("refused: %w", err)
	}
	if b.Manifest.Arch != arch {
		return nil, fmt.Errorf("refused: bundle %s is %s for %s, this terminal is %s", name, b.Manifest.Version, b.Manifest.Arch, arch)
	}
	return b, nil
}

// Install writes the verified bundle b into the slot that is not running,
// checks it on disk, and makes it the active slot on trial under p (a first
// install, with nothing to go back to, is committed at once). The running
// slot is not touched; until the state file names the new slot, a power
// cut leaves the running version active.
func (r *Root) Install(b *bundle.Bundle, p Policy) (State, error) {
	unlock, err := r.lock()
	if err != nil {
		return State{}, err
	}
	defer unlock()
	s, err := r.State()
	fresh := errors.Is(err, ErrNotInstalled)
	if err != nil && !fresh {
		return s, err
	}
	if !fresh && !s.Committed {
		return s, fmt.Errorf("update to %s: %w (%s in slot %s, %d of %d starts); wait until it commits or rolls back", b.Manifest.Version, ErrOnTrial, s.Version(), s.Active, s.Starts, s.Policy.MaxStarts)
	}
	target := Slots[0]
	if !fresh {
		target = other(s.Active)
		// The boot check must not run from the slot about to be written.
		if err := r.link(committedLink, s.Active); err != nil {
			return s, err
		}
		if s.Previous != "" {
			// The slot about to be overwritten stops being a way back first.
			s.Previous = ""
			delete(s.Versions, target)
			if err := r.writeState(s); err != nil {
				return s, err
			}
		}
	}
	dir := r.SlotDir(target)
	r.step("clear-slot")
	if err := os.RemoveAll(dir); err != nil {
		return s, fmt.Errorf("slot %s: %w", target, err)
	}
	r.step("extract")
	if err := b.Extract(dir); err != nil {
		return s, fmt.Errorf("slot %s: %w", target, err)
	}
	m, err := json.MarshalIndent(b.Manifest, "", "  ")
	if err != nil {
		return s, err
	}
	r.step("slot-manifest")
	if err := durable.WriteFile(filepath.Join(dir, slotManifest), append(m, '\n'), 0o644); err != nil {
		return s, fmt.Errorf("slot %s: %w", target, err)
	}
	if err := durable.SyncDir(dir); err != nil {
		return s, fmt.Errorf("slot %s: %w", target, err)
	}
	if err := r.own(r.path("slots")); err != nil {
		return s, fmt.Errorf("slot %s: %w", target, err)
	}
	r.step("check-slot")
	if _, err := r.VerifySlot(target); err != nil {
		return s, err
	}
	next := State{Active: target, Committed: fresh, Policy: p, Versions: map[string]string{target: b.Manifest.Version}}
	if !fresh {
		next.Previous = s.Active
		next.Versions[s.Active] = s.Versions[s.Active]
	}
	if err := r.writeState(next); err != nil {
		return s, err
	}
	if err := r.link(currentLink, target); err != nil {
		return next, err
	}
	if err := r.link(committedLink, lastCommitted(next)); err != nil {
		return next, err
	}
	return next, nil
}

// VerifySlot checks every file of slot against the slot's manifest: size,
// sha256 and permission bits.
func (r *Root) VerifySlot(slot string) (bundle.Manifest, error) {
	var m bundle.Manifest
	dir := r.SlotDir(slot)
	b, err := os.ReadFile(filepath.Join(dir, slotManifest))
	if err != nil {
		return m, fmt.Errorf("slot %s: %w", slot, err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("slot %s: %s: %w", slot, slotManifest, err)
	}
	if len(m.Files) == 0 {
		return m, fmt.Errorf("slot %s: %s lists no files", slot, slotManifest)
	}
	for _, f := range m.Files {
		if err := checkFile(filepath.Join(dir, filepath.FromSlash(f.Path)), f); err != nil {
			return m, fmt.Errorf("slot %s: %s: %w", slot, f.Path, err)
		}
	}
	return m, nil
}

func checkFile(name string, want bundle.File) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() || st.Size() != want.Size {
		return fmt.Errorf("%d bytes on disk, the manifest says %d", st.Size(), want.Size)
	}
	if uint32(st.Mode().Perm()) != want.Mode {
		return fmt.Errorf("mode %o on disk, the manifest says %o", st.Mode().Perm(), want.Mode)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if hex.EncodeToString(h.Sum(nil)) != want.SHA256 {
		return errors.New("the bytes on disk differ from the manifest")
	}
	return nil
}
