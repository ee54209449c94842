package datadir

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecondProcessIsRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	release, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A second process: this test binary again, asked to lock the same dir.
	cmd := exec.Command(os.Args[0], "-test.run=TestHelperLock")
	cmd.Env = append(os.Environ(), "DATADIR_LOCK="+dir)
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), "in use by another onetrip (pid ") {
		t.Fatalf("second process: %s", out)
	}
	release()
	cmd = exec.Command(os.Args[0], "-test.run=TestHelperLock")
	cmd.Env = append(os.Environ(), "DATADIR_LOCK="+dir)
	if out, _ := cmd.CombinedOutput(); !strings.Contains(string(out), "locked") {
		t.Fatalf("after release the directory is still refused: %s", out)
	}
}

func TestHelperLock(t *testing.T) {
	dir := os.Getenv("DATADIR_LOCK")
	if dir == "" {
		t.Skip("run by TestSecondProcessIsRefused in a child process")
	}
	if _, err := Lock(dir); err != nil {
		os.Stdout.WriteString(err.Error() + "\n")
		return
	}
	os.Stdout.WriteString("locked\n")
}

// A directory the kiosk may not write says so in words, not as SQLite's
// "unable to open database file (14)". sysfs refuses new entries even to
// root, so the test holds for any user.
func TestUnwritableDirectorySaysPermissionDenied(t *testing.T) {
	dir := "/sys/onetrip-test-data"
	if _, err := os.Stat("/sys/kernel"); err != nil {
		t.Fatalf("no sysfs here to test against: %v", err)
	}
	_, err := Lock(dir)
	if err == nil || !strings.Contains(err.Error(), "permission denied") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("unwritable dir: %v", err)
	}
}

func TestPermissionErrorsInWords(t *testing.T) {
	err := plain(&os.PathError{Op: "open", Path: "/x/lock", Err: os.ErrPermission})
	if err.Error() != "permission denied" || errors.Is(err, os.ErrNotExist) {
		t.Fatalf("plain = %v", err)
	}
}
