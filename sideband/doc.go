// Package sideband is how chassisd talks to a module: SMBus transactions with
// PEC, one owner per physical bus serving work by service level, and mux
// channel selection. Its subpackage mctp carries MCTP over SMBus and over
// serial, the two links to a sled's management controller.
package sideband
