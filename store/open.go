package store

import (
	"context"
	"errors"

	"github.com/rs/zerolog"
)

// Open opens the store the options select: PostgreSQL when URL is set (the
// schema is migrated before Open returns), else the embedded file under
// DataDir (created 0700 if missing). Its errors are one line, name what to
// fix, and wrap ErrUnavailable when the store could not be reached.
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
