// Package gpio turns GPIO lines into the kiosk's physical controls: debounced
// buttons that report presses, long presses and stuck lines, and lamps and a
// buzzer that play patterns kept as data (see Patterns and BeepPatterns).
//
// It works on periph.io/x/conn/v3/gpio pins, so the same code drives the board's
// character-device lines (periph.io/x/host/v3/gpioioctl) and periph's gpiotest
// doubles. Package gpiosim is the simulated twin for a kiosk without hardware.
//
// Event times come from the clock, not from the kernel: gpioioctl reads each
// gpio_v2_line_event but discards its Timestamp_ns, so a ButtonEvent's time is
// when WaitForEdge returned. That adds scheduling latency as jitter, typically
// under 1 ms and worse under load; it is far below what a person can press.
//
// Debounce is done in software: gpioioctl defines the kernel's debounce
// attribute but never sets it, and gpiotest has none. A level counts only after
// it has been stable for ButtonConfig.Debounce, so a bounce train is one press.
//
// Drivers disagree on WaitForEdge's "forever" (gpiotest: -1; gpioioctl: 0, and
// -1 returns at once), so the watcher only ever waits with positive timeouts.
package gpio
