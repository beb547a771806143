package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"
)

// qmp is a QEMU Machine Protocol client on QEMU's unix socket: one command
// at a time, each answered by a "return" or an "error" line; asynchronous
// "event" lines in between are skipped.
type qmp struct {
	conn net.Conn
	r    *bufio.Reader
}

// qmpTimeout bounds one command: QMP answers at once unless QEMU is stuck.
const qmpTimeout = 10 * time.Second

// dialQMP connects and leaves capabilities negotiation mode, retrying
// until the socket exists (QEMU creates it shortly after it starts).
func dialQMP(path string, wait time.Duration) (*qmp, error) {
	deadline := time.Now().Add(wait)
	for {
		c, err := net.Dial("unix", path)
		if err == nil {
			q := &qmp{conn: c, r: bufio.NewReader(c)}
			if err := q.handshake(); err != nil {
				c.Close()
				return nil, err
			}
			return q, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("qmp %s: %w", path, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (q *qmp) handshake() error {
	q.conn.SetDeadline(time.Now().Add(qmpTimeout))
	line, err := q.r.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("qmp greeting: %w", err)
	}
	var greet struct {
		QMP json.RawMessage `json:"QMP"`
	}
	if err := json.Unmarshal(line, &greet); err != nil || greet.QMP == nil {
		return fmt.Errorf("qmp greeting %q: not a QMP server", line)
	}
	_, err = q.execute("qmp_capabilities", nil)
	return err
}

func (q *qmp) Close() error { return q.conn.Close() }

// execute runs one command and returns its "return" value.
func (q *qmp) execute(cmd string, args any) (json.RawMessage, error) {
	req := map[string]any{"execute": cmd}
	if args != nil {
		req["arguments"] = args
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	q.conn.SetDeadline(time.Now().Add(qmpTimeout))
	if _, err := q.conn.Write(append(b, '\n')); err != nil {
		return nil, fmt.Errorf("qmp %s: %w", cmd, err)
	}
	for {
		line, err := q.r.ReadBytes('\n')
		if err != nil {
			return nil, fmt.Errorf("qmp %s: %w", cmd, err)
		}
		ret, done, err := parseQMPReply(line)
		if !done {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("qmp %s: %w", cmd, err)
		}
		return ret, nil
	}
}

// errQMP is an "error" answer.
var errQMP = errors.New("qmp error")

// parseQMPReply reads one line from QEMU. done is false for an event (or
// anything else that does not answer the command); otherwise the line is
// the command's result or its error.
func parseQMPReply(line []byte) (ret json.RawMessage, done bool, err error) {
	var m struct {
		Return json.RawMessage `json:"return"`
		Error  *struct {
			Class string `json:"class"`
			Desc  string `json:"desc"`
		} `json:"error"`
		Event string `json:"event"`
	}
	if err := json.Unmarshal(line, &m); err != nil {
		return nil, true, fmt.Errorf("reply %.80q: %w", line, err)
	}
	switch {
	case m.Error != nil:
		return nil, true, fmt.Errorf("%w: %s: %s", errQMP, m.Error.Class, m.Error.Desc)
	case m.Return != nil:
		return m.Return, true, nil
	}
	return nil, false, nil
}

// set is qom-set: a GPIO input level or a sensor value.
func (q *qmp) set(path, property string, value any) error {
	_, err := q.execute("qom-set", map[string]any{"path": path, "property": property, "value": value})
	if err != nil {
		return fmt.Errorf("%s %s=%v: %w", path, property, value, err)
	}
	return nil
}

// setGPIO drives one of the SoC's GPIO inputs ("gpioB0").
func (q *qmp) setGPIO(name string, high bool) error {
	return q.set("/machine/soc/gpio", name, high)
}

// setTemperature sets an emulated TMP105 (its -device id) in °C. QEMU
// takes milli-degrees; the sensor itself keeps what its resolution can.
func (q *qmp) setTemperature(id string, celsius float64) error {
	return q.set("/machine/peripheral/"+id, "temperature", int(celsius*1000))
}
