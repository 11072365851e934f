#!/usr/bin/env bash
# Sets up and runs kubebox from a checkout: installs npm dependencies, starts an etcd from PATH (Debian's
# etcd-server) in the data dir when none answers on 127.0.0.1:2379, then runs the API server in the foreground.
# Extra arguments go to `cluster serve` (e.g. --port 0).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
data="${KUBEBOX_HOME:-$HOME/.kubebox}/default"
mkdir -p "$data"
if ! curl -sf http://127.0.0.1:2379/health >/dev/null 2>&1; then
  if ! command -v etcd >/dev/null 2>&1; then
    echo "kubebox needs etcd: install it (Debian/Ubuntu: sudo apt-get install etcd-server) or pass --etcd-servers" >&2
    exit 1
  fi
  etcd --data-dir "$data/etcd" --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --logger=zap --log-level=error >"$data/etcd.log" 2>&1 &
  etcd_pid=$!
  trap 'kill $etcd_pid 2>/dev/null' EXIT
  for _ in $(seq 50); do curl -sf http://127.0.0.1:2379/health >/dev/null 2>&1 && break; sleep 0.1; done
fi
node bin/cluster.js serve --etcd-servers http://127.0.0.1:2379 --data-dir "$data" "$@"
