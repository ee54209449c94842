// Package idcard reads Chinese second-generation resident ID cards and the
// permanent-residence and residence-permit cards read by the same GA 467 SAM module.
//
// Parse decodes the 256-byte text block a SAM returns; SAM drives a real module over
// a serial line; package idcardsim is the simulated twin and package samemu emulates
// the module's end of the wire for tests.
//
// Personal data lives only in Card and is printed masked: Card formats, logs and
// GoStrings itself as 张*三 / 3301**********1234, and no error carries card text.
package idcard
