// Package store keeps what vigie must remember across restarts: the audit
// log, the actions waiting for a confirmation, the 👍/👎 votes on diagnoses,
// the alert deduplication state and the mutes.
//
// One interface, Store, has two backends that pass one conformance suite:
//
//   - The embedded backend (the default, Options.URL empty) is a single bbolt
//     file, <data_dir>/vigie.db. bbolt is pure Go (no cgo, so vigie stays one
//     static binary), keeps everything in one file (back it up with vigie
//     stopped), and is an ACID copy-on-write B+tree that fsyncs on every
//     commit: a killed process or a power cut never corrupts the file and
//     never loses a write whose call returned. Its one-writer-at-a-time
//     model is what vigie needs (a few writes a minute), and its file lock
//     keeps a second vigie from sharing the file by mistake. SQLite would
//     need cgo or a transpiled driver; a log-structured store would need
//     compaction.
//   - The PostgreSQL backend (Options.URL set) is for an operator who already
//     runs PostgreSQL and wants the audit log there. Its schema is created by
//     versioned migrations at Open; all its tables are prefixed vigie_.
//
// The same file that holds the PostgreSQL backend also offers read-only
// diagnostics of the stack's own PostgreSQL (Scores, Inspect).
//
// Every failure to reach the store (server down, wrong password, file locked
// by another vigie, timeout) wraps ErrUnavailable and reads as one line that
// is safe to show: no password, no server dump. Both backends return the
// same values: times in UTC to the microsecond, text as valid UTF-8 without
// NUL bytes (pasted logs carry both), empty parameter maps as nil.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// AuditEntry is one line of the audit log: a command, a button tap, or one
// phase of an action.
type AuditEntry struct {
	ID       int64 // assigned by Audit; ignored on input
	Time     time.Time
	ChatID   int64
	UserID   int64
	Kind     string // "command", "callback", "action"
	Command  string // e.g. "status", "recreate"
	Args     string // already redacted by the caller
	Outcome  string // "ok", "error", "refused", "running", …
	Duration time.Duration
	Ref      string // links the phases of one action
	Phase    string // for actions: requested, confirmed, started, finished
	Detail   string // one line
}

// The states of a PendingAction.
const (
	StatePending   = "pending"
	StateConfirmed = "confirmed"
	StateRunning   = "running"
	StateDone      = "done"
	StateFailed    = "failed"
	StateCancelled = "cancelled"
	StateExpired   = "expired"
)

// PendingAction is a runbook action offered to an operator and waiting for
// (or past) its confirmation.
type PendingAction struct {
	ID        string
	ChatID    int64
	UserID    int64
	Runbook   string
	Version   string
	Params    map[string]string // nil when empty
	Created   time.Time
	Expires   time.Time
	State     string // pending, confirmed, running, done, failed, cancelled, expired
	MessageID int
}

// Feedback is the tally of votes on one corpus section for one signature.
type Feedback struct {
	Section string
	Up      int
	Down    int
}

// AlertState remembers the last alert sent for one event of one container,
// so that a flapping container does not flood the chat.
type AlertState struct {
	Host      string
	Container string
	Event     string
	LastSent  time.Time
	Count     int
	ChatID    int64
	MessageID int
}

// The scopes of a Mute.
const (
	ScopeContainer = "container"
	ScopeProject   = "project"
	ScopeHost      = "host"
)

// Mute silences the alerts of a container, a Compose project or a host
// until a time. A zero Until mutes until the mute is removed.
type Mute struct {
	Scope string // container, project or host
	Name  string
	Until time.Time
	By    int64 // user id
}

// Sentinel errors, to be told apart with errors.Is.
var (
	// ErrNotFound says the thing asked for is not in the store.
	ErrNotFound = errors.New("not found")
	// ErrConflict says a pending action is no longer in the state the caller
	// expected: someone else confirmed, cancelled or expired it first.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable says the store cannot be used right now: server down or
	// unreachable, login refused, no answer within the timeout, file locked
	// by another vigie, store closed. Nothing was written.
	ErrUnavailable = errors.New("the store cannot be reached")
	// ErrConfig says the store's settings are wrong (password, role,
	// database): no retry will help until they are fixed.
	ErrConfig = errors.New("the store is misconfigured")
)

// Error is a store failure whose message is one line that is safe to show
// to a user as it is. Kind is the sentinel it stands for (ErrUnavailable)
// or nil; Err is the underlying cause, for logs, and never part of the
// message because it may be long or carry server details.
type Error struct {
	Msg  string
	Kind error
	Err  error
}

// Error returns the one-line message.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns the sentinel and the cause, so errors.Is finds both.
func (e *Error) Unwrap() []error {
	var out []error
	for _, err := range []error{e.Kind, e.Err} {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// Store is what vigie keeps. Implementations are safe for concurrent use.
type Store interface {
	// Audit appends an entry (a zero Time means now) and returns its ID.
	// IDs grow with every call.
	Audit(ctx context.Context, e AuditEntry) (int64, error)
	// History returns the latest entries, newest first; limit <= 0 means all.
	History(ctx context.Context, limit int) ([]AuditEntry, error)
	// PruneAudit deletes the entries older than before and says how many.
	PruneAudit(ctx context.Context, before time.Time) (int, error)

	// PutPending stores an action, replacing the one with the same ID. An
	// empty State means pending.
	PutPending(ctx context.Context, p PendingAction) error
	// GetPending returns an action, or an error wrapping ErrNotFound.
	GetPending(ctx context.Context, id string) (PendingAction, error)
	// TransitionPending atomically moves an action from state from to state
	// to and returns it as it now is. It is single use: of two concurrent
	// confirmations exactly one succeeds, the other gets an error wrapping
	// ErrConflict. An unknown id gives ErrNotFound. Expires is not looked
	// at: expiring is the caller's decision (a transition to expired).
	TransitionPending(ctx context.Context, id, from, to string) (PendingAction, error)
	// ListPending returns the actions in a state ("" for all), oldest first.
	ListPending(ctx context.Context, state string) ([]PendingAction, error)

	// AddFeedback records a vote on a section for a signature (what the
	// diagnosis matched). One vote per user × section × signature: a new
	// vote replaces the user's previous one.
	AddFeedback(ctx context.Context, section, signature string, up bool, userID int64) error
	// FeedbackFor returns the tallies of a signature by section; an empty
	// map when nobody voted.
	FeedbackFor(ctx context.Context, signature string) (map[string]Feedback, error)

	// GetAlert returns the state of an alert, or an error wrapping ErrNotFound.
	GetAlert(ctx context.Context, host, container, event string) (AlertState, error)
	// PutAlert stores the state of an alert, replacing the previous one.
	PutAlert(ctx context.Context, a AlertState) error

	// AddMute stores a mute, replacing the one of the same scope and name.
	AddMute(ctx context.Context, m Mute) error
	// RemoveMute deletes a mute and says whether there was one.
	RemoveMute(ctx context.Context, scope, name string) (bool, error)
	// ActiveMutes returns the mutes still in force at now, by scope and name.
	ActiveMutes(ctx context.Context, now time.Time) ([]Mute, error)

	// TakeQuota spends one unit of the quota key (a daily budget: "llm
	// 2026-11-30") if fewer than limit were spent (limit <= 0: no limit),
	// atomically, and returns the units spent after the call and whether
	// this one was granted.
	TakeQuota(ctx context.Context, key string, limit int) (used int, ok bool, err error)

	// Ping checks the store can be used.
	Ping(ctx context.Context) error
	// Close releases the store; later calls fail with ErrUnavailable.
	// Closing twice is harmless.
	Close() error
}

// Options say which backend to open.
type Options struct {
	// URL is a postgres:// URL; empty selects the embedded store.
	URL string
	// DataDir is the directory of the embedded store's file.
	DataDir string
	// Timeout bounds every call to the store; 0 means DefaultTimeout.
	Timeout time.Duration
}

// DefaultTimeout bounds a store call when Options.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// errClosed is what a closed store answers.
var errClosed = &Error{Msg: "the store is closed", Kind: ErrUnavailable}

// validScope checks the scope of a mute.
func validScope(scope string) error {
	switch scope {
	case ScopeContainer, ScopeProject, ScopeHost:
		return nil
	}
	return fmt.Errorf("mute scope %q: must be container, project or host", scope)
}

// checkPending validates an action before it is stored and fills its state.
func checkPending(p *PendingAction) error {
	if p.ID == "" {
		return errors.New("pending action: empty id")
	}
	if p.State == "" {
		p.State = StatePending
	}
	if len(p.Params) > 0 {
		clean := make(map[string]string, len(p.Params))
		for k, v := range p.Params {
			clean[cleanText(k)] = cleanText(v)
		}
		p.Params = clean
	}
	return nil
}

// normTime is how every backend returns a time: UTC, microseconds (what
// PostgreSQL keeps), no monotonic reading; the zero time stays zero.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Round(0).Truncate(time.Microsecond).UTC()
}

// normParams makes an empty parameter map nil, as both backends return it.
func normParams(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// cleanText makes text storable the same way by both backends: valid
// UTF-8 (JSON would coerce it, PostgreSQL would refuse it) and no NUL byte
// (PostgreSQL text cannot hold one). Pasted logs carry both.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// prepareAudit fills the time of an entry and cleans its text.
func prepareAudit(e *AuditEntry) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = normTime(e.Time)
	for _, f := range []*string{&e.Kind, &e.Command, &e.Args, &e.Outcome, &e.Ref, &e.Phase, &e.Detail} {
		*f = cleanText(*f)
	}
}

// maxSignature is the longest signature kept as is: PostgreSQL cannot
// index a key of more than about 2.7 kB, and a signature comes from a chat.
const maxSignature = 512

// signatureKey is how a signature is stored: as is when short, else by its
// SHA-256, the same way on write and on read.
func signatureKey(sig string) string {
	sig = cleanText(sig)
	if len(sig) <= maxSignature {
		return sig
	}
	h := sha256.Sum256([]byte(sig))
	return "sha256:" + hex.EncodeToString(h[:])
}

// conflict is the error of a transition from a state the action is not in.
func conflict(id, state, from string) error {
	return fmt.Errorf("pending action %s is %s, not %s: %w", id, state, from, ErrConflict)
}

// notFound is the error of a lookup that found nothing.
func notFound(what string) error {
	return fmt.Errorf("%s: %w", what, ErrNotFound)
}
