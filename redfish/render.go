package redfish

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"

	"github.com/chassisd/chassisd/agent"
)

const (
	contentTypeJSON = "application/json;charset=utf-8"
	contentTypeXML  = "application/xml"
)

// rendered is one resource's response, complete but for the common headers.
// It is immutable once made and shared by every request for the same path
// on the same snapshot.
type rendered struct {
	body        []byte
	contentType string
	etag        string // weak: W/"<hash of body>"
	link        string // Link header (rel=describedby), or ""

	// The header values, made once and shared by every response of this
	// body (net/http only reads them).
	hdrContentType, hdrContentLength, hdrETag, hdrLink []string
}

// renderJSON marshals a resource described by schema s. Bodies are indented
// like DMTF's mockups and bmcweb's output: operators read them with curl.
func renderJSON(v any, s schema) (*rendered, error) {
	r, err := renderRawJSON(v)
	if err != nil {
		return nil, err
	}
	r.link = "<" + s.jsonSchemaURI() + ">; rel=describedby"
	r.hdrLink = []string{r.link}
	return annotateETag(r), nil
}

// renderRawJSON marshals a document that has no schema (/redfish, the
// OData service document).
func renderRawJSON(v any) (*rendered, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	b = append(b, '\n')
	return newRendered(b, contentTypeJSON), nil
}

func newRendered(body []byte, contentType string) *rendered {
	h := fnv.New64a()
	_, _ = h.Write(body)
	etag := fmt.Sprintf(`W/"%016x"`, h.Sum64())
	return &rendered{
		body: body, contentType: contentType, etag: etag,
		hdrContentType:   []string{contentType},
		hdrContentLength: []string{strconv.Itoa(len(body))},
		hdrETag:          []string{etag},
	}
}

// matchesETag reports whether an If-None-Match header value names etag.
// If-None-Match uses the weak comparison (RFC 9110 13.1.2): W/ prefixes are
// ignored on both sides.
func matchesETag(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimSpace(part)
		if part == "*" || strings.TrimPrefix(part, "W/") == want {
			return true
		}
	}
	return false
}

// maxCachedBodies bounds the rendered bodies kept for one snapshot. Only
// existing resources are kept, so the bound is far above a real chassis
// (an 8-bay chassis has well under a hundred resources).
const maxCachedBodies = 4096

// bodyCache keeps the rendered bodies of one snapshot by canonical path.
type bodyCache struct {
	snap *agent.Snapshot
	// writes is the service's write count the bodies were rendered at.
	writes uint64
	mu     sync.RWMutex
	m      map[string]*rendered
}

func (c *bodyCache) get(path string) *rendered {
	c.mu.RLock()
	r := c.m[path]
	c.mu.RUnlock()
	return r
}

func (c *bodyCache) put(path string, r *rendered) {
	c.mu.Lock()
	if len(c.m) < maxCachedBodies {
		c.m[path] = r
	}
	c.mu.Unlock()
}

func generation(s *agent.Snapshot) uint64 {
	if s == nil {
		return 0
	}
	return s.Generation
}
