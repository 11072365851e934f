#!/usr/bin/env bash
# The README's test command: installs what the tests need when it is missing, then runs every test.
#   - Debian packages (as root, with apt-get): etcd-server (the store), docker.io (pods run as containers),
#     busybox-static (the test images' rootfs), python3-kubernetes (a real client).
#   - a Docker engine: started in the background when none answers (as root).
#   - the test images, built locally (no registry is needed): scripts/test-images.sh.
#   - npm dependencies from the lockfile.
# Not root and something missing: one line says what to install, and it exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v etcd >/dev/null 2>&1 || need_apt+=(etcd-server)
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
[ -x /bin/busybox ] || need_apt+=(busybox-static)
/usr/bin/python3 -c 'import kubernetes' >/dev/null 2>&1 || need_apt+=(python3-kubernetes)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${need_apt[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "the tests need: ${need_apt[*]} (Debian/Ubuntu: sudo apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
fi

if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "the tests need a running Docker engine (start dockerd, or add yourself to the docker group)" >&2
    exit 1
  fi
  echo "starting dockerd"
  nohup dockerd >/tmp/kubebox-dockerd.log 2>&1 &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /tmp/kubebox-dockerd.log" >&2; tail -20 /tmp/kubebox-dockerd.log >&2; exit 1; }
fi
bash scripts/test-images.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

npm run -s typecheck
bash test/run.sh "$@"
