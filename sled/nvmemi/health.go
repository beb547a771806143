package nvmemi

import "fmt"

// Level is a Redfish health value; its strings are sled.Health's.
type Level string

// Health levels, worst last.
const (
	OK       Level = "OK"
	Warning  Level = "Warning"
	Critical Level = "Critical"
)

// Problem is one reason a drive is not healthy, worded for an operator. It
// carries the same fields as sled.Problem.
type Problem struct {
	Health  Level
	Message string
}

// Health maps a status to a Redfish health and the problems behind it,
// Critical ones first.
//
// A raised SMART critical warning other than temperature means data is at
// risk (the drive is running out of spare blocks, has gone read-only, or can
// lose writes on power loss): Critical. A drive that is not functional is
// Critical. A temperature warning, a drive not (yet) ready, one asking for
// a reset, a missing or failed temperature sensor, and rated endurance used
// up are Warnings: the drive still serves data but needs attention.
func Health(s Status) (Level, []Problem) {
	var ps []Problem
	add := func(l Level, msg string) { ps = append(ps, Problem{Health: l, Message: msg}) }

	if !s.Flags.Functional {
		add(Critical, "drive not functional")
	}
	if s.Warnings.SpareLow {
		add(Critical, "available spare below threshold")
	}
	if s.Warnings.ReliabilityDegraded {
		add(Critical, "reliability degraded by media or internal errors")
	}
	if s.Warnings.ReadOnly {
		add(Critical, "media placed in read-only mode")
	}
	if s.Warnings.VolatileBackupFailed {
		add(Critical, "volatile memory backup failed")
	}
	if s.Warnings.TemperatureHigh {
		msg := "temperature outside the drive's thresholds"
		if s.Temperature.Valid {
			msg += fmt.Sprintf(" (%g °C)", s.Temperature.Celsius)
		}
		add(Warning, msg)
	}
	if !s.Flags.Ready {
		add(Warning, "drive not ready")
	}
	if !s.Flags.ResetNotRequired {
		add(Warning, "drive needs a reset to resume normal operation")
	}
	if !s.Temperature.Valid {
		switch s.Temperature.Status {
		case "no data":
			add(Warning, "no temperature data")
		case "sensor failure":
			add(Warning, "temperature sensor failure")
		default:
			add(Warning, "temperature unreadable: "+s.Temperature.Status)
		}
	}
	if s.PercentLifeUsed >= 100 {
		add(Warning, fmt.Sprintf("rated endurance used up (%d %% of life used)", s.PercentLifeUsed))
	}

	h := OK
	for _, p := range ps {
		if p.Health == Critical {
			h = Critical
		} else if h == OK {
			h = p.Health
		}
	}
	return h, ps
}
