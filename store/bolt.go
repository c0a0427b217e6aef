package store

// This file is the only one that imports bbolt.
//
// Layout: one bucket per kind, JSON values (the records below, so that a
// renamed Go field never changes the file). Keys:
//   audit     big-endian uint64 from the bucket's sequence, so a cursor walks
//             the log in order and Last() is the newest entry;
//   pending   the action id;
//   feedback  signature · section · user id, each string length-prefixed:
//             the signature prefix is the index FeedbackFor scans, and the
//             full key makes one vote per user × section × signature;
//   alerts    host · container · event, length-prefixed;
//   mutes     scope · name, length-prefixed;
//   meta      "schema" → the layout version.

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

const (
	// boltFile is the name of the embedded store's file in the data dir.
	boltFile = "vigie.db"
	// boltLockWait is how long Open waits for the file lock of another
	// process before it says the file is in use.
	boltLockWait = time.Second
	// boltSchema is the layout version this code writes.
	boltSchema = 1
)

var (
	bucketAudit    = []byte("audit")
	bucketPending  = []byte("pending")
	bucketFeedback = []byte("feedback")
	bucketAlerts   = []byte("alerts")
	bucketMutes    = []byte("mutes")
	bucketQuota    = []byte("quota")
	bucketMeta     = []byte("meta")
	keySchema      = []byte("schema")
)

// boltStore is the embedded backend. bbolt serialises writers, which is
// what makes TransitionPending single use.
type boltStore struct {
	db     *bolt.DB
	path   string
	log    zerolog.Logger
	closed atomic.Bool
}

// openBolt opens (or creates) <DataDir>/vigie.db.
func openBolt(ctx context.Context, o Options, log zerolog.Logger) (Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open embedded store: %w", err)
	}
	dir := filepath.Clean(o.DataDir)
	if err := prepareDataDir(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, boltFile)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: min(boltLockWait, o.Timeout)})
	if err != nil {
		return nil, boltOpenError(dir, path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketAudit, bucketPending, bucketFeedback, bucketAlerts, bucketMutes, bucketQuota, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keySchema); v != nil {
			n, err := strconv.Atoi(string(v))
			if err != nil {
				return fmt.Errorf("schema version %q: %w", v, err)
			}
			if n > boltSchema {
				return &Error{Msg: fmt.Sprintf("%s was written by a newer vigie (layout %d, this one knows %d)", path, n, boltSchema)}
			}
		}
		return meta.Put(keySchema, []byte(strconv.Itoa(boltSchema)))
	})
	if err != nil {
		_ = db.Close()
		var se *Error
		if errors.As(err, &se) {
			return nil, se
		}
		return nil, fmt.Errorf("embedded store %s: %w", path, err)
	}
	log.Info().Str("backend", "bolt").Str("path", path).Msg("store opened")
	return &boltStore{db: db, path: path, log: log}, nil
}

// prepareDataDir creates the data dir if missing and proves it writable,
// so that the error names the directory rather than a bbolt internal.
func prepareDataDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return &Error{Msg: fmt.Sprintf("data_dir %s: not a directory", dir)}
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return &Error{Msg: fmt.Sprintf("data_dir %s: cannot create: %s", dir, errnoText(err)), Err: err}
		}
	case err != nil:
		return &Error{Msg: fmt.Sprintf("data_dir %s: %s", dir, errnoText(err)), Err: err}
	}
	f, err := os.CreateTemp(dir, ".vigie-probe-*")
	if err != nil {
		return &Error{Msg: fmt.Sprintf("data_dir %s: not writable: %s", dir, errnoText(err)), Err: err}
	}
	name := f.Name()
	_ = f.Close()
	if err := os.Remove(name); err != nil {
		return &Error{Msg: fmt.Sprintf("data_dir %s: not writable: %s", dir, errnoText(err)), Err: err}
	}
	return nil
}

// errnoText is the system's reason without the path, which the caller's
// message already names.
func errnoText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// boltOpenError explains why bolt.Open failed.
func boltOpenError(dir, path string, err error) error {
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return &Error{Msg: path + " is in use by another vigie (bbolt lock)", Kind: ErrUnavailable, Err: err}
	case errors.Is(err, fs.ErrPermission):
		return &Error{Msg: fmt.Sprintf("data_dir %s: not writable: %s: %s", dir, boltFile, errnoText(err)), Err: err}
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return &Error{Msg: fmt.Sprintf("%s: not a vigie store or damaged (%v): move it aside to start afresh", path, err), Err: err}
	}
	return fmt.Errorf("open embedded store %s: %w", path, err)
}

// ready refuses a call on a closed store or a done context.
func (s *boltStore) ready(ctx context.Context, op string) error {
	if s.closed.Load() {
		return errClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// wrap adds the operation to an error of a transaction. Calls are local
// and short: once started they run to their commit, so the result always
// says whether the write happened.
func (s *boltStore) wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrConflict):
		return err
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return errClosed
	}
	return fmt.Errorf("embedded store: %s: %w", op, err)
}

func (s *boltStore) update(ctx context.Context, op string, fn func(tx *bolt.Tx) error) error {
	if err := s.ready(ctx, op); err != nil {
		return err
	}
	return s.wrap(op, s.db.Update(fn))
}

func (s *boltStore) view(ctx context.Context, op string, fn func(tx *bolt.Tx) error) error {
	if err := s.ready(ctx, op); err != nil {
		return err
	}
	return s.wrap(op, s.db.View(fn))
}

// Records: the JSON shape of each kind in the file.

type auditRec struct {
	Time     time.Time `json:"time"`
	ChatID   int64     `json:"chat_id,omitempty"`
	UserID   int64     `json:"user_id,omitempty"`
	Kind     string    `json:"kind,omitempty"`
	Command  string    `json:"command,omitempty"`
	Args     string    `json:"args,omitempty"`
	Outcome  string    `json:"outcome,omitempty"`
	Duration int64     `json:"duration_ns,omitempty"`
	Ref      string    `json:"ref,omitempty"`
	Phase    string    `json:"phase,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

type pendingRec struct {
	ChatID    int64             `json:"chat_id,omitempty"`
	UserID    int64             `json:"user_id,omitempty"`
	Runbook   string            `json:"runbook,omitempty"`
	Version   string            `json:"version,omitempty"`
	Params    map[string]string `json:"params,omitempty"`
	Created   time.Time         `json:"created"`
	Expires   time.Time         `json:"expires"`
	State     string            `json:"state"`
	MessageID int               `json:"message_id,omitempty"`
}

type voteRec struct {
	Up bool      `json:"up"`
	At time.Time `json:"at"`
}

type alertRec struct {
	LastSent  time.Time `json:"last_sent"`
	Count     int       `json:"count,omitempty"`
	ChatID    int64     `json:"chat_id,omitempty"`
	MessageID int       `json:"message_id,omitempty"`
}

type muteRec struct {
	Until time.Time `json:"until"`
	By    int64     `json:"by,omitempty"`
}

func (r pendingRec) action(id string) PendingAction {
	return PendingAction{
		ID: id, ChatID: r.ChatID, UserID: r.UserID, Runbook: r.Runbook, Version: r.Version,
		Params: normParams(r.Params), Created: normTime(r.Created), Expires: normTime(r.Expires),
		State: r.State, MessageID: r.MessageID,
	}
}

func pendingRecord(p PendingAction) pendingRec {
	return pendingRec{
		ChatID: p.ChatID, UserID: p.UserID, Runbook: p.Runbook, Version: p.Version,
		Params: normParams(p.Params), Created: normTime(p.Created), Expires: normTime(p.Expires),
		State: p.State, MessageID: p.MessageID,
	}
}

// Keys.

func u64Key(n uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, n)
	return k
}

// appendStr appends a length-prefixed string, so that a key made of
// several strings is unambiguous and a prefix of whole strings is a range.
func appendStr(k []byte, s string) []byte {
	k = binary.AppendUvarint(k, uint64(len(s)))
	return append(k, s...)
}

// readStr reads a string appendStr wrote and returns the rest of the key.
func readStr(k []byte) (string, []byte, error) {
	n, w := binary.Uvarint(k)
	if w <= 0 || uint64(len(k)-w) < n {
		return "", nil, fmt.Errorf("malformed key %x", k)
	}
	return string(k[w : w+int(n)]), k[w+int(n):], nil
}

func put(b *bolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}

func decode(k, v []byte, into any) error {
	if err := json.Unmarshal(v, into); err != nil {
		return fmt.Errorf("record %x: %w", k, err)
	}
	return nil
}

// Audit log.

func (s *boltStore) Audit(ctx context.Context, e AuditEntry) (int64, error) {
	prepareAudit(&e)
	rec := auditRec{
		Time: e.Time, ChatID: e.ChatID, UserID: e.UserID, Kind: e.Kind, Command: e.Command,
		Args: e.Args, Outcome: e.Outcome, Duration: int64(e.Duration), Ref: e.Ref, Phase: e.Phase, Detail: e.Detail,
	}
	var id int64
	err := s.update(ctx, "audit", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		id = int64(seq)
		return put(b, u64Key(seq), rec)
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

func (s *boltStore) History(ctx context.Context, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.view(ctx, "history", func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			var r auditRec
			if err := decode(k, v, &r); err != nil {
				return err
			}
			out = append(out, AuditEntry{
				ID: int64(binary.BigEndian.Uint64(k)), Time: normTime(r.Time), ChatID: r.ChatID, UserID: r.UserID,
				Kind: r.Kind, Command: r.Command, Args: r.Args, Outcome: r.Outcome, Duration: time.Duration(r.Duration),
				Ref: r.Ref, Phase: r.Phase, Detail: r.Detail,
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *boltStore) PruneAudit(ctx context.Context, before time.Time) (int, error) {
	n := 0
	err := s.update(ctx, "prune audit", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		var old [][]byte
		// Collect first: deleting under a moving cursor can skip keys.
		err := b.ForEach(func(k, v []byte) error {
			var r struct {
				Time time.Time `json:"time"`
			}
			if err := decode(k, v, &r); err != nil {
				return err
			}
			if r.Time.Before(before) {
				old = append(old, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Pending actions.

func (s *boltStore) PutPending(ctx context.Context, p PendingAction) error {
	if err := checkPending(&p); err != nil {
		return err
	}
	return s.update(ctx, "put pending action", func(tx *bolt.Tx) error {
		return put(tx.Bucket(bucketPending), []byte(p.ID), pendingRecord(p))
	})
}

func (s *boltStore) GetPending(ctx context.Context, id string) (PendingAction, error) {
	var p PendingAction
	err := s.view(ctx, "get pending action", func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketPending).Get([]byte(id))
		if v == nil {
			return notFound("pending action " + id)
		}
		var r pendingRec
		if err := decode([]byte(id), v, &r); err != nil {
			return err
		}
		p = r.action(id)
		return nil
	})
	return p, err
}

func (s *boltStore) TransitionPending(ctx context.Context, id, from, to string) (PendingAction, error) {
	var p PendingAction
	err := s.update(ctx, "transition pending action", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPending)
		v := b.Get([]byte(id))
		if v == nil {
			return notFound("pending action " + id)
		}
		var r pendingRec
		if err := decode([]byte(id), v, &r); err != nil {
			return err
		}
		if r.State != from {
			return conflict(id, r.State, from)
		}
		r.State = to
		p = r.action(id)
		return put(b, []byte(id), r)
	})
	if err != nil {
		return PendingAction{}, err
	}
	return p, nil
}

func (s *boltStore) ListPending(ctx context.Context, state string) ([]PendingAction, error) {
	var out []PendingAction
	err := s.view(ctx, "list pending actions", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPending).ForEach(func(k, v []byte) error {
			var r pendingRec
			if err := decode(k, v, &r); err != nil {
				return err
			}
			if state == "" || r.State == state {
				out = append(out, r.action(string(k)))
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Feedback.

func (s *boltStore) AddFeedback(ctx context.Context, section, signature string, up bool, userID int64) error {
	k := binary.BigEndian.AppendUint64(appendStr(appendStr(nil, signatureKey(signature)), cleanText(section)), uint64(userID))
	return s.update(ctx, "add feedback", func(tx *bolt.Tx) error {
		return put(tx.Bucket(bucketFeedback), k, voteRec{Up: up, At: normTime(time.Now())})
	})
}

func (s *boltStore) FeedbackFor(ctx context.Context, signature string) (map[string]Feedback, error) {
	out := map[string]Feedback{}
	prefix := appendStr(nil, signatureKey(signature))
	err := s.view(ctx, "feedback", func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketFeedback).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			section, _, err := readStr(k[len(prefix):])
			if err != nil {
				return err
			}
			var r voteRec
			if err := decode(k, v, &r); err != nil {
				return err
			}
			f := out[section]
			f.Section = section
			if r.Up {
				f.Up++
			} else {
				f.Down++
			}
			out[section] = f
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Alerts.

func alertKey(host, container, event string) []byte {
	return appendStr(appendStr(appendStr(nil, host), container), event)
}

func (s *boltStore) GetAlert(ctx context.Context, host, container, event string) (AlertState, error) {
	var a AlertState
	err := s.view(ctx, "get alert", func(tx *bolt.Tx) error {
		k := alertKey(host, container, event)
		v := tx.Bucket(bucketAlerts).Get(k)
		if v == nil {
			return notFound(fmt.Sprintf("alert %s/%s/%s", host, container, event))
		}
		var r alertRec
		if err := decode(k, v, &r); err != nil {
			return err
		}
		a = AlertState{Host: host, Container: container, Event: event, LastSent: normTime(r.LastSent),
			Count: r.Count, ChatID: r.ChatID, MessageID: r.MessageID}
		return nil
	})
	return a, err
}

func (s *boltStore) PutAlert(ctx context.Context, a AlertState) error {
	return s.update(ctx, "put alert", func(tx *bolt.Tx) error {
		return put(tx.Bucket(bucketAlerts), alertKey(a.Host, a.Container, a.Event),
			alertRec{LastSent: normTime(a.LastSent), Count: a.Count, ChatID: a.ChatID, MessageID: a.MessageID})
	})
}

// Quotas.

func (s *boltStore) TakeQuota(ctx context.Context, key string, limit int) (int, bool, error) {
	used, ok := 0, false
	err := s.update(ctx, "take quota", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketQuota)
		if v := b.Get([]byte(key)); v != nil {
			n, err := strconv.Atoi(string(v))
			if err != nil {
				return fmt.Errorf("quota %q: %w", key, err)
			}
			used = n
		}
		if limit > 0 && used >= limit {
			return nil
		}
		used, ok = used+1, true
		return b.Put([]byte(key), []byte(strconv.Itoa(used)))
	})
	if err != nil {
		return 0, false, err
	}
	return used, ok, nil
}

// Mutes.

func muteKey(scope, name string) []byte { return appendStr(appendStr(nil, scope), name) }

func (s *boltStore) AddMute(ctx context.Context, m Mute) error {
	if err := validScope(m.Scope); err != nil {
		return err
	}
	return s.update(ctx, "add mute", func(tx *bolt.Tx) error {
		return put(tx.Bucket(bucketMutes), muteKey(m.Scope, m.Name), muteRec{Until: normTime(m.Until), By: m.By})
	})
}

func (s *boltStore) RemoveMute(ctx context.Context, scope, name string) (bool, error) {
	found := false
	err := s.update(ctx, "remove mute", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMutes)
		k := muteKey(scope, name)
		if b.Get(k) == nil {
			return nil
		}
		found = true
		return b.Delete(k)
	})
	if err != nil {
		return false, err
	}
	return found, nil
}

func (s *boltStore) ActiveMutes(ctx context.Context, now time.Time) ([]Mute, error) {
	now = normTime(now)
	var out []Mute
	err := s.view(ctx, "active mutes", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMutes).ForEach(func(k, v []byte) error {
			scope, rest, err := readStr(k)
			if err != nil {
				return err
			}
			name, _, err := readStr(rest)
			if err != nil {
				return err
			}
			var r muteRec
			if err := decode(k, v, &r); err != nil {
				return err
			}
			if r.Until.IsZero() || r.Until.After(now) {
				out = append(out, Mute{Scope: scope, Name: name, Until: normTime(r.Until), By: r.By})
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Scope != out[j].Scope {
			return out[i].Scope < out[j].Scope
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// Ping reads the meta bucket: it proves the file is open and mapped.
func (s *boltStore) Ping(ctx context.Context) error {
	return s.view(ctx, "ping", func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return errors.New("meta bucket missing")
		}
		return nil
	})
}

func (s *boltStore) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close %s: %w", s.path, err)
	}
	s.log.Debug().Str("path", s.path).Msg("store closed")
	return nil
}

// check runs bbolt's consistency check over the whole file (used by the
// crash test: a killed writer must leave a file that passes it).
func (s *boltStore) check() error {
	return s.db.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
}
