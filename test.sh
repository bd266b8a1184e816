#!/usr/bin/env bash
# The one test command: installs what the tests need on a fresh machine
# (Go modules, npm packages, Debian's Chromium and Redis), checks that
# generated code is current, then runs every test with the race detector,
# the end-to-end ones (build tag e2e) included.
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)          # the browser tests
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)  # the two-replica test
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing from Debian: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "== npm packages (locked): the playground's, and the real clients of e2e/"
(cd playground && npm ci --no-audit --no-fund --loglevel=error)
(cd e2e && npm ci --no-audit --no-fund --loglevel=error)

echo "== Go modules"
go mod download

echo "== generated code is current"
go tool gqlgen generate
if ! git diff --quiet -- graph resolvers 2>/dev/null; then
  git --no-pager diff --stat -- graph resolvers
  echo "generated code is stale: run go generate ./... and commit" >&2
  exit 1
fi

echo "== gofmt and go vet"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt would change: $unformatted" >&2; exit 1; fi
go vet -tags e2e ./...

echo "== tests, those that start browsers, node, Redis and processes (-tags e2e) too; race detector on"
CI="${CI:-}" go test -race -count=1 -tags e2e ./... "$@"

echo "== two 2 GiB exports at once, alone: they load the disk and would slow the timed tests beside them"
VB365_LARGE_TESTS=1 go test -race -count=1 -run '^TestTwoLargeExports$' -v ./exports 2>&1 | grep -E '^(=== RUN|--- |\s+large_test|ok|FAIL|PASS)'

echo "== fuzzing, briefly (seed corpora in upstream/testdata/fuzz)"
# A count, not a duration: Go 1.26's fuzz coordinator can fail a target with
# "context deadline exceeded" as a duration ends (go.dev/issue/75804, fixed
# in Go 1.27), which a count never reaches.
for target in FuzzDecodeSessions FuzzDecodeJobsAndLog FuzzDecodersAgree FuzzParseLink FuzzValidateID; do
  go test ./upstream -run '^$' -fuzz "^${target}\$" -fuzztime "${FUZZTIME:-20000x}"
done
