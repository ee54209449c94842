package main

// Multi-process end-to-end tests of a whole hall: the controller (onetrip
// hall) with its embedded bus, and kiosks, guide desks, counters and the call
// display as separate onetrip processes, driven through their control APIs
// the way the people in the hall would use them.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"onetrip/firmware/bus"
	"onetrip/firmware/control"
	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
	"onetrip/firmware/report"
	"onetrip/firmware/ticket"
)

// sampleHall is the hall file the controllers of these tests run.
var sampleHall = filepath.Join("..", "..", "..", "assets", "halls", "sample.toml")

// Texts the people in the hall read.
const (
	offlineLine  = "网络中断：本机正在离线取号，号码不会重复"
	guideCalled  = "已通知导办台，请稍候"
	guideComing  = "导办员马上过来"
	approxMarker = "（离线估算）"
	watchLine    = "请留意叫号"
)

// hallCtl is a running hall controller. It has no control API: it is ready
// once its web pages answer.
type hallCtl struct {
	*proc
	listen, web string
}

func (c *hallCtl) busURL() string           { return "nats://" + c.listen }
func (c *hallCtl) creds(role string) string { return filepath.Join(c.data, "creds", role+".creds") }

// startHall runs "onetrip hall" on data with the bus on listen and the pages
// on web, and waits until the pages answer and the role credentials exist.
func startHall(t testing.TB, data, listen, web string) *hallCtl {
	t.Helper()
	c := &hallCtl{proc: &proc{t: t, base: "http://" + web, data: data, done: make(chan error, 1)}, listen: listen, web: web}
	c.cmd = exec.Command(onetripBin, "hall", "--hall", sampleHall, "--data", data, "--listen", listen, "--web", web)
	c.cmd.Stdout, c.cmd.Stderr = c.proc, c.proc
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	t.Cleanup(func() { c.kill() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(c.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if _, err := os.Stat(c.creds("display")); err == nil && resp.StatusCode == http.StatusOK {
				return c
			}
		}
		select {
		case err := <-c.done:
			c.done <- err
			t.Fatalf("onetrip hall exited at start: %v\n%s", err, c.logText())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("onetrip hall never served its pages\n%s", c.logText())
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// officeGet fetches a password-protected office URL of the controller.
func (c *hallCtl) officeGet(path string, v any) error {
	pw, err := os.ReadFile(filepath.Join(c.data, "creds", "office.password"))
	if err != nil {
		return err
	}
	req, _ := http.NewRequest("GET", c.base+path, nil)
	req.SetBasicAuth("office", strings.TrimSpace(string(pw)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET %s: %s %s", path, resp.Status, b)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// hallTerminal starts a hall terminal of role on the controller's bus (or on
// busURL when given), headless, with its control API.
func hallTerminal(t testing.TB, c *hallCtl, role, creds, id, busURL string, extra ...string) *proc {
	t.Helper()
	if busURL == "" {
		busURL = c.busURL()
	}
	args := append([]string{"--headless", "--role", role, "--bus", busURL, "--creds", c.creds(creds), "--terminal", id}, extra...)
	return start(t, t.TempDir(), args...)
}

// The helpers below return errors instead of failing the test, so that they
// can drive several terminals at once from goroutines.

func screenOf(k *proc) (control.ScreenJSON, error) {
	var s control.ScreenJSON
	resp, err := http.Get(k.base + "/screen")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return s, fmt.Errorf("GET /screen: %s %s", resp.Status, b)
	}
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

// awaitScreen polls the screen until cond holds.
func awaitScreen(k *proc, what string, d time.Duration, cond func(control.ScreenJSON) bool) (control.ScreenJSON, error) {
	deadline := time.Now().Add(d)
	for {
		s, err := screenOf(k)
		if err == nil && cond(s) {
			return s, nil
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("%s: waited %v for %s; screen %q, widgets %v, texts %q (err %v)", k.base, d, what, s.Screen, widgetIDs(s), texts(s), err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func onScreenE(k *proc, name string, d time.Duration) (control.ScreenJSON, error) {
	return awaitScreen(k, "screen "+name, d, func(s control.ScreenJSON) bool { return s.Screen == name })
}

// tapE waits until the screen offers widget id and taps it.
func tapE(k *proc, id string) error {
	if _, err := awaitScreen(k, "widget "+id, 15*time.Second, func(s control.ScreenJSON) bool { _, ok := widget(s, id); return ok }); err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]string{"id": id})
	resp, err := http.Post(k.base+"/tap", "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("tap %s: %s %s", id, resp.Status, msg)
	}
	return nil
}

func widgetIDs(s control.ScreenJSON) []string {
	var ids []string
	for _, w := range s.Widgets {
		ids = append(ids, w.ID)
	}
	return ids
}

func texts(s control.ScreenJSON) []string {
	var out []string
	for _, t := range s.Texts {
		out = append(out, t.Text)
	}
	return out
}

func shows(s control.ScreenJSON, sub string) bool {
	for _, t := range s.Texts {
		if strings.Contains(t.Text, sub) {
			return true
		}
	}
	return false
}

func showsExactly(s control.ScreenJSON, text string) bool {
	return slices.Contains(texts(s), text)
}

var numberText = regexp.MustCompile(`^[A-Z]\d{3,}$`)

// shownNumber is the first text on screen that is a ticket number alone.
func shownNumber(s control.ScreenJSON) string {
	for _, t := range s.Texts {
		if numberText.MatchString(t.Text) {
			return t.Text
		}
	}
	return ""
}

// kioskTicket takes one ticket for matter through the kiosk's screens as a
// citizen without an ID card would, and returns the number the done screen
// shows together with that screen.
func kioskTicket(k *proc, matter string) (string, control.ScreenJSON, error) {
	var done control.ScreenJSON
	steps := []string{"start", "no-id", "matter:" + matter}
	for _, id := range steps {
		if err := tapE(k, id); err != nil {
			return "", done, err
		}
	}
	s, err := awaitScreen(k, "online or questions", 10*time.Second, func(s control.ScreenJSON) bool {
		return s.Screen == "online" || s.Screen == "questions"
	})
	if err != nil {
		return "", done, err
	}
	if s.Screen == "online" {
		if err := tapE(k, "take-ticket"); err != nil {
			return "", done, err
		}
	}
	if err := tapE(k, "no-questions"); err != nil {
		return "", done, err
	}
	done, err = onScreenE(k, "done", 20*time.Second)
	if err != nil {
		return "", done, err
	}
	n := shownNumber(done)
	if n == "" {
		return "", done, fmt.Errorf("done screen shows no ticket number: %q", texts(done))
	}
	if err := tapE(k, "cancel"); err != nil {
		return n, done, err
	}
	if _, err := onScreenE(k, "attract", 10*time.Second); err != nil {
		return n, done, err
	}
	return n, done, nil
}

// storedTicket is a row of a kiosk's tickets.db.
type storedTicket struct {
	Number, Token   string
	Offline, Synced bool
}

func kioskStore(path string) ([]storedTicket, error) {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT prefix, seq, token, offline, synced FROM tickets ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedTicket
	for rows.Next() {
		var p, tok string
		var seq, off, syn int
		if err := rows.Scan(&p, &seq, &tok, &off, &syn); err != nil {
			return nil, err
		}
		out = append(out, storedTicket{Number: queue.Number(p, seq), Token: tok, Offline: off != 0, Synced: syn != 0})
	}
	return out, rows.Err()
}

// readBus reads every event of the hall with the report credentials.
func readBus(t testing.TB, c *hallCtl) []queue.Event {
	t.Helper()
	ctx := context.Background()
	b, err := bus.Connect(ctx, bus.Config{URLs: []string{c.busURL()}, Creds: c.creds("report"), Hall: "hz-sc",
		Terminal: "e2e-report", Timeout: 10 * time.Second}, false, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	evs, bad, err := b.Fetch(ctx, time.Time{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("%d messages on the bus are not valid events, e.g. %v", len(bad), bad[0])
	}
	return evs
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// checkNumbering asserts what the hall promises about numbers: none issued
// twice, and the online numbers of each prefix of a day run 1, 2, 3 … without
// a gap; offline ones come from the leased range. It returns the issued
// tickets by number.
func checkNumbering(t testing.TB, evs []queue.Event) map[string]queue.Event {
	t.Helper()
	byNumber := map[string]queue.Event{}
	online := map[string][]int{} // day/prefix → seqs
	for _, e := range evs {
		if e.Kind != queue.Issued {
			continue
		}
		key := e.Day + "/" + e.Number
		if prev, dup := byNumber[key]; dup {
			t.Errorf("number %s issued twice on %s: by %s (token %s, offline %v) and by %s (token %s, offline %v)",
				e.Number, e.Day, prev.Kiosk, prev.Token, prev.Offline, e.Kiosk, e.Token, e.Offline)
			continue
		}
		byNumber[key] = e
		if e.Offline {
			if e.Seq < bus.OfflineFloor {
				t.Errorf("offline ticket %s has a number below the leased range %d-9999", e.Number, bus.OfflineFloor)
			}
			continue
		}
		if e.Seq >= bus.OfflineFloor {
			t.Errorf("online ticket %s has a number of the offline range", e.Number)
		}
		online[e.Day+"/"+e.Prefix] = append(online[e.Day+"/"+e.Prefix], e.Seq)
	}
	for key, seqs := range online {
		sort.Ints(seqs)
		for i, s := range seqs {
			if s != i+1 {
				t.Errorf("%s: the online numbers have a gap or repeat: number %d is at place %d (%d numbers, highest %d)", key, s, i+1, len(seqs), seqs[len(seqs)-1])
				break
			}
		}
	}
	out := map[string]queue.Event{}
	for key, e := range byNumber {
		_, n, _ := strings.Cut(key, "/")
		out[n] = e
	}
	return out
}

// loadIssue issues n online tickets straight on the bus with the kiosk
// credentials, the way firmware/hallqueue does it (Link.Issue), from workers
// goroutines, each its own connection and kiosk id. It returns the tickets.
func loadIssue(ctx context.Context, c *hallCtl, h *hall.Hall, matters []string, n, workers int) ([]queue.Event, error) {
	jobs := make(chan string)
	go func() {
		defer close(jobs)
		for i := range n {
			select {
			case jobs <- matters[i%len(matters)]:
			case <-ctx.Done():
				return
			}
		}
	}()
	var mu sync.Mutex
	var out []queue.Event
	var errs []error
	var wg sync.WaitGroup
	for w := range workers {
		id := fmt.Sprintf("loadgen-%d", w+1)
		b, err := bus.Connect(ctx, bus.Config{URLs: []string{c.busURL()}, Creds: c.creds("kiosk"), Hall: h.ID, Terminal: id,
			Timeout: 10 * time.Second}, false, quietLog())
		if err != nil {
			return nil, err
		}
		defer b.Close()
		wg.Go(func() {
			for mid := range jobs {
				m, _ := h.Matter(mid)
				now := time.Now()
				r := ticket.Request{Matter: m.ID, Prefix: m.Prefix, Now: now, ResetHour: h.ResetHour}
				e := queue.Event{Kind: queue.Issued, At: r.Now, Day: r.Day(), Prefix: r.Prefix, Matter: r.Matter,
					Kiosk: id, Token: ticket.NewToken()}
				e, _, err := b.Publish(ctx, e, 0)
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", id, err))
				} else {
					out = append(out, e)
				}
				mu.Unlock()
				if err != nil && len(errs) > 20 {
					return
				}
			}
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// serveOne runs one ticket through a counter: call (unless one is already
// at the window), start, done, and the citizen's rating. onCall sees the
// number while the ticket is at call.
func serveOne(c *proc, rating int, reason string, onCall func(number string) error) (string, error) {
	s, err := awaitScreen(c, "the clerk's screen", 15*time.Second, func(s control.ScreenJSON) bool {
		_, call := widget(s, "call-next")
		_, start := widget(s, "start")
		return s.Screen == "counter" && (call || start)
	})
	if err != nil {
		return "", err
	}
	if _, ok := widget(s, "start"); !ok {
		if err := tapE(c, "call-next"); err != nil {
			return "", err
		}
	}
	s, err = awaitScreen(c, "a ticket at call", 10*time.Second, func(s control.ScreenJSON) bool { _, ok := widget(s, "start"); return ok })
	if err != nil {
		return "", err
	}
	number := shownNumber(s)
	if number == "" {
		return "", fmt.Errorf("counter %s: no number at the window: %q", c.base, texts(s))
	}
	if onCall != nil {
		if err := onCall(number); err != nil {
			return number, err
		}
	}
	for _, id := range []string{"start", "done"} {
		if err := tapE(c, id); err != nil {
			return number, err
		}
	}
	if _, err := onScreenE(c, "rating", 10*time.Second); err != nil {
		return number, err
	}
	if err := tapE(c, "rate:"+strconv.Itoa(rating)); err != nil {
		return number, err
	}
	if rating >= queue.Dissatisfied {
		if _, err := onScreenE(c, "rating-reason", 10*time.Second); err != nil {
			return number, err
		}
		if err := tapE(c, "reason:"+reason); err != nil {
			return number, err
		}
	}
	if _, err := onScreenE(c, "rating-thanks", 10*time.Second); err != nil {
		return number, err
	}
	return number, nil
}

// phoneStatus is the part of /t/{token}.json the test reads.
type phoneStatus struct {
	Number string `json:"number"`
	State  string `json:"state"`
	Window int    `json:"window"`
	Text   struct {
		Headline string `json:"headline"`
	} `json:"text"`
}

func phoneOf(c *hallCtl, token string) (phoneStatus, error) {
	var st phoneStatus
	resp, err := http.Get(c.base + "/t/" + token + ".json")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("phone page of %s: %s", token, resp.Status)
	}
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// TestHallManyTerminals runs a busy hall: a controller, five kiosks, two
// guide desks, three counters and the call display, all real processes,
// with 5000 tickets issued at once — most by a load generator on the bus
// with the kiosk credentials, some by the kiosk processes through their
// screens.
func TestHallManyTerminals(t *testing.T) {
	began := time.Now()
	h, err := hall.Load(sampleHall)
	if err != nil {
		t.Fatal(err)
	}
	c := startHall(t, t.TempDir(), freePort(t), freePort(t))

	var kiosks []*proc
	for i := range 5 {
		kiosks = append(kiosks, hallTerminal(t, c, "kiosk", "kiosk", fmt.Sprintf("kiosk-%d", i+1), ""))
	}
	guides := []*proc{hallTerminal(t, c, "guide", "guide", "guide-1", ""), hallTerminal(t, c, "guide", "guide", "guide-2", "")}
	windows := []int{1, 5, 7}
	counters := map[int]*proc{}
	for _, w := range windows {
		counters[w] = hallTerminal(t, c, "counter", fmt.Sprintf("counter-%d", w), fmt.Sprintf("counter-%d", w), "", "--window", strconv.Itoa(w))
	}
	display := hallTerminal(t, c, "display", "display", "display-1", "")
	for _, k := range kiosks {
		if _, err := onScreenE(k, "attract", 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("12 processes up after %v", time.Since(began).Round(time.Millisecond))

	// 5000 tickets at once: the kiosks' citizens while the load runs.
	const total = 5000
	kioskMatters := []string{"pension-cert", "social-card", "pension-cert", "pension-cert"}
	loadN := total - len(kiosks)*len(kioskMatters)
	loadMatters := []string{"social-card", "social-card", "social-card", "medical-transfer", "medical-transfer",
		"residence-permit", "id-card-renewal", "household-move", "company-setup", "business-license-change",
		"invoice", "housing-fund-withdraw", "property-register", "property-cert-query"}
	shown := make([][]string, len(kiosks)) // numbers each kiosk's done screen showed
	var mu sync.Mutex
	var kioskAt []time.Time // when each kiosk ticket was on the done screen
	kioskErrs := make([]error, len(kiosks))
	var wg sync.WaitGroup
	loadStart := time.Now()
	for i, k := range kiosks {
		wg.Go(func() {
			for _, m := range kioskMatters {
				n, _, err := kioskTicket(k, m)
				if err != nil {
					kioskErrs[i] = fmt.Errorf("kiosk-%d: %w\n%s", i+1, err, k.logText())
					return
				}
				shown[i] = append(shown[i], n)
				mu.Lock()
				kioskAt = append(kioskAt, time.Now())
				mu.Unlock()
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	load, loadErr := loadIssue(ctx, c, h, loadMatters, loadN, 8)
	loadTook := time.Since(loadStart)
	wg.Wait()
	kioskTook := time.Since(loadStart)
	during := 0
	for _, at := range kioskAt {
		if at.Before(loadStart.Add(loadTook)) {
			during++
		}
	}
	if loadErr != nil {
		t.Errorf("load generator: %d of %d tickets refused: %v", loadN-len(load), loadN, loadErr)
	}
	for _, err := range kioskErrs {
		if err != nil {
			t.Error(err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%d tickets on the bus by the load generator in %v (%.0f/s); kiosk sessions done after %v, %d of their %d tickets issued while the load ran",
		len(load), loadTook.Round(time.Millisecond), float64(len(load))/loadTook.Seconds(), kioskTook.Round(time.Millisecond), during, len(kioskAt))

	// The hall's screens keep up with the rush: soon after the last ticket
	// the counters and the display count the people waiting as they are.
	waiting := map[string]int{} // prefix → tickets
	for _, e := range load {
		waiting[e.Prefix]++
	}
	for _, ns := range shown {
		for _, n := range ns {
			waiting[n[:1]]++
		}
	}
	screens := map[string]func(control.ScreenJSON) bool{}
	for _, w := range windows {
		hw, _ := h.Window(w)
		m, _ := h.Matter(hw.Matters[0])
		want := fmt.Sprintf("%s：%d 人", m.Name.Zh, waiting[m.Prefix])
		screens[fmt.Sprintf("window %d (%q)", w, want)] = func(s control.ScreenJSON) bool { return showsExactly(s, want) }
	}
	wantA, wantB := fmt.Sprintf("%d 人等候", waiting["A"]), fmt.Sprintf("%d 人等候", waiting["B"])
	screens[fmt.Sprintf("display (%q, %q)", wantA, wantB)] = func(s control.ScreenJSON) bool {
		return showsExactly(s, wantA) && showsExactly(s, wantB)
	}
	procs := map[string]*proc{}
	for name := range screens {
		switch {
		case strings.HasPrefix(name, "window 1 "):
			procs[name] = counters[1]
		case strings.HasPrefix(name, "window 5 "):
			procs[name] = counters[5]
		case strings.HasPrefix(name, "window 7 "):
			procs[name] = counters[7]
		default:
			procs[name] = display
		}
	}
	lag := caughtUp(t, procs, screens, 180*time.Second)
	const keepUp = 15 * time.Second
	for name, d := range lag {
		if d > keepUp {
			t.Errorf("%s showed the queue after the rush only %v after the last ticket (want within %v): "+
				"the terminal lags behind the bus: firmware/terminal/runner.go Run follows every single delivery "+
				"with r.redraw(), a full Build+Draw of the 1280×800 frame, under main.go's 20 MB memory limit", name, d.Round(time.Millisecond), keepUp)
		} else {
			t.Logf("%s up to date %v after the last ticket", name, d.Round(time.Millisecond))
		}
	}

	// On the bus: every number once, no gaps, each kiosk's own tickets
	// under its own id with the token its store keeps.
	evs := readBus(t, c)
	issued := checkNumbering(t, evs)
	if len(issued) != total {
		t.Errorf("%d tickets on the bus, want %d", len(issued), total)
	}
	for i, k := range kiosks {
		id := fmt.Sprintf("kiosk-%d", i+1)
		rows, err := kioskStore(filepath.Join(k.data, "tickets.db"))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(kioskMatters) {
			t.Errorf("%s: %d tickets in its store, want %d", id, len(rows), len(kioskMatters))
		}
		for j, r := range rows {
			e, ok := issued[r.Number]
			switch {
			case !ok:
				t.Errorf("%s: ticket %s of its store is not on the bus", id, r.Number)
			case e.Kiosk != id || e.Token != r.Token:
				t.Errorf("%s: ticket %s is on the bus from kiosk %q with token %s; the kiosk's store has token %s", id, r.Number, e.Kiosk, e.Token, r.Token)
			case r.Offline || !r.Synced:
				t.Errorf("%s: ticket %s stored offline=%v synced=%v with the bus up", id, r.Number, r.Offline, r.Synced)
			}
			if j < len(shown[i]) && shown[i][j] != r.Number {
				t.Errorf("%s: the done screen showed %s, the store has %s", id, shown[i][j], r.Number)
			}
		}
	}

	// A citizen at kiosk-1 calls a guide; both desks see it, one takes it.
	k := kiosks[0]
	if err := tapE(k, "start"); err != nil {
		t.Fatal(err)
	}
	if err := tapE(k, "call-guide"); err != nil {
		t.Fatal(err)
	}
	s, err := awaitScreen(k, "the guide-called banner", 10*time.Second, func(s control.ScreenJSON) bool { return shows(s, guideCalled) })
	if err != nil {
		t.Fatal(err)
	}
	if shows(s, guideComing) {
		t.Fatalf("kiosk says %q before any guide acknowledged: %q", guideComing, texts(s))
	}
	var helpID string
	for _, g := range guides {
		_, err := awaitScreen(g, "kiosk-1's help request", 10*time.Second, func(s control.ScreenJSON) bool {
			for _, w := range s.Widgets {
				if strings.HasPrefix(w.ID, "help:kiosk-1-") {
					helpID = w.ID
					return true
				}
			}
			return false
		})
		if err != nil {
			t.Fatalf("guide desk does not list the kiosk's call: %v\n%s\nkiosk-1:\n%s", err, g.logText(), k.logText())
		}
	}
	if err := tapE(guides[0], helpID); err != nil {
		t.Fatal(err)
	}
	if err := tapE(guides[0], "ack"); err != nil {
		t.Fatal(err)
	}
	if _, err := awaitScreen(k, "the guide-coming banner", 10*time.Second, func(s control.ScreenJSON) bool { return shows(s, guideComing) }); err != nil {
		t.Fatalf("kiosk never said a guide is coming after guide-1 acknowledged: %v\n%s", err, k.logText())
	}
	if _, err := awaitScreen(guides[1], "the request taken off guide-2's list", 10*time.Second, func(s control.ScreenJSON) bool {
		_, open := widget(s, helpID)
		return !open
	}); err != nil {
		t.Errorf("guide-2 still offers the request guide-1 took: %v", err)
	}
	if err := tapE(k, "cancel"); err != nil {
		t.Fatal(err)
	}
	t.Logf("guide call answered after %v", time.Since(began).Round(time.Millisecond))

	// The first call of window 1 goes up on the display.
	first, err := serveFirstCall(counters[1])
	if err != nil {
		t.Fatal(err)
	}
	calledAt := time.Now()
	if _, err := awaitScreen(display, "the call of "+first, 5*time.Second, func(s control.ScreenJSON) bool {
		return showsExactly(s, "请 "+first+" 号") && showsExactly(s, "到 1 号窗口")
	}); err != nil {
		t.Errorf("display does not show window 1's call: %v\n%s", err, display.logText())
	} else {
		t.Logf("display showed %s at window 1 %v after the call", first, time.Since(calledAt).Round(time.Millisecond))
	}

	// The counters serve and the citizens rate.
	const perCounter = 12
	var (
		served   = map[int][]string{}
		ratings  [6]int
		phoneErr error
		phoneOK  bool
	)
	counterErrs := map[int]error{}
	for wi, w := range windows {
		cp := counters[w]
		wg.Go(func() {
			for i := range perCounter {
				rating := 1 + (i+wi)%3
				if i == 5 {
					rating = 4
				}
				var onCall func(string) error
				if w == 7 && i == 0 {
					onCall = func(number string) error {
						err := phonePageShowsWindow(c, kiosks, number, 7)
						mu.Lock()
						phoneErr, phoneOK = err, err == nil
						mu.Unlock()
						return nil
					}
				}
				n, err := serveOne(cp, rating, "wait", onCall)
				mu.Lock()
				if err != nil {
					counterErrs[w] = fmt.Errorf("window %d, ticket %d (%s): %w\n%s", w, i+1, n, err, cp.logText())
					mu.Unlock()
					return
				}
				served[w] = append(served[w], n)
				ratings[rating]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, w := range windows {
		if err := counterErrs[w]; err != nil {
			t.Error(err)
		}
	}
	if len(counterErrs) > 0 {
		t.FailNow()
	}
	switch {
	case phoneErr != nil:
		t.Errorf("phone page: %v", phoneErr)
	case !phoneOK:
		t.Errorf("phone page never checked: window 7 served nothing")
	}
	// Numbers are called in order: the citizen holding A005 must not hear
	// A017 first. (Every ticket here is online and none has the green channel.)
	for _, w := range windows {
		for i := 1; i < len(served[w]); i++ {
			a, b := issued[served[w][i-1]], issued[served[w][i]]
			if a.Seq > b.Seq {
				t.Errorf("window %d called %s before %s (calls %v): %s was issued by %s at %s, %s by %s at %s; "+
					"the queue orders by Event.At (queue.before), which the kiosk sets before it claims the number "+
					"(hallqueue.Link.Issue), so a claim that lost races to other kiosks gets a higher number but an earlier place",
					w, a.Number, b.Number, served[w], a.Number, a.Kiosk, a.At.Format("15:04:05.000000"), b.Number, b.Kiosk, b.At.Format("15:04:05.000000"))
				break
			}
		}
	}
	if served[1][0] != first {
		t.Errorf("window 1 served %s first, the display showed %s", served[1][0], first)
	}
	for _, w := range windows {
		hw, _ := h.Window(w)
		m := hw.Matters[0]
		mm, _ := h.Matter(m)
		for _, n := range served[w] {
			if !strings.HasPrefix(n, mm.Prefix) {
				t.Errorf("window %d (%s) served %s", w, m, n)
			}
		}
	}
	t.Logf("served %v after %v", served, time.Since(began).Round(time.Millisecond))

	// The office sees exactly what the citizens gave.
	var rep report.Report
	if err := c.officeGet("/report.json", &rep); err != nil {
		t.Fatal(err)
	}
	count, satisfied := 0, 0
	for r := 1; r <= 5; r++ {
		count += ratings[r]
		if r <= h.Figures.SatisfiedLevels {
			satisfied += ratings[r]
		}
	}
	want := float64(satisfied) / float64(count)
	switch {
	case rep.Satisfaction.Rate == nil:
		t.Errorf("report has no satisfaction rate after %d ratings", count)
	case *rep.Satisfaction.Rate != want:
		t.Errorf("satisfaction rate %v, want %d/%d = %v (ratings %v, report's %v)", *rep.Satisfaction.Rate, satisfied, count, want, ratings[1:], rep.Satisfaction.Ratings)
	}
	if !slices.Equal(rep.Satisfaction.Ratings[:], ratings[1:]) {
		t.Errorf("report's ratings per level %v, given %v", rep.Satisfaction.Ratings, ratings[1:])
	}
	if rep.Served != count || rep.Window.Served != count {
		t.Errorf("report: served %d (window time over %d), want %d", rep.Served, rep.Window.Served, count)
	}
	if rep.Issued != total {
		t.Errorf("report: issued %d, want %d", rep.Issued, total)
	}
	if rep.Refused != 0 {
		t.Errorf("report: %d events refused", rep.Refused)
	}
	wait := 0
	for _, r := range rep.Satisfaction.Reasons {
		if r.Name == "wait" {
			wait = r.Count
		}
	}
	if wait != ratings[4] {
		t.Errorf("report: reason wait given %d times, want %d (%+v)", wait, ratings[4], rep.Satisfaction.Reasons)
	}
	for i := range kiosks {
		id := fmt.Sprintf("kiosk-%d", i+1)
		j := slices.IndexFunc(rep.Kiosks, func(k report.KioskFigures) bool { return k.Kiosk == id })
		if j < 0 || rep.Kiosks[j].Issued != len(kioskMatters) || rep.Kiosks[j].Offline != 0 {
			t.Errorf("report: kiosk figures %+v, want %s with %d issued, none offline", rep.Kiosks, id, len(kioskMatters))
		}
	}
	t.Logf("report: satisfaction %v (%d/%d), served %d, issued %d; whole test %v",
		want, satisfied, count, rep.Served, rep.Issued, time.Since(began).Round(time.Millisecond))
}

// caughtUp polls the screens of procs until each shows what want says, and
// returns how long each took; past limit the test stops.
func caughtUp(t testing.TB, procs map[string]*proc, want map[string]func(control.ScreenJSON) bool, limit time.Duration) map[string]time.Duration {
	t.Helper()
	began := time.Now()
	took := map[string]time.Duration{}
	last := map[string]control.ScreenJSON{}
	for len(took) < len(want) {
		for name, cond := range want {
			if _, ok := took[name]; ok {
				continue
			}
			s, err := screenOf(procs[name])
			if err == nil && cond(s) {
				took[name] = time.Since(began)
			}
			last[name] = s
		}
		if time.Since(began) > limit {
			for name := range want {
				if _, ok := took[name]; !ok {
					t.Errorf("%s never caught up in %v: screen %q", name, limit, texts(last[name]))
				}
			}
			t.FailNow()
		}
		time.Sleep(100 * time.Millisecond)
	}
	return took
}

// serveFirstCall calls the next ticket at a counter and returns its number,
// leaving it at call.
func serveFirstCall(c *proc) (string, error) {
	if err := tapE(c, "call-next"); err != nil {
		return "", err
	}
	s, err := awaitScreen(c, "a ticket at call", 10*time.Second, func(s control.ScreenJSON) bool { _, ok := widget(s, "start"); return ok })
	if err != nil {
		return "", err
	}
	return shownNumber(s), nil
}

// phonePageShowsWindow finds the kiosk that issued number, takes the
// ticket's token from its store and waits for the phone page to send the
// citizen to window.
func phonePageShowsWindow(c *hallCtl, kiosks []*proc, number string, window int) error {
	token := ""
	for _, k := range kiosks {
		rows, err := kioskStore(filepath.Join(k.data, "tickets.db"))
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.Number == number {
				token = r.Token
			}
		}
	}
	if token == "" {
		return fmt.Errorf("no kiosk's store holds ticket %s", number)
	}
	want := fmt.Sprintf("请到 %d 号窗口", window)
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := phoneOf(c, token)
		if err == nil && st.Number == number && st.Text.Headline == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("phone page of %s says %+v (err %v), want headline %q", number, st, err, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tcpProxy stands between one kiosk and the bus, so that the test can cut
// that kiosk's network alone.
type tcpProxy struct {
	addr, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        map[net.Conn]bool
}

func newProxy(t testing.TB, target string) *tcpProxy {
	p := &tcpProxy{target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", p.target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			if p.ln != ln {
				p.mu.Unlock()
				in.Close()
				out.Close()
				return
			}
			p.conns[in], p.conns[out] = true, true
			p.mu.Unlock()
			pipe := func(dst, src net.Conn) {
				io.Copy(dst, src)
				dst.Close()
				src.Close()
				p.mu.Lock()
				delete(p.conns, dst)
				delete(p.conns, src)
				p.mu.Unlock()
			}
			go pipe(in, out)
			go pipe(out, in)
		}
	}()
}

// cut closes the listener and every connection: the kiosk's cable is out.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// restore listens on the same address again: the cable is back.
func (p *tcpProxy) restore(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ln, err := net.Listen("tcp", p.addr)
		if err == nil {
			p.serve(ln)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("proxy: listen %s again: %v", p.addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// shownTicket is a ticket a kiosk showed a citizen.
type shownTicket struct {
	kiosk, number string
	offline       bool // issued while that kiosk had no bus
}

func isOfflineNumber(n string) bool {
	seq, err := strconv.Atoi(n[1:])
	return err == nil && seq >= bus.OfflineFloor
}

// TestControllerRestartAndKioskCutOff kills the controller in the middle of
// the day and later cuts one kiosk off the network: the kiosks go on
// issuing from their leased numbers, say so, and once the bus is back every
// ticket a citizen was shown is on the bus exactly once.
func TestControllerRestartAndKioskCutOff(t *testing.T) {
	began := time.Now()
	data, listen, web := t.TempDir(), freePort(t), freePort(t)
	c := startHall(t, data, listen, web)
	proxy := newProxy(t, listen)
	k1 := hallTerminal(t, c, "kiosk", "kiosk", "kiosk-1", "")
	k2 := hallTerminal(t, c, "kiosk", "kiosk", "kiosk-2", "nats://"+proxy.addr)
	counter := hallTerminal(t, c, "counter", "counter-7", "counter-7", "", "--window", "7")
	kiosks := map[string]*proc{"kiosk-1": k1, "kiosk-2": k2}
	var shown []shownTicket
	take := func(id string, offline bool) {
		t.Helper()
		n, done, err := kioskTicket(kiosks[id], "pension-cert")
		if err != nil {
			t.Fatalf("%s: %v\n%s", id, err, kiosks[id].logText())
		}
		if offline {
			if !isOfflineNumber(n) {
				t.Errorf("%s issued %s without the bus: not a number of its lease (%d-9999)", id, n, bus.OfflineFloor)
			}
			if !shows(done, approxMarker) && !shows(done, watchLine) {
				t.Errorf("%s: the offline ticket's done screen claims an exact wait: %q", id, texts(done))
			}
		} else if isOfflineNumber(n) {
			t.Errorf("%s issued %s from its lease with the bus up", id, n)
		}
		shown = append(shown, shownTicket{id, n, offline})
	}
	// Leases are taken once the kiosks are up; wait for them before the outage.
	waitLeases := func() {
		t.Helper()
		for id, k := range kiosks {
			deadline := time.Now().Add(15 * time.Second)
			for leasedBlocks(t, k.data, "C") == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("%s leased no numbers for offline use\n%s", id, k.logText())
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	waitLeases()
	take("kiosk-1", false)
	take("kiosk-2", false)

	// The controller dies.
	c.cmd.Process.Kill()
	<-c.done
	c.done <- nil
	for id, k := range kiosks {
		if _, err := awaitScreen(k, "the offline line", 10*time.Second, func(s control.ScreenJSON) bool {
			return s.Screen == "attract" && shows(s, offlineLine)
		}); err != nil {
			t.Fatalf("%s does not say it is issuing offline: %v", id, err)
		}
	}
	take("kiosk-1", true)
	take("kiosk-2", true)
	take("kiosk-1", true)
	t.Logf("controller down, 3 tickets issued offline after %v", time.Since(began).Round(time.Millisecond))

	// It comes back on the same data and port.
	c = startHall(t, data, listen, web)
	waitSynced(t, kiosks)
	t.Logf("controller back, kiosks resynced after %v", time.Since(began).Round(time.Millisecond))

	// Now only kiosk-2 loses the network; kiosk-1 goes on online.
	proxy.cut()
	if _, err := awaitScreen(k2, "the offline line", 10*time.Second, func(s control.ScreenJSON) bool {
		return s.Screen == "attract" && shows(s, offlineLine)
	}); err != nil {
		t.Fatalf("kiosk-2 does not say it is issuing offline: %v", err)
	}
	take("kiosk-2", true)
	take("kiosk-1", false)
	take("kiosk-2", true)
	if s, _ := screenOf(k1); shows(s, offlineLine) {
		t.Errorf("kiosk-1 says it is offline while only kiosk-2 is cut off")
	}
	proxy.restore(t)
	waitSynced(t, kiosks)
	t.Logf("kiosk-2 back, resynced after %v", time.Since(began).Round(time.Millisecond))

	// Every ticket a citizen saw is on the bus exactly once.
	evs := readBus(t, c)
	issued := checkNumbering(t, evs)
	for _, st := range shown {
		e, ok := issued[st.number]
		switch {
		case !ok:
			t.Errorf("%s showed %s; the bus does not have it", st.kiosk, st.number)
		case e.Kiosk != st.kiosk:
			t.Errorf("%s showed %s; the bus has it from %s", st.kiosk, st.number, e.Kiosk)
		case e.Offline != st.offline:
			t.Errorf("%s: ticket %s is on the bus with offline=%v, want %v", st.kiosk, st.number, e.Offline, st.offline)
		}
	}
	if len(issued) != len(shown) {
		t.Errorf("%d tickets on the bus, the kiosks showed %d: %v", len(issued), len(shown), shown)
	}
	for id, k := range kiosks {
		rows, err := kioskStore(filepath.Join(k.data, "tickets.db"))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if !r.Synced || r.Offline != isOfflineNumber(r.Number) {
				t.Errorf("%s store: %s offline=%v synced=%v", id, r.Number, r.Offline, r.Synced)
			}
		}
	}
	var rep report.Report
	if err := c.officeGet("/report.json", &rep); err != nil {
		t.Fatal(err)
	}
	for id := range kiosks {
		want := 0
		for _, st := range shown {
			if st.kiosk == id && st.offline {
				want++
			}
		}
		j := slices.IndexFunc(rep.Kiosks, func(k report.KioskFigures) bool { return k.Kiosk == id })
		if j < 0 || rep.Kiosks[j].Offline != want {
			t.Errorf("report: kiosks %+v, want %s with %d offline", rep.Kiosks, id, want)
		}
	}
	if len(rep.Offline) < 3 {
		t.Errorf("report: %d offline periods, want one per kiosk for the controller's outage and one for kiosk-2's: %+v", len(rep.Offline), rep.Offline)
	}

	// The counter calls the waiting tickets in order, sending the online
	// ones away (过号) until an offline one comes up.
	for i := 0; ; i++ {
		n, err := serveFirstCall(counter)
		if err != nil {
			t.Fatalf("counter: %v\n%s", err, counter.logText())
		}
		if isOfflineNumber(n) {
			t.Logf("counter called offline ticket %s; whole test %v", n, time.Since(began).Round(time.Millisecond))
			break
		}
		if i >= len(shown) {
			t.Fatalf("counter called %d tickets and never an offline one", i+1)
		}
		if err := tapE(counter, "no-show"); err != nil {
			t.Fatal(err)
		}
	}
}

// leasedBlocks counts the leases of prefix in a kiosk's store.
func leasedBlocks(t testing.TB, data, prefix string) int {
	db, err := sql.Open("sqlite", filepath.Join(data, "tickets.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM leases WHERE prefix = ? AND used < count`, prefix).Scan(&n); err != nil {
		return 0
	}
	return n
}

// waitSynced waits until the kiosks say they are online again and their
// stores have every ticket synced.
func waitSynced(t testing.TB, kiosks map[string]*proc) {
	t.Helper()
	for id, k := range kiosks {
		deadline := time.Now().Add(30 * time.Second)
		for {
			rows, err := kioskStore(filepath.Join(k.data, "tickets.db"))
			s, serr := screenOf(k)
			unsynced := 0
			for _, r := range rows {
				if !r.Synced {
					unsynced++
				}
			}
			if err == nil && serr == nil && unsynced == 0 && s.Screen == "attract" && !shows(s, offlineLine) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d tickets still unsynced (err %v), screen %q %q\n%s", id, unsynced, err, s.Screen, texts(s), k.logText())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// TestWrongCredentialsStopWithStatus2 starts the display with credentials
// of another hall controller: it must stop at once with status 2 and one
// line saying what is wrong.
func TestWrongCredentialsStopWithStatus2(t *testing.T) {
	c := startHall(t, t.TempDir(), freePort(t), freePort(t))
	other := startHall(t, t.TempDir(), freePort(t), freePort(t))
	foreign := other.creds("display")
	other.kill()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, onetripBin, "run", "--role", "display", "--bus", c.busURL(), "--creds", foreign,
		"--terminal", "display-1", "--board", "sim", "--headless", "--control", freePort(t), "--data", t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	began := time.Now()
	err := cmd.Run()
	took := time.Since(began)
	if code := cmd.ProcessState.ExitCode(); code != exitConfig {
		t.Fatalf("exit status %d (%v) after %v, want %d\nstderr:\n%s", code, err, took, exitConfig, stderr.String())
	}
	if took > 5*time.Second {
		t.Errorf("took %v to give up on wrong credentials, want under 5 s", took)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "credentials") {
		t.Errorf("want one line on stderr about the credentials; got:\n%s", stderr.String())
	}
	t.Logf("after %v: %s", took.Round(time.Millisecond), lines[0])
}

// The report command reads the hall's figures with the report credentials;
// a kiosk's credentials may not read the ratings and say so in one line.
func TestReportCommand(t *testing.T) {
	c := startHall(t, t.TempDir(), freePort(t), freePort(t))
	k := hallTerminal(t, c, "kiosk", "kiosk", "kiosk-1", "")
	number, _, err := kioskTicket(k, "pension-cert")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(onetripBin, "report", "--bus", c.busURL(), "--creds", c.creds("report"), "--json").Output()
	if err != nil {
		t.Fatalf("onetrip report --json: %v", err)
	}
	var r struct {
		Issued       int `json:"issued"`
		Satisfaction struct {
			Rate *float64 `json:"rate"`
		} `json:"satisfaction"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("report JSON: %v\n%s", err, out)
	}
	if r.Issued != 1 || r.Satisfaction.Rate != nil {
		t.Fatalf("report after %s: issued %d, satisfaction %v; want 1 ticket and no rate (nobody rated)", number, r.Issued, r.Satisfaction.Rate)
	}
	text, err := exec.Command(onetripBin, "report", "--bus", c.busURL(), "--creds", c.creds("report")).Output()
	if err != nil || !strings.Contains(string(text), "满意") {
		t.Fatalf("onetrip report text: %v\n%s", err, text)
	}
	cmd := exec.Command(onetripBin, "report", "--bus", c.busURL(), "--creds", c.creds("kiosk"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil || strings.Count(strings.TrimSpace(stderr.String()), "\n") > 0 || !strings.Contains(stderr.String(), "may not") {
		t.Fatalf("report with kiosk credentials: %v, stderr %q; want a failure in one line saying these credentials may not", err, stderr.String())
	}
}
