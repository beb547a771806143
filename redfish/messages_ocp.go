package redfish

import "net/http"

// actionMsgs are the Base registry messages about action parameters.
// Texts, severities and resolutions are the Base 1.22.0 registry's. They
// sit in one value so their names cannot collide with another resource
// family's messages.
var actionMsgs = struct {
	parameterMissing, parameterUnknown, parameterDuplicate, parameterNotSupported,
	valueTypeError, valueFormatError, valueNotInList, valueError, valueOutOfRange message
}{
	parameterMissing: message{
		key:        "ActionParameterMissing",
		text:       "The action %1 requires the parameter %2 to be present in the request body.",
		severity:   "Critical",
		resolution: "Supply the action with the required parameter in the request body when the request is resubmitted.",
	},
	parameterUnknown: message{
		key:        "ActionParameterUnknown",
		text:       "The action %1 was submitted with the invalid parameter %2.",
		severity:   "Warning",
		resolution: "Correct the invalid action parameter and resubmit the request if the operation failed.",
	},
	parameterDuplicate: message{
		key:        "ActionParameterDuplicate",
		text:       "The action %1 was submitted with more than one value for the parameter %2.",
		severity:   "Warning",
		resolution: "Resubmit the action with only one instance of the action parameter in the request body if the operation failed.",
	},
	parameterNotSupported: message{
		key:        "ActionParameterNotSupported",
		text:       "The parameter %1 for the action %2 is not supported on the target resource.",
		severity:   "Warning",
		resolution: "Remove the parameter supplied and resubmit the request if the operation failed.",
	},
	valueTypeError: message{
		key:        "ActionParameterValueTypeError",
		text:       "The value '%1' for the parameter %2 in the action %3 is not a type that the parameter can accept.",
		severity:   "Warning",
		resolution: "Correct the value for the parameter in the request body and resubmit the request if the operation failed.",
	},
	valueFormatError: message{
		key:        "ActionParameterValueFormatError",
		text:       "The value '%1' for the parameter %2 in the action %3 is not a format that the parameter can accept.",
		severity:   "Warning",
		resolution: "Correct the value for the parameter in the request body and resubmit the request if the operation failed.",
	},
	valueNotInList: message{
		key:        "ActionParameterValueNotInList",
		text:       "The value '%1' for the parameter %2 in the action %3 is not in the list of acceptable values.",
		severity:   "Warning",
		resolution: "Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.",
	},
	valueError: message{
		key:        "ActionParameterValueError",
		text:       "The value for the parameter %1 in the action %2 is invalid.",
		severity:   "Warning",
		resolution: "Correct the value for the parameter in the request body and resubmit the request if the operation failed.",
	},
	valueOutOfRange: message{
		key:        "ActionParameterValueOutOfRange",
		text:       "The value '%1' for the parameter %2 in the action %3 is not in the supported range of acceptable values.",
		severity:   "Warning",
		resolution: "Correct the value for the parameter in the request body and resubmit the request if the operation failed.",
	},
}

// ocpMsgs are the other Base registry messages the OCP profile resources
// answer with (Base 1.22.0 texts).
var ocpMsgs = struct {
	resourceNotFound, preconditionRequired message
}{
	resourceNotFound: message{
		key:        "ResourceNotFound",
		text:       "The requested resource of type %1 named '%2' was not found.",
		severity:   "Critical",
		resolution: "Provide a valid resource identifier and resubmit the request.",
	},
	preconditionRequired: message{
		key:        "PreconditionRequired",
		text:       "A precondition header or annotation is required to change this resource.",
		severity:   "Critical",
		resolution: "Try the operation again using an If-Match or If-None-Match header and appropriate ETag.",
	},
}

// errActionValue is 400 ActionParameterValueError: the parameter is well
// formed but the service cannot use it (a certificate that does not match
// its key, a collection that is not the certificate's).
func errActionValue(action, param string) *apiError {
	return &apiError{status: http.StatusBadRequest, msg: actionMsgs.valueError, args: []string{param, action}}
}

// Message registries other than Base that the event log's own entries
// use. DSP0266 MessageIds name the registry's major and minor version.
const (
	logServiceRegistry    = "LogService.1.1."    // LogCleared
	managerEventRegistry  = "ManagerEvent.1.0."  // ManagerReset
	resourceEventRegistry = "ResourceEvent.1.4." // ResourceChanged, PropertyValueModifiedByClient
)
