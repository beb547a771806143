package redfish

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// baseRegistry is the Base message registry version the MessageIds name.
// DSP0266's MessageId format is RegistryName.MajorVersion.MinorVersion.Key,
// as DMTF's own mockups write it ("Base.1.8.Success"); 1.22 is the newest
// Base registry in DSP8011 2025.4 and defines every message used here.
const baseRegistry = "Base.1.22."

// message is one Base registry message: its text, with %1.. for arguments,
// as the registry states it.
type message struct {
	key        string
	text       string
	severity   string
	resolution string
}

// The Base registry messages the service answers with.
var (
	msgResourceMissingAtURI = message{
		key:        "ResourceMissingAtURI",
		text:       "The resource at the URI '%1' was not found.",
		severity:   "Critical",
		resolution: "Place a valid resource at the URI or correct the URI and resubmit the request.",
	}
	msgNoValidSession = message{
		key:        "NoValidSession",
		text:       "There is no valid session established with the implementation.",
		severity:   "Critical",
		resolution: "Establish a session before attempting any operations.",
	}
	msgOperationNotAllowed = message{
		key:        "OperationNotAllowed",
		text:       "The HTTP method is not allowed on this resource.",
		severity:   "Critical",
		resolution: "None.",
	}
	msgInternalError = message{
		key:        "InternalError",
		text:       "The request failed due to an internal service error.  The service is still operational.",
		severity:   "Critical",
		resolution: "Resubmit the request.  If the problem persists, consider resetting the service.",
	}
	msgQueryParameterUnsupported = message{
		key:        "QueryParameterUnsupported",
		text:       "Query parameter '%1' is not supported.",
		severity:   "Warning",
		resolution: "Correct or remove the query parameter and resubmit the request.",
	}
	msgHeaderInvalid = message{
		key:        "HeaderInvalid",
		text:       "Header '%1' is invalid.",
		severity:   "Critical",
		resolution: "Resubmit the request with a valid request header.",
	}
)

// id is the MessageId: "Base.1.22.ResourceMissingAtURI".
func (m message) id() string { return baseRegistry + m.key }

// format fills the message's %1.. placeholders with args.
func (m message) format(args []string) string {
	s := m.text
	// Replace from the highest index down so %1 does not eat the start of %10.
	for i := len(args); i >= 1; i-- {
		s = strings.ReplaceAll(s, "%"+strconv.Itoa(i), args[i-1])
	}
	return s
}

// apiError is a request that ends in a Redfish error response.
type apiError struct {
	status int
	msg    message
	args   []string
	// more are further messages of the same response: a PATCH with several
	// bad properties names each of them.
	more []msgEntry
	// allow is the Allow header value for 405.
	allow string
}

// msgEntry is one message with its arguments.
type msgEntry struct {
	msg  message
	args []string
}

// entries returns every message of the error, the first one first.
func (e *apiError) entries() []msgEntry {
	return append([]msgEntry{{e.msg, e.args}}, e.more...)
}

// errorOf makes one error response out of several messages; with more
// than one the code is GeneralError, as DSP0266 asks.
func errorOf(status int, entries []msgEntry) *apiError {
	if len(entries) == 0 {
		return errInternal()
	}
	return &apiError{status: status, msg: entries[0].msg, args: entries[0].args, more: entries[1:]}
}

func (e *apiError) Error() string { return e.msg.format(e.args) }

func errNotFound(path string) *apiError {
	return &apiError{status: http.StatusNotFound, msg: msgResourceMissingAtURI, args: []string{path}}
}

func errUnauthorized() *apiError {
	return &apiError{status: http.StatusUnauthorized, msg: msgNoValidSession}
}

func errMethodNotAllowed(allow string) *apiError {
	return &apiError{status: http.StatusMethodNotAllowed, msg: msgOperationNotAllowed, allow: allow}
}

func errInternal() *apiError {
	return &apiError{status: http.StatusInternalServerError, msg: msgInternalError}
}

// errQueryUnsupported answers a $-query option the service does not
// implement: DSP0266 asks for 501 Not Implemented.
func errQueryUnsupported(param string) *apiError {
	return &apiError{status: http.StatusNotImplemented, msg: msgQueryParameterUnsupported, args: []string{param}}
}

// errODataVersion answers an OData-Version the service does not speak:
// OData asks for 412 Precondition Failed.
func errODataVersion(v string) *apiError {
	return &apiError{status: http.StatusPreconditionFailed, msg: msgHeaderInvalid, args: []string{"OData-Version: " + v}}
}

// errorBody is the Redfish error response (RedfishError schema).
type errorBody struct {
	Error errorObject `json:"error"`
}

type errorObject struct {
	Code         string         `json:"code"`
	Message      string         `json:"message"`
	ExtendedInfo []extendedInfo `json:"@Message.ExtendedInfo"`
}

// extendedInfo is one Message (Message schema). Severity is deprecated in
// favour of MessageSeverity but older clients still read it.
type extendedInfo struct {
	ODataType       string   `json:"@odata.type"`
	MessageID       string   `json:"MessageId"`
	Message         string   `json:"Message"`
	MessageArgs     []string `json:"MessageArgs"`
	Severity        string   `json:"Severity"`
	MessageSeverity string   `json:"MessageSeverity"`
	Resolution      string   `json:"Resolution"`
}

// body renders the error's JSON body.
func (e *apiError) body() []byte {
	entries := e.entries()
	infos := make([]extendedInfo, len(entries))
	for i, m := range entries {
		args := m.args
		if args == nil {
			args = []string{}
		}
		text := m.msg.format(args)
		infos[i] = extendedInfo{
			ODataType:       schemaMessage.odataType(),
			MessageID:       m.msg.id(),
			Message:         text,
			MessageArgs:     args,
			Severity:        m.msg.severity,
			MessageSeverity: m.msg.severity,
			Resolution:      m.msg.resolution,
		}
	}
	code, text := infos[0].MessageID, infos[0].Message
	if len(infos) > 1 {
		code, text = msgGeneralError.id(), msgGeneralError.text
	}
	b, err := json.MarshalIndent(errorBody{Error: errorObject{Code: code, Message: text, ExtendedInfo: infos}}, "", "  ")
	if err != nil {
		// Strings and slices of strings always marshal.
		return []byte(`{"error":{"code":"` + msgInternalError.id() + `","message":"` + msgInternalError.text + `"}}`)
	}
	return append(b, '\n')
}

// writeError sends e as a Redfish error response. Common headers are already
// set by the pipeline.
func writeError(w http.ResponseWriter, r *http.Request, e *apiError) {
	h := w.Header()
	switch e.status {
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Basic realm="chassisd", charset="UTF-8"`)
	case http.StatusMethodNotAllowed:
		h.Set("Allow", e.allow)
	}
	body := e.body()
	h.Set("Content-Type", contentTypeJSON)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
