package events

import (
	"strconv"

	"github.com/chassisd/chassisd/agent"
)

// Resource types of the records FromChange makes: a sled is a Chassis, a
// drive a Drive. Subscribers' ResourceTypes are matched against these.
const (
	ResourceChassis = "Chassis"
	ResourceDrive   = "Drive"
)

// FromChange turns an agent change into a record about the resource at
// origin (the @odata.id the redfish layer gives the sled or drive). A kind
// this registry has no message for becomes a ChangeReported record with the
// agent's wording, so a new kind is never silently dropped.
func FromChange(c agent.Change, origin string) Record {
	resType := ResourceChassis
	if c.Slot >= 0 {
		resType = ResourceDrive
	}
	slot := strconv.Itoa(c.Slot)
	model, serial := orUnknown(c.Model), orUnknown(c.SerialNumber)
	from, to := orUnknown(c.From), orUnknown(c.To)
	var r Record
	switch c.Kind {
	case agent.SledAdded:
		r = MsgSledAdded.Record(origin, resType, c.BayName, model, serial)
	case agent.SledRemoved:
		r = MsgSledRemoved.Record(origin, resType, c.BayName, model, serial)
	case agent.SledHealthChanged:
		r = MsgSledHealthChanged.Record(origin, resType, c.BayName, from, to)
		r.Severity, r.MessageSeverity = healthSeverity(c.To), healthSeverity(c.To)
	case agent.DriveAdded:
		r = MsgDriveAdded.Record(origin, resType, slot, c.BayName, model, serial)
	case agent.DriveRemoved:
		r = MsgDriveRemoved.Record(origin, resType, slot, c.BayName, model, serial)
	case agent.DriveHealthChanged:
		r = MsgDriveHealthChanged.Record(origin, resType, slot, c.BayName, from, to)
		r.Severity, r.MessageSeverity = healthSeverity(c.To), healthSeverity(c.To)
	case agent.SidebandChanged:
		r = MsgSidebandChanged.Record(origin, resType, c.BayName, from, to)
	case agent.RoutingChanged:
		r = MsgRoutingChanged.Record(origin, resType, subject(c), from, to)
	case agent.LinkStateChanged:
		r = MsgLinkStateChanged.Record(origin, resType, subject(c), from, to)
	default:
		text := c.Message
		if text == "" {
			text = string(c.Kind) + " in " + subject(c)
		}
		r = MsgChangeReported.Record(origin, resType, text)
	}
	return r
}

// subject names the place of a change for messages without a slot argument.
func subject(c agent.Change) string {
	if c.Slot >= 0 {
		return "slot " + strconv.Itoa(c.Slot) + " of the sled in " + c.BayName
	}
	return c.BayName
}

// healthSeverity is the record's severity for a new health: the health
// itself when it is a Health value, Warning when unknown.
func healthSeverity(h string) string {
	switch h {
	case "OK", "Warning", "Critical":
		return h
	}
	return "Warning"
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
