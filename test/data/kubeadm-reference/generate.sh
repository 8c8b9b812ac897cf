#!/bin/sh
# Regenerates the recorded kubeadm output under v<version>/<case>/ from each case's config.yaml.
# Usage: generate.sh /path/to/kubeadm...   (one kubeadm per release; run as root: kubeadm --rootfs chroots)
# Each case renders into a fresh rootfs holding /etc/ca-certificates and /usr/share/ca-certificates,
# so the optional CA volumes appear; the environment is emptied so no *_proxy variables leak in; the
# hostname is `vm` (in a UTS namespace of its own if the machine's differs), as the tests expect.
# Static Pods and kubelet files are kept as written; certificates, keys and kubeconfigs only as the
# summary in pki.json (summarize.ts): no key material leaves the rootfs.
set -eu
if [ "$(hostname)" != vm ]; then exec unshare --uts sh -c 'hostname vm && exec "$0" "$@"' "$0" "$@"; fi
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$REPO/node_modules/.bin/esbuild" "$HERE/summarize-cli.ts" --bundle --platform=node --format=esm \
  --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
  --log-level=warning --outfile="$work/summarize.mjs"

for KUBEADM in "$@"; do
  VERSION=$("$KUBEADM" version -o short)
  for dir in "$HERE/$VERSION"/*/; do
    root=$(mktemp -d "$work/root.XXXXXX")
    mkdir -p "$root/etc/ca-certificates" "$root/usr/share/ca-certificates"
    cp "$dir/config.yaml" "$root/cfg.yaml"
    run() {
      env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$KUBEADM" init phase "$@" --config /cfg.yaml --rootfs "$root" >"$work/log" 2>&1 ||
        { cat "$work/log" >&2; echo "kubeadm $VERSION init phase $* failed for $dir" >&2; exit 1; }
    }
    certs_start=$(date +%s)
    run certs all
    # kubeadm gives a kubeconfig's client certificate its CA's notBefore: a later start tells that from "now - 5m".
    sleep 2
    kubeconfig_start=$(date +%s)
    run kubeconfig all
    run control-plane all
    grep -q 'external:' "$dir/config.yaml" || run etcd local
    run kubelet-start
    cert_dir=$(sed -n 's/^certificatesDir: *//p' "$dir/config.yaml")
    node "$work/summarize.mjs" "$root" "${cert_dir:-/etc/kubernetes/pki}" "$certs_start" "$kubeconfig_start" >"$dir/pki.json"
    rm -rf "$dir/etc" "$dir/var"
    (cd "$root" && find etc/kubernetes/manifests var/lib/kubelet -type f) | while read -r f; do
      mkdir -p "$dir/$(dirname "$f")" && cp "$root/$f" "$dir/$f"
    done
    rm -rf "$root"
  done
done
