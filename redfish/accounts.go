package redfish

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/chassisd/chassisd/internal/atomicfile"
	"golang.org/x/crypto/bcrypt"
)

// Roles, as Redfish's AccountService names the predefined ones.
const (
	RoleAdministrator = "Administrator"
	RoleOperator      = "Operator"
	RoleReadOnly      = "ReadOnly"
)

// Password limits. bcrypt reads at most 72 bytes; a longer password would
// be silently truncated, so it is refused instead.
const (
	minPasswordLength = 8
	maxPasswordLength = 72
	// generatedPasswordBytes of randomness give 16 URL-safe characters.
	generatedPasswordBytes = 12
)

// bcryptCost is the hash cost of stored passwords: about 70 ms per check on
// a 2-core x86 host and several times that on an AST2500, which the
// credential cache pays once per client. Tests lower it (bcrypt.MinCost) so
// that the suite stays fast under the race detector and qemu.
var bcryptCost = 10

// File names under the state directory.
const (
	accountsFile        = "accounts.json"
	initialPasswordName = "initial-password"
)

// accountsVersion is the accounts file format version, so a later format
// can tell an old file from a broken one.
const accountsVersion = 1

// accountsDoc is the accounts file. Files written before accounts had Ids
// and before the policy existed still load: Ids are then given in file
// order and the policy is the default one.
type accountsDoc struct {
	Version  int            `json:"version"`
	Accounts []account      `json:"accounts"`
	NextID   int            `json:"nextId,omitempty"`
	Policy   *accountPolicy `json:"policy,omitempty"`
}

// account is one login. Field names follow Redfish's ManagerAccount, so the
// AccountService maps onto them one to one.
type account struct {
	// ID is the ManagerAccount Id: a number given at creation and never
	// reused, so a rename keeps the URI and a URI never names two
	// accounts over time.
	ID           string `json:"id,omitempty"`
	UserName     string `json:"userName"`
	RoleID       string `json:"roleId"`
	Enabled      bool   `json:"enabled"`
	PasswordHash string `json:"passwordHash"` // bcrypt
}

// Accounts holds the service's logins. Its methods are safe for concurrent
// use. Checking a password costs a bcrypt comparison (tens of milliseconds
// on a BMC), and Basic authentication checks on every request, so verified
// credentials are remembered for a few minutes (see credCache).
type Accounts struct {
	path string
	log  *slog.Logger

	// wmu serialises changes, so the file is written in the order the
	// changes are made; mu guards what requests read.
	wmu      sync.Mutex
	mu       sync.RWMutex
	accounts []account
	nextID   int
	policy   accountPolicy

	cache *credCache
	lock  *lockout
	// now is the lockout clock; tests replace it before use.
	now func() time.Time
	// bcryptSlots bounds concurrent bcrypt comparisons, so a burst of bad
	// passwords costs a bounded share of a small BMC's CPU and requests
	// with remembered credentials keep being served.
	bcryptSlots chan struct{}
	// dummyHash is compared against when the user does not exist, so the
	// answer takes as long as for a wrong password and does not tell
	// which user names exist. Made once, off the start path: a bcrypt
	// hash costs a BMC a tenth of a second.
	dummyOnce sync.Once
	dummyHash []byte
}

// OpenAccounts loads the accounts from <stateDir>/accounts.json. At first
// start (no file) it creates the single account admin, role Administrator,
// with the password read from initialPasswordFile or, when that is "", a
// generated one, which it returns and also writes to
// <stateDir>/initial-password (mode 0600). On later starts it returns "" and
// initialPasswordFile is ignored.
func OpenAccounts(stateDir, initialPasswordFile string, logger *slog.Logger) (*Accounts, string, error) {
	if logger == nil {
		logger = slog.Default()
	}
	a, err := newAccounts(filepath.Join(stateDir, accountsFile), logger)
	if err != nil {
		return nil, "", err
	}
	// Made in the background so start is not delayed, and ready before a
	// stranger's first guess would take twice as long as the next ones.
	go a.dummy()
	data, err := os.ReadFile(a.path)
	switch {
	case err == nil:
		if err := a.load(data); err != nil {
			return nil, "", err
		}
		if initialPasswordFile != "" {
			logger.Info("accounts exist; --initial-password-file is only used at first start", "accounts", a.path, "ignored", initialPasswordFile)
		}
		warnIfReadable(logger, a.path)
		return a, "", nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, "", fmt.Errorf("accounts: %w", err)
	}

	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, "", fmt.Errorf("accounts: state directory: %w", err)
	}
	var password, generated string
	if initialPasswordFile != "" {
		if password, err = readInitialPassword(initialPasswordFile); err != nil {
			return nil, "", err
		}
	} else {
		if password, err = generatePassword(); err != nil {
			return nil, "", err
		}
		// Written before the accounts file: if the power fails between the
		// two, the next start generates again rather than leaving an
		// account whose password nobody has.
		pwPath := filepath.Join(stateDir, initialPasswordName)
		if err := atomicfile.Write(pwPath, []byte(password+"\n"), 0o600); err != nil {
			return nil, "", fmt.Errorf("accounts: %w", err)
		}
		generated = password
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return nil, "", fmt.Errorf("accounts: hash password: %w", err)
	}
	a.accounts = []account{{ID: "1", UserName: "admin", RoleID: RoleAdministrator, Enabled: true, PasswordHash: string(hash)}}
	a.nextID = 2
	if err := a.save(); err != nil {
		return nil, "", err
	}
	logger.Info("created account admin", "accounts", a.path, "password_generated", generated != "")
	return a, generated, nil
}

func newAccounts(path string, logger *slog.Logger) (*Accounts, error) {
	cache, err := newCredCache()
	if err != nil {
		return nil, err
	}
	return &Accounts{path: path, log: logger, cache: cache, lock: newLockout(), now: time.Now,
		policy: defaultAccountPolicy, bcryptSlots: make(chan struct{}, 2)}, nil
}

// dummy returns a hash of a random password nobody knows, at the cost of
// the real ones.
func (a *Accounts) dummy() []byte {
	a.dummyOnce.Do(func() {
		var junk [16]byte
		_, _ = rand.Read(junk[:])
		h, err := bcrypt.GenerateFromPassword(junk[:], bcryptCost)
		if err != nil {
			// Only a cost out of range fails; a hash never matches then
			// either, but the timing cover is lost, so say so.
			a.log.Error("accounts: dummy hash", "err", err)
		}
		a.dummyHash = h
	})
	return a.dummyHash
}

// load parses and checks the accounts file.
func (a *Accounts) load(data []byte) error {
	var doc accountsDoc
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("accounts %s: %w", a.path, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("accounts %s: data after the accounts object at offset %d", a.path, dec.InputOffset())
	}
	if doc.Version != accountsVersion {
		return fmt.Errorf("accounts %s: version %d, this chassisd reads version %d", a.path, doc.Version, accountsVersion)
	}
	if len(doc.Accounts) == 0 {
		return fmt.Errorf("accounts %s: no accounts; remove the file to have admin created again", a.path)
	}
	policy := defaultAccountPolicy
	if doc.Policy != nil {
		policy = *doc.Policy
		if err := policy.check(); err != nil {
			return fmt.Errorf("accounts %s: policy: %w", a.path, err)
		}
	}
	seen := map[string]bool{}
	ids := map[string]bool{}
	highest := 0
	for i, acc := range doc.Accounts {
		switch {
		case acc.UserName == "":
			return fmt.Errorf("accounts %s: account %d: empty userName", a.path, i)
		case seen[acc.UserName]:
			return fmt.Errorf("accounts %s: account %q appears twice", a.path, acc.UserName)
		case !validRole(acc.RoleID):
			return fmt.Errorf("accounts %s: account %q: unknown roleId %q", a.path, acc.UserName, acc.RoleID)
		}
		if _, err := bcrypt.Cost([]byte(acc.PasswordHash)); err != nil {
			return fmt.Errorf("accounts %s: account %q: passwordHash: %w", a.path, acc.UserName, err)
		}
		if acc.ID != "" {
			n, err := strconv.Atoi(acc.ID)
			if err != nil || n <= 0 || strconv.Itoa(n) != acc.ID {
				return fmt.Errorf("accounts %s: account %q: id %q is not a positive decimal number", a.path, acc.UserName, acc.ID)
			}
			if ids[acc.ID] {
				return fmt.Errorf("accounts %s: id %s appears twice", a.path, acc.ID)
			}
			ids[acc.ID] = true
			highest = max(highest, n)
		}
		seen[acc.UserName] = true
	}
	// Accounts from a file without Ids get the next free numbers in file
	// order: the same ones at every start until a change saves them.
	for i := range doc.Accounts {
		if doc.Accounts[i].ID == "" {
			highest++
			doc.Accounts[i].ID = strconv.Itoa(highest)
		}
	}
	a.accounts = doc.Accounts
	a.nextID = max(doc.NextID, highest+1)
	a.policy = policy
	return nil
}

// save writes the current accounts atomically, readable by the owner only.
func (a *Accounts) save() error {
	a.mu.RLock()
	doc := a.docLocked()
	a.mu.RUnlock()
	return a.write(doc)
}

// docLocked is the file content of the current state; a.mu is held.
func (a *Accounts) docLocked() accountsDoc {
	p := a.policy
	return accountsDoc{Version: accountsVersion, Accounts: slices.Clone(a.accounts), NextID: a.nextID, Policy: &p}
}

// write stores doc atomically: after a crash the file is either the old
// or the new one, never a mix.
func (a *Accounts) write(doc accountsDoc) error {
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	if err := atomicfile.Write(a.path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	return nil
}

// Authenticate checks a user name and password and returns the account's
// role. Credentials verified in the last few minutes are answered from a
// cache keyed by an HMAC of the pair; a failed check is never remembered.
//
// Failed checks of an existing account count towards its lockout; a locked
// account refuses even its right password until the lock runs out or an
// administrator clears it. Unknown, locked and wrong all take one bcrypt
// comparison and give the same answer, so none of them tells a stranger
// which accounts exist.
func (a *Accounts) Authenticate(user, pass string) (role string, ok bool) {
	if len(pass) > maxPasswordLength {
		// bcrypt would compare only the first 72 bytes: a longer
		// password is never one we stored.
		a.failed(user)
		return "", false
	}
	key := a.cache.key(user, pass)
	if role, ok := a.cache.lookup(key); ok {
		// Remembered credentials are never those of a locked account:
		// locking forgets them all and a locked account stores none.
		a.lock.succeeded(user, a.now)
		return role, true
	}
	a.mu.RLock()
	gen := a.cache.generation()
	var acc *account
	if i := a.indexLocked(user); i >= 0 {
		c := a.accounts[i]
		acc = &c
	}
	a.mu.RUnlock()

	a.bcryptSlots <- struct{}{}
	defer func() { <-a.bcryptSlots }()
	if acc == nil {
		_ = bcrypt.CompareHashAndPassword(a.dummy(), []byte(pass))
		return "", false
	}
	locked := a.lock.locked(user, a.now())
	// bcrypt compares in constant time; it runs for a locked account too.
	if bcrypt.CompareHashAndPassword([]byte(acc.PasswordHash), []byte(pass)) != nil {
		if !locked {
			a.failed(user)
		}
		return "", false
	}
	if locked || !acc.Enabled {
		return "", false
	}
	a.lock.succeeded(user, a.now)
	a.cache.store(key, acc.RoleID, gen)
	return acc.RoleID, true
}

// failed counts a failed login of user if the account exists, and locks it
// when that reaches the threshold.
func (a *Accounts) failed(user string) {
	a.mu.RLock()
	exists := a.indexLocked(user) >= 0
	policy := a.policy.lockout()
	// Counted under the read lock: a removal or rename swaps the accounts
	// under the write lock and forgets the old name's count after that,
	// so no count outlives its account.
	lockedNow := exists && a.lock.failed(user, policy, a.now())
	a.mu.RUnlock()
	if lockedNow {
		// Remembered credentials would get around the lock.
		a.forgetCredentials()
		a.log.Warn("account locked after repeated failed logins", "user", user,
			"failures", policy.threshold, "locked_for", policy.duration.String())
	}
}

// indexLocked returns the index of user's account, or -1; a.mu is held.
func (a *Accounts) indexLocked(user string) int {
	for i := range a.accounts {
		if a.accounts[i].UserName == user {
			return i
		}
	}
	return -1
}

// forgetCredentials drops every remembered credential. Any change to an
// account (password, role, enabled, name, deletion) and a lockout call it.
func (a *Accounts) forgetCredentials() { a.cache.clear() }

func validRole(r string) bool {
	return r == RoleAdministrator || r == RoleOperator || r == RoleReadOnly
}

// readInitialPassword reads the operator's first password. One trailing
// newline (as echo and editors leave) is not part of it.
func readInitialPassword(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("initial password: %w", err)
	}
	pw := strings.TrimSuffix(string(data), "\n")
	pw = strings.TrimSuffix(pw, "\r")
	switch {
	case pw == "":
		return "", fmt.Errorf("initial password file %s is empty", path)
	case utf8.RuneCountInString(pw) < minPasswordLength:
		return "", fmt.Errorf("initial password in %s is %d characters; at least %d are required", path, utf8.RuneCountInString(pw), minPasswordLength)
	case len(pw) > maxPasswordLength:
		return "", fmt.Errorf("initial password in %s is %d bytes; at most %d are allowed (bcrypt ignores the rest)", path, len(pw), maxPasswordLength)
	}
	return pw, nil
}

// generatePassword returns 16 random characters from the URL-safe base64
// alphabet (96 bits), easy to paste into curl -u.
func generatePassword() (string, error) {
	b := make([]byte, generatedPasswordBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("accounts: generate password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// warnIfReadable logs when a secret file can be read by others than its
// owner (an operator's copy or restore may have widened it).
func warnIfReadable(logger *slog.Logger, path string) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		logger.Warn("file holding secrets is readable by other users; chmod 600 it", "file", path, "mode", fi.Mode().Perm().String())
	}
}

// accountPolicy is the AccountService and SessionService settings an
// administrator can change; they are kept in the accounts file.
type accountPolicy struct {
	MinPasswordLength int `json:"minPasswordLength"`
	// LockoutThreshold failed logins, each less than
	// LockoutResetAfterSeconds after the one before, lock an account for
	// LockoutDurationSeconds. 0 in threshold or duration: no lockout.
	LockoutThreshold         int `json:"lockoutThreshold"`
	LockoutDurationSeconds   int `json:"lockoutDurationSeconds"`
	LockoutResetAfterSeconds int `json:"lockoutResetAfterSeconds"`
	SessionTimeoutSeconds    int `json:"sessionTimeoutSeconds"`
}

// Policy limits. The password floor is NIST SP 800-63B's eight
// characters: an administrator may ask for more, never for less.
const (
	maxLockoutThreshold = 1000
	maxLockoutSeconds   = 86400
)

var defaultAccountPolicy = accountPolicy{
	MinPasswordLength:        minPasswordLength,
	LockoutThreshold:         5,
	LockoutDurationSeconds:   60,
	LockoutResetAfterSeconds: 60,
	SessionTimeoutSeconds:    int(defaultSessionTimeout / time.Second),
}

// check reports the first setting out of range or in conflict.
func (p accountPolicy) check() error {
	switch {
	case p.MinPasswordLength < minPasswordLength || p.MinPasswordLength > maxPasswordLength:
		return fmt.Errorf("minPasswordLength %d is outside %d..%d", p.MinPasswordLength, minPasswordLength, maxPasswordLength)
	case p.LockoutThreshold < 0 || p.LockoutThreshold > maxLockoutThreshold:
		return fmt.Errorf("lockoutThreshold %d is outside 0..%d", p.LockoutThreshold, maxLockoutThreshold)
	case p.LockoutDurationSeconds < 0 || p.LockoutDurationSeconds > maxLockoutSeconds:
		return fmt.Errorf("lockoutDurationSeconds %d is outside 0..%d", p.LockoutDurationSeconds, maxLockoutSeconds)
	case p.LockoutResetAfterSeconds < 0 || p.LockoutResetAfterSeconds > maxLockoutSeconds:
		return fmt.Errorf("lockoutResetAfterSeconds %d is outside 0..%d", p.LockoutResetAfterSeconds, maxLockoutSeconds)
	case p.resetAfterConflicts():
		return fmt.Errorf("lockoutResetAfterSeconds %d is more than lockoutDurationSeconds %d", p.LockoutResetAfterSeconds, p.LockoutDurationSeconds)
	case time.Duration(p.SessionTimeoutSeconds)*time.Second < minSessionTimeout || time.Duration(p.SessionTimeoutSeconds)*time.Second > maxSessionTimeout:
		return fmt.Errorf("sessionTimeoutSeconds %d is outside %d..%d", p.SessionTimeoutSeconds, int(minSessionTimeout/time.Second), int(maxSessionTimeout/time.Second))
	}
	return nil
}

// resetAfterConflicts applies the schema's rule that the counter reset
// period is at most the lockout duration. With lockout off (duration 0)
// the rule has nothing to protect and is not applied.
func (p accountPolicy) resetAfterConflicts() bool {
	return p.LockoutDurationSeconds > 0 && p.LockoutResetAfterSeconds > p.LockoutDurationSeconds
}

func (p accountPolicy) lockout() lockoutPolicy {
	return lockoutPolicy{
		threshold:  p.LockoutThreshold,
		duration:   time.Duration(p.LockoutDurationSeconds) * time.Second,
		resetAfter: time.Duration(p.LockoutResetAfterSeconds) * time.Second,
	}
}

func (p accountPolicy) sessionTimeout() time.Duration {
	return time.Duration(p.SessionTimeoutSeconds) * time.Second
}

// maxAccounts bounds the accounts file and every scan of it.
const maxAccounts = 32

// maxUserNameLength is in bytes; user names are ASCII.
const maxUserNameLength = 32

// Errors of account changes; the AccountService turns them into responses.
var (
	errNoAccount        = errors.New("accounts: no such account")
	errLastAdmin        = errors.New("accounts: the last enabled Administrator cannot be removed, disabled or given another role")
	errTooManyAccounts  = fmt.Errorf("accounts: at most %d accounts", maxAccounts)
	errBadUserName      = fmt.Errorf("accounts: a user name is 1 to %d letters, digits, '.', '_', '-' or '@', starting with a letter, digit or '_'", maxUserNameLength)
	errPasswordLength   = errors.New("accounts: password length outside the policy")
	errAccountNameTaken = errors.New("accounts: user name already taken")
)

// validUserName keeps user names to characters that need no escaping in a
// log line, a shell or Basic auth (which cannot carry ':').
func validUserName(u string) bool {
	if u == "" || len(u) > maxUserNameLength {
		return false
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_':
		case i > 0 && (c == '.' || c == '-' || c == '@'):
		default:
			return false
		}
	}
	return true
}

// passwordFits reports whether pass meets the length policy: at least min
// characters and at most 72 bytes (bcrypt's limit).
func passwordFits(pass string, min int) bool {
	return utf8.RuneCountInString(pass) >= min && len(pass) <= maxPasswordLength
}

// accountInfo is what the service shows of an account.
type accountInfo struct {
	ID       string
	UserName string
	RoleID   string
	Enabled  bool
	Locked   bool
}

func (a *Accounts) infoLocked(acc account, now time.Time) accountInfo {
	return accountInfo{ID: acc.ID, UserName: acc.UserName, RoleID: acc.RoleID, Enabled: acc.Enabled,
		Locked: a.lock.locked(acc.UserName, now)}
}

// list returns every account in creation order.
func (a *Accounts) list() []accountInfo {
	now := a.now()
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]accountInfo, len(a.accounts))
	for i, acc := range a.accounts {
		out[i] = a.infoLocked(acc, now)
	}
	return out
}

// byID returns the account with Id id.
func (a *Accounts) byID(id string) (accountInfo, bool) {
	now := a.now()
	a.mu.RLock()
	defer a.mu.RUnlock()
	for _, acc := range a.accounts {
		if acc.ID == id {
			return a.infoLocked(acc, now), true
		}
	}
	return accountInfo{}, false
}

// currentPolicy returns the settings.
func (a *Accounts) currentPolicy() accountPolicy {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.policy
}

// errPolicyConflict is a policy whose counter reset period is longer than
// its lockout duration.
var errPolicyConflict = errors.New("accounts: lockout counter reset period longer than the lockout duration")

// updatePolicy applies fn to the settings, checks, saves and applies the
// result, and returns it. fn runs with every other change held off, so two
// administrators changing different settings at once both get theirs.
func (a *Accounts) updatePolicy(fn func(p *accountPolicy)) (accountPolicy, error) {
	var out accountPolicy
	err := a.change(func(doc *accountsDoc) error {
		p := *doc.Policy
		fn(&p)
		if p.resetAfterConflicts() {
			return errPolicyConflict
		}
		if err := p.check(); err != nil {
			return err
		}
		doc.Policy, out = &p, p
		return nil
	})
	return out, err
}

// create adds an account and returns it.
func (a *Accounts) create(user, pass, role string, enabled bool) (accountInfo, error) {
	if !validUserName(user) {
		return accountInfo{}, errBadUserName
	}
	if !validRole(role) {
		return accountInfo{}, fmt.Errorf("accounts: unknown role %q", role)
	}
	if !passwordFits(pass, a.currentPolicy().MinPasswordLength) {
		return accountInfo{}, errPasswordLength
	}
	// Hashed before taking the write lock: a bcrypt hash takes a BMC a
	// tenth of a second.
	hash, err := bcrypt.GenerateFromPassword([]byte(pass), bcryptCost)
	if err != nil {
		return accountInfo{}, fmt.Errorf("accounts: hash password: %w", err)
	}
	var made account
	err = a.change(func(doc *accountsDoc) error {
		if len(doc.Accounts) >= maxAccounts {
			return errTooManyAccounts
		}
		for _, acc := range doc.Accounts {
			if acc.UserName == user {
				return errAccountNameTaken
			}
		}
		made = account{ID: strconv.Itoa(doc.NextID), UserName: user, RoleID: role, Enabled: enabled, PasswordHash: string(hash)}
		doc.NextID++
		doc.Accounts = append(doc.Accounts, made)
		return nil
	})
	if err != nil {
		return accountInfo{}, err
	}
	a.log.Info("account created", "user", user, "role", role, "enabled", enabled)
	return accountInfo{ID: made.ID, UserName: user, RoleID: role, Enabled: enabled}, nil
}

// accountChange is a PATCH of a ManagerAccount; nil fields stay as they are.
type accountChange struct {
	userName *string
	password *string
	roleID   *string
	enabled  *bool
	// unlock clears a lockout (Locked: false).
	unlock bool
}

// update applies ch to the account with Id id and returns the account
// before and after. A change that would leave no enabled Administrator
// where there was one is refused with errLastAdmin.
func (a *Accounts) update(id string, ch accountChange) (before, after accountInfo, err error) {
	if ch.userName != nil && !validUserName(*ch.userName) {
		return before, after, errBadUserName
	}
	if ch.roleID != nil && !validRole(*ch.roleID) {
		return before, after, fmt.Errorf("accounts: unknown role %q", *ch.roleID)
	}
	var hash []byte
	if ch.password != nil {
		if !passwordFits(*ch.password, a.currentPolicy().MinPasswordLength) {
			return before, after, errPasswordLength
		}
		if hash, err = bcrypt.GenerateFromPassword([]byte(*ch.password), bcryptCost); err != nil {
			return before, after, fmt.Errorf("accounts: hash password: %w", err)
		}
	}
	var old, cur account
	err = a.change(func(doc *accountsDoc) error {
		i := slices.IndexFunc(doc.Accounts, func(acc account) bool { return acc.ID == id })
		if i < 0 {
			return errNoAccount
		}
		old = doc.Accounts[i]
		cur = old
		if ch.userName != nil && *ch.userName != cur.UserName {
			for _, acc := range doc.Accounts {
				if acc.UserName == *ch.userName {
					return errAccountNameTaken
				}
			}
			cur.UserName = *ch.userName
		}
		if ch.roleID != nil {
			cur.RoleID = *ch.roleID
		}
		if ch.enabled != nil {
			cur.Enabled = *ch.enabled
		}
		if hash != nil {
			cur.PasswordHash = string(hash)
		}
		next := slices.Clone(doc.Accounts)
		next[i] = cur
		if enabledAdmins(doc.Accounts) > 0 && enabledAdmins(next) == 0 {
			return errLastAdmin
		}
		doc.Accounts = next
		return nil
	})
	if err != nil {
		return before, after, err
	}
	// The count belongs to the name; a renamed or unlocked account starts
	// afresh.
	if ch.unlock || cur.UserName != old.UserName {
		a.lock.forget(old.UserName)
	}
	now := a.now()
	before = accountInfo{ID: old.ID, UserName: old.UserName, RoleID: old.RoleID, Enabled: old.Enabled}
	after = accountInfo{ID: cur.ID, UserName: cur.UserName, RoleID: cur.RoleID, Enabled: cur.Enabled,
		Locked: a.lock.locked(cur.UserName, now)}
	a.log.Info("account changed", "id", id, "user", cur.UserName, "renamed_from", old.UserName,
		"role", cur.RoleID, "enabled", cur.Enabled, "password_changed", hash != nil, "unlocked", ch.unlock)
	return before, after, nil
}

// remove deletes the account with Id id and returns what it was.
func (a *Accounts) remove(id string) (accountInfo, error) {
	var gone account
	err := a.change(func(doc *accountsDoc) error {
		i := slices.IndexFunc(doc.Accounts, func(acc account) bool { return acc.ID == id })
		if i < 0 {
			return errNoAccount
		}
		gone = doc.Accounts[i]
		next := slices.Delete(slices.Clone(doc.Accounts), i, i+1)
		if enabledAdmins(doc.Accounts) > 0 && enabledAdmins(next) == 0 {
			return errLastAdmin
		}
		doc.Accounts = next
		return nil
	})
	if err != nil {
		return accountInfo{}, err
	}
	a.lock.forget(gone.UserName)
	a.log.Info("account removed", "id", id, "user", gone.UserName)
	return accountInfo{ID: gone.ID, UserName: gone.UserName, RoleID: gone.RoleID, Enabled: gone.Enabled}, nil
}

// change runs fn on a copy of the accounts file's content, writes the
// result and only then makes it the state requests see, so a failed write
// changes nothing. Every remembered credential is forgotten with it.
func (a *Accounts) change(fn func(doc *accountsDoc) error) error {
	a.wmu.Lock()
	defer a.wmu.Unlock()
	a.mu.RLock()
	doc := a.docLocked()
	a.mu.RUnlock()
	if err := fn(&doc); err != nil {
		return err
	}
	if err := a.write(doc); err != nil {
		return err
	}
	a.mu.Lock()
	a.accounts, a.nextID, a.policy = doc.Accounts, doc.NextID, *doc.Policy
	// Under the write lock, so no request sees the new accounts with an
	// old credential still remembered.
	a.cache.clear()
	a.mu.Unlock()
	return nil
}

func enabledAdmins(accs []account) int {
	n := 0
	for _, acc := range accs {
		if acc.Enabled && acc.RoleID == RoleAdministrator {
			n++
		}
	}
	return n
}
