package redfish

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"sync"
	"time"
)

// Session limits. The timeout is what SessionService.SessionTimeout shows
// and PATCH changes; DSP0266 allows 30 s to 86400 s.
const (
	defaultSessionTimeout = 30 * time.Minute
	minSessionTimeout     = 30 * time.Second
	maxSessionTimeout     = 24 * time.Hour
	maxSessions           = 64
)

// session is one login session (Session schema). The token itself is never
// kept: only its SHA-256, so a heap dump or a log line cannot replay it.
type session struct {
	id        string
	user      string
	role      string
	tokenHash [32]byte
	created   time.Time
	lastUsed  time.Time
	remote    string
	context   string
}

// sessionStore holds the sessions in memory: a restart logs everybody out,
// as on every BMC.
type sessionStore struct {
	mu       sync.Mutex
	byID     map[string]*session
	timeout  time.Duration
	now      func() time.Time
	nextIDFn func() string
}

func newSessionStore() *sessionStore {
	return &sessionStore{byID: map[string]*session{}, timeout: defaultSessionTimeout, now: time.Now, nextIDFn: randomID}
}

// errTooManySessions is returned by create at the limit.
type errTooManySessions struct{}

func (errTooManySessions) Error() string { return "too many sessions" }

// create starts a session for user and returns it with its token.
func (st *sessionStore) create(user, role, remote, context string) (*session, string, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, "", err
	}
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	st.mu.Lock()
	defer st.mu.Unlock()
	st.expireLocked()
	if len(st.byID) >= maxSessions {
		return nil, "", errTooManySessions{}
	}
	now := st.now()
	s := &session{id: st.nextIDFn(), user: user, role: role, tokenHash: sha256.Sum256([]byte(token)),
		created: now, lastUsed: now, remote: remote, context: context}
	for st.byID[s.id] != nil {
		s.id = st.nextIDFn()
	}
	st.byID[s.id] = s
	c := *s
	return &c, token, nil
}

// lookup finds the live session a token belongs to and marks it used.
func (st *sessionStore) lookup(token string) (session, bool) {
	h := sha256.Sum256([]byte(token))
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.now()
	for id, s := range st.byID {
		if subtle.ConstantTimeCompare(s.tokenHash[:], h[:]) != 1 {
			continue
		}
		if now.Sub(s.lastUsed) > st.timeout {
			delete(st.byID, id)
			return session{}, false
		}
		s.lastUsed = now
		return *s, true
	}
	return session{}, false
}

// get returns a session by Id.
func (st *sessionStore) get(id string) (session, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.expireLocked()
	s, ok := st.byID[id]
	if !ok {
		return session{}, false
	}
	return *s, true
}

// list returns the live sessions' Ids in creation order.
func (st *sessionStore) list() []session {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.expireLocked()
	out := make([]session, 0, len(st.byID))
	for _, s := range st.byID {
		out = append(out, *s)
	}
	sortSessions(out)
	return out
}

// remove ends a session; it reports whether it existed.
func (st *sessionStore) remove(id string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	_, ok := st.byID[id]
	delete(st.byID, id)
	return ok
}

// removeUser ends every session of user (account deleted, disabled, its
// password or role changed).
func (st *sessionStore) removeUser(user string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for id, s := range st.byID {
		if s.user == user {
			delete(st.byID, id)
		}
	}
}

func (st *sessionStore) setTimeout(d time.Duration) {
	st.mu.Lock()
	st.timeout = d
	st.mu.Unlock()
}

func (st *sessionStore) getTimeout() time.Duration {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.timeout
}

func (st *sessionStore) expireLocked() {
	now := st.now()
	for id, s := range st.byID {
		if now.Sub(s.lastUsed) > st.timeout {
			delete(st.byID, id)
		}
	}
}

func sortSessions(ss []session) {
	slices.SortFunc(ss, func(a, b session) int { return a.created.Compare(b.created) })
}

// randomID makes an unguessable resource Id (session and subscription Ids
// appear in URIs; a counter would let one user guess another's).
func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
