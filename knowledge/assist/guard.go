package assist

import "time"

// budget counts the calls of the current local day in memory: without a
// store (or while it fails), where a restart gives a fresh day's budget.
type budget struct {
	limit int // 0: no limit
	day   string
	used  int
}

// take spends one call if the day's budget allows it.
func (b *budget) take(now time.Time) bool {
	if d := now.Local().Format(time.DateOnly); d != b.day {
		b.day, b.used = d, 0
	}
	if b.limit > 0 && b.used >= b.limit {
		return false
	}
	b.used++
	return true
}

// breaker pauses calls after threshold consultations in a row failed at
// the endpoint. After the pause one consultation (the probe) goes through:
// its success closes the breaker, its failure opens it for another pause.
type breaker struct {
	threshold int
	pause     time.Duration
	fails     int
	openUntil time.Time // zero: closed
	probing   bool
}

// allow says whether a consultation may start; when not, for how long calls
// stay paused. probe is true for the one consultation let through after a
// pause.
func (b *breaker) allow(now time.Time) (wait time.Duration, probe, ok bool) {
	if b.openUntil.IsZero() {
		return 0, false, true
	}
	if now.Before(b.openUntil) {
		return b.openUntil.Sub(now), false, false
	}
	if b.probing {
		// Another consultation is the probe; wait for its outcome.
		return time.Second, false, false
	}
	b.probing = true
	return 0, true, true
}

func (b *breaker) success() {
	b.fails, b.openUntil, b.probing = 0, time.Time{}, false
}

func (b *breaker) failure(now time.Time) {
	b.fails++
	if b.probing || b.fails >= b.threshold {
		b.openUntil = now.Add(b.pause)
	}
	b.probing = false
}

// release ends a probe that reached no verdict on the endpoint's health
// (the budget was spent, the models were cooling down): the next
// consultation probes again.
func (b *breaker) release(probe bool) {
	if probe {
		b.probing = false
	}
}
