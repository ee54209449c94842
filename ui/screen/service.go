package screen

import (
	"image"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"onetrip/firmware/flow"
)

// service lays out the service-mode screens; it returns false for a
// citizen's screen.
func (b *builder) service() bool {
	if !b.s.InService() {
		return false
	}
	switch b.s.Screen {
	case flow.ServicePIN:
		b.pinPad()
	case flow.ServiceMenu:
		b.serviceMenu()
	case flow.ServiceTest:
		b.selfTest()
	case flow.ServiceIdentity, flow.ServiceLog, flow.ServiceNetwork:
		b.serviceInfo()
	}
	leave := image.Rect(margin, navTop, margin+240, navTop+88)
	if b.s.Screen == flow.ServiceTest {
		// The bottom corners are touch targets in the self-test.
		leave = image.Rect(660, navTop, 900, navTop+88)
	}
	b.widget("service-leave", b.t.T("service.leave"), leave, Quiet)
	if slices.Contains(b.s.Actions(b.cfg), "service-back") {
		r := image.Rect(margin+264, navTop, margin+264+300, navTop+88)
		if b.s.Screen == flow.ServiceTest {
			r = image.Rect(340, navTop, 640, navTop+88)
		}
		b.widget("service-back", b.t.T("service.back"), r, Quiet)
	}
	return true
}

// pinPad is the PIN pad: the digits typed shown as dots, what the last
// PIN did, and the keys.
func (b *builder) pinPad() {
	v := b.s.Service
	b.title(b.t.T("service.pin_title"))
	b.text(b.t.T("service.pin_hint", "min", flow.PINMin, "max", flow.PINMax), image.Rect(margin, 200, 1280-margin, 240), smallPx, Muted, Center)
	switch {
	case v.NoPIN:
		b.text(b.t.T("service.pin_none"), image.Rect(margin+80, 300, 1280-margin-80, 440), bodyPx, Warn, Center)
		return
	case !v.Locked.IsZero():
		b.text(b.t.T("service.pin_locked", "time", v.Locked.In(b.now.Location()).Format("15:04")), image.Rect(margin+80, 300, 1280-margin-80, 440), bodyPx, Warn, Center)
		return
	case v.Checking:
		b.text(b.t.T("service.pin_checking"), image.Rect(margin, 248, 1280-margin, 292), smallPx, Muted, Center)
	case v.Left > 0:
		b.text(b.t.T("service.pin_wrong", "left", v.Left), image.Rect(margin, 248, 1280-margin, 292), smallPx, Warn, Center)
	}
	field := image.Rect(712, 300, 1232, 388)
	b.l.Panels = append(b.l.Panels, Panel{Box: field, Style: Body})
	b.text(strings.TrimSpace(strings.Repeat("● ", len(v.PIN))), field, 48, Accent, Center)
	keys := []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "pin-delete", "0", "pin-ok"}
	for i, k := range keys {
		col, row := i%3, i/3
		r := image.Rect(232+col*136, 300+row*96, 232+col*136+128, 300+row*96+88)
		id, label, kind := "digit:"+k, k, Secondary
		switch k {
		case "pin-delete":
			id, label, kind = k, b.t.T("service.pin_delete"), Quiet
		case "pin-ok":
			id, label, kind = k, b.t.T("service.pin_ok"), Primary
		}
		if slices.Contains(b.s.Actions(b.cfg), id) {
			b.widget(id, label, r, kind)
		}
	}
}

// serviceMenu is the menu: six actions and what the last one is doing.
func (b *builder) serviceMenu() {
	v := b.s.Service
	b.title(b.t.T("service.menu_title"))
	labels := map[string]string{
		"service-selftest": "service.selftest", "service-identity": "service.identity", "service-log": "service.log",
		"service-network": "service.network", "service-print": "service.print", "service-restart": "service.restart",
	}
	for i, id := range flow.MenuItems {
		if !slices.Contains(b.s.Actions(b.cfg), id) {
			continue
		}
		col, row := i%2, i/2
		r := image.Rect(margin+col*600, 220+row*124, margin+col*600+584, 220+row*124+108)
		b.widget(id, b.t.T(labels[id]), r, Secondary)
	}
	line := image.Rect(margin, 600, 1280-margin, 660)
	switch {
	case v.Restarting:
		b.text(b.t.T("service.restarting"), image.Rect(margin, 300, 1280-margin, 400), bodyPx, Warn, Center)
	case v.Print == "printing":
		b.text(b.t.T("service.printing"), line, bodyPx, Muted, Center)
	case v.Print == "printed":
		b.text(b.t.T("service.printed"), line, bodyPx, Good, Center)
	case v.Print == "failed":
		b.text(b.t.T("service.print_failed"), line, bodyPx, Warn, Center)
	}
}

// colourBars are the self-test's bars: each panel style and the colour it
// must show.
var colourBars = []struct {
	style Style
	name  string
}{{Body, "white"}, {Warn, "red"}, {Good, "green"}, {Accent, "blue"}, {Muted, "grey"}}

// cornerBoxes are the corner targets of the self-test.
var cornerBoxes = map[string]image.Rectangle{
	"top-left":     image.Rect(0, 0, 128, 128),
	"top-right":    image.Rect(1280-128, 0, 1280, 128),
	"bottom-right": image.Rect(1280-128, 800-128, 1280, 800),
	"bottom-left":  image.Rect(0, 800-128, 128, 800),
}

func (b *builder) selfTest() {
	v := b.s.Service
	switch v.Phase {
	case flow.TestBars:
		b.title(b.t.T("service.bars_title"))
		w := (1280 - 2*margin) / len(colourBars)
		for i, bar := range colourBars {
			r := image.Rect(margin+i*w, 210, margin+(i+1)*w-8, 560)
			b.l.Panels = append(b.l.Panels, Panel{Box: r, Style: bar.style})
			st := Inverse
			if bar.style == Body {
				st = Body
			}
			b.text(b.t.T("service."+bar.name), image.Rect(r.Min.X, 350, r.Max.X, 420), titlePx, st, Center)
		}
		b.text(b.t.T("service.bars_hint"), image.Rect(margin, 570, 1280-margin, 610), smallPx, Muted, Center)
		b.widget("test-next", b.t.T("service.bars_ok"), image.Rect(920, navTop, 1280-margin, navTop+88), Primary)
	case flow.TestCorners:
		b.text(b.t.T("service.corners_title"), image.Rect(160, topBar+16, 1280-160, topBar+96), titlePx, Body, Center)
		want := slices.Index(flow.Corners, v.NextCorner())
		b.text(b.t.T("service.corner_next", "n", want+1), image.Rect(160, 260, 1280-160, 320), bodyPx, Body, Center)
		if v.Missed != "" {
			b.text(b.t.T("service.corner_missed", "landed", b.t.T("service."+v.Landed), "wanted", b.t.T("service."+v.Missed)),
				image.Rect(160, 340, 1280-160, 520), bodyPx, Warn, Center)
		}
		for i, c := range flow.Corners {
			if slices.Contains(v.Touched, c) {
				continue
			}
			kind := Secondary
			if i == want {
				kind = Help // orange: it stands out from the blue top bar
			}
			b.widget("corner:"+c, strconv.Itoa(i+1), cornerBoxes[c], kind)
		}
	case flow.TestLamps:
		b.title(b.t.T("service.lamps_title"))
		b.text(b.t.T("service.lamps_question"), image.Rect(margin, 260, 1280-margin, 420), bodyPx, Body, Center)
		b.widget("lamps-not-seen", b.t.T("service.lamps_not_seen"), image.Rect(160, 460, 600, 560), Secondary)
		b.widget("lamps-seen", b.t.T("service.lamps_seen"), image.Rect(680, 460, 1120, 560), Primary)
	case flow.TestRunning:
		b.title(b.t.T("service.results_title"))
		b.text(b.t.T("service.running"), image.Rect(margin, 360, 1280-margin, 440), bodyPx, Muted, Center)
	case flow.TestResults:
		b.title(b.t.T("service.results_title"))
		for i, r := range v.Results[:min(len(v.Results), 10)] {
			y := 200 + i*48
			st := map[string]Style{"pass": Good, "fail": Warn, "skip": Muted}[r.Status]
			b.text(b.t.T("service."+r.Status), image.Rect(margin, y, margin+120, y+44), smallPx, st, Left)
			b.text(cut(r.Check+": "+r.Detail, 70), image.Rect(margin+130, y, 1280-margin, y+44), smallPx, Body, Left)
		}
		b.widget("test-again", b.t.T("service.again"), image.Rect(920, navTop, 1280-margin, navTop+88), Primary)
	}
}

// serviceInfo is an information page: its lines, and for the identity
// its QR code.
func (b *builder) serviceInfo() {
	v := b.s.Service
	title := map[flow.Screen]string{flow.ServiceIdentity: "service.identity_title", flow.ServiceLog: "service.log_title", flow.ServiceNetwork: "service.network_title"}
	b.title(b.t.T(title[b.s.Screen]))
	right := 1280 - margin
	if v.QR != "" {
		b.l.QRs = append(b.l.QRs, QR{Payload: v.QR, Box: image.Rect(860, 200, 1220, 560)})
		b.text(b.t.T("service.identity_hint"), image.Rect(840, 570, 1240, 610), smallPx, Muted, Center)
		right = 820
	}
	lines := v.Lines
	switch {
	case lines == nil:
		lines = []string{b.t.T("service.loading")}
	case len(lines) == 0 && b.s.Screen == flow.ServiceLog:
		lines = []string{b.t.T("service.log_empty")}
	}
	const rows = 10
	if len(lines) > rows {
		lines = lines[len(lines)-rows:] // the newest
	}
	for i, l := range lines {
		y := 200 + i*48
		b.text(cut(l, (right-margin)/15), image.Rect(margin, y, right, y+44), smallPx, Body, Left)
	}
}

// cut shortens s to n characters, marking the cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
