// Package escpos speaks ESC/POS to thermal ticket printers: it encodes jobs
// for a printer profile, decodes jobs back the way a printer reads them,
// renders the paper they would produce, and reads printer status.
package escpos

import "context"

// Printer takes one complete job (the bytes a real printer would receive).
type Printer interface {
	// Print sends the job; faults the printer reports come back as
	// ErrPaperOut, ErrCoverOpen, ErrOffline or ErrCutter, wrapped.
	Print(ctx context.Context, job []byte) error
	// Status asks the printer for its state, between jobs.
	Status(ctx context.Context) (Status, error)
	Close() error
}
