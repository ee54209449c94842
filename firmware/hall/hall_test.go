package hall

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"onetrip/assets"
)

func sample(t *testing.T) []byte {
	t.Helper()
	b, err := assets.FS.ReadFile(assets.SampleHall)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSampleHallIsComplete(t *testing.T) {
	h, err := Parse("sample.toml", sample(t))
	if err != nil {
		t.Fatalf("sample hall rejected: %v", err)
	}
	if len(h.Matters) < 12 || len(h.Categories) < 4 {
		t.Fatalf("sample has %d matters in %d categories, want >= 12 in >= 4", len(h.Matters), len(h.Categories))
	}
	var online, elsewhere int
	for _, m := range h.Matters {
		if m.Online {
			online++
		}
		if !m.Here {
			elsewhere++
		}
		if len(h.MattersIn(m.Category)) == 0 {
			t.Errorf("category %s empty", m.Category)
		}
	}
	if online == 0 || elsewhere == 0 {
		t.Fatalf("sample needs online and elsewhere matters: online=%d elsewhere=%d", online, elsewhere)
	}
	if h.IdleTimeout.Seconds() != 60 || h.ResetHour != 6 {
		t.Fatalf("idle %v reset %d", h.IdleTimeout, h.ResetHour)
	}
	m, ok := h.Matter("social-card")
	if !ok || m.Prefix != "A" || m.Name.In("en") != "Social security card" || m.Name.In("zh-CN") != "社保卡申领" {
		t.Fatalf("social-card = %+v", m)
	}
	if got := Link(m.DeepLink, h.ID, m.ID, ""); got != "https://zwfw.example.gov.cn/app/matter/social-card?hall=hz-sc" {
		t.Fatalf("deep link %q", got)
	}
}

// Each broken file must be rejected with the file name, the line of the
// problem and words a technician can act on.
func TestBrokenFilesNameLineAndProblem(t *testing.T) {
	src := string(sample(t))
	lineOf := func(s string) int {
		i := strings.Index(src, s)
		if i < 0 {
			t.Fatalf("sample lacks %q", s)
		}
		return strings.Count(src[:i], "\n") + 1
	}
	cases := []struct {
		name, old, new, want string
		line                 int
	}{
		{"syntax", `reset_hour = 6`, `reset_hour = = 6`, "expected", lineOf(`reset_hour = 6`)},
		{"unknown key", `reset_hour = 6`, "reset_hour = 6\ncolour = \"blue\"", `unknown key "colour"`, lineOf(`reset_hour = 6`) + 1},
		{"unknown key in matter", `prefix = "C"`, "prefix = \"C\"\nwindow = 7", `unknown key "matter.window"`, lineOf(`prefix = "C"`) + 1},
		{"duplicate prefix", `prefix = "B"`, `prefix = "A"`, `duplicate prefix "A"`, lineOf(`prefix = "B"`)},
		{"missing where", `where = { zh = "2楼 A区 7号窗口", en = "2F, Area A, window 7" }`, ``, `matter "pension-cert": where: missing field`, lineOf(`id = "pension-cert"`) - 1},
		{"bad template", `https://zwfw.example.gov.cn/app/matter/{matter}?hall={hall}"
avg_minutes = 6`, `https://zwfw.example.gov.cn/app/{mater}"
avg_minutes = 6`, "unknown placeholder {mater}", lineOf(`deep_link`)},
		{"unbalanced template", `queue_link = "https://zwfw.example.gov.cn/queue?hall={hall}&ticket={ticket}&t={token}"`, `queue_link = "https://x.example/{hall"`, "unbalanced", lineOf(`queue_link`)},
		{"unknown category", `category = "business"`, `category = "busines"`, `category "busines" is not defined`, lineOf(`category = "business"`)},
		{"missing here", "here = true\nonline = true\ndeep_link = \"https://zwfw.example.gov.cn/app/matter/{matter}?hall={hall}\"\navg_minutes = 6", "online = true\ndeep_link = \"https://zwfw.example.gov.cn/app/matter/{matter}?hall={hall}\"\navg_minutes = 6", `missing field "here"`, lineOf(`id = "social-card"`)},
		{"bad idle", `idle_timeout = "60s"`, `idle_timeout = "soon"`, `"soon" is not a duration`, lineOf(`idle_timeout`)},
		{"window serves unknown matter", "number = 7\nmatters = [\"pension-cert\"]", "number = 7\nmatters = [\"pension\"]", `window 7: matter "pension" is not defined`, lineOf("number = 7\n") + 1},
		{"window serves matter handled elsewhere", "number = 7\nmatters = [\"pension-cert\"]", "number = 7\nmatters = [\"passport\"]", `window 7: matter "passport" is not handled in this hall`, lineOf("number = 7\n") + 1},
		{"matter served nowhere", "number = 41\nmatters = [\"property-cert-query\"]", "number = 41\nmatters = [\"property-register\"]", `matter "property-cert-query": no [[window]] serves it`, lineOf(`id = "property-cert-query"`)},
		{"window twice", "number = 41\n", "number = 40\n", `window 40 is listed twice`, lineOf("number = 41\n")},
		{"satisfied levels", `satisfied_levels = 3`, `satisfied_levels = 5`, `satisfied_levels must be 1-4`, lineOf(`satisfied_levels = 3`)},

		// Values of the wrong type, on their own line (the decoder names the
		// line of the key's last [[matter]]).
		{"number as a string", `avg_minutes = 12`, `avg_minutes = "twelve"`, `matter "residence-permit": avg_minutes must be a number (got the string "twelve")`, lineOf(`avg_minutes = 12`)},
		{"boolean as a string", "here = true\navg_minutes = 5", "here = \"yes\"\navg_minutes = 5", `matter "pension-cert": here must be true or false (got the string "yes")`, lineOf("here = true\navg_minutes = 5")},
		{"list as a string", `languages = ["zh-CN", "en"]`, `languages = "zh-CN"`, `languages must be a list in [ ] (got the string "zh-CN")`, lineOf(`languages`)},
		{"text as a string", `name = { zh = "发票申领", en = "Invoice application" }`, `name = "发票申领"`, `matter "invoice": name must be a table (got the string "发票申领")`, lineOf(`name = { zh = "发票申领"`)},
		{"material flag as a number", `waivable = true },
]

[[matter]]
id = "medical-transfer"`, `waivable = 1 },
]

[[matter]]
id = "medical-transfer"`, `matter "social-card": materials.waivable must be true or false (got the number 1)`, lineOf(`materials = [`)},
		{"window number as a string", "number = 13\n", "number = \"13\"\n", `the 13th [[window]]: number must be a whole number (got the string "13")`, lineOf("number = 13\n")},
		{"figure as a string", `window_goal = -0.25`, `window_goal = "-25%"`, `figures: window_goal must be a number (got the string "-25%")`, lineOf(`window_goal`)},

		{"category without matters", "[[category]]\nid = \"housing\"", "[[category]]\nid = \"tax\"\nname = { zh = \"税务\", en = \"Tax\" }\n\n[[category]]\nid = \"housing\"", `category "tax" has no matters`, lineOf("[[category]]\nid = \"housing\"") + 1},

		// Links a phone must not be sent to.
		{"javascript deep link", `https://zwfw.example.gov.cn/app/matter/{matter}?hall={hall}"
avg_minutes = 10`, `javascript:alert(1)"
avg_minutes = 10`, `matter "medical-transfer": deep_link "javascript:alert(1)" is refused: a link must start with https:// (or an app's scheme listed in app_schemes), not javascript:`, lineOf("avg_minutes = 10") - 1},
		{"mailto deep link", `https://zwfw.example.gov.cn/app/matter/{matter}?hall={hall}"`, `mailto:office@example.gov.cn?subject={matter}"`, `deep_link "mailto:office@example.gov.cn?subject={matter}" is refused`, lineOf("deep_link")},
		{"http deep link", `https://zwfw.example.gov.cn/app/matter/{matter}?hall={hall}"`, `http://zwfw.example.gov.cn/app/matter/{matter}"`, `is refused: a link must start with https:// (or an app's scheme listed in app_schemes), not http:`, lineOf("deep_link")},
		{"data deep link", `https://zwfw.example.gov.cn/app/matter/{matter}?hall={hall}"`, `data:text/html,<script>alert(1)</script>"`, `not data:`, lineOf("deep_link")},
		{"file deep link", `https://zwfw.example.gov.cn/app/matter/{matter}?hall={hall}"`, `file:///etc/passwd"`, `not file:`, lineOf("deep_link")},
		{"relative deep link", `https://zwfw.example.gov.cn/app/matter/{matter}?hall={hall}"`, `/app/matter/{matter}"`, `deep_link "/app/matter/{matter}" is not a full link: a link must start with https://`, lineOf("deep_link")},
		{"deep link without host", `https://zwfw.example.gov.cn/app/matter/{matter}?hall={hall}"`, `https:/app/{matter}"`, `deep_link "https:/app/{matter}" has no host after https://`, lineOf("deep_link")},
		{"javascript queue link", `queue_link = "https://zwfw.example.gov.cn/queue?hall={hall}&ticket={ticket}&t={token}"`, `queue_link = "JavaScript:alert({ticket})"`, `queue_link "JavaScript:alert({ticket})" is refused: a link must start with https:// or http:// (or an app's scheme listed in app_schemes), not javascript:`, lineOf(`queue_link`)},
		{"relative queue link", `queue_link = "https://zwfw.example.gov.cn/queue?hall={hall}&ticket={ticket}&t={token}"`, `queue_link = "//zwfw.example.gov.cn/queue"`, `queue_link "//zwfw.example.gov.cn/queue" is not a full link`, lineOf(`queue_link`)},
		{"scheme not listed", `queue_link = "https://zwfw.example.gov.cn/queue?hall={hall}&ticket={ticket}&t={token}"`, "app_schemes = [\"zjzwfw\"]\nqueue_link = \"alipays://platformapi?appId={hall}\"", `queue_link "alipays://platformapi?appId={hall}" is refused: a link must start with https:// or http:// or zjzwfw:, not alipays:`, lineOf(`queue_link`) + 1},
		{"browser scheme as an app's", "queue_link = ", "app_schemes = [\"javascript\"]\nqueue_link = ", `app_schemes: "javascript" is not an app's scheme`, lineOf("queue_link")},
		{"https as an app's", "queue_link = ", "app_schemes = [\"https\"]\nqueue_link = ", `app_schemes: https is always allowed`, lineOf("queue_link")},
		{"malformed app scheme", "queue_link = ", "app_schemes = [\"zj zwfw:\"]\nqueue_link = ", `app_schemes: "zj zwfw:" is not a URL scheme`, lineOf("queue_link")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			broken := strings.Replace(src, c.old, c.new, 1)
			if broken == src {
				t.Fatalf("case did not change the file")
			}
			_, err := Parse("hall.toml", []byte(broken))
			if err == nil {
				t.Fatal("accepted a broken file")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "hall.toml:") || !strings.Contains(msg, c.want) {
				t.Fatalf("error %q: want file name and %q", msg, c.want)
			}
			if c.line > 0 && !strings.HasPrefix(msg, fmt.Sprintf("hall.toml:%d:", c.line)) {
				t.Fatalf("error %q: want line %d", msg, c.line)
			}
			if strings.Contains(msg, "\n") {
				t.Fatalf("error spans lines: %q", msg)
			}
		})
	}
}

// A file with nothing in it says so instead of listing what it lacks.
func TestEmptyFile(t *testing.T) {
	for _, src := range []string{"", "\n", "# 上城区\n\n   # nothing yet\n"} {
		_, err := Parse("hall.toml", []byte(src))
		if err == nil || err.Error() != "hall.toml: the file is empty" {
			t.Errorf("Parse(%q) = %v", src, err)
		}
	}
}

// Every problem, the decoder's included, is a *Error: the hall command
// tells a configuration error by it.
func TestErrorsAreHallErrors(t *testing.T) {
	src := string(sample(t))
	for _, broken := range []string{
		strings.Replace(src, `reset_hour = 6`, `reset_hour = "six"`, 1),
		strings.Replace(src, `reset_hour = 6`, `reset_hour = = 6`, 1),
		strings.Replace(src, `reset_hour = 6`, `reset_hour = 60`, 1),
		"",
	} {
		_, err := Parse("hall.toml", []byte(broken))
		var he *Error
		if !errors.As(err, &he) || he.File != "hall.toml" {
			t.Errorf("Parse: %v (%T), want a *hall.Error", err, err)
		}
	}
}

// Links a phone may be sent to: https everywhere, an app scheme the hall
// lists, and plain http only for queue_link, which the controller fills in
// with its own phone page on the hall's LAN.
func TestAcceptedLinks(t *testing.T) {
	src := string(sample(t))
	const queue = `queue_link = "https://zwfw.example.gov.cn/queue?hall={hall}&ticket={ticket}&t={token}"`
	const deep = `deep_link = "https://zwfw.example.gov.cn/app/matter/{matter}?hall={hall}"`
	cases := []struct {
		name  string
		edits []string // old, new, old, new…: the first occurrence of each old is replaced
	}{
		{"controller's phone page", []string{queue, `queue_link = "http://10.0.0.2:8080/t/{token}"`}},
		{"no queue link", []string{queue, ""}},
		{"app queue link", []string{queue, "app_schemes = [\"zjzwfw\"]\nqueue_link = \"zjzwfw://queue?hall={hall}&t={token}\""}},
		{"app deep link", []string{queue, "app_schemes = [\"zjzwfw\", \"alipays\"]\n" + queue,
			deep, `deep_link = "alipays://platformapi/startapp?appId=2021&page={matter}"`}},
		{"upper-case https", []string{deep, `deep_link = "HTTPS://zwfw.example.gov.cn/app/matter/{matter}"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			edited := src
			for i := 0; i < len(c.edits); i += 2 {
				edited = strings.Replace(edited, c.edits[i], c.edits[i+1], 1)
			}
			if _, err := Parse("hall.toml", []byte(edited)); err != nil {
				t.Fatal(err)
			}
		})
	}
}
