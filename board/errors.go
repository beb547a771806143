package board

import "errors"

// The ways an I2C transaction fails that callers act on differently. Backends
// wrap their own errors so that errors.Is finds one of these: a NACK means
// nobody answered at the address (absent or dead device, try the other
// sideband), a timeout means the bus or a device held the clock, a bus error
// means arbitration was lost or the bus is stuck (recover the bus).
var (
	ErrNACK     = errors.New("no acknowledge")
	ErrTimeout  = errors.New("bus timeout")
	ErrBusError = errors.New("bus error")
	// ErrBusy: the address or resource is already taken (another target
	// at the BMC's own address, a driver owning the device).
	ErrBusy = errors.New("busy")
	// ErrNotSupported: the hardware cannot do this at all (target mode on
	// an adapter without a target driver).
	ErrNotSupported = errors.New("not supported by this hardware")
)
