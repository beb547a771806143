// Package switchtec drives a Microchip (Microsemi) Switchtec PFX/PSX PCIe
// switch over its I2C (TWI) management port, for the interposer.
//
// The switch exposes its Global Address Space (GAS), a register map, through
// four I2C commands: E0 reads a capability byte (bit 7 says the port speaks
// the "enhanced" GAS protocol used here), EA writes up to 24 bytes of GAS at
// a 32-bit offset under a tag, E2 reads back the status of the last tagged
// write, and E9 reads up to 24 bytes of GAS. Each frame ends in an SMBus PEC
// (CRC-8) over every byte on the wire, addresses included; a frame whose PEC
// does not match is never trusted.
//
// Everything the switch does beyond registers goes through its MRPC mailbox
// in the GAS: the payload is written at 0x0000, the command id at 0x0800,
// then the status at 0x0804 is polled until the firmware is done and the
// return value (0x0808) and output (0x0400) are read. Binding a drive port
// into a host's partition (PORTPARTP2P), reading link status (LNKSTAT) and
// the event counters behind the per-port error counters (PMON) are all MRPC
// commands.
//
// The layout of frames, registers and commands follows the MIT-licensed
// switchtec-user library (lib/platform/linux-i2c.c and gasops.c), which is
// the public reference for the protocol; the code here is our own.
//
// A Switch never opens or owns a bus: every transaction runs inside the
// interposer.Runner it was given, which selects the mux path and serialises
// the bus with the rest of the agent's work. Between MRPC status polls the
// bus is released, so slow firmware never holds up other devices on it.
package switchtec
