// Package interposer manages the PCIe switch on the chassis interposer: the
// part that decides which drive ports each host port reaches.
//
// The switch itself is reached through the Switch interface, so the routing
// logic here works the same against the real driver (interposer/switchtec),
// the simulator and the fakes in tests. On top of it, Router treats every
// routing change as a transaction: it validates the requested routing against
// the board file, writes it, reads the switch back and compares, rolls the
// switch back to the last routing it is known to match when anything goes
// wrong, and persists the routing only once the switch matches it. The
// persisted routing (routing.json in the state directory) is the truth: at
// start a switch that differs from it is reported as drift and reprogrammed.
package interposer
