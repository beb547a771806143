package redfish

// redfishVersion is the DSP0266 version the service claims: nothing it
// serves needs more than 1.20.0.
const redfishVersion = "1.20.0"

func (s *Service) rootRoutes(rt *router) {
	rt.handle("/redfish", s.getVersions, public)
	rt.handle("/redfish/v1", s.getServiceRoot, public)
	rt.handle("/redfish/v1/odata", s.getODataService, public)
}

// getVersions answers GET /redfish: the protocol versions served.
func (s *Service) getVersions(*reqCtx) (*rendered, error) {
	return renderRawJSON(map[string]string{"v1": "/redfish/v1/"})
}

type serviceRoot struct {
	ODataID                   string           `json:"@odata.id"`
	ODataType                 string           `json:"@odata.type"`
	ID                        string           `json:"Id"`
	Name                      string           `json:"Name"`
	RedfishVersion            string           `json:"RedfishVersion"`
	UUID                      string           `json:"UUID"`
	Product                   string           `json:"Product"`
	Vendor                    string           `json:"Vendor"`
	ProtocolFeaturesSupported protocolFeatures `json:"ProtocolFeaturesSupported"`
	Chassis                   link             `json:"Chassis"`
	Managers                  link             `json:"Managers"`
	AccountService            link             `json:"AccountService"`
	SessionService            link             `json:"SessionService"`
	EventService              link             `json:"EventService"`
	CertificateService        link             `json:"CertificateService"`
	Registries                link             `json:"Registries"`
	UpdateService             link             `json:"UpdateService"`
	Fabrics                   link             `json:"Fabrics"`
	Links                     rootLinks        `json:"Links"`
}

type rootLinks struct {
	Sessions link `json:"Sessions"`
}

// protocolFeatures says which query options work (query.go): $expand with
// every option and $levels up to 1, $select, only, $top/$skip. $filter and
// excerpt are not implemented, so a client does not send them and get a 501.
type protocolFeatures struct {
	ExpandQuery          expandQuery `json:"ExpandQuery"`
	FilterQuery          bool        `json:"FilterQuery"`
	SelectQuery          bool        `json:"SelectQuery"`
	ExcerptQuery         bool        `json:"ExcerptQuery"`
	OnlyMemberQuery      bool        `json:"OnlyMemberQuery"`
	TopSkipQuery         bool        `json:"TopSkipQuery"`
	MultipleHTTPRequests bool        `json:"MultipleHTTPRequests"`
}

type expandQuery struct {
	ExpandAll bool `json:"ExpandAll"`
	Levels    bool `json:"Levels"`
	Links     bool `json:"Links"`
	NoLinks   bool `json:"NoLinks"`
	MaxLevels int  `json:"MaxLevels"`
}

// supportedFeatures is what the service implements. MultipleHTTPRequests:
// HTTP/2 is served, so a client may have several requests in flight on one
// connection.
var supportedFeatures = protocolFeatures{
	ExpandQuery:          expandQuery{ExpandAll: true, Levels: true, Links: true, NoLinks: true, MaxLevels: maxExpandLevels},
	SelectQuery:          true,
	OnlyMemberQuery:      true,
	TopSkipQuery:         true,
	MultipleHTTPRequests: true,
}

// getServiceRoot answers GET /redfish/v1 (and /redfish/v1/).
func (s *Service) getServiceRoot(*reqCtx) (*rendered, error) {
	return renderJSON(serviceRoot{
		ODataID:        "/redfish/v1",
		ODataType:      schemaServiceRoot.odataType(),
		ID:             "RootService",
		Name:           "Root Service",
		RedfishVersion: redfishVersion,
		UUID:           s.cfg.UUID,
		Product:        "chassisd",
		Vendor:         "chassisd",
		// What supportedFeatures claims is tested in query_test.go.
		ProtocolFeaturesSupported: supportedFeatures,
		Chassis:                   link{"/redfish/v1/Chassis"},
		Managers:                  link{"/redfish/v1/Managers"},
		AccountService:            link{accountServicePath},
		SessionService:            link{sessionServicePath},
		EventService:              link{eventServicePath},
		CertificateService:        link{certificateServicePath},
		Registries:                link{registriesPath},
		UpdateService:             link{updateServicePath},
		// Linked on every board: the collection is empty without a switch.
		Fabrics: link{fabricCollectionPath},
		Links:   rootLinks{Sessions: link{sessionsPath}},
	}, schemaServiceRoot)
}

type odataService struct {
	Context string         `json:"@odata.context"`
	Value   []odataElement `json:"value"`
}

type odataElement struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	URL  string `json:"url"`
}

// getODataService answers GET /redfish/v1/odata: the service root and each
// resource directly under it.
func (s *Service) getODataService(*reqCtx) (*rendered, error) {
	return renderRawJSON(odataService{
		Context: "/redfish/v1/$metadata",
		Value: []odataElement{
			{Name: "Service", Kind: "Singleton", URL: "/redfish/v1/"},
			{Name: "Chassis", Kind: "Singleton", URL: "/redfish/v1/Chassis"},
			{Name: "Managers", Kind: "Singleton", URL: "/redfish/v1/Managers"},
			{Name: "AccountService", Kind: "Singleton", URL: accountServicePath},
			{Name: "SessionService", Kind: "Singleton", URL: sessionServicePath},
			{Name: "Sessions", Kind: "Singleton", URL: sessionsPath},
			{Name: "EventService", Kind: "Singleton", URL: eventServicePath},
			{Name: "CertificateService", Kind: "Singleton", URL: certificateServicePath},
			{Name: "Registries", Kind: "Singleton", URL: registriesPath},
			{Name: "UpdateService", Kind: "Singleton", URL: updateServicePath},
			{Name: "Fabrics", Kind: "Singleton", URL: fabricCollectionPath},
		},
	})
}
