package gpio

import (
	"maps"
	"slices"
	"time"
)

// Step holds the output on or off For a while; For 0 holds it until the next Set.
type Step struct {
	On  bool
	For time.Duration
}

// Pattern is a named sequence of steps; a Repeat pattern loops, any other ends off.
type Pattern struct {
	Name   string
	Steps  []Step
	Repeat bool
}

// lampPatterns are what a lamp can show; the firmware picks them by name.
var lampPatterns = []Pattern{
	{Name: "off", Steps: []Step{{On: false}}},
	{Name: "ready", Steps: []Step{{On: true}}},
	{Name: "attention", Repeat: true, Steps: []Step{{On: true, For: 500 * time.Millisecond}, {On: false, For: 500 * time.Millisecond}}},
	{Name: "fault", Repeat: true, Steps: []Step{{On: true, For: 100 * time.Millisecond}, {On: false, For: 100 * time.Millisecond}}},
}

// beepPatterns are what the buzzer can sound; each plays once and ends silent.
var beepPatterns = []Pattern{
	{Name: "click", Steps: []Step{{On: true, For: 20 * time.Millisecond}}},
	{Name: "ok", Steps: []Step{{On: true, For: 120 * time.Millisecond}}},
	{Name: "error", Steps: []Step{
		{On: true, For: 150 * time.Millisecond}, {On: false, For: 100 * time.Millisecond},
		{On: true, For: 150 * time.Millisecond},
	}},
	// attention asks a citizen who has gone quiet whether they are still there.
	{Name: "attention", Steps: []Step{
		{On: true, For: 80 * time.Millisecond}, {On: false, For: 120 * time.Millisecond},
		{On: true, For: 80 * time.Millisecond}, {On: false, For: 120 * time.Millisecond},
		{On: true, For: 80 * time.Millisecond},
	}},
	{Name: "alarm", Steps: []Step{
		{On: true, For: 400 * time.Millisecond}, {On: false, For: 200 * time.Millisecond},
		{On: true, For: 400 * time.Millisecond}, {On: false, For: 200 * time.Millisecond},
		{On: true, For: 400 * time.Millisecond},
	}},
}

// Patterns returns the lamp patterns by name: off, ready (steady on),
// attention (slow blink) and fault (fast blink).
func Patterns() map[string]Pattern { return byName(lampPatterns) }

// BeepPatterns returns the buzzer patterns by name: click, ok, error,
// attention and alarm.
func BeepPatterns() map[string]Pattern { return byName(beepPatterns) }

// byName indexes a table into a fresh map, so callers cannot change the table.
func byName(table []Pattern) map[string]Pattern {
	m := make(map[string]Pattern, len(table))
	for _, p := range table {
		p.Steps = slices.Clone(p.Steps)
		m[p.Name] = p
	}
	return m
}

// names lists a pattern map's names in order, for error messages.
func names(m map[string]Pattern) []string { return slices.Sorted(maps.Keys(m)) }
