#!/usr/bin/env bash
# Builds the images the tests use, locally (no registry is reachable in CI): an etcd image from Debian's
# etcd-server binary, a busybox image from Debian's
# busybox-static, and the same rootfs as the pod sandbox (pause) image, which only sleeps. Idempotent.
set -euo pipefail
BUSYBOX_IMAGE="${BUSYBOX_IMAGE:-kubebox-test/busybox:latest}"
PAUSE_IMAGE="${PAUSE_IMAGE:-kubebox-test/pause:latest}"
ETCD_IMAGE="${ETCD_IMAGE:-kubebox-test/etcd:latest}"

# etcd: Debian's etcd binary and the libraries it links, at /usr/local/bin/etcd as in registry.k8s.io/etcd.
if ! docker image inspect "$ETCD_IMAGE" >/dev/null 2>&1; then
  etcd_bin=$(command -v etcd)
  eroot=$(mktemp -d)
  mkdir -p "$eroot/usr/local/bin" "$eroot/tmp" "$eroot/var/lib/etcd"
  cp "$etcd_bin" "$eroot/usr/local/bin/etcd"
  for lib in $(ldd "$etcd_bin" | grep -o '/[^ ]*'); do mkdir -p "$eroot$(dirname "$lib")"; cp -L "$lib" "$eroot$lib"; done
  chmod 1777 "$eroot/tmp" "$eroot/var/lib/etcd"
  tar -C "$eroot" -c . | docker import -c 'ENV PATH=/usr/local/bin' -c 'ENTRYPOINT ["etcd"]' - "$ETCD_IMAGE" >/dev/null
  rm -rf "$eroot"
  echo "built $ETCD_IMAGE"
fi

if docker image inspect "$BUSYBOX_IMAGE" >/dev/null 2>&1 && docker image inspect "$PAUSE_IMAGE" >/dev/null 2>&1; then exit 0; fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/var/www" "$root/root"
cp /bin/busybox "$root/bin/busybox"
for app in $("$root/bin/busybox" --list); do [ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' - "$BUSYBOX_IMAGE" >/dev/null
# The same rootfs as the pod sandbox image: it only has to hold the network namespace, like registry.k8s.io/pause.
tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' -c 'ENTRYPOINT ["/bin/sleep", "2147483647"]' - "$PAUSE_IMAGE" >/dev/null
echo "built $BUSYBOX_IMAGE and $PAUSE_IMAGE"
