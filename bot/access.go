package bot

import (
	"sync"
	"time"
)

// Role is what a user may do.
type Role int

// Roles, from none to all.
const (
	Nobody Role = iota
	Viewer
	Operator
)

// access decides who gets an answer: the chat must be allowed, and the user
// listed as operator or viewer (when neither list is set, every member of
// an allowed chat is a viewer).
type access struct {
	chats     map[int64]bool
	operators map[int64]bool
	viewers   map[int64]bool

	mu     sync.Mutex
	logged map[int64]bool // foreign chats already logged
}

func newAccess(chats, operators, viewers []int64) *access {
	set := func(ids []int64) map[int64]bool {
		m := map[int64]bool{}
		for _, id := range ids {
			m[id] = true
		}
		return m
	}
	return &access{chats: set(chats), operators: set(operators), viewers: set(viewers), logged: map[int64]bool{}}
}

func (a *access) role(chatID, userID int64) Role {
	if !a.chats[chatID] {
		return Nobody
	}
	switch {
	case a.operators[userID]:
		return Operator
	case a.viewers[userID]:
		return Viewer
	case len(a.operators) == 0 && len(a.viewers) == 0:
		return Viewer
	}
	return Nobody
}

// firstRefusal reports whether this chat is refused for the first time, so
// that it is logged once, not at every message.
func (a *access) firstRefusal(chatID int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.logged[chatID] {
		return false
	}
	a.logged[chatID] = true
	return true
}

// limiter allows each user n messages per minute, then warns them once per
// window.
type limiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	now    func() time.Time
	users  map[int64]*bucket
}

type bucket struct {
	start  time.Time
	count  int
	warned bool
}

func newLimiter(perMinute int) *limiter {
	return &limiter{n: perMinute, window: time.Minute, now: time.Now, users: map[int64]*bucket{}}
}

// allow reports whether the user may be answered, and whether to tell them
// once that they are going too fast.
func (l *limiter) allow(userID int64) (ok, warn bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.users[userID]
	if b == nil || now.Sub(b.start) >= l.window {
		b = &bucket{start: now}
		l.users[userID] = b
	}
	b.count++
	if b.count <= l.n {
		return true, false
	}
	if !b.warned {
		b.warned = true
		return false, true
	}
	return false, false
}
