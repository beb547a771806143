package redfish

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestAccountsFirstStartWithPasswordFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	pw := writeFile(t, dir, "pw", "s3cret-pass\r\n")
	a, generated, err := OpenAccounts(state, pw, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if generated != "" {
		t.Errorf("generated %q with a password file", generated)
	}
	if role, ok := a.Authenticate("admin", "s3cret-pass"); !ok || role != RoleAdministrator {
		t.Errorf("admin/s3cret-pass: %q %v", role, ok)
	}
	for _, bad := range []string{"s3cret-pass\n", "s3cret-pass\r\n", "s3cret-pas", "", "S3cret-pass"} {
		if _, ok := a.Authenticate("admin", bad); ok {
			t.Errorf("password %q accepted", bad)
		}
	}
	if _, ok := a.Authenticate("Admin", "s3cret-pass"); ok {
		t.Error("user names are case-sensitive")
	}
	if m := mode(t, filepath.Join(state, "accounts.json")); m != 0o600 {
		t.Errorf("accounts.json mode %v", m)
	}
	if _, err := os.Stat(filepath.Join(state, "initial-password")); !os.IsNotExist(err) {
		t.Errorf("initial-password written although the password was given: %v", err)
	}
	// The file holds a bcrypt hash, never the password.
	data, _ := os.ReadFile(filepath.Join(state, "accounts.json"))
	if strings.Contains(string(data), "s3cret-pass") || !strings.Contains(string(data), fmt.Sprintf(`"$2a$%02d$`, bcryptCost)) {
		t.Errorf("accounts.json: %s", data)
	}
}

func TestAccountsGeneratedPasswordAndSecondStart(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	a, generated, err := OpenAccounts(state, "", quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if len(generated) != 16 || strings.Trim(generated, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		t.Errorf("generated password %q", generated)
	}
	pwFile := filepath.Join(state, "initial-password")
	if m := mode(t, pwFile); m != 0o600 {
		t.Errorf("initial-password mode %v", m)
	}
	if data, _ := os.ReadFile(pwFile); string(data) != generated+"\n" {
		t.Errorf("initial-password holds %q", data)
	}
	if _, ok := a.Authenticate("admin", generated); !ok {
		t.Error("generated password refused")
	}
	if _, ok := a.Authenticate("admin", "wrong-password"); ok {
		t.Error("wrong password accepted")
	}

	// Second start: the same accounts; a password file is ignored now.
	other := writeFile(t, t.TempDir(), "pw", "another-password\n")
	b, again, err := OpenAccounts(state, other, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if again != "" {
		t.Errorf("second start generated %q", again)
	}
	if _, ok := b.Authenticate("admin", generated); !ok {
		t.Error("second start: first password refused")
	}
	if _, ok := b.Authenticate("admin", "another-password"); ok {
		t.Error("second start: the ignored password file was used")
	}
	// A third start without a flag reuses too.
	if _, again, err := OpenAccounts(state, "", quietLogger()); err != nil || again != "" {
		t.Errorf("third start: %q %v", again, err)
	}
}

func TestAccountsRejectBadInitialPassword(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"empty":    "",
		"newline":  "\n",
		"short":    "1234567\n",
		"too long": strings.Repeat("x", 73),
	} {
		state := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		pw := writeFile(t, dir, strings.ReplaceAll(name, " ", "-")+".pw", content)
		_, _, err := OpenAccounts(state, pw, quietLogger())
		if err == nil {
			t.Errorf("%s password accepted", name)
			continue
		}
		if !strings.Contains(err.Error(), pw) {
			t.Errorf("%s: error does not name the file: %v", name, err)
		}
		if _, err := os.Stat(filepath.Join(state, "accounts.json")); !os.IsNotExist(err) {
			t.Errorf("%s: accounts.json written anyway", name)
		}
	}
	if _, _, err := OpenAccounts(filepath.Join(dir, "missing"), filepath.Join(dir, "no-such-file"), quietLogger()); err == nil {
		t.Error("missing password file accepted")
	}
	// Exactly eight characters is enough.
	if _, _, err := OpenAccounts(filepath.Join(dir, "eight"), writeFile(t, dir, "eight.pw", "12345678"), quietLogger()); err != nil {
		t.Errorf("8 characters: %v", err)
	}
}

func TestAccountsLongestPassword(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	long := strings.Repeat("0123456789", 7) + "ab" // 72 bytes, bcrypt's limit
	a, _, err := OpenAccounts(filepath.Join(dir, "state"), writeFile(t, dir, "pw", long), quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Authenticate("admin", long); !ok {
		t.Error("72-byte password refused")
	}
	// bcrypt ignores bytes past 72; the service must not.
	if _, ok := a.Authenticate("admin", long+"x"); ok {
		t.Error("password with extra bytes past 72 accepted")
	}
}

func TestAccountsRejectBadFile(t *testing.T) {
	t.Parallel()
	h, err := bcrypt.GenerateFromPassword([]byte("whatever"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	hash := string(h)
	for name, content := range map[string]string{
		"not json":      "{",
		"no accounts":   `{"version":1,"accounts":[]}`,
		"version":       `{"version":2,"accounts":[{"userName":"admin","roleId":"Administrator","enabled":true,"passwordHash":"` + hash + `"}]}`,
		"role":          `{"version":1,"accounts":[{"userName":"admin","roleId":"Root","enabled":true,"passwordHash":"` + hash + `"}]}`,
		"hash":          `{"version":1,"accounts":[{"userName":"admin","roleId":"Administrator","enabled":true,"passwordHash":"plain"}]}`,
		"duplicate":     `{"version":1,"accounts":[{"userName":"a","roleId":"ReadOnly","passwordHash":"` + hash + `"},{"userName":"a","roleId":"ReadOnly","passwordHash":"` + hash + `"}]}`,
		"unknown key":   `{"version":1,"password":"x","accounts":[{"userName":"admin","roleId":"Administrator","passwordHash":"` + hash + `"}]}`,
		"trailing data": `{"version":1,"accounts":[{"userName":"admin","roleId":"Administrator","passwordHash":"` + hash + `"}]}{}`,
		"empty user":    `{"version":1,"accounts":[{"userName":"","roleId":"Administrator","passwordHash":"` + hash + `"}]}`,
	} {
		state := t.TempDir()
		path := writeFile(t, state, "accounts.json", content)
		_, _, err := OpenAccounts(state, "", quietLogger())
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error does not name the file: %v", name, err)
		}
		// Never replaced by a fresh admin.
		if data, _ := os.ReadFile(path); string(data) != content {
			t.Errorf("%s: file rewritten", name)
		}
	}
}

func TestAccountsDisabledAndRoles(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	a, generated, err := OpenAccounts(state, "", quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	// The file is edited by hand to check that load keeps roles and the
	// enabled flag.
	data, _ := os.ReadFile(a.path)
	var doc accountsDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	doc.Accounts = append(doc.Accounts,
		account{UserName: "viewer", RoleID: RoleReadOnly, Enabled: true, PasswordHash: doc.Accounts[0].PasswordHash},
		account{UserName: "gone", RoleID: RoleOperator, Enabled: false, PasswordHash: doc.Accounts[0].PasswordHash})
	data, _ = json.Marshal(doc)
	writeFile(t, state, "accounts.json", string(data))
	b, _, err := OpenAccounts(state, "", quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if role, ok := b.Authenticate("viewer", generated); !ok || role != RoleReadOnly {
		t.Errorf("viewer: %q %v", role, ok)
	}
	if _, ok := b.Authenticate("gone", generated); ok {
		t.Error("disabled account accepted")
	}
}

func TestCredentialCache(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	a, generated, err := OpenAccounts(state, "", quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a.cache.now = func() time.Time { return now }

	if _, ok := a.Authenticate("admin", "wrong-password"); ok {
		t.Fatal("wrong password accepted")
	}
	if n := a.cache.len(); n != 0 {
		t.Errorf("a failed check was remembered (%d entries)", n)
	}
	if _, ok := a.Authenticate("admin", generated); !ok {
		t.Fatal("password refused")
	}
	if n := a.cache.len(); n != 1 {
		t.Errorf("%d entries after one success", n)
	}
	// With the right password remembered, a wrong one still fails, and a
	// prefix or extension of the right one too.
	for _, bad := range []string{"wrong-password", generated[:15], generated + "x", ""} {
		if _, ok := a.Authenticate("admin", bad); ok {
			t.Errorf("cache accepted %q", bad)
		}
	}
	// The remembered pair is answered without bcrypt: with every bcrypt
	// slot taken, Authenticate would block.
	for i := 0; i < cap(a.bcryptSlots); i++ {
		a.bcryptSlots <- struct{}{}
	}
	done := make(chan bool)
	go func() { _, ok := a.Authenticate("admin", generated); done <- ok }()
	select {
	case ok := <-done:
		if !ok {
			t.Error("remembered credentials refused")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("remembered credentials went to bcrypt")
	}
	for i := 0; i < cap(a.bcryptSlots); i++ {
		<-a.bcryptSlots
	}

	// Expiry.
	now = now.Add(credTTL)
	if _, ok := a.cache.lookup(a.cache.key("admin", generated)); ok {
		t.Error("entry outlived its TTL")
	}
	// Forgetting: a check that started before the change stores nothing.
	gen := a.cache.generation()
	a.forgetCredentials()
	a.cache.store(a.cache.key("admin", generated), RoleAdministrator, gen)
	if n := a.cache.len(); n != 0 {
		t.Errorf("stale check stored after forgetCredentials: %d", n)
	}
}

func TestCredentialCacheBounded(t *testing.T) {
	t.Parallel()
	c, err := newCredCache()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3*credCacheLimit; i++ {
		c.store(c.key("u", strings.Repeat("p", i)), RoleReadOnly, 0)
	}
	if n := c.len(); n > credCacheLimit {
		t.Errorf("%d entries, limit %d", n, credCacheLimit)
	}
	// The newest pair is always kept.
	if _, ok := c.lookup(c.key("u", strings.Repeat("p", 3*credCacheLimit-1))); !ok {
		t.Error("newest entry dropped")
	}
	// user NUL password keys do not collide across the split.
	if c.key("ab", "c") == c.key("a", "bc") {
		t.Error("key ignores where the user name ends")
	}
}

// TestLockout: AccountLockoutThreshold failures within the reset period
// lock an account for AccountLockoutDuration, through Basic auth and
// session logins alike; the right password fails meanwhile; the lock runs
// out or an administrator clears it.
func TestLockout(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	loc := f.createAccount("gina", "gina-pass-1", RoleReadOnly)
	locked := func() bool {
		t.Helper()
		return f.expect(f.send(secAdmin, http.MethodGet, loc, ""), http.StatusOK, "")["Locked"] == true
	}
	fail := func(n int) {
		t.Helper()
		for range n {
			if f.canLogIn("gina", "wrong-password") {
				t.Fatal("wrong password accepted")
			}
		}
	}

	fail(4)
	if locked() || !f.canLogIn("gina", "gina-pass-1") {
		t.Fatal("locked after 4 failures")
	}
	// The success reset the count: four more do not lock either.
	fail(4)
	if locked() {
		t.Fatal("count not reset by a successful login")
	}
	// The fifth, by a session login.
	f.expect(f.send(secCred{}, http.MethodPost, sessionsPath, `{"UserName":"gina","Password":"nope-nope"}`), http.StatusUnauthorized, "NoValidSession")
	if !locked() {
		t.Fatal("not locked after 5 failures")
	}
	if f.canLogIn("gina", "gina-pass-1") {
		t.Error("locked account accepted its password by Basic auth")
	}
	f.expect(f.send(secCred{}, http.MethodPost, sessionsPath, `{"UserName":"gina","Password":"gina-pass-1"}`), http.StatusUnauthorized, "NoValidSession")
	// Failures while locked do not extend the lock.
	f.clock.advance(59 * time.Second)
	fail(3)
	if f.canLogIn("gina", "gina-pass-1") {
		t.Error("unlocked early")
	}
	f.clock.advance(time.Second)
	if locked() || !f.canLogIn("gina", "gina-pass-1") {
		t.Fatal("still locked after AccountLockoutDuration")
	}

	// Failures further apart than AccountLockoutCounterResetAfter do not
	// add up.
	fail(4)
	f.clock.advance(60 * time.Second)
	fail(4)
	if locked() {
		t.Error("locked by failures spread over more than the reset period")
	}
	fail(1)
	if !locked() {
		t.Fatal("not locked by 5 failures in a row")
	}
	// An administrator clears the lock.
	if m := f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"Locked":false}`), http.StatusOK, ""); m["Locked"] != false {
		t.Errorf("after unlock: %v", m)
	}
	if !f.canLogIn("gina", "gina-pass-1") {
		t.Error("unlocked account refused")
	}

	// Threshold 0: no lockout at all.
	f.expect(f.send(secAdmin, http.MethodPatch, accountServicePath, `{"AccountLockoutThreshold":0}`), http.StatusOK, "")
	fail(20)
	if locked() || !f.canLogIn("gina", "gina-pass-1") {
		t.Error("locked with AccountLockoutThreshold 0")
	}
}

// TestLockoutUnknownUsers: failures for user names that do not exist lock
// nothing, keep no state and answer exactly like a wrong password.
func TestLockoutUnknownUsers(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	for i := range 50 {
		f.canLogIn("nobody"+string(rune('a'+i%26)), "whatever-pass")
	}
	if n := f.acc.lock.n.Load(); n != 0 {
		t.Errorf("%d lockout entries after unknown users", n)
	}
	if !f.canLogIn(testUser, testPassword) {
		t.Error("admin locked by strangers")
	}
	// The same 401 body for an unknown user, a wrong password and a locked
	// account.
	unknown := f.send(secCred{user: "nobody", pass: "whatever-pass"}, http.MethodGet, accountServicePath, "").Body.String()
	f.createAccount("hank", "hank-pass-1", RoleReadOnly)
	wrong := f.send(secCred{user: "hank", pass: "whatever-pass"}, http.MethodGet, accountServicePath, "").Body.String()
	for range 5 {
		f.canLogIn("hank", "bad-password")
	}
	locked := f.send(secCred{user: "hank", pass: "hank-pass-1"}, http.MethodGet, accountServicePath, "").Body.String()
	if unknown != wrong || wrong != locked {
		t.Errorf("401 bodies differ:\n%s\n%s\n%s", unknown, wrong, locked)
	}
}

// TestRememberedCredentialsForgotten: credentials answered from the cache
// stop working at once after a password change, a lockout or a removal.
func TestRememberedCredentialsForgotten(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	loc := f.createAccount("ivan", "ivan-pass-1", RoleReadOnly)
	remember := func(pass string) {
		t.Helper()
		if !f.canLogIn("ivan", pass) || f.acc.cache.len() == 0 {
			t.Fatal("credentials not remembered")
		}
	}

	remember("ivan-pass-1")
	f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"Password":"ivan-pass-2"}`), http.StatusOK, "")
	if f.canLogIn("ivan", "ivan-pass-1") {
		t.Error("old password accepted after a change")
	}

	remember("ivan-pass-2")
	for range 5 {
		f.canLogIn("ivan", "bad-password")
	}
	if f.canLogIn("ivan", "ivan-pass-2") {
		t.Error("remembered password accepted while locked")
	}
	f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"Locked":false}`), http.StatusOK, "")

	remember("ivan-pass-2")
	f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"RoleId":"Operator"}`), http.StatusOK, "")
	if role, ok := f.acc.Authenticate("ivan", "ivan-pass-2"); !ok || role != RoleOperator {
		t.Errorf("role after change: %q %v", role, ok)
	}

	remember("ivan-pass-2")
	f.expect(f.send(secAdmin, http.MethodDelete, loc, ""), http.StatusNoContent, "")
	if f.canLogIn("ivan", "ivan-pass-2") {
		t.Error("remembered password of a removed account accepted")
	}
}

func TestLockoutCounting(t *testing.T) {
	t.Parallel()
	l := newLockout()
	p := lockoutPolicy{threshold: 3, duration: time.Minute, resetAfter: 30 * time.Second}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		at         time.Duration
		wantLocked bool // failed() reports a new lock
	}{
		{0, false}, {10 * time.Second, false}, {20 * time.Second, true},
		// Locked until 80s: not counted.
		{30 * time.Second, false}, {79 * time.Second, false},
		// After the lock, the count starts at 0.
		{80 * time.Second, false}, {81 * time.Second, false}, {82 * time.Second, true},
	}
	for _, s := range steps {
		if got := l.failed("u", p, t0.Add(s.at)); got != s.wantLocked {
			t.Errorf("failure at %v: locked %v", s.at, got)
		}
	}
	if !l.locked("u", t0.Add(141*time.Second)) || l.locked("u", t0.Add(142*time.Second)) {
		t.Error("lock does not end 60 s after the third failure")
	}
	// Off when the threshold or the duration is 0.
	for _, off := range []lockoutPolicy{{threshold: 0, duration: time.Minute}, {threshold: 1, duration: 0}} {
		if l.failed("v", off, t0) || l.locked("v", t0) {
			t.Errorf("%+v locks", off)
		}
	}
	l.forget("u")
	if l.n.Load() != 0 {
		t.Errorf("%d entries after forget", l.n.Load())
	}
}
