package nvmemi_test

import (
	"reflect"
	"testing"

	"github.com/chassisd/chassisd/sled/nvmemi"
)

func TestHealth(t *testing.T) {
	type P = nvmemi.Problem
	tests := []struct {
		name     string
		s        nvmemi.Status
		want     nvmemi.Level
		problems []nvmemi.Problem
	}{
		{"healthy", healthy, nvmemi.OK, nil},
		{"arbitration and links do not matter", with(func(s *nvmemi.Status) {
			s.Arbitration, s.Flags.Port0LinkActive, s.Flags.Port1LinkActive = false, false, true
		}), nvmemi.OK, nil},
		{"spare", with(func(s *nvmemi.Status) { s.Warnings.SpareLow = true }),
			nvmemi.Critical, []P{{nvmemi.Critical, "available spare below threshold"}}},
		{"reliability", with(func(s *nvmemi.Status) { s.Warnings.ReliabilityDegraded = true }),
			nvmemi.Critical, []P{{nvmemi.Critical, "reliability degraded by media or internal errors"}}},
		{"read-only", with(func(s *nvmemi.Status) { s.Warnings.ReadOnly = true }),
			nvmemi.Critical, []P{{nvmemi.Critical, "media placed in read-only mode"}}},
		{"volatile backup", with(func(s *nvmemi.Status) { s.Warnings.VolatileBackupFailed = true }),
			nvmemi.Critical, []P{{nvmemi.Critical, "volatile memory backup failed"}}},
		{"temperature", with(func(s *nvmemi.Status) {
			s.Warnings.TemperatureHigh = true
			s.Temperature.Celsius = 78
		}), nvmemi.Warning, []P{{nvmemi.Warning, "temperature outside the drive's thresholds (78 °C)"}}},
		{"not functional", with(func(s *nvmemi.Status) { s.Flags.Functional = false }),
			nvmemi.Critical, []P{{nvmemi.Critical, "drive not functional"}}},
		{"not ready", with(func(s *nvmemi.Status) { s.Flags.Ready = false }),
			nvmemi.Warning, []P{{nvmemi.Warning, "drive not ready"}}},
		{"reset required", with(func(s *nvmemi.Status) { s.Flags.ResetNotRequired = false }),
			nvmemi.Warning, []P{{nvmemi.Warning, "drive needs a reset to resume normal operation"}}},
		{"no data", with(func(s *nvmemi.Status) { s.Temperature = nvmemi.DecodeTemperature(0x80) }),
			nvmemi.Warning, []P{{nvmemi.Warning, "no temperature data"}}},
		{"sensor failure", with(func(s *nvmemi.Status) { s.Temperature = nvmemi.DecodeTemperature(0x81) }),
			nvmemi.Warning, []P{{nvmemi.Warning, "temperature sensor failure"}}},
		{"reserved temperature code", with(func(s *nvmemi.Status) { s.Temperature = nvmemi.DecodeTemperature(0x90) }),
			nvmemi.Warning, []P{{nvmemi.Warning, "temperature unreadable: reserved code 0x90"}}},
		{"saturated temperatures are readings", with(func(s *nvmemi.Status) { s.Temperature = nvmemi.DecodeTemperature(0x7F) }),
			nvmemi.OK, nil},
		{"life 99 %", with(func(s *nvmemi.Status) { s.PercentLifeUsed = 99 }), nvmemi.OK, nil},
		{"life used up", with(func(s *nvmemi.Status) { s.PercentLifeUsed = 100 }),
			nvmemi.Warning, []P{{nvmemi.Warning, "rated endurance used up (100 % of life used)"}}},
		{"temperature warning without a reading", with(func(s *nvmemi.Status) {
			s.Warnings.TemperatureHigh = true
			s.Temperature = nvmemi.DecodeTemperature(0x81)
		}), nvmemi.Warning, []P{
			{nvmemi.Warning, "temperature outside the drive's thresholds"},
			{nvmemi.Warning, "temperature sensor failure"},
		}},
		{"critical outranks warning, listed first", with(func(s *nvmemi.Status) {
			s.Flags.Ready = false
			s.Warnings.ReadOnly = true
		}), nvmemi.Critical, []P{
			{nvmemi.Critical, "media placed in read-only mode"},
			{nvmemi.Warning, "drive not ready"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ps := nvmemi.Health(tt.s)
			if h != tt.want {
				t.Errorf("health %s, want %s", h, tt.want)
			}
			if !reflect.DeepEqual(ps, tt.problems) {
				t.Errorf("problems %+v, want %+v", ps, tt.problems)
			}
		})
	}
}

// Health levels are spelled as sled.Health's and Redfish's.
func TestLevelStrings(t *testing.T) {
	for l, want := range map[nvmemi.Level]string{nvmemi.OK: "OK", nvmemi.Warning: "Warning", nvmemi.Critical: "Critical"} {
		if string(l) != want {
			t.Errorf("%q, want %q", l, want)
		}
	}
}
