// Package hall loads and validates a service hall's configuration: its names,
// opening rules and the catalog of matters the kiosk offers.
//
// A hall file is TOML. Anything wrong with it stops start-up with one error
// naming the file, the line and the problem, because a kiosk that guesses
// sends citizens to the wrong window.
//
// Links. A matter's deep_link and the hall's queue_link are printed as QR
// codes that citizens open on their phones, so a hall file must not be able
// to send them anywhere a browser would do harm or leave the encrypted web:
// both must be https:// links, or use one of the schemes the hall lists in
// app_schemes (the government app's own, e.g. app_schemes = ["zjzwfw"]).
// javascript:, data:, file:, mailto:, relative links and the like are
// refused, and so are browser schemes listed in app_schemes. One exception:
// queue_link may also be http://, because the hall controller fills it in
// with its own phone page (http://HOST:PORT/t/{token}), which it serves
// without TLS on the hall's LAN; that page shows a ticket's place in the
// queue and asks nothing of the citizen. deep_link never may: it opens the
// matter's online service, where citizens sign in and hand in documents.
package hall

import (
	"crypto/sha256"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"onetrip/assets"
	"onetrip/firmware/tomlpos"
)

// Text is a string in every language the hall speaks.
type Text struct {
	Zh string `toml:"zh"`
	En string `toml:"en"`
}

// In returns the text for lang ("zh-CN" or "en"), falling back to Chinese.
func (t Text) In(lang string) string {
	if strings.HasPrefix(lang, "en") && t.En != "" {
		return t.En
	}
	return t.Zh
}

// Material is one document a matter needs; Waivable marks 容缺 (the matter can
// proceed without it and it is handed in later).
type Material struct {
	Zh       string `toml:"zh"`
	En       string `toml:"en"`
	Waivable bool   `toml:"waivable"`
}

// Name returns the material's name in lang.
func (m Material) Name(lang string) string { return Text{m.Zh, m.En}.In(lang) }

// Category groups matters on the kiosk's catalog screen.
type Category struct {
	ID   string `toml:"id"`
	Name Text   `toml:"name"`
}

// Matter is one kind of business the hall handles (or knows where to send).
type Matter struct {
	ID        string `toml:"id"`
	Category  string `toml:"category"`
	Name      Text   `toml:"name"`
	Prefix    string `toml:"prefix"`
	Where     Text   `toml:"where"`
	Here      bool   `toml:"here"`
	Elsewhere Text   `toml:"elsewhere"`
	// Where a matter handled elsewhere is done: opening hours and phone,
	// printed on the citizen's slip with the address and the materials.
	ElsewhereHours Text       `toml:"elsewhere_hours"`
	ElsewherePhone string     `toml:"elsewhere_phone"`
	Online         bool       `toml:"online"`
	DeepLink       string     `toml:"deep_link"`
	Materials      []Material `toml:"materials"`
	AvgMinutes     float64    `toml:"avg_minutes"`
}

// Window is one service counter of the hall and the matters it serves.
type Window struct {
	Number  int      `toml:"number"`
	Matters []string `toml:"matters"`
}

// Serves reports whether the window serves matter.
func (w Window) Serves(matter string) bool {
	for _, m := range w.Matters {
		if m == matter {
			return true
		}
	}
	return false
}

// Figures are the hall's own measures, against which the office page and
// the report compare what happened.
type Figures struct {
	// SatisfactionTarget is the share of ratings that must be satisfied.
	SatisfactionTarget float64 `toml:"satisfaction_target"`
	// SatisfiedLevels is how many of the five 好差评 levels, from the top
	// (非常满意), count as satisfied.
	SatisfiedLevels int `toml:"satisfied_levels"`
	// WindowBaseline is the average time at the window before the reform,
	// and WindowGoal the change aimed for (-0.25: a quarter less).
	WindowBaseline Duration `toml:"window_baseline"`
	WindowGoal     float64  `toml:"window_goal"`
}

// Hall is a validated hall configuration.
type Hall struct {
	ID          string     `toml:"id"`
	Name        Text       `toml:"name"`
	ResetHour   int        `toml:"reset_hour"`
	IdleTimeout Duration   `toml:"idle_timeout"`
	Languages   []string   `toml:"languages"`
	QueueLink   string     `toml:"queue_link"`
	AppSchemes  []string   `toml:"app_schemes"` // schemes besides https the links may use: the hall's app's
	WaitWarning Duration   `toml:"wait_warning"`
	Figures     Figures    `toml:"figures"`
	Categories  []Category `toml:"category"`
	Matters     []Matter   `toml:"matter"`
	Windows     []Window   `toml:"window"`

	// Version names the file's content (the first 12 hex digits of its
	// SHA-256): terminals say which version they run.
	Version string `toml:"-"`

	byID map[string]int
}

// Window returns the window with number n.
func (h *Hall) Window(n int) (Window, bool) {
	for _, w := range h.Windows {
		if w.Number == n {
			return w, true
		}
	}
	return Window{}, false
}

// Duration is a time.Duration written as "60s" or "2m" in the file.
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration like \"60s\"", b)
	}
	d.Duration = v
	return nil
}

// DefaultIdleTimeout applies when the file does not set idle_timeout.
const DefaultIdleTimeout = 60 * time.Second

// Matter returns the matter with the given id.
func (h *Hall) Matter(id string) (Matter, bool) {
	i, ok := h.byID[id]
	if !ok {
		return Matter{}, false
	}
	return h.Matters[i], true
}

// MattersIn returns the matters of a category in file order.
func (h *Hall) MattersIn(category string) []Matter {
	var out []Matter
	for _, m := range h.Matters {
		if m.Category == category {
			out = append(out, m)
		}
	}
	return out
}

// Link fills a deep-link template. {token} is the ticket's unguessable key
// for the phone page; {ticket} its number.
func Link(template, hall, matter, ticket string) string {
	return LinkToken(template, hall, matter, ticket, "")
}

// LinkToken fills a template that may also name the ticket's token.
func LinkToken(template, hall, matter, ticket, token string) string {
	return strings.NewReplacer("{hall}", url.QueryEscape(hall), "{matter}", url.QueryEscape(matter),
		"{ticket}", url.QueryEscape(ticket), "{token}", url.QueryEscape(token)).Replace(template)
}

// Error is a problem in a hall file, with the line it was found on.
type Error = tomlpos.Error

// Load reads and validates the hall file at path.
func Load(path string) (*Hall, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("hall file: %w", err)
	}
	return Parse(path, src)
}

// Sample returns the sample hall compiled into the binary: the hall a new
// kiosk or a simulated board runs with until it is given its own.
func Sample() (*Hall, error) {
	src, err := assets.FS.ReadFile(assets.SampleHall)
	if err != nil {
		return nil, err
	}
	return Parse("sample hall ("+assets.SampleHall+")", src)
}

// Parse validates src, naming the file as name in errors.
func Parse(name string, src []byte) (*Hall, error) {
	h := &Hall{
		IdleTimeout: Duration{DefaultIdleTimeout},
		WaitWarning: Duration{30 * time.Minute},
		Figures:     Figures{SatisfactionTarget: 0.96, SatisfiedLevels: 3, WindowGoal: -0.25},
		Version:     fmt.Sprintf("%x", sha256.Sum256(src))[:12],
	}
	f := tomlpos.New(name, src)
	if _, err := f.Decode(h); err != nil {
		return nil, err
	}
	v := validator{f: f}
	v.hall(h)
	if v.err != nil {
		return nil, v.err
	}
	return h, nil
}

var (
	idPattern       = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	prefixPattern   = regexp.MustCompile(`^[A-Z]$`)
	placeholderExpr = regexp.MustCompile(`\{[^{}]*\}`)
	schemeExpr      = regexp.MustCompile(`^[a-z][a-z0-9+.-]*$`)
	phonePattern    = regexp.MustCompile(`^\+?[0-9][0-9 -]{4,19}$`)
	knownLanguages  = map[string]bool{"zh-CN": true, "en": true}
	// browserSchemes are schemes a browser handles itself: never an app's.
	browserSchemes = []string{"about", "blob", "data", "file", "ftp", "http", "https", "javascript", "mailto", "sms", "tel", "vbscript", "ws", "wss"}
)

type validator struct {
	f   *tomlpos.File
	err error
}

func (v *validator) fail(line int, format string, args ...any) {
	if v.err == nil {
		v.err = v.f.Errorf(line, format, args...)
	}
}

func (v *validator) hall(h *Hall) {
	top := func(key string) int { return v.f.Line("", 0, key) }
	if h.ID == "" || !idPattern.MatchString(h.ID) {
		v.fail(top("id"), "id: missing or not lower-case letters, digits and '-' (got %q)", h.ID)
	}
	v.text(h.Name, top("name"), "name")
	if h.ResetHour < 0 || h.ResetHour > 23 {
		v.fail(top("reset_hour"), "reset_hour must be 0-23 (got %d)", h.ResetHour)
	}
	if h.IdleTimeout.Duration < 10*time.Second || h.IdleTimeout.Duration > 30*time.Minute {
		v.fail(top("idle_timeout"), "idle_timeout must be between 10s and 30m (got %s)", h.IdleTimeout.Duration)
	}
	if len(h.Languages) == 0 {
		h.Languages = []string{"zh-CN", "en"}
	}
	for _, l := range h.Languages {
		if !knownLanguages[l] {
			v.fail(top("languages"), "languages: %q has no catalog (have zh-CN, en)", l)
		}
	}
	for _, s := range h.AppSchemes {
		switch {
		case s == "https":
			v.fail(top("app_schemes"), "app_schemes: https is always allowed; list only an app's own scheme, like \"zjzwfw\"")
		case slices.Contains(browserSchemes, s):
			v.fail(top("app_schemes"), "app_schemes: %q is not an app's scheme and cannot be allowed; list only an app's own scheme, like \"zjzwfw\"", s)
		case !schemeExpr.MatchString(s):
			v.fail(top("app_schemes"), "app_schemes: %q is not a URL scheme (lower-case letters, digits, '+', '-' and '.', like \"zjzwfw\")", s)
		}
	}
	// Without its own queue_link the hall's controller fills in its phone
	// page, served over http (see the package doc).
	v.link(h.QueueLink, top("queue_link"), "queue_link", false, true, h.AppSchemes)
	if h.WaitWarning.Duration < time.Minute || h.WaitWarning.Duration > 8*time.Hour {
		v.fail(top("wait_warning"), "wait_warning must be between 1m and 8h (got %s)", h.WaitWarning.Duration)
	}
	v.figures(h.Figures)
	cats := map[string]bool{}
	for i, c := range h.Categories {
		line := v.f.Line("category", i, "id")
		if !idPattern.MatchString(c.ID) {
			v.fail(line, "category %d: id missing or malformed (%q)", i+1, c.ID)
		}
		if cats[c.ID] {
			v.fail(line, "category %q defined twice", c.ID)
		}
		cats[c.ID] = true
		v.text(c.Name, v.f.Line("category", i, "name"), "category "+c.ID+": name")
	}
	if len(h.Matters) == 0 {
		v.fail(0, "no [[matter]] defined: the kiosk would have nothing to offer")
	}
	h.byID = map[string]int{}
	prefixes := map[string]string{}
	for i := range h.Matters {
		m := &h.Matters[i]
		at := func(key string) int { return v.f.Line("matter", i, key) }
		label := fmt.Sprintf("matter %d", i+1)
		if m.ID != "" {
			label = fmt.Sprintf("matter %q", m.ID)
		}
		if !idPattern.MatchString(m.ID) {
			v.fail(at("id"), "%s: id missing or not lower-case letters, digits and '-'", label)
		}
		if _, dup := h.byID[m.ID]; dup {
			v.fail(at("id"), "%s defined twice", label)
		}
		h.byID[m.ID] = i
		if !cats[m.Category] {
			v.fail(at("category"), "%s: category %q is not defined by a [[category]]", label, m.Category)
		}
		v.text(m.Name, at("name"), label+": name")
		if !prefixPattern.MatchString(m.Prefix) {
			v.fail(at("prefix"), "%s: prefix must be one capital letter A-Z (got %q)", label, m.Prefix)
		} else if other, dup := prefixes[m.Prefix]; dup {
			v.fail(at("prefix"), "%s: duplicate prefix %q (already used by matter %q)", label, m.Prefix, other)
		}
		prefixes[m.Prefix] = m.ID
		if !v.f.Has("matter", i, "here") {
			v.fail(at("id"), "%s: missing field \"here\" (true, or false with an elsewhere block)", label)
		}
		if m.Here {
			v.text(m.Where, at("where"), label+": where")
			if m.AvgMinutes <= 0 || m.AvgMinutes > 480 {
				v.fail(at("avg_minutes"), "%s: avg_minutes must be between 0 and 480 (got %g)", label, m.AvgMinutes)
			}
		} else {
			v.text(m.Elsewhere, at("elsewhere"), label+": elsewhere (where it can be done)")
			if m.ElsewhereHours != (Text{}) {
				v.text(m.ElsewhereHours, at("elsewhere_hours"), label+": elsewhere_hours")
			}
			if m.ElsewherePhone != "" && !phonePattern.MatchString(m.ElsewherePhone) {
				v.fail(at("elsewhere_phone"), "%s: elsewhere_phone %q is not a phone number (digits, spaces and '-')", label, m.ElsewherePhone)
			}
		}
		if m.Online {
			v.link(m.DeepLink, at("deep_link"), label+": deep_link", true, false, h.AppSchemes)
		} else if m.DeepLink != "" {
			v.fail(at("deep_link"), "%s: deep_link given but online is not true", label)
		}
		for j, mat := range m.Materials {
			if mat.Zh == "" || mat.En == "" {
				v.fail(at("materials"), "%s: material %d needs both zh and en", label, j+1)
			}
		}
	}
	for i, c := range h.Categories {
		if len(h.MattersIn(c.ID)) == 0 {
			v.fail(v.f.Line("category", i, "id"), "category %q has no matters: its page on the kiosk would be empty", c.ID)
		}
	}
	v.windows(h)
}

func (v *validator) figures(f Figures) {
	at := func(key string) int { return v.f.Line("figures", 0, key) }
	if f.SatisfactionTarget <= 0 || f.SatisfactionTarget > 1 {
		v.fail(at("satisfaction_target"), "figures: satisfaction_target must be a share between 0 and 1, like 0.96 (got %g)", f.SatisfactionTarget)
	}
	if f.SatisfiedLevels < 1 || f.SatisfiedLevels > 4 {
		v.fail(at("satisfied_levels"), "figures: satisfied_levels must be 1-4 of the five levels, counted from 非常满意 (got %d)", f.SatisfiedLevels)
	}
	if f.WindowBaseline.Duration < 0 || f.WindowBaseline.Duration > 8*time.Hour {
		v.fail(at("window_baseline"), "figures: window_baseline must be between 0 and 8h (got %s)", f.WindowBaseline.Duration)
	}
	if f.WindowGoal <= -1 || f.WindowGoal >= 1 {
		v.fail(at("window_goal"), "figures: window_goal must be a change between -1 and 1, like -0.25 (got %g)", f.WindowGoal)
	}
}

// windows checks the counters: numbered once each, serving matters of this
// hall, and every matter handled here served by at least one window.
func (v *validator) windows(h *Hall) {
	seen := map[int]bool{}
	served := map[string]bool{}
	for i, w := range h.Windows {
		at := func(key string) int { return v.f.Line("window", i, key) }
		if w.Number < 1 || w.Number > 999 {
			v.fail(at("number"), "window %d: number must be 1-999 (got %d)", i+1, w.Number)
		}
		if seen[w.Number] {
			v.fail(at("number"), "window %d is listed twice", w.Number)
		}
		seen[w.Number] = true
		if len(w.Matters) == 0 {
			v.fail(at("matters"), "window %d: serves no matters", w.Number)
		}
		for _, id := range w.Matters {
			m, ok := h.Matter(id)
			switch {
			case !ok:
				v.fail(at("matters"), "window %d: matter %q is not defined by a [[matter]]", w.Number, id)
			case !m.Here:
				v.fail(at("matters"), "window %d: matter %q is not handled in this hall (here = false)", w.Number, id)
			}
			served[id] = true
		}
	}
	if len(h.Windows) == 0 {
		return // a standalone kiosk's hall needs no windows
	}
	for i, m := range h.Matters {
		if m.Here && !served[m.ID] {
			v.fail(v.f.Line("matter", i, "id"), "matter %q: no [[window]] serves it", m.ID)
		}
	}
}

func (v *validator) text(t Text, line int, what string) {
	if strings.TrimSpace(t.Zh) == "" || strings.TrimSpace(t.En) == "" {
		v.fail(line, "%s: missing field, needs both zh and en", what)
	}
}

// link checks a link template: balanced braces, known placeholders, and a
// scheme a citizen's phone may be sent to: https, http if plainHTTP (the
// controller's own phone page, see the package doc) or one of the hall's
// app schemes.
func (v *validator) link(t string, line int, what string, required, plainHTTP bool, appSchemes []string) {
	if t == "" {
		if required {
			v.fail(line, "%s: missing field", what)
		}
		return
	}
	if strings.Count(t, "{") != strings.Count(t, "}") {
		v.fail(line, "%s: bad template %q: unbalanced braces", what, t)
		return
	}
	for _, ph := range placeholderExpr.FindAllString(t, -1) {
		if ph != "{hall}" && ph != "{matter}" && ph != "{ticket}" && ph != "{token}" {
			v.fail(line, "%s: bad template %q: unknown placeholder %s (use {hall}, {matter}, {ticket}, {token})", what, t, ph)
			return
		}
	}
	allowed := []string{"https://"}
	if plainHTTP {
		allowed = append(allowed, "http://")
	}
	for _, s := range appSchemes {
		allowed = append(allowed, s+":")
	}
	rule := "a link must start with " + strings.Join(allowed, " or ")
	if len(appSchemes) == 0 {
		rule += " (or an app's scheme listed in app_schemes)"
	}
	u, err := url.Parse(Link(t, "h", "m", "A001"))
	switch {
	case err != nil || u.Scheme == "":
		v.fail(line, "%s %q is not a full link: %s", what, t, rule)
	case u.Scheme == "https" || plainHTTP && u.Scheme == "http":
		if u.Host == "" {
			v.fail(line, "%s %q has no host after %s://", what, t, u.Scheme)
		}
	case slices.Contains(appSchemes, u.Scheme):
		if u.Host == "" && u.Opaque == "" && u.Path == "" {
			v.fail(line, "%s %q has nothing after %s:", what, t, u.Scheme)
		}
	default:
		v.fail(line, "%s %q is refused: %s, not %s:", what, t, rule, u.Scheme)
	}
}
