package redfish

// Base registry messages of the EventService.
var (
	msgServiceDisabled = message{
		key:        "ServiceDisabled",
		text:       "The operation failed because the service at %1 is disabled and cannot accept requests.",
		severity:   "Warning",
		resolution: "Enable the service and resubmit the request if the operation failed.",
	}
	msgServiceShuttingDown = message{
		key:        "ServiceShuttingDown",
		text:       "The operation failed because the service is shutting down and can no longer take incoming requests.",
		severity:   "Critical",
		resolution: "When the service becomes available, resubmit the request if the operation failed.",
	}
)
