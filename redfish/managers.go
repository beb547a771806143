package redfish

import (
	"fmt"
	"net/http"
)

const (
	managerCollectionPath = "/redfish/v1/Managers"
	managerID             = "bmc"
	managerPath           = managerCollectionPath + "/" + managerID
	managerResetPath      = managerPath + "/Actions/Manager.Reset"
	managerResetInfoPath  = managerPath + "/ResetActionInfo"
)

// managerResetTypes are the ResetType values Manager.Reset takes: both
// restart chassisd (the lead's reset handler decides how).
var managerResetTypes = []string{"ForceRestart", "GracefulRestart"}

func (s *Service) managerRoutes(rt *router) {
	rt.handle(managerCollectionPath, s.getManagerCollection)
	// DateTime changes every second, so the Manager is never kept.
	rt.handle(managerCollectionPath+"/{}", s.getManager, volatile)
	rt.on(managerResetPath, http.MethodPost, s.postManagerReset, privConfigureManager)
	rt.handle(managerResetInfoPath, s.getManagerResetInfo)
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
	ODataID               string         `json:"@odata.id"`
	ODataType             string         `json:"@odata.type"`
	ID                    string         `json:"Id"`
	Name                  string         `json:"Name"`
	ManagerType           string         `json:"ManagerType"`
	Model                 string         `json:"Model"`
	FirmwareVersion       string         `json:"FirmwareVersion,omitempty"`
	DateTime              string         `json:"DateTime"`
	DateTimeLocalOffset   string         `json:"DateTimeLocalOffset"`
	UUID                  string         `json:"UUID"`
	ServiceEntryPointUUID string         `json:"ServiceEntryPointUUID"`
	Status                status         `json:"Status"`
	NetworkProtocol       link           `json:"NetworkProtocol"`
	EthernetInterfaces    link           `json:"EthernetInterfaces"`
	LogServices           link           `json:"LogServices"`
	Links                 managerLinks   `json:"Links"`
	Actions               managerActions `json:"Actions"`
	Oem                   managerOem     `json:"Oem"`
}

type managerActions struct {
	Reset resetAction `json:"#Manager.Reset"`
}

// resetAction is the Manager.Reset entry of Actions. The schema asks for
// the allowable values on the action even when there is an ActionInfo.
type resetAction struct {
	Target          string   `json:"target"`
	ActionInfo      string   `json:"@Redfish.ActionInfo"`
	AllowableValues []string `json:"ResetType@Redfish.AllowableValues"`
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
		NetworkProtocol:       link{networkProtocolPath},
		EthernetInterfaces:    link{ethernetInterfacesPath},
		LogServices:           link{logServicesPath},
		Links:                 managerLinks{ManagerForChassis: chassis, ManagerForChassisCount: len(chassis)},
		Actions: managerActions{Reset: resetAction{
			Target: managerResetPath, ActionInfo: managerResetInfoPath, AllowableValues: managerResetTypes,
		}},
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

// postManagerReset is Manager.Reset: it hands the ResetType (the schema
// leaves a reset without one to the service: GracefulRestart) to the reset
// handler, which schedules the restart after this response; without one
// it only logs. The event log records the reset (ManagerEvent ManagerReset).
func (s *Service) postManagerReset(rc *reqCtx, _ *http.Request, body *props) (*reply, error) {
	if rc.snap == nil {
		return nil, errNotFound(rc.path)
	}
	a := newActionParams("Manager.Reset", body)
	resetType, ok := a.enum("ResetType", managerResetTypes...)
	if e := a.done(); e != nil {
		return nil, e
	}
	if !ok {
		resetType = "GracefulRestart"
	}
	s.AppendLog("OK", managerEventRegistry+"ManagerReset",
		"Manager `"+managerID+"` performed a '"+resetType+"' type of reset.",
		[]string{managerID, resetType}, managerPath)
	fn := s.ocp.resetHandler()
	if fn == nil {
		s.log.Warn("manager reset requested; no reset handler, nothing restarts", "reset_type", resetType, "user", rc.who.user)
		return &reply{status: http.StatusNoContent}, nil
	}
	s.log.Info("manager reset requested", "reset_type", resetType, "user", rc.who.user)
	if err := fn(resetType); err != nil {
		return nil, fmt.Errorf("manager reset %s: %w", resetType, err)
	}
	return &reply{status: http.StatusNoContent}, nil
}

func (s *Service) getManagerResetInfo(rc *reqCtx) (*rendered, error) {
	if rc.snap == nil {
		return nil, errNotFound(rc.path)
	}
	return renderJSON(actionInfo{
		ODataID:   managerResetInfoPath,
		ODataType: schemaActionInfo.odataType(),
		ID:        "ResetActionInfo",
		Name:      "Reset Action Info",
		Parameters: []actionParameter{{
			Name: "ResetType", DataType: "String", AllowableValues: managerResetTypes, DefaultValue: "GracefulRestart",
		}},
	}, schemaActionInfo)
}
