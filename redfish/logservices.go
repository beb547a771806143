package redfish

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chassisd/chassisd/internal/atomicfile"
)

// The manager's event log: a LogService of Redfish events that the agent,
// the event service and this package append to, kept in memory with a
// bound and persisted to <stateDir>/eventlog.json.
const (
	logServicesPath = managerPath + "/LogServices"
	eventLogID      = "EventLog"
	eventLogPath    = logServicesPath + "/" + eventLogID
	logEntriesPath  = eventLogPath + "/Entries"
	clearLogPath    = eventLogPath + "/Actions/LogService.ClearLog"
	eventLogFile    = "eventlog.json"
	// maxLogEntries bounds the log: the oldest entry goes when a new one
	// would exceed it (OverWritePolicy WrapsWhenFull). A thousand entries
	// are about 300 kB on flash.
	maxLogEntries = 1000
	// eventLogVersion is the file format's version.
	eventLogVersion = 1
	// maxLogID bounds entry ids: clients read JSON numbers as doubles, and
	// an id at the top of uint64 would leave no next one.
	maxLogID = 1 << 53
)

var (
	schemaLogService           = schema{name: "LogService", version: "v1_9_0"}
	schemaLogServiceCollection = schema{name: "LogServiceCollection"}
	schemaLogEntry             = schema{name: "LogEntry", version: "v1_21_0"}
	schemaLogEntryCollection   = schema{name: "LogEntryCollection"}
	logSeverities              = []string{"OK", "Warning", "Critical"}
	errEventLogFormat          = errors.New("not a chassisd event log")
	errEventLogVersion         = errors.New("unsupported event log version")
)

// logEntry is one event log entry, as kept in memory and on disk.
type logEntry struct {
	ID        uint64    `json:"id"`
	Created   time.Time `json:"created"`
	Severity  string    `json:"severity"`
	MessageID string    `json:"messageId"`
	Message   string    `json:"message"`
	Args      []string  `json:"args,omitempty"`
	Origin    string    `json:"origin,omitempty"`
}

// eventLogData is the eventlog.json document.
type eventLogData struct {
	Version int        `json:"version"`
	NextID  uint64     `json:"nextId"`
	Entries []logEntry `json:"entries"`
}

// eventLog is the bounded log. Appends never wait for the disk: they mark
// the log dirty and a short-lived goroutine writes the newest state, so the
// agent or the event broker calling AppendLog is never slowed by flash.
type eventLog struct {
	mu      sync.Mutex
	max     int
	entries []logEntry // oldest first
	nextID  uint64
	path    string // "" until a state directory is known
	logger  *slog.Logger
	// dirty is set when entries changed since the last write; flushing
	// while a writer goroutine runs. idle is signalled when it stops.
	dirty, flushing bool
	idle            *sync.Cond
}

func newEventLog(max int) *eventLog {
	l := &eventLog{max: max, nextID: 1, logger: slog.Default()}
	l.idle = sync.NewCond(&l.mu)
	return l
}

// open loads <dir>/eventlog.json and keeps the log there from now on.
// Entries appended before open follow the loaded ones.
func (l *eventLog) open(dir string, logger *slog.Logger, now func() time.Time) error {
	path := filepath.Join(dir, eventLogFile)
	l.mu.Lock()
	current := l.path
	l.mu.Unlock()
	switch {
	case current == path:
		return nil
	case current != "":
		return fmt.Errorf("redfish: event log already kept in %s", current)
	}
	data, err := os.ReadFile(path)
	var loaded eventLogData
	switch {
	case errors.Is(err, fs.ErrNotExist):
		loaded = eventLogData{Version: eventLogVersion, NextID: 1}
	case err != nil:
		return fmt.Errorf("redfish: event log: %w", err)
	default:
		loaded, err = parseEventLog(data, l.max)
		if err != nil {
			aside := path + ".corrupt-" + now().UTC().Format("20060102T150405Z")
			if rerr := os.Rename(path, aside); rerr != nil {
				return fmt.Errorf("redfish: event log %s: %w; moving it aside: %w", path, err, rerr)
			}
			logger.Warn("event log unreadable; moved aside, starting a new one", "file", path, "moved_to", aside, "err", err)
			loaded = eventLogData{Version: eventLogVersion, NextID: 1}
		}
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	pending := l.entries
	l.entries, l.nextID = loaded.Entries, loaded.NextID
	for _, e := range pending {
		l.appendLocked(e)
	}
	l.path, l.logger = path, logger
	if len(pending) > 0 {
		l.markDirtyLocked()
	}
	return nil
}

// parseEventLog decodes and checks an eventlog.json document: version 1,
// ids increasing, severities from the Health enum, at most max entries
// (the newest are kept).
func parseEventLog(data []byte, max int) (eventLogData, error) {
	var d eventLogData
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return eventLogData{}, fmt.Errorf("%w: %w", errEventLogFormat, err)
	}
	if dec.More() {
		return eventLogData{}, fmt.Errorf("%w: data after the document", errEventLogFormat)
	}
	if d.Version != eventLogVersion {
		return eventLogData{}, fmt.Errorf("%w %d", errEventLogVersion, d.Version)
	}
	var last uint64
	for i, e := range d.Entries {
		switch {
		case e.ID == 0 || e.ID <= last:
			return eventLogData{}, fmt.Errorf("%w: entry %d: id %d not above %d", errEventLogFormat, i, e.ID, last)
		case !slices.Contains(logSeverities, e.Severity):
			return eventLogData{}, fmt.Errorf("%w: entry %d: severity %q", errEventLogFormat, i, e.Severity)
		case e.Created.IsZero():
			return eventLogData{}, fmt.Errorf("%w: entry %d: no creation time", errEventLogFormat, i)
		}
		last = e.ID
	}
	if last >= maxLogID || d.NextID > maxLogID {
		return eventLogData{}, fmt.Errorf("%w: ids beyond %d", errEventLogFormat, uint64(maxLogID))
	}
	if d.NextID <= last {
		d.NextID = last + 1
	}
	if len(d.Entries) > max {
		d.Entries = d.Entries[len(d.Entries)-max:]
	}
	if d.Entries == nil {
		d.Entries = []logEntry{}
	}
	return d, nil
}

// add appends an entry, numbering it, and schedules the write.
func (l *eventLog) add(e logEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.appendLocked(e)
	l.markDirtyLocked()
}

func (l *eventLog) appendLocked(e logEntry) {
	e.ID = l.nextID
	l.nextID++
	if len(l.entries) >= l.max {
		// Drop the oldest: copy down rather than reslice, so the backing
		// array does not grow without bound.
		n := copy(l.entries, l.entries[len(l.entries)-l.max+1:])
		l.entries = l.entries[:n]
	}
	l.entries = append(l.entries, e)
}

// clear removes every entry. Ids keep counting up, so a client that kept
// an entry's URI never sees it reused for another event.
func (l *eventLog) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = nil
	l.markDirtyLocked()
}

// list returns a copy of the entries, oldest first.
func (l *eventLog) list() []logEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.entries)
}

// get returns the entry with id.
func (l *eventLog) get(id uint64) (logEntry, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i, ok := slices.BinarySearchFunc(l.entries, id, func(e logEntry, id uint64) int {
		switch {
		case e.ID < id:
			return -1
		case e.ID > id:
			return 1
		}
		return 0
	})
	if !ok {
		return logEntry{}, false
	}
	return l.entries[i], true
}

func (l *eventLog) markDirtyLocked() {
	if l.path == "" {
		return
	}
	l.dirty = true
	if !l.flushing {
		l.flushing = true
		go l.flush()
	}
}

// flush writes the log until it is clean, then stops. Only one runs at a
// time, and each write has the newest entries, so the file never goes back
// to an older state.
func (l *eventLog) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.dirty {
		l.dirty = false
		data, err := json.Marshal(eventLogData{Version: eventLogVersion, NextID: l.nextID, Entries: l.entries})
		path, logger := l.path, l.logger
		l.mu.Unlock()
		if err == nil {
			err = atomicfile.Write(path, append(data, '\n'), 0o600)
		}
		if err != nil {
			logger.Error("event log not saved", "file", path, "err", err)
		}
		l.mu.Lock()
	}
	l.flushing = false
	l.idle.Broadcast()
}

// wait blocks until every change so far is on disk (or failed to be).
func (l *eventLog) wait() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.flushing {
		l.idle.Wait()
	}
}

// FlushEventLog waits until every event log entry appended so far is on
// disk (or its write failed and was logged). Call it before the process
// exits: appends are written in the background.
func (s *Service) FlushEventLog() { s.ocp.events.wait() }

// AppendLog adds an entry to the manager's event log
// (/redfish/v1/Managers/bmc/LogServices/EventLog). severity is OK, Warning
// or Critical (anything else is kept as Warning); messageID names the
// message in its registry ("Chassisd.1.0.SledAdded"); message is the text
// with args filled in; origin is the @odata.id of the resource the event is
// about, or "". It never blocks on the disk and is safe for concurrent use.
func (s *Service) AppendLog(severity, messageID, message string, args []string, origin string) {
	if !slices.Contains(logSeverities, severity) {
		s.log.Warn("event log: unknown severity, kept as Warning", "severity", severity, "message_id", messageID)
		severity = "Warning"
	}
	if !strings.HasPrefix(origin, "/redfish/v1") {
		origin = ""
	}
	s.ocp.events.add(logEntry{
		Created: s.now(), Severity: severity, MessageID: messageID, Message: message,
		Args: slices.Clone(args), Origin: origin,
	})
}

func (s *Service) logServiceRoutes(rt *router) {
	rt.handle(logServicesPath, s.getLogServices)
	// The log service shows the clock and the entries change without a
	// new snapshot: neither is kept in the body cache.
	rt.handle(eventLogPath, s.getEventLog, volatile)
	rt.handle(logEntriesPath, s.getLogEntries, volatile)
	rt.handle(logEntriesPath+"/{}", s.getLogEntry, volatile)
	rt.on(clearLogPath, http.MethodPost, s.postClearLog, privConfigureManager)
}

func (s *Service) getLogServices(rc *reqCtx) (*rendered, error) {
	if rc.snap == nil {
		return nil, errNotFound(rc.path)
	}
	return renderJSON(newCollection(logServicesPath, schemaLogServiceCollection, "Log Service Collection",
		[]link{{eventLogPath}}), schemaLogServiceCollection)
}

type logService struct {
	ODataID             string            `json:"@odata.id"`
	ODataType           string            `json:"@odata.type"`
	ID                  string            `json:"Id"`
	Name                string            `json:"Name"`
	Description         string            `json:"Description"`
	MaxNumberOfRecords  int               `json:"MaxNumberOfRecords"`
	OverWritePolicy     string            `json:"OverWritePolicy"`
	DateTime            string            `json:"DateTime"`
	DateTimeLocalOffset string            `json:"DateTimeLocalOffset"`
	ServiceEnabled      bool              `json:"ServiceEnabled"`
	LogEntryType        string            `json:"LogEntryType"`
	LogPurposes         []string          `json:"LogPurposes"`
	Persistency         bool              `json:"Persistency"`
	Status              status            `json:"Status"`
	Entries             link              `json:"Entries"`
	Actions             logServiceActions `json:"Actions"`
}

type logServiceActions struct {
	ClearLog actionTarget `json:"#LogService.ClearLog"`
}

func (s *Service) getEventLog(rc *reqCtx) (*rendered, error) {
	if rc.snap == nil {
		return nil, errNotFound(rc.path)
	}
	now := s.now()
	return renderJSON(logService{
		ODataID:             eventLogPath,
		ODataType:           schemaLogService.odataType(),
		ID:                  eventLogID,
		Name:                "Event Log",
		Description:         "Events of the chassis and of this manager",
		MaxNumberOfRecords:  maxLogEntries,
		OverWritePolicy:     "WrapsWhenFull",
		DateTime:            now.Format(dateTimeFormat),
		DateTimeLocalOffset: now.Format("-07:00"),
		ServiceEnabled:      true,
		LogEntryType:        "Event",
		LogPurposes:         []string{"Operations"},
		Persistency:         s.ocp.stateDirectory() != "",
		Status:              status{State: stateEnabled, Health: "OK"},
		Entries:             link{logEntriesPath},
		Actions:             logServiceActions{ClearLog: actionTarget{Target: clearLogPath}},
	}, schemaLogService)
}

// logEntryCollection is the Entries collection. Its schema auto-expands
// Members: each is the whole entry, not a link to it.
type logEntryCollection struct {
	ODataID   string             `json:"@odata.id"`
	ODataType string             `json:"@odata.type"`
	Name      string             `json:"Name"`
	Members   []logEntryResource `json:"Members"`
	Count     int                `json:"Members@odata.count"`
}

func (s *Service) getLogEntries(rc *reqCtx) (*rendered, error) {
	if rc.snap == nil {
		return nil, errNotFound(rc.path)
	}
	entries := s.ocp.events.list()
	members := make([]logEntryResource, len(entries))
	for i, e := range entries {
		members[i] = s.logEntryJSON(rc, e)
	}
	return renderJSON(logEntryCollection{
		ODataID: logEntriesPath, ODataType: schemaLogEntryCollection.odataType(), Name: "Event Log Entries",
		Members: members, Count: len(members),
	}, schemaLogEntryCollection)
}

func logEntryPath(id uint64) string { return logEntriesPath + "/" + strconv.FormatUint(id, 10) }

type logEntryResource struct {
	ODataID     string         `json:"@odata.id"`
	ODataType   string         `json:"@odata.type"`
	ID          string         `json:"Id"`
	Name        string         `json:"Name"`
	EntryType   string         `json:"EntryType"`
	Created     string         `json:"Created"`
	Severity    string         `json:"Severity"`
	Message     string         `json:"Message"`
	MessageID   string         `json:"MessageId"`
	MessageArgs []string       `json:"MessageArgs"`
	Links       *logEntryLinks `json:"Links,omitempty"`
}

type logEntryLinks struct {
	OriginOfCondition link `json:"OriginOfCondition"`
}

func (s *Service) getLogEntry(rc *reqCtx) (*rendered, error) {
	if rc.snap == nil {
		return nil, errNotFound(rc.path)
	}
	id, err := strconv.ParseUint(rc.params[0], 10, 64)
	if err != nil || strconv.FormatUint(id, 10) != rc.params[0] {
		return nil, errNotFound(rc.path)
	}
	e, ok := s.ocp.events.get(id)
	if !ok {
		return nil, errNotFound(rc.path)
	}
	return renderJSON(s.logEntryJSON(rc, e), schemaLogEntry)
}

// logEntryJSON renders one entry. Its origin is linked while that resource
// exists.
func (s *Service) logEntryJSON(rc *reqCtx, e logEntry) logEntryResource {
	id := strconv.FormatUint(e.ID, 10)
	res := logEntryResource{
		ODataID:     logEntryPath(e.ID),
		ODataType:   schemaLogEntry.odataType(),
		ID:          id,
		Name:        "Log Entry " + id,
		EntryType:   "Event",
		Created:     e.Created.Format(dateTimeFormat),
		Severity:    e.Severity,
		Message:     e.Message,
		MessageID:   e.MessageID,
		MessageArgs: e.Args,
	}
	if res.MessageArgs == nil {
		res.MessageArgs = []string{}
	}
	if e.Origin != "" && s.resourceExists(rc, e.Origin) {
		res.Links = &logEntryLinks{OriginOfCondition: link{e.Origin}}
	}
	return res
}

// resourceExists reports whether path is a resource now. An entry keeps
// its origin forever, but the sled it was about may have been pulled: a
// link that answers 404 is left out rather than shown dangling. Entries
// are never origins (asking would recurse).
func (s *Service) resourceExists(rc *reqCtx, path string) bool {
	p, ok := canonicalPath(path)
	if !ok || strings.HasPrefix(p, logEntriesPath) {
		return false
	}
	var buf [4]string
	rt, params := s.router.match(p, buf[:0])
	if rt == nil || rt.get == nil {
		return false
	}
	sub := &reqCtx{snap: rc.snap, path: p, params: params, who: rc.who}
	_, err := s.render(rt, sub)
	var ae *apiError
	return err == nil || !errors.As(err, &ae) || ae.status != http.StatusNotFound
}

// postClearLog is LogService.ClearLog: it empties the log and records that
// it did (LogService.1.1.LogCleared), so the log says who wiped it and when.
// LogEntriesETag, when given, must be the entries collection's current
// ETag: DSP0266 answers a stale one with 428.
func (s *Service) postClearLog(rc *reqCtx, _ *http.Request, body *props) (*reply, error) {
	if rc.snap == nil {
		return nil, errNotFound(rc.path)
	}
	a := newActionParams("LogService.ClearLog", body)
	etag, hasETag := a.str("LogEntriesETag")
	if e := a.done(); e != nil {
		return nil, e
	}
	if hasETag {
		cur, err := s.getLogEntries(rc)
		if err != nil {
			return nil, err
		}
		if !matchesETag(etag, cur.etag) {
			return nil, &apiError{status: http.StatusPreconditionRequired, msg: msgPreconditionFailed}
		}
	}
	s.ocp.events.clear()
	s.AppendLog("OK", logServiceRegistry+"LogCleared", "Log '"+eventLogPath+"' was cleared.",
		[]string{eventLogPath}, eventLogPath)
	s.ocp.events.wait()
	s.log.Info("event log cleared", "user", rc.who.user)
	return &reply{status: http.StatusNoContent}, nil
}
