package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/chassisd/chassisd/internal/atomicfile"
)

// serviceUUID returns the Redfish service UUID, made at first start and kept
// in the state directory: clients use it to recognise the same service
// across restarts and address changes.
func serviceUUID(stateDir string) (string, error) {
	path := filepath.Join(stateDir, "service-uuid")
	if b, err := os.ReadFile(path); err == nil {
		u := strings.TrimSpace(string(b))
		if len(u) != 36 {
			return "", fmt.Errorf("%s: %q is not a UUID", path, u)
		}
		return u, nil
	} else if !os.IsNotExist(err) {
		return "", err
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	u := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	if err := atomicfile.Write(path, []byte(u+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("service UUID: %w", err)
	}
	return u, nil
}
