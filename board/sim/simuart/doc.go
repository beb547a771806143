// Package simuart gives each simulated sled a real serial line: a
// pseudo-terminal pair whose slave end the agent opens by path through
// go.bug.st/serial, exactly as it opens /dev/ttyS1 on a board, and whose
// master end the simulated management controller reads and writes.
//
// The line charges wire time (ten bit times a byte at the line's baud rate,
// 8N1) for what the controller sends, and can be told to mangle it (line
// noise, bad checksums, truncated frames) so the agent's decoder is tested
// against what a real UART delivers on a bad day.
package simuart
