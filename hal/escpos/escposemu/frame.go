package escposemu

// Command bytes.
const (
	nul = 0x00
	dle = 0x10
	eot = 0x04
	enq = 0x05
	dc4 = 0x14
	esc = 0x1b
	fs  = 0x1c
	gs  = 0x1d
)

// fixed is the length of each fixed-size command, by its first two bytes.
// Anything else introduced by ESC, FS or GS and not in variable is taken as
// two bytes: an unknown command a printer ignores.
var fixed = map[[2]byte]int{
	{esc, '@'}: 2, {esc, '2'}: 2, {esc, 'i'}: 2, {esc, 'm'}: 2,
	{esc, '!'}: 3, {esc, '-'}: 3, {esc, '3'}: 3, {esc, 'E'}: 3, {esc, 'G'}: 3, {esc, 'J'}: 3,
	{esc, 'M'}: 3, {esc, 'R'}: 3, {esc, 'V'}: 3, {esc, 'a'}: 3, {esc, 'd'}: 3, {esc, 't'}: 3,
	{esc, '{'}: 3, {esc, ' '}: 3, {esc, 'c'}: 4, {esc, '$'}: 4, {esc, 'p'}: 5,
	{gs, '!'}: 3, {gs, 'B'}: 3, {gs, 'H'}: 3, {gs, 'I'}: 3, {gs, 'a'}: 3, {gs, 'f'}: 3,
	{gs, 'h'}: 3, {gs, 'r'}: 3, {gs, 'w'}: 3, {gs, 'L'}: 4, {gs, 'W'}: 4, {gs, 'P'}: 4,
	{fs, '&'}: 2, {fs, '.'}: 2, {fs, '!'}: 3, {fs, '-'}: 3, {fs, 'C'}: 3, {fs, 'W'}: 3, {fs, 'S'}: 4,
	{dle, eot}: 3, {dle, enq}: 3,
}

// variable gives the length of commands that carry their own size, from as
// much of the command as has arrived; ok is false until enough has.
var variable = map[[2]byte]func(b []byte) (n int, ok bool){
	{gs, '('}: func(b []byte) (int, bool) { // GS ( x pL pH + p bytes
		if len(b) < 5 {
			return 0, false
		}
		return 5 + le(b[3:5]), true
	},
	{gs, '8'}: func(b []byte) (int, bool) { // GS 8 L p1 p2 p3 p4 + p bytes
		if len(b) < 7 {
			return 0, false
		}
		return 7 + le(b[3:7]), true
	},
	{gs, 'v'}: func(b []byte) (int, bool) { // GS v 0 m xL xH yL yH + x·y bytes
		if len(b) < 8 {
			return 0, false
		}
		return 8 + le(b[4:6])*le(b[6:8]), true
	},
	{gs, 'V'}: func(b []byte) (int, bool) { // GS V m, or GS V m n for functions B–D
		if len(b) < 3 {
			return 0, false
		}
		if b[2] >= 'A' {
			return 4, true
		}
		return 3, true
	},
	{gs, 'k'}: func(b []byte) (int, bool) { // GS k m data NUL (A), GS k m n data (B)
		if len(b) < 4 {
			return 0, false
		}
		if b[2] >= 65 {
			return 4 + int(b[3]), true
		}
		return terminated(b, 3)
	},
	{esc, '*'}: func(b []byte) (int, bool) { // ESC * m nL nH + n columns of 1 or 3 bytes
		if len(b) < 5 {
			return 0, false
		}
		if b[2] >= 32 {
			return 5 + 3*le(b[3:5]), true
		}
		return 5 + le(b[3:5]), true
	},
	{esc, 'D'}: func(b []byte) (int, bool) { return terminated(b, 2) }, // tab stops … NUL
	{dle, dc4}: func(b []byte) (int, bool) { // DLE DC4 fn …: fn 8 clears buffers
		if len(b) < 3 {
			return 0, false
		}
		if b[2] == 8 {
			return 10, true
		}
		return 5, true
	},
}

// frame returns the length of the command at the start of b, or ok = false
// when more bytes must arrive first. A run of text is one command.
func frame(b []byte) (n int, ok bool) {
	c := b[0]
	if c >= 0x20 {
		n = 1
		for n < len(b) && b[n] >= 0x20 {
			n++
		}
		return n, true
	}
	if c != esc && c != fs && c != gs && c != dle {
		return 1, true
	}
	if len(b) < 2 {
		return 0, false
	}
	key := [2]byte{c, b[1]}
	if f, ok := variable[key]; ok {
		return f(b)
	}
	if n, ok := fixed[key]; ok {
		return n, true
	}
	if c == dle { // a lone DLE
		return 1, true
	}
	return 2, true
}

// le reads a little-endian count.
func le(b []byte) int {
	n := 0
	for i := len(b) - 1; i >= 0; i-- {
		n = n<<8 | int(b[i])
	}
	return n
}

// terminated returns the length of a command ending in the first NUL at or
// after from.
func terminated(b []byte, from int) (int, bool) {
	for i := from; i < len(b); i++ {
		if b[i] == nul {
			return i + 1, true
		}
	}
	return 0, false
}
