package redfish

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// annotateETag returns r with an @odata.etag property equal to its ETag
// header, placed after @odata.type (or first). The ETag is the hash of the
// body without the property, so it never has to contain a hash of itself,
// and If-Match and If-None-Match compare against the same value the body
// shows. r itself is not changed; a body that is not an indented JSON
// object (as renderJSON makes) is returned as it is.
func annotateETag(r *rendered) *rendered {
	if r.contentType != contentTypeJSON || !bytes.HasPrefix(r.body, []byte("{\n  \"")) {
		return r
	}
	val, err := json.Marshal(r.etag)
	if err != nil {
		return r
	}
	at := 2 // after "{\n"
	// The top-level @odata.type line: nested lines are indented deeper,
	// and encoded strings hold no raw newline.
	if i := bytes.Index(r.body, []byte("\n  \"@odata.type\": ")); i >= 0 {
		if j := bytes.IndexByte(r.body[i+1:], '\n'); j > 0 && r.body[i+j] == ',' {
			at = i + 1 + j + 1
		}
	}
	line := append(append([]byte(`  "@odata.etag": `), val...), ",\n"...)
	body := make([]byte, 0, len(r.body)+len(line))
	body = append(body, r.body[:at]...)
	body = append(body, line...)
	body = append(body, r.body[at:]...)
	out := *r
	out.body = body
	out.hdrContentLength = []string{strconv.Itoa(len(body))}
	return &out
}
