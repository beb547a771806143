package redfish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/chassisd/chassisd/agent"
	"github.com/chassisd/chassisd/redfish/events"
	"github.com/chassisd/chassisd/sled"
)

const (
	eventServicePath  = "/redfish/v1/EventService"
	subscriptionsPath = eventServicePath + "/Subscriptions"
	sseURI            = eventServicePath + "/SSE"
	submitTestEvent   = "EventService.SubmitTestEvent"
	submitTestPath    = eventServicePath + "/Actions/" + submitTestEvent
	submitTestInfo    = eventServicePath + "/SubmitTestEventActionInfo"
	resumeAction      = "EventDestination.ResumeSubscription"
	suspendAction     = "EventDestination.SuspendSubscription"
)

// Schemas of the EventService family. Event is listed so that a client
// can resolve the payloads it receives.
var (
	schemaEventService               = schema{name: "EventService", version: "v1_10_0"}
	schemaEventDestination           = schema{name: "EventDestination", version: "v1_14_0"}
	schemaEventDestinationCollection = schema{name: "EventDestinationCollection"}
	schemaEvent                      = schema{name: "Event", version: "v1_12_0"}
)

// eventSchemas are the schemas this family's resources use.
var eventSchemas = []schema{schemaEventService, schemaEventDestination, schemaEventDestinationCollection, schemaEvent}

// Bounds of the EventService's writable retry settings: enough for a
// destination that reboots, never so much that one dead destination keeps
// a delivery goroutine busy for hours.
const (
	maxRetryAttempts        = 10
	minRetryIntervalSeconds = 1
	maxRetryIntervalSeconds = 3600
)

// eventServiceRoutes registers the EventService, its subscriptions, the
// SSE stream and the test event action, with the privilege registry's
// privileges: anyone logged in reads and may open a stream; subscriptions
// and settings need ConfigureManager, or ConfigureComponents for
// subscriptions (an Operator watches what it composes).
func (s *Service) eventServiceRoutes(rt *router) {
	rt.handle(eventServicePath, s.getEventService, volatile)
	rt.on(eventServicePath, http.MethodPatch, s.patchEventService, privConfigureManager)
	rt.handle(submitTestInfo, s.getSubmitTestEventInfo)
	rt.on(submitTestPath, http.MethodPost, s.postSubmitTestEvent, privConfigureManager)
	rt.handleStream(sseURI, s.serveSSE)
	rt.handle(subscriptionsPath, s.getSubscriptions, volatile)
	rt.on(subscriptionsPath, http.MethodPost, s.postSubscription, privConfigureManager, privConfigureComponents)
	// DSP0266: a create may also POST to the collection's Members URI.
	rt.on(subscriptionsPath+"/Members", http.MethodPost, s.postSubscription, privConfigureManager, privConfigureComponents)
	rt.handle(subscriptionsPath+"/{}", s.getSubscription, volatile)
	rt.on(subscriptionsPath+"/{}", http.MethodPatch, s.patchSubscription, privConfigureManager, privConfigureComponents)
	rt.on(subscriptionsPath+"/{}", http.MethodDelete, s.deleteSubscription, privConfigureManager, privConfigureComponents)
	rt.on(subscriptionsPath+"/{}/Actions/"+resumeAction, http.MethodPost, s.postResumeSubscription, privConfigureManager, privConfigureComponents)
	rt.on(subscriptionsPath+"/{}/Actions/"+suspendAction, http.MethodPost, s.postSuspendSubscription, privConfigureManager, privConfigureComponents)
}

// StartEvents makes the event service persistent: subscriptions and
// settings are kept in stateDir and those kept by an earlier run are
// loaded and delivered to again. Call it once, before serving.
func (s *Service) StartEvents(stateDir string) error {
	b, err := events.New(events.Options{StateDir: stateDir, Logger: s.log, SubscriptionsURI: subscriptionsPath})
	if err != nil {
		return fmt.Errorf("event service: %w", err)
	}
	if old := s.broker.Swap(b); old != nil {
		old.Close()
	}
	return nil
}

// StopEvents ends every SSE stream and push delivery. Call it before
// shutting the HTTP server down, so open streams do not hold it up.
func (s *Service) StopEvents() { s.broker.Load().Close() }

// Publish turns the agent's changes into events for the subscribers and
// entries in the manager's event log. It never blocks on a subscriber or
// the disk, so the agent can call it from its poll loop.
func (s *Service) Publish(changes []agent.Change) {
	b := s.broker.Load()
	for _, c := range changes {
		origin := chassisPath(sledID(c.Bay))
		switch {
		case c.Kind == agent.RoutingChanged:
			origin = fabricEventOrigin
		case c.Kind == agent.LinkStateChanged && c.Bay < 0:
			origin = fabricEventOrigin
		case c.Slot >= 0:
			origin = drivePath(sledID(c.Bay), c.Slot)
		}
		r := events.FromChange(c, origin)
		b.Publish(r)
		s.AppendLog(r.MessageSeverity, r.MessageID, r.Message, r.MessageArgs, origin)
	}
}

// fabricEventOrigin is the origin of routing events and of link events on
// host ports: the PCIe fabric.
const fabricEventOrigin = "/redfish/v1/Fabrics/PCIe"

type eventServiceResource struct {
	ODataID                       string          `json:"@odata.id"`
	ODataType                     string          `json:"@odata.type"`
	ID                            string          `json:"Id"`
	Name                          string          `json:"Name"`
	Description                   string          `json:"Description"`
	Status                        status          `json:"Status"`
	ServiceEnabled                bool            `json:"ServiceEnabled"`
	DeliveryRetryAttempts         int             `json:"DeliveryRetryAttempts"`
	DeliveryRetryIntervalSeconds  int             `json:"DeliveryRetryIntervalSeconds"`
	EventFormatTypes              []string        `json:"EventFormatTypes"`
	RegistryPrefixes              []string        `json:"RegistryPrefixes"`
	ResourceTypes                 []string        `json:"ResourceTypes"`
	ServerSentEventURI            string          `json:"ServerSentEventUri"`
	SSEFilterPropertiesSupported  map[string]bool `json:"SSEFilterPropertiesSupported"`
	SubordinateResourcesSupported bool            `json:"SubordinateResourcesSupported"`
	// The OCP Service Baseline profile makes these three capability flags
	// mandatory: a client reads them before it relies on the exclude
	// filters or asks for the origin's payload in its events.
	ExcludeMessageID                  bool                `json:"ExcludeMessageId"`
	ExcludeRegistryPrefix             bool                `json:"ExcludeRegistryPrefix"`
	IncludeOriginOfConditionSupported bool                `json:"IncludeOriginOfConditionSupported"`
	Subscriptions                     link                `json:"Subscriptions"`
	Actions                           eventServiceActions `json:"Actions"`
}

type eventServiceActions struct {
	SubmitTestEvent actionTarget `json:"#EventService.SubmitTestEvent"`
}

func (s *Service) getEventService(*reqCtx) (*rendered, error) {
	set := s.broker.Load().Settings()
	st := status{State: stateEnabled, Health: sled.HealthOK}
	if !set.ServiceEnabled {
		st.State = "Disabled"
	}
	return renderJSON(eventServiceResource{
		ODataID:                       eventServicePath,
		ODataType:                     schemaEventService.odataType(),
		ID:                            "EventService",
		Name:                          "Event Service",
		Description:                   "Events about sleds, drives, sidebands and routing, pushed to subscribers or streamed as Server-Sent Events",
		Status:                        st,
		ServiceEnabled:                set.ServiceEnabled,
		DeliveryRetryAttempts:         set.DeliveryRetryAttempts,
		DeliveryRetryIntervalSeconds:  int(set.DeliveryRetryInterval / time.Second),
		EventFormatTypes:              []string{events.EventFormatEvent},
		RegistryPrefixes:              []string{"Base", events.RegistryPrefix},
		ResourceTypes:                 []string{events.ResourceChassis, events.ResourceDrive},
		ServerSentEventURI:            sseURI,
		SSEFilterPropertiesSupported:  events.SSEFilterProperties,
		SubordinateResourcesSupported: true,
		// Subscriptions filter on ExcludeMessageIds and
		// ExcludeRegistryPrefixes; events carry OriginOfCondition as a
		// link only, never the origin's payload.
		ExcludeMessageID:                  true,
		ExcludeRegistryPrefix:             true,
		IncludeOriginOfConditionSupported: false,
		Subscriptions:                     link{subscriptionsPath},
		Actions: eventServiceActions{
			SubmitTestEvent: actionTarget{Target: submitTestPath, ActionInfo: submitTestInfo},
		},
	}, schemaEventService)
}

// patchEventService turns the service on or off and sets the retry policy
// of push deliveries.
func (s *Service) patchEventService(rc *reqCtx, _ *http.Request, body *props) (*reply, error) {
	enabled, hasEnabled := body.boolean("ServiceEnabled")
	attempts, hasAttempts := body.integer("DeliveryRetryAttempts", 0, maxRetryAttempts)
	interval, hasInterval := body.integer("DeliveryRetryIntervalSeconds", minRetryIntervalSeconds, maxRetryIntervalSeconds)
	body.readOnly("Id", "Name", "Description", "Status", "EventFormatTypes", "RegistryPrefixes", "ResourceTypes",
		"ServerSentEventUri", "SSEFilterPropertiesSupported", "SubordinateResourcesSupported",
		"ExcludeMessageId", "ExcludeRegistryPrefix", "IncludeOriginOfConditionSupported", "Subscriptions", "Actions")
	if e := body.done(); e != nil {
		return nil, e
	}
	if body.empty() {
		return nil, errNoOperation()
	}
	b := s.broker.Load()
	set := b.Settings()
	if hasEnabled {
		set.ServiceEnabled = enabled
	}
	if hasAttempts {
		set.DeliveryRetryAttempts = int(attempts)
	}
	if hasInterval {
		set.DeliveryRetryInterval = time.Duration(interval) * time.Second
	}
	if err := b.SetSettings(set); err != nil {
		return nil, err
	}
	s.log.Info("event service settings changed", "user", rc.who.user, "enabled", set.ServiceEnabled,
		"retry_attempts", set.DeliveryRetryAttempts, "retry_interval", set.DeliveryRetryInterval)
	res, err := s.getEventService(rc)
	if err != nil {
		return nil, err
	}
	return &reply{res: res}, nil
}

// getSubscriptions lists the push subscriptions and the open SSE streams.
func (s *Service) getSubscriptions(*reqCtx) (*rendered, error) {
	subs := s.broker.Load().Subscriptions()
	members := make([]link, 0, len(subs))
	for _, sub := range subs {
		members = append(members, link{subscriptionsPath + "/" + sub.ID})
	}
	return renderJSON(newCollection(subscriptionsPath, schemaEventDestinationCollection, "Event Subscriptions", members),
		schemaEventDestinationCollection)
}

func (s *Service) getSubscription(rc *reqCtx) (*rendered, error) {
	sub, err := s.broker.Load().Subscription(rc.params[0])
	if err != nil {
		return nil, subscriptionError(rc.path, err)
	}
	return renderJSON(describeSubscription(sub), schemaEventDestination)
}

// subscriptionError maps the broker's errors onto Redfish errors.
func subscriptionError(path string, err error) error {
	var pe *events.PropertyError
	switch {
	case errors.Is(err, events.ErrNotFound):
		return errNotFound(path)
	case errors.Is(err, events.ErrSubscriptionLimit):
		return &apiError{status: http.StatusServiceUnavailable, msg: msgEventSubscriptionLimitExceeded}
	case errors.Is(err, events.ErrServiceDisabled):
		return &apiError{status: http.StatusServiceUnavailable, msg: msgServiceDisabled, args: []string{eventServicePath}}
	case errors.Is(err, events.ErrClosed):
		return &apiError{status: http.StatusServiceUnavailable, msg: msgServiceShuttingDown}
	case errors.As(err, &pe):
		switch pe.Kind {
		case events.Missing:
			return &apiError{status: http.StatusBadRequest, msg: msgPropertyMissing, args: []string{pe.Property}}
		case events.NotInList:
			return &apiError{status: http.StatusBadRequest, msg: msgPropertyValueNotInList, args: []string{pe.Value, pe.Property}}
		default:
			return &apiError{status: http.StatusBadRequest, msg: msgPropertyValueFormatError, args: []string{pe.Value, pe.Property}}
		}
	}
	return err
}

// postSubscription creates a push subscription (EventDestination).
func (s *Service) postSubscription(rc *reqCtx, _ *http.Request, body *props) (*reply, error) {
	body.require("Destination")
	sub := readSubscription(body)
	body.readOnly("Id", "Name", "Description", "Status", "Actions")
	if e := body.done(); e != nil {
		return nil, e
	}
	created, err := s.broker.Load().AddSubscription(sub)
	if err != nil {
		return nil, subscriptionError(rc.path, err)
	}
	s.log.Info("event subscription created", "user", rc.who.user, "id", created.ID, "destination", created.Destination)
	res, err := renderJSON(describeSubscription(created), schemaEventDestination)
	if err != nil {
		return nil, err
	}
	return &reply{status: http.StatusCreated, res: res, header: map[string]string{"Location": subscriptionsPath + "/" + created.ID}}, nil
}

// readSubscription reads the EventDestination properties a client sets
// on create. Validation of the values is the broker's.
func readSubscription(body *props) events.Subscription {
	var sub events.Subscription
	sub.Destination, _ = body.str("Destination")
	sub.Context, _ = body.str("Context")
	sub.Protocol, _ = body.str("Protocol")
	sub.SubscriptionType, _ = body.str("SubscriptionType")
	sub.EventFormatType, _ = body.str("EventFormatType")
	sub.EventTypes, _ = body.strings("EventTypes")
	sub.RegistryPrefixes, _ = body.strings("RegistryPrefixes")
	sub.MessageIDs, _ = body.strings("MessageIds")
	sub.ResourceTypes, _ = body.strings("ResourceTypes")
	sub.Severities, _ = body.strings("Severities")
	sub.ExcludeRegistryPrefixes, _ = body.strings("ExcludeRegistryPrefixes")
	sub.ExcludeMessageIDs, _ = body.strings("ExcludeMessageIds")
	sub.SubordinateResources, _ = body.boolean("SubordinateResources")
	sub.DeliveryRetryPolicy, _ = body.str("DeliveryRetryPolicy")
	if v, ok := body.boolean("VerifyCertificate"); ok {
		sub.VerifyCertificate = &v
	}
	sub.OriginResources, _ = readLinkPaths(body, "OriginResources")
	sub.HTTPHeaders = readHeaders(body, "HttpHeaders")
	return sub
}

// readHeaders reads HttpHeaders: an array of objects of header names to
// string values (EventDestination's HttpHeaderProperty).
func readHeaders(body *props, k string) map[string]string {
	v, ok := body.value(k)
	if !ok {
		return nil
	}
	var list []map[string]string
	if err := json.Unmarshal(v, &list); err != nil {
		body.typeError(k, v)
		return nil
	}
	out := map[string]string{}
	for _, m := range list {
		for name, val := range m {
			out[name] = val
		}
	}
	return out
}

// patchSubscription changes what a client may change after create: its
// Context, retry policy and certificate check.
func (s *Service) patchSubscription(rc *reqCtx, _ *http.Request, body *props) (*reply, error) {
	ctx, hasCtx := body.str("Context")
	policy, hasPolicy := body.str("DeliveryRetryPolicy")
	verify, hasVerify := body.boolean("VerifyCertificate")
	headers := readHeaders(body, "HttpHeaders")
	hasHeaders := headers != nil
	body.readOnly("Id", "Name", "Description", "Destination", "Protocol", "SubscriptionType", "EventFormatType",
		"EventTypes", "RegistryPrefixes", "MessageIds", "ResourceTypes", "OriginResources", "SubordinateResources",
		"Severities", "ExcludeRegistryPrefixes", "ExcludeMessageIds", "Status", "Actions")
	if e := body.done(); e != nil {
		return nil, e
	}
	if body.empty() {
		return nil, errNoOperation()
	}
	sub, err := s.broker.Load().Update(rc.params[0], func(sub *events.Subscription) {
		if hasCtx {
			sub.Context = ctx
		}
		if hasPolicy {
			sub.DeliveryRetryPolicy = policy
		}
		if hasVerify {
			sub.VerifyCertificate = &verify
		}
		if hasHeaders {
			sub.HTTPHeaders = headers
		}
	})
	if err != nil {
		return nil, subscriptionError(rc.path, err)
	}
	res, err := renderJSON(describeSubscription(sub), schemaEventDestination)
	if err != nil {
		return nil, err
	}
	return &reply{res: res}, nil
}

func (s *Service) deleteSubscription(rc *reqCtx, _ *http.Request, _ *props) (*reply, error) {
	if err := s.broker.Load().RemoveSubscription(rc.params[0]); err != nil {
		return nil, subscriptionError(rc.path, err)
	}
	s.log.Info("event subscription deleted", "user", rc.who.user, "id", rc.params[0])
	return &reply{}, nil
}

// postResumeSubscription re-enables a subscription suspended after its
// retries ran out (or by SuspendSubscription).
func (s *Service) postResumeSubscription(rc *reqCtx, _ *http.Request, body *props) (*reply, error) {
	return s.setSubscriptionState(rc, body, resumeAction, events.StateEnabled)
}

func (s *Service) postSuspendSubscription(rc *reqCtx, _ *http.Request, body *props) (*reply, error) {
	return s.setSubscriptionState(rc, body, suspendAction, events.StateDisabled)
}

func (s *Service) setSubscriptionState(rc *reqCtx, body *props, action, state string) (*reply, error) {
	if e := newActionParams(action, body).done(); e != nil {
		return nil, e
	}
	id := rc.params[0]
	if _, err := s.broker.Load().Update(id, func(sub *events.Subscription) { sub.State = state }); err != nil {
		return nil, subscriptionError(subscriptionsPath+"/"+id, err)
	}
	return &reply{}, nil
}

// eventDestination is an EventDestination as rendered. HttpHeaders is
// always empty: the schema says the headers shall not be shown.
type eventDestination struct {
	ODataID                 string              `json:"@odata.id"`
	ODataType               string              `json:"@odata.type"`
	ID                      string              `json:"Id"`
	Name                    string              `json:"Name"`
	Destination             string              `json:"Destination"`
	Context                 string              `json:"Context"`
	Protocol                string              `json:"Protocol"`
	SubscriptionType        string              `json:"SubscriptionType"`
	EventFormatType         string              `json:"EventFormatType"`
	EventTypes              []string            `json:"EventTypes,omitempty"`
	RegistryPrefixes        []string            `json:"RegistryPrefixes"`
	MessageIDs              []string            `json:"MessageIds"`
	ResourceTypes           []string            `json:"ResourceTypes"`
	OriginResources         []link              `json:"OriginResources"`
	SubordinateResources    bool                `json:"SubordinateResources"`
	Severities              []string            `json:"Severities"`
	ExcludeRegistryPrefixes []string            `json:"ExcludeRegistryPrefixes"`
	ExcludeMessageIDs       []string            `json:"ExcludeMessageIds"`
	DeliveryRetryPolicy     string              `json:"DeliveryRetryPolicy,omitempty"`
	VerifyCertificate       *bool               `json:"VerifyCertificate,omitempty"`
	HTTPHeaders             []map[string]string `json:"HttpHeaders"`
	Status                  status              `json:"Status"`
	Actions                 destinationActions  `json:"Actions"`
}

type destinationActions struct {
	Resume  actionTarget `json:"#EventDestination.ResumeSubscription"`
	Suspend actionTarget `json:"#EventDestination.SuspendSubscription"`
}

func describeSubscription(sub events.Subscription) eventDestination {
	id := subscriptionsPath + "/" + sub.ID
	origins := make([]link, 0, len(sub.OriginResources))
	for _, o := range sub.OriginResources {
		origins = append(origins, link{o})
	}
	st := status{State: sub.State, Health: sled.HealthOK}
	if sub.State != events.StateEnabled {
		st.Health = sled.HealthWarning
	}
	return eventDestination{
		ODataID:                 id,
		ODataType:               schemaEventDestination.odataType(),
		ID:                      sub.ID,
		Name:                    "Event Subscription " + sub.ID,
		Destination:             sub.Destination,
		Context:                 sub.Context,
		Protocol:                sub.Protocol,
		SubscriptionType:        sub.SubscriptionType,
		EventFormatType:         sub.EventFormatType,
		EventTypes:              sub.EventTypes,
		RegistryPrefixes:        orEmpty(sub.RegistryPrefixes),
		MessageIDs:              orEmpty(sub.MessageIDs),
		ResourceTypes:           orEmpty(sub.ResourceTypes),
		OriginResources:         origins,
		SubordinateResources:    sub.SubordinateResources,
		Severities:              orEmpty(sub.Severities),
		ExcludeRegistryPrefixes: orEmpty(sub.ExcludeRegistryPrefixes),
		ExcludeMessageIDs:       orEmpty(sub.ExcludeMessageIDs),
		DeliveryRetryPolicy:     sub.DeliveryRetryPolicy,
		VerifyCertificate:       sub.VerifyCertificate,
		HTTPHeaders:             []map[string]string{},
		Status:                  st,
		Actions: destinationActions{
			Resume:  actionTarget{Target: id + "/Actions/" + resumeAction},
			Suspend: actionTarget{Target: id + "/Actions/" + suspendAction},
		},
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// serveSSE opens a Server-Sent Events stream. Its $filter selects the
// events; Last-Event-ID resumes after the last payload a client saw.
func (s *Service) serveSSE(rc *reqCtx, w http.ResponseWriter, r *http.Request, q *query) {
	var filter events.Filter
	if q != nil {
		if q.only || q.hasTop || q.hasSkip || q.selects != nil || q.expand != expandNone {
			writeError(w, r, errQueryNotSupportedOnResource())
			return
		}
		if q.hasFilter {
			f, err := events.ParseSSEFilter(q.filter)
			if err != nil {
				writeError(w, r, &apiError{status: http.StatusBadRequest, msg: msgQueryParameterValueFormatError,
					args: []string{shortValue([]byte(`"` + q.filter + `"`)), "$filter"}})
				return
			}
			filter = f
		}
	}
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		return
	}
	st, err := s.broker.Load().OpenSSE(filter, firstValue(r.Header["Last-Event-Id"]))
	if err != nil {
		writeError(w, r, asAPIError(s, rc.path, subscriptionError(rc.path, err)))
		return
	}
	s.log.Info("SSE stream opened", "user", rc.who.user, "id", st.ID(), "remote", r.RemoteAddr, "filter", filter.String())
	ctx := r.Context()
	if rc.who.session != "" {
		// DSP0266: a stream opened on a session ends with the session
		// (logout, expiry, the account removed).
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go s.endWithSession(ctx, cancel, rc.who.session)
	}
	if err := st.Serve(ctx, w); err != nil {
		s.log.Info("SSE stream ended", "id", st.ID(), "err", err)
	}
}

// sessionWatch is how often an SSE stream checks that its session lives.
const sessionWatch = time.Second

// endWithSession calls end once the session is gone.
func (s *Service) endWithSession(ctx context.Context, end context.CancelFunc, id string) {
	t := time.NewTicker(sessionWatch)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, ok := s.sessions.get(id); !ok {
				s.log.Info("SSE stream ended with its session", "session", id)
				end()
				return
			}
		}
	}
}

// submitTestEventParams are SubmitTestEvent's parameters (EventService
// v1_10), sorted for its ActionInfo.
var submitTestEventParams = []actionParameter{
	{Name: "EventGroupId", DataType: "Number"},
	{Name: "EventId", DataType: "String"},
	{Name: "EventTimestamp", DataType: "String"},
	{Name: "EventType", DataType: "String", AllowableValues: []string{"StatusChange", "ResourceUpdated", "ResourceAdded", "ResourceRemoved", "Alert", "Other"}},
	{Name: "Message", DataType: "String"},
	{Name: "MessageArgs", DataType: "StringArray"},
	{Name: "MessageId", Required: true, DataType: "String"},
	{Name: "MessageSeverity", DataType: "String", AllowableValues: []string{"OK", "Warning", "Critical"}},
	{Name: "OriginOfCondition", DataType: "String"},
	{Name: "Severity", DataType: "String"},
}

func (s *Service) getSubmitTestEventInfo(*reqCtx) (*rendered, error) {
	return renderJSON(actionInfo{
		ODataID:    submitTestInfo,
		ODataType:  schemaActionInfo.odataType(),
		ID:         "SubmitTestEventActionInfo",
		Name:       "Submit Test Event Action Info",
		Parameters: submitTestEventParams,
	}, schemaActionInfo)
}

// postSubmitTestEvent sends a client-made event to the subscribers, so a
// destination can be checked end to end.
func (s *Service) postSubmitTestEvent(rc *reqCtx, _ *http.Request, body *props) (*reply, error) {
	a := newActionParams(submitTestEvent, body)
	a.require("MessageId")
	msgID, _ := a.str("MessageId")
	message, _ := a.str("Message")
	args, _ := a.strs("MessageArgs")
	sev, hasSev := a.enum("MessageSeverity", "OK", "Warning", "Critical")
	oldSev, hasOldSev := a.str("Severity")
	eventType, hasType := a.enum("EventType", "StatusChange", "ResourceUpdated", "ResourceAdded", "ResourceRemoved", "Alert", "Other")
	origin, hasOrigin := a.str("OriginOfCondition")
	eventID, _ := a.str("EventId")
	stamp, hasStamp := a.str("EventTimestamp")
	a.raw("EventGroupId") // accepted; a test event belongs to no group
	if e := a.done(); e != nil {
		return nil, e
	}
	if prefix, _ := events.SplitMessageID(msgID); prefix == "" {
		return nil, errActionValue(submitTestEvent, "MessageId")
	}
	if hasOrigin && !isRedfishURI(origin) {
		return nil, errActionValue(submitTestEvent, "OriginOfCondition")
	}
	r := events.Record{
		EventID: eventID, EventType: "Other", MessageID: msgID, Message: message, MessageArgs: args,
		MessageSeverity: "OK", Severity: "OK", OriginOfCondition: origin,
	}
	if hasType {
		r.EventType = eventType
	}
	if hasSev {
		r.MessageSeverity, r.Severity = sev, sev
	} else if hasOldSev && (oldSev == "OK" || oldSev == "Warning" || oldSev == "Critical") {
		r.MessageSeverity, r.Severity = oldSev, oldSev
	}
	if hasStamp {
		t, err := time.Parse(time.RFC3339, stamp)
		if err != nil {
			return nil, errActionValue(submitTestEvent, "EventTimestamp")
		}
		r.EventTimestamp = t
	}
	s.broker.Load().Publish(r)
	s.log.Info("test event submitted", "user", rc.who.user, "message_id", msgID)
	return &reply{}, nil
}

// isRedfishURI accepts a resource path of this service.
func isRedfishURI(u string) bool {
	p, ok := canonicalPath(u)
	return ok && (p == "/redfish/v1" || len(p) > len("/redfish/v1/") && p[:len("/redfish/v1/")] == "/redfish/v1/")
}
