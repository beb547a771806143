package redfish

import (
	"strconv"

	"github.com/chassisd/chassisd/agent"
	"github.com/chassisd/chassisd/sled"
)

// withFabric adds what the fabric says about a drive: the Endpoint of the
// switch port it sits behind and, when that port has lost its link, a
// Warning with the reason, since no host can reach the drive.
func withFabric(snap *agent.Snapshot, bay, slot int, d *drive) {
	p := portForDrive(snap.Fabric, bay, slot)
	if p == nil {
		return
	}
	d.Links.Endpoints = []link{{targetPath(p.Phys)}}
	if p.LinkUp {
		return
	}
	d.Status.Health = sled.Worse(d.Status.Health, sled.HealthWarning)
	msg := "PCIe link down on interposer drive port " + strconv.Itoa(p.Phys)
	for _, pr := range d.Oem.Chassisd.Problems {
		if pr.Message == msg {
			return
		}
	}
	d.Oem.Chassisd.Problems = append(d.Oem.Chassisd.Problems, problem{Health: sled.HealthWarning, Message: msg})
}
