package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"onetrip/firmware/control"
)

// personal is every piece of the sim card's holder, whole or masked as the
// ID screen shows it: none may appear on a service screen.
var personal = []string{"张三丰", "张*丰", "33010219800101123X", "3301**", "解放路", "19800101", "上城分局"}

func TestServiceModeShowsNothingPersonal(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("2468"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	k := start(t, t.TempDir(), "--headless", "--service-pin-hash", string(hash))
	tap := func(ids ...string) {
		t.Helper()
		for _, id := range ids {
			k.waitFor("widget "+id, func(s control.ScreenJSON) bool { _, ok := widget(s, id); return ok })
			k.post("/tap", map[string]string{"id": id})
		}
	}
	clean := func(s control.ScreenJSON) {
		t.Helper()
		for _, tx := range s.Texts {
			for _, p := range personal {
				if strings.Contains(tx.Text, p) {
					t.Errorf("service screen %s shows %q: %q", s.Screen, p, tx.Text)
				}
			}
		}
	}

	// A citizen takes a ticket with their card first.
	k.onScreen("attract")
	k.post("/card", card)
	k.waitFor("card read", func(s control.ScreenJSON) bool { _, ok := widget(s, "continue"); return ok })
	tap("continue", "matter:social-card", "take-ticket", "no-questions")
	k.onScreen("done")
	k.post("/card/remove", nil)
	tap("cancel")
	k.onScreen("attract")

	// The technician holds the service button and gets a PIN wrong once.
	k.post("/button", map[string]string{"name": "service"})
	k.onScreen("service-pin")
	tap("digit:1", "digit:3", "digit:5", "digit:7", "pin-ok")
	s := k.waitFor("the wrong PIN", func(s control.ScreenJSON) bool { return hasText(s, "再错 4 次") && enabled(s, "pin-ok") })
	clean(s)
	tap("digit:2", "digit:4", "digit:6", "digit:8", "pin-ok")
	clean(k.onScreen("service"))

	for _, page := range []string{"service-log", "service-network", "service-identity"} {
		tap(page)
		s := k.waitFor(page, func(s control.ScreenJSON) bool { return s.Screen == page && !hasText(s, "正在读取") })
		clean(s)
		if page == "service-log" && !hasText(s, "ticket issued") {
			t.Errorf("the recent log does not show the ticket just issued: %+v", s.Texts)
		}
		if page == "service-identity" && !hasText(s, "board sim") {
			t.Errorf("the identity page lacks the board: %+v", s.Texts)
		}
		tap("service-back")
		k.onScreen("service")
	}

	tap("service-selftest", "test-next")
	for _, c := range []string{"top-left", "top-right", "bottom-right", "bottom-left"} {
		tap("corner:" + c)
	}
	tap("lamps-seen")
	s = k.waitFor("the results", func(s control.ScreenJSON) bool { _, ok := widget(s, "test-again"); return ok })
	clean(s)
	for _, want := range []string{"display:", "lamps: the lamps blinked", "printer: ready", "idcard:", "clock:"} {
		if !hasText(s, want) {
			t.Errorf("self-test results lack %q: %+v", want, s.Texts)
		}
	}
	if hasText(s, "故障") || hasText(s, "FAULT") {
		t.Errorf("the sim board's self-test failed: %+v", s.Texts)
	}

	// Restart ends the process cleanly, for systemd to start it again.
	tap("service-back")
	k.waitFor("the menu", func(s control.ScreenJSON) bool { _, ok := widget(s, "service-restart"); return ok })
	// The process may end before it answers this tap.
	if resp, err := http.Post(k.base+"/tap", "application/json", strings.NewReader(`{"id":"service-restart"}`)); err == nil {
		resp.Body.Close()
	}
	select {
	case err := <-k.done:
		if err != nil {
			t.Fatalf("restart: exit %v\n%s", err, k.logText())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the kiosk did not end after service mode's restart")
	}
	log := k.logText()
	for _, p := range append(personal, "2468", "1357") {
		if strings.Contains(log, p) {
			t.Errorf("the log shows %q", p)
		}
	}
	if !strings.Contains(log, "wrong service PIN") || !strings.Contains(log, "service mode opened") {
		t.Errorf("the log does not tell the wrong PIN and the opening:\n%s", log)
	}
}

func hasText(s control.ScreenJSON, sub string) bool {
	for _, tx := range s.Texts {
		if strings.Contains(tx.Text, sub) {
			return true
		}
	}
	return false
}

func enabled(s control.ScreenJSON, id string) bool {
	w, ok := widget(s, id)
	return ok && w.Enabled
}
