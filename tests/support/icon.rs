//! Rendering the icon's SVG to a PNG of one size (shared by examples/render_icons.rs, which
//! writes them, and tests/icon.rs, which checks the committed ones still match).

/// The PNG bytes of `svg` drawn `size` pixels square.
pub fn render(svg: &[u8], size: u32) -> Result<Vec<u8>, String> {
    let tree = resvg::usvg::Tree::from_data(svg, &resvg::usvg::Options::default())
        .map_err(|error| error.to_string())?;
    let mut pixmap =
        resvg::tiny_skia::Pixmap::new(size, size).ok_or_else(|| "an empty size".to_string())?;
    let scale = size as f32 / tree.size().width();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|error| error.to_string())
}
