package sim

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/sideband/mctp"
	"github.com/chassisd/chassisd/sled/pldm"
	"periph.io/x/conn/v3/gpio"
)

// bmcEID is the agent's own EID in these tests.
const bmcEID mctp.EID = 8

// pldmOver adapts an endpoint and a destination EID to pldm.Transport.
type pldmOver struct {
	ep  *mctp.Endpoint
	eid mctp.EID
}

func (p pldmOver) Exchange(ctx context.Context, req []byte) ([]byte, error) {
	return p.ep.Request(ctx, p.eid, req)
}

// uartEndpoint opens a bay's UART the way the agent does and returns the
// BMC's endpoint on it.
func uartEndpoint(t *testing.T, c *Chassis, bay int) *mctp.Endpoint {
	t.Helper()
	port, err := c.UART(board.UART{Device: c.Board().Bays[bay].UART.Device, Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	ep := mctp.NewEndpoint(mctp.NewSerialBinding(port, "bmc"), bmcEID, mctp.EndpointOptions{Timeout: 200 * time.Millisecond})
	t.Cleanup(func() { port.Close(); ep.Close() })
	return ep
}

// i2cEndpoint returns the BMC's MCTP-over-SMBus endpoint to a bay's
// controller: requests are written with the bay's channel selected, and
// answers arrive at the BMC's target address.
func i2cEndpoint(t *testing.T, c *Chassis, bay int) *mctp.Endpoint {
	t.Helper()
	bus := mustBus(t, c)
	tg, err := c.I2CTarget("i2c-1", board.DefaultBMCAddr)
	if err != nil {
		t.Fatal(err)
	}
	tx := func(_ context.Context, addr uint16, w []byte) error {
		if err := bus.Tx(0x70, []byte{1 << bay}, nil); err != nil {
			return err
		}
		return bus.Tx(addr, w, nil)
	}
	b := mctp.NewSMBusBinding(tx, tg, 0x1d, board.DefaultBMCAddr)
	ep := mctp.NewEndpoint(b, bmcEID, mctp.EndpointOptions{Timeout: 200 * time.Millisecond})
	t.Cleanup(func() { ep.Close(); tg.Close() })
	return ep
}

func setEID(ctx context.Context, ep *mctp.Endpoint, eid mctp.EID) (mctp.SetEIDResult, error) {
	resp, err := ep.Request(ctx, mctp.NullEID, mctp.SetEIDRequest(1, mctp.SetEIDSet, eid))
	if err != nil {
		return mctp.SetEIDResult{}, err
	}
	return mctp.ParseSetEIDResponse(resp)
}

func TestControllerOverUART(t *testing.T) {
	c := testChassis(t)
	ctx := context.Background()
	ep := uartEndpoint(t, c, 0)
	res, err := setEID(ctx, ep, 0x20)
	if err != nil || !res.Accepted || res.EID != 0x20 {
		t.Fatalf("Set EID over UART: %+v, %v", res, err)
	}
	cl := pldm.NewClient(pldmOver{ep, 0x20})
	id, err := cl.ReadIdentity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id.Manufacturer != "Acme Storage" || id.SerialNumber != "SN0" || id.Model != "AS-4" {
		t.Errorf("identity over UART: %+v", id)
	}
	temp, err := cl.GetSensorReading(ctx, pldm.SensorSledTemp, false)
	if err != nil || temp.Value != 32 { // 31.5 rounds to 32
		t.Errorf("sled temperature: %+v, %v", temp, err)
	}
	c.SetSledTemperature(0, 44)
	if temp, _ := cl.GetSensorReading(ctx, pldm.SensorSledTemp, false); temp.Value != 44 {
		t.Errorf("after a live change: %d", temp.Value)
	}
	st, err := cl.GetStateSensorReadings(ctx, pldm.SlotStateSensor(1), 0)
	if err != nil || st[pldm.SlotStatePresence].PresentState != pldm.PresencePresent || st[pldm.SlotStateHealth].PresentState != pldm.HealthNormal {
		t.Errorf("slot 1: %+v, %v", st, err)
	}
	st, _ = cl.GetStateSensorReadings(ctx, pldm.SlotStateSensor(2), 0)
	if st[pldm.SlotStatePresence].PresentState != pldm.PresenceNotPresent {
		t.Errorf("empty slot 2: %+v", st)
	}
	if err := cl.SetStateEffecterStates(ctx, pldm.EffecterLocateLED, []pldm.EffecterField{{Set: true, State: pldm.IdentifyAsserted}}); err != nil {
		t.Fatal(err)
	}
	if !c.bays[0].ctrl.LED() {
		t.Error("locate LED not on")
	}
	// A sensor the layout does not have is the DSP0248 error, not silence.
	var ce *pldm.CompletionError
	if _, err := cl.GetSensorReading(ctx, pldm.SlotTempSensor(9), false); !errors.As(err, &ce) || ce.Code != pldm.CCInvalidSensorID {
		t.Errorf("slot 9 temperature: %v", err)
	}
}

func TestControllerOverSMBus(t *testing.T) {
	c := testChassis(t)
	ctx := context.Background()
	ep := i2cEndpoint(t, c, 2)
	res, err := setEID(ctx, ep, 0x22)
	if err != nil || !res.Accepted || res.EID != 0x22 {
		t.Fatalf("Set EID over SMBus: %+v, %v", res, err)
	}
	resp, err := ep.Request(ctx, 0x22, mctp.GetMessageTypesRequest(2))
	if err != nil {
		t.Fatal(err)
	}
	if types, err := mctp.ParseGetMessageTypesResponse(resp); err != nil || len(types) != 1 || types[0] != mctp.TypePLDM {
		t.Errorf("message types %v, %v", types, err)
	}
	id, err := pldm.NewClient(pldmOver{ep, 0x22}).ReadIdentity(ctx)
	if err != nil || id.SerialNumber != "SN2" {
		t.Errorf("identity over SMBus: %+v, %v", id, err)
	}
	// The empty bay has no controller on the wire.
	if _, err := setEID(ctx, i2cEndpointNoTarget(t, c, 1), 0x21); !errors.Is(err, board.ErrNACK) {
		t.Errorf("empty bay: %v", err)
	}
}

// i2cEndpointNoTarget is an endpoint to a bay whose answers nobody
// receives (the first endpoint holds the target); for write errors only.
func i2cEndpointNoTarget(t *testing.T, c *Chassis, bay int) *mctp.Endpoint {
	bus := mustBus(t, c)
	tx := func(_ context.Context, addr uint16, w []byte) error {
		if err := bus.Tx(0x70, []byte{1 << bay}, nil); err != nil {
			return err
		}
		return bus.Tx(addr, w, nil)
	}
	ep := mctp.NewEndpoint(mctp.NewSMBusBinding(tx, queueReceiver(make(chan []byte)), 0x1d, board.DefaultBMCAddr), bmcEID,
		mctp.EndpointOptions{Timeout: 50 * time.Millisecond, Retries: -1})
	t.Cleanup(func() { ep.Close() })
	return ep
}

func TestControllerFaults(t *testing.T) {
	c := testChassis(t)
	ctx := context.Background()
	uart := uartEndpoint(t, c, 0)
	i2c := i2cEndpoint(t, c, 0)

	// UART only: the I2C side NACKs, the UART answers.
	c.SetFaults(0, Faults{MCU: FaultUARTOnly})
	if _, err := setEID(ctx, i2c, 0x20); !errors.Is(err, board.ErrNACK) {
		t.Errorf("uart-only over I2C: %v", err)
	}
	if _, err := setEID(ctx, uart, 0x20); err != nil {
		t.Errorf("uart-only over UART: %v", err)
	}

	// After reset: silent on both until the reset line is pulsed.
	c.SetFaults(0, Faults{MCU: FaultAfterReset})
	c.bays[0].ctrl.powerOn()
	if _, err := setEID(ctx, uart, 0x20); !errors.Is(err, mctp.ErrTimeout) {
		t.Errorf("after-reset before the pulse: %v", err)
	}
	pin, err := c.GPIO(*c.Board().Bays[0].Reset)
	if err != nil {
		t.Fatal(err)
	}
	pin.Out(gpio.Low) // active low: asserted
	pin.Out(gpio.High)
	if _, err := setEID(ctx, uart, 0x20); err != nil {
		t.Errorf("after-reset after the pulse: %v", err)
	}
	if _, err := setEID(ctx, i2c, 0x20); err != nil {
		t.Errorf("after-reset after the pulse, I2C: %v", err)
	}

	// Line noise before every frame: the decoder resyncs, answers arrive.
	c.SetFaults(0, Faults{UART: "noise"})
	for i := range 5 {
		if _, err := setEID(ctx, uart, 0x20); err != nil {
			t.Errorf("with noise, try %d: %v", i, err)
		}
	}
	// A bad FCS on every answer: nothing usable arrives.
	c.SetFaults(0, Faults{UART: "bad-fcs"})
	if _, err := setEID(ctx, uart, 0x20); !errors.Is(err, mctp.ErrTimeout) {
		t.Errorf("bad FCS: %v", err)
	}
	c.SetFaults(0, Faults{MCU: FaultMute})
	if _, err := setEID(ctx, uart, 0x20); !errors.Is(err, mctp.ErrTimeout) {
		t.Errorf("mute: %v", err)
	}
}

// TestServeControllerOnAnyLine: the controller answers on a line it is
// given (a standalone simulator serving QEMU's UART).
func TestServeControllerOnAnyLine(t *testing.T) {
	c := testChassis(t)
	agentEnd, ctrlEnd := net.Pipe()
	defer agentEnd.Close()
	defer ctrlEnd.Close()
	if err := c.ServeController(2, ctrlEnd, "test line"); err != nil {
		t.Fatal(err)
	}
	ep := mctp.NewEndpoint(mctp.NewSerialBinding(agentEnd, "bmc"), bmcEID, mctp.EndpointOptions{Timeout: 200 * time.Millisecond})
	defer ep.Close()
	ctx := context.Background()
	if res, err := setEID(ctx, ep, 0x22); err != nil || !res.Accepted {
		t.Fatalf("Set EID: %+v %v", res, err)
	}
	id, err := pldm.NewClient(pldmOver{ep, 0x22}).ReadIdentity(ctx)
	if err != nil || id.SerialNumber != "SN2" {
		t.Errorf("identity %+v %v", id, err)
	}
	if err := c.ServeController(9, ctrlEnd, "x"); err == nil {
		t.Error("no bay 9, no error")
	}
}
