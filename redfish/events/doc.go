// Package events is the core of chassisd's Redfish EventService: the event
// and message-registry model, a broker that fans agent changes out to
// subscribers, push delivery over HTTP, the Server-Sent Events stream
// writer, the SSE $filter language, and the subscriptions' persistence.
// It does no HTTP routing; the redfish package exposes it as EventService.
//
// Events follow the current Redfish model (DSP0266, Event v1_12,
// EventDestination v1_16): a subscriber chooses what it receives by
// RegistryPrefixes, MessageIds, ResourceTypes and OriginResources (plus the
// exclusions and Severities); the deprecated EventTypes still works for old
// clients. Each record names a message of a registry: chassisd's own
// ("Chassisd", served by the redfish package from RegistryJSON) or DMTF's
// Base.
//
// The broker's promise is that a slow or dead subscriber only hurts itself.
// Every subscriber (push destination or SSE stream) has its own bounded
// ring buffer behind its own lock; Publish appends to each ring and returns
// without waiting for any of them. A full ring drops its own oldest event
// and counts it, and the next payload delivered to that subscriber starts
// with Base's EventBufferExceeded and Chassisd's EventsDropped (which
// carries the count), so the subscriber knows what it missed.
package events
