package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// maxControlBody bounds a control request body; a sled spec is a few hundred
// bytes.
const maxControlBody = 64 << 10

// ControlHandler serves the simulator's JSON control API, meant for
// loopback only (it has no authentication):
//
//	GET    /sim/v1/state                                the StateView
//	PUT    /sim/v1/bays/{bay}/sled                      plug a sled (body: a sled spec)
//	DELETE /sim/v1/bays/{bay}/sled                      pull it
//	PATCH  /sim/v1/bays/{bay}/sled                      {"temperature": 40.5}
//	POST   /sim/v1/bays/{bay}/sled/corrupt-fru          break the board area checksum
//	PUT    /sim/v1/bays/{bay}/slots/{slot}/drive        plug a drive (body: a drive spec)
//	DELETE /sim/v1/bays/{bay}/slots/{slot}/drive        pull it
//	PATCH  /sim/v1/bays/{bay}/slots/{slot}/drive        {"temperature": 71, "percent_used": 90, "warnings": ["spare"]}
//	PUT    /sim/v1/bays/{bay}/faults                    {"i2c": "nack", "mcu": "after-reset", "uart": "noise"}; {} clears
//	PATCH  /sim/v1/interposer/ports/{port}              {"link": false, "errors": 5}: drop or train a link, count errors
//	POST   /sim/v1/interposer/reset                     the switch restarts (its unsaved bindings are lost)
//
// Every change answers with the bay's new BayState. Errors are
// {"error": "..."}: 400 for a bad body, 404 for an unknown bay or slot or a
// missing sled or drive, 409 when the bay or slot is occupied, 413 for a
// body over 64 KiB.
func ControlHandler(c *Chassis) http.Handler {
	mux := http.NewServeMux()
	ctl := &control{c: c}
	mux.HandleFunc("GET /sim/v1/state", ctl.state)
	mux.HandleFunc("PUT /sim/v1/bays/{bay}/sled", ctl.plugSled)
	mux.HandleFunc("DELETE /sim/v1/bays/{bay}/sled", ctl.unplugSled)
	mux.HandleFunc("PATCH /sim/v1/bays/{bay}/sled", ctl.patchSled)
	mux.HandleFunc("POST /sim/v1/bays/{bay}/sled/corrupt-fru", ctl.corruptFRU)
	mux.HandleFunc("PUT /sim/v1/bays/{bay}/slots/{slot}/drive", ctl.plugDrive)
	mux.HandleFunc("DELETE /sim/v1/bays/{bay}/slots/{slot}/drive", ctl.unplugDrive)
	mux.HandleFunc("PATCH /sim/v1/bays/{bay}/slots/{slot}/drive", ctl.patchDrive)
	mux.HandleFunc("PUT /sim/v1/bays/{bay}/faults", ctl.putFaults)
	mux.HandleFunc("PATCH /sim/v1/interposer/ports/{port}", ctl.patchSwitchPort)
	mux.HandleFunc("POST /sim/v1/interposer/reset", ctl.resetSwitch)
	return jsonErrors(mux)
}

// jsonErrors answers what the mux itself rejects (no route: 404, wrong
// method: 405) in the API's JSON error form.
func jsonErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			// Through the mux again: only its ServeHTTP sets PathValue.
			mux.ServeHTTP(w, r)
			return
		}
		rec := &statusOnly{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		status := rec.status
		if status == 0 || status < 400 {
			status = http.StatusNotFound
		}
		writeError(w, status, fmt.Sprintf("%s %s: %s", r.Method, r.URL.Path, strings.ToLower(http.StatusText(status))))
	})
}

// statusOnly records the status a handler chose and discards its body.
type statusOnly struct {
	header http.Header
	status int
}

func (s *statusOnly) Header() http.Header         { return s.header }
func (s *statusOnly) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusOnly) WriteHeader(code int)        { s.status = code }

type control struct{ c *Chassis }

func (ctl *control) state(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, ctl.c.State())
}

func (ctl *control) plugSled(w http.ResponseWriter, r *http.Request) {
	bay, ok := pathInt(w, r, "bay")
	if !ok {
		return
	}
	var spec SledSpec
	if !decodeBody(w, r, &spec) {
		return
	}
	ctl.answer(w, bay, http.StatusCreated, ctl.c.PlugSled(bay, spec))
}

func (ctl *control) unplugSled(w http.ResponseWriter, r *http.Request) {
	bay, ok := pathInt(w, r, "bay")
	if !ok {
		return
	}
	ctl.answer(w, bay, http.StatusOK, ctl.c.UnplugSled(bay))
}

func (ctl *control) patchSled(w http.ResponseWriter, r *http.Request) {
	bay, ok := pathInt(w, r, "bay")
	if !ok {
		return
	}
	var change struct {
		Temperature *float64 `json:"temperature"`
	}
	if !decodeBody(w, r, &change) {
		return
	}
	if change.Temperature == nil {
		writeError(w, http.StatusBadRequest, "nothing to change: give temperature")
		return
	}
	ctl.answer(w, bay, http.StatusOK, ctl.c.SetSledTemperature(bay, *change.Temperature))
}

func (ctl *control) putFaults(w http.ResponseWriter, r *http.Request) {
	bay, ok := pathInt(w, r, "bay")
	if !ok {
		return
	}
	var f Faults
	if !decodeBody(w, r, &f) {
		return
	}
	ctl.answer(w, bay, http.StatusOK, ctl.c.SetFaults(bay, f))
}

func (ctl *control) patchSwitchPort(w http.ResponseWriter, r *http.Request) {
	port, ok := pathInt(w, r, "port")
	if !ok {
		return
	}
	sw := ctl.c.Switch()
	if sw == nil {
		writeError(w, http.StatusNotFound, "the board has no interposer switch")
		return
	}
	var change struct {
		Link   *bool `json:"link"`
		Errors *int  `json:"errors"`
	}
	if !decodeBody(w, r, &change) {
		return
	}
	if change.Link == nil && change.Errors == nil {
		writeError(w, http.StatusBadRequest, "nothing to change: give link and/or errors")
		return
	}
	if change.Errors != nil && (*change.Errors < 0 || *change.Errors > 1<<20) {
		writeError(w, http.StatusBadRequest, "errors: 0..1048576")
		return
	}
	if change.Link != nil {
		if err := sw.SetLink(port, *change.Link); err != nil {
			writeError(w, http.StatusNotFound, err.Error())
			return
		}
	}
	if change.Errors != nil {
		if err := sw.InjectErrors(port, *change.Errors); err != nil {
			writeError(w, http.StatusNotFound, err.Error())
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"port": port, "bindings": sw.Bindings()})
}

func (ctl *control) resetSwitch(w http.ResponseWriter, r *http.Request) {
	sw := ctl.c.Switch()
	if sw == nil {
		writeError(w, http.StatusNotFound, "the board has no interposer switch")
		return
	}
	sw.Reset()
	writeJSON(w, http.StatusOK, map[string]any{"bindings": sw.Bindings()})
}

func (ctl *control) corruptFRU(w http.ResponseWriter, r *http.Request) {
	bay, ok := pathInt(w, r, "bay")
	if !ok {
		return
	}
	ctl.answer(w, bay, http.StatusOK, ctl.c.CorruptFRU(bay))
}

func (ctl *control) plugDrive(w http.ResponseWriter, r *http.Request) {
	bay, ok := pathInt(w, r, "bay")
	if !ok {
		return
	}
	slot, ok := pathInt(w, r, "slot")
	if !ok {
		return
	}
	// The slot comes from the path; a body may repeat it but not
	// contradict it. The outer Slot shadows DriveSpec's for decoding.
	var body struct {
		DriveSpec
		Slot *int `json:"slot"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Slot != nil && *body.Slot != slot {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("body says slot %d, path says slot %d", *body.Slot, slot))
		return
	}
	ctl.answer(w, bay, http.StatusCreated, ctl.c.PlugDrive(bay, slot, body.DriveSpec))
}

func (ctl *control) unplugDrive(w http.ResponseWriter, r *http.Request) {
	bay, ok := pathInt(w, r, "bay")
	if !ok {
		return
	}
	slot, ok := pathInt(w, r, "slot")
	if !ok {
		return
	}
	ctl.answer(w, bay, http.StatusOK, ctl.c.UnplugDrive(bay, slot))
}

func (ctl *control) patchDrive(w http.ResponseWriter, r *http.Request) {
	bay, ok := pathInt(w, r, "bay")
	if !ok {
		return
	}
	slot, ok := pathInt(w, r, "slot")
	if !ok {
		return
	}
	var change DriveHealthChange
	if !decodeBody(w, r, &change) {
		return
	}
	ctl.answer(w, bay, http.StatusOK, ctl.c.SetDriveHealth(bay, slot, change))
}

// answer writes the bay's state after a successful change, or the error.
func (ctl *control) answer(w http.ResponseWriter, bay, okStatus int, err error) {
	if err != nil {
		writeError(w, errorStatus(err), err.Error())
		return
	}
	for _, b := range ctl.c.State().Bays {
		if b.Bay == bay {
			writeJSON(w, okStatus, b)
			return
		}
	}
	writeError(w, http.StatusNotFound, fmt.Sprintf("bay %d: %v", bay, ErrNoSuchBay))
}

// errorStatus maps a chassis error to its HTTP status.
func errorStatus(err error) int {
	switch {
	case errors.Is(err, ErrNoSuchBay), errors.Is(err, ErrNoSuchSlot),
		errors.Is(err, ErrNoSled), errors.Is(err, ErrNoDrive), errors.Is(err, ErrNoSensor):
		return http.StatusNotFound
	case errors.Is(err, ErrOccupied), errors.Is(err, ErrClosed):
		return http.StatusConflict
	case errors.Is(err, ErrInvalidSpec):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// pathInt reads a numeric path segment; anything else names no bay or slot.
func pathInt(w http.ResponseWriter, r *http.Request, name string) (int, bool) {
	s := r.PathValue(name)
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		notFound := ErrNoSuchBay
		if name == "slot" {
			notFound = ErrNoSuchSlot
		}
		writeError(w, http.StatusNotFound, fmt.Sprintf("%s %q: %v", name, s, notFound))
		return 0, false
	}
	return v, true
}

// decodeBody reads one JSON object into v, rejecting unknown fields,
// trailing data and bodies over the limit.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxControlBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body is over %d bytes", tooBig.Limit))
		return false
	case err != nil:
		writeError(w, http.StatusBadRequest, "body: "+err.Error())
		return false
	}
	if t := bytes.TrimSpace(data); len(t) == 0 || t[0] != '{' {
		writeError(w, http.StatusBadRequest, "body: want a JSON object")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "body: "+err.Error())
		return false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		writeError(w, http.StatusBadRequest, "body: trailing data after the JSON object")
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away; nothing to tell it
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
