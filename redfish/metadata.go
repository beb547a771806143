package redfish

import (
	_ "embed"
	"strings"
)

// oemSchemaPath is where the service serves its OEM schema's CSDL.
const oemSchemaPath = "/redfish/v1/schema/Chassisd_v1.xml"

// oemSchema describes the Oem.Chassisd objects, so clients and validators
// can check them like the standard properties.
//
//go:embed schemas/Chassisd_v1.xml
var oemSchema []byte

var oemSchemaDoc = newRendered(oemSchema, contentTypeXML)

func (s *Service) metadataRoutes(rt *router) {
	rt.handle("/redfish/v1/$metadata", s.getMetadata, public)
	// Public like $metadata, which references it: schemas hold no state.
	rt.handle(oemSchemaPath, getOemSchema, public)
}

// getMetadata answers GET /redfish/v1/$metadata, made once in New.
func (s *Service) getMetadata(*reqCtx) (*rendered, error) { return s.metadata, nil }

func getOemSchema(*reqCtx) (*rendered, error) { return oemSchemaDoc, nil }

// metadataDocument is the service's OData CSDL document: a reference to
// DMTF's CSDL for every schema the resources use, with the namespaces their
// @odata.type values name, and the Service entity container, as DMTF's
// mockups have it.
func metadataDocument() []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">` + "\n")
	for _, sc := range allMetadataSchemas() {
		b.WriteString(`  <edmx:Reference Uri="` + sc.csdlURI() + `">` + "\n")
		if !sc.versionedOnly {
			b.WriteString(`    <edmx:Include Namespace="` + sc.name + `"/>` + "\n")
		}
		if sc.version != "" {
			b.WriteString(`    <edmx:Include Namespace="` + sc.namespace() + `"/>` + "\n")
		}
		b.WriteString("  </edmx:Reference>\n")
	}
	b.WriteString(`  <edmx:Reference Uri="` + schemaRedfishExtensions.csdlURI() + `">` + "\n")
	b.WriteString(`    <edmx:Include Namespace="` + schemaRedfishExtensions.namespace() + `" Alias="Redfish"/>` + "\n")
	b.WriteString("  </edmx:Reference>\n")
	b.WriteString("  <edmx:DataServices>\n")
	b.WriteString(`    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Service">` + "\n")
	b.WriteString(`      <EntityContainer Name="Service" Extends="` + schemaServiceRoot.namespace() + `.ServiceContainer"/>` + "\n")
	b.WriteString("    </Schema>\n")
	b.WriteString("  </edmx:DataServices>\n")
	b.WriteString("</edmx:Edmx>\n")
	return []byte(b.String())
}
