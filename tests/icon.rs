//! The app icon: every committed PNG size is what its SVG source renders to today (run
//! `cargo run --example render_icons` after changing the SVG), and the window's icon decodes.

#[path = "support/icon.rs"]
mod icon;

#[test]
fn every_icon_size_is_rendered_from_the_svg() {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/icon");
    let svg = std::fs::read(format!("{folder}/bouncedesk.svg")).expect("the SVG source");
    for size in [16, 24, 32, 48, 64, 128, 256, 512] {
        let committed = std::fs::read(format!("{folder}/{size}.png"))
            .unwrap_or_else(|_| panic!("{size}.png is missing: cargo run --example render_icons"));
        let rendered = icon::render(&svg, size).expect("the SVG renders");
        assert!(
            committed == rendered,
            "{size}.png is out of date: cargo run --example render_icons"
        );
        let decoded = image::load_from_memory(&committed).expect("a PNG");
        assert_eq!((decoded.width(), decoded.height()), (size, size));
    }
}
