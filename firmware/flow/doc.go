// Package flow is the kiosk's ticket flow (三必问) as a pure state machine:
// Step(state, event, now) returns the next state and the effects the edges
// must carry out. It does no I/O and reads no clock, so it can be replayed,
// fuzzed and tested in microseconds.
package flow
