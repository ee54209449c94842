package light

import (
	"fmt"

	"periph.io/x/conn/v3/i2c"
)

// BH1750Addr is the BH1750's I²C address with its ADDR pin low.
const BH1750Addr = 0x23

// BH1750 instructions (datasheet, "Instruction Set Architecture").
const (
	bh1750PowerOn        = 0x01
	bh1750ContinuousHigh = 0x10 // 1 lx resolution, a new result every 120 ms
)

// bh1750CountsPerLux converts a high-resolution reading to lux at the default
// measurement time.
const bh1750CountsPerLux = 1.2

// BH1750 is an ambient-light sensor measuring continuously.
type BH1750 struct {
	dev i2c.Dev
	buf [2]byte
}

// NewBH1750 powers the sensor on and starts continuous high-resolution measurement.
// The first result is ready about 180 ms later; until then Lux reads 0.
func NewBH1750(dev i2c.Dev) (*BH1750, error) {
	for _, s := range []struct {
		what string
		cmd  byte
	}{{"power on", bh1750PowerOn}, {"start measuring", bh1750ContinuousHigh}} {
		if err := dev.Tx([]byte{s.cmd}, nil); err != nil {
			return nil, fmt.Errorf("bh1750 at %#x: %s: %w", dev.Addr, s.what, err)
		}
	}
	return &BH1750{dev: dev}, nil
}

// Lux reads the latest measurement.
func (b *BH1750) Lux() (float64, error) {
	if err := b.dev.Tx(nil, b.buf[:]); err != nil {
		return 0, fmt.Errorf("bh1750 at %#x: read: %w", b.dev.Addr, err)
	}
	return float64(uint16(b.buf[0])<<8|uint16(b.buf[1])) / bh1750CountsPerLux, nil
}
