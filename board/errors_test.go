package board

import (
	"errors"
	"strings"
	"testing"
)

// head is the start of most test boards; cases add bays from line 9 on.
var head = []string{
	"board: t",                              // 1
	"buses:",                                // 2
	"  - {name: i2c-1, device: /dev/i2c-1}", // 3
	"muxes:",                                // 4
	"  - {name: m, type: pca9548, bus: i2c-1, addr: 0x70}", // 5
	"sled:",                            // 6
	"  fru: {addr: 0x50, type: 24c02}", // 7
	"bays:",                            // 8
}

// withHead is head followed by the given lines (line 9 on).
func withHead(lines ...string) string {
	return strings.Join(append(append([]string(nil), head...), lines...), "\n") + "\n"
}

// withSwitch is a one-bay board with a two-slot sled and an interposer;
// cases add interposer keys from line 13 on.
func withSwitch(lines ...string) string {
	return doc(append([]string{
		"board: t",               // 1
		"buses: [{name: i2c-1}]", // 2
		"sled:",                  // 3
		"  fru: {addr: 0x50}",    // 4
		"  slots:",               // 5
		"    - {slot: 0, form_factor: U2, mux: {addr: 0x71, channel: 0}}", // 6
		"    - {slot: 1, form_factor: U2, mux: {addr: 0x71, channel: 1}}", // 7
		"bays: [{bay: 0, i2c: {bus: i2c-1}}]",                             // 8
		"interposer:",                                                     // 9
		"  type: switchtec-pfx",                                           // 10
		"  i2c: {bus: i2c-1}",                                             // 11
		"  addr: 0x20",                                                    // 12
	}, lines...)...)
}

func doc(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// want is one expected problem: its line, the text its column points at
// (the column is where that text starts on the line; "" for column 0), its
// field and part of its message.
type want struct {
	line  int
	at    string
	field string
	msg   string
}

func TestParseProblems(t *testing.T) {
	bay0 := "  - {bay: 0, i2c: {bus: i2c-1, mux: m, channel: 0}}"
	// bay0b is bay 0 in block style (lines 9 and 10), so a case can add
	// keys to it from line 11 on.
	bay0b := []string{"  - bay: 0", "    i2c: {bus: i2c-1, mux: m, channel: 0}"}
	cases := []struct {
		name string
		src  string
		want []want
	}{
		{"unknown top-level key", withHead(bay0, "bayz: []"),
			[]want{{10, "bayz", "bayz", `unknown key "bayz" (did you mean "bays"?)`}}},
		{"unknown bay key", withHead("  - {bay: 0, i2c: {bus: i2c-1}, prsence: {chip: g, line: 1}}"),
			[]want{{9, "prsence", "bays[0].prsence", `did you mean "presence"?`}}},
		{"unknown key far from any", withHead(bay0, "  - {bay: 1, i2c: {bus: i2c-1, mux: m, channel: 1}, colour: red}"),
			[]want{{10, "colour", "bays[1].colour", "known: bay, name, i2c"}}},
		{"repeated key", withHead("  - bay: 0", "    i2c: {bus: i2c-1}", "    bay: 0"),
			[]want{{11, "bay", "bays[0].bay", "key repeated (first at line 9)"}}},
		{"list where a mapping belongs", withHead("  - [bay, 0]"),
			[]want{{9, "[", "bays[0]", "must be a mapping"}}},
		{"mapping where a list belongs", doc("board: t", "buses: {name: i2c-1}", "bays: []"),
			[]want{{2, "{", "buses", "must be a list"}, {3, "[", "bays", "at least one"}}},
		{"list where a value belongs", withHead("  - {bay: [0], i2c: {bus: i2c-1}}"),
			[]want{{9, "[0]", "bays[0].bay", "must be a single value"}}},
		{"missing board name", doc("buses: [{name: i2c-1}]", "sled: {fru: {addr: 0x50}}", "bays: [{bay: 0, i2c: {bus: i2c-1}}]"),
			[]want{{1, "buses", "board", "required key is missing"}}},
		{"missing i2c", withHead("  - {bay: 0}"),
			[]want{{9, "{bay", "bays[0].i2c", "required key is missing"}}},
		{"missing bays", doc("board: t", "buses: [{name: i2c-1}]"),
			[]want{{1, "board", "bays", "required key is missing"}}},
		{"key without a value", withHead("  - bay:", "    i2c: {bus: i2c-1}"),
			[]want{{9, "bay", "bays[0].bay", "needs a value"}}},
		{"bad integer", withHead("  - {bay: 1x, i2c: {bus: i2c-1}}"),
			[]want{{9, "1x", "bays[0].bay", `"1x" is not an integer`}}},
		{"bad hex", withHead(append(bay0b, "    sled: {fru: {addr: 0xZZ}}")...),
			[]want{{11, "0xZZ", "bays[0].sled.fru.addr", `"0xZZ" is not an integer`}}},
		{"octal is refused", withHead(append(bay0b, "    sled: {fru: {addr: 0o120}}")...),
			[]want{{11, "0o120", "bays[0].sled.fru.addr", "not an integer"}}},
		{"huge integer", withHead("  - {bay: 99999999999999999999, i2c: {bus: i2c-1}}"),
			[]want{{9, "9999", "bays[0].bay", "too large"}}},
		{"negative bay", withHead("  - {bay: -1, i2c: {bus: i2c-1}}"),
			[]want{{9, "-1", "bays[0].bay", "out of range"}}},
		{"address beyond 7 bits", withHead(append(bay0b, "    sled: {fru: {addr: 0x90}}")...),
			[]want{{11, "0x90", "bays[0].sled.fru.addr", "0x90 is not a 7-bit I2C address"}}},
		{"reserved address", withHead(append(bay0b, "    sled: {fru: {addr: 0x50}, mcu: 0x02}")...),
			[]want{{11, "0x02", "bays[0].sled.mcu", "0x02 is a reserved I2C address (use 0x03..0x77)"}}},
		{"reserved high address", withHead(append(bay0b, "    sled: {fru: {addr: 0x50}, temp: {addr: 0x78}}")...),
			[]want{{11, "0x78", "bays[0].sled.temp.addr", "reserved"}}},
		{"mux address outside 0x70..0x77", doc(head[0], head[1], head[2], head[3],
			"  - {name: m, type: pca9548, bus: i2c-1, addr: 0x60}", head[5], head[6], head[7], "  - {bay: 0, i2c: {bus: i2c-1}}"),
			[]want{{5, "0x60", "muxes[0].addr", "0x60 is not a PCA954x address (0x70..0x77)"}}},
		{"sled mux address outside 0x70..0x77", withHead(append(bay0b, "    sled:", "      fru: {addr: 0x50}",
			"      slots: [{slot: 0, form_factor: U2, mux: {addr: 0x50, channel: 0}}]")...),
			[]want{{13, "0x50, ch", "bays[0].sled.slots[0].mux.addr", "not a PCA954x address"}}},
		{"duplicate bus name", doc("board: t", "buses:", "  - {name: i2c-1}", "  - {name: i2c-1}", "sled: {fru: {addr: 0x50}}", "bays: [{bay: 0, i2c: {bus: i2c-1}}]"),
			[]want{{4, "i2c-1", "buses[1].name", `bus "i2c-1" is listed twice (first at line 3)`}}},
		{"duplicate bus device", doc("board: t", "buses:", "  - {name: a, device: /dev/i2c-1}", "  - {name: b, device: /dev/i2c-1}", "sled: {fru: {addr: 0x50}}", "bays: [{bay: 0, i2c: {bus: a}}]"),
			[]want{{4, "/dev", "buses[1].device", "/dev/i2c-1 is already used by the bus at line 3"}}},
		{"relative bus device", doc("board: t", "buses: [{name: a, device: i2c-1}]", "sled: {fru: {addr: 0x50}}", "bays: [{bay: 0, i2c: {bus: a}}]"),
			[]want{{2, "i2c-1", "buses[0].device", "absolute path"}}},
		{"duplicate mux name", doc(head[0], head[1], head[2], head[3], head[4],
			"  - {name: m, type: pca9548, bus: i2c-1, addr: 0x71}", head[5], head[6], head[7], bay0),
			[]want{{6, "m,", "muxes[1].name", `mux "m" is listed twice`}}},
		{"duplicate bay number", withHead(bay0, "  - {bay: 0, i2c: {bus: i2c-1, mux: m, channel: 1}}"),
			[]want{{10, "0,", "bays[1].bay", "bay 0 is listed twice (first at line 9)"}}},
		{"bay number out of range", withHead(bay0, "  - {bay: 2, i2c: {bus: i2c-1, mux: m, channel: 1}}"),
			[]want{{10, "2,", "bays[1].bay", "bay 2 is out of range: 2 bays are listed, so they are numbered 0..1"}}},
		{"duplicate slot number", withHead(append(bay0b, "    sled:", "      fru: {addr: 0x50}", "      slots:",
			"        - {slot: 0, form_factor: U2, mux: {addr: 0x71, channel: 0}}",
			"        - {slot: 0, form_factor: U2, mux: {addr: 0x71, channel: 1}}")...),
			[]want{{15, "0,", "bays[0].sled.slots[1].slot", "slot 0 is listed twice (first at line 14)"}}},
		{"unknown bus", withHead("  - {bay: 0, i2c: {bus: i2c-9}}"),
			[]want{{9, "i2c-9", "bays[0].i2c.bus", `unknown bus "i2c-9" (buses: i2c-1)`}}},
		{"unknown mux", withHead("  - {bay: 0, i2c: {bus: i2c-1, mux: bay-mux, channel: 0}}"),
			[]want{{9, "bay-mux", "bays[0].i2c.mux", `unknown mux "bay-mux" (muxes: m)`}}},
		{"unknown mux bus", doc(head[0], head[1], head[2], head[3],
			"  - {name: m, type: pca9548, bus: i2c-2, addr: 0x70}", head[5], head[6], head[7], "  - {bay: 0, i2c: {bus: i2c-1}}"),
			[]want{{5, "i2c-2", "muxes[0].bus", `unknown bus "i2c-2"`}}},
		{"unknown parent", doc("board: t", "buses: [{name: a, parent: b}]", "sled: {fru: {addr: 0x50}}", "bays: [{bay: 0, i2c: {bus: a}}]"),
			[]want{{2, "b}", "buses[0].parent", `unknown bus "b" (buses: a)`}}},
		{"own parent", doc("board: t", "buses: [{name: a, parent: a}]", "sled: {fru: {addr: 0x50}}", "bays: [{bay: 0, i2c: {bus: a}}]"),
			[]want{{2, "a}", "buses[0].parent", "its own parent"}}},
		{"parent loop", doc("board: t", "buses:", "  - {name: a, parent: b}", "  - {name: b, parent: a}", "sled: {fru: {addr: 0x50}}", "bays: [{bay: 0, i2c: {bus: a}}]"),
			[]want{{3, "b}", "buses[0].parent", "parents loop"}, {4, "a}", "buses[1].parent", "parents loop"}}},
		{"channel beyond the mux", doc(head[0], head[1], head[2], head[3],
			"  - {name: m, type: pca9546, bus: i2c-1, addr: 0x70}", head[5], head[6], head[7], "  - {bay: 0, i2c: {bus: i2c-1, mux: m, channel: 4}}"),
			[]want{{9, "4}", "bays[0].i2c.channel", "channel 4 is beyond mux m (a pca9546 has channels 0..3)"}}},
		{"channel without mux", withHead("  - {bay: 0, i2c: {bus: i2c-1, channel: 1}}"),
			[]want{{9, "1}", "bays[0].i2c.channel", "a channel needs the mux"}}},
		{"mux without channel", withHead("  - {bay: 0, i2c: {bus: i2c-1, mux: m}}"),
			[]want{{9, "{bus", "bays[0].i2c.channel", "required key is missing"}}},
		{"bay bus is not the mux's bus", doc("board: t", "buses: [{name: i2c-1}, {name: i2c-2}]", head[3], head[4], head[5], head[6], head[7],
			"  - {bay: 0, i2c: {bus: i2c-2, mux: m, channel: 0}}"),
			[]want{{8, "i2c-2", "bays[0].i2c.bus", "mux m sits on i2c-1, not on i2c-2"}}},
		{"unknown EEPROM type", withHead(append(bay0b, "    sled: {fru: {addr: 0x50, type: 24c03}}")...),
			[]want{{11, "24c03", "bays[0].sled.fru.type", `unknown EEPROM type "24c03" (known: 24c02, 24c04`}}},
		{"unknown sensor type", withHead(append(bay0b, "    sled: {fru: {addr: 0x50}, temp: {addr: 0x48, type: lm76}}")...),
			[]want{{11, "lm76", "bays[0].sled.temp.type", `unknown sensor type "lm76" (known: lm75, tmp75)`}}},
		{"unknown mux type", doc(head[0], head[1], head[2], head[3],
			"  - {name: m, type: pca9547, bus: i2c-1, addr: 0x70}", head[5], head[6], head[7], "  - {bay: 0, i2c: {bus: i2c-1}}"),
			[]want{{5, "pca9547", "muxes[0].type", `unknown mux type "pca9547" (known: pca9546, pca9548)`}}},
		{"unknown form factor", withHead(append(bay0b, "    sled: {fru: {addr: 0x50}, slots: [{slot: 0, form_factor: M2_2281}]}")...),
			[]want{{11, "M2_2281", "bays[0].sled.slots[0].form_factor", `unknown form factor "M2_2281"`}}},
		{"unknown interposer type", withHead(bay0, "interposer: {type: pex88000, i2c: {bus: i2c-1}, addr: 0x20}"),
			[]want{{10, "pex88000", "interposer.type", "known: switchtec-pfx"}}},
		{"duplicate host name", withSwitch("  hosts:", "    - {name: H, partition: 0, port: 0}", "    - {name: H, partition: 1, port: 1}"),
			[]want{{15, "H,", "interposer.hosts[1].name", `host "H" is listed twice (first at line 14)`}}},
		{"host name not printable", withSwitch("  hosts: [{name: \"a\\tb\", partition: 0, port: 0}]"),
			[]want{{13, `"a`, "interposer.hosts[0].name", "printable"}}},
		{"duplicate partition", withSwitch("  hosts:", "    - {name: A, partition: 3, port: 0}", "    - {name: B, partition: 3, port: 1}"),
			[]want{{15, "3,", "interposer.hosts[1].partition", "partition 3 is already a host's (line 14)"}}},
		{"duplicate host port", withSwitch("  hosts:", "    - {name: A, partition: 0, port: 4}", "    - {name: B, partition: 1, port: 4}"),
			[]want{{15, "4}", "interposer.hosts[1].port", "port 4 is already a host port (line 14)"}}},
		{"partition beyond a byte", withSwitch("  hosts: [{name: A, partition: 255, port: 0}]"),
			[]want{{13, "255", "interposer.hosts[0].partition", "out of range 0..254"}}},
		{"host without partition", withSwitch("  hosts: [{name: A, port: 0}]"),
			[]want{{13, "{name", "interposer.hosts[0].partition", "required key is missing"}}},
		{"hosts not a list", withSwitch("  hosts: {name: A}"),
			[]want{{13, "{name", "interposer.hosts", "must be a list"}}},
		{"duplicate drive port", withSwitch("  drive_ports:", "    - {port: 9, bay: 0, slot: 0}", "    - {port: 9, bay: 0, slot: 1}"),
			[]want{{15, "9,", "interposer.drive_ports[1].port", "port 9 is listed twice (first at line 14)"}}},
		{"drive port is a host port", withSwitch("  hosts: [{name: A, partition: 0, port: 2}]", "  drive_ports: [{port: 2, bay: 0, slot: 0}]"),
			[]want{{14, "2,", "interposer.drive_ports[0].port", "port 2 is a host port (line 13), not a drive port"}}},
		{"drive port beyond a byte", withSwitch("  drive_ports: [{port: 0x100, bay: 0, slot: 0}]"),
			[]want{{13, "0x100", "interposer.drive_ports[0].port", "out of range 0..254"}}},
		{"drive port in an unknown bay", withSwitch("  drive_ports: [{port: 9, bay: 3, slot: 0}]"),
			[]want{{13, "3,", "interposer.drive_ports[0].bay", "bay 3 is not on the board (bays: 0)"}}},
		{"drive port to an unknown slot", withSwitch("  drive_ports: [{port: 9, bay: 0, slot: 5}]"),
			[]want{{13, "5}", "interposer.drive_ports[0].slot", "bay 0's sled has no slot 5 (slots: 0, 1)"}}},
		{"two ports to one slot", withSwitch("  drive_ports:", "    - {port: 9, bay: 0, slot: 1}", "    - {port: 10, bay: 0, slot: 1}"),
			[]want{{15, "1}", "interposer.drive_ports[1].slot", "bay 0 slot 1 is already reached through the port at line 14"}}},
		{"drive port key typo", withSwitch("  drive_ports: [{port: 9, bay: 0, slto: 0}]"),
			[]want{{13, "{port", "interposer.drive_ports[0].slot", "required key is missing"},
				{13, "slto", "interposer.drive_ports[0].slto", `did you mean "slot"?`}}},
		{"drive port without slot layout", doc("board: t", "buses: [{name: i2c-1}]", "bays: [{bay: 0, i2c: {bus: i2c-1}, sled: {fru: {addr: 0x50}}}]",
			"interposer: {type: switchtec-pfx, i2c: {bus: i2c-1}, addr: 0x20, drive_ports: [{port: 1, bay: 0, slot: 0}]}"),
			[]want{{4, "0}]", "interposer.drive_ports[0].slot", "bay 0's sled has no slot 0 (its layout has no slots)"}}},
		{"bad speed", doc("board: t", "buses: [{name: a, speed: 400 kHz}]", "sled: {fru: {addr: 0x50}}", "bays: [{bay: 0, i2c: {bus: a}}]"),
			[]want{{2, "400 kHz", "buses[0].speed", `bad speed "400 kHz": write 100kHz, 400kHz, 1MHz or an integer in Hz`}}},
		{"speed out of range", doc("board: t", "buses: [{name: a, speed: 10MHz}]", "sled: {fru: {addr: 0x50}}", "bays: [{bay: 0, i2c: {bus: a}}]"),
			[]want{{2, "10MHz", "buses[0].speed", "outside 10kHz..3400kHz"}}},
		{"FRU and temp at one address", withHead(append(bay0b, "    sled:", "      fru: {addr: 0x50}", "      temp: {addr: 0x50}")...),
			[]want{{13, "0x50", "bays[0].sled.temp.addr", "the temperature sensor at 0x50 collides with the FRU EEPROM at 0x50 (bays[0].sled.fru.addr, line 12)"}}},
		{"24c16 takes eight addresses", withHead(append(bay0b, "    sled:", "      fru: {addr: 0x50, type: 24c16}", "      temp: {addr: 0x57}")...),
			[]want{{13, "0x57", "bays[0].sled.temp.addr", "the temperature sensor at 0x57 collides with the FRU EEPROM at 0x50..0x57 (bays[0].sled.fru.addr, line 12)"}}},
		{"24c04 unaligned", withHead(append(bay0b, "    sled: {fru: {addr: 0x51, type: 24c04}}")...),
			[]want{{11, "0x51", "bays[0].sled.fru.addr", "a 24c04 answers at 2 addresses from a multiple of 2: write 0x50"}}},
		{"two slots on one segment", withHead(append(bay0b, "    sled:", "      fru: {addr: 0x50}", "      slots:",
			"        - {slot: 0, form_factor: U2}", "        - {slot: 1, form_factor: U2}")...),
			[]want{{15, "{slot: 1", "bays[0].sled.slots[1].nvme_mi", "slot 1's NVMe-MI endpoint at 0x6a collides with slot 0's NVMe-MI endpoint"}}},
		{"slot device against the sled's own mux", withHead(append(bay0b, "    sled:", "      fru: {addr: 0x50}", "      slots:",
			"        - {slot: 0, form_factor: U2, mux: {addr: 0x71, channel: 0}, vpd: {addr: 0x71}}")...),
			[]want{{14, "0x71}", "bays[0].sled.slots[0].vpd.addr", "collides with the sled mux"}}},
		{"sled part against the bay mux upstream", withHead(append(bay0b, "    sled: {fru: {addr: 0x50}, mcu: 0x70}")...),
			[]want{{10, "{bus", "bays[0].i2c", "bay 0's MCU at 0x70 collides with mux m at 0x70 (muxes[0].addr, line 5)"}}},
		{"interposer against the bay mux", withHead(bay0, "interposer: {type: switchtec-pfx, i2c: {bus: i2c-1}, addr: 0x70}"),
			[]want{{10, "0x70", "interposer.addr", "the interposer switch at 0x70 collides with mux m"}}},
		{"interposer behind a bay channel", withHead(bay0, "interposer: {type: switchtec-pfx, i2c: {bus: i2c-1, mux: m, channel: 0}, addr: 0x50}"),
			[]want{{10, "0x50", "interposer.addr", "collides with bay 0's FRU EEPROM"}}},
		{"kernel channel against its parent", doc("board: t", "buses:", "  - {name: root}", "  - {name: ch0, parent: root}",
			"sled: {fru: {addr: 0x50}}", "bays: [{bay: 0, i2c: {bus: ch0}}]", "interposer: {type: switchtec-pfx, i2c: {bus: root}, addr: 0x50}"),
			[]want{{7, "0x50", "interposer.addr", "collides with bay 0's FRU EEPROM"}}},
		{"sibling kernel channels do not collide", doc("board: t", "buses:", "  - {name: root}", "  - {name: ch0, parent: root}", "  - {name: ch1, parent: root}",
			"sled: {fru: {addr: 0x50}}", "bays: [{bay: 0, i2c: {bus: ch0}}, {bay: 1, i2c: {bus: ch1}}]"), nil},
		{"two bays on one segment", withHead(bay0, "  - {bay: 1, i2c: {bus: i2c-1, mux: m, channel: 0}}"),
			[]want{{10, "{bus", "bays[1].i2c", "bay 1 is on the same segment (i2c-1 ch0) as bay 0 (line 9)"}}},
		{"bay upstream of another bay", withHead(bay0, "  - {bay: 1, i2c: {bus: i2c-1}}"),
			[]want{{10, "{bus", "bays[1].i2c", "bay 1's FRU EEPROM at 0x50 collides with bay 0's FRU EEPROM"}}},
		{"GPIO line by offset and name", withHead("  - {bay: 0, i2c: {bus: i2c-1}, presence: {chip: g, line: 3, name: P}}"),
			[]want{{9, "P}", "bays[0].presence", "by offset (line) or by name (name), not both"}}},
		{"GPIO line by neither", withHead("  - {bay: 0, i2c: {bus: i2c-1}, reset: {chip: g, active_low: true}}"),
			[]want{{9, "{chip", "bays[0].reset.line", "the line's offset (line) or its name (name)"}}},
		{"GPIO line without chip", withHead("  - {bay: 0, i2c: {bus: i2c-1}, power: {line: 3}}"),
			[]want{{9, "{line", "bays[0].power.chip", "required key is missing"}}},
		{"GPIO bad active_low", withHead("  - {bay: 0, i2c: {bus: i2c-1}, power: {chip: g, line: 3, active_low: yes}}"),
			[]want{{9, "yes", "bays[0].power.active_low", `"yes" is not true or false`}}},
		{"GPIO line used twice", withHead("  - {bay: 0, i2c: {bus: i2c-1}, presence: {chip: g, line: 3}, reset: {chip: g, line: 3}}"),
			[]want{{9, "{chip: g, line: 3}}", "bays[0].reset", "GPIO line g:3 is already used at line 9"}}},
		{"baud zero", withHead("  - {bay: 0, i2c: {bus: i2c-1}, uart: {device: /dev/ttyS1, baud: 0}}"),
			[]want{{9, "0}", "bays[0].uart.baud", "baud must be positive, not 0"}}},
		{"baud negative", withHead("  - {bay: 0, i2c: {bus: i2c-1}, uart: {device: /dev/ttyS1, baud: -9600}}"),
			[]want{{9, "-9600", "bays[0].uart.baud", "baud must be positive"}}},
		{"uart without device", withHead("  - {bay: 0, i2c: {bus: i2c-1}, uart: {baud: 9600}}"),
			[]want{{9, "{baud", "bays[0].uart.device", "required key is missing"}}},
		{"no sled layout", doc("board: t", "buses: [{name: a}]", "bays:", "  - {bay: 0, i2c: {bus: a}}"),
			[]want{{4, "{bay", "bays[0].sled", "no sled layout"}}},
		{"sled without fru", withHead(append(bay0b, "    sled: {mcu: 0x1d}")...),
			[]want{{11, "{mcu", "bays[0].sled.fru", "required key is missing"}}},
		{"empty string", doc("board: ''", "buses: [{name: a}]", "sled: {fru: {addr: 0x50}}", "bays: [{bay: 0, i2c: {bus: a}}]"),
			[]want{{1, "''", "board", "must not be empty"}}},
		{"merge key", withHead("  - {<<: {bay: 0}, i2c: {bus: i2c-1}}"),
			[]want{{9, "{<<", "bays[0].bay", "required key is missing"}, {9, "<<", "bays[0].<<", "merge keys (<<) are not supported"}}},
		{"syntax error", doc("board: t", "buses: [", "  - x: y: z"),
			[]want{{2, "", "", "YAML syntax: did not find expected node content"}}},
		{"tab indentation", "board: t\nbuses:\n\t- name: a\n",
			[]want{{3, "", "", "YAML syntax: found character that cannot start any token"}}},
		{"not a mapping", "- board\n",
			[]want{{1, "- board", "", "must be a mapping"}}},
		{"empty file", "", []want{{0, "", "", "empty board file"}}},
		{"only a comment", "# nothing\n", []want{{0, "", "", "empty board file"}}},
		{"null document", "~\n", []want{{1, "~", "", "empty board file"}}},
		{"two documents", withHead(bay0, "---", "board: u"),
			[]want{{10, "---", "", "one YAML document"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Parse("test.yaml", []byte(tc.src))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("Parse = %v, %v; want a *LoadError", b, err)
			}
			if b != nil {
				t.Errorf("Parse returned a board with an error")
			}
			lines := strings.Split(tc.src, "\n")
			if len(le.Problems) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(le.Problems), len(tc.want), err)
			}
			for i, w := range tc.want {
				p := le.Problems[i]
				col := 0
				if w.at != "" {
					col = strings.Index(lines[w.line-1], w.at) + 1
					if col == 0 {
						t.Fatalf("bad test: %q is not on line %d", w.at, w.line)
					}
				}
				if p.Line != w.line || p.Column != col || p.Field != w.field || !strings.Contains(p.Msg, w.msg) {
					t.Errorf("problem %d = %d:%d %q %q\nwant        %d:%d %q containing %q", i,
						p.Line, p.Column, p.Field, p.Msg, w.line, col, w.field, w.msg)
				}
			}
		})
	}
}

func TestLoadErrorListsEveryProblem(t *testing.T) {
	src := withHead(
		"  - {bay: 0, i2c: {bus: i2c-9}}",
		"  - {bay: 1, i2c: {bus: i2c-1, mux: m, channel: 1}, sled: {fru: {addr: 0x90}}}",
	)
	_, err := Parse("board.yaml", []byte(src))
	got := err.Error()
	want := `board.yaml:9:25: bays[0].i2c.bus: unknown bus "i2c-9" (buses: i2c-1)` + "\n" +
		`board.yaml:10:72: bays[1].sled.fru.addr: 0x90 is not a 7-bit I2C address`
	if got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
}

func TestProblemCap(t *testing.T) {
	var lines []string
	for i := range 150 {
		lines = append(lines, "  - {bay: "+strings.Repeat("x", i%3+1)+", i2c: {bus: nope}}")
	}
	_, err := Parse("big.yaml", []byte(withHead(lines...)))
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("Parse: %v", err)
	}
	if n := len(le.Problems); n != maxProblems+1 {
		t.Fatalf("%d problems, want %d and a summary", n, maxProblems+1)
	}
	if last := le.Problems[maxProblems]; !strings.Contains(last.Msg, "more problems not shown") {
		t.Errorf("last problem = %q", last.Msg)
	}
}
