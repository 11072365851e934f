#!/usr/bin/env bash
# Runs the test suite with Node's built-in runner (TypeScript through tsx).
#   bash test/run.sh            every tier: unit, integration (real etcd, real Docker), e2e (real kubectl)
#   bash test/run.sh unit       one tier (unit | integration | e2e), or explicit files
# Integration and e2e tests need `etcd` on PATH (Debian's etcd-server); .ci/run installs it.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-all}" in
  all) files=$(find test/unit test/integration test/e2e -name '*.test.ts' | sort) ;;
  unit | integration | e2e) files=$(find "test/$1" -name '*.test.ts' | sort) ;;
  *) files="$*" ;;
esac
# Two cores: two test files at a time; each file starts its own etcd and server on free ports.
exec node --import tsx --test --test-concurrency=2 --test-reporter=spec $files
