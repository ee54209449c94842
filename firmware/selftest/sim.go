package selftest

import (
	"onetrip/hal/gpio"
	"onetrip/hal/idcard"
)

// Presses turns button events into the names of the buttons pressed.
func Presses(events <-chan gpio.ButtonEvent) <-chan string {
	out := make(chan string, 16)
	go func() {
		defer close(out)
		for ev := range events {
			if ev.Kind == gpio.Press {
				select {
				case out <- ev.Button:
				default: // nobody is asking: a press nobody waits for is dropped
				}
			}
		}
	}()
	return out
}

// TestCard is the card the simulated technician puts on the simulated
// reader: a made-up holder, no real person.
func TestCard() *idcard.Card {
	return &idcard.Card{Kind: idcard.Resident, Name: "测试卡", Sex: "男", Nation: "汉", Birth: "19491001",
		Address: "自检测试地址", Number: "110105194910010015", Authority: "自检", ValidFrom: "20200101", ValidTo: idcard.LongTerm}
}
