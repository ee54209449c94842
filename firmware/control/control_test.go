package control

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"onetrip/firmware/flow"
	"onetrip/firmware/hall"
	"onetrip/firmware/kiosk"
	"onetrip/firmware/ticket"
	"onetrip/hal/escpos"
	"onetrip/hal/escpos/escpossim"
	"onetrip/hal/idcard/idcardsim"
	"onetrip/ui/locale"
	"onetrip/ui/render"
	"onetrip/ui/screen"
)

// terminal is a fake Terminal with one widget, "start", that records touches.
type terminal struct {
	mu      sync.Mutex
	layout  *screen.Layout
	touches []image.Point
}

func newTerminal() *terminal {
	return &terminal{layout: &screen.Layout{Screen: flow.Attract, Widgets: []screen.Widget{
		{ID: "start", Label: "开始", Rect: image.Rect(100, 200, 300, 260), Enabled: true},
	}}}
}

func (f *terminal) Do(ctx context.Context, fn func()) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
	return nil
}

func (f *terminal) Layout() *screen.Layout { return f.layout }
func (f *terminal) Lang() string           { return "zh" }
func (f *terminal) Frame() *image.RGBA     { return image.NewRGBA(screen.Size) }
func (f *terminal) Touch(p image.Point)    { f.touches = append(f.touches, p) }

// judge is a terminal that takes cards but never gives a verdict.
type judge struct{ *terminal }

func (judge) WatchCards(func(string)) func() { return func() {} }

func (f *terminal) touched() []image.Point {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]image.Point(nil), f.touches...)
}

var quiet = slog.New(slog.DiscardHandler)

// serve runs a on a loopback port until the test ends and returns its base URL.
func serve(t *testing.T, a *API) string {
	t.Helper()
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return "http://" + ln.Addr().String()
}

// call sends a request and returns the status and the body of the answer.
func call(t *testing.T, method, url string, body io.Reader, adjust ...func(*http.Request)) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range adjust {
		f(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	return call(t, "POST", url, strings.NewReader(body))
}

// errorOf returns the "error" of an answer.
func errorOf(t *testing.T, body string) string {
	t.Helper()
	var e struct{ Error string }
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error == "" {
		t.Fatalf("answer %q carries no error", body)
	}
	return e.Error
}

func TestListenRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "[::]:0", "192.168.1.20:8080", "10.0.0.5:0",
		"kiosk.example:8080", "localhost.example.com:0", "127.0.0.1"} {
		ln, err := Listen(addr)
		if err == nil {
			ln.Close()
			t.Errorf("Listen(%q) accepted", addr)
			continue
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("%q", addr)) {
			t.Errorf("Listen(%q): %v does not name the address", addr, err)
		}
	}
}

func TestListenLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0"} {
		t.Run(addr, func(t *testing.T) {
			if addr == "[::1]:0" {
				probe, err := net.Listen("tcp6", addr)
				if err != nil {
					t.Skipf("this machine has no IPv6 loopback: %v", err)
				}
				probe.Close()
			}
			ln, err := Listen(addr)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
				t.Errorf("listening on %v", ln.Addr())
			}
		})
	}
}

func TestHostMustBeLoopback(t *testing.T) {
	base := serve(t, New(newTerminal(), Sim{}, quiet))
	port := base[strings.LastIndex(base, ":")+1:]
	for host, want := range map[string]int{
		"127.0.0.1:" + port:       http.StatusOK,
		"localhost:" + port:       http.StatusOK,
		"LocalHost:" + port:       http.StatusOK,
		"[::1]:" + port:           http.StatusOK,
		"evil.example:" + port:    http.StatusMisdirectedRequest, // a rebound name
		"localhost.evil:" + port:  http.StatusMisdirectedRequest,
		"192.168.1.20:" + port:    http.StatusMisdirectedRequest,
		"localhost":               http.StatusMisdirectedRequest,
		"127.0.0.1:1":             http.StatusMisdirectedRequest,
		"127.0.0.1:" + port + "0": http.StatusMisdirectedRequest,
		strings.Repeat("a", 1000): http.StatusMisdirectedRequest,
	} {
		code, body := call(t, "GET", base+"/screen", nil, func(r *http.Request) { r.Host = host })
		if code != want {
			t.Errorf("Host %.40q: %d %s, want %d", host, code, body, want)
			continue
		}
		if code != http.StatusOK {
			if msg := errorOf(t, body); strings.Contains(msg, "\n") || !strings.Contains(msg, port) || len(msg) > maxMessage+len("…") {
				t.Errorf("Host %.40q: reason %q is not one short line naming the port", host, msg)
			}
		}
	}
}

func TestOriginMustBeLoopback(t *testing.T) {
	base := serve(t, New(newTerminal(), Sim{}, quiet))
	for origin, want := range map[string]int{
		"":                          http.StatusOK,
		"http://localhost:3000":     http.StatusOK,
		"http://127.0.0.1:8080":     http.StatusOK,
		"http://[::1]:8080":         http.StatusOK,
		"https://evil.example":      http.StatusForbidden,
		"http://localhost.evil.com": http.StatusForbidden,
		"null":                      http.StatusForbidden,
		"file://":                   http.StatusForbidden,
	} {
		code, body := call(t, "POST", base+"/tap", strings.NewReader(`{"id":"start"}`), func(r *http.Request) {
			if origin != "" {
				r.Header.Set("Origin", origin)
			}
		})
		if code != want {
			t.Errorf("Origin %q: %d %s, want %d", origin, code, body, want)
		}
	}
}

// TestBodyLimit sends each route a body over 64 KiB, and one just under.
func TestBodyLimit(t *testing.T) {
	base := serve(t, New(newTerminal(), Sim{Cards: idcardsim.New(), Buttons: func(string) error { return nil }}, quiet))
	big := `{"id":"` + strings.Repeat("x", maxBody) + `"}`
	for _, route := range []string{"GET /screen", "POST /tap", "POST /card", "POST /card/remove", "POST /button", "GET /screenshot", "GET /tickets"} {
		method, path, _ := strings.Cut(route, " ")
		code, body := call(t, method, base+path, strings.NewReader(big))
		if code != http.StatusRequestEntityTooLarge || strings.Contains(body, "xxxx") || len(body) > 100 {
			t.Errorf("%s with %d bytes: %d %.200s, want a short 413", route, len(big), code, body)
		}
	}
	// Without a Content-Length the body is cut while it is read.
	code, body := call(t, "POST", base+"/tap", io.MultiReader(strings.NewReader(big)))
	if code != http.StatusRequestEntityTooLarge || strings.Contains(body, "xxxx") || len(body) > 100 {
		t.Errorf("chunked tap of %d bytes: %d %.200s, want a short 413", len(big), code, body)
	}
	under := `{"id":"start"` + strings.Repeat(" ", maxBody-len(`{"id":"start"}`)) + `}`
	if code, body := post(t, base+"/tap", under); code != http.StatusOK {
		t.Errorf("tap of %d bytes: %d %s, want 200", len(under), code, body)
	}
}

// countingListener counts the bytes the server reads from its connections.
type countingListener struct {
	net.Listener
	read atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, &l.read}, nil
}

type countingConn struct {
	net.Conn
	read *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// letters is an endless stream of 'a'.
type letters struct{}

func (letters) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

// TestHugeBodyIsNotRead pipes a 200 MB body, chunked so no length warns the
// server, and checks the server stops reading soon after 64 KiB and echoes
// nothing of it.
func TestHugeBodyIsNotRead(t *testing.T) {
	const huge = 200 << 20
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingListener{Listener: ln}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go New(newTerminal(), Sim{}, quiet).Serve(ctx, counted)

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /tap HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", ln.Addr())
	sent := make(chan int64, 1)
	go func() {
		n, _ := io.Copy(httputil.NewChunkedWriter(conn), io.LimitReader(io.MultiReader(strings.NewReader(`{"id":"`), letters{}), huge))
		sent <- n
	}()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	conn.Close() // stops the sender
	n := <-sent
	read := counted.read.Load()
	t.Logf("client sent %d bytes before the connection closed; the server read %d", n, read)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("answer %s, want 413", resp.Status)
	}
	if len(body) > 100 || strings.Contains(string(body), "aaaa") {
		t.Errorf("answer %.200q echoes the body", body)
	}
	// 64 KiB, then what net/http discards before closing (256 KiB) and buffers.
	if read > 1<<20 {
		t.Errorf("the server read %d bytes of a %d-byte body", read, huge)
	}
}

func TestMalformedBodies(t *testing.T) {
	long := strings.Repeat("a", 60<<10)
	base := serve(t, New(judge{newTerminal()}, Sim{Cards: idcardsim.New(), Buttons: func(string) error { return nil }}, quiet))
	for _, tc := range []struct{ path, body, want string }{
		{"/tap", ``, "empty body"},
		{"/tap", `{"id":`, "unexpected EOF"},
		{"/tap", `xyz`, "malformed JSON at byte 1"},
		{"/tap", `[1]`, "not a JSON object"},
		{"/tap", `{"id":1}`, `field "id" must be string`},
		{"/tap", `{"x":1.5,"y":2}`, `field "x" must be int`},
		{"/tap", `{"id":"start","evil":1}`, `unknown field "evil"`},
		{"/tap", `{"id":"start","` + long + `":1}`, `unknown field "aaa`},
		{"/tap", `{"id":"start"}{"id":"start"}`, "data after the JSON value"},
		{"/tap", `{"id":"start"} tail`, "data after the JSON value"},
		{"/tap", `{"id":"start"}` + long, "data after the JSON value"},
		{"/button", `{"name":"help","color":"red"}`, `unknown field "color"`},
		{"/button", `{"name":"help"}x`, "data after the JSON value"},
		{"/button", `{}`, `body must be {"name"}`},
		{"/card", `{"name":"张三丰","nickname":"` + long + `"}`, `unknown field "nickname"`},
		{"/card", `{"name":"张三丰"} {}`, "data after the JSON value"},
		{"/card", `{"name":5}`, `field "name" must be string`},
	} {
		code, body := post(t, base+tc.path, tc.body)
		if code != http.StatusBadRequest {
			t.Errorf("POST %s %.40q: %d %s, want 400", tc.path, tc.body, code, body)
			continue
		}
		msg := errorOf(t, body)
		if !strings.Contains(msg, tc.want) {
			t.Errorf("POST %s %.40q: %q, want it to say %q", tc.path, tc.body, msg, tc.want)
		}
		if len(msg) > maxMessage+len("…") || strings.Contains(msg, strings.Repeat("a", 100)) {
			t.Errorf("POST %s %.40q: %d-byte message %.100q echoes the body", tc.path, tc.body, len(msg), msg)
		}
	}
	// A trailing newline, as curl and json.Encoder send, is no trailing data.
	if code, body := post(t, base+"/tap", "{\"id\":\"start\"}\n"); code != http.StatusOK {
		t.Errorf("tap with a trailing newline: %d %s", code, body)
	}
}

func TestTap(t *testing.T) {
	term := newTerminal()
	base := serve(t, New(term, Sim{}, quiet))
	const offScreen = "x must be in 0..1279 and y in 0..799"
	for _, tc := range []struct {
		body string
		code int
		at   image.Point // the touch, in framebuffer pixels
		want string      // in the error
	}{
		{`{"id":"start"}`, http.StatusOK, image.Pt(200, 230), ""},
		{`{"x":0,"y":0}`, http.StatusOK, image.Pt(0, 0), ""},
		{`{"x":1279,"y":799}`, http.StatusOK, image.Pt(1279, 799), ""},
		{`{"id":"nothing"}`, http.StatusNotFound, image.Point{}, `no widget "nothing"`},
		{`{"id":"` + strings.Repeat("n", 1000) + `"}`, http.StatusNotFound, image.Point{}, "no widget"},
		{`{"x":1280,"y":0}`, http.StatusBadRequest, image.Point{}, offScreen},
		{`{"x":0,"y":800}`, http.StatusBadRequest, image.Point{}, offScreen},
		{`{"x":-1,"y":10}`, http.StatusBadRequest, image.Point{}, offScreen},
		{`{"x":10,"y":-800}`, http.StatusBadRequest, image.Point{}, offScreen},
		{`{"x":9000000000000,"y":10}`, http.StatusBadRequest, image.Point{}, offScreen},
		{`{"x":10}`, http.StatusBadRequest, image.Point{}, `{"id"} or {"x","y"}`},
		{`{"id":"start","x":10,"y":10}`, http.StatusBadRequest, image.Point{}, `{"id"} or {"x","y"}`},
		{`{}`, http.StatusBadRequest, image.Point{}, `{"id"} or {"x","y"}`},
	} {
		before := len(term.touched())
		code, body := post(t, base+"/tap", tc.body)
		if code != tc.code {
			t.Errorf("tap %.40s: %d %s, want %d", tc.body, code, body, tc.code)
			continue
		}
		touches := term.touched()[before:]
		switch {
		case code == http.StatusOK && (len(touches) != 1 || touches[0] != tc.at):
			t.Errorf("tap %s touched %v, want %v", tc.body, touches, tc.at)
		case code != http.StatusOK && len(touches) != 0:
			t.Errorf("tap %.40s was refused but touched %v", tc.body, touches)
		case code != http.StatusOK && (!strings.Contains(errorOf(t, body), tc.want) || len(errorOf(t, body)) > 100):
			t.Errorf("tap %.40s: %q, want a short message saying %q", tc.body, errorOf(t, body), tc.want)
		}
	}
}

// TestTapRotated taps a window turned a quarter: 800 wide, 1280 high.
func TestTapRotated(t *testing.T) {
	term := newTerminal()
	a := New(term, Sim{}, quiet)
	// A quarter turn clockwise: framebuffer (x, y) shows at window (799-y, x).
	a.ToWindow = func(r image.Rectangle) image.Rectangle {
		return image.Rect(800-r.Max.Y, r.Min.X, 800-r.Min.Y, r.Max.X)
	}
	a.FromWindow = func(p image.Point) image.Point { return image.Pt(p.Y, 799-p.X) }
	base := serve(t, a)
	if code, body := post(t, base+"/tap", `{"x":799,"y":1279}`); code != http.StatusOK {
		t.Errorf("tap in the rotated window's corner: %d %s", code, body)
	} else if got := term.touched(); len(got) != 1 || got[0] != image.Pt(1279, 0) {
		t.Errorf("touched %v, want (1279,0)", got)
	}
	code, body := post(t, base+"/tap", `{"x":1000,"y":100}`)
	if code != http.StatusBadRequest || !strings.Contains(errorOf(t, body), "x must be in 0..799 and y in 0..1279") {
		t.Errorf("tap off the rotated window: %d %s, want 400 naming 0..799 and 0..1279", code, body)
	}
}

func TestButton(t *testing.T) {
	var pressed []string
	buttons := func(name string) error {
		if name != "help" {
			return fmt.Errorf("button %q: no such button", name)
		}
		pressed = append(pressed, name)
		return nil
	}
	base := serve(t, New(newTerminal(), Sim{Buttons: buttons}, quiet))
	if code, body := post(t, base+"/button", `{"name":"help"}`); code != http.StatusOK || len(pressed) != 1 {
		t.Errorf("help: %d %s, pressed %v", code, body, pressed)
	}
	code, body := post(t, base+"/button", `{"name":"`+strings.Repeat("b", 10000)+`"}`)
	if code != http.StatusNotFound || len(errorOf(t, body)) > maxMessage+len("…") {
		t.Errorf("unknown button: %d %.300s, want a short 404", code, body)
	}
}

// nothing is a presenter that shows nothing.
type nothing struct{}

func (nothing) Present(*image.RGBA, []image.Rectangle) error { return nil }

// newKiosk runs a real kiosk on a simulated reader until the test ends.
func newKiosk(t *testing.T) (*kiosk.Kiosk, *idcardsim.Reader) {
	t.Helper()
	h, err := hall.Sample()
	if err != nil {
		t.Fatal(err)
	}
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	profile, err := escpos.LoadProfile("80mm")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	store, err := ticket.Open(filepath.Join(dir, "tickets.db"))
	if err != nil {
		t.Fatal(err)
	}
	face := render.DefaultFont().XFace
	printer, err := escpossim.New(filepath.Join(dir, "printer"), profile, face)
	if err != nil {
		t.Fatal(err)
	}
	cards := idcardsim.New()
	k := kiosk.New(kiosk.Options{Flow: flow.NewConfig(h), Catalogs: cats, Store: store,
		Devices: kiosk.Devices{Cards: cards, Printer: printer}, Presenter: nothing{},
		Tickets: kiosk.NewTickets(h, cats, profile, face), Log: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		store.Close()
		cards.Close()
	})
	return k, cards
}

var citizen = CardJSON{Name: "张三丰", Sex: "男", Nation: "汉", Birth: "19800101",
	Address: "浙江省杭州市上城区解放路1号", IDNumber: "33010219800101123X", Authority: "杭州市公安局上城分局",
	ValidFrom: "20200101", ValidTo: "20400101"}

func TestCardVerdict(t *testing.T) {
	k, cards := newKiosk(t)
	base := serve(t, New(k, Sim{Cards: cards}, quiet))
	for _, tc := range []struct {
		name    string
		change  func(*CardJSON)
		code    int
		verdict VerdictJSON
	}{
		{"valid", func(*CardJSON) {}, http.StatusOK, VerdictJSON{Card: "张*丰", Verdict: "accepted"}},
		{"expired", func(c *CardJSON) { c.ValidFrom, c.ValidTo = "20000101", "20200101" }, http.StatusUnprocessableEntity,
			VerdictJSON{Card: "张*丰", Verdict: "refused", Problem: "expired", Error: "card refused: expired"}},
		{"not yet valid", func(c *CardJSON) { c.ValidFrom, c.ValidTo = "20900101", "21100101" }, http.StatusUnprocessableEntity,
			VerdictJSON{Card: "张*丰", Verdict: "refused", Problem: "not_yet_valid", Error: "card refused: not_yet_valid"}},
		{"bad check digit", func(c *CardJSON) { c.IDNumber = "330102198001011231" }, http.StatusUnprocessableEntity,
			VerdictJSON{Card: "张*丰", Verdict: "refused", Problem: "bad_number", Error: "card refused: bad_number"}},
		{"unreadable", func(c *CardJSON) { c.Birth = "1980-1-1" }, http.StatusUnprocessableEntity,
			VerdictJSON{Card: "张*丰", Verdict: "refused", Problem: "unreadable", Error: "card refused: unreadable"}},
	} {
		c := citizen
		tc.change(&c)
		b, _ := json.Marshal(c)
		code, body := post(t, base+"/card", string(b))
		var got VerdictJSON
		if err := json.Unmarshal([]byte(body), &got); err != nil || code != tc.code || got != tc.verdict {
			t.Errorf("%s card: %d %s, want %d %+v", tc.name, code, body, tc.code, tc.verdict)
		}
		for _, personal := range []string{c.Name, c.IDNumber, c.Birth, c.Address, c.Authority} {
			if strings.Contains(body, personal) {
				t.Errorf("%s card: answer %s tells %q", tc.name, body, personal)
			}
		}
		if code, body := post(t, base+"/card/remove", ""); code != http.StatusOK {
			t.Fatalf("card/remove: %d %s", code, body)
		}
	}
}

func TestCardWithoutVerdict(t *testing.T) {
	defer func(d time.Duration) { verdictWait = d }(verdictWait)
	verdictWait = 200 * time.Millisecond
	k, cards := newKiosk(t)
	base := serve(t, New(k, Sim{Cards: cards}, quiet))
	b, _ := json.Marshal(citizen)
	if code, body := post(t, base+"/card", string(b)); code != http.StatusOK {
		t.Fatalf("first card: %d %s", code, body)
	}
	// The reader reads no second card while the first lies on it.
	code, body := post(t, base+"/card", string(b))
	if code != http.StatusGatewayTimeout || !strings.Contains(errorOf(t, body), "/card/remove") {
		t.Errorf("second card: %d %s, want 504 pointing at /card/remove", code, body)
	}

	// A terminal that gives no verdict cannot take cards.
	base = serve(t, New(newTerminal(), Sim{Cards: idcardsim.New()}, quiet))
	if code, body := post(t, base+"/card", string(b)); code != http.StatusConflict {
		t.Errorf("card to a terminal without verdicts: %d %s, want 409", code, body)
	}
}

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "abc…"},
		{"张三丰", 4, "张…"}, // not into the middle of 三
		{"张三丰", 2, "…"},
	} {
		if got := clip(tc.s, tc.n); got != tc.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}
