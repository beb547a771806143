package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/sideband"
	"github.com/chassisd/chassisd/sideband/mctp"
	"github.com/chassisd/chassisd/sled/pldm"
	"periph.io/x/conn/v3/i2c"
)

// MCTP addressing. The agent is the bus owner: it has a fixed EID and
// gives each sled's controller one from its pool at bring-up.
const (
	bmcEID      mctp.EID = 0x08
	sledEIDBase mctp.EID = 0x20
	sledEIDPool          = 0xC0 // 0x20..0xDF
)

// sledEID is the EID the agent assigns the controller in bay.
func sledEID(bay int) mctp.EID { return sledEIDBase + mctp.EID(bay%sledEIDPool) }

// Per-try timeouts: an SMBus exchange is a few hundred microseconds of
// wire; a serial one at 115200 baud is about 6.4 ms each way for a full
// packet. Both leave the controller time to think.
const (
	smbusTimeout = 100 * time.Millisecond
	uartTimeout  = 150 * time.Millisecond
	mctpRetries  = 2
)

// busTarget is the BMC's target address on one physical bus, shared by
// the bays on it. The bus owner runs one job at a time, so at most one
// bay's exchange is waiting for an answer; answers that arrive late are
// dropped by tag and EID.
type busTarget struct {
	once sync.Once
	t    board.I2CTarget
	err  error
}

// target returns the BMC's target on the owner's bus, opening it on first
// use. Hardware without target mode reports board.ErrNotSupported, once.
func (a *Agent) target(o *sideband.Owner) (board.I2CTarget, error) {
	a.targetsMu.Lock()
	bt := a.targets[o]
	if bt == nil {
		bt = &busTarget{}
		a.targets[o] = bt
	}
	a.targetsMu.Unlock()
	bt.once.Do(func() {
		bt.t, bt.err = a.cfg.Hardware.I2CTarget(o.String(), board.DefaultBMCAddr)
		if errors.Is(bt.err, board.ErrNotSupported) {
			a.log.Info("no I2C target mode on this bus: sleds' controllers are reached over their UARTs only", "bus", o.String(), "err", bt.err)
		}
	})
	return bt.t, bt.err
}

// smbusSetEID assigns the controller in bay its EID over MCTP over SMBus.
func (a *Agent) smbusSetEID(ctx context.Context, st *bayState, level sideband.Level) error {
	request := func(ctx context.Context, dst mctp.EID, body []byte) ([]byte, error) {
		return a.smbusRequest(ctx, st, level, dst, body)
	}
	if err := setEID(ctx, request, sledEID(st.bay.Index)); err != nil {
		if errors.Is(err, board.ErrNotSupported) {
			return err
		}
		return fmt.Errorf("controller at %#02x on %s: %w", st.bay.Sled.MCU, st.bay.I2C, err)
	}
	return nil
}

// smbusRequest sends one MCTP request to the controller in bay over SMBus
// and returns its response. The whole exchange runs as one bus job, so the
// bay's mux channel stays selected until the answer is in.
func (a *Agent) smbusRequest(ctx context.Context, st *bayState, level sideband.Level, dst mctp.EID, body []byte) ([]byte, error) {
	t, err := a.target(st.owner)
	if err != nil {
		return nil, err
	}
	var resp []byte
	err = st.owner.Do(ctx, level, st.bay.I2C, func(bus i2c.Bus) error {
		tx := func(_ context.Context, to uint16, w []byte) error { return bus.Tx(to, w, nil) }
		ep := mctp.NewEndpoint(mctp.NewSMBusBinding(tx, t, st.bay.Sled.MCU, board.DefaultBMCAddr), bmcEID,
			mctp.EndpointOptions{Timeout: smbusTimeout, Retries: mctpRetries})
		defer ep.Close()
		var err error
		resp, err = ep.Request(ctx, dst, body)
		return err
	})
	return resp, err
}

// mctpRequest is one MCTP request and its response, over whichever link.
type mctpRequest func(ctx context.Context, dst mctp.EID, body []byte) ([]byte, error)

// setEID runs Set Endpoint ID to the null EID (the controller may have
// none yet) and checks that it took eid.
func setEID(ctx context.Context, request mctpRequest, eid mctp.EID) error {
	resp, err := request(ctx, mctp.NullEID, mctp.SetEIDRequest(0, mctp.SetEIDSet, eid))
	if err != nil {
		return fmt.Errorf("Set Endpoint ID %#02x: %w", eid, err)
	}
	res, err := mctp.ParseSetEIDResponse(resp)
	if err != nil {
		return fmt.Errorf("Set Endpoint ID %#02x: %w", eid, err)
	}
	if !res.Accepted || res.EID != eid {
		return fmt.Errorf("Set Endpoint ID %#02x: refused (accepted %v, EID %#02x)", eid, res.Accepted, res.EID)
	}
	return nil
}

// uartLink is the agent's MCTP endpoint on a sled's UART, kept open while
// the sled is managed over it.
type uartLink struct {
	port   io.Closer
	ep     *mctp.Endpoint
	eid    mctp.EID
	client *pldm.Client
}

func (l *uartLink) close() {
	// The port first: the serial binding's reader returns when it does.
	l.port.Close()
	l.ep.Close()
}

// openUART opens the bay's UART and assigns its controller an EID over it.
func (a *Agent) openUART(ctx context.Context, st *bayState) (*uartLink, error) {
	if st.bay.UART == nil {
		return nil, errors.New("the board gives the bay no UART")
	}
	port, err := a.cfg.Hardware.UART(*st.bay.UART)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("bay %d UART %s", st.bay.Index, st.bay.UART.Device)
	ep := mctp.NewEndpoint(mctp.NewSerialBinding(port, name), bmcEID,
		mctp.EndpointOptions{Timeout: uartTimeout, Retries: mctpRetries})
	l := &uartLink{port: port, ep: ep, eid: sledEID(st.bay.Index)}
	if err := setEID(ctx, ep.Request, l.eid); err != nil {
		l.close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	l.client = pldm.NewClient(pldmTransport{ep: ep, eid: l.eid})
	return l, nil
}

// pldmTransport carries PLDM over an MCTP endpoint to one EID.
type pldmTransport struct {
	ep  *mctp.Endpoint
	eid mctp.EID
}

func (t pldmTransport) Exchange(ctx context.Context, req []byte) ([]byte, error) {
	return t.ep.Request(ctx, t.eid, req)
}
