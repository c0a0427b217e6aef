#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, vet, staticcheck, the
# race-enabled tests, a short run of every fuzz target, the benchmarks once,
# and the matcher's evaluation on the shared development set.
set -euo pipefail
cd "$(dirname "$0")/.."

export VIGIE_INTEGRATION=1
export PATH="$(go env GOPATH)/bin:$PATH"
# Fuzz budgets are execution counts, not durations: with a duration, Go 1.26
# can report "context deadline exceeded" at the deadline without any failing
# input (golang/go#75804, fixed in 1.27). FUZZ_EXECS overrides every budget.
FUZZ_EXECS="${FUZZ_EXECS:-}"

step() { printf '\n== %s\n' "$*"; }

step "services (dockerd)"
./scripts/services.sh

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "staticcheck"
if ! command -v staticcheck >/dev/null 2>&1; then
	go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
staticcheck ./...

step "go test -race"
go test -race -count=1 ./...

step "fuzz (execution-count budgets)"
fuzz() { # package target executions
	go test -run '^$' -fuzz "^$2\$" -fuzztime "${FUZZ_EXECS:-$3}x" -fuzzminimizetime 200x "$1"
}
fuzz ./knowledge FuzzParse 40000
fuzz ./knowledge FuzzNormalize 150000
fuzz ./knowledge FuzzMatch 50000
fuzz ./internal/tgfake FuzzParseHTML 60000

step "benchmarks (one pass, figures in the closing notes come from -benchtime runs)"
go test -run '^$' -bench . -benchtime 1x ./knowledge
go test -run '^$' -bench . -benchtime 3x ./watch

step "matcher evaluation on the development set"
if [ -f ../shared/eval/dev-errors.yaml ]; then
	go run ./cmd/vigie eval ../shared/eval/dev-errors.yaml --min-top1 0.85 --min-top3 0.95 --min-abstain 0.80
else
	echo "../shared/eval/dev-errors.yaml not found: skipped"
fi

echo
echo "all checks passed"
