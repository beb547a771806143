package redfish

import "net/http"

// Base registry messages of the AccountService and SessionService. Texts,
// severities and resolutions are the Base 1.22.0 registry's.
var (
	msgPasswordIncorrectLength = message{
		key:        "PasswordIncorrectLength",
		text:       "The password provided for this account does not meet the password length requirements of the service.",
		severity:   "Critical",
		resolution: "Resubmit the request with a password that meets the password length requirements as specified by the `MinPasswordLength` and `MaxPasswordLength` properties in the `AccountService` resource.",
	}
	msgPropertyValueConflict = message{
		key:        "PropertyValueConflict",
		text:       "The property '%1' could not be written because its value would conflict with the value of the '%2' property.",
		severity:   "Warning",
		resolution: "None.",
	}
	msgPropertyValueResourceConflict = message{
		key:        "PropertyValueResourceConflict",
		text:       "The property '%1' with the requested value of '%2' could not be written because the value conflicts with the state or configuration of the resource at '%3'.",
		severity:   "Warning",
		resolution: "None.",
	}
	msgResourceInUse = message{
		key:        "ResourceInUse",
		text:       "The change to the requested resource failed because the resource is in use or in transition.",
		severity:   "Warning",
		resolution: "Remove the condition and resubmit the request if the operation failed.",
	}
	msgCreateLimitReachedForResource = message{
		key:        "CreateLimitReachedForResource",
		text:       "The create operation failed because the resource has reached the limit of possible resources.",
		severity:   "Critical",
		resolution: "Either delete resources and resubmit the request if the operation failed or do not resubmit the request.",
	}
	msgStringValueTooLong = message{
		key:        "StringValueTooLong",
		text:       "The string '%1' exceeds the length limit %2.",
		severity:   "Warning",
		resolution: "Resubmit the request with an appropriate string length.",
	}
)

// errLastAdministrator answers a DELETE of the last enabled Administrator:
// 409, as the request conflicts with the service's state rather than being
// malformed, with ResourceInUse, whose resolution ("remove the condition")
// is what the client must do: make another Administrator first.
func errLastAdministrator() *apiError {
	return &apiError{status: http.StatusConflict, msg: msgResourceInUse}
}

// errAccountLimit answers a POST beyond maxAccounts.
func errAccountLimit() *apiError {
	return &apiError{status: http.StatusConflict, msg: msgCreateLimitReachedForResource}
}

// errSessionLimit answers a login beyond maxSessions: 503 Service
// Unavailable, since the condition passes as sessions end or time out
// (OpenBMC's bmcweb answers SessionLimitExceeded with 503 too).
func errSessionLimit() *apiError {
	return &apiError{status: http.StatusServiceUnavailable, msg: msgSessionLimitExceeded}
}
