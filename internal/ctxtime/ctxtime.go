// Package ctxtime holds the one wait vigie needs everywhere: a sleep that
// ends early when its context does.
package ctxtime

import (
	"context"
	"time"
)

// Sleep waits for d, or until ctx is done, and then returns ctx.Err().
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
