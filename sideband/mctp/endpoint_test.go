package mctp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	bmcEID EID = 8
	mcuEID EID = 0x1D
	// typeVendorPCI is a message type the test MCU echoes back.
	typeVendorPCI = 0x7E
)

// testMCU is a minimal responder: control commands, and an echo of
// vendor-defined messages (a response is the request body reversed after
// the type byte, so a mix-up between concurrent requests shows).
func testMCU(ep *Endpoint) Handler {
	return func(req Message) ([]byte, bool) {
		typ, _ := MessageType(req.Body)
		if typ == typeVendorPCI {
			resp := bytes.Clone(req.Body)
			for i, j := 1, len(resp)-1; i < j; i, j = i+1, j-1 {
				resp[i], resp[j] = resp[j], resp[i]
			}
			return resp, true
		}
		if typ != TypeControl {
			return nil, false
		}
		r, err := ParseControlRequest(req.Body)
		if err != nil || r.Datagram {
			return nil, false
		}
		switch r.Command {
		case CmdSetEndpointID:
			_, eid, err := r.SetEIDArgs()
			if err != nil {
				return SetEIDResponse(r.Instance, CompletionFor(err), SetEIDResult{}), true
			}
			ep.SetOwnEID(eid)
			return SetEIDResponse(r.Instance, CCSuccess, SetEIDResult{Accepted: true, EID: eid}), true
		case CmdGetEndpointID:
			return GetEIDResponse(r.Instance, CCSuccess, GetEIDResult{EID: ep.OwnEID()}), true
		case CmdGetMessageTypeSupport:
			return GetMessageTypesResponse(r.Instance, CCSuccess, []uint8{TypePLDM}), true
		}
		return ControlResponse(r.Instance, r.Command, CCUnsupportedCommand), true
	}
}

// serve runs h on ep until the test ends.
func serve(t *testing.T, ep *Endpoint, h Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ep.Serve(ctx, h) }()
	waitServing(ep)
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, ErrEndpointClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
}

// waitServing returns once Serve has registered on ep, so a test's first
// request is not dropped for lack of a handler (and retried).
func waitServing(ep *Endpoint) {
	for {
		ep.mu.Lock()
		serving := ep.reqs != nil
		ep.mu.Unlock()
		if serving {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// link builds a requester and a responder endpoint on the two ends of a
// pair of bindings and serves the test MCU on the responder.
func link(t *testing.T, bmcSide, mcuSide Binding, opts EndpointOptions) (bmc, mcu *Endpoint) {
	t.Helper()
	bmc = NewEndpoint(bmcSide, bmcEID, opts)
	mcu = NewEndpoint(mcuSide, NullEID, opts)
	t.Cleanup(func() { bmc.Close(); mcu.Close() })
	serve(t, mcu, testMCU(mcu))
	return bmc, mcu
}

// exercise runs the bring-up exchange and an echo through bmc.
func exercise(t *testing.T, bmc *Endpoint) {
	t.Helper()
	ctx := t.Context()
	// Before assignment the MCU answers at the null EID.
	resp, err := bmc.Request(ctx, NullEID, GetEIDRequest(0))
	if err != nil {
		t.Fatalf("Get EID: %v", err)
	}
	if g, err := ParseGetEIDResponse(resp); err != nil || g.EID != NullEID {
		t.Fatalf("Get EID = %+v, %v", g, err)
	}
	resp, err = bmc.Request(ctx, NullEID, SetEIDRequest(1, SetEIDSet, mcuEID))
	if err != nil {
		t.Fatalf("Set EID: %v", err)
	}
	if r, err := ParseSetEIDResponse(resp); err != nil || !r.Accepted || r.EID != mcuEID {
		t.Fatalf("Set EID = %+v, %v", r, err)
	}
	resp, err = bmc.Request(ctx, mcuEID, GetEIDRequest(2))
	if err != nil {
		t.Fatalf("Get EID at %d: %v", mcuEID, err)
	}
	if g, err := ParseGetEIDResponse(resp); err != nil || g.EID != mcuEID {
		t.Fatalf("Get EID = %+v, %v", g, err)
	}
	resp, err = bmc.Request(ctx, mcuEID, GetVersionRequest(3, VersionTypeBase))
	if err != nil {
		t.Fatal(err)
	}
	var ce *CompletionError
	if _, err := ParseGetVersionResponse(resp); !errors.As(err, &ce) || ce.Code != CCUnsupportedCommand {
		t.Errorf("unsupported command: %v", err)
	}
	// A multi-packet message each way.
	body := body150()
	body[0] = typeVendorPCI
	resp, err = bmc.Request(ctx, mcuEID, body)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp) != len(body) || resp[1] != body[len(body)-1] || resp[len(resp)-1] != body[1] {
		t.Errorf("echo of 150 bytes came back wrong: % X", resp)
	}
}

func TestEndpointOverPipe(t *testing.T) {
	a, b := newPipe(BaselineMTU)
	bmc, _ := link(t, a, b, EndpointOptions{})
	exercise(t, bmc)
	if s := bmc.Stats(); s.Retries != 0 || s.Timeouts != 0 || s.Dropped != 0 {
		t.Errorf("stats after clean run: %+v", s)
	}
}

func TestEndpointRetry(t *testing.T) {
	a, b := newPipe(BaselineMTU)
	var sent atomic.Int32
	// The link loses the first request packet.
	a.drop = func([]byte) bool { return sent.Add(1) == 1 }
	bmc, _ := link(t, a, b, EndpointOptions{})
	resp, err := bmc.Request(t.Context(), NullEID, GetEIDRequest(0))
	if err != nil {
		t.Fatalf("Request: %v", err)
	}
	if _, err := ParseGetEIDResponse(resp); err != nil {
		t.Fatal(err)
	}
	if s := bmc.Stats(); s.Retries != 1 || s.Timeouts != 0 {
		t.Errorf("stats %+v, want 1 retry, 0 timeouts", s)
	}
}

func TestEndpointTimeout(t *testing.T) {
	a, b := newPipe(BaselineMTU)
	bmc := NewEndpoint(a, bmcEID, EndpointOptions{Timeout: 5 * time.Millisecond})
	defer bmc.Close()
	mcu := NewEndpoint(b, NullEID, EndpointOptions{})
	defer mcu.Close()
	var calls atomic.Int32
	serve(t, mcu, func(Message) ([]byte, bool) { calls.Add(1); return nil, false })

	_, err := bmc.Request(t.Context(), mcuEID, GetEIDRequest(0))
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Request error %v, want ErrTimeout", err)
	}
	if want := fmt.Sprintf("EID %d, type 0x00", mcuEID); !bytes.Contains([]byte(err.Error()), []byte(want)) {
		t.Errorf("error %q does not name %q", err, want)
	}
	if s := bmc.Stats(); s.Retries != 2 || s.Timeouts != 1 || s.PacketsSent != 3 {
		t.Errorf("stats %+v, want 3 sent, 2 retries, 1 timeout", s)
	}
	// The MCU saw the packets at an EID it does not own, and dropped them.
	if calls.Load() != 0 || mcu.Stats().Dropped != 3 {
		t.Errorf("MCU handled %d, dropped %d; want 0, 3", calls.Load(), mcu.Stats().Dropped)
	}

	bmc.Close() // one reader per binding
	noRetry := NewEndpoint(a, bmcEID, EndpointOptions{Timeout: time.Millisecond, Retries: -1})
	defer noRetry.Close()
	if _, err := noRetry.Request(t.Context(), mcuEID, GetEIDRequest(0)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Request error %v, want ErrTimeout", err)
	}
	if s := noRetry.Stats(); s.Retries != 0 || s.PacketsSent != 1 {
		t.Errorf("Retries -1: stats %+v", s)
	}
}

func TestEndpointIgnoresStrangers(t *testing.T) {
	a, b := newPipe(BaselineMTU)
	bmc := NewEndpoint(a, bmcEID, EndpointOptions{Timeout: time.Second})
	defer bmc.Close()
	mcu := NewEndpoint(b, mcuEID, EndpointOptions{})
	defer mcu.Close()
	// A handler that answers the request twice, first from the wrong EID
	// and with the wrong message type, then properly.
	serve(t, mcu, func(req Message) ([]byte, bool) {
		ctx := context.Background()
		wrongSrc := Header{Dst: req.Src, Src: 0x55, SOM: true, EOM: true, Tag: req.Tag}.Append(nil)
		b.Send(ctx, append(wrongSrc, GetEIDResponse(0, CCSuccess, GetEIDResult{EID: 0x55})...))
		wrongType := Header{Dst: req.Src, Src: mcuEID, SOM: true, EOM: true, Tag: req.Tag}.Append(nil)
		b.Send(ctx, append(wrongType, TypePLDM, 0x00))
		otherEID := Header{Dst: 0x42, Src: mcuEID, SOM: true, EOM: true, Tag: req.Tag}.Append(nil)
		b.Send(ctx, append(otherEID, GetEIDResponse(0, CCSuccess, GetEIDResult{EID: 0x42})...))
		b.Send(ctx, []byte{0x07, 0x08})
		return GetEIDResponse(0, CCSuccess, GetEIDResult{EID: mcuEID}), true
	})
	resp, err := bmc.Request(t.Context(), mcuEID, GetEIDRequest(0))
	if err != nil {
		t.Fatal(err)
	}
	if g, err := ParseGetEIDResponse(resp); err != nil || g.EID != mcuEID {
		t.Errorf("Get EID = %+v, %v; want the real response", g, err)
	}
	if s := bmc.Stats(); s.Dropped != 4 {
		t.Errorf("dropped %d, want 4", s.Dropped)
	}
}

func TestEndpointConcurrent(t *testing.T) {
	a, b := newPipe(BaselineMTU)
	bmc, _ := link(t, a, b, EndpointOptions{Timeout: time.Second})
	concurrentEchoes(t, bmc, 40)
}

// concurrentEchoes runs n requests at once (more than the 8 tags), each
// with its own body, and checks each caller got its own answer.
func concurrentEchoes(t *testing.T, bmc *Endpoint, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := []byte{typeVendorPCI, byte(i), 0xA0, 0x7E, 0x7D, byte(i >> 8)}
			if i%5 == 0 {
				// Some span several packets.
				body = append(body, bytes.Repeat([]byte{byte(i)}, 100)...)
			}
			resp, err := bmc.Request(t.Context(), NullEID, body)
			if err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			if len(resp) != len(body) || resp[len(resp)-1] != byte(i) || resp[1] != body[len(body)-1] {
				t.Errorf("request %d: got % X", i, resp)
			}
		})
	}
	wg.Wait()
}

func TestEndpointServeOnce(t *testing.T) {
	a, _ := newPipe(BaselineMTU)
	ep := NewEndpoint(a, bmcEID, EndpointOptions{})
	defer ep.Close()
	serve(t, ep, func(Message) ([]byte, bool) { return nil, false })
	if err := ep.Serve(t.Context(), func(Message) ([]byte, bool) { return nil, false }); !errors.Is(err, ErrServing) {
		t.Errorf("second Serve: %v, want ErrServing", err)
	}
}

func TestEndpointClose(t *testing.T) {
	a, _ := newPipe(BaselineMTU)
	ep := NewEndpoint(a, bmcEID, EndpointOptions{Timeout: time.Hour})
	done := make(chan error)
	go func() {
		_, err := ep.Request(context.Background(), mcuEID, GetEIDRequest(0))
		done <- err
	}()
	// Wait until the request is on the wire.
	for ep.Stats().PacketsSent == 0 {
		time.Sleep(time.Millisecond)
	}
	ep.Close()
	if err := <-done; !errors.Is(err, ErrEndpointClosed) {
		t.Errorf("Request across Close: %v, want ErrEndpointClosed", err)
	}
	if _, err := ep.Request(t.Context(), mcuEID, GetEIDRequest(0)); !errors.Is(err, ErrEndpointClosed) {
		t.Errorf("Request after Close: %v, want ErrEndpointClosed", err)
	}
	if err := ep.Serve(t.Context(), func(Message) ([]byte, bool) { return nil, false }); !errors.Is(err, ErrEndpointClosed) {
		t.Errorf("Serve after Close: %v, want ErrEndpointClosed", err)
	}
	if _, err := ep.Request(t.Context(), mcuEID, nil); err == nil {
		t.Error("Request with an empty body succeeded")
	}
}

func TestEndpointBindingClosed(t *testing.T) {
	a, b := newPipe(BaselineMTU)
	ep := NewEndpoint(a, bmcEID, EndpointOptions{})
	defer ep.Close()
	b.Close()
	if _, err := ep.Request(t.Context(), mcuEID, GetEIDRequest(0)); !errors.Is(err, ErrClosed) && !errors.Is(err, ErrEndpointClosed) {
		t.Errorf("Request on a closed binding: %v", err)
	}
}

// serialPair connects two serial bindings through io.Pipes, like the two
// ends of a UART cable. noise, when set, is written before every frame the
// BMC sends and the MCU answers.
func serialPair(t *testing.T, noise func() []byte) (bmcSide, mcuSide Binding) {
	t.Helper()
	r1, w1 := io.Pipe() // BMC -> MCU
	r2, w2 := io.Pipe() // MCU -> BMC
	bmcSide = NewSerialBinding(port{r2, &noisyWriter{w: w1, noise: noise}}, "bmc")
	mcuSide = NewSerialBinding(port{r1, &noisyWriter{w: w2, noise: noise}}, "mcu")
	t.Cleanup(func() {
		bmcSide.Close()
		mcuSide.Close()
		w1.Close()
		w2.Close()
		r1.Close()
		r2.Close()
	})
	return bmcSide, mcuSide
}

type port struct {
	io.Reader
	io.Writer
}

type noisyWriter struct {
	w     io.Writer
	noise func() []byte
}

func (n *noisyWriter) Write(b []byte) (int, error) {
	if n.noise != nil {
		if _, err := n.w.Write(n.noise()); err != nil {
			return 0, err
		}
	}
	return n.w.Write(b)
}

func TestEndpointOverSerial(t *testing.T) {
	bmcSide, mcuSide := serialPair(t, nil)
	bmc, _ := link(t, bmcSide, mcuSide, EndpointOptions{Timeout: time.Second})
	exercise(t, bmc)
	concurrentEchoes(t, bmc, 20)
	if s := bmcSide.(LinkCounter).LinkStats(); s.Dropped != 0 || s.PacketsSent == 0 {
		t.Errorf("link stats %+v", s)
	}
}

func TestEndpointOverNoisySerial(t *testing.T) {
	// Each frame is preceded by noise of the kinds a flaky UART produces:
	// plain garbage, a frame with a bad FCS, a truncated frame, a broken
	// escape, in turn.
	req := vector(t, "serial-get-eid-request")
	badFCS := bytes.Clone(req)
	badFCS[len(badFCS)-2] ^= 0xFF
	kinds := [][]byte{
		{0x00, 0xFF, 0x13, 0x01},
		badFCS,
		req[:7],
		{0x7E, 0x01, 0x07, 0x01, 0x7D, 0x00},
	}
	var i atomic.Int32
	noise := func() []byte { return kinds[int(i.Add(1))%len(kinds)] }
	bmcSide, mcuSide := serialPair(t, noise)
	bmc, mcu := link(t, bmcSide, mcuSide, EndpointOptions{Timeout: time.Second})
	exercise(t, bmc)
	concurrentEchoes(t, bmc, 20)
	// Noise never turns into a packet; the frames after it all arrive, so
	// nothing needed a retry.
	if s := bmc.Stats(); s.Retries != 0 || s.Dropped != 0 {
		t.Errorf("BMC endpoint stats %+v", s)
	}
	if s := mcu.Stats(); s.Dropped != 0 {
		t.Errorf("MCU endpoint stats %+v", s)
	}
	if s := bmcSide.(interface{ SerialStats() SerialStats }).SerialStats(); s.BadFCS == 0 || s.Truncated == 0 || s.BadEscape == 0 || s.Garbage == 0 {
		t.Errorf("BMC serial stats %+v: some kind of noise was not seen", s)
	}
}

func TestEndpointOverSMBus(t *testing.T) {
	bus := newFakeSMBus()
	const bmcAddr, mcuAddr = 0x10, 0x1D
	bmcSide := NewSMBusBinding(bus.tx, receiver(bus.target(bmcAddr)), mcuAddr, bmcAddr)
	mcuSide := NewSMBusBinding(bus.tx, receiver(bus.target(mcuAddr)), bmcAddr, mcuAddr)
	t.Cleanup(func() { bmcSide.Close(); mcuSide.Close() })
	bmc, _ := link(t, bmcSide, mcuSide, EndpointOptions{Timeout: time.Second})
	exercise(t, bmc)
	concurrentEchoes(t, bmc, 20)
}

func TestEndpointSendErrorRetries(t *testing.T) {
	bus := newFakeSMBus()
	var writes atomic.Int32
	nack := errors.New("NACK")
	// The MCU's address NACKs the first write.
	bus.fail = func(addr uint16, _ []byte) error {
		if addr == 0x1D && writes.Add(1) == 1 {
			return nack
		}
		return nil
	}
	bmcSide := NewSMBusBinding(bus.tx, receiver(bus.target(0x10)), 0x1D, 0x10)
	mcuSide := NewSMBusBinding(bus.tx, receiver(bus.target(0x1D)), 0x10, 0x1D)
	t.Cleanup(func() { bmcSide.Close(); mcuSide.Close() })
	bmc, _ := link(t, bmcSide, mcuSide, EndpointOptions{Timeout: time.Second})
	if _, err := bmc.Request(t.Context(), NullEID, GetEIDRequest(0)); err != nil {
		t.Fatalf("Request after one NACK: %v", err)
	}
	if s := bmc.Stats(); s.Retries != 1 {
		t.Errorf("stats %+v, want 1 retry", s)
	}

	bus.fail = func(uint16, []byte) error { return nack }
	if _, err := bmc.Request(t.Context(), NullEID, GetEIDRequest(0)); !errors.Is(err, nack) {
		t.Errorf("Request with every write NACKed: %v, want the NACK", err)
	}
}

func BenchmarkEndpointRequestPipe(b *testing.B) {
	x, y := newPipe(BaselineMTU)
	bmc := NewEndpoint(x, bmcEID, EndpointOptions{})
	defer bmc.Close()
	mcu := NewEndpoint(y, NullEID, EndpointOptions{})
	defer mcu.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go mcu.Serve(ctx, testMCU(mcu))
	req := GetEIDRequest(0)
	for b.Loop() {
		if _, err := bmc.Request(ctx, NullEID, req); err != nil {
			b.Fatal(err)
		}
	}
}

// TestResponderQueuesEarlyRequests: a request that arrives before Serve
// runs is answered once it does, for an endpoint made as a Responder, and
// dropped (the requester's retry covers it) for one that is not.
func TestResponderQueuesEarlyRequests(t *testing.T) {
	for _, responder := range []bool{true, false} {
		a, b := newPipe(BaselineMTU)
		req := NewEndpoint(a, 8, EndpointOptions{Timeout: 100 * time.Millisecond, Retries: -1})
		resp := NewEndpoint(b, 0x20, EndpointOptions{Responder: responder})
		done := make(chan error, 1)
		go func() {
			_, err := req.Request(context.Background(), 0x20, GetEIDRequest(1))
			done <- err
		}()
		// Let the request arrive before anyone serves.
		for resp.Stats().PacketsReceived == 0 {
			time.Sleep(time.Millisecond)
		}
		ctx, cancel := context.WithCancel(context.Background())
		go resp.Serve(ctx, func(m Message) ([]byte, bool) {
			return GetEIDResponse(0, CCSuccess, GetEIDResult{EID: 0x20}), true
		})
		err := <-done
		if responder && err != nil || !responder && !errors.Is(err, ErrTimeout) {
			t.Errorf("responder %v: %v", responder, err)
		}
		cancel()
		req.Close()
		resp.Close()
	}
}
