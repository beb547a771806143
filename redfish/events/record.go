package events

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// EventODataType is the Event schema version payloads are rendered as
// (DSP8010 2025.3). The redfish layer lists Event in $metadata with it.
const EventODataType = "#Event.v1_12_0.Event"

// Record is one event: an EventRecord of the Event schema, plus the
// resource type of its origin, which subscribers filter on but the payload
// does not carry.
type Record struct {
	// EventID identifies the event; Publish fills it, when empty, with its
	// sequence number.
	EventID string
	// EventType is the deprecated Event EventType ("ResourceAdded",
	// "ResourceRemoved", "StatusChange", "ResourceUpdated", "Alert",
	// "Other"). The schema still requires it in every record.
	EventType string
	// Severity (deprecated) and MessageSeverity hold the same Health value.
	Severity        string
	MessageSeverity string
	Message         string
	MessageID       string // "Chassisd.1.0.SledAdded"
	MessageArgs     []string
	// OriginOfCondition is the @odata.id of the resource the event is about.
	OriginOfCondition string
	// ResourceType is the schema name of that resource ("Chassis",
	// "Drive"), matched against subscribers' ResourceTypes. Not rendered.
	ResourceType string
	Resolution   string
	// EventTimestamp is when the event happened; Publish fills it when zero.
	EventTimestamp time.Time

	// seq is Publish's sequence number, the base of the SSE id.
	seq uint64
}

// RegistryPrefix is the registry part of MessageID: "Chassisd".
func (r *Record) RegistryPrefix() string {
	p, _, _ := strings.Cut(r.MessageID, ".")
	return p
}

// Event is one Event payload: what a destination receives in one POST and
// an SSE client in one message.
type Event struct {
	ID      string
	Context string // the subscriber's Context
	Records []Record
}

// JSON renders the record alone as an Event payload.
func (r Record) JSON(context string) ([]byte, error) {
	return Event{ID: r.EventID, Context: context, Records: []Record{r}}.MarshalJSON()
}

type eventJSON struct {
	ODataType   string       `json:"@odata.type"`
	ID          string       `json:"Id"`
	Name        string       `json:"Name"`
	Context     string       `json:"Context,omitempty"`
	Events      []recordJSON `json:"Events"`
	EventsCount int          `json:"Events@odata.count"`
}

type recordJSON struct {
	MemberID          string   `json:"MemberId"`
	EventID           string   `json:"EventId,omitempty"`
	EventType         string   `json:"EventType"`
	EventTimestamp    string   `json:"EventTimestamp,omitempty"`
	Severity          string   `json:"Severity,omitempty"`
	MessageSeverity   string   `json:"MessageSeverity,omitempty"`
	Message           string   `json:"Message,omitempty"`
	MessageID         string   `json:"MessageId"`
	MessageArgs       []string `json:"MessageArgs"`
	OriginOfCondition *odataID `json:"OriginOfCondition,omitempty"`
	Resolution        string   `json:"Resolution,omitempty"`
}

type odataID struct {
	ID string `json:"@odata.id"`
}

// MarshalJSON renders the Event schema's payload. Each record's MemberId is
// its index in Events, as the schema asks.
func (e Event) MarshalJSON() ([]byte, error) {
	out := eventJSON{ODataType: EventODataType, ID: e.ID, Name: "Chassisd Event", Context: e.Context,
		Events: make([]recordJSON, 0, len(e.Records)), EventsCount: len(e.Records)}
	for i, r := range e.Records {
		j := recordJSON{
			MemberID:        strconv.Itoa(i),
			EventID:         r.EventID,
			EventType:       r.EventType,
			Severity:        r.Severity,
			MessageSeverity: r.MessageSeverity,
			Message:         r.Message,
			MessageID:       r.MessageID,
			MessageArgs:     r.MessageArgs,
			Resolution:      r.Resolution,
		}
		if j.EventType == "" {
			j.EventType = "Other"
		}
		if j.MessageArgs == nil {
			j.MessageArgs = []string{}
		}
		if !r.EventTimestamp.IsZero() {
			j.EventTimestamp = r.EventTimestamp.Format(time.RFC3339)
		}
		if r.OriginOfCondition != "" {
			j.OriginOfCondition = &odataID{r.OriginOfCondition}
		}
		out.Events = append(out.Events, j)
	}
	return json.Marshal(out)
}
