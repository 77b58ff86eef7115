#!/usr/bin/env bash
# Builds Bounce Desk's .deb and checks it the way a user's machine meets it: lintian on the
# package, the desktop entry and AppStream metadata validated, then the package installed with
# apt-get (so that a missing dependency shows), the installed binary asked its version, its man
# page read, and the installed app drawing the demo under Xvfb. Run as root on Debian (CI runs
# it from scripts/test.sh); needs cargo-deb (`cargo install cargo-deb --locked`).
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/package
rm -rf "$out" && mkdir -p "$out"

# The man page and shell completions, generated from the command line's definition.
# (A debug build: the test run before this one has built everything it needs.)
cargo run --locked --quiet --example package_assets -- "$out"
gzip -9n "$out/bouncedesk.1"

desktop-file-validate packaging/linux/org.bouncedesk.BounceDesk.desktop
appstreamcli validate --no-net --pedantic packaging/linux/org.bouncedesk.BounceDesk.metainfo.xml

# Stripped: the line tables the release profile keeps are for our own backtraces, not users.
cargo deb --locked --strip --output "$out/"
deb=$(ls "$out"/bouncedesk_*.deb)
echo "package-deb: built $deb"

# No errors; the warnings left are explained in packaging/linux/lintian-overrides.
lintian --fail-on error --display-info "$deb"

# Installed as a user would: apt resolves (and would refuse) its dependencies. Without the
# recommended packages, so that what it depends on is shown to be enough to start.
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "./$deb"
installed=/usr/bin/bouncedesk
version=$("$installed" --version)
echo "package-deb: $version"
[ "$version" = "bouncedesk $(grep -m1 '^version' Cargo.toml | cut -d'"' -f2)" ]
man_page=$(MANPAGER=cat MANWIDTH=200 man bouncedesk | tr -s ' ')
grep -q "bouncedesk - Classify a newsletter" <<<"$man_page"
test -f /usr/share/applications/org.bouncedesk.BounceDesk.desktop
test -f /usr/share/metainfo/org.bouncedesk.BounceDesk.metainfo.xml
test -f /usr/share/icons/hicolor/256x256/apps/org.bouncedesk.BounceDesk.png
test -f /usr/share/bash-completion/completions/bouncedesk

# The installed app, with no Rust and no source tree at hand, draws the demo in a real X server.
shot="$PWD/$out/installed-demo.png"
runtime=$(mktemp -d)
chmod 700 "$runtime"
( cd / && XDG_RUNTIME_DIR="$runtime" xvfb-run -a -s "-screen 0 1280x820x24" \
    "$installed" --demo --screenshot "$shot" ) || { rm -rf "$runtime"; exit 1; }
rm -rf "$runtime"
test -s "$shot"
echo "package-deb: the installed app drew $shot"

# A first run for a new user: no data folder yet; the app makes it and opens the welcome view.
home=$(mktemp -d)
runtime=$(mktemp -d)
chmod 700 "$runtime"
first="$PWD/$out/installed-first-run.png"
( cd / && env -u XDG_DATA_HOME HOME="$home" XDG_RUNTIME_DIR="$runtime" \
    xvfb-run -a -s "-screen 0 1280x820x24" "$installed" --screenshot "$first" ) \
    || { rm -rf "$home" "$runtime"; exit 1; }
test -s "$home/.local/share/bouncedesk/bouncedesk.sqlite"
test -s "$first"
rm -rf "$home" "$runtime"
echo "package-deb: a first run made its data folder and drew $first"
