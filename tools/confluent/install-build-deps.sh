#!/usr/bin/env bash
# Installs what a source build of @confluentinc/kafka-javascript needs on Debian or Ubuntu: a C and
# C++ toolchain and the -dev packages of the libraries librdkafka links against. Only missing
# packages are installed, so a second run does nothing and takes well under a second.
#
# Why each library matters: librdkafka's configure quietly leaves a feature out when its library is
# missing (no TLS without libssl, no zstd, no OAUTHBEARER/OIDC without libcurl, no GSSAPI without
# libsasl2), and the build still succeeds. tools/confluent/check-client.mjs fails on such a build.
set -euo pipefail

# The packages for a complete librdkafka (gzip, TLS, zstd, lz4, SASL with GSSAPI, OIDC over curl)
# and the toolchain node-gyp compiles the binding with.
PACKAGES=(
  zlib1g-dev libssl-dev libzstd-dev libcurl4-openssl-dev libsasl2-dev liblz4-dev
  pkg-config make gcc g++ python3
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-build-deps: this is not a Debian-based system (no dpkg-query)." >&2
  echo "Install the equivalents of these packages yourself: ${PACKAGES[*]}" >&2
  exit 1
fi

missing=()
for package in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [[ "$status" == installed ]] || missing+=("$package")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-build-deps: all present (${#PACKAGES[@]} packages)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-build-deps: apt-get is not available; install: ${missing[*]}" >&2
  exit 1
fi
echo "install-build-deps: installing ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-build-deps: not root and no sudo; as root run: apt-get install ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet, or stale ones naming versions the mirror no
# longer has: install from the current lists, refreshing them once if the first attempt fails.
install() { "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; }
if ! install; then
  "${sudo[@]}" apt-get update -q
  if ! install; then
    echo "install-build-deps: apt-get could not install ${missing[*]} (is a Debian mirror reachable?)" >&2
    exit 1
  fi
fi
