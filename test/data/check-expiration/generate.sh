#!/usr/bin/env bash
# Regenerates kubeadm's `certs check-expiration` output (text, json, yaml) for the renderer's unit tests:
# a PKI made by kubeadm, then one case with the cluster CA's key removed (external CA) and one with a certificate
# and a kubeconfig removed (missing rows). Usage: generate.sh <kubeadm binary>
set -euo pipefail
kubeadm=$1
out=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
base=$work/base
mkdir -p "$base/etc/kubernetes"
printf 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v1.36.3\ncertificatesDir: %s\n' \
  "$base/etc/kubernetes/pki" >"$work/make.yaml"
printf 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v1.36.3\n' >"$base/etc/kubernetes/cfg.yaml"
"$kubeadm" init phase certs all --config "$work/make.yaml" >/dev/null
"$kubeadm" init phase kubeconfig all --config "$work/make.yaml" --kubeconfig-dir "$base/etc/kubernetes" >/dev/null
cp -a "$base" "$work/external-ca" && rm "$work/external-ca/etc/kubernetes/pki/ca.key"
cp -a "$base" "$work/missing" && rm "$work/missing/etc/kubernetes/pki/etcd/peer.crt" "$work/missing/etc/kubernetes/super-admin.conf"
for case in external-ca missing; do
  for format in text json yaml; do
    "$kubeadm" certs check-expiration --rootfs "$work/$case" --config /etc/kubernetes/cfg.yaml -o "$format" >"$out/$case.$format"
  done
done
