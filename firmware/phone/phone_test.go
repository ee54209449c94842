package phone

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
)

const day = "2026-03-02"

// Each ticket's phone token, as the kiosks issued them.
var tokens = map[string]string{
	"A001": "tokA001-9fQ2xLm7Zp",
	"A002": "tokA002-Hs81vBqW0e",
	"A003": "tokA003-Jd5nR2cUy4",
	"A004": "tokA004-Ur7mC0sXn2",
	"B001": "tokB001-Pw6tK3oEa8",
}

var opening = time.Date(2026, 3, 2, 9, 0, 0, 0, time.Local)

// at is the opening time plus min minutes.
func at(min int) time.Time { return opening.Add(time.Duration(min) * time.Minute) }

func issued(number, matter string, min int) queue.Event {
	seq := int(number[3]-'0') + 10*int(number[2]-'0') + 100*int(number[1]-'0')
	return queue.Event{Kind: queue.Issued, At: at(min), Day: day, Number: number, Matter: matter,
		Prefix: number[:1], Seq: seq, Token: tokens[number], Kiosk: "kiosk-1"}
}

var (
	// The morning so far: three social-card tickets and one other matter,
	// nobody signed in to a window yet.
	morning = []queue.Event{
		issued("A001", "social-card", 1),
		issued("A002", "social-card", 2),
		issued("B001", "medical-transfer", 3),
		issued("A003", "social-card", 4),
	}
	signIn = queue.Event{Kind: queue.SignedIn, At: at(5), Window: 3, Terminal: "counter-3", Matters: []string{"social-card"}}
)

func ticketEvent(kind queue.Kind, number string, min int) queue.Event {
	return queue.Event{Kind: kind, At: at(min), Day: day, Number: number, Window: 3}
}

// newView folds events into a view of the sample hall.
func newView(t *testing.T, events ...queue.Event) *queue.View {
	t.Helper()
	h, err := hall.Sample()
	if err != nil {
		t.Fatal(err)
	}
	v := queue.NewView(h)
	apply(t, v, events...)
	return v
}

func apply(t *testing.T, v *queue.View, events ...queue.Event) {
	t.Helper()
	for _, e := range events {
		if err := v.Apply(e); err != nil {
			t.Fatalf("apply %s %s: %v", e.Kind, e.Number, err)
		}
	}
}

// get fetches path from a handler over v, with an optional Accept-Language.
func get(t *testing.T, v *queue.View, path, acceptLanguage string) *http.Response {
	t.Helper()
	h := Handler(func(token string) (Status, bool) { return StatusOf(v, token) })
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if acceptLanguage != "" {
		r.Header.Set("Accept-Language", acceptLanguage)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ticketPage fetches the page and the JSON of number and checks both are
// served, private and mention no other ticket.
func ticketPage(t *testing.T, v *queue.View, number, query string) (string, document) {
	t.Helper()
	r := get(t, v, "/t/"+tokens[number]+query, "")
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page of %s: %s, %s", number, r.Status, r.Header.Get("Content-Type"))
	}
	html := body(t, r)
	j := get(t, v, "/t/"+tokens[number]+".json"+query, "")
	if j.StatusCode != http.StatusOK || !strings.HasPrefix(j.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("JSON of %s: %s, %s", number, j.Status, j.Header.Get("Content-Type"))
	}
	raw := body(t, j)
	var d document
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		t.Fatalf("JSON of %s: %v\n%s", number, err, raw)
	}
	for other, token := range tokens {
		if other == number {
			continue
		}
		for what, s := range map[string]string{"page": html, "JSON": raw} {
			if strings.Contains(s, other) || strings.Contains(s, token) {
				t.Errorf("%s of %s mentions ticket %s", what, number, other)
			}
		}
	}
	return html, d
}

// mustShow fails unless page contains every one of want.
func mustShow(t *testing.T, page string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q:\n%s", w, page)
		}
	}
}

func TestWaitingWithoutCounterSaysListen(t *testing.T) {
	v := newView(t, morning...)
	page, d := ticketPage(t, v, "A003", "")
	mustShow(t, page, `lang="zh-CN"`, "A003", "社保卡申领", "2楼 A区 1-4号窗口", "上城区政务服务中心",
		"前面还有 2 人", "请留意叫号")
	if strings.Contains(page, "分钟") {
		t.Errorf("no window serves the matter, yet the page promises minutes:\n%s", page)
	}
	if d.State != queue.Waiting || d.Ahead != 2 || d.Wait.Known || d.Wait.Minutes != 0 || d.Window != 0 {
		t.Errorf("JSON = %+v, want waiting, 2 ahead, wait unknown", d)
	}
}

func TestWaitingWithCounterEstimates(t *testing.T) {
	v := newView(t, append(morning, signIn)...)
	page, d := ticketPage(t, v, "A003", "")
	// Two people ahead, 6 minutes each (the sample's social-card average), one window.
	mustShow(t, page, "前面还有 2 人", "预计等候约 12 分钟")
	if strings.Contains(page, "请留意叫号") {
		t.Errorf("the wait is known, yet the page says 请留意叫号")
	}
	if d.Ahead != 2 || d.Wait != (queue.Estimate{Minutes: 12, Known: true}) || d.Text.Headline != "前面还有 2 人" {
		t.Errorf("JSON = %+v, want 2 ahead, 12 minutes", d)
	}

	page, d = ticketPage(t, v, "A001", "?lang=en")
	mustShow(t, page, `lang="en"`, "Social security card", "2F, Area A, windows 1-4", "You are next")
	if d.Ahead != 0 || d.Lang != "en" || d.Matter != "Social security card" {
		t.Errorf("JSON = %+v, want nobody ahead, in English", d)
	}
}

func TestCalledShowsWindow(t *testing.T) {
	v := newView(t, append(morning, signIn, ticketEvent(queue.Called, "A003", 6))...)
	page, d := ticketPage(t, v, "A003", "")
	mustShow(t, page, "请到 3 号窗口", `class="tone-call"`)
	if d.State != queue.AtCall || d.Window != 3 || d.Ahead != 0 || d.Wait.Known {
		t.Errorf("JSON = %+v, want called to window 3", d)
	}
	page, _ = ticketPage(t, v, "A003", "?lang=en")
	mustShow(t, page, "Please go to window 3")

	// The others moved up: A001 and A002 are still waiting, before nobody.
	if _, d := ticketPage(t, v, "A002", ""); d.Ahead != 1 || d.Wait.Minutes != 6 {
		t.Errorf("A002 after A003 was called: %+v, want 1 ahead, 6 minutes", d)
	}
}

func TestLaterStates(t *testing.T) {
	called := append(morning, signIn, ticketEvent(queue.Called, "A001", 6))
	for _, c := range []struct {
		then   []queue.Event
		zh, en string
	}{
		{[]queue.Event{ticketEvent(queue.Started, "A001", 7)}, "正在办理", "Being served"},
		{[]queue.Event{ticketEvent(queue.Started, "A001", 7), ticketEvent(queue.Finished, "A001", 12)},
			"已办结，感谢您的耐心等候", "Done. Thank you for your patience"},
		{[]queue.Event{ticketEvent(queue.NoShow, "A001", 9)}, "您已过号，请到导办台咨询", "Your number has passed"},
	} {
		v := newView(t, slices.Concat(called, c.then)...)
		page, _ := ticketPage(t, v, "A001", "")
		mustShow(t, page, c.zh)
		page, _ = ticketPage(t, v, "A001", "?lang=en")
		mustShow(t, page, c.en)
	}
}

func TestLanguage(t *testing.T) {
	v := newView(t, morning...)
	for _, c := range []struct{ path, accept, want string }{
		{"/t/" + tokens["A003"], "", "前面还有 2 人"},
		{"/t/" + tokens["A003"], "en-US,en;q=0.9", "2 people ahead of you"},
		{"/t/" + tokens["A003"], "zh-CN,zh;q=0.9,en;q=0.8", "前面还有 2 人"},
		{"/t/" + tokens["A003"], "fr-FR,en;q=0.5,zh;q=0.4", "2 people ahead of you"},
		{"/t/" + tokens["A003"] + "?lang=zh-CN", "en", "前面还有 2 人"},
		{"/t/" + tokens["A003"] + "?lang=en", "zh-CN", "2 people ahead of you"},
	} {
		if page := body(t, get(t, v, c.path, c.accept)); !strings.Contains(page, c.want) {
			t.Errorf("GET %s, Accept-Language %q: want %q:\n%s", c.path, c.accept, c.want, page)
		}
	}
}

// An unknown token and a malformed one get the very same answer, and a
// malformed one never reaches the lookup.
func TestUnknownTokens(t *testing.T) {
	v := newView(t, morning...)
	var looked []string
	h := Handler(func(token string) (Status, bool) {
		looked = append(looked, token)
		return StatusOf(v, token)
	})
	serve := func(path string) (int, http.Header, string) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w.Code, w.Header(), w.Body.String()
	}
	code, header, page := serve("/t/unknownToken-0123456")
	if code != http.StatusNotFound || !strings.Contains(page, "没有找到这张号票") || !strings.Contains(page, "可能已过期，请以现场叫号为准") {
		t.Fatalf("unknown token: %d\n%s", code, page)
	}
	_, _, json := serve("/t/unknownToken-0123456.json")
	for _, path := range []string{
		"/t/anotherUnknown_987654",
		"/t/" + strings.Repeat("x", 64),
		"/t/" + strings.ToUpper(tokens["A001"]),
		"/t/short",
		"/t/" + strings.Repeat("x", 65),
		"/t/tok%2E%2E%2F..%2Fsecret123456",
		"/t/tokA001-9fQ2xLm7Z%C3%A9",
		"/t/tokA001-9fQ2xLm7Z%20",
		"/t/" + tokens["A001"] + ".html",
	} {
		c, hd, p := serve(path)
		if c != code || p != page || !sameHeaders(hd, header) {
			t.Errorf("GET %s: %d %v\n%s\nwant the same as for any unknown token: %d %v", path, c, hd, p, code, header)
		}
		if c, _, j := serve(path + ".json"); c != http.StatusNotFound || j != json {
			t.Errorf("GET %s.json: %d %s, want %d %s", path, c, j, http.StatusNotFound, json)
		}
	}
	for _, token := range looked {
		if !tokenPattern.MatchString(token) {
			t.Errorf("malformed token %q reached the lookup", token)
		}
	}
}

func sameHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if a.Get(k) != b.Get(k) {
			return false
		}
	}
	return true
}

var inline = regexp.MustCompile(`(?s)<(script|style)>(.*?)</(?:script|style)>`)

func TestSecurityHeaders(t *testing.T) {
	v := newView(t, morning...)
	for _, path := range []string{"/t/" + tokens["A003"], "/t/" + tokens["A003"] + ".json", "/t/unknownToken-0123456", "/elsewhere"} {
		r := get(t, v, path, "")
		for k, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "no-referrer",
			"Cache-Control":          "no-store",
		} {
			if got := r.Header.Get(k); got != want {
				t.Errorf("GET %s: %s = %q, want %q", path, k, got, want)
			}
		}
		csp := r.Header.Get("Content-Security-Policy")
		if !strings.HasPrefix(csp, "default-src 'none';") || strings.Contains(csp, "unsafe") || strings.Contains(csp, "*") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
	}

	// The browser runs the inline script and style only if their hashes are
	// the policy's.
	r := get(t, v, "/t/"+tokens["A003"], "")
	csp := r.Header.Get("Content-Security-Policy")
	found := inline.FindAllStringSubmatch(body(t, r), -1)
	if len(found) != 2 {
		t.Fatalf("want one inline style and one script, found %d", len(found))
	}
	for _, m := range found {
		sum := sha256.Sum256([]byte(m[2]))
		src := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
		if !strings.Contains(csp, m[1]+"-src "+src) {
			t.Errorf("inline %s hashes to %s, not admitted by %q", m[1], src, csp)
		}
	}
}

func TestVersionFollowsChanges(t *testing.T) {
	v := newView(t, morning...)
	before, _ := StatusOf(v, tokens["A003"])
	apply(t, v, issued("A004", "social-card", 6)) // behind A003: nothing changes for it
	same, _ := StatusOf(v, tokens["A003"])
	apply(t, v, signIn)
	after, _ := StatusOf(v, tokens["A003"])
	if before.Version == "" || same.Version != before.Version || after.Version == before.Version {
		t.Errorf("versions %q, %q after a later ticket, %q after a sign-in", before.Version, same.Version, after.Version)
	}
}
