package events

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Values of the EventDestination properties the broker uses.
const (
	SubscriptionTypePush = "RedfishEvent" // HTTP POST to Destination
	SubscriptionTypeSSE  = "SSE"          // an open ServerSentEventUri stream

	ProtocolRedfish  = "Redfish"
	EventFormatEvent = "Event"

	// PolicySuspend suspends a subscription (State Disabled) after the
	// retries; PolicyTerminate deletes it. The RetryForever policies are
	// refused: a destination that keeps failing must not be retried forever.
	PolicySuspend   = "SuspendRetries"
	PolicyTerminate = "TerminateAfterRetries"

	StateEnabled  = "Enabled"
	StateDisabled = "Disabled" // what EventDestination says a suspended subscription shows
)

// Limits on what a client may store in a subscription.
const (
	maxListLen     = 32
	maxStringLen   = 256
	maxURLLen      = 2048
	maxHeaders     = 16
	maxHeaderBytes = 4096
)

// Subscription is an EventDestination. JSON tags are the Redfish property
// names; the broker persists push subscriptions in that form.
type Subscription struct {
	ID string `json:"Id"`
	// SubscriptionType is "RedfishEvent" (push) or "SSE".
	SubscriptionType string `json:"SubscriptionType"`
	// Destination is the absolute http or https URL events are POSTed to;
	// empty for SSE.
	Destination     string `json:"Destination,omitempty"`
	Context         string `json:"Context"`
	Protocol        string `json:"Protocol"`
	EventFormatType string `json:"EventFormatType"`
	// The inclusive filters: an empty list does not filter. A record passes
	// MessageIds and RegistryPrefixes if it matches either (EventDestination
	// v1_16). EventTypes is deprecated; "Other" in it means any type.
	EventTypes       []string `json:"EventTypes,omitempty"`
	RegistryPrefixes []string `json:"RegistryPrefixes,omitempty"`
	MessageIDs       []string `json:"MessageIds,omitempty"`
	ResourceTypes    []string `json:"ResourceTypes,omitempty"`
	OriginResources  []string `json:"OriginResources,omitempty"`
	// SubordinateResources widens OriginResources to the resources below
	// them.
	SubordinateResources bool     `json:"SubordinateResources,omitempty"`
	Severities           []string `json:"Severities,omitempty"`
	// The exclusive filters.
	ExcludeRegistryPrefixes []string `json:"ExcludeRegistryPrefixes,omitempty"`
	ExcludeMessageIDs       []string `json:"ExcludeMessageIds,omitempty"`

	DeliveryRetryPolicy string `json:"DeliveryRetryPolicy"`
	// VerifyCertificate says whether an https Destination's certificate is
	// verified (against the system roots and Options.RootCAs). nil means
	// the default, true: ApplyDefaults sets it.
	VerifyCertificate *bool `json:"VerifyCertificate,omitempty"`
	// HTTPHeaders are sent with every POST (a destination's own
	// authentication). EventDestination says they shall not be shown in
	// responses: the redfish layer must render HttpHeaders as empty.
	HTTPHeaders map[string]string `json:"HttpHeaders,omitempty"`
	// State is Status.State: "Enabled", or "Disabled" once suspended.
	State string `json:"State"`

	filter Filter // SSE only: the stream's $filter
}

// ApplyDefaults fills what a client may omit when creating a push
// subscription.
func (s *Subscription) ApplyDefaults() {
	if s.SubscriptionType == "" {
		s.SubscriptionType = SubscriptionTypePush
	}
	if s.Protocol == "" {
		s.Protocol = ProtocolRedfish
	}
	if s.EventFormatType == "" {
		s.EventFormatType = EventFormatEvent
	}
	if s.DeliveryRetryPolicy == "" && s.SubscriptionType == SubscriptionTypePush {
		s.DeliveryRetryPolicy = PolicySuspend
	}
	if s.VerifyCertificate == nil && s.SubscriptionType == SubscriptionTypePush {
		t := true
		s.VerifyCertificate = &t
	}
	if s.State == "" {
		s.State = StateEnabled
	}
}

// PropertyError says which property of a subscription is wrong and how, so
// the redfish layer can answer with the matching Base message.
type PropertyError struct {
	Property string // "Destination", "RegistryPrefixes", ...
	Value    string
	Kind     PropertyErrorKind
	Reason   string
}

// PropertyErrorKind maps onto Base messages: PropertyMissing,
// PropertyValueNotInList, PropertyValueFormatError.
type PropertyErrorKind string

// The kinds of PropertyError.
const (
	Missing   PropertyErrorKind = "Missing"
	NotInList PropertyErrorKind = "NotInList"
	Format    PropertyErrorKind = "Format"
)

func (e *PropertyError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("subscription property %s: %s", e.Property, e.Reason)
	}
	return fmt.Sprintf("subscription property %s = %q: %s", e.Property, e.Value, e.Reason)
}

func propErr(prop, value string, kind PropertyErrorKind, format string, args ...any) *PropertyError {
	return &PropertyError{Property: prop, Value: value, Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

// allowed is what the service offers subscribers: EventService's
// RegistryPrefixes and ResourceTypes.
type allowed struct {
	registryPrefixes []string
	resourceTypes    []string
}

// validate checks a subscription after ApplyDefaults. It reports the first
// problem found, properties in a fixed order.
func (s *Subscription) validate(a allowed) error {
	switch s.SubscriptionType {
	case SubscriptionTypePush:
		if err := validateDestination(s.Destination); err != nil {
			return err
		}
		if s.DeliveryRetryPolicy != PolicySuspend && s.DeliveryRetryPolicy != PolicyTerminate {
			return propErr("DeliveryRetryPolicy", s.DeliveryRetryPolicy, NotInList, "supported: %s, %s", PolicySuspend, PolicyTerminate)
		}
		if err := validateHeaders(s.HTTPHeaders); err != nil {
			return err
		}
	case SubscriptionTypeSSE:
	default:
		return propErr("SubscriptionType", s.SubscriptionType, NotInList, "supported: %s, %s", SubscriptionTypePush, SubscriptionTypeSSE)
	}
	if s.Protocol != ProtocolRedfish {
		return propErr("Protocol", s.Protocol, NotInList, "supported: %s", ProtocolRedfish)
	}
	if s.EventFormatType != EventFormatEvent {
		return propErr("EventFormatType", s.EventFormatType, NotInList, "supported: %s", EventFormatEvent)
	}
	if len(s.Context) > maxStringLen {
		return propErr("Context", "", Format, "longer than %d bytes", maxStringLen)
	}
	if s.State != StateEnabled && s.State != StateDisabled {
		return propErr("Status/State", s.State, NotInList, "supported: %s, %s", StateEnabled, StateDisabled)
	}
	lists := []struct {
		name  string
		list  []string
		check func(string) *PropertyError
	}{
		{"EventTypes", s.EventTypes, inList("EventTypes", []string{"StatusChange", "ResourceUpdated", "ResourceAdded", "ResourceRemoved", "Alert", "Other"})},
		{"RegistryPrefixes", s.RegistryPrefixes, inList("RegistryPrefixes", a.registryPrefixes)},
		{"ExcludeRegistryPrefixes", s.ExcludeRegistryPrefixes, inList("ExcludeRegistryPrefixes", a.registryPrefixes)},
		{"MessageIds", s.MessageIDs, messageIDIn("MessageIds", a.registryPrefixes)},
		{"ExcludeMessageIds", s.ExcludeMessageIDs, messageIDIn("ExcludeMessageIds", a.registryPrefixes)},
		{"ResourceTypes", s.ResourceTypes, inList("ResourceTypes", a.resourceTypes)},
		{"OriginResources", s.OriginResources, redfishURI},
		{"Severities", s.Severities, inList("Severities", []string{"OK", "Warning", "Critical"})},
	}
	for _, l := range lists {
		if len(l.list) > maxListLen {
			return propErr(l.name, "", Format, "more than %d entries", maxListLen)
		}
		for _, v := range l.list {
			if err := l.check(v); err != nil {
				return err
			}
		}
	}
	return nil
}

func inList(prop string, list []string) func(string) *PropertyError {
	return func(v string) *PropertyError {
		if !contains(list, v) {
			return propErr(prop, v, NotInList, "supported: %s", strings.Join(list, ", "))
		}
		return nil
	}
}

func messageIDIn(prop string, prefixes []string) func(string) *PropertyError {
	return func(v string) *PropertyError {
		p, _ := SplitMessageID(v)
		if p == "" {
			return propErr(prop, v, Format, "not of the form Registry.Key or Registry.Major.Minor.Key")
		}
		if !contains(prefixes, p) {
			return propErr(prop, v, NotInList, "registry %s is not one of %s", p, strings.Join(prefixes, ", "))
		}
		return nil
	}
}

func redfishURI(v string) *PropertyError {
	if len(v) > maxURLLen || !strings.HasPrefix(v, "/redfish/v1") || strings.ContainsAny(v, "?# \t\r\n") {
		return propErr("OriginResources", v, Format, "not a /redfish/v1 resource URI")
	}
	return nil
}

// validateDestination accepts an absolute http or https URL with a host.
// Credentials in the URL are refused: the URL is shown in GET responses;
// HttpHeaders is the place for a destination's secret.
func validateDestination(d string) *PropertyError {
	if d == "" {
		return propErr("Destination", "", Missing, "required")
	}
	if len(d) > maxURLLen {
		return propErr("Destination", "", Format, "longer than %d bytes", maxURLLen)
	}
	u, err := url.Parse(d)
	if err != nil {
		return propErr("Destination", d, Format, "not a URL: %v", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return propErr("Destination", d, Format, "scheme must be http or https")
	case u.Host == "" || u.Hostname() == "":
		return propErr("Destination", d, Format, "no host")
	case u.User != nil:
		return propErr("Destination", d, Format, "credentials in the URL are not accepted: use HttpHeaders")
	case u.Fragment != "":
		return propErr("Destination", d, Format, "a fragment has no meaning for a destination")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return propErr("Destination", d, Format, "port %q out of range", p)
		}
	}
	return nil
}

// validateHeaders accepts header names that are HTTP tokens and values
// without control characters, and refuses the headers the delivery itself
// owns.
func validateHeaders(h map[string]string) *PropertyError {
	if len(h) > maxHeaders {
		return propErr("HttpHeaders", "", Format, "more than %d headers", maxHeaders)
	}
	total := 0
	for k, v := range h {
		total += len(k) + len(v)
		if k == "" || strings.IndexFunc(k, func(r rune) bool { return !isTokenRune(r) }) >= 0 {
			return propErr("HttpHeaders", k, Format, "not a valid header name")
		}
		switch strings.ToLower(k) {
		case "host", "content-type", "content-length", "transfer-encoding", "connection", "odata-version":
			return propErr("HttpHeaders", k, Format, "set by the service")
		}
		if strings.IndexFunc(v, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) >= 0 {
			return propErr("HttpHeaders", k, Format, "value holds control characters")
		}
	}
	if total > maxHeaderBytes {
		return propErr("HttpHeaders", "", Format, "more than %d bytes", maxHeaderBytes)
	}
	return nil
}

func isTokenRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)
}

// match reports whether the subscription wants r, by the rules of
// EventDestination v1_16 (and the stream's $filter for SSE).
func (s *Subscription) match(r *Record) bool {
	if len(s.EventTypes) > 0 && !contains(s.EventTypes, "Other") && !contains(s.EventTypes, r.EventType) {
		return false
	}
	prefix := r.RegistryPrefix()
	if len(s.MessageIDs) > 0 || len(s.RegistryPrefixes) > 0 {
		if !contains(s.RegistryPrefixes, prefix) && !anyMessageID(s.MessageIDs, r.MessageID) {
			return false
		}
	}
	if contains(s.ExcludeRegistryPrefixes, prefix) || anyMessageID(s.ExcludeMessageIDs, r.MessageID) {
		return false
	}
	if len(s.ResourceTypes) > 0 && !contains(s.ResourceTypes, r.ResourceType) {
		return false
	}
	if len(s.OriginResources) > 0 {
		ok := false
		for _, o := range s.OriginResources {
			if originMatches(r.OriginOfCondition, o, s.SubordinateResources) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(s.Severities) > 0 && !contains(s.Severities, r.MessageSeverity) {
		return false
	}
	return s.filter.Match(r)
}

func anyMessageID(list []string, id string) bool {
	for _, w := range list {
		if messageIDMatches(id, w) {
			return true
		}
	}
	return false
}

// clone copies the slices and map so a caller cannot change the broker's
// copy through them.
func (s Subscription) clone() Subscription {
	c := s
	c.EventTypes = cloneStrings(s.EventTypes)
	c.RegistryPrefixes = cloneStrings(s.RegistryPrefixes)
	c.MessageIDs = cloneStrings(s.MessageIDs)
	c.ResourceTypes = cloneStrings(s.ResourceTypes)
	c.OriginResources = cloneStrings(s.OriginResources)
	c.Severities = cloneStrings(s.Severities)
	c.ExcludeRegistryPrefixes = cloneStrings(s.ExcludeRegistryPrefixes)
	c.ExcludeMessageIDs = cloneStrings(s.ExcludeMessageIDs)
	if s.VerifyCertificate != nil {
		v := *s.VerifyCertificate
		c.VerifyCertificate = &v
	}
	if s.HTTPHeaders != nil {
		c.HTTPHeaders = make(map[string]string, len(s.HTTPHeaders))
		for k, v := range s.HTTPHeaders {
			c.HTTPHeaders[k] = v
		}
	}
	return c
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string{}, s...)
}

// verify is the effective VerifyCertificate.
func (s *Subscription) verify() bool { return s.VerifyCertificate == nil || *s.VerifyCertificate }
