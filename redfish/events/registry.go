package events

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
)

// Registry identity. A MessageId names the registry by prefix, major and
// minor version (DSP0266: RegistryName.MajorVersion.MinorVersion.Key).
const (
	RegistryPrefix  = "Chassisd"
	RegistryVersion = "1.0.0"
	// RegistryID is the MessageRegistry's Id and the file name the redfish
	// layer serves it under.
	RegistryID = RegistryPrefix + "." + RegistryVersion
	// messageIDPrefix is what every Chassisd MessageId starts with.
	messageIDPrefix = RegistryPrefix + ".1.0."

	// BaseMessageIDPrefix is the Base registry version the redfish package
	// uses for its error messages (redfish/errors.go); events use the same
	// so a client loads one Base registry.
	BaseMessageIDPrefix = "Base.1.22."

	// RegistryODataType is the MessageRegistry schema version RegistryJSON
	// renders (DSP8010 2025.3, the bundle the rest of the service uses).
	RegistryODataType = "#MessageRegistry.v1_7_0.MessageRegistry"
)

// Message is one entry of a message registry, in the shape of the
// MessageRegistry schema's Message. Text uses %1, %2, ... for its
// arguments; ParamTypes has one entry ("string" or "number") per argument.
type Message struct {
	Key             string
	Description     string
	Text            string
	Severity        string // Health: "OK", "Warning" or "Critical"
	ParamTypes      []string
	ArgDescriptions []string
	Resolution      string
	// EventType is the deprecated Event EventType a record of this message
	// carries. Event v1_x still requires the property, and subscribers
	// that predate RegistryPrefixes filter on it.
	EventType string
	// base marks a DMTF Base message: its id uses BaseMessageIDPrefix and
	// it is not part of RegistryJSON.
	base bool
}

// ID is the MessageId: "Chassisd.1.0.SledAdded".
func (m Message) ID() string {
	if m.base {
		return BaseMessageIDPrefix + m.Key
	}
	return messageIDPrefix + m.Key
}

// Format substitutes args into Text. A placeholder without an argument is
// left as written, so a short argument list shows rather than hides.
func (m Message) Format(args ...string) string {
	var b strings.Builder
	t := m.Text
	for i := 0; i < len(t); i++ {
		if t[i] != '%' {
			b.WriteByte(t[i])
			continue
		}
		j := i + 1
		for j < len(t) && t[j] >= '0' && t[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(t[i+1 : j])
		if err != nil || n < 1 || n > len(args) {
			b.WriteByte('%')
			continue
		}
		b.WriteString(args[n-1])
		i = j - 1
	}
	return b.String()
}

// Record makes an event record of this message about the resource at
// origin (an @odata.id; "" for none). EventID and EventTimestamp are left
// for Publish to fill.
func (m Message) Record(origin, resourceType string, args ...string) Record {
	return Record{
		EventType:         m.EventType,
		Severity:          m.Severity,
		MessageSeverity:   m.Severity,
		Message:           m.Format(args...),
		MessageID:         m.ID(),
		MessageArgs:       append([]string{}, args...),
		OriginOfCondition: origin,
		ResourceType:      resourceType,
		Resolution:        m.Resolution,
	}
}

// The Chassisd registry. Severity is the usual one; a record can carry a
// more precise one (a health change carries the new health).
var (
	MsgSledAdded = Message{Key: "SledAdded",
		Description:     "A sled was inserted in a bay and read.",
		Text:            "A sled was added in %1: model %2, serial number %3.",
		Severity:        "OK",
		ParamTypes:      []string{"string", "string", "string"},
		ArgDescriptions: []string{"The bay's label.", "The sled's model, or `unknown`.", "The sled's serial number, or `unknown`."},
		Resolution:      "None.",
		EventType:       "ResourceAdded"}
	MsgSledRemoved = Message{Key: "SledRemoved",
		Description:     "A sled was removed from a bay.",
		Text:            "The sled in %1 (model %2, serial number %3) was removed.",
		Severity:        "OK",
		ParamTypes:      []string{"string", "string", "string"},
		ArgDescriptions: []string{"The bay's label.", "The sled's model, or `unknown`.", "The sled's serial number, or `unknown`."},
		Resolution:      "None.",
		EventType:       "ResourceRemoved"}
	MsgSledHealthChanged = Message{Key: "SledHealthChanged",
		Description:     "The health of a sled changed.",
		Text:            "The health of the sled in %1 changed from %2 to %3.",
		Severity:        "Warning",
		ParamTypes:      []string{"string", "string", "string"},
		ArgDescriptions: []string{"The bay's label.", "The previous health.", "The new health."},
		Resolution:      "Read the sled's Chassis resource: its Oem Chassisd Problems say why.",
		EventType:       "StatusChange"}
	MsgDriveAdded = Message{Key: "DriveAdded",
		Description:     "A drive was inserted in a slot of a sled.",
		Text:            "A drive was added in slot %1 of the sled in %2: model %3, serial number %4.",
		Severity:        "OK",
		ParamTypes:      []string{"number", "string", "string", "string"},
		ArgDescriptions: []string{"The slot number.", "The bay's label.", "The drive's model, or `unknown`.", "The drive's serial number, or `unknown`."},
		Resolution:      "None.",
		EventType:       "ResourceAdded"}
	MsgDriveRemoved = Message{Key: "DriveRemoved",
		Description:     "A drive was removed from a slot of a sled.",
		Text:            "The drive in slot %1 of the sled in %2 (model %3, serial number %4) was removed.",
		Severity:        "OK",
		ParamTypes:      []string{"number", "string", "string", "string"},
		ArgDescriptions: []string{"The slot number.", "The bay's label.", "The drive's model, or `unknown`.", "The drive's serial number, or `unknown`."},
		Resolution:      "None.",
		EventType:       "ResourceRemoved"}
	MsgDriveHealthChanged = Message{Key: "DriveHealthChanged",
		Description:     "The health of a drive changed.",
		Text:            "The health of the drive in slot %1 of the sled in %2 changed from %3 to %4.",
		Severity:        "Warning",
		ParamTypes:      []string{"number", "string", "string", "string"},
		ArgDescriptions: []string{"The slot number.", "The bay's label.", "The previous health.", "The new health."},
		Resolution:      "Read the Drive resource's Status and the sled's Oem Chassisd Problems.",
		EventType:       "StatusChange"}
	MsgSidebandChanged = Message{Key: "SidebandChanged",
		Description:     "The management path to a sled changed.",
		Text:            "The sideband connection to the sled in %1 changed from %2 to %3.",
		Severity:        "Warning",
		ParamTypes:      []string{"string", "string", "string"},
		ArgDescriptions: []string{"The bay's label.", "The previous sideband.", "The new sideband."},
		Resolution:      "If the change was not expected, check the sled's I2C path.",
		EventType:       "ResourceUpdated"}
	MsgRoutingChanged = Message{Key: "RoutingChanged",
		Description:     "The routing of a host port through the interposer changed.",
		Text:            "The routing of %1 changed from %2 to %3.",
		Severity:        "OK",
		ParamTypes:      []string{"string", "string", "string"},
		ArgDescriptions: []string{"The port.", "The previous routing.", "The new routing."},
		Resolution:      "None.",
		EventType:       "ResourceUpdated"}
	MsgLinkStateChanged = Message{Key: "LinkStateChanged",
		Description:     "The link state of a port changed.",
		Text:            "The link state of %1 changed from %2 to %3.",
		Severity:        "Warning",
		ParamTypes:      []string{"string", "string", "string"},
		ArgDescriptions: []string{"The port.", "The previous link state.", "The new link state."},
		Resolution:      "If the link went down unexpectedly, check the cable and the drive.",
		EventType:       "StatusChange"}
	MsgEventsDropped = Message{Key: "EventsDropped",
		Description:     "Events for a subscription were discarded because its buffer was full.",
		Text:            "%1 events were discarded for this subscription because its event buffer was full.",
		Severity:        "Warning",
		ParamTypes:      []string{"number"},
		ArgDescriptions: []string{"The number of events discarded since the last delivery."},
		Resolution:      "Read the current state of the resources of interest; make sure the destination accepts events as fast as they come.",
		EventType:       "Alert"}
	// MsgChangeReported carries a change of a kind this registry has no
	// message for yet, worded by the agent, so nothing is silently lost.
	MsgChangeReported = Message{Key: "ChangeReported",
		Description:     "The agent reported a change.",
		Text:            "%1",
		Severity:        "OK",
		ParamTypes:      []string{"string"},
		ArgDescriptions: []string{"The change, worded by the agent."},
		Resolution:      "None.",
		EventType:       "Other"}

	// MsgEventBufferExceeded is DMTF Base's message (Base 1.13 and later)
	// for lost events; its text is Base 1.22.0's exactly.
	MsgEventBufferExceeded = Message{Key: "EventBufferExceeded",
		Description: "Indicates undelivered events may have been lost due to a lack of buffer space in the service.",
		Text:        "Undelivered events may have been lost due to exceeding the event buffer.",
		Severity:    "Warning",
		Resolution:  "None.",
		EventType:   "Alert",
		base:        true}
)

// Messages is the Chassisd registry in the order it was written.
func Messages() []Message {
	return []Message{MsgSledAdded, MsgSledRemoved, MsgSledHealthChanged, MsgDriveAdded, MsgDriveRemoved,
		MsgDriveHealthChanged, MsgSidebandChanged, MsgRoutingChanged, MsgLinkStateChanged, MsgEventsDropped,
		MsgChangeReported}
}

// registryMessage is a Message as the MessageRegistry schema spells it.
type registryMessage struct {
	Description     string   `json:"Description"`
	Message         string   `json:"Message"`
	Severity        string   `json:"Severity"` // deprecated, still required by the schema
	MessageSeverity string   `json:"MessageSeverity"`
	NumberOfArgs    int      `json:"NumberOfArgs"`
	ParamTypes      []string `json:"ParamTypes,omitempty"`
	ArgDescriptions []string `json:"ArgDescriptions,omitempty"`
	Resolution      string   `json:"Resolution"`
	VersionAdded    string   `json:"VersionAdded"`
}

type registry struct {
	ODataType       string                     `json:"@odata.type"`
	ID              string                     `json:"Id"`
	Name            string                     `json:"Name"`
	Description     string                     `json:"Description"`
	Language        string                     `json:"Language"`
	RegistryPrefix  string                     `json:"RegistryPrefix"`
	RegistryVersion string                     `json:"RegistryVersion"`
	OwningEntity    string                     `json:"OwningEntity"`
	Messages        map[string]registryMessage `json:"Messages"`
}

var registryJSON = sync.OnceValue(func() []byte {
	r := registry{
		ODataType:       RegistryODataType,
		ID:              RegistryID,
		Name:            "Chassisd Message Registry",
		Description:     "The messages of chassisd's events: sleds, drives, sidebands, routing and links.",
		Language:        "en",
		RegistryPrefix:  RegistryPrefix,
		RegistryVersion: RegistryVersion,
		OwningEntity:    "Chassisd",
		Messages:        map[string]registryMessage{},
	}
	for _, m := range Messages() {
		r.Messages[m.Key] = registryMessage{
			Description:     m.Description,
			Message:         m.Text,
			Severity:        m.Severity,
			MessageSeverity: m.Severity,
			NumberOfArgs:    len(m.ParamTypes),
			ParamTypes:      m.ParamTypes,
			ArgDescriptions: m.ArgDescriptions,
			Resolution:      m.Resolution,
			VersionAdded:    RegistryVersion,
		}
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		// Static data of plain types: Marshal cannot fail. A nil result
		// would show in RegistryJSON's test.
		return nil
	}
	return b
})

// RegistryJSON is the Chassisd MessageRegistry resource (MessageRegistry
// v1_7_0), to be served at /redfish/v1/Registries/Chassisd.1.0.0 or
// wherever the registry's MessageRegistryFile Location says. The caller
// must not modify the returned bytes.
func RegistryJSON() []byte { return registryJSON() }
