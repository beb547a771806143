package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseQMPReply(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		done    bool
		ret     string
		wantErr error
	}{
		{"empty return", `{"return": {}}`, true, `{}`, nil},
		{"value", `{"return": 42500, "id": "x"}`, true, `42500`, nil},
		{"event is skipped", `{"event": "RESET", "data": {}, "timestamp": {"seconds": 1, "microseconds": 2}}`, false, ``, nil},
		{"error", `{"error": {"class": "GenericError", "desc": "Property 'gpioZZ9' not found"}}`, true, ``, errQMP},
		{"greeting is not an answer", `{"QMP": {"version": {}, "capabilities": []}}`, false, ``, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ret, done, err := parseQMPReply([]byte(tt.line))
			if done != tt.done || string(ret) != tt.ret || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("got (%s, %v, %v), want (%s, %v, %v)", ret, done, err, tt.ret, tt.done, tt.wantErr)
			}
		})
	}
	if _, done, err := parseQMPReply([]byte("not json")); !done || err == nil {
		t.Fatalf("garbage: done %v err %v, want an error that ends the command", done, err)
	}
}

func FuzzParseQMPReply(f *testing.F) {
	f.Add([]byte(`{"return": {}}`))
	f.Add([]byte(`{"error": {"class": "GenericError", "desc": "x"}}`))
	f.Add([]byte(`{"event": "STOP"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		ret, done, err := parseQMPReply(line)
		if !done && (ret != nil || err != nil) {
			t.Fatalf("not done but returned %s, %v", ret, err)
		}
		if ret != nil && !json.Valid(ret) {
			t.Fatalf("return %q is not JSON", ret)
		}
	})
}

// fakeQEMU answers QMP as QEMU 7.2 does: a greeting, then one answer per
// command, with an event slipped in before the first qom-set's answer.
func fakeQEMU(t *testing.T) (string, <-chan map[string]any) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "qmp.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan map[string]any, 8)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.Write([]byte(`{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}}, "capabilities": []}}` + "\r\n"))
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				return
			}
			var req map[string]any
			json.Unmarshal(line, &req)
			got <- req
			args, _ := req["arguments"].(map[string]any)
			switch {
			case req["execute"] == "qom-set" && args["property"] == "nosuch":
				c.Write([]byte(`{"error": {"class": "GenericError", "desc": "Property 'nosuch' not found"}}` + "\r\n"))
			case req["execute"] == "qom-set":
				c.Write([]byte(`{"timestamp": {"seconds": 1, "microseconds": 0}, "event": "NIC_RX_FILTER_CHANGED"}` + "\r\n"))
				c.Write([]byte(`{"return": {}}` + "\r\n"))
			default:
				c.Write([]byte(`{"return": {}}` + "\r\n"))
			}
		}
	}()
	return path, got
}

func TestQMPDrivesLinesAndSensors(t *testing.T) {
	path, got := fakeQEMU(t)
	q, err := dialQMP(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if req := <-got; req["execute"] != "qmp_capabilities" {
		t.Fatalf("first command %v, want qmp_capabilities", req)
	}
	if err := q.setGPIO("gpioB0", true); err != nil {
		t.Fatal(err)
	}
	req := <-got
	args := req["arguments"].(map[string]any)
	if req["execute"] != "qom-set" || args["path"] != "/machine/soc/gpio" || args["property"] != "gpioB0" || args["value"] != true {
		t.Fatalf("setGPIO sent %v", req)
	}
	// QEMU's tmp105 takes milli-degrees Celsius.
	if err := q.setTemperature("temp1", 45.5); err != nil {
		t.Fatal(err)
	}
	args = (<-got)["arguments"].(map[string]any)
	if args["path"] != "/machine/peripheral/temp1" || args["property"] != "temperature" || args["value"] != float64(45500) {
		t.Fatalf("setTemperature sent %v", args)
	}
	err = q.set("/machine/soc/gpio", "nosuch", true)
	if !errors.Is(err, errQMP) || !strings.Contains(err.Error(), "nosuch") {
		t.Fatalf("error answer: %v", err)
	}
}
