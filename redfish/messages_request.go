package redfish

import "net/http"

// Base registry messages about requests that change resources. Texts,
// severities and resolutions are the Base 1.22.0 registry's.
var (
	msgGeneralError = message{
		key:        "GeneralError",
		text:       "A general error has occurred.  See Resolution for information on how to resolve the error, or @Message.ExtendedInfo if Resolution is not provided.",
		severity:   "Critical",
		resolution: "None.",
	}
	msgSuccess = message{
		key: "Success", text: "The request completed successfully.", severity: "OK", resolution: "None.",
	}
	msgCreated = message{
		key: "Created", text: "The resource was created successfully.", severity: "OK", resolution: "None.",
	}
	msgNoOperation = message{
		key:        "NoOperation",
		text:       "The request body submitted contain no data to act upon and no changes to the resource took place.",
		severity:   "Warning",
		resolution: "Add properties in the JSON object and resubmit the request.",
	}
	msgMalformedJSON = message{
		key:        "MalformedJSON",
		text:       "The request body submitted was malformed JSON and could not be parsed by the receiving service.",
		severity:   "Critical",
		resolution: "Ensure that the request body is valid JSON and resubmit the request.",
	}
	msgPropertyDuplicate = message{
		key:        "PropertyDuplicate",
		text:       "The property %1 was duplicated in the request.",
		severity:   "Warning",
		resolution: "Remove the duplicate property from the request body and resubmit the request if the operation failed.",
	}
	msgPropertyUnknown = message{
		key:        "PropertyUnknown",
		text:       "The property %1 is not in the list of valid properties for the resource.",
		severity:   "Warning",
		resolution: "Remove the unknown property from the request body and resubmit the request if the operation failed.",
	}
	msgPropertyValueTypeError = message{
		key:        "PropertyValueTypeError",
		text:       "The value '%1' for the property %2 is not a type that the property can accept.",
		severity:   "Warning",
		resolution: "Correct the value for the property in the request body and resubmit the request if the operation failed.",
	}
	msgPropertyValueFormatError = message{
		key:        "PropertyValueFormatError",
		text:       "The value '%1' for the property %2 is not a format that the property can accept.",
		severity:   "Warning",
		resolution: "Correct the value for the property in the request body and resubmit the request if the operation failed.",
	}
	msgPropertyValueNotInList = message{
		key:        "PropertyValueNotInList",
		text:       "The value '%1' for the property %2 is not in the list of acceptable values.",
		severity:   "Warning",
		resolution: "Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.",
	}
	msgPropertyValueOutOfRange = message{
		key:        "PropertyValueOutOfRange",
		text:       "The value '%1' for the property %2 is not in the supported range of acceptable values.",
		severity:   "Warning",
		resolution: "Correct the value for the property in the request body and resubmit the request if the operation failed.",
	}
	msgPropertyValueError = message{
		key:        "PropertyValueError",
		text:       "The value provided for the property %1 is not valid.",
		severity:   "Warning",
		resolution: "Correct the value for the property in the request body and resubmit the request if the operation failed.",
	}
	msgPropertyNotWritable = message{
		key:        "PropertyNotWritable",
		text:       "The property %1 is a read-only property and cannot be assigned a value.",
		severity:   "Warning",
		resolution: "Remove the property from the request body and resubmit the request if the operation failed.",
	}
	msgPropertyMissing = message{
		key:        "PropertyMissing",
		text:       "The property %1 is a required property and must be included in the request.",
		severity:   "Warning",
		resolution: "Ensure that the property is in the request body and has a valid value and resubmit the request if the operation failed.",
	}
)

func errMalformedJSON() *apiError {
	return &apiError{status: http.StatusBadRequest, msg: msgMalformedJSON}
}

func errNoOperation() *apiError {
	return &apiError{status: http.StatusBadRequest, msg: msgNoOperation}
}

// Base registry messages about privileges, preconditions and limits.
var (
	msgInsufficientPrivilege = message{
		key:        "InsufficientPrivilege",
		text:       "There are insufficient privileges for the account or credentials associated with the current session to perform the requested operation.",
		severity:   "Critical",
		resolution: "Either abandon the operation or change the associated access rights and resubmit the request if the operation failed.",
	}
	msgPreconditionFailed = message{
		key:        "PreconditionFailed",
		text:       "The ETag supplied did not match the ETag required to change this resource.",
		severity:   "Critical",
		resolution: "Try the operation again using the appropriate ETag.",
	}
	msgPayloadTooLarge = message{
		key:        "PayloadTooLarge",
		text:       "The supplied payload exceeds the maximum size supported by the service.",
		severity:   "Critical",
		resolution: "Check that the supplied payload is correct and supported by this service.",
	}
	msgResourceCannotBeDeleted = message{
		key:        "ResourceCannotBeDeleted",
		text:       "The delete request failed because the resource requested cannot be deleted.",
		severity:   "Critical",
		resolution: "Do not attempt to delete a non-deletable resource.",
	}
	msgResourceAlreadyExists = message{
		key:        "ResourceAlreadyExists",
		text:       "The requested resource of type %1 with the property %2 with the value '%3' already exists.",
		severity:   "Critical",
		resolution: "Do not repeat the create operation as the resource was already created.",
	}
	msgSessionLimitExceeded = message{
		key:        "SessionLimitExceeded",
		text:       "The session establishment failed due to the number of simultaneous sessions exceeding the limit of the implementation.",
		severity:   "Critical",
		resolution: "Reduce the number of other sessions before trying to establish the session or increase the limit of simultaneous sessions, if supported.",
	}
	msgEventSubscriptionLimitExceeded = message{
		key:        "EventSubscriptionLimitExceeded",
		text:       "The event subscription failed due to the number of simultaneous subscriptions exceeding the limit of the implementation.",
		severity:   "Critical",
		resolution: "Reduce the number of other subscriptions before trying to establish the event subscription or increase the limit of simultaneous subscriptions, if supported.",
	}
)

func errForbidden() *apiError {
	return &apiError{status: http.StatusForbidden, msg: msgInsufficientPrivilege}
}

func errPreconditionFailed() *apiError {
	return &apiError{status: http.StatusPreconditionFailed, msg: msgPreconditionFailed}
}

func errPayloadTooLarge() *apiError {
	return &apiError{status: http.StatusRequestEntityTooLarge, msg: msgPayloadTooLarge}
}
