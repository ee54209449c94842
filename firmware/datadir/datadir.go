// Package datadir prepares a terminal's data directory: it must exist, be
// writable, and belong to one process at a time — two kiosks on one
// directory would hand out each other's tickets and overwrite each other's
// printed jobs.
package datadir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrBusy means another process holds the directory.
var ErrBusy = errors.New("in use by another onetrip")

// Lock creates dir if needed, checks that it can be written, and takes its
// lock (a flock on dir/lock, released when the process ends, however it
// ends). The returned function releases it.
func Lock(dir string) (func(), error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("data directory %s: %w", dir, plain(err))
	}
	path := filepath.Join(dir, "lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("data directory %s: cannot write to it: %w", dir, plain(err))
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("data directory %s: %w%s", dir, ErrBusy, holder(f))
		}
		return nil, fmt.Errorf("data directory %s: lock: %w", dir, err)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() { f.Close() }, nil
}

// holder names the process in the lock file, if it wrote its pid.
func holder(f *os.File) string {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	pid := strings.TrimSpace(string(b[:n]))
	if pid == "" {
		return ""
	}
	return " (pid " + pid + ")"
}

// plain says permission problems in words.
func plain(err error) error {
	if errors.Is(err, os.ErrPermission) {
		return errors.New("permission denied")
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
