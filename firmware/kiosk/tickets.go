package kiosk

import (
	"fmt"
	"strings"

	"golang.org/x/image/font"

	"onetrip/firmware/flow"
	"onetrip/firmware/hall"
	"onetrip/hal/escpos"
	"onetrip/ui/locale"
	"onetrip/ui/paper"
	"onetrip/ui/screen"
)

// Tickets composes the paper ticket for an issued ticket, in the citizen's
// language, for the board's printer profile.
type Tickets struct {
	hall    *hall.Hall
	cats    locale.Catalogs
	profile escpos.Profile
	face    func(px float64) font.Face
}

// NewTickets returns a ticket composer; face supplies the font for raster
// profiles and for rendering what the paper shows.
func NewTickets(h *hall.Hall, cats locale.Catalogs, p escpos.Profile, face func(px float64) font.Face) *Tickets {
	return &Tickets{hall: h, cats: cats, profile: p, face: face}
}

// Paper returns the ticket's printed content. It carries no personal data.
// A reprint says 补打 with the original issue time.
func (ts *Tickets) Paper(t flow.Ticket, lang string, reprint bool) paper.Ticket {
	c := ts.cats.Get(lang)
	m, _ := ts.hall.Matter(t.Matter)
	qr := ""
	if ts.hall.QueueLink != "" {
		qr = hall.LinkToken(ts.hall.QueueLink, ts.hall.ID, t.Matter, t.Number, t.Token)
	}
	reprinted := ""
	if reprint {
		reprinted = c.T("ticket.reprint", "time", t.Issued.Format("2006-01-02 15:04"))
	}
	return paper.Ticket{
		ReprintLabel: reprinted,
		HallName:     ts.hall.Name.In(lang),
		Title:        c.T("ticket.title"),
		Number:       t.Number,
		Matter:       m.Name.In(lang),
		Where:        m.Where.In(lang),
		QueueLabel:   strings.Join(screen.QueueLine(c, "ticket", t), "\n"),
		IssuedLabel:  c.T("ticket.issued", "time", t.Issued.Format("2006-01-02 15:04")),
		Green:        t.Green,
		GreenLabel:   c.T("ticket.green"),
		QR:           qr,
		QRHint:       c.T("ticket.qr_hint"),
		Footer:       c.T("ticket.footer"),
	}
}

// Slip returns the print job of the slip for a matter handled elsewhere:
// an apology, where and when it is done, and what to bring.
func (ts *Tickets) Slip(matter, lang string) ([]byte, error) {
	m, ok := ts.hall.Matter(matter)
	if !ok {
		return nil, fmt.Errorf("slip: no matter %q", matter)
	}
	c := ts.cats.Get(lang)
	return paper.EncodeSlip(paper.Slip{
		HallName: ts.hall.Name.In(lang),
		Title:    c.T("elsewhere.title"),
		Lines:    append([]string{m.Name.In(lang)}, screen.ElsewhereLines(c, m, lang)...),
		Footer:   c.T("elsewhere.slip_footer"),
	}, ts.profile, ts.face)
}

// Encode returns the exact bytes for the printer.
func (ts *Tickets) Encode(t flow.Ticket, lang string, reprint bool) ([]byte, error) {
	return paper.Encode(ts.Paper(t, lang, reprint), ts.profile, ts.face)
}
