package selftest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
)

// Console asks a technician at a terminal: each prompt on Out, answers
// (y or n, then Enter) read from In.
type Console struct {
	out     io.Writer
	answers chan string
}

// NewConsole reads in in the background for the technician's answers.
func NewConsole(in io.Reader, out io.Writer) *Console {
	c := &Console{out: out, answers: make(chan string)}
	go func() {
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			c.answers <- strings.TrimSpace(sc.Text())
		}
		close(c.answers)
	}()
	return c
}

// Ask prints p; for a question it waits for y or n until ctx ends.
func (c *Console) Ask(ctx context.Context, p Prompt) (bool, error) {
	if !p.YesNo {
		fmt.Fprintf(c.out, "» %s …\n", p.Text)
		return true, nil
	}
	for {
		fmt.Fprintf(c.out, "» %s [y/n] ", p.Text)
		select {
		case a, ok := <-c.answers:
			if !ok {
				return false, fmt.Errorf("no answer: input closed")
			}
			switch strings.ToLower(a) {
			case "y", "yes", "是":
				return true, nil
			case "n", "no", "否":
				return false, nil
			}
			fmt.Fprintf(c.out, "  please answer y or n\n")
		case <-ctx.Done():
			fmt.Fprintln(c.out)
			return false, ctx.Err()
		}
	}
}

// Simulated answers for the simulated board: it presses the twin's
// buttons, puts the twin's test card on its reader, and says a lamp or the
// buzzer shows a pattern only if the twin was really told to show it.
type Simulated struct {
	Press   func(button string) error
	PutCard func() error
	Lamps   map[string]Recorder
	Buzzer  Recorder
}

// Recorder is a twin that remembers the pattern it was last told to show.
type Recorder interface{ Pattern() string }

// Ask does what p asks on the twins.
func (s Simulated) Ask(ctx context.Context, p Prompt) (bool, error) {
	switch {
	case strings.HasPrefix(p.Step, "press:"):
		return true, s.Press(strings.TrimPrefix(p.Step, "press:"))
	case p.Step == "card":
		return true, s.PutCard()
	case strings.HasPrefix(p.Step, "lamp:"):
		l, ok := s.Lamps[strings.TrimPrefix(p.Step, "lamp:")]
		return ok && l.Pattern() == p.Pattern, nil
	case p.Step == "buzzer":
		return s.Buzzer != nil && s.Buzzer.Pattern() == p.Pattern, nil
	}
	return false, fmt.Errorf("the simulated board cannot answer %q", p.Text)
}
