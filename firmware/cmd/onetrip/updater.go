package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"onetrip/firmware/flow"
	"onetrip/firmware/hallqueue"
	"onetrip/firmware/provision"
	"onetrip/firmware/rollout"
	"onetrip/firmware/update"
)

// probeEvery is how often a kiosk on trial asks its own loop for the screen.
const probeEvery = time.Second

// updates is the kiosk's part in its own updates, for a program installed
// by onetrip update (anything else does nothing here): on the hall bus it
// follows the controller's staged rollouts, and a version on trial commits
// itself once healthy.
func (s *system) updates(ctx context.Context, f Flags) {
	r, _, ok := installedRoot()
	if !ok {
		return
	}
	if s.bus != nil {
		if key, err := rolloutKey(f); err != nil {
			s.log.Warn("staged rollouts off", "err", err)
		} else {
			u := &hallqueue.Updates{Bus: s.bus, Kiosk: f.Terminal, Installer: rootInstaller{r, key}, Restart: restartSelf, Log: s.log}
			go u.Run(ctx)
		}
	}
	commitOnTrial(ctx, s.log, func(ctx context.Context) (bool, error) {
		var screen flow.Screen
		err := s.k.Do(ctx, func() { screen = s.k.State().Screen })
		return screen == flow.Attract, err
	})
}

// installedRoot is the update root and slot this program was installed in
// by onetrip update, if it was.
func installedRoot() (*update.Root, string, bool) {
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		return nil, "", false
	}
	return update.RootOf(exe)
}

// rolloutKey is the provisioning file's update key.
func rolloutKey(f Flags) (ed25519.PublicKey, error) {
	if f.Provision == "" {
		return nil, errors.New("no --provision file with the update key")
	}
	p, _, err := provision.Load(f.Provision)
	if err != nil {
		return nil, err
	}
	return p.UpdateKey, nil
}

// commitOnTrial commits a version on trial once the terminal has shown its
// main screen (onMain: the kiosk's attract screen) and its loop kept
// answering for the healthy time; a terminal that does not get there ends
// itself, so that systemd starts it again and the boot check counts the
// failed start. The other roles' terminals pass a probe that only asks
// their runner to answer (runTerminal).
func commitOnTrial(ctx context.Context, log *slog.Logger, onMain update.Probe) {
	r, slot, ok := installedRoot()
	if !ok {
		return
	}
	probe := func(ctx context.Context) (bool, error) {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		return onMain(ctx)
	}
	committed, err := r.CommitWhenHealthy(ctx, slot, probeEvery, probe)
	switch {
	case committed:
		log.Info("update committed: this version stays", "version", buildVersion().Version, "slot", slot)
	case errors.Is(err, update.ErrUnhealthy):
		log.Error("update on trial failed this start; restarting", "err", err)
		restartSelf()
	case err != nil:
		log.Error("update commit", "err", err)
	}
}

// restartSelf ends onetrip as systemctl stop would (SIGTERM: tickets and
// the audit trail are closed cleanly); the unit's Restart=always starts it
// again, through the boot check.
func restartSelf() { syscall.Kill(os.Getpid(), syscall.SIGTERM) }

// rootInstaller is the kiosk's updater for staged rollouts.
type rootInstaller struct {
	r   *update.Root
	key ed25519.PublicKey
}

func (i rootInstaller) Status() (rollout.Status, error) {
	s, err := i.r.State()
	if err != nil {
		return rollout.Status{}, err
	}
	return rollout.Status{Running: s.Version(), Committed: s.Committed, RolledBack: s.RolledBack}, nil
}

func (i rootInstaller) Install(ctx context.Context, o rollout.Order) error {
	i.r.RemoveDownloads()
	name, err := i.r.Download(ctx, o.URL, update.MaxDownload, nil)
	if err != nil {
		return err
	}
	defer os.Remove(name)
	b, err := i.r.Verify(name, i.key, runtime.GOARCH)
	if err != nil {
		return err
	}
	if b.Manifest.Version != o.Version {
		return fmt.Errorf("refused: the bundle at %s is %s, the order says %s", o.URL, b.Manifest.Version, o.Version)
	}
	_, err = i.r.Install(b, update.Policy{MaxStarts: update.DefaultMaxStarts, Healthy: update.Duration(update.DefaultHealthy)})
	return err
}
