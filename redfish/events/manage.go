package events

import (
	"fmt"
	"strconv"
)

// AddSubscription validates and stores a push subscription, starts its
// delivery and returns it with its Id and defaults filled. A *PropertyError
// says what is wrong with it.
func (b *Broker) AddSubscription(s Subscription) (Subscription, error) {
	s = s.clone()
	s.ID, s.filter = "", Filter{}
	if s.SubscriptionType == "" {
		s.SubscriptionType = SubscriptionTypePush
	}
	if s.SubscriptionType != SubscriptionTypePush {
		return Subscription{}, propErr("SubscriptionType", s.SubscriptionType, NotInList, "only %s can be created; an SSE subscription is opened at the ServerSentEventUri", SubscriptionTypePush)
	}
	s.ApplyDefaults()
	if err := s.validate(b.allowed); err != nil {
		return Subscription{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.admitLocked(); err != nil {
		return Subscription{}, err
	}
	s.ID = b.takeIDLocked()
	sb := newSubscriber(s, b.opts.BufferSize)
	b.subs[s.ID] = sb
	if err := b.saveLocked(); err != nil {
		delete(b.subs, s.ID)
		return Subscription{}, err
	}
	b.startPush(sb)
	b.installLocked(nil)
	return s.clone(), nil
}

// RemoveSubscription deletes a subscription; an SSE subscription's stream
// ends.
func (b *Broker) RemoveSubscription(id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	sb, ok := b.subs[id]
	if !ok {
		return fmt.Errorf("subscription %q: %w", id, ErrNotFound)
	}
	delete(b.subs, id)
	if sb.sub.Load().SubscriptionType == SubscriptionTypePush {
		if err := b.saveLocked(); err != nil {
			b.subs[id] = sb
			return err
		}
	}
	b.installLocked(nil)
	sb.stop()
	return nil
}

// Subscriptions lists every subscription, push and SSE, by Id.
func (b *Broker) Subscriptions() []Subscription {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Subscription, 0, len(b.subs))
	for _, sb := range b.sortedLocked() {
		out = append(out, sb.sub.Load().clone())
	}
	return out
}

// Subscription returns one subscription.
func (b *Broker) Subscription(id string) (Subscription, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	sb, ok := b.subs[id]
	if !ok {
		return Subscription{}, fmt.Errorf("subscription %q: %w", id, ErrNotFound)
	}
	return sb.sub.Load().clone(), nil
}

// Update applies edit to a copy of a subscription (a PATCH), validates and
// stores the result. Id and SubscriptionType cannot change. Setting State
// to Enabled resumes a suspended subscription; to Disabled suspends it.
func (b *Broker) Update(id string, edit func(*Subscription)) (Subscription, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	sb, ok := b.subs[id]
	if !ok {
		return Subscription{}, fmt.Errorf("subscription %q: %w", id, ErrNotFound)
	}
	cur := sb.sub.Load()
	next := cur.clone()
	edit(&next)
	next.ID, next.SubscriptionType, next.filter = cur.ID, cur.SubscriptionType, cur.filter
	next.ApplyDefaults()
	if err := next.validate(b.allowed); err != nil {
		return Subscription{}, err
	}
	sb.sub.Store(&next)
	if next.SubscriptionType == SubscriptionTypePush {
		if err := b.saveLocked(); err != nil {
			sb.sub.Store(cur)
			return Subscription{}, err
		}
	}
	if cur.State != next.State {
		if next.State == StateEnabled {
			b.log.Info("event subscription resumed", "id", id)
			sb.q.signal()
		} else {
			sb.q.clear()
		}
	}
	return next.clone(), nil
}

// Resume re-enables a suspended subscription: it receives events published
// from now on.
func (b *Broker) Resume(id string) error {
	_, err := b.Update(id, func(s *Subscription) { s.State = StateEnabled })
	return err
}

// Settings returns the EventService's current settings.
func (b *Broker) Settings() Settings { return *b.settings.Load() }

// SetSettings changes and persists the EventService settings. Retries
// already waiting keep their schedule.
func (b *Broker) SetSettings(s Settings) error {
	if s.DeliveryRetryAttempts < 0 {
		return propErr("DeliveryRetryAttempts", strconv.Itoa(s.DeliveryRetryAttempts), Format, "must not be negative")
	}
	if s.DeliveryRetryInterval <= 0 {
		return propErr("DeliveryRetryIntervalSeconds", s.DeliveryRetryInterval.String(), Format, "must be positive")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	old, oldSet := b.settings.Load(), b.settingsSet
	b.settings.Store(&s)
	b.settingsSet = true
	if err := b.saveLocked(); err != nil {
		b.settings.Store(old)
		b.settingsSet = oldSet
		return err
	}
	return nil
}

// giveUp applies the retry policy after a delivery's retries ran out.
func (b *Broker) giveUp(sb *subscriber) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs[sb.id] != sb {
		return // removed meanwhile
	}
	cur := sb.sub.Load()
	if cur.DeliveryRetryPolicy == PolicyTerminate {
		b.log.Warn("event subscription deleted after failed deliveries", "id", sb.id, "destination", cur.Destination)
		delete(b.subs, sb.id)
		if err := b.saveLocked(); err != nil {
			b.log.Error("event subscriptions not saved", "err", err)
		}
		b.installLocked(nil)
		sb.stop()
		return
	}
	if cur.State == StateDisabled {
		return
	}
	next := cur.clone()
	next.State = StateDisabled
	sb.sub.Store(&next)
	sb.q.clear()
	b.log.Warn("event subscription suspended after failed deliveries", "id", sb.id, "destination", cur.Destination)
	if err := b.saveLocked(); err != nil {
		b.log.Error("event subscriptions not saved", "err", err)
	}
}
