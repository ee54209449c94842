package screen

import (
	"fmt"
	"image"
	"strings"
	"testing"

	"onetrip/firmware/flow"
	"onetrip/ui/screen/screentest"
)

// serviceScenes reaches every service screen through the flow.
func serviceScenes(cfg *flow.Config) map[string]flow.State {
	step := func(s flow.State, evs ...flow.Event) flow.State {
		for _, e := range evs {
			s, _ = flow.Step(cfg, s, e, t0)
		}
		return s
	}
	tap := func(ids ...string) []flow.Event {
		var evs []flow.Event
		for _, id := range ids {
			evs = append(evs, flow.Tap{ID: id})
		}
		return evs
	}
	pad := step(flow.New(cfg, t0), flow.ButtonHeld{Name: flow.ServiceButton}, flow.ServiceLock{Configured: true})
	wrong := step(pad, append(tap("digit:1", "digit:1", "digit:1", "digit:1", "pin-ok"), flow.PINChecked{Left: 3})...)
	menu := step(pad, append(tap("digit:2", "digit:4", "digit:6", "digit:8", "pin-ok"), flow.PINChecked{OK: true})...)
	corners := step(menu, tap("service-selftest", "test-next", "corner:top-left")...)
	lamps := step(corners, tap("corner:top-right", "corner:bottom-right", "corner:bottom-left")...)
	results := step(lamps, append(tap("lamps-not-seen"),
		flow.SelfTestDone{Results: []flow.CheckResult{
			{Check: "clock", Status: "pass", Detail: "2026-11-25 09:41:00 CST, synchronised (NTP)"},
			{Check: "idcard", Status: "pass", Detail: "ga467 on /dev/ttyUSB0: SAM status OK, SAM id 05.01-20161123-0012345678-2309876543"},
			{Check: "printer", Status: "fail", Detail: "paper out"},
			{Check: "hall bus", Status: "skip", Detail: "standalone: no hall bus configured"},
		}})...)
	identity := step(menu, append(tap("service-identity"), flow.ServiceInfo{Page: flow.ServiceIdentity,
		Lines: []string{"board rpi4-kiosk", "terminal kiosk-1", "firmware v1.2.0 (0123456789ab)", "hall hz-sc", "serial 10000000abcdef01"},
		QR:    `{"board":"rpi4-kiosk","terminal":"kiosk-1","version":"v1.2.0","commit":"0123456789abcdef","hall":"hz-sc","serial":"10000000abcdef01"}`})...)
	log := step(menu, append(tap("service-log"), flow.ServiceInfo{Page: flow.ServiceLog, Lines: []string{
		"09:40:12 INFO  kiosk starting version=v1.2.0 board=rpi4-kiosk hall=hz-sc",
		"09:40:13 INFO  ticket issued number=A023 matter=social-card green=false offline=false",
		"09:41:00 WARN  printer status=\"paper out\"",
	}})...)
	network := step(menu, append(tap("service-network"), flow.ServiceInfo{Page: flow.ServiceNetwork, Lines: []string{
		"eth0 up 192.168.10.21/24", "wlan0 down", "hall bus: online (nats://192.168.10.2:4222)",
	}})...)
	return map[string]flow.State{
		"service-pin":          step(pad, tap("digit:2", "digit:4")...),
		"service-pin-wrong":    wrong,
		"service-pin-locked":   step(pad, append(tap("digit:1", "digit:1", "digit:1", "digit:1", "pin-ok"), flow.PINChecked{Until: t0.Add(5 * 60e9)})...),
		"service-pin-none":     step(flow.New(cfg, t0), flow.ButtonHeld{Name: flow.ServiceButton}, flow.ServiceLock{Configured: false}),
		"service-menu":         step(menu, tap("service-print")...),
		"service-test-bars":    step(menu, tap("service-selftest")...),
		"service-test-corners": corners,
		"service-test-rotated": step(corners, tap("corner:bottom-left")...),
		"service-test-lamps":   lamps,
		"service-test-results": results,
		"service-identity":     identity,
		"service-log":          log,
		"service-network":      network,
	}
}

func TestServiceScreensShowExactlyTheirActions(t *testing.T) {
	cfg, cats := setup(t)
	for name, s := range serviceScenes(cfg) {
		for _, lang := range []string{"zh-CN", "en"} {
			s.Lang = lang
			l := Build(cfg, s, cats, t0)
			if err := l.Verify(s.Actions(cfg)); err != nil {
				t.Errorf("%s/%s: %v", name, lang, err)
			}
			for _, w := range l.Widgets {
				for _, o := range l.Widgets {
					if o.ID != w.ID && o.Rect.Overlaps(w.Rect) {
						t.Errorf("%s/%s: widgets %s and %s overlap", name, lang, w.ID, o.ID)
					}
				}
			}
			for _, tx := range l.Texts {
				if tx.Px < 28 {
					t.Errorf("%s/%s: text %q at %v px", name, lang, tx.S, tx.Px)
				}
				if strings.Contains(tx.S, "{") {
					t.Errorf("%s/%s: text %q lacks its catalog entry", name, lang, tx.S)
				}
			}
		}
	}
}

// The corners of the self-test are the screen's own corners: a touch panel
// turned against the screen cannot hit the one asked for.
func TestSelfTestCornersAreTheScreensCorners(t *testing.T) {
	cfg, cats := setup(t)
	l := Build(cfg, serviceScenes(cfg)["service-test-corners"], cats, t0)
	for id, p := range map[string]image.Point{"corner:top-right": {1279, 0}, "corner:bottom-right": {1279, 799}, "corner:bottom-left": {0, 799}} {
		if got, ok := l.Hit(p); !ok || got != id {
			t.Errorf("touch at %v hits %q, want %s", p, got, id)
		}
	}
	if _, ok := l.Widget("corner:top-left"); ok {
		t.Error("the corner already touched is still shown")
	}
}

func TestServiceGoldens(t *testing.T) {
	cfg, cats := setup(t)
	p := NewPainter()
	for name, s := range serviceScenes(cfg) {
		for _, lang := range []string{"zh-CN", "en"} {
			s.Lang = lang
			img := image.NewRGBA(Size)
			p.Draw(img, Build(cfg, s, cats, t0), "")
			screentest.Golden(t, fmt.Sprintf("%s-%s", name, lang), img, *update)
		}
	}
}
