// Package redfish is chassisd's Redfish service: the HTTPS resources a
// management client reads (service root, $metadata, Chassis with their Drives
// and Sensors, the BMC's Manager), their errors in the Base message registry's
// form, Basic authentication against the accounts kept in the state directory,
// and the self-signed certificate made at first start.
//
// The service never touches a bus. Every GET is rendered from the agent's
// latest immutable snapshot, so a slow I2C walk never slows a client and a
// client never sees half of a walk. Rendered bodies are kept per snapshot and
// path, so a poll of an unchanged chassis costs a map lookup, not a render.
//
// The files follow bmcweb's split: one file per resource family (root.go,
// metadata.go, chassis.go, drives.go, sensors.go, managers.go), each
// registering its own routes; the request pipeline with the Basic check
// (service.go), routing (router.go), rendering and the body cache
// (render.go), errors (errors.go), accounts and the verified-credential
// cache (accounts.go, credcache.go), the certificate (cert.go) and the
// server's limits (server.go) are separate. Adding a resource is one new
// file and one line in Service.routes. The Oem.Chassisd objects are typed
// by schemas/Chassisd_v1.xml, served beside $metadata.
package redfish
