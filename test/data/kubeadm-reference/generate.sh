#!/bin/sh
# Regenerates the recorded kubeadm output under v<version>/<case>/ from each case's config.yaml.
# Usage: generate.sh /path/to/kubeadm   (run as root: kubeadm --rootfs chroots)
# Each case renders into a fresh rootfs holding /etc/ca-certificates and /usr/share/ca-certificates,
# so the optional CA volumes appear; the environment is emptied so no *_proxy variables leak in.
set -eu
KUBEADM=$1
HERE=$(cd "$(dirname "$0")" && pwd)
VERSION=$("$KUBEADM" version -o short)
for dir in "$HERE/$VERSION"/*/; do
  root=$(mktemp -d)
  mkdir -p "$root/etc/ca-certificates" "$root/usr/share/ca-certificates"
  cp "$dir/config.yaml" "$root/cfg.yaml"
  run() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$KUBEADM" init phase "$@" --config /cfg.yaml --rootfs "$root" >/dev/null 2>&1; }
  run control-plane all
  grep -q 'external:' "$dir/config.yaml" || run etcd local
  run kubelet-start
  rm -rf "$dir/etc" "$dir/var"
  (cd "$root" && find etc/kubernetes var/lib/kubelet -type f) | while read -r f; do
    mkdir -p "$dir/$(dirname "$f")" && cp "$root/$f" "$dir/$f"
  done
  rm -rf "$root"
done
