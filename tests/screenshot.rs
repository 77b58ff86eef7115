//! Smoke test of the real window in a real X server (Xvfb): `bouncedesk --demo --screenshot`
//! opens the window, waits for its data, writes a PNG of it and exits. Needs Debian's `xvfb`
//! and Mesa's drivers (scripts/test.sh installs them).

mod support;

use std::collections::HashSet;
use std::path::Path;

fn screenshot(view: &str, path: &Path) {
    let (mut command, _runtime) = support::bouncedesk_in_xvfb();
    let output = command
        .args(["--demo", "--view", view, "--screenshot"])
        .arg(path)
        .output()
        .expect("xvfb-run");
    assert!(
        output.status.success(),
        "bouncedesk --screenshot failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_window_draws_the_demo_under_xvfb() {
    let dir = tempfile::tempdir().expect("temp dir");
    let views = [
        "dashboard",
        "bounces",
        "review",
        "rules",
        "recipients",
        "export",
        "settings",
    ];
    for view in views {
        let path = dir.path().join(format!("{view}.png"));
        screenshot(view, &path);
        let image = image::open(&path).expect("a PNG").to_rgba8();
        assert_eq!(image.dimensions(), (1280, 820), "{view}: the window's size");
        // A drawn view, not a blank or single-colour window: charts, text and colours.
        let colours: HashSet<[u8; 4]> = image.pixels().map(|pixel| pixel.0).collect();
        assert!(
            colours.len() > 200,
            "{view}: only {} colours",
            colours.len()
        );
    }
}
