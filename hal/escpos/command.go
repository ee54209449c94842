package escpos

// Alignment is the justification set by ESC a.
type Alignment byte

const (
	Left Alignment = iota
	Centre
	Right
)

// ECLevel is a QR error-correction level, L (7 %) to H (30 %).
type ECLevel byte

const (
	ECLow ECLevel = iota
	ECMedium
	ECQuartile
	ECHigh
)

// Command bytes: the control characters that start ESC/POS commands.
const (
	lf  = 0x0a
	esc = 0x1b
	gs  = 0x1d
	fsc = 0x1c
	dle = 0x10
)
