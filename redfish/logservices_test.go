package redfish

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chassisd/chassisd/agent"
)

// entryIDs returns the ids of the event log's entries, oldest first.
func entryIDs(t *testing.T, o *ocpFixture) []string {
	t.Helper()
	var out []string
	for _, m := range o.get(logEntriesPath)["Members"].([]any) {
		id := m.(map[string]any)["@odata.id"].(string)
		out = append(out, id[strings.LastIndex(id, "/")+1:])
	}
	return out
}

func TestEventLogResources(t *testing.T) {
	o := newOCPFixture(t)
	ls := o.get(eventLogPath)
	for k, want := range map[string]any{
		"@odata.type": "#LogService.v1_9_0.LogService", "Id": "EventLog", "MaxNumberOfRecords": 1000.0,
		"OverWritePolicy": "WrapsWhenFull", "LogEntryType": "Event", "ServiceEnabled": true, "Persistency": true,
		"DateTime": "2025-03-04T06:00:00+02:00", "DateTimeLocalOffset": "+02:00",
	} {
		if ls[k] != want {
			t.Errorf("LogService %s = %v, want %v", k, ls[k], want)
		}
	}
	if at(t, ls, "Actions", "#LogService.ClearLog", "target") != clearLogPath || at(t, ls, "Entries", "@odata.id") != logEntriesPath {
		t.Errorf("LogService links %v %v", ls["Actions"], ls["Entries"])
	}
	if got := ids(t, o.get(logServicesPath)["Members"]); !reflect.DeepEqual(got, []string{eventLogPath}) {
		t.Errorf("LogServices %v", got)
	}
	if n := o.get(logEntriesPath)["Members@odata.count"]; n != 0.0 {
		t.Errorf("new log has %v entries", n)
	}

	o.svc.AppendLog("Critical", "Chassisd.1.0.SledRemoved", "The sled in bay 1 was removed.", []string{"1"}, "/redfish/v1/Chassis/Sled1")
	o.svc.AppendLog("OK", "Chassisd.1.0.SledAdded", "A sled was found in bay 0.", []string{"0"}, "/redfish/v1/Chassis/Sled0")
	o.svc.AppendLog("Bogus", "Chassisd.1.0.Odd", "odd", nil, "http://elsewhere/x")
	if got := entryIDs(t, o); !reflect.DeepEqual(got, []string{"1", "2", "3"}) {
		t.Fatalf("entries %v", got)
	}
	// The collection's members are the entries themselves (AutoExpand).
	if m := at(t, o.get(logEntriesPath), "Members", 1).(map[string]any); m["MessageId"] != "Chassisd.1.0.SledAdded" || m["Id"] != "2" {
		t.Errorf("expanded member %v", m)
	}
	e := o.get(logEntriesPath + "/2")
	for k, want := range map[string]any{
		"@odata.type": "#LogEntry.v1_21_0.LogEntry", "Id": "2", "EntryType": "Event", "Severity": "OK",
		"Message": "A sled was found in bay 0.", "MessageId": "Chassisd.1.0.SledAdded", "Created": "2025-03-04T06:00:00+02:00",
	} {
		if e[k] != want {
			t.Errorf("entry %s = %v, want %v", k, e[k], want)
		}
	}
	if !reflect.DeepEqual(e["MessageArgs"], []any{"0"}) || at(t, e, "Links", "OriginOfCondition", "@odata.id") != "/redfish/v1/Chassis/Sled0" {
		t.Errorf("entry args/origin %v %v", e["MessageArgs"], e["Links"])
	}
	// The pulled sled is no resource now: no dangling link.
	if _, ok := o.get(logEntriesPath + "/1")["Links"]; ok {
		t.Error("entry 1 links a Chassis that does not exist")
	}
	odd := o.get(logEntriesPath + "/3")
	if odd["Severity"] != "Warning" || odd["Links"] != nil || !reflect.DeepEqual(odd["MessageArgs"], []any{}) {
		t.Errorf("entry 3 %v", odd)
	}
	for _, p := range []string{"/0", "/4", "/02", "/x", "/-1"} {
		if rec := o.send(http.MethodGet, logEntriesPath+p, testUser, ""); rec.Code != http.StatusNotFound {
			t.Errorf("GET entry %s: %d", p, rec.Code)
		}
	}
	// Entries change without a new snapshot: never served stale.
	before := o.send(http.MethodGet, logEntriesPath, testUser, "").Header().Get("ETag")
	o.svc.AppendLog("OK", "Chassisd.1.0.X", "x", nil, "")
	if after := o.send(http.MethodGet, logEntriesPath, testUser, "").Header().Get("ETag"); after == before {
		t.Error("entries ETag unchanged after an append")
	}
}

func TestEventLogBound(t *testing.T) {
	o := newOCPFixture(t)
	l := newEventLog(3)
	if err := l.open(t.TempDir(), quietLogger(), o.svc.now); err != nil {
		t.Fatal(err)
	}
	o.svc.ocp.events = l
	for i := range 5 {
		o.svc.AppendLog("OK", "Chassisd.1.0.X", fmt.Sprint(i), nil, "")
	}
	l.wait()
	if got := entryIDs(t, o); !reflect.DeepEqual(got, []string{"3", "4", "5"}) {
		t.Errorf("entries %v", got)
	}
	if rec := o.send(http.MethodGet, logEntriesPath+"/1", testUser, ""); rec.Code != http.StatusNotFound {
		t.Errorf("dropped entry: %d", rec.Code)
	}
	if cap(l.entries) > 8 {
		t.Errorf("backing array grew to %d", cap(l.entries))
	}
}

func TestEventLogPersists(t *testing.T) {
	o := newOCPFixture(t)
	o.svc.AppendLog("Warning", "Chassisd.1.0.A", "a", []string{"x"}, "/redfish/v1/Chassis/Sled0")
	o.svc.AppendLog("OK", "Chassisd.1.0.B", "b", nil, "")
	o.svc.FlushEventLog()
	if fi, err := os.Stat(filepath.Join(o.dir, eventLogFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("eventlog.json: %v %v", fi, err)
	}

	// A second service on the same state directory: an entry appended
	// before SetStateDir follows the loaded ones.
	svc, err := New(Config{Snapshot: o.snap.Load, Accounts: sharedAccounts, Logger: quietLogger(), UUID: testUUID})
	if err != nil {
		t.Fatal(err)
	}
	svc.now = o.svc.now
	svc.AppendLog("OK", "Chassisd.1.0.C", "c", nil, "")
	if err := svc.SetStateDir(o.dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.FlushEventLog)
	got := svc.ocp.events.list()
	if len(got) != 3 || got[0].ID != 1 || got[0].MessageID != "Chassisd.1.0.A" || !reflect.DeepEqual(got[0].Args, []string{"x"}) ||
		got[0].Origin != "/redfish/v1/Chassis/Sled0" || got[2].ID != 3 || got[2].MessageID != "Chassisd.1.0.C" {
		t.Errorf("reloaded %+v", got)
	}
	if !got[0].Created.Equal(o.svc.now()) {
		t.Errorf("created %v", got[0].Created)
	}
}

func TestEventLogCorruptFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, eventLogFile)
	if err := os.WriteFile(path, []byte(`{"version":1,"entries":[{"id":2},{"id":1}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	svc, err := New(Config{Snapshot: func() *agent.Snapshot { return testSnapshot() }, Accounts: sharedAccounts, Logger: quietLogger(), UUID: testUUID})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetStateDir(dir); err != nil {
		t.Fatalf("a corrupt log must not stop the service: %v", err)
	}
	if n := len(svc.ocp.events.list()); n != 0 {
		t.Errorf("%d entries from a corrupt file", n)
	}
	aside, _ := filepath.Glob(path + ".corrupt-*")
	if len(aside) != 1 {
		t.Errorf("corrupt file not kept aside: %v", aside)
	}
	if err := svc.SetStateDir(dir); err != nil {
		t.Errorf("same state directory again: %v", err)
	}
	if err := svc.SetStateDir(t.TempDir()); err == nil {
		t.Error("a second state directory accepted")
	}
	if err := svc.SetStateDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing state directory accepted")
	}
}

func TestClearLog(t *testing.T) {
	o := newOCPFixture(t)
	for i := range 3 {
		o.svc.AppendLog("OK", "Chassisd.1.0.X", fmt.Sprint(i), nil, "")
	}
	for _, tc := range []struct {
		name, user, body string
		status           int
		ids              []string
	}{
		{"operator", ocpOperator, `{}`, 403, []string{"Base.1.22.InsufficientPrivilege"}},
		{"read only", ocpReadOnly, `{}`, 403, []string{"Base.1.22.InsufficientPrivilege"}},
		{"unknown parameter", testUser, `{"All": true}`, 400, []string{"Base.1.22.ActionParameterUnknown"}},
		{"etag type", testUser, `{"LogEntriesETag": 5}`, 400, []string{"Base.1.22.ActionParameterValueTypeError"}},
		{"stale etag", testUser, `{"LogEntriesETag": "W/\"0000\""}`, 428, []string{"Base.1.22.PreconditionFailed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if ids := wantError(t, o.send(http.MethodPost, clearLogPath, tc.user, tc.body), tc.status); !reflect.DeepEqual(ids, tc.ids) {
				t.Errorf("MessageIds %v, want %v", ids, tc.ids)
			}
		})
	}
	if got := entryIDs(t, o); len(got) != 3 {
		t.Fatalf("entries after refused clears: %v", got)
	}
	etag := o.send(http.MethodGet, logEntriesPath, testUser, "").Header().Get("ETag")
	body, _ := json.Marshal(map[string]string{"LogEntriesETag": etag})
	if rec := o.send(http.MethodPost, clearLogPath, testUser, string(body)); rec.Code != http.StatusNoContent {
		t.Fatalf("clear: %d %s", rec.Code, rec.Body)
	}
	// One entry remains: who cleared it. Ids go on from where they were.
	if got := entryIDs(t, o); !reflect.DeepEqual(got, []string{"4"}) {
		t.Fatalf("entries after clear %v", got)
	}
	e := o.get(logEntriesPath + "/4")
	if e["MessageId"] != "LogService.1.1.LogCleared" || e["Message"] != "Log '"+eventLogPath+"' was cleared." ||
		at(t, e, "Links", "OriginOfCondition", "@odata.id") != eventLogPath {
		t.Errorf("cleared entry %v", e)
	}
	// The clear is on disk when the request returns.
	data, err := os.ReadFile(filepath.Join(o.dir, eventLogFile))
	if err != nil {
		t.Fatal(err)
	}
	d, err := parseEventLog(data, maxLogEntries)
	if err != nil || len(d.Entries) != 1 || d.NextID != 5 {
		t.Errorf("file after clear: %+v %v", d, err)
	}
	if rec := o.send(http.MethodPost, clearLogPath, testUser, `{}`); rec.Code != http.StatusNoContent {
		t.Errorf("clear with {}: %d", rec.Code)
	}
}

// TestEventLogConcurrent appends, reads and clears at once; the race
// detector checks the locking.
func TestEventLogConcurrent(t *testing.T) {
	o := newOCPFixture(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				o.svc.AppendLog("OK", "Chassisd.1.0.X", fmt.Sprint(g, i), nil, "/redfish/v1/Chassis/Sled0")
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			rec := o.send(http.MethodGet, logEntriesPath, testUser, "")
			if rec.Code != http.StatusOK {
				t.Errorf("GET entries: %d", rec.Code)
			}
			rec = o.send(http.MethodGet, logEntriesPath+"/1", testUser, "")
			if rec.Code != http.StatusOK && rec.Code != http.StatusNotFound {
				t.Errorf("GET entry: %d", rec.Code)
			}
		}
	})
	wg.Go(func() {
		time.Sleep(time.Millisecond)
		if rec := o.send(http.MethodPost, clearLogPath, testUser, `{}`); rec.Code != http.StatusNoContent {
			t.Errorf("clear: %d", rec.Code)
		}
	})
	wg.Wait()
	o.svc.FlushEventLog()
	data, err := os.ReadFile(filepath.Join(o.dir, eventLogFile))
	if err != nil {
		t.Fatal(err)
	}
	d, err := parseEventLog(data, maxLogEntries)
	if err != nil {
		t.Fatal(err)
	}
	if mem := o.svc.ocp.events.list(); !reflect.DeepEqual(len(d.Entries), len(mem)) || d.Entries[len(d.Entries)-1].ID != mem[len(mem)-1].ID {
		t.Errorf("file has %d entries, memory %d", len(d.Entries), len(mem))
	}
}

func TestParseEventLog(t *testing.T) {
	created := `"2025-03-04T06:00:00+02:00"`
	entry := func(id int, sev string) string {
		return fmt.Sprintf(`{"id":%d,"created":%s,"severity":%q,"messageId":"M","message":"m"}`, id, created, sev)
	}
	for _, tc := range []struct {
		name, doc string
		ok        bool
		n         int
		next      uint64
	}{
		{"empty", `{"version":1,"nextId":1,"entries":[]}`, true, 0, 1},
		{"two", `{"version":1,"nextId":9,"entries":[` + entry(3, "OK") + `,` + entry(8, "Critical") + `]}`, true, 2, 9},
		{"next id behind", `{"version":1,"nextId":2,"entries":[` + entry(3, "OK") + `]}`, true, 1, 4},
		{"too many keeps newest", `{"version":1,"entries":[` + entry(1, "OK") + `,` + entry(2, "OK") + `,` + entry(3, "OK") + `]}`, true, 2, 4},
		{"version", `{"version":2,"entries":[]}`, false, 0, 0},
		{"ids not increasing", `{"version":1,"entries":[` + entry(2, "OK") + `,` + entry(2, "OK") + `]}`, false, 0, 0},
		{"id zero", `{"version":1,"entries":[` + entry(0, "OK") + `]}`, false, 0, 0},
		{"severity", `{"version":1,"entries":[` + entry(1, "Bad") + `]}`, false, 0, 0},
		{"no time", `{"version":1,"entries":[{"id":1,"severity":"OK"}]}`, false, 0, 0},
		{"unknown field", `{"version":1,"entries":[],"x":1}`, false, 0, 0},
		{"trailing", `{"version":1,"entries":[]} {}`, false, 0, 0},
		{"not JSON", `{"version":1,`, false, 0, 0},
	} {
		d, err := parseEventLog([]byte(tc.doc), 2)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.name, err)
			continue
		}
		if tc.ok && (len(d.Entries) != tc.n || d.NextID != tc.next) {
			t.Errorf("%s: %d entries, next %d", tc.name, len(d.Entries), d.NextID)
		}
	}
}

// FuzzEventLogFile loads arbitrary eventlog.json contents: never a panic,
// and what loads keeps the log's invariants and survives a round trip.
func FuzzEventLogFile(f *testing.F) {
	f.Add([]byte(`{"version":1,"nextId":3,"entries":[{"id":1,"created":"2025-03-04T06:00:00Z","severity":"OK","messageId":"M","message":"m","args":["a"],"origin":"/redfish/v1"},{"id":2,"created":"2025-03-04T06:00:01Z","severity":"Warning","messageId":"N","message":"n"}]}`))
	f.Add([]byte(`{"version":1,"entries":[]}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"version":1,"nextId":18446744073709551615,"entries":[{"id":18446744073709551615,"created":"2025-03-04T06:00:00Z","severity":"OK"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := parseEventLog(data, 4)
		if err != nil {
			return
		}
		if len(d.Entries) > 4 {
			t.Fatalf("%d entries", len(d.Entries))
		}
		var last uint64
		for _, e := range d.Entries {
			if e.ID <= last || e.ID >= d.NextID && d.NextID != 0 {
				t.Fatalf("id %d after %d, next %d", e.ID, last, d.NextID)
			}
			last = e.ID
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parseEventLog(out, 4); err != nil {
			t.Fatalf("round trip: %v\n%s", err, out)
		}
	})
}
