package bot

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// button is the server-side state behind one callback_data id.
type button struct {
	chatID, userID int64 // who may press it: the chat it was sent to; userID 0 = anyone allowed there
	action, arg    string
	expires        time.Time
}

// callbacks maps short opaque ids (callback_data, 16 bytes) to buttons.
// Nothing a user can forge names an action: an unknown id does nothing.
type callbacks struct {
	mu   sync.Mutex
	ttl  time.Duration
	now  func() time.Time
	byID map[string]button
}

func newCallbacks(ttl time.Duration) *callbacks {
	return &callbacks{ttl: ttl, now: time.Now, byID: map[string]button{}}
}

// add registers a button and returns its callback_data.
func (c *callbacks) add(b button) string {
	var raw [12]byte
	_, _ = rand.Read(raw[:])
	id := base64.RawURLEncoding.EncodeToString(raw[:])
	c.mu.Lock()
	defer c.mu.Unlock()
	b.expires = c.now().Add(c.ttl)
	c.byID[id] = b
	if len(c.byID)%256 == 0 {
		c.sweepLocked()
	}
	return id
}

// take returns the button for id when it exists, is not expired, and was
// sent to this chat.
func (c *callbacks) take(id string, chatID, userID int64) (button, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.byID[id]
	if !ok {
		return button{}, false
	}
	if c.now().After(b.expires) {
		delete(c.byID, id)
		return button{}, false
	}
	if b.chatID != chatID || b.userID != 0 && b.userID != userID {
		return button{}, false
	}
	return b, true
}

func (c *callbacks) sweepLocked() {
	now := c.now()
	for id, b := range c.byID {
		if now.After(b.expires) {
			delete(c.byID, id)
		}
	}
}
