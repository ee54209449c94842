package servicepin

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"onetrip/firmware/sqlitefile/sqlitefiletest"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// hashOf is a cheap hash for tests (cost 4); provisioning uses the default.
func hashOf(t *testing.T, pin string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pin), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func open(t *testing.T, path, hash string, c *clock) *Store {
	t.Helper()
	s, err := Open(path, hash, c.now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func check(t *testing.T, s *Store, pin string) Verdict {
	t.Helper()
	v, err := s.Check(pin)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRightPINOpensWrongOneCountsDown(t *testing.T) {
	c := &clock{t0}
	s := open(t, filepath.Join(t.TempDir(), "pin.db"), hashOf(t, "2468"), c)
	if v := check(t, s, "1111"); v.OK || v.Locked || v.Left != 4 {
		t.Fatalf("wrong PIN: %+v, want 4 tries left", v)
	}
	if v := check(t, s, "2468"); !v.OK {
		t.Fatalf("right PIN refused: %+v", v)
	}
	// The right PIN cleared the count: five more tries.
	if v := check(t, s, "0000"); v.Left != 4 {
		t.Fatalf("after the right PIN, a wrong one leaves %d tries, want 4", v.Left)
	}
}

func TestFiveWrongLockAndTheLockSurvivesReopening(t *testing.T) {
	c := &clock{t0}
	path := filepath.Join(t.TempDir(), "pin.db")
	hash := hashOf(t, "2468")
	s := open(t, path, hash, c)
	var v Verdict
	for i := range Tries {
		v = check(t, s, "9999")
		if i < Tries-1 && v.Locked {
			t.Fatalf("locked after %d wrong PINs", i+1)
		}
	}
	if !v.Locked || !v.Until.Equal(t0.Add(FirstLock)) {
		t.Fatalf("after %d wrong PINs: %+v, want locked until %v", Tries, v, t0.Add(FirstLock))
	}
	s.Close()

	// A restart (the plug pulled) keeps the lock, and even the right PIN
	// is not checked while it lasts.
	c.t = t0.Add(FirstLock - time.Second)
	s = open(t, path, hash, c)
	if until, err := s.Locked(); err != nil || !until.Equal(t0.Add(FirstLock)) {
		t.Fatalf("reopened: locked until %v (%v), want %v", until, err, t0.Add(FirstLock))
	}
	if v := check(t, s, "2468"); v.OK || !v.Locked {
		t.Fatalf("right PIN during the lock: %+v, want refused as locked", v)
	}

	// After the lock, five more wrong PINs lock twice as long.
	c.t = t0.Add(FirstLock)
	for range Tries {
		v = check(t, s, "9999")
	}
	if !v.Locked || !v.Until.Equal(c.t.Add(2*FirstLock)) {
		t.Fatalf("second lock: %+v, want until %v", v, c.t.Add(2*FirstLock))
	}
	c.t = v.Until
	if v := check(t, s, "2468"); !v.OK {
		t.Fatalf("right PIN after the lock: %+v", v)
	}
	sqlitefiletest.CheckPragmas(t, s.db, Kind)
}

func TestLocksDoubleUpToADay(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 5 * time.Minute, 2: 10 * time.Minute, 3: 20 * time.Minute, 9: 21*time.Hour + 20*time.Minute, 10: 24 * time.Hour, 40: 24 * time.Hour} {
		if got := lockFor(n); got != want {
			t.Errorf("lock %d lasts %v, want %v", n, got, want)
		}
	}
}

func TestNoHashKeepsServiceModeShut(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "pin.db"), "", &clock{t0})
	if s.Configured() {
		t.Fatal("a store without a hash says it is configured")
	}
	if _, err := s.Check("0000"); !errors.Is(err, ErrNoPIN) {
		t.Fatalf("Check without a hash: %v, want ErrNoPIN", err)
	}
}

func TestBadHashIsRefusedAtOpen(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "pin.db"), "2468", nil)
	if err == nil || !strings.Contains(err.Error(), "not a bcrypt hash") {
		t.Fatalf("Open with a plain PIN as hash: %v", err)
	}
}

func TestHashChecksTheDigits(t *testing.T) {
	for _, bad := range []string{"123", "123456789", "12a4", ""} {
		if _, err := Hash(bad); err == nil {
			t.Errorf("Hash(%q) accepted", bad)
		}
	}
	h, err := Hash("482913")
	if err != nil {
		t.Fatal(err)
	}
	if bcrypt.CompareHashAndPassword([]byte(h), []byte("482913")) != nil {
		t.Fatal("the hash does not verify its PIN")
	}
}
