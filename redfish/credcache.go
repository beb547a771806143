package redfish

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"hash"
	"sync"
	"time"
)

// Remembered credentials live this long and at most this many are kept.
const (
	credTTL        = 5 * time.Minute
	credCacheLimit = 256
)

// credKey identifies one user and password pair without holding either: an
// HMAC-SHA256 under a key made at process start, so the cache's memory
// reveals no password and its keys cannot be precomputed.
type credKey [sha256.Size]byte

type credEntry struct {
	role    string
	expires time.Time
}

// credCache remembers credentials that passed a bcrypt check. Only
// successes are stored, so a wrong password always costs a bcrypt check and
// never matches a remembered one (a different password is a different key).
type credCache struct {
	hmacs sync.Pool // of *keyHasher

	mu      sync.Mutex
	entries map[credKey]credEntry
	// gen counts clear calls; a check that started before an account
	// change must not store its now-stale result.
	gen uint64
	now func() time.Time
}

func newCredCache() (*credCache, error) {
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return nil, fmt.Errorf("accounts: credential cache key: %w", err)
	}
	c := &credCache{entries: make(map[credKey]credEntry), now: time.Now}
	c.hmacs.New = func() any { return &keyHasher{h: hmac.New(sha256.New, secret[:])} }
	return c, nil
}

// keyHasher is a keyed HMAC and a scratch buffer, pooled so a request
// with remembered credentials allocates nothing to find them.
type keyHasher struct {
	h   hash.Hash
	buf []byte
}

// key is HMAC(process key, user NUL password). User names cannot hold NUL
// in Basic auth's user:password form, so the pair is unambiguous.
func (c *credCache) key(user, pass string) credKey {
	kh := c.hmacs.Get().(*keyHasher)
	kh.h.Reset()
	kh.buf = append(kh.buf[:0], user...)
	kh.buf = append(kh.buf, 0)
	kh.buf = append(kh.buf, pass...)
	_, _ = kh.h.Write(kh.buf)
	clear(kh.buf) // the password does not linger in the pool
	kh.buf = kh.h.Sum(kh.buf[:0])
	var k credKey
	copy(k[:], kh.buf)
	c.hmacs.Put(kh)
	return k
}

// lookup returns the role of remembered, unexpired credentials.
func (c *credCache) lookup(k credKey) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok {
		return "", false
	}
	if !c.now().Before(e.expires) {
		delete(c.entries, k)
		return "", false
	}
	return e.role, true
}

// generation is read before a slow check and passed to store.
func (c *credCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// store remembers verified credentials, unless the accounts changed since
// gen. When full it drops expired entries, then an arbitrary one.
func (c *credCache) store(k credKey, role string, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	now := c.now()
	if len(c.entries) >= credCacheLimit {
		for key, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, key)
			}
		}
		for key := range c.entries {
			if len(c.entries) < credCacheLimit {
				break
			}
			delete(c.entries, key)
		}
	}
	c.entries[k] = credEntry{role: role, expires: now.Add(credTTL)}
}

// clear forgets every credential.
func (c *credCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	c.gen++
}

func (c *credCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
