//go:build kiosk

package main

import (
	"fmt"
	"os"
)

// hallCommand is absent from the kiosk build: the embedded NATS server
// samples the process's CPU every second from the moment it is linked in,
// which a kiosk idling all day on its attract screen must not pay for.
func hallCommand([]string) int {
	fmt.Fprintln(os.Stderr, "onetrip hall: this is the kiosk build, without the hall controller; run the full build (make build) on the controller's machine")
	return exitConfig
}
