package pldm

// The sled MCU's sensors and effecters.
//
// DSP0248 lets a terminus describe its sensors and effecters in PDRs that a
// requester downloads. chassisd's sled MCU does not carry a PDR repository;
// instead the agent and the simulated MCU share the fixed layout below. The
// state values come from DSP0249 state sets (the set named by each
// constant), as checked against libpldm's state_set.h, so a later PDR
// repository can describe this layout without changing a byte on the wire.
//
//	ID              kind            composite  meaning
//	0x0001          numeric sensor  -          sled temperature, degrees C
//	0x0010+slot     numeric sensor  -          drive temperature in slot, degrees C
//	0x0100+slot     state sensor    2          [0] presence, [1] health of slot
//	0x0200          state effecter  1          locate LED (identify)
//	0x0210+slot     state effecter  1          slot power
//	0x0220          state effecter  1          sled reset pulse
//
// Slots are numbered from 0 and at most MaxSlots exist: slot power
// effecters for slot 16 and up would collide with the reset effecter.

// MaxSlots is the number of drive slots the layout has room for.
const MaxSlots = 16

// InvalidID is what the slot helpers return for a slot outside
// 0..MaxSlots-1: an ID no MCU answers (libpldm uses it as "no effecter").
const InvalidID uint16 = 0xFFFF

// Numeric sensors. Temperatures are whole degrees Celsius, sent as
// SensorDataSint8 or SensorDataSint16.
const (
	SensorSledTemp     uint16 = 0x0001
	sensorSlotTempBase uint16 = 0x0010
)

// SlotTempSensor returns the numeric sensor of the drive temperature in slot.
func SlotTempSensor(slot int) uint16 { return slotID(sensorSlotTempBase, slot) }

// SlotOfTempSensor returns the slot whose drive temperature sensor id is.
func SlotOfTempSensor(id uint16) (int, bool) { return slotOf(sensorSlotTempBase, id) }

// State sensors: one composite sensor of two per slot.
const (
	sensorSlotStateBase uint16 = 0x0100
	// SlotStateCount is the composite count of a slot state sensor.
	SlotStateCount = 2
	// SlotStatePresence and SlotStateHealth index the composite fields.
	SlotStatePresence = 0
	SlotStateHealth   = 1
)

// SlotStateSensor returns the composite state sensor of slot.
func SlotStateSensor(slot int) uint16 { return slotID(sensorSlotStateBase, slot) }

// SlotOfStateSensor returns the slot whose state sensor id is.
func SlotOfStateSensor(id uint16) (int, bool) { return slotOf(sensorSlotStateBase, id) }

// DSP0249 state set IDs used by the layout.
const (
	StateSetHealth      uint16 = 1   // "Health State"
	StateSetPresence    uint16 = 13  // "Presence"
	StateSetIdentify    uint16 = 17  // "Identify State"
	StateSetDevicePower uint16 = 257 // "Device Power State"
)

// Presence state set (13) values.
const (
	PresencePresent    uint8 = 1
	PresenceNotPresent uint8 = 2
)

// Health state set (1) values. DSP0249 has no "unknown" in this set: the
// issue's draft had 5 for it, but 5 is Upper Non-Critical. A slot whose
// health is not known (empty, or the drive does not answer) reports
// presentState 0 with sensorOperationalState SensorStatusUnknown, as
// DSP0248 readings do for a state that cannot be determined.
const (
	HealthUnknown          uint8 = 0 // not a DSP0249 value; see above
	HealthNormal           uint8 = 1
	HealthNonCritical      uint8 = 2
	HealthCritical         uint8 = 3
	HealthFatal            uint8 = 4
	HealthUpperNonCritical uint8 = 5
	HealthLowerNonCritical uint8 = 6
	HealthUpperCritical    uint8 = 7
	HealthLowerCritical    uint8 = 8
	HealthUpperFatal       uint8 = 9
	HealthLowerFatal       uint8 = 10
)

// Effecters.
const (
	// EffecterLocateLED drives the sled's locate LED with the Identify
	// State set (17).
	EffecterLocateLED uint16 = 0x0200
	// EffecterSledReset pulses the sled reset: writing ResetRequested
	// resets the sled, after which the effecter reads ResetNormal again.
	// No DSP0249 set is claimed for it; the values are chassisd's.
	EffecterSledReset uint16 = 0x0220

	effecterSlotPowerBase uint16 = 0x0210
)

// EffecterSlotPower returns the effecter of slot's power, which uses the
// Device Power State set (257): PowerOn (D0, "fully on") and PowerOff (D3).
// Of the two sets the issue allowed, 257's values are the ones libpldm
// confirms; Power Supply State (256) describes a supply, not a load.
func EffecterSlotPower(slot int) uint16 { return slotID(effecterSlotPowerBase, slot) }

// SlotOfPowerEffecter returns the slot whose power effecter id is.
func SlotOfPowerEffecter(id uint16) (int, bool) { return slotOf(effecterSlotPowerBase, id) }

// Identify state set (17) values, for EffecterLocateLED.
const (
	IdentifyUnasserted uint8 = 1 // LED off
	IdentifyAsserted   uint8 = 2 // LED on
)

// Device Power State set (257) values, for EffecterSlotPower.
const (
	PowerOn  uint8 = 1 // "Fully On"
	PowerOff uint8 = 4 // "Off"
)

// Sled reset effecter values.
const (
	ResetNormal    uint8 = 1
	ResetRequested uint8 = 2
)

func slotID(base uint16, slot int) uint16 {
	if slot < 0 || slot >= MaxSlots {
		return InvalidID
	}
	return base + uint16(slot)
}

func slotOf(base, id uint16) (int, bool) {
	if id < base || id >= base+MaxSlots {
		return 0, false
	}
	return int(id - base), true
}
