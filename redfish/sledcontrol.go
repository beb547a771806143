package redfish

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/chassisd/chassisd/agent"
)

// SledControl is what the service may ask the agent to do to a sled. The
// service never touches a bus: commands flow down to the agent, which runs
// them over whichever sideband manages the sled.
type SledControl interface {
	SetLocateLED(ctx context.Context, bay int, on bool) error
	ResetSled(ctx context.Context, bay int, kind string) error
}

// SetSledControl connects the sleds' locate LEDs and Chassis.Reset to the
// agent. Without it, LocationIndicatorActive is only recorded and sleds
// offer no Reset action.
func (s *Service) SetSledControl(c SledControl) {
	s.control.Store(&c)
	s.writes.Add(1) // bodies rendered without the Reset action are stale
}

func (s *Service) sledControl() SledControl {
	if c := s.control.Load(); c != nil {
		return *c
	}
	return nil
}

// sledCommandTimeout bounds one command: every retry of every sideband
// fits well inside it.
const sledCommandTimeout = 10 * time.Second

// chassisResetTypes are the ResetType values a sled's Chassis.Reset takes.
var chassisResetTypes = []string{agent.ResetForceRestart, agent.ResetPowerCycle}

func chassisResetPath(id string) string     { return chassisPath(id) + "/Actions/Chassis.Reset" }
func chassisResetInfoPath(id string) string { return chassisPath(id) + "/ResetActionInfo" }

type chassisActions struct {
	Reset resetAction `json:"#Chassis.Reset"`
}

func (s *Service) sledControlRoutes(rt *router) {
	// The privilege registry: Chassis.Reset needs ConfigureComponents,
	// which an Operator has.
	rt.on(chassisCollectionPath+"/{}/Actions/Chassis.Reset", http.MethodPost, s.postChassisReset, privConfigureComponents)
	rt.handle(chassisCollectionPath+"/{}/ResetActionInfo", s.getChassisResetInfo)
}

func (s *Service) getChassisResetInfo(rc *reqCtx) (*rendered, error) {
	id := rc.params[0]
	if rc.snap == nil || findSled(rc.snap, id) == nil || s.sledControl() == nil {
		return nil, errNotFound(rc.path)
	}
	return renderJSON(actionInfo{
		ODataID:   chassisResetInfoPath(id),
		ODataType: schemaActionInfo.odataType(),
		ID:        "ResetActionInfo",
		Name:      "Reset Action Info",
		Parameters: []actionParameter{{
			Name: "ResetType", Required: true, DataType: "String", AllowableValues: chassisResetTypes,
		}},
	}, schemaActionInfo)
}

// postChassisReset is a sled's Chassis.Reset.
func (s *Service) postChassisReset(rc *reqCtx, _ *http.Request, body *props) (*reply, error) {
	id := rc.params[0]
	ctl := s.sledControl()
	var bay *agent.Bay
	if rc.snap != nil {
		bay = findSled(rc.snap, id)
	}
	if bay == nil || ctl == nil {
		return nil, errNotFound(rc.path)
	}
	a := newActionParams("Chassis.Reset", body)
	a.require("ResetType")
	kind, _ := a.enum("ResetType", chassisResetTypes...)
	if e := a.done(); e != nil {
		return nil, e
	}
	ctx, cancel := context.WithTimeout(context.Background(), sledCommandTimeout)
	defer cancel()
	if err := ctl.ResetSled(ctx, bay.Index, kind); err != nil {
		return nil, s.sledCommandError(rc, err)
	}
	s.AppendLog("OK", resourceEventRegistry+"ResourceChanged", "One or more resource properties have changed.", nil, chassisPath(id))
	s.log.Info("sled reset", "chassis", id, "type", kind, "user", rc.who.user)
	return &reply{}, nil
}

// sledCommandError maps what the agent says onto a response: a sled that
// went away is 404, a board without the means is 400, a sled no sideband
// reaches is 503 (it may answer again: the agent keeps trying).
func (s *Service) sledCommandError(rc *reqCtx, err error) error {
	switch {
	case errors.Is(err, agent.ErrNoSled), errors.Is(err, agent.ErrNoSuchBay):
		return errNotFound(rc.path)
	case errors.Is(err, agent.ErrUnsupported):
		return &apiError{status: http.StatusBadRequest, msg: msgActionNotSupported, args: []string{"Chassis.Reset"}}
	}
	s.log.Warn("sled command failed", "path", rc.path, "err", err)
	return &apiError{status: http.StatusServiceUnavailable, msg: msgOperationFailed}
}

// msgActionNotSupported is Base's ActionNotSupported: the board lacks the
// line or part the action needs.
var msgActionNotSupported = message{
	key:        "ActionNotSupported",
	text:       "The action %1 is not supported by the resource.",
	severity:   "Critical",
	resolution: "The action supplied cannot be resubmitted to the implementation.  Perhaps the action was invalid, the wrong resource was the target or the implementation documentation may be of assistance.",
}
