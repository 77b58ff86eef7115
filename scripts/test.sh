#!/usr/bin/env bash
# Every test Bounce Desk has, as CI runs it: installs what the tests need on a fresh Debian
# machine (as root, through apt-get), then checks formatting and lints and runs the suite.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests need: OpenSSL headers for native-tls; a real Dovecot (with the
# openssl command) for the IMAP sync tests; Mesa's software Vulkan and GL drivers for the
# window's snapshot tests (wgpu renders on them); an X server (Xvfb) and the X libraries
# winit loads, for the screenshot smoke test of the real window; a D-Bus session bus and GNOME
# Keyring's Secret Service, the real OS keyring for the OAuth and store-key tests; what checks
# the packages (lintian, the desktop-entry and AppStream validators, man, Python's YAML reader).
packages=(pkg-config libssl-dev dovecot-imapd openssl
    mesa-vulkan-drivers libvulkan1 libegl1 libegl-mesa0 libgl1-mesa-dri
    xvfb xauth libx11-xcb1 libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6
    dbus-daemon gnome-keyring
    lintian desktop-file-utils appstream man-db python3-yaml)
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
    # Install without starting the system's own Dovecot: the tests start their own, and a
    # machine without an init system would fail the package's start-up script.
    policy=/usr/sbin/policy-rc.d
    ours=
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && ours=1
        # Ours goes however apt ends: left behind, it would keep every service from starting.
        trap 'if [ -n "$ours" ]; then rm -f "$policy"; fi' EXIT
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    if [ -n "$ours" ]; then rm -f "$policy"; fi
    trap - EXIT
fi

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --all-targets --locked

# The packages: what can be checked of Windows' and macOS' here, then the .deb built, linted,
# installed and started (scripts/package-deb.sh; it installs the package on this machine).
python3 scripts/check-packaging.py
command -v cargo-deb > /dev/null || cargo install cargo-deb --locked
if [ "$(id -u)" -eq 0 ]; then
    scripts/package-deb.sh
else
    echo "test.sh: not root: the .deb is not built and installed (run as root for that)" >&2
fi
