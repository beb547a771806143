package redfish

import (
	"sync"
	"sync/atomic"
	"time"
)

// lockoutPolicy is AccountService's lockout settings. A threshold or a
// duration of 0 turns lockout off, as the AccountService schema defines.
type lockoutPolicy struct {
	threshold  int
	duration   time.Duration
	resetAfter time.Duration
}

func (p lockoutPolicy) enabled() bool { return p.threshold > 0 && p.duration > 0 }

// failures is one account's recent failed logins.
type failures struct {
	count int
	last  time.Time
	// lockedUntil is set when count reached the threshold; the account
	// refuses every password until then.
	lockedUntil time.Time
}

// lockout counts failed logins per account and locks an account that has
// too many. It is kept in memory only: writing the accounts file on every
// failed login would let a stranger wear out a BMC's flash, and a restart
// that unlocks an account costs an attacker far more time than it saves.
//
// Only existing accounts are counted (the caller checks), so guesses at
// unknown user names neither lock anything nor grow the map.
type lockout struct {
	mu     sync.Mutex
	byUser map[string]*failures
	// n is len(byUser), read without mu: the hot path of a login with
	// remembered credentials costs one atomic load when nobody failed.
	n atomic.Int64
}

func newLockout() *lockout { return &lockout{byUser: map[string]*failures{}} }

// locked reports whether user is locked out at now.
func (l *lockout) locked(user string, now time.Time) bool {
	if l.n.Load() == 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.byUser[user]
	return f != nil && now.Before(f.lockedUntil)
}

// failed counts one failed login of user and reports whether it locked the
// account. Failures while locked are not counted: they would extend the
// lock forever for an account under a steady guessing attack, which is a
// denial of service the owner cannot end.
func (l *lockout) failed(user string, p lockoutPolicy, now time.Time) bool {
	if !p.enabled() {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.byUser[user]
	if f == nil {
		f = &failures{}
		l.byUser[user] = f
		l.n.Add(1)
	}
	if now.Before(f.lockedUntil) {
		return false
	}
	// A lock that ran out, or a quiet period since the last failure,
	// starts the count again.
	if !f.lockedUntil.IsZero() || now.Sub(f.last) >= p.resetAfter {
		f.count, f.lockedUntil = 0, time.Time{}
	}
	f.count++
	f.last = now
	if f.count < p.threshold {
		return false
	}
	f.count = 0
	f.lockedUntil = now.Add(p.duration)
	return true
}

// succeeded resets user's count after a successful login, as the schema's
// AccountLockoutCounterResetAfter asks.
func (l *lockout) succeeded(user string, now func() time.Time) {
	if l.n.Load() == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if f := l.byUser[user]; f != nil && !now().Before(f.lockedUntil) {
		delete(l.byUser, user)
		l.n.Add(-1)
	}
}

// forget drops user's count and lock: an administrator unlocked it, or the
// account was removed or renamed.
func (l *lockout) forget(user string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.byUser[user]; ok {
		delete(l.byUser, user)
		l.n.Add(-1)
	}
}
