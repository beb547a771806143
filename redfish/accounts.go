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
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/chassisd/chassisd/internal/atomicfile"
	"golang.org/x/crypto/bcrypt"
)

// Roles, as Redfish's AccountService names the predefined ones. Issue 3
// enforces privileges per method; until then every role may read.
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

// accountsDoc is the accounts file.
type accountsDoc struct {
	Version  int       `json:"version"`
	Accounts []account `json:"accounts"`
}

// account is one login. Field names follow Redfish's ManagerAccount, so the
// AccountService of issue 3 maps onto them one to one.
type account struct {
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

	mu       sync.RWMutex
	accounts []account

	cache *credCache
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
	a.accounts = []account{{UserName: "admin", RoleID: RoleAdministrator, Enabled: true, PasswordHash: string(hash)}}
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
	return &Accounts{path: path, log: logger, cache: cache, bcryptSlots: make(chan struct{}, 2)}, nil
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
	seen := map[string]bool{}
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
		seen[acc.UserName] = true
	}
	a.accounts = doc.Accounts
	return nil
}

// save writes the accounts atomically, readable by the owner only.
func (a *Accounts) save() error {
	a.mu.RLock()
	doc := accountsDoc{Version: accountsVersion, Accounts: a.accounts}
	data, err := json.MarshalIndent(doc, "", "  ")
	a.mu.RUnlock()
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
func (a *Accounts) Authenticate(user, pass string) (role string, ok bool) {
	if len(pass) > maxPasswordLength {
		// bcrypt would compare only the first 72 bytes: a longer
		// password is never one we stored.
		return "", false
	}
	key := a.cache.key(user, pass)
	if role, ok := a.cache.lookup(key); ok {
		return role, true
	}
	a.mu.RLock()
	gen := a.cache.generation()
	var acc *account
	for i := range a.accounts {
		if a.accounts[i].UserName == user {
			c := a.accounts[i]
			acc = &c
			break
		}
	}
	a.mu.RUnlock()

	a.bcryptSlots <- struct{}{}
	defer func() { <-a.bcryptSlots }()
	if acc == nil {
		_ = bcrypt.CompareHashAndPassword(a.dummy(), []byte(pass))
		return "", false
	}
	// bcrypt compares in constant time.
	if bcrypt.CompareHashAndPassword([]byte(acc.PasswordHash), []byte(pass)) != nil || !acc.Enabled {
		return "", false
	}
	a.cache.store(key, acc.RoleID, gen)
	return acc.RoleID, true
}

// forgetCredentials drops every remembered credential. Any change to an
// account (issue 3: password, role, enabled, deletion) must call it after
// the change is made.
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
