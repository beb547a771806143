package redfish

// ocpRoutes registers the resources the OCP Baseline Hardware Management
// (v1.1) and OCP Service Baseline (v1.0) profiles require beyond the
// inventory: the Chassis thermal and power subsystems, the manager's event
// log, network protocols and interfaces, and the firmware inventory. The
// Chassis PATCH and Manager.Reset are with their resources (chassis.go,
// managers.go), the CertificateService in certificateservice.go.
func (s *Service) ocpRoutes(rt *router) {
	s.chassisSubsystemRoutes(rt)
	s.logServiceRoutes(rt)
	s.networkProtocolRoutes(rt)
	s.ethernetRoutes(rt)
	s.updateServiceRoutes(rt)
}

// ocpSchemas are the schemas this family's resources use.
var ocpSchemas = []schema{
	schemaThermalSubsystem, schemaThermalMetrics, schemaFanCollection,
	schemaPowerSubsystem, schemaEnvironmentMetrics, schemaControlCollection,
	schemaLogService, schemaLogServiceCollection, schemaLogEntry, schemaLogEntryCollection,
	schemaManagerNetworkProtocol,
	schemaEthernetInterface, schemaEthernetInterfaceCollection, schemaIPAddresses,
	schemaActionInfo,
	schemaUpdateService, schemaSoftwareInventory, schemaSoftwareInventoryCollection,
}
