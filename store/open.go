package store

import (
	"context"
	"errors"

	"github.com/rs/zerolog"
)

// Open opens the store the options select: PostgreSQL when URL is set,
// else the embedded file under DataDir (created 0700 if missing). Its
// errors are one line, name what to fix, and wrap ErrUnavailable when the
// store could not be reached. Connecting is bounded by Options.Timeout;
// PostgreSQL schema migrations, applied before Open returns, get up to a
// minute (a new index on a big audit table, another vigie migrating).
//
// The store holds the embedded file's lock, or a small connection pool,
// until Close.
func Open(ctx context.Context, o Options, log zerolog.Logger) (Store, error) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	log = log.With().Str("component", "store").Logger()
	if o.URL != "" {
		return openPostgres(ctx, o, log)
	}
	if o.DataDir == "" {
		return nil, errors.New("data_dir: must not be empty")
	}
	return openBolt(ctx, o, log)
}
