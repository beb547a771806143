package redfish

import (
	"strings"

	"github.com/chassisd/chassisd/redfish/events"
)

const registriesPath = "/redfish/v1/Registries"

// Schemas of the Registries family.
var (
	schemaMessageRegistryFile           = schema{name: "MessageRegistryFile", version: "v1_1_3"}
	schemaMessageRegistryFileCollection = schema{name: "MessageRegistryFileCollection"}
	schemaMessageRegistry               = schema{name: "MessageRegistry", version: "v1_7_0"}
)

// registrySchemas are the schemas this family's resources use.
var registrySchemas = []schema{schemaMessageRegistryFile, schemaMessageRegistryFileCollection, schemaMessageRegistry}

// registryFile is one message registry whose MessageIds the service
// sends, in errors, log entries or events.
type registryFile struct {
	id      string // MessageRegistryFile Id: the registry prefix
	version string // "1.22.0"
	// own registries are served here; DMTF's are named by their
	// publication URI, where every client already finds them.
	own  bool
	body func() []byte
}

// registryFiles are the registries behind every MessageId prefix the
// service uses: Base (errors, events), the DMTF registries of the log
// entries, and chassisd's own event registry.
var registryFiles = []registryFile{
	{id: "Base", version: strings.TrimSuffix(strings.TrimPrefix(events.BaseMessageIDPrefix, "Base."), ".") + ".0"},
	{id: "Chassisd", version: events.RegistryVersion, own: true, body: events.RegistryJSON},
	{id: "LogService", version: registryVersion(logServiceRegistry)},
	{id: "ManagerEvent", version: registryVersion(managerEventRegistry)},
	{id: "ResourceEvent", version: registryVersion(resourceEventRegistry)},
}

// registryVersion turns a MessageId prefix "ResourceEvent.1.4." into the
// registry version "1.4.0".
func registryVersion(prefix string) string {
	_, v, _ := strings.Cut(strings.TrimSuffix(prefix, "."), ".")
	return v + ".0"
}

func (f registryFile) majorMinor() string {
	return f.version[:strings.LastIndexByte(f.version, '.')]
}

// uri is where the service serves its own registry file.
func (f registryFile) uri() string {
	return registriesPath + "/" + f.id + "/" + f.id + "." + f.version
}

func findRegistry(id string) (registryFile, bool) {
	for _, f := range registryFiles {
		if f.id == id {
			return f, true
		}
	}
	return registryFile{}, false
}

// registryRoutes registers the Registries collection, one
// MessageRegistryFile per registry, and chassisd's registry itself.
func (s *Service) registryRoutes(rt *router) {
	rt.handle(registriesPath, s.getRegistries)
	rt.handle(registriesPath+"/{}", s.getRegistryFile)
	rt.handle(registriesPath+"/{}/{}", s.getRegistryBody)
}

func (s *Service) getRegistries(*reqCtx) (*rendered, error) {
	members := make([]link, 0, len(registryFiles))
	for _, f := range registryFiles {
		members = append(members, link{registriesPath + "/" + f.id})
	}
	return renderJSON(newCollection(registriesPath, schemaMessageRegistryFileCollection, "Message Registry Files", members),
		schemaMessageRegistryFileCollection)
}

type messageRegistryFile struct {
	ODataID     string             `json:"@odata.id"`
	ODataType   string             `json:"@odata.type"`
	ID          string             `json:"Id"`
	Name        string             `json:"Name"`
	Description string             `json:"Description"`
	Languages   []string           `json:"Languages"`
	Registry    string             `json:"Registry"`
	Location    []registryLocation `json:"Location"`
}

type registryLocation struct {
	Language       string `json:"Language"`
	URI            string `json:"Uri,omitempty"`
	PublicationURI string `json:"PublicationUri,omitempty"`
}

func (s *Service) getRegistryFile(rc *reqCtx) (*rendered, error) {
	f, ok := findRegistry(rc.params[0])
	if !ok {
		return nil, errNotFound(rc.path)
	}
	loc := registryLocation{Language: "en"}
	if f.own {
		loc.URI = f.uri()
	} else {
		loc.PublicationURI = "https://redfish.dmtf.org/registries/" + f.id + "." + f.version + ".json"
	}
	return renderJSON(messageRegistryFile{
		ODataID:     registriesPath + "/" + f.id,
		ODataType:   schemaMessageRegistryFile.odataType(),
		ID:          f.id,
		Name:        f.id + " Message Registry File",
		Description: f.id + " message registry, version " + f.version,
		Languages:   []string{"en"},
		Registry:    f.id + "." + f.majorMinor(),
		Location:    []registryLocation{loc},
	}, schemaMessageRegistryFile)
}

// getRegistryBody serves the registry the service owns at its Location.
func (s *Service) getRegistryBody(rc *reqCtx) (*rendered, error) {
	f, ok := findRegistry(rc.params[0])
	if !ok || !f.own || rc.params[1] != f.id+"."+f.version {
		return nil, errNotFound(rc.path)
	}
	return newRendered(f.body(), contentTypeJSON), nil
}
