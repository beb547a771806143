// Package linux opens a board's real hardware on a Linux BMC: I2C adapters
// through i2c-dev (our own small backend on the I2C_RDWR ioctl, which keeps
// the errno so that a NACK, a timeout and a bus error can be told apart),
// GPIO lines through the GPIO character device (periph's gpioioctl), and
// the sleds' UARTs through go.bug.st/serial.
//
// Open takes a board.Board and returns a board.Hardware; nothing in this
// package scans for devices: it opens exactly the paths the board file
// names. The package builds on every OS so the rest of the agent can be
// developed anywhere, but only works on Linux.
package linux
