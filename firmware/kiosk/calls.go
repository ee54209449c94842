package kiosk

import "context"

// Calls carries functions to a loop that owns its state: the loop receives
// from the channel and calls what it gets, so callers read and change that
// state without locks.
type Calls chan func()

// Do runs f on the loop's goroutine and waits for it.
func (c Calls) Do(ctx context.Context, f func()) error {
	done := make(chan struct{})
	select {
	case c <- func() { f(); close(done) }:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
