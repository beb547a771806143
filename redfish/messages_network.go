package redfish

// Base registry messages of the writable network settings. Texts,
// severities and resolutions are the Base 1.22.0 registry's.
var (
	msgPropertyValueIncorrect = message{
		key:        "PropertyValueIncorrect",
		text:       "The property '%1' with the requested value of '%2' could not be written because the value is not acceptable for the property.",
		severity:   "Warning",
		resolution: "None.",
	}
	msgArraySizeTooLong = message{
		key:        "ArraySizeTooLong",
		text:       "The array provided for property %1 exceeds the size limit %2.",
		severity:   "Warning",
		resolution: "Resubmit the request with an appropriate array size.",
	}
	msgOperationFailed = message{
		key:        "OperationFailed",
		text:       "An error occurred internal to the service as part of the overall request.  Partial results may have been returned.",
		severity:   "Warning",
		resolution: "Resubmit the request.  If the problem persists, consider resetting the service or provider.",
	}
	msgOperationTimeout = message{
		key:        "OperationTimeout",
		text:       "A timeout internal to the service occurred as part of the request.  Partial results may have been returned.",
		severity:   "Warning",
		resolution: "Resubmit the request.  If the problem persists, consider resetting the service or provider.",
	}
)
