package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/sideband/mctp"
	"github.com/chassisd/chassisd/sled/pldm"
)

// The controller's answers to Get MCTP Version Support: DSP0236 1.3.3 for
// the base specification and control messages, DSP0241 1.0 for PLDM over
// MCTP (BCD with the 0xF_ "no alpha" nibbles).
var (
	mctpVersion = mctp.Version{0xF1, 0xF3, 0xF3, 0x00}
	pldmVersion = mctp.Version{0xF1, 0xF0, 0xF0, 0x00}
)

// controllerQueue bounds the SMBus writes waiting for the controller.
const controllerQueue = 16

// mctpLinks are the controller's two MCTP endpoints and what runs them.
type mctpLinks struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	eid    mctp.EID
	i2c    *mctp.Endpoint
	serial *mctp.Endpoint
	// fromBMC queues what the BMC wrote to the controller's address.
	fromBMC chan []byte
}

func (m *controller) startLinks() {
	ctx, cancel := context.WithCancel(context.Background())
	m.links = &mctpLinks{ctx: ctx, cancel: cancel, fromBMC: make(chan []byte, controllerQueue)}
}

// stopLinks ends both endpoints' goroutines.
func (m *controller) stopLinks() {
	l := m.links
	l.cancel()
	l.mu.Lock()
	eps := []*mctp.Endpoint{l.i2c, l.serial}
	l.mu.Unlock()
	for _, ep := range eps {
		if ep != nil {
			ep.Close()
		}
	}
	l.wg.Wait()
}

// serveI2C starts the controller's MCTP-over-SMBus endpoint: it receives
// what the BMC writes to addr and answers by writing to the BMC's target
// address as a bus master.
func (m *controller) serveI2C(bus interface {
	MasterWrite(addr uint16, w []byte) error
}, addr uint16) {
	l := m.links
	tx := func(_ context.Context, to uint16, w []byte) error { return bus.MasterWrite(to, w) }
	b := mctp.NewSMBusBinding(tx, queueReceiver(l.fromBMC), board.DefaultBMCAddr, addr)
	ep := mctp.NewEndpoint(b, l.currentEID(), mctp.EndpointOptions{Responder: true})
	l.mu.Lock()
	l.i2c = ep
	l.mu.Unlock()
	m.serve(ep, b, false)
}

// serveSerial starts the controller's MCTP-over-serial endpoint on line.
func (m *controller) serveSerial(line interface {
	Read([]byte) (int, error)
	Write([]byte) (int, error)
}, name string) {
	l := m.links
	b := mctp.NewSerialBinding(line, name)
	ep := mctp.NewEndpoint(b, l.currentEID(), mctp.EndpointOptions{Responder: true})
	l.mu.Lock()
	l.serial = ep
	l.mu.Unlock()
	m.serve(ep, b, true)
}

func (m *controller) serve(ep *mctp.Endpoint, b mctp.Binding, uart bool) {
	l := m.links
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		err := ep.Serve(l.ctx, func(req mctp.Message) ([]byte, bool) { return m.handle(req, uart) })
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, mctp.ErrEndpointClosed) {
			m.c.log("controller stopped", "bay", m.bay.def.Index, "uart", uart, "err", err)
		}
		b.Close()
	}()
}

func (l *mctpLinks) currentEID() mctp.EID {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.eid
}

// setEID is Set Endpoint ID: both links answer at the new EID.
func (l *mctpLinks) setEID(eid mctp.EID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.eid = eid
	for _, ep := range []*mctp.Endpoint{l.i2c, l.serial} {
		if ep != nil {
			ep.SetOwnEID(eid)
		}
	}
}

// handle answers one request, or nothing when the controller's faults say
// it is silent on this link.
func (m *controller) handle(req mctp.Message, uart bool) ([]byte, bool) {
	if !m.answers(uart) {
		return nil, false
	}
	typ, ok := mctp.MessageType(req.Body)
	if !ok {
		return nil, false
	}
	switch typ {
	case mctp.TypeControl:
		return m.control(req.Body)
	case mctp.TypePLDM:
		resp := pldm.Respond(m, req.Body)
		return resp, resp != nil
	}
	return nil, false
}

// control answers the MCTP control messages a simple endpoint supports.
func (m *controller) control(body []byte) ([]byte, bool) {
	cr, err := mctp.ParseControlRequest(body)
	if err != nil {
		return nil, false
	}
	if cr.Datagram {
		return nil, false
	}
	l := m.links
	switch cr.Command {
	case mctp.CmdSetEndpointID:
		op, eid, err := cr.SetEIDArgs()
		if err != nil {
			return mctp.SetEIDResponse(cr.Instance, mctp.CompletionFor(err), mctp.SetEIDResult{}), true
		}
		switch op {
		case mctp.SetEIDSet, mctp.SetEIDForce:
			if eid == mctp.NullEID || eid == mctp.BroadcastEID {
				return mctp.SetEIDResponse(cr.Instance, mctp.CCInvalidData, mctp.SetEIDResult{}), true
			}
			l.setEID(eid)
		case mctp.SetEIDReset:
			l.setEID(mctp.NullEID)
		}
		return mctp.SetEIDResponse(cr.Instance, mctp.CCSuccess, mctp.SetEIDResult{Accepted: true, EID: l.currentEID()}), true
	case mctp.CmdGetEndpointID:
		return mctp.GetEIDResponse(cr.Instance, mctp.CCSuccess, mctp.GetEIDResult{EID: l.currentEID(), Type: mctp.EIDDynamic}), true
	case mctp.CmdGetVersionSupport:
		t, err := cr.VersionArg()
		switch {
		case err != nil:
			return mctp.GetVersionResponse(cr.Instance, mctp.CompletionFor(err), nil), true
		case t == mctp.VersionTypeBase || t == mctp.TypeControl:
			return mctp.GetVersionResponse(cr.Instance, mctp.CCSuccess, []mctp.Version{mctpVersion}), true
		case t == mctp.TypePLDM:
			return mctp.GetVersionResponse(cr.Instance, mctp.CCSuccess, []mctp.Version{pldmVersion}), true
		}
		return mctp.GetVersionResponse(cr.Instance, mctp.CCMessageTypeUnsupported, nil), true
	case mctp.CmdGetMessageTypeSupport:
		return mctp.GetMessageTypesResponse(cr.Instance, mctp.CCSuccess, []uint8{mctp.TypePLDM}), true
	}
	return mctp.ControlResponse(cr.Instance, cr.Command, mctp.CCUnsupportedCommand), true
}

// queueReceiver is a channel as an mctp.Receiver.
type queueReceiver chan []byte

func (q queueReceiver) Receive(ctx context.Context) ([]byte, error) {
	select {
	case w := <-q:
		return w, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// controllerDevice is the controller's I2C side: MCTP over SMBus is
// carried by master writes only, so it takes writes and NACKs reads.
type controllerDevice struct {
	m    *controller
	addr uint16
}

// Transfer implements i2csim.Device. It runs under the bus lock, so it
// only queues: the controller answers later, as a master, from its own
// goroutine.
func (d *controllerDevice) Transfer(w, r []byte) error {
	if len(r) > 0 || len(w) == 0 || !d.m.answers(false) {
		return fmt.Errorf("controller at %#02x: %w", d.addr, board.ErrNACK)
	}
	select {
	case d.m.links.fromBMC <- append([]byte(nil), w...):
	default: // busy: the write is lost, as with a controller whose buffer is full
	}
	return nil
}

// ServeController makes the controller of a bay answer MCTP over serial on
// port as well: a real serial line, such as the emulated BMC's UART wired
// to the host through QEMU, where the simulator runs as a standalone
// process (chassisd sim mcu). It returns at once; the controller stops
// with the chassis.
func (c *Chassis) ServeController(bay int, port io.ReadWriter, name string) error {
	c.mu.Lock()
	b, err := c.bayLocked(bay)
	c.mu.Unlock()
	if err != nil {
		return err
	}
	b.ctrl.serveSerial(port, name)
	return nil
}
