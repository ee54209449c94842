package flow

import (
	"slices"
	"strings"
	"time"

	"onetrip/firmware/hall"
)

// Step applies one event. It never mutates its input.
func Step(cfg *Config, s State, ev Event, now time.Time) (State, []Effect) {
	if s.Service != nil {
		return serviceStep(cfg, s, ev, now)
	}
	if e, ok := ev.(ButtonHeld); ok && e.Name == ServiceButton {
		return openService(cfg, s, now)
	}
	switch e := ev.(type) {
	case Tick:
		return tick(cfg, s, now)
	case Tap:
		if !slices.Contains(s.Actions(cfg), e.ID) {
			if s.Screen == Attract {
				return s, nil
			}
			s.LastInput = now
			return s, nil
		}
		s.LastInput = now
		return tap(cfg, s, e.ID, now)
	case Button:
		if e.Name == "help" {
			s = resume(s)
			s.LastInput = now
			return callGuide(cfg, s, "help", "common.guide_called")
		}
		return s, nil
	case CardPresent:
		s = resume(s)
		s.CardOnReader = true
		if s.Screen == Attract {
			s = start(s, now)
		}
		if s.Holder == nil {
			s.Reading = true
			s.CardProblem = ""
		}
		s.LastInput = now
		return s, nil
	case CardRead:
		s = resume(s)
		s.CardOnReader, s.Reading = true, false
		if s.Screen == Attract {
			s = start(s, now)
		}
		s.LastInput = now
		if s.Issuing {
			return s, nil
		}
		h := e.Holder
		s.Holder, s.CardProblem, s.NoID = &h, "", false
		return s, []Effect{Beep{"ok"}}
	case CardFailed:
		s.Reading = false
		if s.Screen == Attract {
			s = start(s, now)
		}
		s.LastInput = now
		if s.Screen == ID {
			s.CardProblem = e.Problem
			return s, []Effect{Beep{"error"}}
		}
		return s, nil
	case CardRemoved:
		s.CardOnReader, s.Reading = false, false
		return s, nil
	case ReaderChanged:
		s.ReaderDown = !e.Available
		if s.ReaderDown {
			s.Reading = false
			return s, []Effect{SetLamp{Lamp: "status", Pattern: "attention"}}
		}
		return s, []Effect{SetLamp{Lamp: "status", Pattern: "ready"}}
	case TicketIssued:
		if s.Screen != Printing || s.Ticket != nil {
			return s, nil
		}
		t := e.Ticket
		s.Ticket = &t
		return s, []Effect{PrintTicket{Ticket: t, Lang: s.Lang}}
	case IssueFailed:
		if s.Screen != Printing {
			return s, nil
		}
		return problem(cfg, s, "issue: "+e.Reason, now)
	case Printed:
		// On the problem screen this is the reprint after the paper change:
		// the citizen still gets their ticket.
		if s.Screen != Printing && s.Screen != PrintProblem || s.Ticket == nil || s.Ticket.ID != e.ID {
			return s, nil
		}
		s.Screen, s.Until = Done, now.Add(cfg.DoneTime)
		return s, []Effect{Beep{"ok"}}
	case PrintFailed:
		if s.Screen != Printing || s.Ticket == nil || s.Ticket.ID != e.ID {
			return s, nil
		}
		return problem(cfg, s, e.Problem, now)
	case PrinterChanged:
		s.PrinterDown = !e.Working
		return s, nil
	case SlipPrinted, SlipFailed:
		if s.Screen == Elsewhere && s.Slip == "printing" {
			s.Slip = "printed"
			if _, failed := e.(SlipFailed); failed {
				s.Slip = "failed"
			}
		}
		return s, nil
	case GuideComing:
		if s.GuideCalled {
			s.GuideComing, s.GuideMessage = true, "common.guide_coming"
		}
		return s, nil
	case GuideUnreachable:
		if s.GuideCalled && !s.GuideComing {
			s.GuideMessage = "common.guide_unreachable"
		}
		return s, nil
	case BusChanged:
		s.Offline = !e.Online
		return s, nil
	}
	return s, nil
}

// tick acts on a passed deadline: the warning and the done and problem
// screens end the session, printing turns into the problem screen, any
// other screen left idle gets the timeout warning.
func tick(cfg *Config, s State, now time.Time) (State, []Effect) {
	dl := s.Deadline(cfg)
	if dl.IsZero() || now.Before(dl) {
		return s, nil
	}
	switch s.Screen {
	case TimeoutWarning:
		return end(cfg, s, "timeout", now)
	case Done, PrintProblem:
		return end(cfg, s, "finished", now)
	case Printing:
		return problem(cfg, s, "timeout: no answer from store or printer", now)
	}
	s.Back, s.Screen, s.Until = s.Screen, TimeoutWarning, now.Add(cfg.WarningTime)
	return s, []Effect{Beep{"attention"}}
}

// tap acts on a tap on one of the current screen's actions.
func tap(cfg *Config, s State, id string, now time.Time) (State, []Effect) {
	switch id {
	case "call-guide":
		return callGuide(cfg, s, "call-guide", "common.guide_called")
	case "lang":
		s.Lang = nextLang(cfg.Languages, s.Lang)
		return s, nil
	case "cancel":
		return end(cfg, s, "cancel", now)
	case "back":
		return back(cfg, s)
	}
	switch s.Screen {
	case Attract:
		s = start(s, now)
		fx := []Effect{Beep{"click"}}
		if s.CardOnReader && s.Holder == nil {
			// A card left on the reader (the last citizen's, or this one's
			// put down first) is read for this session.
			s.Reading = true
			fx = append(fx, ReadCard{})
		}
		return s, fx
	case ID:
		if id == "retry" {
			// Put the card on again: the reader reads it as a new card.
			s.CardProblem = ""
			return s, nil
		}
		s.Screen = Matter
		s.NoID = id == "no-id"
		if s.Category == "" {
			s.Category = cfg.Hall.Categories[0].ID
		}
		return s, nil
	case Matter:
		switch {
		case strings.HasPrefix(id, "category:"):
			s.Category, s.Page = strings.TrimPrefix(id, "category:"), 0
		case id == "next":
			s.Page++
		case id == "prev":
			s.Page--
		case id == "green-channel":
			s.Green = !s.Green
		case strings.HasPrefix(id, "matter:"):
			m, _ := cfg.Hall.Matter(strings.TrimPrefix(id, "matter:"))
			s.Matter = m.ID
			s.Screen = afterMatter(m)
		}
		return s, nil
	case Elsewhere:
		if id == "print-slip" {
			s.Slip = "printing"
			return s, []Effect{PrintSlip{Matter: s.Matter, Lang: s.Lang}}
		}
		return s, nil
	case Online:
		if id == "take-ticket" {
			s.Screen = Questions
			if s.GuideMessage == "online.help_called" {
				// The guide is still coming, but no longer to help online.
				s.GuideMessage = calledBanner(cfg, s, "common.guide_called")
			}
			return s, nil
		}
		return callGuide(cfg, s, "online-help", "online.help_called")
	case Questions:
		if id == "green-channel" {
			s.Green = !s.Green
			return s, nil
		}
		s.Questions = id == "have-questions"
		return issue(cfg, s, now)
	case TimeoutWarning:
		return resume(s), nil
	}
	return s, nil
}

// afterMatter is the screen that follows choosing m.
func afterMatter(m hall.Matter) Screen {
	switch {
	case !m.Here:
		return Elsewhere
	case m.Online:
		return Online
	}
	return Questions
}

// back returns to the screen before the current one.
func back(cfg *Config, s State) (State, []Effect) {
	switch s.Screen {
	case Matter:
		s.Screen = ID
	case Online, Elsewhere:
		s.Screen, s.Slip = Matter, ""
	case Questions:
		s.Screen = Matter
		if m, _ := cfg.Hall.Matter(s.Matter); m.Online {
			s.Screen = Online
		}
	}
	return s, nil
}

// resume leaves the timeout warning because the citizen did something.
func resume(s State) State {
	if s.Screen == TimeoutWarning {
		s.Screen, s.Until = s.Back, time.Time{}
	}
	return s
}

// start begins a session on the ID screen.
func start(s State, now time.Time) State {
	s.Screen, s.LastInput = ID, now
	return s
}

// issue asks for the ticket, once a session, and calls a guide when the
// citizen has questions.
func issue(cfg *Config, s State, now time.Time) (State, []Effect) {
	if s.Issuing {
		return s, nil
	}
	s.Issuing, s.Screen, s.Until = true, Printing, now.Add(cfg.PrintTime)
	fx := []Effect{IssueTicket{Matter: s.Matter, Green: s.Green, Lang: s.Lang}}
	if s.Questions {
		s.GuideCalled, s.GuideMessage = true, calledBanner(cfg, s, "common.guide_called")
		fx = append(fx, CallGuide{Reason: "have-questions", Screen: Questions, Matter: s.Matter})
	}
	return s, fx
}

// problem shows the print-problem screen and calls a guide: why is what
// went wrong, for logs and the guide.
func problem(cfg *Config, s State, why string, now time.Time) (State, []Effect) {
	s.Screen, s.Problem, s.Until = PrintProblem, why, now.Add(cfg.IdleTimeout)
	s.GuideCalled, s.GuideMessage = true, calledBanner(cfg, s, "print_problem.guide")
	return s, []Effect{
		CallGuide{Reason: "print-problem", Screen: PrintProblem, Matter: s.Matter},
		SetLamp{Lamp: "status", Pattern: "fault"},
		Beep{"error"},
	}
}

// callGuide calls a guide for reason and shows banner (a locale key); the
// help lamp lights at the first call of a session.
func callGuide(cfg *Config, s State, reason, banner string) (State, []Effect) {
	fx := []Effect{CallGuide{Reason: reason, Screen: s.Screen, Matter: s.Matter}}
	if !s.GuideCalled {
		fx = append(fx, SetLamp{Lamp: "help", Pattern: "attention"})
	}
	s.GuideCalled, s.GuideMessage = true, calledBanner(cfg, s, banner)
	return s, fx
}

// calledBanner is what the kiosk says right after a guide is called: on the
// bus, that the desk has been told (a guide is coming only once one has
// acknowledged); standalone, that the help lamp is lit.
func calledBanner(cfg *Config, s State, told string) string {
	switch {
	case s.GuideComing:
		return "common.guide_coming"
	case !cfg.OnBus:
		return "common.guide_lamp"
	}
	return told
}

// end wipes the session: a fresh attract state keeps nothing of the citizen.
func end(cfg *Config, s State, reason string, now time.Time) (State, []Effect) {
	fx := []Effect{EndSession{Reason: reason}}
	if s.GuideCalled {
		fx = append(fx, SetLamp{Lamp: "help", Pattern: "off"})
	}
	if s.Screen == PrintProblem {
		fx = append(fx, SetLamp{Lamp: "status", Pattern: "ready"})
	}
	n := New(cfg, now)
	n.CardOnReader, n.ReaderDown, n.Offline, n.PrinterDown = s.CardOnReader, s.ReaderDown, s.Offline, s.PrinterDown
	return n, fx
}

// nextLang is the language after cur, round the list.
func nextLang(langs []string, cur string) string {
	for i, l := range langs {
		if l == cur {
			return langs[(i+1)%len(langs)]
		}
	}
	return langs[0]
}
