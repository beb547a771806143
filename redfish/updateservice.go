package redfish

// UpdateService with the firmware inventory: the OCP Service Baseline
// requires both. chassisd is the manager's firmware; it cannot update
// itself over Redfish (the operator's packaging does that), so the service
// is disabled and the inventory entry is not updateable.
const (
	updateServicePath     = "/redfish/v1/UpdateService"
	firmwareInventoryPath = updateServicePath + "/FirmwareInventory"
	firmwareID            = "chassisd"
	firmwarePath          = firmwareInventoryPath + "/" + firmwareID
)

var (
	schemaUpdateService               = schema{name: "UpdateService", version: "v1_17_0"}
	schemaSoftwareInventory           = schema{name: "SoftwareInventory", version: "v1_13_0"}
	schemaSoftwareInventoryCollection = schema{name: "SoftwareInventoryCollection"}
)

func (s *Service) updateServiceRoutes(rt *router) {
	rt.handle(updateServicePath, s.getUpdateService)
	rt.handle(firmwareInventoryPath, s.getFirmwareInventory)
	rt.handle(firmwarePath, s.getFirmware)
}

type updateService struct {
	ODataID           string `json:"@odata.id"`
	ODataType         string `json:"@odata.type"`
	ID                string `json:"Id"`
	Name              string `json:"Name"`
	Description       string `json:"Description"`
	ServiceEnabled    bool   `json:"ServiceEnabled"`
	Status            status `json:"Status"`
	FirmwareInventory link   `json:"FirmwareInventory"`
}

func (s *Service) getUpdateService(*reqCtx) (*rendered, error) {
	return renderJSON(updateService{
		ODataID:           updateServicePath,
		ODataType:         schemaUpdateService.odataType(),
		ID:                "UpdateService",
		Name:              "Update Service",
		Description:       "Firmware inventory; chassisd is updated by its package, not through Redfish",
		ServiceEnabled:    false,
		Status:            status{State: "Disabled", Health: "OK"},
		FirmwareInventory: link{firmwareInventoryPath},
	}, schemaUpdateService)
}

// getFirmwareInventory lists chassisd once the agent has a snapshot (which
// carries its version).
func (s *Service) getFirmwareInventory(rc *reqCtx) (*rendered, error) {
	var members []link
	if rc.snap != nil {
		members = []link{{firmwarePath}}
	}
	return renderJSON(newCollection(firmwareInventoryPath, schemaSoftwareInventoryCollection,
		"Firmware Inventory", members), schemaSoftwareInventoryCollection)
}

type softwareInventory struct {
	ODataID      string `json:"@odata.id"`
	ODataType    string `json:"@odata.type"`
	ID           string `json:"Id"`
	Name         string `json:"Name"`
	Description  string `json:"Description"`
	SoftwareID   string `json:"SoftwareId"`
	Version      string `json:"Version"`
	Manufacturer string `json:"Manufacturer"`
	Updateable   bool   `json:"Updateable"`
	Status       status `json:"Status"`
	RelatedItem  []link `json:"RelatedItem"`
}

func (s *Service) getFirmware(rc *reqCtx) (*rendered, error) {
	if rc.snap == nil {
		return nil, errNotFound(rc.path)
	}
	return renderJSON(softwareInventory{
		ODataID:      firmwarePath,
		ODataType:    schemaSoftwareInventory.odataType(),
		ID:           firmwareID,
		Name:         "chassisd firmware",
		Description:  "The chassisd agent serving this Redfish service",
		SoftwareID:   firmwareID,
		Version:      rc.snap.Manager.Version,
		Manufacturer: "chassisd",
		Updateable:   false,
		Status:       status{State: stateEnabled, Health: "OK"},
		RelatedItem:  []link{{managerPath}},
	}, schemaSoftwareInventory)
}
