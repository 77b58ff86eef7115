#!/usr/bin/env python3
"""Checks what of the Windows and macOS packaging can be checked on Linux: every file parses
(the release workflow as YAML, the WiX source and the plists as XML), the WiX source names the
icon and binary the build makes, and the versions in Cargo.toml, the AppStream release list and
the Debian changelog agree."""

import re
import sys
import xml.dom.minidom
from pathlib import Path

import yaml

root = Path(__file__).resolve().parent.parent
problems = []

workflow = yaml.safe_load((root / ".github/workflows/release.yml").read_text())
for job in ("linux", "windows", "macos"):
    if job not in workflow.get("jobs", {}):
        problems.append(f"release.yml has no {job} job")

for path in ("packaging/windows/main.wxs", "packaging/macos/entitlements.plist",
             "packaging/linux/org.bouncedesk.BounceDesk.metainfo.xml"):
    try:
        xml.dom.minidom.parse(str(root / path))
    except Exception as error:  # noqa: BLE001 - any parse failure is the finding
        problems.append(f"{path}: {error}")

wxs = (root / "packaging/windows/main.wxs").read_text(encoding="windows-1252")
for needed in ("assets\\icon\\bouncedesk.ico", "bouncedesk.exe", "org.bouncedesk.BounceDesk"):
    if needed not in wxs:
        problems.append(f"main.wxs does not mention {needed}")
if not (root / "assets/icon/bouncedesk.ico").exists():
    problems.append("assets/icon/bouncedesk.ico is missing: cargo run --example render_icons")

version = re.search(r'^version = "([^"]+)"', (root / "Cargo.toml").read_text(), re.M).group(1)
metainfo = (root / "packaging/linux/org.bouncedesk.BounceDesk.metainfo.xml").read_text()
if f'<release version="{version}"' not in metainfo:
    problems.append(f"the metainfo has no release {version}")
changelog = (root / "packaging/linux/changelog").read_text()
if not changelog.startswith(f"bouncedesk ({version}-"):
    problems.append(f"packaging/linux/changelog does not start with {version}")
if f"## [{version}]" not in (root / "CHANGELOG.md").read_text():
    problems.append(f"CHANGELOG.md has no section for {version}")

for problem in problems:
    print(f"check-packaging: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
