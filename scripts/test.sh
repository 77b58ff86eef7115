#!/usr/bin/env bash
# Every test Bounce Desk has, as CI runs it: installs what the tests need on a fresh Debian
# machine (as root, through apt-get), then checks formatting and lints and runs the suite.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests need: OpenSSL headers for native-tls, and a real Dovecot (with
# the openssl command) for the IMAP sync tests.
packages=(pkg-config libssl-dev dovecot-imapd openssl)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
if ((${#missing[@]})); then
    if [ "$(id -u)" -ne 0 ]; then
        echo "test.sh: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --all-targets --locked
