package redfish

import "github.com/chassisd/chassisd/sled"

// schema is one DMTF schema the service emits. Every @odata.type comes from
// this table and $metadata references every entry, so the two cannot drift.
// Versions are the newest in DSP8010 2025.4; each contains every property
// this package emits for that resource.
type schema struct {
	name    string // "Chassis"
	version string // "v1_28_0"; "" for collections, which are unversioned
	// versionedOnly is set for the schema files that define no unversioned
	// namespace (RedfishError, RedfishExtensions).
	versionedOnly bool
	// uri is where the CSDL is, when not at DMTF (the OEM schema).
	uri string
}

// Schemas used by the resources.
var (
	schemaServiceRoot        = schema{name: "ServiceRoot", version: "v1_20_0"}
	schemaChassis            = schema{name: "Chassis", version: "v1_28_0"}
	schemaChassisCollection  = schema{name: "ChassisCollection", version: ""}
	schemaDrive              = schema{name: "Drive", version: "v1_22_0"}
	schemaDriveCollection    = schema{name: "DriveCollection", version: ""}
	schemaSensor             = schema{name: "Sensor", version: "v1_12_0"}
	schemaSensorCollection   = schema{name: "SensorCollection", version: ""}
	schemaManager            = schema{name: "Manager", version: "v1_24_0"}
	schemaManagerCollection  = schema{name: "ManagerCollection", version: ""}
	schemaMessage            = schema{name: "Message", version: "v1_3_0"}
	schemaResource           = schema{name: "Resource", version: "v1_23_0"}
	schemaPhysicalContext    = schema{name: "PhysicalContext", version: ""}
	schemaProtocol           = schema{name: "Protocol", version: ""}
	schemaRedfishExtensions  = schema{name: "RedfishExtensions", version: "v1_0_0", versionedOnly: true}
	schemaRedfishErrorFormat = schema{name: "RedfishError", version: "v1_0_2", versionedOnly: true}
	// schemaOem is chassisd's own: the types of the Oem.Chassisd objects,
	// served by this service (schemas/Chassisd_v1.xml).
	schemaOem = schema{name: "Chassisd", version: "v1_0_0", uri: oemSchemaPath}
)

// metadataSchemas is what $metadata references, in document order. Resource,
// PhysicalContext and Protocol hold types the resources use (Status,
// Location, PhysicalContext, Protocol) rather than resources themselves.
//
// Each resource family file keeps its own schema list (accountSchemas,
// sessionSchemas, ...); allMetadataSchemas joins them.
var metadataSchemas = []schema{
	schemaServiceRoot,
	schemaChassis, schemaChassisCollection,
	schemaDrive, schemaDriveCollection,
	schemaSensor, schemaSensorCollection,
	schemaManager, schemaManagerCollection,
	schemaMessage, schemaResource, schemaPhysicalContext, schemaProtocol,
	schemaRedfishErrorFormat,
	schemaOem,
}

// namespace is the versioned namespace, or the bare name for an unversioned
// schema: "Chassis.v1_28_0", "ChassisCollection".
func (s schema) namespace() string {
	if s.version == "" {
		return s.name
	}
	return s.name + "." + s.version
}

// odataType is the @odata.type value: "#Chassis.v1_28_0.Chassis".
func (s schema) odataType() string { return s.typeOf(s.name) }

// typeOf is the @odata.type of another type in the schema's namespace:
// "#Chassisd.v1_0_0.Drive".
func (s schema) typeOf(typeName string) string {
	return "#" + s.namespace() + "." + typeName
}

// csdlURI is where the schema's CSDL is published.
func (s schema) csdlURI() string {
	if s.uri != "" {
		return s.uri
	}
	return "http://redfish.dmtf.org/schemas/v1/" + s.name + "_v1.xml"
}

// jsonSchemaURI is the JSON Schema a response is described by (the Link
// rel=describedby header), versioned like the @odata.type.
func (s schema) jsonSchemaURI() string {
	return "http://redfish.dmtf.org/schemas/v1/" + s.namespace() + ".json"
}

// link is a reference to another resource.
type link struct {
	ID string `json:"@odata.id"`
}

// status is Resource.Status.
type status struct {
	State        string      `json:"State"`
	Health       sled.Health `json:"Health"`
	HealthRollup sled.Health `json:"HealthRollup,omitempty"`
}

// Resource.State values used here.
const (
	stateEnabled            = "Enabled"
	stateStandbyOffline     = "StandbyOffline"
	stateUnavailableOffline = "UnavailableOffline"
)

// health maps an unset health (a value built before health was known) to OK,
// so the service never emits an empty enum.
func health(h sled.Health) sled.Health {
	if h == "" {
		return sled.HealthOK
	}
	return h
}

// location is Resource.Location with only PartLocation.
type location struct {
	PartLocation partLocation `json:"PartLocation"`
}

type partLocation struct {
	ServiceLabel         string `json:"ServiceLabel,omitempty"`
	LocationType         string `json:"LocationType"`
	LocationOrdinalValue int    `json:"LocationOrdinalValue"`
}

// collection is a resource collection; Members@odata.count is always present.
type collection struct {
	ODataID   string `json:"@odata.id"`
	ODataType string `json:"@odata.type"`
	Name      string `json:"Name"`
	Members   []link `json:"Members"`
	Count     int    `json:"Members@odata.count"`
}

func newCollection(id string, s schema, name string, members []link) collection {
	if members == nil {
		members = []link{}
	}
	return collection{ODataID: id, ODataType: s.odataType(), Name: name, Members: members, Count: len(members)}
}

// allMetadataSchemas is every schema $metadata references: the core ones,
// then each family's, without duplicates.
func allMetadataSchemas() []schema {
	var out []schema
	seen := map[string]bool{}
	for _, group := range [][]schema{metadataSchemas, accountSchemas, sessionSchemas, eventSchemas, registrySchemas, certificateSchemas, ocpSchemas, fabricSchemas} {
		for _, sc := range group {
			if !seen[sc.name] {
				seen[sc.name] = true
				out = append(out, sc)
			}
		}
	}
	return out
}
