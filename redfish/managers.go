package redfish

const (
	managerCollectionPath = "/redfish/v1/Managers"
	managerID             = "bmc"
	managerPath           = managerCollectionPath + "/" + managerID
)

func (s *Service) managerRoutes(rt *router) {
	rt.handle(managerCollectionPath, s.getManagerCollection)
	// DateTime changes every second, so the Manager is never kept.
	rt.handle(managerCollectionPath+"/{}", s.getManager, volatile)
}

// getManagerCollection lists the BMC once the agent has a snapshot; like
// every collection it is empty before the first walk.
func (s *Service) getManagerCollection(rc *reqCtx) (*rendered, error) {
	var members []link
	if rc.snap != nil {
		members = []link{{managerPath}}
	}
	return renderJSON(newCollection(managerCollectionPath, schemaManagerCollection, "Manager Collection", members), schemaManagerCollection)
}

// manager is the Manager resource: chassisd on its BMC.
type manager struct {
	ODataID               string       `json:"@odata.id"`
	ODataType             string       `json:"@odata.type"`
	ID                    string       `json:"Id"`
	Name                  string       `json:"Name"`
	ManagerType           string       `json:"ManagerType"`
	Model                 string       `json:"Model"`
	FirmwareVersion       string       `json:"FirmwareVersion,omitempty"`
	DateTime              string       `json:"DateTime"`
	DateTimeLocalOffset   string       `json:"DateTimeLocalOffset"`
	UUID                  string       `json:"UUID"`
	ServiceEntryPointUUID string       `json:"ServiceEntryPointUUID"`
	Status                status       `json:"Status"`
	Links                 managerLinks `json:"Links"`
	Oem                   managerOem   `json:"Oem"`
}

type managerLinks struct {
	ManagerForChassis      []link `json:"ManagerForChassis"`
	ManagerForChassisCount int    `json:"ManagerForChassis@odata.count"`
}

type managerOem struct {
	Chassisd chassisdManager `json:"Chassisd"`
}

type chassisdManager struct {
	ODataType           string  `json:"@odata.type"`
	Commit              string  `json:"Commit,omitempty"`
	GoVersion           string  `json:"GoVersion,omitempty"`
	Simulated           bool    `json:"Simulated"`
	PollIntervalSeconds float64 `json:"PollIntervalSeconds"`
	// SnapshotGeneration and SnapshotTime say how fresh the data served
	// is: the agent publishes a new snapshot after every walk or poll.
	SnapshotGeneration uint64 `json:"SnapshotGeneration"`
	SnapshotTime       string `json:"SnapshotTime,omitempty"`
}

// dateTimeFormat is RFC 3339 with a numeric offset, never "Z", as
// Redfish's DateTime and DateTimeLocalOffset pair expects.
const dateTimeFormat = "2006-01-02T15:04:05-07:00"

func (s *Service) getManager(rc *reqCtx) (*rendered, error) {
	if rc.snap == nil || rc.params[0] != managerID {
		return nil, errNotFound(rc.path)
	}
	snap := rc.snap
	now := s.now()
	chassis := allChassis(snap)
	if chassis == nil {
		chassis = []link{}
	}
	snapTime := ""
	if !snap.Taken.IsZero() {
		snapTime = snap.Taken.Format(dateTimeFormat)
	}
	return renderJSON(manager{
		ODataID:               managerPath,
		ODataType:             schemaManager.odataType(),
		ID:                    managerID,
		Name:                  "chassisd",
		ManagerType:           "BMC",
		Model:                 "chassisd",
		FirmwareVersion:       snap.Manager.Version,
		DateTime:              now.Format(dateTimeFormat),
		DateTimeLocalOffset:   now.Format("-07:00"),
		UUID:                  s.cfg.UUID,
		ServiceEntryPointUUID: s.cfg.UUID,
		Status:                status{State: stateEnabled, Health: "OK"},
		Links:                 managerLinks{ManagerForChassis: chassis, ManagerForChassisCount: len(chassis)},
		Oem: managerOem{Chassisd: chassisdManager{
			ODataType:           schemaOem.typeOf("Manager"),
			Commit:              snap.Manager.Commit,
			GoVersion:           snap.Manager.GoVersion,
			Simulated:           snap.Enclosure.Simulated,
			PollIntervalSeconds: snap.Manager.PollInterval.Seconds(),
			SnapshotGeneration:  snap.Generation,
			SnapshotTime:        snapTime,
		}},
	}, schemaManager)
}
