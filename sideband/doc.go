// Package sideband is how chassisd talks to a module: SMBus transactions with
// PEC, one owner per physical bus serving work by service level, mux channel
// selection, and (later) MCTP over SMBus and serial.
package sideband
