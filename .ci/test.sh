#!/usr/bin/env bash
# The one test command (README: "bash .ci/test.sh"). On a fresh machine of this
# kind it installs what is missing (Debian chromium when running as root, npm
# packages), then runs every check: templ freshness, gofmt, go vet, the Go tests
# with the race detector, the browser-code unit tests, the JS type check and the
# Playwright browser suite. The web/postgres tests run against a throwaway
# PostgreSQL cluster (.ci/postgres.sh; Debian postgresql is installed when
# running as root) unless PLANNER_TEST_POSTGRES_URL is already set.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    step "installing Debian chromium"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing; install it with: sudo apt-get install -y chromium" >&2
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

step "templ output is fresh"
if ls templates/*.templ >/dev/null 2>&1; then
  go tool templ generate >/dev/null
  if [ -n "$(git status --porcelain -- templates)" ]; then
    git status --porcelain -- templates
    echo "generated templ files are stale: run 'go tool templ generate' and commit" >&2
    exit 1
  fi
fi

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' | grep -v '_templ\.go$'))
if [ -n "$unformatted" ]; then echo "gofmt needed: $unformatted" >&2; exit 1; fi

step "go vet"
go vet ./...

step "PostgreSQL for the web/postgres tests"
source .ci/postgres.sh
start_postgres

step "go test -race"
go test -race -count=1 ./...

step "soak: 50 virtual planners, 30 s, every SQLite fault (e2e/soak)"
# The harness takes PLANNER_TEST_POSTGRES_URL as its default --postgres: unset it for the SQLite run.
env -u PLANNER_TEST_POSTGRES_URL -u PLANNER_TEST_POSTGRES_RESTART \
  npm run --silent soak -- --planners 50 --duration 30s --ttl 10s --faults bff-down,drop-sockets,skew,term,kill,rotate
if [ -n "${PLANNER_TEST_POSTGRES_URL:-}" ]; then
  soak_pg_faults=kill
  # pg-restart needs the restart command .ci/postgres.sh exports for its own cluster.
  if [ -n "${PLANNER_TEST_POSTGRES_RESTART:-}" ]; then soak_pg_faults=kill,pg-restart; fi
  step "soak: two instances on PostgreSQL, 50 planners, 30 s, faults $soak_pg_faults"
  npm run --silent soak -- --planners 50 --duration 30s --ttl 10s --faults "$soak_pg_faults"
fi
node --test e2e/soak/

step "node --test static/"
node --test static/

step "tsc --checkJs --noEmit"
npx tsc -p static/tsconfig.json

if ls e2e/*.spec.ts >/dev/null 2>&1; then
  step "playwright (Debian chromium)"
  npx playwright test -c e2e/playwright.config.ts
fi
