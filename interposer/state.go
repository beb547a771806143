package interposer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/chassisd/chassisd/internal/atomicfile"
)

// The routing on disk: <state-dir>/routing.json, written atomically, so a
// power cut leaves the old routing or the new one. It is the truth: the
// switch is programmed from it at start, whatever the switch holds.
//
//	{"version":7,"hosts":{"Host 0":[16,17],"Host 1":[24]}}
//
// version counts applied routings, so that an ETag made from it never
// comes back for a different routing, even across restarts.

// RoutingFile is the file's name in the state directory.
const RoutingFile = "routing.json"

// maxRoutingFile bounds what is read: a routing of 255 ports fits in a few
// KiB, so anything larger is not ours.
const maxRoutingFile = 1 << 20

type routingFile struct {
	Version uint64            `json:"version"`
	Hosts   *map[string][]int `json:"hosts"`
}

// parseRouting reads routing.json's contents. It checks the form only
// (ports are port numbers, names are not empty); whether the hosts and
// ports exist on this board is the router's business.
func parseRouting(data []byte) (Routing, uint64, error) {
	if len(data) > maxRoutingFile {
		return Routing{}, 0, fmt.Errorf("%d bytes is too large for a routing", len(data))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var f routingFile
	if err := dec.Decode(&f); err != nil {
		return Routing{}, 0, fmt.Errorf("not a routing: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Routing{}, 0, errors.New("not a routing: data after the JSON object")
	}
	if f.Hosts == nil {
		return Routing{}, 0, errors.New(`not a routing: no "hosts"`)
	}
	for h, ports := range *f.Hosts {
		if strings.TrimSpace(h) == "" {
			return Routing{}, 0, errors.New("a host without a name")
		}
		for _, p := range ports {
			if p < 0 || p > maxPort {
				return Routing{}, 0, fmt.Errorf("host %q: port %d is not a port number (0..%d)", h, p, maxPort)
			}
		}
	}
	return Routing{Hosts: *f.Hosts}.Clone(), f.Version, nil
}

// maxPort is the highest physical port number: ports travel as one byte,
// 0xFF meaning "all".
const maxPort = 254

// encodeRouting renders the file's contents; parseRouting reads them back.
func encodeRouting(r Routing, version uint64) ([]byte, error) {
	hosts := r.Clone().Hosts
	data, err := json.Marshal(routingFile{Version: version, Hosts: &hosts})
	if err != nil {
		return nil, fmt.Errorf("encode routing: %w", err)
	}
	return append(data, '\n'), nil
}

// loadRouting reads the persisted routing. found is false when there is
// none (no state directory, or no file yet). A file that cannot be parsed
// is returned as bad, for the caller to report: it is not fatal.
func loadRouting(path string) (r Routing, version uint64, found bool, bad error, err error) {
	if path == "" {
		return Routing{}, 0, false, nil, nil
	}
	fh, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return Routing{}, 0, false, nil, nil
	}
	if err != nil {
		return Routing{}, 0, false, nil, fmt.Errorf("interposer: read routing: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxRoutingFile+1))
	if err != nil {
		return Routing{}, 0, false, nil, fmt.Errorf("interposer: read routing %s: %w", path, err)
	}
	r, version, perr := parseRouting(data)
	if perr != nil {
		return Routing{}, 0, false, fmt.Errorf("%s: %w", path, perr), nil
	}
	return r, version, true, nil, nil
}

// saveRouting persists a routing the switch matches.
func saveRouting(path string, r Routing, version uint64) error {
	if path == "" {
		return nil
	}
	data, err := encodeRouting(r, version)
	if err != nil {
		return fmt.Errorf("interposer: persist routing: %w", err)
	}
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return fmt.Errorf("interposer: persist routing: %w", err)
	}
	return nil
}

// keepUnreadable moves an unreadable routing file aside, so that the one
// about to replace it does not destroy what an operator may want to see.
func keepUnreadable(path string) error {
	aside := filepath.Join(filepath.Dir(path), RoutingFile+".unreadable")
	if err := os.Rename(path, aside); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("interposer: keep unreadable routing: %w", err)
	}
	return nil
}
