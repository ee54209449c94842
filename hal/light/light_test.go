package light

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"
)

func TestBH1750ReadsLux(t *testing.T) {
	bus := &i2ctest.Playback{Ops: []i2ctest.IO{
		{Addr: BH1750Addr, W: []byte{0x01}},
		{Addr: BH1750Addr, W: []byte{0x10}},
		{Addr: BH1750Addr, R: []byte{0x02, 0x58}}, // 600 counts
		{Addr: BH1750Addr, R: []byte{0xFF, 0xFF}},
	}}
	defer func() {
		if err := bus.Close(); err != nil {
			t.Error(err)
		}
	}()
	s, err := NewBH1750(i2c.Dev{Bus: bus, Addr: BH1750Addr})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []float64{500, 54612.5} {
		if got, err := s.Lux(); err != nil || got != want {
			t.Errorf("Lux = %v, %v; want %v", got, err, want)
		}
	}
}

func TestBH1750AbsentNamesTheAddress(t *testing.T) {
	_, err := NewBH1750(i2c.Dev{Bus: &i2ctest.Playback{DontPanic: true}, Addr: BH1750Addr})
	if err == nil || !strings.Contains(err.Error(), "bh1750 at 0x23: power on") {
		t.Errorf("NewBH1750 = %v, want an error naming the sensor and its address", err)
	}
}

// sysfs makes a backlight directory with max_brightness max.
func sysfs(t *testing.T, max string) string {
	t.Helper()
	dir := t.TempDir()
	for name, v := range map[string]string{"max_brightness": max, "brightness": "0\n", "bl_power": "0\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func attr(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBacklightWritesIntegers(t *testing.T) {
	dir := sysfs(t, "255\n")
	bl, err := OpenBacklight(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		fraction float64
		want     string
	}{{0.5, "128\n"}, {1, "255\n"}, {1.5, "255\n"}, {-0.2, "0\n"}, {0.1, "26\n"}} {
		if err := bl.Set(c.fraction); err != nil {
			t.Fatal(err)
		}
		if got := attr(t, dir, "brightness"); got != c.want {
			t.Errorf("Set(%v): brightness %q, want %q", c.fraction, got, c.want)
		}
	}
	for _, c := range []struct {
		blank bool
		want  string
	}{{true, "4\n"}, {false, "0\n"}} {
		if err := bl.Blank(c.blank); err != nil {
			t.Fatal(err)
		}
		if got := attr(t, dir, "bl_power"); got != c.want {
			t.Errorf("Blank(%v): bl_power %q, want %q", c.blank, got, c.want)
		}
	}
	if err := bl.Set(math.NaN()); err == nil {
		t.Error("Set(NaN) succeeded")
	}
}

func TestBacklightRefusesWhatIsNotABacklight(t *testing.T) {
	if _, err := OpenBacklight(t.TempDir()); err == nil {
		t.Error("OpenBacklight of an empty directory succeeded")
	}
	if _, err := OpenBacklight(sysfs(t, "0\n")); err == nil || !strings.Contains(err.Error(), "max_brightness") {
		t.Errorf("OpenBacklight with max_brightness 0 = %v, want an error about max_brightness", err)
	}
	dir := sysfs(t, "100\n")
	bl, err := OpenBacklight(dir)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "bl_power"))
	if err := bl.Blank(true); err == nil {
		t.Error("Blank without bl_power succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "bl_power")); err == nil {
		t.Error("Blank created bl_power")
	}
}

// screen records what a Controller writes.
type screen struct {
	level  float64
	sets   int
	blank  bool
	blanks []bool
	fail   error
}

func (s *screen) Set(f float64) error {
	if s.fail != nil {
		return s.fail
	}
	s.level, s.sets = f, s.sets+1
	return nil
}

func (s *screen) Blank(on bool) error {
	if s.fail != nil {
		return s.fail
	}
	s.blank, s.blanks = on, append(s.blanks, on)
	return nil
}

var t0 = time.Date(2025, 3, 3, 8, 30, 0, 0, time.Local)

func controller(t *testing.T, cfg Config) (*Controller, *screen) {
	t.Helper()
	s := &screen{level: -1}
	c, err := NewController(s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

func TestCurveInterpolates(t *testing.T) {
	for lux, want := range map[float64]float64{-3: 0.15, 0: 0.15, 10: 0.20, 20: 0.25, 85: 0.35, 500: 0.70, 1250: 0.85, 1e5: 1} {
		if got := DefaultCurve.At(lux); math.Abs(got-want) > 1e-9 {
			t.Errorf("At(%v) = %v, want %v", lux, got, want)
		}
	}
}

func TestBadCurveIsRefused(t *testing.T) {
	for _, c := range []Curve{{}, {{0, 0.5}, {0, 0.6}}, {{0, 0.5}, {10, 1.2}}} {
		if _, err := NewController(&screen{}, Config{Curve: c}); err == nil {
			t.Errorf("NewController accepted curve %v", c)
		}
	}
}

func TestFirstReadingSetsBrightnessAtOnce(t *testing.T) {
	c, s := controller(t, Config{})
	if err := c.Tick(t0, 500); err != nil {
		t.Fatal(err)
	}
	if s.level != 0.70 {
		t.Errorf("brightness %v, want 0.70", s.level)
	}
}

func TestFlashOfLightDoesNotJump(t *testing.T) {
	c, s := controller(t, Config{})
	now := t0
	tick := func(lux float64) {
		if err := c.Tick(now, lux); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Second)
	}
	tick(150)
	tick(20000) // a camera flash, or the sun off a passing windscreen
	tick(150)
	if s.level > 0.45+0.1 {
		t.Errorf("brightness %v after a one-second flash, want near 0.45", s.level)
	}
	for range 60 { // the sun comes out for a minute
		tick(5000)
	}
	if math.Abs(s.level-1) > minChange {
		t.Errorf("brightness %v after a minute in sunlight, want 1", s.level)
	}
}

func TestSteadyLightWritesNothing(t *testing.T) {
	c, s := controller(t, Config{})
	for i := range 100 {
		lux := 300 + float64(i%3-1)*5 // sensor noise
		if err := c.Tick(t0.Add(time.Duration(i)*time.Second), lux); err != nil {
			t.Fatal(err)
		}
	}
	if s.sets != 1 {
		t.Errorf("%d brightness writes in steady light, want 1", s.sets)
	}
}

func TestUnreadableSensorKeepsBrightness(t *testing.T) {
	c, s := controller(t, Config{})
	c.Tick(t0, math.NaN())
	if s.sets != 0 {
		t.Errorf("brightness %v written before any reading", s.level)
	}
	c.Tick(t0.Add(time.Second), 500)
	c.Tick(t0.Add(time.Minute), math.NaN())
	if s.level != 0.70 || s.sets != 1 {
		t.Errorf("brightness %v after %d writes, want 0.70 after 1", s.level, s.sets)
	}
}

func TestIdleScreenBlanksAndFirstTouchOnlyWakes(t *testing.T) {
	c, s := controller(t, Config{BlankAfter: 10 * time.Minute})
	c.Tick(t0, 300)
	c.Tick(t0.Add(10*time.Minute-time.Second), 300)
	if s.blank {
		t.Fatal("blanked before 10 idle minutes")
	}
	c.Tick(t0.Add(10*time.Minute), 300)
	if !s.blank {
		t.Fatal("not blanked after 10 idle minutes")
	}
	touched := t0.Add(15 * time.Minute)
	if !c.Touch(touched) {
		t.Error("first touch on a blank screen did not report waking")
	}
	if s.blank {
		t.Error("first touch did not wake the screen")
	}
	if c.Touch(touched.Add(time.Second)) {
		t.Error("second touch reported waking")
	}
	c.Tick(touched.Add(10*time.Minute), 300) // 9:59 since the last touch
	if s.blank {
		t.Error("blanked although touched 9:59 ago")
	}
	c.Tick(touched.Add(10*time.Minute+time.Second), 300)
	if !s.blank || len(s.blanks) != 3 {
		t.Errorf("blank %v after writes %v, want blanked again after 3 writes", s.blank, s.blanks)
	}
}

func TestFailedWakeIsRetried(t *testing.T) {
	c, s := controller(t, Config{BlankAfter: time.Minute})
	c.Tick(t0, 300)
	c.Tick(t0.Add(time.Minute), 300)
	s.fail = errors.New("backlight gone")
	if !c.Touch(t0.Add(2 * time.Minute)) {
		t.Error("touch on a blank screen did not report waking")
	}
	if !c.Touch(t0.Add(2*time.Minute + time.Second)) {
		t.Error("touch on a screen still dark did not report waking")
	}
	if err := c.Tick(t0.Add(2*time.Minute+2*time.Second), 300); !errors.Is(err, s.fail) {
		t.Errorf("Tick = %v, want the write error", err)
	}
	s.fail = nil
	if err := c.Tick(t0.Add(2*time.Minute+3*time.Second), 300); err != nil || s.blank {
		t.Errorf("Tick = %v, blank %v; want the screen woken", err, s.blank)
	}
}

func TestControllerDrivesBacklightFiles(t *testing.T) {
	dir := sysfs(t, "1000\n")
	bl, err := OpenBacklight(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewController(bl, Config{BlankAfter: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Tick(t0, 500); err != nil {
		t.Fatal(err)
	}
	if got := attr(t, dir, "brightness"); got != "700\n" {
		t.Errorf("brightness %q, want 700", got)
	}
	if err := c.Tick(t0.Add(time.Minute), 500); err != nil {
		t.Fatal(err)
	}
	if got := attr(t, dir, "bl_power"); got != "4\n" {
		t.Errorf("bl_power %q after a minute idle, want 4", got)
	}
}
