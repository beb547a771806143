// Package mctp is the Management Component Transport Protocol (DMTF DSP0236)
// as chassisd speaks it to each sled's management controller, over SMBus/I2C
// (DSP0237) and over a UART (DSP0253).
//
// An MCTP message (its first byte is the message type: control, PLDM,
// NVMe-MI, ...) travels as one or more packets. Each packet starts with a
// 4-byte transport header naming the destination and source endpoint IDs
// (EIDs), the first (SOM) and last (EOM) packet of the message, a 2-bit
// sequence number, and a message tag that, with the tag-owner bit (TO), pairs
// a response with its request. Packetize splits a message; a Reassembler
// joins packets back into messages and drops what arrives out of order.
//
// A Binding carries packets over one physical link to one peer: the serial
// binding frames them with flags, escapes and a CRC-16; the SMBus binding
// wraps them in SMBus block writes with a PEC. On SMBus both directions are
// writes by the sending side, so the receiving half of that binding is a
// Receiver the board layer provides (the BMC acting as an I2C target).
//
// An Endpoint runs one reader goroutine per binding: it hands responses to the
// Request calls waiting for them (matched by tag) and requests to the Handler
// given to Serve, so the agent (a requester) and the simulated sled MCU (a
// responder) share the same code. The control message codec (Set/Get Endpoint
// ID, Get MCTP Version Support, Get Message Type Support) covers both sides.
package mctp
