package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"time"

	"github.com/chassisd/chassisd/internal/atomicfile"
)

// stateFileName is the push subscriptions' file in the state directory.
// SSE subscriptions live as long as their connection and are not saved.
const stateFileName = "subscriptions.json"

const stateVersion = 1

// stateFile is subscriptions.json.
type stateFile struct {
	Version int `json:"version"`
	// NextID keeps Ids from being reused after a restart, so a client
	// holding an old subscription's URI never reaches a new one.
	NextID        uint64          `json:"nextId"`
	Settings      *storedSettings `json:"settings,omitempty"`
	Subscriptions []Subscription  `json:"subscriptions"`
}

type storedSettings struct {
	ServiceEnabled        bool   `json:"serviceEnabled"`
	DeliveryRetryAttempts int    `json:"deliveryRetryAttempts"`
	DeliveryRetryInterval string `json:"deliveryRetryInterval"` // time.Duration text: tests use milliseconds
}

// saveLocked writes every push subscription and, once set, the settings.
// The file is 0600: HttpHeaders may hold a destination's credentials.
func (b *Broker) saveLocked() error {
	if b.path == "" {
		return nil
	}
	f := stateFile{Version: stateVersion, NextID: b.nextID, Subscriptions: []Subscription{}}
	if b.settingsSet {
		s := b.settings.Load()
		f.Settings = &storedSettings{ServiceEnabled: s.ServiceEnabled, DeliveryRetryAttempts: s.DeliveryRetryAttempts,
			DeliveryRetryInterval: s.DeliveryRetryInterval.String()}
	}
	for _, sb := range b.sortedLocked() {
		if s := sb.sub.Load(); s.SubscriptionType == SubscriptionTypePush {
			f.Subscriptions = append(f.Subscriptions, *s)
		}
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("events: save subscriptions: %w", err)
	}
	if err := atomicfile.Write(b.path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("events: save subscriptions: %w", err)
	}
	return nil
}

// load reads the state file at New. A missing file is a first start; any
// other problem names the file and stops the broker from starting, so
// subscriptions are never dropped silently.
func (b *Broker) load() error {
	data, err := os.ReadFile(b.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	var f stateFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("events: %s is corrupt: %w", b.path, err)
	}
	if f.Version != stateVersion {
		return fmt.Errorf("events: %s: version %d, this chassisd reads version %d", b.path, f.Version, stateVersion)
	}
	if f.Settings != nil {
		iv, err := time.ParseDuration(f.Settings.DeliveryRetryInterval)
		if err != nil || iv <= 0 || f.Settings.DeliveryRetryAttempts < 0 {
			return fmt.Errorf("events: %s: settings: bad retry attempts %d or interval %q", b.path,
				f.Settings.DeliveryRetryAttempts, f.Settings.DeliveryRetryInterval)
		}
		b.settings.Store(&Settings{ServiceEnabled: f.Settings.ServiceEnabled,
			DeliveryRetryAttempts: f.Settings.DeliveryRetryAttempts, DeliveryRetryInterval: iv})
		b.settingsSet = true
	}
	if len(f.Subscriptions) > b.opts.MaxSubscriptions {
		return fmt.Errorf("events: %s: %d subscriptions, more than the limit %d", b.path, len(f.Subscriptions), b.opts.MaxSubscriptions)
	}
	b.nextID = max(f.NextID, 1)
	for i, s := range f.Subscriptions {
		n, err := strconv.ParseUint(s.ID, 10, 64)
		if err != nil || n == 0 || strconv.FormatUint(n, 10) != s.ID {
			return fmt.Errorf("events: %s: subscription %d: bad Id %q", b.path, i, s.ID)
		}
		if _, dup := b.subs[s.ID]; dup {
			return fmt.Errorf("events: %s: subscription Id %s appears twice", b.path, s.ID)
		}
		if s.SubscriptionType != SubscriptionTypePush {
			return fmt.Errorf("events: %s: subscription %s: SubscriptionType %q cannot be restored", b.path, s.ID, s.SubscriptionType)
		}
		s.ApplyDefaults()
		if err := s.validate(b.allowed); err != nil {
			return fmt.Errorf("events: %s: subscription %s: %w", b.path, s.ID, err)
		}
		b.subs[s.ID] = newSubscriber(s, b.opts.BufferSize)
		b.nextID = max(b.nextID, n+1)
	}
	return nil
}
